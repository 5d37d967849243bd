//! The journal: the store and the bus together, so that every event that is
//! stored is then published, in one place, and local workers are woken when
//! there is work. Whoever changes a job (API, worker, recovery) goes through it.
//!
//! Publishing is tied to the write, not to the caller. Each write runs as a
//! task of its own that stores and then publishes, and the caller only waits
//! for that task: a caller that stops waiting (an HTTP client that hangs up
//! mid-`cancel`, a processor aborted by its time limit) cannot leave an event
//! committed but never published. A terminal event has no later event to
//! reveal such a gap, so without this its watchers would never learn of it.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::{
    BusMessage, CreateOutcome, Event, EventBus, EventDraft, EventType, JobId, JobSnapshot, NewJob,
    Store, StoreError, Timestamp,
};

#[derive(Clone)]
pub struct Journal {
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
    work_available: Arc<Notify>,
}

impl Journal {
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn EventBus>) -> Self {
        Journal {
            store,
            bus,
            work_available: Arc::new(Notify::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// Signalled when a job may have become claimable here: once per such
    /// job, each signal waking one idle worker.
    pub fn work_available(&self) -> &Arc<Notify> {
        &self.work_available
    }

    pub async fn create_jobs(
        &self,
        owner: &str,
        idempotency_key: Option<&str>,
        jobs: Vec<NewJob>,
    ) -> Result<CreateOutcome, StoreError> {
        let journal = self.clone();
        let owner = owner.to_owned();
        let idempotency_key = idempotency_key.map(str::to_owned);
        to_completion(async move {
            let outcome = journal
                .store
                .create_jobs(&owner, idempotency_key.as_deref(), jobs)
                .await?;
            for event in &outcome.events {
                journal.publish(&owner, event.clone());
            }
            for _ in &outcome.events {
                journal.wake_one_worker();
            }
            Ok(outcome)
        })
        .await
    }

    pub async fn append(
        &self,
        id: JobId,
        draft: EventDraft,
    ) -> Result<(JobSnapshot, Event), StoreError> {
        let journal = self.clone();
        to_completion(async move {
            let (job, event) = journal.store.append(id, draft).await?;
            journal.publish(&job.owner, event.clone());
            if event.kind == EventType::Retrying {
                journal.wake_one_worker();
            }
            Ok((job, event))
        })
        .await
    }

    pub async fn claim(
        &self,
        kinds: &[String],
        worker: &str,
        lease_until: Timestamp,
    ) -> Result<Option<(JobSnapshot, Event)>, StoreError> {
        let journal = self.clone();
        let kinds = kinds.to_vec();
        let worker = worker.to_owned();
        to_completion(async move {
            let claimed = journal.store.claim(&kinds, &worker, lease_until).await?;
            if let Some((job, event)) = &claimed {
                journal.publish(&job.owner, event.clone());
            }
            Ok(claimed)
        })
        .await
    }

    /// One job became claimable: one idle worker tries to claim it (waking
    /// them all would send every idle worker to the store for one job). A
    /// worker woken while it was claiming hands the signal on to the next
    /// waiter; with none waiting, the next worker to wait claims at once.
    fn wake_one_worker(&self) {
        self.work_available.notify_one();
    }

    fn publish(&self, owner: &str, event: Event) {
        self.bus.publish(Arc::new(BusMessage {
            owner: owner.to_string(),
            event,
        }));
    }
}

/// Runs a write and its publishing to the end whatever becomes of the
/// caller, who gets its outcome if it is still waiting.
async fn to_completion<T: Send + 'static>(
    write: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::spawn(write).await {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(StoreError::backend(RuntimeStopping)),
    }
}

/// The runtime is shutting down: a write could not be run to its end.
#[derive(Debug, thiserror::Error)]
#[error("the runtime is shutting down")]
struct RuntimeStopping;
