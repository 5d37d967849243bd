//! A stand-in for the worker's side of a job: it records every event a
//! processor emits and every invoice it saves, answers clarifications with a
//! fixed value, and is never stopped. Enough to run a `Processor` alone.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobcast_core::{
    Clarification, Event, EventDraft, JobContext, JobEvents, JobId, JobInput, JobSnapshot,
    MediaType, NewJob, ProcessError, Status, Timestamp,
};
use serde_json::Value;

#[derive(Default)]
pub struct Recorder {
    pub drafts: Mutex<Vec<EventDraft>>,
    pub questions: Mutex<Vec<Clarification>>,
    pub saved: Mutex<Vec<Value>>,
    pub answer: Value,
}

impl Recorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Recorder::default())
    }

    pub fn drafts(&self) -> Vec<EventDraft> {
        self.drafts.lock().expect("lock").clone()
    }

    pub fn saved(&self) -> Vec<Value> {
        self.saved.lock().expect("lock").clone()
    }
}

#[async_trait]
impl JobEvents for Recorder {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        let mut drafts = self.drafts.lock().expect("lock");
        drafts.push(draft.clone());
        Ok(Event {
            job_id: JobId::new(),
            seq: drafts.len() as u64,
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
        self.questions.lock().expect("lock").push(clarification);
        Ok(self.answer.clone())
    }

    fn is_stopped(&self) -> bool {
        false
    }

    async fn stopped(&self) {
        std::future::pending::<()>().await
    }

    async fn save_invoice(&self, data: Value) -> Result<String, ProcessError> {
        let mut saved = self.saved.lock().expect("lock");
        saved.push(data);
        Ok(format!("inv-{}", saved.len()))
    }
}

/// A context for a job of `kind` on `bytes` with `options`.
pub fn context(
    kind: &str,
    options: Value,
    filename: &str,
    bytes: &[u8],
    events: Arc<Recorder>,
) -> JobContext {
    let input = JobInput {
        filename: Some(filename.to_string()),
        media_type: MediaType::sniff(bytes),
        bytes: bytes.to_vec(),
    };
    let new = NewJob {
        id: JobId::new(),
        kind: kind.to_string(),
        owner: "alice".into(),
        options,
        max_attempts: 3,
        input: input.clone(),
    };
    JobContext::new(JobSnapshot::fresh(&new, Timestamp::now()), input, events)
}
