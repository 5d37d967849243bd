//! The `invoice.extract` processor: runs the stages in order and reports
//! through its `JobContext` only — `fetch` 5 %, `llm_extraction` (builtin
//! rules or an LLM, with progress), `validation` 85 % (with, under
//! `human_in_loop`, one clarification about the weakest field), `save` 95 %
//! when `auto_save` — and returns `{"invoice_id", "confidence_score",
//! "requires_review", "extracted_data"}`. Retries and the end of the job
//! belong to the worker.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jobcast_core::{
    Clarification, JobContext, JobInput, MediaType, OptionSpec, ProcessError, TypedProcessor,
};
use serde_json::{json, Value};

use super::answer::apply_answer;
use super::extract::Extractor;
use super::input;
use super::llm_extract;
use super::model::{Extraction, Field};
use super::options::{InvoiceOptions, Provider};
use super::validate::{validate, Issue, Validation};
use crate::blocking::off_runtime;
use crate::llm::{model_for, ChatModel};
use crate::sandbox::Sandbox;
use crate::LlmSettings;

const KIND: &str = "invoice.extract";

pub struct InvoiceExtract {
    llm: LlmSettings,
    /// Its options as offered: `model_provider` lists only usable providers.
    specs: Vec<OptionSpec>,
    llm_timeout: Duration,
    /// A model used for every LLM provider instead of the configured ones.
    model: Option<Arc<dyn ChatModel>>,
    /// Where its PDFs are read.
    sandbox: Sandbox,
}

impl InvoiceExtract {
    pub fn new(llm: LlmSettings, llm_timeout: Duration) -> Self {
        let offered: Vec<&'static str> = llm.provider.iter().map(|p| p.name()).collect();
        InvoiceExtract {
            specs: super::options::specs_offering(&offered),
            llm,
            llm_timeout,
            model: None,
            sandbox: Sandbox::default(),
        }
    }

    /// Reads PDFs in `sandbox` (by default: the program
    /// `ParserProgram::locate` finds, with the default limits).
    pub fn with_sandbox(mut self, sandbox: Sandbox) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// Uses `model` whatever LLM provider a job names (tests, embedding).
    pub fn with_model(model: Arc<dyn ChatModel>) -> Self {
        InvoiceExtract {
            llm: LlmSettings::default(),
            specs: super::options::SPECS.to_vec(),
            llm_timeout: Duration::from_secs(120),
            model: Some(model),
            sandbox: Sandbox::default(),
        }
    }

    fn model(&self, provider: &'static str) -> Result<Arc<dyn ChatModel>, crate::llm::LlmError> {
        match &self.model {
            Some(model) => Ok(model.clone()),
            None => model_for(provider, &self.llm, self.llm_timeout),
        }
    }

    async fn builtin(&self, ctx: &JobContext, text: &str) -> Result<Extraction, ProcessError> {
        ctx.stage(
            "llm_extraction",
            10.0,
            "Extracting fields with the builtin rules",
        )
        .await?;
        // Each step runs on a blocking thread: the async runtime is no place
        // for a megabyte of text rules.
        let text = text.to_owned();
        let mut extractor = off_runtime(move || {
            let mut extractor = Extractor::new(&text);
            extractor.read_labels();
            extractor
        })
        .await?;
        ctx.progress(30.0, "Read the labelled fields").await?;
        extractor = off_runtime(move || {
            extractor.read_items();
            extractor
        })
        .await?;
        ctx.progress(50.0, "Read the line items").await?;
        extractor = off_runtime(move || {
            extractor.read_parties();
            extractor
        })
        .await?;
        ctx.progress(65.0, "Read vendor and customer").await?;
        let extraction = off_runtime(move || {
            extractor.read_totals();
            extractor.finish()
        })
        .await?;
        ctx.progress(75.0, "Read the totals").await?;
        Ok(extraction)
    }

    async fn with_llm(
        &self,
        ctx: &JobContext,
        provider: &'static str,
        text: &str,
    ) -> Result<Extraction, ProcessError> {
        ctx.stage(
            "llm_extraction",
            llm_extract::PROGRESS_FROM,
            format!("Analyzing invoice with AI ({provider})..."),
        )
        .await?;
        let model = self.model(provider).map_err(llm_extract::process_error)?;
        llm_extract::extract_with(ctx, model.as_ref(), text).await
    }
}

