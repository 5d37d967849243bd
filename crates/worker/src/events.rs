//! `JobEvents` for one running attempt: what a processor's `emit`, `ask`,
//! `stopped` and `save_invoice` mean here. Every event is written on this
//! attempt, so a worker that lost its job cannot write into the next attempt.
//! Processors may only report (stages, progress, logs, partial results,
//! questions) and save what they extracted for the job's owner; how the
//! attempt ends is recorded by `finish`, never from here.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use jobcast_core::{
    Clarification, Event, EventDraft, EventType, JobEvents, JobId, JobSnapshot, Journal,
    ProcessError, StoreError, TransitionError,
};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{interval_at, sleep_until, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::store_retry::{self, OUTAGE_BUDGET};

/// How many events one poll for an answer reads; only a handful can follow
/// a clarification (answered, cancelled, failed, retrying).
const ANSWER_POLL_LIMIT: u32 = 100;

pub(crate) struct AttemptEvents {
    journal: Journal,
    /// The job as it was claimed: whose it is, for what it saves.
    job: JobSnapshot,
    job_id: JobId,
    attempt: u32,
    stop: CancellationToken,
    /// The job's stage after the last event this attempt wrote.
    stage: Mutex<Option<String>>,
    answers: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    poll_interval: Duration,
    answer_timeout: Duration,
}

impl AttemptEvents {
    pub fn new(
        journal: Journal,
        job: JobSnapshot,
        stop: CancellationToken,
        answers: mpsc::UnboundedReceiver<Event>,
        poll_interval: Duration,
        answer_timeout: Duration,
    ) -> Self {
        AttemptEvents {
            journal,
            job_id: job.job_id,
            attempt: job.attempt,
            job,
            stop,
            stage: Mutex::new(None),
            answers: tokio::sync::Mutex::new(answers),
            poll_interval,
            answer_timeout,
        }
    }

    /// The stage the job is in, as far as this attempt has written.
    pub fn stage(&self) -> Option<String> {
        self.stage
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    async fn append(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        let draft = draft.on_attempt(self.attempt);
        let appended = store_retry::while_unavailable(&self.stop, OUTAGE_BUDGET, || {
            self.journal.append(self.job_id, draft.clone())
        })
        .await;
        match appended {
            Ok((job, event)) => {
                *self
                    .stage
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = job.stage;
                Ok(event)
            }
            Err(
                StoreError::NotFound(_)
                | StoreError::Transition(
                    TransitionError::Finished(_)
                    | TransitionError::StaleAttempt { .. }
                    | TransitionError::NotAllowed { .. },
                ),
            ) => {
                // Cancelled, retried elsewhere, or gone: this attempt is over.
                self.stop.cancel();
                Err(ProcessError::Stopped)
            }
            Err(StoreError::Transition(error)) => {
                Err(ProcessError::input("bad_event", error.to_string()))
            }
            Err(error) => Err(ProcessError::transient(
                "store_unavailable",
                format!("could not record an event: {error}"),
            )),
        }
    }

    /// The answer to the clarification stored at `asked_seq`, if `events`
    /// holds it. Only one `answered` event can follow a clarification.
    fn answer_in<'a>(
        &self,
        events: impl IntoIterator<Item = &'a Event>,
        asked_seq: u64,
        clarification_id: &str,
    ) -> Option<Value> {
        let event = events
            .into_iter()
            .find(|e| e.seq > asked_seq && e.kind == EventType::Answered)?;
        let data = event.data.as_ref();
        let answered_id = data
            .and_then(|d| d.get("clarification_id"))
            .and_then(Value::as_str);
        if answered_id.is_some_and(|id| id != clarification_id) {
            tracing::warn!(
                job_id = %self.job_id,
                asked = clarification_id,
                answered = answered_id,
                "an answer names another clarification; taking it as the answer"
            );
        }
        Some(
            data.and_then(|d| d.get("answer"))
                .cloned()
                .unwrap_or(Value::Null),
        )
    }
}

#[async_trait]
impl JobEvents for AttemptEvents {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        match draft.kind {
            EventType::StageStart | EventType::Progress | EventType::Log | EventType::Partial => {
                self.append(draft).await
            }
            other => Err(ProcessError::input(
                "bad_event",
                format!(
                    "a processor may emit stage_start, progress, log and partial events, not {other:?}; \
                     ask() stores clarifications and the worker records how the job ends"
                ),
            )),
        }
    }

    async fn ask(&self, clarification: Clarification) -> Result<Value, ProcessError> {
        if self.stop.is_cancelled() {
            return Err(ProcessError::Stopped);
        }
        // One question at a time; holding the receiver from before the
        // clarification is stored means no answer can slip past.
        let mut answers = self.answers.lock().await;
        while answers.try_recv().is_ok() {}
        let data = serde_json::to_value(&clarification)
            .map_err(|e| ProcessError::input("bad_clarification", e.to_string()))?;
        let asked = self
            .append(
                EventDraft::new(EventType::Clarification)
                    .message(clarification.question.clone())
                    .data(data),
            )
            .await?;
        let deadline = Instant::now() + self.answer_timeout;
        let mut poll = interval_at(Instant::now() + self.poll_interval, self.poll_interval);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut bus_open = true;
        loop {
            tokio::select! {
                _ = self.stop.cancelled() => return Err(ProcessError::Stopped),
                received = answers.recv(), if bus_open => match received {
                    Some(event) => {
                        if let Some(answer) = self.answer_in([&event], asked.seq, &clarification.clarification_id) {
                            return Ok(answer);
                        }
                    }
                    None => bus_open = false,
                },
                _ = poll.tick() => {
                    // The bus may lag, or another instance may have stored the answer.
                    match self.journal.store().events_after(self.job_id, asked.seq, ANSWER_POLL_LIMIT).await {
                        Ok(events) => {
                            if let Some(answer) = self.answer_in(&events, asked.seq, &clarification.clarification_id) {
                                return Ok(answer);
                            }
                            if events.iter().any(|e| e.status.is_terminal() || e.kind == EventType::Retrying) {
                                self.stop.cancel();
                                return Err(ProcessError::Stopped);
                            }
                        }
                        Err(error) => {
                            tracing::warn!(job_id = %self.job_id, %error, "could not look for an answer in the store");
                        }
                    }
                }
                _ = sleep_until(deadline) => {
                    return Err(ProcessError::input(
                        "clarification_timeout",
                        format!(
                            "no answer to \"{}\" within {:?}",
                            clarification.question, self.answer_timeout
                        ),
                    ));
                }
            }
        }
    }

    fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    async fn stopped(&self) {
        self.stop.cancelled().await
    }

    async fn save_invoice(&self, data: Value) -> Result<String, ProcessError> {
        // A cancelled (or lost) attempt leaves nothing behind for its owner.
        if self.stop.is_cancelled() {
            return Err(ProcessError::Stopped);
        }
        self.journal
            .store()
            .save_invoice(&self.job, &data)
            .await
            .map_err(|error| {
                ProcessError::transient(
                    "store_unavailable",
                    format!("could not save the invoice: {error}"),
                )
            })
    }
}
