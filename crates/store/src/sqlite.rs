//! The embedded backend: one SQLite file, for a single jobcast process.
//!
//! Durability: WAL journal with `synchronous = NORMAL`. A committed job or
//! event survives the process being killed (`kill -9`) at any moment; the
//! last commits before a power loss or an OS crash may be lost (the WAL is
//! not fsynced on every commit). That is the trade SPEC section 8 asks for.
//!
//! Concurrency: every write goes through one pool holding a single
//! connection, so writes are serialized inside the process, and every write
//! transaction starts with `BEGIN IMMEDIATE`, taking the write lock before
//! its first read: a read-then-write cannot fail with `SQLITE_BUSY` halfway,
//! and a claim cannot hand one job to two workers. Reads use a separate pool
//! and never wait for writers (WAL readers see the last commit).
//!
//! Appends are group-committed (`crate::group_commit`): the drafts that
//! arrive while a transaction is being written share the next one.
//!
//! Faults: a write that fails for want of space (or a locked or vanished
//! file) answers `StoreError::Unavailable`, leaves the writer connection
//! usable (`write_tx`), and makes `ping` fail until a write gets through
//! again (`health`): a full disk heals without a restart once space is back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use jobcast_core::{
    CreateOutcome, Event, EventDraft, EventType, JobId, JobInput, JobPage, JobQuery, JobSnapshot,
    LeasedJob, NewJob, Store, StoreError, StoredInvoice, Timestamp, JOBS_OF_LIMIT,
};

use crate::error::{db, OpenError};
use crate::group_commit::GroupCommit;
use crate::rows::{self, JobRow, RowColumns};
use crate::{schema, sql};

mod append_batch;
mod health;
mod write_tx;

use health::WriteHealth;
use write_tx::WriteTx;

/// How long a statement waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Readers may run side by side; writers never do.
const READERS: u32 = 4;

crate::writes::job_writes!(SqliteConnection);

