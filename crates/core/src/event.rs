//! Events (SPEC section 3): one thing that happened to a job, numbered by a
//! per-job `seq` with no gaps, stored before anyone is told about it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{JobId, Status, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Queued,
    Started,
    StageStart,
    Progress,
    Log,
    Partial,
    Clarification,
    Answered,
    Retrying,
    Completed,
    Failed,
    Cancelled,
}

/// The `job_update` payload. Carries the job's status, stage and progress
/// *after* the event, so one event is enough to draw the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub job_id: JobId,
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub status: Status,
    pub stage: Option<String>,
    pub progress: f64,
    pub message: String,
    pub eta_ms: Option<u64>,
    pub data: Option<Value>,
    pub timestamp: Timestamp,
}

/// What a processor, worker or API call wants to record. The transition rules
/// (`crate::transition`) turn it into an `Event` and the job's next snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub kind: EventType,
    /// For `stage_start`: the stage that begins. Ignored otherwise.
    pub stage: Option<String>,
    pub progress: Option<f64>,
    pub message: Option<String>,
    /// An explicit estimate; when absent one is made from the progress rate.
    pub eta_ms: Option<u64>,
    pub data: Option<Value>,
    /// When set, the event is refused unless the job is still on this attempt:
    /// a worker that lost its lease cannot write into the next attempt.
    pub attempt: Option<u32>,
    /// For `retrying`: the earliest time the next attempt may be claimed.
    pub run_after: Option<Timestamp>,
    /// For `retrying`: the attempt is handed back (its worker drains), not
    /// used. Set only by [`EventDraft::hand_back`].
    pub handed_back: bool,
}

impl EventDraft {
    pub fn new(kind: EventType) -> Self {
        EventDraft {
            kind,
            stage: None,
            progress: None,
            message: None,
            eta_ms: None,
            data: None,
            attempt: None,
            run_after: None,
            handed_back: false,
        }
    }

    /// Gives `attempt` back to the queue without using it: the job runs
    /// again as a new attempt and its `max_attempts` grows by one, since a
    /// drain is not the job's fault. Allowed only from a live attempt; the
    /// stored `retrying` event says so in its data
    /// (`{"handed_back": true, "max_attempts": <the new limit>}`).
    pub fn hand_back(attempt: u32) -> Self {
        EventDraft {
            message: Some("Handed back: worker draining".into()),
            attempt: Some(attempt),
            handed_back: true,
            ..EventDraft::new(EventType::Retrying)
        }
    }

    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    pub fn progress(mut self, progress: f64) -> Self {
        self.progress = Some(progress);
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn eta_ms(mut self, eta_ms: u64) -> Self {
        self.eta_ms = Some(eta_ms);
        self
    }

    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn on_attempt(mut self, attempt: u32) -> Self {
        self.attempt = Some(attempt);
        self
    }

    pub fn run_after(mut self, at: Timestamp) -> Self {
        self.run_after = Some(at);
        self
    }
}
