//! The conformance cases, one module per concern, and the helpers they share.
//! Each case is an `async fn(Arc<dyn Store>)` that knows nothing of the
//! backend it runs on; `harness` supplies a fresh store.

pub mod attempts;
pub mod claim;
pub mod connect;
pub mod create;
pub mod durability;
pub mod events;
pub mod harness;
pub mod invoices;
pub mod journal;
pub mod leases;
pub mod list;

use std::sync::Arc;
use std::time::Duration;

use jobcast_core::{
    EventDraft, EventType, JobId, JobInput, JobSnapshot, MediaType, NewJob, Store, Timestamp,
};
use serde_json::json;

pub type Shared = Arc<dyn Store>;

pub fn new_job(owner: &str, kind: &str) -> NewJob {
    NewJob {
        id: JobId::new(),
        kind: kind.into(),
        owner: owner.into(),
        options: json!({"lang": "fr", "pages": [1, 2]}),
        max_attempts: 3,
        input: JobInput {
            filename: Some("doc.txt".into()),
            media_type: MediaType::Text,
            bytes: b"hello".to_vec(),
        },
    }
}

/// Creates one job and returns its snapshot.
pub async fn create(store: &Shared, owner: &str, kind: &str) -> JobSnapshot {
    let mut out = store
        .create_jobs(owner, None, vec![new_job(owner, kind)])
        .await
        .expect("create");
    out.jobs.remove(0)
}

/// Creates `n` jobs one by one, each in its own millisecond so that their ids
/// (ULIDs) sort in creation order. Returned oldest first.
pub async fn create_apart(store: &Shared, owner: &str, kind: &str, n: usize) -> Vec<JobSnapshot> {
    let mut jobs = Vec::with_capacity(n);
    for _ in 0..n {
        tokio::time::sleep(Duration::from_millis(2)).await;
        jobs.push(create(store, owner, kind).await);
    }
    jobs
}

/// Claims the one queued job of `kind` (tests give each job its own kind
/// when they need to start a particular one).
pub async fn start(store: &Shared, kind: &str) -> JobSnapshot {
    let (job, event) = store
        .claim(&[kind.to_owned()], "worker-1", in_secs(60))
        .await
        .expect("claim")
        .expect("a claimable job");
    assert_eq!(event.kind, EventType::Started);
    job
}

pub fn in_secs(seconds: i64) -> Timestamp {
    Timestamp::now().plus_millis(seconds * 1000)
}

pub fn log(message: &str) -> EventDraft {
    EventDraft::new(EventType::Log).message(message)
}