/// A `Store` in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    appends: GroupCommit,
    health: WriteHealth,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating it and its directories if needed) the database at
    /// `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if path.as_os_str().is_empty() {
            return Err(OpenError::NoSqlitePath(String::new()).into());
        }
        if path.as_os_str() == ":memory:" {
            return Err(OpenError::InMemory.into());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| OpenError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().create_if_missing(true))
            .await
            .map_err(db)?;
        schema::migrate_sqlite(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(db)?;
        let health = WriteHealth::default();
        let appends = GroupCommit::start(append_batch::SqliteBatches {
            writer: writer.clone(),
            health: health.clone(),
        });
        Ok(SqliteStore {
            writer,
            reader,
            appends,
            health,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, waiting for them to be returned.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// A write transaction holding the database's write lock from the start.
    async fn write(&self) -> Result<WriteTx, StoreError> {
        WriteTx::begin(&self.writer).await
    }

    /// `outcome` of a write, noted for `ping`.
    fn observed<T>(&self, outcome: Result<T, StoreError>) -> Result<T, StoreError> {
        self.health.observe(&outcome);
        outcome
    }
}

async fn load_row(conn: &mut SqliteConnection, id: JobId) -> Result<JobRow, StoreError> {
    let found: Option<RowColumns> = sqlx::query_as(sql::SELECT_ROW)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    let (snapshot, run_after, lease_owner, lease_until) = found.ok_or(StoreError::NotFound(id))?;
    JobRow::decode(&snapshot, run_after, lease_owner, lease_until)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn is_shared(&self) -> bool {
        false
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(db)?;
        self.health.check(&self.writer).await
    }

    async fn create_jobs(
        &self,
        owner: &str,
        idempotency_key: Option<&str>,
        jobs: Vec<NewJob>,
    ) -> Result<CreateOutcome, StoreError> {
        let now = Timestamp::now();
        let created = jobs
            .iter()
            .map(|new| JobRow::create(new, now))
            .collect::<Result<Vec<_>, _>>()?;
        let stored = async {
            let mut tx = self.write().await?;
            if let Some(key) = idempotency_key {
                let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
                if let Some(earlier) = take_idempotency_key(&mut tx, owner, key, &ids, now).await? {
                    tx.rollback().await?;
                    return Ok(Some(earlier));
                }
            }
            for ((row, event), new) in created.iter().zip(&jobs) {
                insert_job(&mut tx, row, event, &new.input).await?;
            }
            tx.commit().await?;
            Ok(None)
        }
        .await;
        if let Some(earlier) = self.observed(stored)? {
            return Ok(CreateOutcome {
                jobs: earlier,
                events: Vec::new(),
                replayed: true,
            });
        }
        let (jobs, events) = created.into_iter().map(|(r, e)| (r.snapshot, e)).unzip();
        Ok(CreateOutcome {
            jobs,
            events,
            replayed: false,
        })
    }

    async fn job(&self, id: JobId) -> Result<Option<JobSnapshot>, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        load_snapshot(&mut conn, id).await
    }

    async fn list_jobs(&self, query: &JobQuery) -> Result<JobPage, StoreError> {
        let limit = rows::page_limit(query.limit);
        let mut q = QueryBuilder::<Sqlite>::new("SELECT snapshot FROM jobs WHERE 1 = 1");
        if let Some(owner) = &query.owner {
            q.push(" AND owner = ").push_bind(owner.clone());
        }
        if !query.statuses.is_empty() {
            q.push(" AND status IN (");
            let mut names = q.separated(", ");
            for name in rows::status_names(&query.statuses) {
                names.push_bind(name);
            }
            q.push(")");
        }
        if let Some(kind) = &query.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(before) = query.before {
            q.push(" AND id < ").push_bind(before.to_string());
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let found: Vec<String> = q
            .build_query_scalar()
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows::page(&found, limit)
    }

    async fn jobs_of(&self, owner: &str, ids: &[JobId]) -> Result<Vec<JobSnapshot>, StoreError> {
        let ids = &ids[..ids.len().min(JOBS_OF_LIMIT)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT snapshot FROM jobs WHERE owner = ");
        q.push_bind(owner.to_owned());
        q.push(" AND id IN (");
        let mut listed = q.separated(", ");
        for id in ids {
            listed.push_bind(id.to_string());
        }
        q.push(")");
        let found: Vec<String> = q
            .build_query_scalar()
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        found
            .iter()
            .map(|text| rows::decode_snapshot(text))
            .collect()
    }

    async fn events_after(
        &self,
        id: JobId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let found: Vec<String> = sqlx::query_scalar(sql::EVENTS_AFTER)
            .bind(id.to_string())
            .bind(rows::to_i64(after_seq))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        found.iter().map(|body| rows::decode_event(body)).collect()
    }

    async fn input(&self, id: JobId) -> Result<Option<JobInput>, StoreError> {
        let found: Option<(Option<String>, String, Vec<u8>)> = sqlx::query_as(sql::SELECT_INPUT)
            .bind(id.to_string())
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?;
        found
            .map(|(filename, media_type, bytes)| rows::decode_input(filename, &media_type, bytes))
            .transpose()
    }

    async fn append(
        &self,
        id: JobId,
        draft: EventDraft,
    ) -> Result<(JobSnapshot, Event), StoreError> {
        self.appends.append(id, draft).await
    }

    async fn claim(
        &self,
        kinds: &[String],
        worker: &str,
        lease_until: Timestamp,
    ) -> Result<Option<(JobSnapshot, Event)>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let now = Timestamp::now();
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT snapshot, run_after, lease_owner, lease_until FROM jobs \
             WHERE status = 'queued' AND run_after <= ",
        );
        q.push_bind(now.as_millis()).push(" AND kind IN (");
        let mut names = q.separated(", ");
        for kind in kinds {
            names.push_bind(kind.clone());
        }
        q.push(") ORDER BY run_after, id LIMIT 1");
        let claimed = async {
            let mut tx = self.write().await?;
            let found: Option<RowColumns> = q
                .build_query_as()
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let Some((snapshot, run_after, lease_owner, old_until)) = found else {
                tx.rollback().await?;
                return Ok(None);
            };
            let mut row = JobRow::decode(&snapshot, run_after, lease_owner, old_until)?;
            let event = row.advance(EventDraft::new(EventType::Started), now)?;
            row.lease_to(worker, lease_until);
            save(&mut tx, &row, &event).await?;
            tx.commit().await?;
            Ok(Some((row.snapshot, event)))
        }
        .await;
        self.observed(claimed)
    }

    async fn renew_lease(
        &self,
        id: JobId,
        attempt: u32,
        lease_until: Timestamp,
    ) -> Result<Option<JobSnapshot>, StoreError> {
        let renewed = async {
            let mut tx = self.write().await?;
            sqlx::query(sql::RENEW_LEASE)
                .bind(id.to_string())
                .bind(i64::from(attempt))
                .bind(lease_until.as_millis())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let snapshot = load_snapshot(&mut tx, id).await?;
            tx.commit().await?;
            Ok(snapshot)
        }
        .await;
        self.observed(renewed)
    }

    async fn leased_jobs(
        &self,
        expired_before: Option<Timestamp>,
    ) -> Result<Vec<LeasedJob>, StoreError> {
        let query = match expired_before {
            Some(t) => sqlx::query_as(sql::LEASED_EXPIRED).bind(t.as_millis()),
            None => sqlx::query_as(sql::LEASED_ALL),
        };
        let found: Vec<(String, i64, i64, String, i64)> =
            query.fetch_all(&self.reader).await.map_err(db)?;
        found
            .into_iter()
            .map(|(id, attempt, max, owner, until)| {
                rows::decode_leased(&id, attempt, max, owner, until)
            })
            .collect()
    }

    async fn save_invoice(
        &self,
        job: &JobSnapshot,
        data: &serde_json::Value,
    ) -> Result<String, StoreError> {
        let saved = async {
            let mut tx = self.write().await?;
            let invoice_id = insert_invoice(&mut tx, job, data).await?;
            tx.commit().await?;
            Ok(invoice_id)
        }
        .await;
        self.observed(saved)
    }

    async fn invoice(&self, invoice_id: &str) -> Result<Option<StoredInvoice>, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        load_invoice(&mut conn, invoice_id).await
    }
}
