//! A real SQLite store in a temporary directory, a local bus, and helpers to
//! create jobs and wait (always with a bound) for what the pool does to them.

#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jobcast_core::{
    Event, EventType, JobId, JobInput, JobSnapshot, Journal, LocalBus, MediaType, NewJob,
    Processors, Status,
};
use jobcast_store::SqliteStore;
use jobcast_worker::{PoolConfig, PoolHandle, WorkerPool};
use serde_json::Value;
use tempfile::TempDir;
use tokio::time::{sleep, Instant};

/// How long any test waits for something that should take well under it.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Env {
    pub dir: TempDir,
    pub store: Arc<SqliteStore>,
    pub journal: Journal,
}

impl Env {
    pub async fn new() -> Env {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (store, journal) = open(&db_path(dir.path())).await;
        Env {
            dir,
            store,
            journal,
        }
    }

    /// Drops the store, the bus and whatever ran on them, as a crash would,
    /// and opens the same database file again.
    pub async fn reopen(self) -> Env {
        let Env {
            dir,
            store,
            journal,
        } = self;
        drop(journal);
        drop(store);
        let (store, journal) = open(&db_path(dir.path())).await;
        Env {
            dir,
            store,
            journal,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        db_path(self.dir.path())
    }

    pub async fn start(&self, config: PoolConfig) -> PoolHandle {
        self.start_with(jobcast_processors::builtin(&Default::default()), config)
            .await
    }

    pub async fn start_with(&self, processors: Processors, config: PoolConfig) -> PoolHandle {
        WorkerPool::start(self.journal.clone(), processors, config)
            .await
            .expect("the pool starts")
    }

    /// Creates one `demo.steps` job over a small text.
    pub async fn demo_job(&self, options: Value, max_attempts: u32) -> JobId {
        self.job("demo.steps", options, max_attempts, b"one\ntwo\nthree\n")
            .await
    }

    pub async fn job(&self, kind: &str, options: Value, max_attempts: u32, bytes: &[u8]) -> JobId {
        let outcome = self
            .journal
            .create_jobs(
                "alice",
                None,
                vec![new_job(kind, options, max_attempts, bytes)],
            )
            .await
            .expect("job created");
        outcome.jobs[0].job_id
    }

    pub async fn snapshot(&self, id: JobId) -> JobSnapshot {
        use jobcast_core::Store;
        self.store
            .job(id)
            .await
            .expect("store answers")
            .expect("job exists")
    }

    pub async fn events(&self, id: JobId) -> Vec<Event> {
        use jobcast_core::Store;
        self.store
            .events_after(id, 0, 100_000)
            .await
            .expect("store answers")
    }

    /// Waits until the job satisfies `done`, or fails the test saying what
    /// was awaited and where the job got to.
    pub async fn wait_for(
        &self,
        id: JobId,
        what: &str,
        done: impl Fn(&JobSnapshot) -> bool,
    ) -> JobSnapshot {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let job = self.snapshot(id).await;
            if done(&job) {
                return job;
            }
            if Instant::now() >= deadline {
                let kinds: Vec<EventType> = self.events(id).await.iter().map(|e| e.kind).collect();
                panic!(
                    "job {id} did not reach {what} within {PATIENCE:?}: status {}, attempt {}, message {:?}, events {kinds:?}",
                    job.status, job.attempt, job.message
                );
            }
            sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn wait_for_status(&self, id: JobId, status: Status) -> JobSnapshot {
        self.wait_for(id, status.as_str(), |j| j.status == status)
            .await
    }
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("jobcast.db")
}

pub async fn open(path: &Path) -> (Arc<SqliteStore>, Journal) {
    let store = Arc::new(SqliteStore::open(path).await.expect("store opens"));
    let journal = Journal::new(store.clone(), Arc::new(LocalBus::default()));
    (store, journal)
}

pub fn new_job(kind: &str, options: Value, max_attempts: u32, bytes: &[u8]) -> NewJob {
    NewJob {
        id: JobId::new(),
        kind: kind.into(),
        owner: "alice".into(),
        options,
        max_attempts,
        input: JobInput {
            filename: Some("input.txt".into()),
            media_type: MediaType::sniff(bytes),
            bytes: bytes.to_vec(),
        },
    }
}

/// Short times, so that tests exercise retries and leases quickly.
pub fn config(workers: usize) -> PoolConfig {
    PoolConfig {
        workers,
        instance_id: "test-instance".into(),
        lease: Duration::from_secs(3),
        poll_interval: Duration::from_millis(50),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(1),
        answer_timeout: Duration::from_secs(30),
        job_timeout: None,
        max_result_bytes: None,
    }
}

/// Waits for `check` to hold, failing with `what` after `limit`.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        sleep(Duration::from_millis(10)).await;
    }
}

/// Drains a pool, failing the test if draining does not end.
pub async fn drain(pool: PoolHandle) {
    tokio::time::timeout(PATIENCE, pool.drain())
        .await
        .expect("the pool drains in time");
}

/// Seqs are 1, 2, 3, ... with no gap, and progress never goes down within an attempt.
pub fn assert_well_formed(events: &[Event]) {
    for (i, event) in events.iter().enumerate() {
        assert_eq!(
            event.seq,
            i as u64 + 1,
            "seq gap or duplicate in {events:#?}"
        );
    }
    let mut last = 0.0;
    for event in events {
        if event.kind == EventType::Retrying {
            last = 0.0;
        } else if !event.status.is_terminal() {
            assert!(
                event.progress >= last,
                "progress went down at seq {}: {events:#?}",
                event.seq
            );
            last = event.progress;
        }
    }
}

pub fn kinds(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|e| e.kind).collect()
}
