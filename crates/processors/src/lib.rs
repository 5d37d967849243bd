//! The processors that ship with jobcast: each kind is one `Processor` in its
//! own module. Processors report through their `JobContext` only; they never
//! touch the store, the bus or the network of other jobs, and they leave
//! retries and the end of the job to the worker.

pub mod bench;
mod blocking;
mod demo;
pub mod invoice;
pub mod llm;
mod option_values;
pub mod pdf;
pub mod sandbox;

pub use bench::BenchEmit;
pub use demo::DemoSteps;
pub use invoice::InvoiceExtract;
pub use pdf::PdfSentences;
pub use sandbox::{ParseLimits, ParserProgram, Sandbox};

use std::time::Duration;

use jobcast_core::Processors;

/// Where an LLM-backed kind finds its model: `JOBCAST_LLM_*`. The address
/// and key only ever come from here, never from a job's options, and they
/// belong to one `provider`: a job may choose that provider
/// (`model_provider`) and no other, so a key is never sent to a host it was
/// not configured for. No provider: no LLM.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LlmSettings {
    pub provider: Option<llm::LlmProvider>,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub model: Option<String>,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("model", &self.model)
            .finish()
    }
}

/// What the shipped processors need from the configuration.
#[derive(Debug, Clone)]
pub struct ProcessorSettings {
    pub llm: LlmSettings,
    /// Longest a single LLM request may take.
    pub llm_timeout: Duration,
    /// Where and within which limits documents are parsed.
    pub sandbox: Sandbox,
}

impl Default for ProcessorSettings {
    fn default() -> Self {
        ProcessorSettings {
            llm: LlmSettings::default(),
            llm_timeout: Duration::from_secs(120),
            sandbox: Sandbox::default(),
        }
    }
}

/// Every kind that ships, registered.
pub fn builtin(settings: &ProcessorSettings) -> Processors {
    Processors::new()
        .with(DemoSteps)
        .with(PdfSentences::new(settings.sandbox.clone()))
        .with(
            InvoiceExtract::new(settings.llm.clone(), settings.llm_timeout)
                .with_sandbox(settings.sandbox.clone()),
        )
}
