//! How an attempt ended, turned into the one event that records it:
//! `completed`, `failed`, `retrying` (with backoff, or handed back on drain
//! without using the attempt),
//! or nothing when the attempt is no longer ours to close. The retry decision
//! comes from the processor's error type and is made here only.
//! Store errors are retried a few times and logged; this must never panic.

use std::time::Duration;

use jobcast_core::{
    EventDraft, EventType, JobError, JobId, JobSnapshot, Journal, ProcessError, StoreError,
    Timestamp,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::pool::Shared;
use crate::retry_delay;
use crate::run::millis;
use crate::store_retry::{self, OUTAGE_BUDGET};

/// What `run` saw happen to an attempt.
pub(crate) enum Outcome {
    /// The processor returned (or was stopped and aborted: `Err(Stopped)`).
    Returned(Result<Value, ProcessError>),
    Panicked(String),
    TimedOut(Duration),
    /// The result is larger than `max_result_bytes` (this many bytes).
    TooLarge(u64),
    /// The attempt could not start; retrying cannot help.
    Refused {
        code: &'static str,
        message: String,
    },
}

const STORE_TRIES: u32 = 5;
const STORE_RETRY_BASE: Duration = Duration::from_millis(100);

pub(crate) async fn record(
    shared: &Shared,
    job: &JobSnapshot,
    stage: Option<String>,
    stop: &CancellationToken,
    outcome: Outcome,
) {
    let id = job.job_id;
    let attempt = job.attempt;
    let outcome = match (outcome, shared.config.max_result_bytes) {
        (Outcome::Returned(Ok(value)), Some(limit)) => {
            // Measuring a result of megabytes is no work for the runtime.
            let measured = tokio::task::spawn_blocking(move || {
                let fits = fits(&value, limit);
                (value, fits)
            })
            .await;
            match measured {
                Ok((value, true)) => Outcome::Returned(Ok(value)),
                Ok((_, false)) => Outcome::TooLarge(limit),
                Err(e) => Outcome::Panicked(format!("measuring the result failed: {e}")),
            }
        }
        (outcome, _) => outcome,
    };
    let draft = match outcome {
        Outcome::TooLarge(limit) => Some(failed(
            "result_too_large".into(),
            format!("the job's result is larger than the limit of {limit} bytes"),
            stage,
            false,
        )),
        Outcome::Returned(Ok(value)) => Some(EventDraft::new(EventType::Completed).data(value)),
        Outcome::Returned(Err(ProcessError::Input { code, message })) => {
            Some(failed(code, message, stage, false))
        }
        Outcome::Returned(Err(ProcessError::Transient { code, message })) => {
            if job.has_attempts_left() {
                let delay = retry_delay(
                    attempt,
                    shared.config.backoff_base,
                    shared.config.backoff_max,
                );
                let text = format!(
                    "Attempt {attempt} failed: {message}; retrying in {}",
                    describe(delay)
                );
                Some(
                    EventDraft::new(EventType::Retrying)
                        .message(text)
                        .run_after(Timestamp::now().plus_millis(millis(delay)))
                        .data(error_data(code, message, stage, true)),
                )
            } else {
                Some(failed(code, message, stage, true))
            }
        }
        Outcome::Returned(Err(ProcessError::Stopped)) => {
            after_stop(shared, id, attempt, stage, stop).await
        }
        Outcome::Panicked(message) => {
            tracing::error!(job_id = %id, attempt, kind = %job.kind, %message, "a processor panicked");
            Some(failed(
                "internal".into(),
                format!("the processor panicked: {message}"),
                stage,
                false,
            ))
        }
        Outcome::TimedOut(limit) => Some(failed(
            "timeout".into(),
            format!("the job ran longer than {}", describe(limit)),
            stage,
            false,
        )),
        Outcome::Refused { code, message } => Some(failed(code.into(), message, stage, false)),
    };
    if let Some(draft) = draft {
        append(&shared.journal, id, draft.on_attempt(attempt)).await;
    }
}

/// The processor stopped. Nothing to record if the job was cancelled or moved
/// on; hand it back if this pool is draining (a hand-back uses no attempt).
async fn after_stop(
    shared: &Shared,
    id: JobId,
    attempt: u32,
    stage: Option<String>,
    stop: &CancellationToken,
) -> Option<EventDraft> {
    let current = match shared.journal.store().job(id).await {
        Ok(current) => current,
        Err(error) if shared.draining.is_cancelled() => {
            tracing::warn!(job_id = %id, %error, "could not read a job before handing it back; trying anyway");
            return Some(EventDraft::hand_back(attempt));
        }
        Err(error) => {
            tracing::warn!(job_id = %id, %error, "could not read a stopped job; its lease will expire");
            return None;
        }
    };
    let job = current?;
    if job.attempt != attempt || job.status.is_terminal() {
        // Cancelled, failed, or retried elsewhere after a lost lease.
        return None;
    }
    if shared.draining.is_cancelled() {
        return Some(EventDraft::hand_back(attempt));
    }
    // Still ours and nobody asked it to stop for a reason the store shows.
    let message = if stop.is_cancelled() {
        "the processor was stopped by an event it was not allowed to write"
    } else {
        "the processor stopped without being asked to"
    };
    Some(failed("internal".into(), message.into(), stage, false))
}

fn failed(code: String, message: String, stage: Option<String>, retryable: bool) -> EventDraft {
    EventDraft::new(EventType::Failed).data(error_data(code, message, stage, retryable))
}

/// The `data` of a `failed` event: a `JobError`.
fn error_data(code: String, message: String, stage: Option<String>, retryable: bool) -> Value {
    json!(JobError {
        code,
        message,
        stage,
        retryable,
    })
}

/// Appends the closing event, waiting out a passing store fault and trying
/// a few more times on any other error.
/// A refused transition means the job moved on; that is not an error.
pub(crate) async fn append(journal: &Journal, id: JobId, draft: EventDraft) {
    let kind = draft.kind;
    let never = CancellationToken::new();
    for try_number in 1..=STORE_TRIES {
        let appended = store_retry::while_unavailable(&never, OUTAGE_BUDGET, || {
            journal.append(id, draft.clone())
        })
        .await;
        match appended {
            Ok(_) => return,
            Err(StoreError::NotFound(_)) => {
                tracing::info!(job_id = %id, ?kind, "job is gone; nothing to record");
                return;
            }
            Err(StoreError::Transition(error)) => {
                tracing::info!(job_id = %id, ?kind, %error, "job moved on; not recording");
                return;
            }
            Err(error) if try_number < STORE_TRIES => {
                tracing::warn!(job_id = %id, ?kind, %error, try_number, "could not record how a job ended; retrying");
                tokio::time::sleep(STORE_RETRY_BASE * 2u32.pow(try_number - 1)).await;
            }
            Err(error) => {
                tracing::error!(job_id = %id, ?kind, %error, "could not record how a job ended; its lease will expire and it will be recovered");
            }
        }
    }
}

/// Whether `value` is at most `limit` bytes of JSON. Counts without
/// keeping the text, and stops counting past the limit.
fn fits(value: &Value, limit: u64) -> bool {
    struct Budget(u64);
    impl std::io::Write for Budget {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(buf.len() as u64)
                .ok_or_else(|| std::io::Error::other("over the limit"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Budget(limit), value).is_ok()
}

/// A duration for people: `250ms`, `2s`, `1.5s`.
fn describe(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
