//! Processors: the code that does a job's work. In-process kinds implement
//! `Processor`; they report through a `JobContext` and never touch the store
//! or the bus themselves. The error type carries the retry decision.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Event, EventDraft, EventType, JobInput, JobSnapshot, KindInfo, MediaType, OptionSpec};

/// Why a processor stopped without a result. Decides whether to retry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProcessError {
    /// The input or the options are at fault: retrying cannot help.
    #[error("{message}")]
    Input { code: String, message: String },
    /// Something outside the job failed (a timeout, a 503): worth another attempt.
    #[error("{message}")]
    Transient { code: String, message: String },
    /// The job was cancelled, or the worker is draining: stop now.
    #[error("stopped")]
    Stopped,
}

impl ProcessError {
    pub fn input(code: impl Into<String>, message: impl Into<String>) -> Self {
        ProcessError::Input {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn transient(code: impl Into<String>, message: impl Into<String>) -> Self {
        ProcessError::Transient {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn retryable(&self) -> bool {
        matches!(self, ProcessError::Transient { .. })
    }
}

/// A question a job asks its owner (the `data` of a `clarification` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clarification {
    pub clarification_id: String,
    pub question: String,
    pub field: Option<String>,
    pub suggestion: Option<Value>,
}

/// What a running job can do to the outside world; implemented by the worker.
#[async_trait]
pub trait JobEvents: Send + Sync {
    /// Stores and publishes an event of the running attempt. Fails with
    /// `Stopped` once the job is cancelled or the attempt is no longer current.
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError>;
    /// Stores the clarification, waits for its answer (or cancellation, or the
    /// time limit) and returns the answer.
    async fn ask(&self, clarification: Clarification) -> Result<Value, ProcessError>;
    fn is_stopped(&self) -> bool;
    /// Resolves when the job is cancelled or the worker drains.
    async fn stopped(&self);
    /// Saves an invoice this job extracted, for its owner; returns its id.
    async fn save_invoice(&self, data: Value) -> Result<String, ProcessError>;
}

/// Handed to `Processor::run`: the job, its input, and the way to report.
pub struct JobContext {
    pub job: JobSnapshot,
    pub input: JobInput,
    events: Arc<dyn JobEvents>,
}

impl JobContext {
    pub fn new(job: JobSnapshot, input: JobInput, events: Arc<dyn JobEvents>) -> Self {
        JobContext { job, input, events }
    }

    pub fn options(&self) -> &Value {
        &self.job.options
    }

    pub async fn stage(
        &self,
        stage: &str,
        progress: f64,
        message: impl Into<String>,
    ) -> Result<Event, ProcessError> {
        self.emit(
            EventDraft::new(EventType::StageStart)
                .stage(stage)
                .progress(progress)
                .message(message),
        )
        .await
    }

    pub async fn progress(
        &self,
        progress: f64,
        message: impl Into<String>,
    ) -> Result<Event, ProcessError> {
        self.emit(
            EventDraft::new(EventType::Progress)
                .progress(progress)
                .message(message),
        )
        .await
    }

    pub async fn log(&self, message: impl Into<String>) -> Result<Event, ProcessError> {
        self.emit(EventDraft::new(EventType::Log).message(message))
            .await
    }

    pub async fn partial(
        &self,
        progress: f64,
        message: impl Into<String>,
        data: Value,
    ) -> Result<Event, ProcessError> {
        self.emit(
            EventDraft::new(EventType::Partial)
                .progress(progress)
                .message(message)
                .data(data),
        )
        .await
    }

    pub async fn ask(&self, clarification: Clarification) -> Result<Value, ProcessError> {
        self.events.ask(clarification).await
    }

    pub async fn save_invoice(&self, data: Value) -> Result<String, ProcessError> {
        self.events.save_invoice(data).await
    }

    pub async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        self.events.emit(draft).await
    }

    /// `Err(Stopped)` once the job should stop; call between units of work.
    pub fn check_stopped(&self) -> Result<(), ProcessError> {
        if self.events.is_stopped() {
            Err(ProcessError::Stopped)
        } else {
            Ok(())
        }
    }

    pub async fn stopped(&self) {
        self.events.stopped().await
    }
}

/// A kind as the server and the worker see it: object-safe, options as JSON.
/// A kind with options of its own implements `TypedProcessor` instead, and
/// gets this trait from it.
#[async_trait]
pub trait Processor: Send + Sync + 'static {
    /// The `kind` that selects this processor, e.g. `pdf.sentences`.
    fn kind(&self) -> &'static str;
    /// The contents this kind accepts, judged by `MediaType::sniff`.
    fn accepts(&self) -> &'static [MediaType];
    /// Refuses options this kind cannot use, with a message for the user.
    fn check_options(&self, _options: &Value) -> Result<(), String> {
        Ok(())
    }
    /// Its options, described for forms and `GET /api/kinds`.
    fn options(&self) -> &[OptionSpec] {
        &[]
    }
    async fn run(&self, ctx: JobContext) -> Result<Value, ProcessError>;
}

/// A kind whose options read into a typed value. One parser,
/// `parse_options`, serves both the check at submission and the run, so the
/// two cannot disagree, and `run_with` gets the value instead of reading the
/// JSON again. Every such type is a `Processor` (the impl below).
#[async_trait]
pub trait TypedProcessor: Send + Sync + 'static {
    /// The options, read.
    type Options: Send;
    /// The `kind` that selects this processor, e.g. `pdf.sentences`.
    fn kind(&self) -> &'static str;
    /// The contents this kind accepts, judged by `MediaType::sniff`.
    fn accepts(&self) -> &'static [MediaType];
    /// Its options, described for forms and `GET /api/kinds`.
    fn options(&self) -> &[OptionSpec];
    /// Reads the options, refusing what this kind cannot use with a message
    /// for the user.
    fn parse_options(&self, options: &Value) -> Result<Self::Options, String>;
    /// What the check at submission refuses beyond the reading: what this
    /// instance cannot serve now (a provider it is not configured for). The
    /// run does not repeat it; it meets the same lack as its own error.
    fn admit(&self, _options: &Self::Options) -> Result<(), String> {
        Ok(())
    }
    async fn run_with(
        &self,
        ctx: JobContext,
        options: Self::Options,
    ) -> Result<Value, ProcessError>;
}

