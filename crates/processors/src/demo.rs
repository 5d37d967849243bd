//! `demo.steps`: counts through a number of timed steps, to exercise the whole
//! pipeline (progress, partial results, clarifications, failures, retries,
//! cancellation) without doing real work. It must stay cheap and predictable:
//! no I/O other than its context, and every wait ends when the job is stopped.

use std::time::Duration;

use async_trait::async_trait;
use std::borrow::Cow;

use jobcast_core::{
    Clarification, JobContext, MediaType, OptionSpec, OptionValue, ProcessError, TypedProcessor,
};
use serde_json::{json, Value};

use crate::option_values::{self, boolean, integer, unknown, unless_problems};

pub struct DemoSteps;

const KIND: &str = "demo.steps";
const STAGE: &str = "count";
const MAX_STEPS: u64 = 10_000;
const MAX_STEP_MS: u64 = 60_000;

/// The options of `DemoOptions::parse`, described for forms.
const OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "steps",
        "Steps",
        "How many steps to count.",
        OptionValue::Integer {
            min: 1,
            max: MAX_STEPS,
            default: Some(10),
        },
    ),
    OptionSpec::new(
        "step_ms",
        "Step time (ms)",
        "How long each step takes.",
        OptionValue::Integer {
            min: 0,
            max: MAX_STEP_MS,
            default: Some(100),
        },
    ),
    OptionSpec::new(
        "fail_at",
        "Fail at step",
        "Fail on purpose at this step (empty: never).",
        OptionValue::Integer {
            min: 1,
            max: MAX_STEPS,
            default: None,
        },
    ),
    OptionSpec::new(
        "fail",
        "Failure kind",
        "input: final; transient: retried with backoff.",
        OptionValue::choice(
            &[Cow::Borrowed("input"), Cow::Borrowed("transient")],
            "input",
        ),
    ),
    OptionSpec::new(
        "ask",
        "Ask a question",
        "Halfway through, ask the owner whether to continue.",
        OptionValue::Boolean { default: false },
    ),
];

/// How a planned failure is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailAs {
    Input,
    Transient,
}

/// The options of `demo.steps`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    steps: u64,
    step_ms: u64,
    /// The step at which to fail, if any.
    fail_at: Option<u64>,
    fail: FailAs,
    /// Fail only on attempts up to this one (so a retry can succeed);
    /// `None` fails on every attempt.
    fail_attempts: Option<u64>,
    ask: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            steps: 10,
            step_ms: 100,
            fail_at: None,
            fail: FailAs::Input,
            fail_attempts: None,
            ask: false,
        }
    }
}

impl DemoOptions {
    /// Reads the options, reporting every problem at once.
    fn parse(options: &Value) -> Result<Self, String> {
        let mut parsed = DemoOptions::default();
        let mut problems = option_values::each(options, |key, value| match key {
            "steps" => integer(key, value, 1, MAX_STEPS).map(|n| parsed.steps = n),
            "step_ms" => integer(key, value, 0, MAX_STEP_MS).map(|n| parsed.step_ms = n),
            "fail_at" => integer(key, value, 1, MAX_STEPS).map(|n| parsed.fail_at = Some(n)),
            "fail_attempts" => {
                integer(key, value, 1, u64::from(u32::MAX)).map(|n| parsed.fail_attempts = Some(n))
            }
            "fail" => match value.as_str() {
                Some("input") => {
                    parsed.fail = FailAs::Input;
                    Ok(())
                }
                Some("transient") => {
                    parsed.fail = FailAs::Transient;
                    Ok(())
                }
                _ => Err(format!(
                    "fail must be \"input\" or \"transient\", not {value}"
                )),
            },
            "ask" => boolean(key, value).map(|b| parsed.ask = b),
            other => Err(unknown(
                other,
                &[
                    "steps",
                    "step_ms",
                    "fail_at",
                    "fail",
                    "fail_attempts",
                    "ask",
                ],
            )),
        })?;
        if let Some(at) = parsed.fail_at {
            if at > parsed.steps {
                problems.push(format!(
                    "fail_at ({at}) must not be more than steps ({})",
                    parsed.steps
                ));
            }
        }
        unless_problems(parsed, problems)
    }

    /// The failure planned for `step` of `attempt`, if any.
    fn failure(&self, step: u64, attempt: u32) -> Option<ProcessError> {
        if self.fail_at != Some(step) {
            return None;
        }
        if self
            .fail_attempts
            .is_some_and(|last| u64::from(attempt) > last)
        {
            return None;
        }
        let message = format!(
            "failed at step {step} of {} on attempt {attempt}, as the options asked",
            self.steps
        );
        Some(match self.fail {
            FailAs::Input => ProcessError::input("demo_failure", message),
            FailAs::Transient => ProcessError::transient("demo_transient", message),
        })
    }
}

/// Waits `ms`, or returns `Stopped` as soon as the job is stopped.
async fn pause(ctx: &JobContext, ms: u64) -> Result<(), ProcessError> {
    ctx.check_stopped()?;
    if ms > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
            _ = ctx.stopped() => return Err(ProcessError::Stopped),
        }
    }
    Ok(())
}

async fn ask_to_continue(ctx: &JobContext) -> Result<Value, ProcessError> {
    ctx.ask(Clarification {
        clarification_id: format!("continue-{}", ctx.job.attempt),
        question: "Continue counting?".into(),
        field: Some("continue".into()),
        suggestion: Some(Value::Bool(true)),
    })
    .await
}

#[async_trait]
impl TypedProcessor for DemoSteps {
    type Options = DemoOptions;

    fn kind(&self) -> &'static str {
        KIND
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text, MediaType::Pdf]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn parse_options(&self, options: &Value) -> Result<DemoOptions, String> {
        DemoOptions::parse(options)
    }

    async fn run_with(&self, ctx: JobContext, options: DemoOptions) -> Result<Value, ProcessError> {
        let n = options.steps;
        ctx.stage(STAGE, 5.0, format!("Counting {n} steps")).await?;
        let ask_after = options.ask.then_some(n / 2);
        let mut answer = Value::Null;
        if ask_after == Some(0) {
            answer = ask_to_continue(&ctx).await?;
        }
        for i in 1..=n {
            pause(&ctx, options.step_ms).await?;
            if let Some(failure) = options.failure(i, ctx.job.attempt) {
                return Err(failure);
            }
            let progress = 5.0 + 90.0 * i as f64 / n as f64;
            let message = format!("Step {i}/{n}");
            ctx.progress(progress, message.clone()).await?;
            if i % 5 == 0 {
                ctx.partial(progress, message, json!({ "step": i })).await?;
            }
            if ask_after == Some(i) {
                answer = ask_to_continue(&ctx).await?;
            }
        }
        let lines = match ctx.input.media_type {
            MediaType::Text => String::from_utf8_lossy(&ctx.input.bytes).lines().count(),
            _ => 0,
        };
        Ok(json!({
            "steps": n,
            "bytes": ctx.input.bytes.len(),
            "lines": lines,
            "answer": answer,
        }))
    }
}

#[cfg(test)]
mod tests;
