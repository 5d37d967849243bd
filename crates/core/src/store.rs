//! The store: jobs, their event logs and their inputs. Implemented by
//! `jobcast-store` on SQLite and PostgreSQL; every implementation passes the
//! same conformance suite.
//!
//! An implementation persists; it does not decide. Every change to a job goes
//! through `crate::transition::apply` inside the transaction that stores the
//! event, so "stored before told" and "no gaps" hold on every backend.

use async_trait::async_trait;

use crate::{
    Event, EventDraft, JobId, JobInput, JobSnapshot, NewJob, Status, StoredInvoice, Timestamp,
    TransitionError,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("job {0} not found")]
    NotFound(JobId),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A fault of the database's surroundings that passes by itself: a full
    /// disk, a locked or vanished file, a lost connection. Nothing was
    /// stored; the same write may succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }

    pub fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Unavailable(Box::new(e))
    }

    /// Whether the same call may succeed later without any change to it.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Most ids one `Store::jobs_of` call reads.
pub const JOBS_OF_LIMIT: usize = 1_000;

/// Which jobs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    /// `None` lists every owner's jobs (admins).
    pub owner: Option<String>,
    /// Empty means any status.
    pub statuses: Vec<Status>,
    pub kind: Option<String>,
    pub limit: u32,
    /// Only jobs older than this one (the cursor of the previous page).
    pub before: Option<JobId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobPage {
    pub jobs: Vec<JobSnapshot>,
    /// Set when more jobs follow: the `before` of the next page.
    pub next_cursor: Option<JobId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateOutcome {
    pub jobs: Vec<JobSnapshot>,
    /// The `queued` event of each new job, in order; empty on a replay.
    pub events: Vec<Event>,
    /// True when the idempotency key had been used: `jobs` are the earlier ones.
    pub replayed: bool,
}

/// A job that some worker holds a lease on.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedJob {
    pub job_id: JobId,
    pub attempt: u32,
    pub max_attempts: u32,
    pub lease_owner: String,
    pub lease_until: Timestamp,
}

impl LeasedJob {
    /// Whether losing this attempt leaves another one (see
    /// [`crate::JobSnapshot::has_attempts_left`]).
    pub fn has_attempts_left(&self) -> bool {
        self.attempt < self.max_attempts
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, for logs and readiness.
    fn backend(&self) -> &'static str;

    /// Whether other processes may share this store, so that a running job
    /// without a fresh lease may belong to a live worker elsewhere.
    fn is_shared(&self) -> bool;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates all `jobs` in one transaction, each with its `queued` event (seq 1)
    /// and its input. With an idempotency key the owner has used before, creates
    /// nothing and returns the jobs made the first time.
    async fn create_jobs(
        &self,
        owner: &str,
        idempotency_key: Option<&str>,
        jobs: Vec<NewJob>,
    ) -> Result<CreateOutcome, StoreError>;

    async fn job(&self, id: JobId) -> Result<Option<JobSnapshot>, StoreError>;

    async fn list_jobs(&self, query: &JobQuery) -> Result<JobPage, StoreError>;

    /// The jobs among `ids` that belong to `owner`, in no particular order;
    /// an id that does not exist or is someone else's is left out. At most
    /// [`JOBS_OF_LIMIT`] ids are read (the rest are ignored). The backends
    /// answer in one query; this default reads job by job.
    async fn jobs_of(&self, owner: &str, ids: &[JobId]) -> Result<Vec<JobSnapshot>, StoreError> {
        let mut found = Vec::new();
        for id in ids.iter().take(JOBS_OF_LIMIT) {
            if let Some(job) = self.job(*id).await? {
                if job.owner == owner {
                    found.push(job);
                }
            }
        }
        Ok(found)
    }

    /// Stored events with `seq > after_seq`, in order, at most `limit`.
    async fn events_after(
        &self,
        id: JobId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError>;

    async fn input(&self, id: JobId) -> Result<Option<JobInput>, StoreError>;

    /// Applies `draft` to the job and stores the event and the new snapshot in
    /// one transaction. A `retrying` event releases the lease and makes the job
    /// claimable at `draft.run_after` (or now); a terminal event releases it.
    async fn append(
        &self,
        id: JobId,
        draft: EventDraft,
    ) -> Result<(JobSnapshot, Event), StoreError>;

    /// Atomically takes the oldest claimable queued job of one of `kinds`,
    /// leases it to `worker` until `lease_until` and stores its `started` event.
    /// Safe to call from many workers and many processes at once.
    async fn claim(
        &self,
        kinds: &[String],
        worker: &str,
        lease_until: Timestamp,
    ) -> Result<Option<(JobSnapshot, Event)>, StoreError>;

    /// Extends the lease of a running or waiting job on `attempt`, and returns
    /// the job as it is now (cancelled, say), or `None` if it no longer exists.
    async fn renew_lease(
        &self,
        id: JobId,
        attempt: u32,
        lease_until: Timestamp,
    ) -> Result<Option<JobSnapshot>, StoreError>;

    /// Jobs that are running or waiting under a lease, all of them or only
    /// those whose lease ended before `expired_before`.
    async fn leased_jobs(
        &self,
        expired_before: Option<Timestamp>,
    ) -> Result<Vec<LeasedJob>, StoreError>;

    /// Saves an invoice extracted by `job` (owned by the job's owner) and
    /// returns its new id (a ULID).
    async fn save_invoice(
        &self,
        job: &JobSnapshot,
        data: &serde_json::Value,
    ) -> Result<String, StoreError>;

    /// The invoice with this id, whoever owns it (the caller checks).
    async fn invoice(&self, invoice_id: &str) -> Result<Option<StoredInvoice>, StoreError>;
}