#[async_trait]
impl<T: TypedProcessor> Processor for T {
    fn kind(&self) -> &'static str {
        TypedProcessor::kind(self)
    }

    fn accepts(&self) -> &'static [MediaType] {
        TypedProcessor::accepts(self)
    }

    fn check_options(&self, options: &Value) -> Result<(), String> {
        self.admit(&self.parse_options(options)?)
    }

    fn options(&self) -> &[OptionSpec] {
        TypedProcessor::options(self)
    }

    /// Options that no longer read (stored before a change of the kind) fail
    /// the job as `invalid_options`.
    async fn run(&self, ctx: JobContext) -> Result<Value, ProcessError> {
        let options = self
            .parse_options(ctx.options())
            .map_err(|message| ProcessError::input("invalid_options", message))?;
        self.run_with(ctx, options).await
    }
}

/// The kinds this instance knows, by name.
#[derive(Clone, Default)]
pub struct Processors {
    by_kind: BTreeMap<String, Arc<dyn Processor>>,
}

impl Processors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, processor: impl Processor) -> Self {
        self.register(Arc::new(processor));
        self
    }

    pub fn register(&mut self, processor: Arc<dyn Processor>) {
        self.by_kind.insert(processor.kind().to_string(), processor);
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Processor>> {
        self.by_kind.get(kind)
    }

    pub fn kinds(&self) -> Vec<String> {
        self.by_kind.keys().cloned().collect()
    }

    /// Every kind with what it accepts and its options, by name.
    pub fn describe(&self) -> Vec<KindInfo> {
        self.by_kind
            .values()
            .map(|p| KindInfo {
                kind: p.kind().to_string(),
                accepts: p.accepts().iter().map(|m| m.as_str().to_string()).collect(),
                options: p.options().to_vec(),
            })
            .collect()
    }
}
