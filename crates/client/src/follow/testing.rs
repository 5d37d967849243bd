//! Jobs and events for the follower's unit tests.

use jobcast_core::{Event, EventType, JobId, JobSnapshot, Status, Timestamp};
use serde_json::{json, Value};

/// A finished job (`last_seq` 9, attempt 2 of 3) to follow from its start.
pub(super) fn snapshot() -> JobSnapshot {
    serde_json::from_value(json!({
        "job_id": JobId::new().to_string(), "room": "job:x", "kind": "demo.steps",
        "owner": "alice", "filename": "a.txt", "status": "completed", "stage": "count",
        "progress": 100.0, "message": "Completed", "eta_ms": null, "attempt": 2,
        "max_attempts": 3, "options": {}, "result": {"steps": 2}, "error": null,
        "created_at": Timestamp::now().to_string(), "started_at": null,
        "finished_at": null, "last_seq": 9
    }))
    .expect("snapshot")
}

/// Event `seq` of `job`.
pub(super) fn event(
    job: &JobSnapshot,
    seq: u64,
    kind: EventType,
    status: Status,
    data: Value,
) -> Event {
    Event {
        job_id: job.job_id,
        seq,
        kind,
        status,
        stage: Some("count".into()),
        progress: seq as f64,
        message: format!("event {seq}"),
        eta_ms: Some(1000),
        data: (!data.is_null()).then_some(data),
        timestamp: Timestamp::now(),
    }
}

/// Event `seq` of `job`, without data.
pub(super) fn plain(job: &JobSnapshot, seq: u64, kind: EventType, status: Status) -> Event {
    event(job, seq, kind, status, Value::Null)
}
