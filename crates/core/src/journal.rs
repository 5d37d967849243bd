//! The journal: the store and the bus together, so that every event that is
//! stored is then published, in one place, and local workers are woken when
//! there is work. Whoever changes a job (API, worker, recovery) goes through it.

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
        let outcome = self.store.create_jobs(owner, idempotency_key, jobs).await?;
        for event in &outcome.events {
            self.publish(owner, event.clone());
        }
        for _ in &outcome.events {
            self.wake_one_worker();
        }
        Ok(outcome)
    }

    pub async fn append(
        &self,
        id: JobId,
        draft: EventDraft,
    ) -> Result<(JobSnapshot, Event), StoreError> {
        let (job, event) = self.store.append(id, draft).await?;
        self.publish(&job.owner, event.clone());
        if event.kind == EventType::Retrying {
            self.wake_one_worker();
        }
        Ok((job, event))
    }

    pub async fn claim(
        &self,
        kinds: &[String],
        worker: &str,
        lease_until: Timestamp,
    ) -> Result<Option<(JobSnapshot, Event)>, StoreError> {
        let claimed = self.store.claim(kinds, worker, lease_until).await?;
        if let Some((job, event)) = &claimed {
            self.publish(&job.owner, event.clone());
        }
        Ok(claimed)
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
