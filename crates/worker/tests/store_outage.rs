//! A passing store fault (a full disk, a lost connection) while a job runs
//! is waited out: the job keeps its attempt and every event is stored once.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use common::{assert_well_formed, config, drain, kinds, Env};
use jobcast_core::{
    CreateOutcome, Event, EventDraft, EventType, JobId, JobInput, JobPage, JobQuery, JobSnapshot,
    Journal, LeasedJob, LocalBus, NewJob, Status, Store, StoreError, StoredInvoice, Timestamp,
};
use jobcast_worker::WorkerPool;
use serde_json::json;

/// The test's SQLite store, whose progress appends fail as a full disk
/// would (`Unavailable`, nothing stored) while `outage` is above zero.
struct FullDiskForProgress {
    inner: Arc<dyn Store>,
    outage: AtomicU32,
    refused: AtomicU32,
}

#[async_trait]
impl Store for FullDiskForProgress {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    fn is_shared(&self) -> bool {
        self.inner.is_shared()
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    async fn create_jobs(
        &self,
        owner: &str,
        key: Option<&str>,
        jobs: Vec<NewJob>,
    ) -> Result<CreateOutcome, StoreError> {
        self.inner.create_jobs(owner, key, jobs).await
    }
    async fn job(&self, id: JobId) -> Result<Option<JobSnapshot>, StoreError> {
        self.inner.job(id).await
    }
    async fn list_jobs(&self, query: &JobQuery) -> Result<JobPage, StoreError> {
        self.inner.list_jobs(query).await
    }
    async fn events_after(
        &self,
        id: JobId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        self.inner.events_after(id, after, limit).await
    }
    async fn input(&self, id: JobId) -> Result<Option<JobInput>, StoreError> {
        self.inner.input(id).await
    }
    async fn append(
        &self,
        id: JobId,
        draft: EventDraft,
    ) -> Result<(JobSnapshot, Event), StoreError> {
        let failing = draft.kind == EventType::Progress
            && self
                .outage
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if failing {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::unavailable(std::io::Error::other(
                "database or disk is full",
            )));
        }
        self.inner.append(id, draft).await
    }
    async fn claim(
        &self,
        kinds: &[String],
        worker: &str,
        until: Timestamp,
    ) -> Result<Option<(JobSnapshot, Event)>, StoreError> {
        self.inner.claim(kinds, worker, until).await
    }
    async fn renew_lease(
        &self,
        id: JobId,
        attempt: u32,
        until: Timestamp,
    ) -> Result<Option<JobSnapshot>, StoreError> {
        self.inner.renew_lease(id, attempt, until).await
    }
    async fn leased_jobs(
        &self,
        expired_before: Option<Timestamp>,
    ) -> Result<Vec<LeasedJob>, StoreError> {
        self.inner.leased_jobs(expired_before).await
    }
    async fn save_invoice(
        &self,
        job: &JobSnapshot,
        data: &serde_json::Value,
    ) -> Result<String, StoreError> {
        self.inner.save_invoice(job, data).await
    }
    async fn invoice(&self, id: &str) -> Result<Option<StoredInvoice>, StoreError> {
        self.inner.invoice(id).await
    }
}

#[tokio::test]
async fn a_passing_store_fault_does_not_cost_the_running_job_its_attempt() {
    let env = Env::new().await;
    let store = Arc::new(FullDiskForProgress {
        inner: env.store.clone(),
        outage: AtomicU32::new(4),
        refused: AtomicU32::new(0),
    });
    let journal = Journal::new(store.clone(), Arc::new(LocalBus::default()));
    let pool = WorkerPool::start(
        journal,
        jobcast_processors::builtin(&Default::default()),
        config(1),
    )
    .await
    .expect("the pool starts");
    // One attempt only: before, the first refused write failed the job.
    let id = env.demo_job(json!({"steps": 4, "step_ms": 1}), 1).await;

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.attempt, 1, "the fault cost no attempt");
    assert_eq!(
        store.refused.load(Ordering::SeqCst),
        4,
        "the fault happened"
    );
    let events = env.events(id).await;
    assert_well_formed(&events);
    let progress = events
        .iter()
        .filter(|e| e.kind == EventType::Progress)
        .count();
    let steps = events
        .iter()
        .filter(|e| e.message.starts_with("Step "))
        .count();
    assert!(progress > 0, "{:?}", kinds(&events));
    assert_eq!(steps, 4, "each step stored once: {:?}", kinds(&events));
    drain(pool).await;
}
