//! The job snapshot (SPEC section 2) and what it takes to create one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{JobId, MediaType, Status, Timestamp};

/// Everything a client needs to draw a job: the REST body, the join ack, the
/// dashboard row. Updated in the same transaction as the event that changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSnapshot {
    pub job_id: JobId,
    pub room: String,
    pub kind: String,
    pub owner: String,
    pub filename: Option<String>,
    pub status: Status,
    pub stage: Option<String>,
    pub progress: f64,
    pub message: String,
    pub eta_ms: Option<u64>,
    pub attempt: u32,
    pub max_attempts: u32,
    pub options: Value,
    pub result: Option<Value>,
    pub error: Option<JobError>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub last_seq: u64,
}

/// Why a job failed: the `error` of a snapshot and the `data` of a `failed` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobError {
    pub code: String,
    pub message: String,
    pub stage: Option<String>,
    pub retryable: bool,
}

/// The bytes a job works on, kept in the store so any instance can read them.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInput {
    pub filename: Option<String>,
    pub media_type: MediaType,
    pub bytes: Vec<u8>,
}

/// A job to be created; the store gives it its first (`queued`) event.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: JobId,
    pub kind: String,
    pub owner: String,
    pub options: Value,
    pub max_attempts: u32,
    pub input: JobInput,
}

impl JobSnapshot {
    /// Whether a failure of the current attempt (a crash, a lost lease, a
    /// transient error) can still be retried. Hand-backs use no attempt:
    /// they raise `max_attempts` with `attempt`.
    pub fn has_attempts_left(&self) -> bool {
        self.attempt < self.max_attempts
    }

    /// The snapshot of a job that has just been created, before its first event.
    pub fn fresh(new: &NewJob, now: Timestamp) -> Self {
        JobSnapshot {
            job_id: new.id,
            room: new.id.room(),
            kind: new.kind.clone(),
            owner: new.owner.clone(),
            filename: new.input.filename.clone(),
            status: Status::Queued,
            stage: None,
            progress: 0.0,
            message: String::new(),
            eta_ms: None,
            attempt: 1,
            max_attempts: new.max_attempts.max(1),
            options: new.options.clone(),
            result: None,
            error: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            last_seq: 0,
        }
    }
}

/// An invoice saved by `invoice.extract` (`GET /api/invoices/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredInvoice {
    pub invoice_id: String,
    pub job_id: JobId,
    pub owner: String,
    /// The `extracted_data` of the job's result, plus `confidence_score`
    /// and `requires_review`.
    pub data: Value,
    pub created_at: Timestamp,
}
