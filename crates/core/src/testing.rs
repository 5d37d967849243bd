//! Test support for processor authors (feature `testing`): the worker's side
//! of a job without the worker. [`RecordingEvents`] records what a processor
//! reports, answers its questions with a set value, saves invoices in
//! memory, and can be stopped; [`job_context`] builds the context to run a
//! `Processor` alone with it.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::watch;

use crate::{
    Clarification, Event, EventDraft, EventType, JobContext, JobEvents, JobId, JobInput,
    JobSnapshot, MediaType, NewJob, ProcessError, Status, Timestamp,
};

/// A question the processor asked, and how many events came before it.
#[derive(Debug, Clone, PartialEq)]
pub struct AskedQuestion {
    pub clarification: Clarification,
    pub after_events: usize,
}

/// Records every event, question and saved invoice of one job.
pub struct RecordingEvents {
    drafts: Mutex<Vec<EventDraft>>,
    emitted: Mutex<usize>,
    questions: Mutex<Vec<AskedQuestion>>,
    saved: Mutex<Vec<Value>>,
    answer: Value,
    stop: watch::Sender<bool>,
    stop_after: Option<usize>,
    keep_events: bool,
}

impl RecordingEvents {
    /// Answers questions with `null`; never stops by itself.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::build())
    }

    /// Answers every question with `answer`.
    pub fn answering(answer: Value) -> Arc<Self> {
        Arc::new(RecordingEvents {
            answer,
            ..Self::build()
        })
    }

    /// Stops the job once `n` events were emitted (answers `true`).
    pub fn stopping_after(n: usize) -> Arc<Self> {
        Arc::new(RecordingEvents {
            stop_after: Some(n),
            answer: Value::Bool(true),
            ..Self::build()
        })
    }

    /// Counts events without keeping them: for benchmarks, where keeping
    /// them would be measured too.
    pub fn discarding() -> Arc<Self> {
        Arc::new(RecordingEvents {
            keep_events: false,
            ..Self::build()
        })
    }

    fn build() -> Self {
        RecordingEvents {
            drafts: Mutex::new(Vec::new()),
            emitted: Mutex::new(0),
            questions: Mutex::new(Vec::new()),
            saved: Mutex::new(Vec::new()),
            answer: Value::Null,
            stop: watch::channel(false).0,
            stop_after: None,
            keep_events: true,
        }
    }

    /// Stops the job, as a cancellation would.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn drafts(&self) -> Vec<EventDraft> {
        lock(&self.drafts).clone()
    }

    /// The events of one type, in order.
    pub fn of(&self, kind: EventType) -> Vec<EventDraft> {
        self.drafts()
            .into_iter()
            .filter(|d| d.kind == kind)
            .collect()
    }

    /// (type, stage, progress) of every event, in order.
    pub fn timeline(&self) -> Vec<(EventType, Option<String>, Option<f64>)> {
        self.drafts()
            .into_iter()
            .map(|d| (d.kind, d.stage, d.progress))
            .collect()
    }

    pub fn questions(&self) -> Vec<AskedQuestion> {
        lock(&self.questions).clone()
    }

    pub fn saved(&self) -> Vec<Value> {
        lock(&self.saved).clone()
    }

    /// How many events were emitted (kept or not).
    pub fn emitted(&self) -> usize {
        *lock(&self.emitted)
    }
}

/// A poisoned lock only means another test thread panicked; its data is
/// still what was recorded.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl JobEvents for RecordingEvents {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        if self.is_stopped() {
            return Err(ProcessError::Stopped);
        }
        let seq = {
            let mut emitted = lock(&self.emitted);
            *emitted += 1;
            *emitted
        };
        if self.keep_events {
            lock(&self.drafts).push(draft.clone());
        }
        if self.stop_after.is_some_and(|n| seq >= n) {
            self.stop();
        }
        Ok(Event {
            job_id: JobId::new(),
            seq: seq as u64,
            kind: draft.kind,
            status: Status::Running,
            stage: draft.stage,
            progress: draft.progress.unwrap_or(0.0),
            message: draft.message.unwrap_or_default(),
            eta_ms: None,
            data: draft.data,
            timestamp: Timestamp::now(),
        })
    }

    async fn ask(&self, clarification: Clarification) -> Result<Value, ProcessError> {
        let after_events = self.emitted();
        lock(&self.questions).push(AskedQuestion {
            clarification,
            after_events,
        });
        Ok(self.answer.clone())
    }

    fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }

    async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    async fn save_invoice(&self, data: Value) -> Result<String, ProcessError> {
        let mut saved = lock(&self.saved);
        saved.push(data);
        Ok(format!("inv-{}", saved.len()))
    }
}

/// What [`job_context`] needs to know about the job.
#[derive(Debug, Clone)]
pub struct TestJob<'a> {
    pub kind: &'a str,
    pub options: Value,
    pub filename: &'a str,
    pub bytes: &'a [u8],
    pub attempt: u32,
}

impl<'a> TestJob<'a> {
    /// Attempt 1 of `kind` on `bytes`, with no options.
    pub fn new(kind: &'a str, filename: &'a str, bytes: &'a [u8]) -> Self {
        TestJob {
            kind,
            options: Value::Null,
            filename,
            bytes,
            attempt: 1,
        }
    }

    pub fn options(mut self, options: Value) -> Self {
        self.options = options;
        self
    }

    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }
}

/// The context a worker would hand to `Processor::run` for `job` (owner
/// `alice`, 3 attempts), reporting to `events`.
pub fn job_context(job: TestJob<'_>, events: Arc<dyn JobEvents>) -> JobContext {
    let input = JobInput {
        filename: Some(job.filename.to_string()),
        media_type: MediaType::sniff(job.bytes),
        bytes: job.bytes.to_vec(),
    };
    let new = NewJob {
        id: JobId::new(),
        kind: job.kind.to_string(),
        owner: "alice".into(),
        options: job.options,
        max_attempts: 3,
        input: input.clone(),
    };
    let mut snapshot = JobSnapshot::fresh(&new, Timestamp::now());
    snapshot.attempt = job.attempt;
    JobContext::new(snapshot, input, events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_in_order_and_stops_when_told() {
        let events = RecordingEvents::stopping_after(2);
        let ctx = job_context(TestJob::new("k", "a.txt", b"text"), events.clone());
        ctx.progress(10.0, "one").await.expect("first");
        ctx.progress(20.0, "two").await.expect("second");
        assert!(events.is_stopped());
        assert!(matches!(
            ctx.progress(30.0, "three").await,
            Err(ProcessError::Stopped)
        ));
        let progress: Vec<Option<f64>> = events.timeline().into_iter().map(|t| t.2).collect();
        assert_eq!(progress, [Some(10.0), Some(20.0)]);
    }
}
