//! A stand-in for the worker's reporting sink, for testing one processor
//! alone: it records every event a processor emits, answers questions with a
//! fixed answer, and can be stopped (cancel or drain) at any point.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobcast_core::{
    Clarification, Event, EventDraft, EventType, JobContext, JobEvents, JobId, JobInput,
    JobSnapshot, MediaType, NewJob, ProcessError, Status, Timestamp,
};
use serde_json::Value;
use tokio::sync::watch;

pub struct Recorder {
    drafts: Mutex<Vec<EventDraft>>,
    stop: watch::Sender<bool>,
    /// Stop the job once this many events were emitted.
    stop_after: Option<usize>,
    answer: Value,
}

impl Recorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::build(None))
    }

    /// A recorder that stops the job when the `n`th event is emitted.
    pub fn stopping_after(n: usize) -> Arc<Self> {
        Arc::new(Self::build(Some(n)))
    }

    fn build(stop_after: Option<usize>) -> Self {
        Recorder {
            drafts: Mutex::new(Vec::new()),
            stop: watch::channel(false).0,
            stop_after,
            answer: Value::Bool(true),
        }
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn drafts(&self) -> Vec<EventDraft> {
        self.drafts.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// The recorded events of one type.
    pub fn of(&self, kind: EventType) -> Vec<EventDraft> {
        self.drafts()
            .into_iter()
            .filter(|d| d.kind == kind)
            .collect()
    }
}

#[async_trait]
impl JobEvents for Recorder {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        if *self.stop.borrow() {
            return Err(ProcessError::Stopped);
        }
        let seq = {
            let mut drafts = self.drafts.lock().map_err(|_| ProcessError::Stopped)?;
            drafts.push(draft.clone());
            drafts.len()
        };
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

    async fn ask(&self, _clarification: Clarification) -> Result<Value, ProcessError> {
        Ok(self.answer.clone())
    }

    fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }

    async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    async fn save_invoice(&self, _data: Value) -> Result<String, ProcessError> {
        Ok("inv-test".to_string())
    }
}

/// A context for a fresh job of `kind` with `options` and `bytes`, reporting
/// to `events`.
pub fn context(kind: &str, options: Value, bytes: &[u8], events: Arc<Recorder>) -> JobContext {
    let input = JobInput {
        filename: Some("input.pdf".into()),
        media_type: MediaType::sniff(bytes),
        bytes: bytes.to_vec(),
    };
    let new = NewJob {
        id: JobId::new(),
        kind: kind.into(),
        owner: "alice".into(),
        options,
        max_attempts: 3,
        input: input.clone(),
    };
    let mut job = JobSnapshot::fresh(&new, Timestamp::now());
    job.attempt = 1;
    JobContext::new(job, input, events)
}