fn question(issue: &Issue) -> String {
    let label = issue.field.label();
    if issue.code == "missing" {
        format!("No {label} was found on the invoice. What is the {label}?")
    } else {
        format!(
            "{}. What is the correct {label}?",
            capitalise(&issue.message)
        )
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Asks about the weakest field, applies the answer, validates again.
async fn clarify(
    ctx: &JobContext,
    extraction: &mut Extraction,
    validation: Validation,
) -> Result<Validation, ProcessError> {
    let Some(issue) = validation.weakest().cloned() else {
        return Ok(validation);
    };
    let field: Field = issue.field;
    let answer = ctx
        .ask(Clarification {
            clarification_id: format!("{}-{}", field.path(), ctx.job.attempt),
            question: question(&issue),
            field: Some(field.path().to_string()),
            suggestion: issue.suggestion.clone(),
        })
        .await?;
    match apply_answer(
        &mut extraction.invoice,
        field,
        &answer,
        issue.suggestion.as_ref(),
    ) {
        Ok(()) => {
            // A person confirmed this field: the extractor's doubts about it go.
            extraction.doubts.retain(|d| d.field != field);
            ctx.progress(90.0, format!("Applied the answer to {field}"))
                .await?;
        }
        Err(why) => {
            ctx.log(format!("The answer for {field} was not used: {why}"))
                .await?;
        }
    }
    Ok(validate(&extraction.invoice, &extraction.doubts))
}

#[async_trait]
impl TypedProcessor for InvoiceExtract {
    type Options = InvoiceOptions;

    fn kind(&self) -> &'static str {
        KIND
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Pdf, MediaType::Text]
    }

    fn options(&self) -> &[OptionSpec] {
        &self.specs
    }

    fn parse_options(&self, options: &Value) -> Result<InvoiceOptions, String> {
        InvoiceOptions::parse(options)
    }

    fn admit(&self, options: &InvoiceOptions) -> Result<(), String> {
        if let Provider::Llm(provider) = options.provider {
            // Refuse a provider this server is not configured for now,
            // rather than fail the job later.
            self.model(provider).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn run_with(
        &self,
        mut ctx: JobContext,
        options: InvoiceOptions,
    ) -> Result<Value, ProcessError> {
        ctx.stage("fetch", 5.0, "Preparing the invoice for processing...")
            .await?;
        let document = JobInput {
            filename: ctx.input.filename.clone(),
            media_type: ctx.input.media_type,
            bytes: std::mem::take(&mut ctx.input.bytes),
        };
        // Cancelling drops the parse, which kills its process.
        let loaded = tokio::select! {
            loaded = input::load(document, &self.sandbox) => loaded?,
            _ = ctx.stopped() => return Err(ProcessError::Stopped),
        };
        let chars = loaded.text.chars().count();
        let described = match loaded.pages {
            Some(pages) => format!("Read {pages} PDF page(s), {chars} characters"),
            None => format!("Read {chars} characters of text"),
        };
        ctx.progress(7.0, described).await?;
        ctx.check_stopped()?;

        let mut extraction = match options.provider {
            Provider::Builtin => self.builtin(&ctx, &loaded.text).await?,
            Provider::Llm(provider) => self.with_llm(&ctx, provider, &loaded.text).await?,
        };
        ctx.partial(
            80.0,
            "Fields extracted",
            json!({
                "model_provider": options.provider.name(),
                "extracted_data": extraction.invoice.to_json(),
            }),
        )
        .await?;
        ctx.check_stopped()?;

        ctx.stage("validation", 85.0, "Validating extracted data...")
            .await?;
        let threshold = options.confidence_threshold;
        let mut validation = validate(&extraction.invoice, &extraction.doubts);
        if options.human_in_loop && validation.confidence < threshold {
            validation = clarify(&ctx, &mut extraction, validation).await?;
        }
        let requires_review = validation.confidence < threshold;
        let mut summary = format!("Confidence {:.2}", validation.confidence);
        let problems = validation.summary();
        if !problems.is_empty() {
            summary.push_str(": ");
            summary.push_str(&problems.join("; "));
        }
        ctx.log(summary).await?;

        let data = extraction.invoice.to_json();
        let invoice_id = if options.auto_save {
            ctx.stage("save", 95.0, "Saving invoice to database...")
                .await?;
            let mut saved = data.clone();
            if let Value::Object(map) = &mut saved {
                map.insert("confidence_score".into(), json!(validation.confidence));
                map.insert("requires_review".into(), json!(requires_review));
            }
            Some(ctx.save_invoice(saved).await?)
        } else {
            None
        };
        Ok(json!({
            "invoice_id": invoice_id,
            "confidence_score": validation.confidence,
            "requires_review": requires_review,
            "extracted_data": data,
        }))
    }
}

#[cfg(test)]
mod tests;
