//! The shared backend: PostgreSQL, for several jobcast instances (and remote
//! workers) on one database.
//!
//! Concurrency comes from row locks, not from the process: a claim takes the
//! oldest claimable job with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//! never wait on each other nor take the same job; an append locks its job's
//! row (`SELECT ... FOR UPDATE`) before reading the snapshot, so concurrent
//! appends to one job queue up and get contiguous seqs. An idempotency key is
//! taken with `INSERT ... ON CONFLICT DO NOTHING`, which waits for a
//! concurrent insert of the same key: the loser sees the winner's jobs.
//!
//! Appends are group-committed (`crate::group_commit`): the drafts that
//! arrive while a transaction is being written share the next one, which
//! locks all their jobs in id order.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, Postgres, QueryBuilder};

use jobcast_core::{
    CreateOutcome, Event, EventDraft, EventType, JobId, JobInput, JobPage, JobQuery, JobSnapshot,
    LeasedJob, NewJob, Store, StoreError, StoredInvoice, Timestamp, JOBS_OF_LIMIT,
};

use crate::error::{db, OpenError};
use crate::group_commit::GroupCommit;
use crate::rows::{self, JobRow, RowColumns};
use crate::{schema, sql};

mod append_batch;

const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

crate::writes::job_writes!(PgConnection);

const CLAIM: &str = "SELECT snapshot, run_after, lease_owner, lease_until
    FROM jobs
    WHERE status = 'queued' AND run_after <= $1 AND kind = ANY($2)
    ORDER BY run_after, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED";

/// A `Store` in a PostgreSQL database, shared with other processes.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    appends: GroupCommit,
}

impl PgStore {
    /// Connects to `url` and brings the schema (the first of the connection's
    /// `search_path`, usually `public`) up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(db)?;
        Self::open(options).await
    }

    /// Like `connect`, but keeps everything in `schema`, creating it if
    /// missing: every connection's `search_path` is set to it. Lets tests (or
    /// several deployments) share one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        if !is_plain_identifier(schema) {
            return Err(OpenError::BadSchemaName(schema.to_owned()).into());
        }
        let options: PgConnectOptions = url.parse().map_err(db)?;
        let mut conn = options.connect().await.map_err(db)?;
        sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .execute(&mut conn)
            .await
            .map_err(db)?;
        conn.close().await.map_err(db)?;
        Self::open(options.options([("search_path", schema)])).await
    }

    async fn open(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(db)?;
        schema::migrate_postgres(&pool).await?;
        let appends = GroupCommit::start(append_batch::PgBatches { pool: pool.clone() });
        Ok(PgStore { pool, appends })
    }

    /// Closes every connection, waiting for them to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Letters, digits and `_`, not starting with a digit, at most 63 bytes: safe
/// to quote into SQL and to pass as a `search_path`.
fn is_plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn is_shared(&self) -> bool {
        true
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        if let Some(key) = idempotency_key {
            let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
            if let Some(earlier) = take_idempotency_key(&mut tx, owner, key, &ids, now).await? {
                return Ok(CreateOutcome {
                    jobs: earlier,
                    events: Vec::new(),
                    replayed: true,
                });
            }
        }
        for ((row, event), new) in created.iter().zip(&jobs) {
            insert_job(&mut tx, row, event, &new.input).await?;
        }
        tx.commit().await.map_err(db)?;
        let (jobs, events) = created.into_iter().map(|(r, e)| (r.snapshot, e)).unzip();
        Ok(CreateOutcome {
            jobs,
            events,
            replayed: false,
        })
    }

    async fn job(&self, id: JobId) -> Result<Option<JobSnapshot>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_snapshot(&mut conn, id).await
    }

    async fn list_jobs(&self, query: &JobQuery) -> Result<JobPage, StoreError> {
        let limit = rows::page_limit(query.limit);
        let mut q = QueryBuilder::<Postgres>::new("SELECT snapshot FROM jobs WHERE TRUE");
        if let Some(owner) = &query.owner {
            q.push(" AND owner = ").push_bind(owner.clone());
        }
        if !query.statuses.is_empty() {
            q.push(" AND status = ANY(")
                .push_bind(rows::status_names(&query.statuses))
                .push(")");
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
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows::page(&found, limit)
    }

    async fn jobs_of(&self, owner: &str, ids: &[JobId]) -> Result<Vec<JobSnapshot>, StoreError> {
        let ids = &ids[..ids.len().min(JOBS_OF_LIMIT)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Postgres>::new("SELECT snapshot FROM jobs WHERE owner = ");
        q.push_bind(owner.to_owned());
        q.push(" AND id = ANY(")
            .push_bind(ids.iter().map(ToString::to_string).collect::<Vec<_>>())
            .push(")");
        let found: Vec<String> = q
            .build_query_scalar()
            .fetch_all(&self.pool)
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
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        found.iter().map(|body| rows::decode_event(body)).collect()
    }

    async fn input(&self, id: JobId) -> Result<Option<JobInput>, StoreError> {
        let found: Option<(Option<String>, String, Vec<u8>)> = sqlx::query_as(sql::SELECT_INPUT)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let found: Option<RowColumns> = sqlx::query_as(CLAIM)
            .bind(now.as_millis())
            .bind(kinds.to_vec())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some((snapshot, run_after, lease_owner, old_until)) = found else {
            return Ok(None);
        };
        let mut row = JobRow::decode(&snapshot, run_after, lease_owner, old_until)?;
        let event = row.advance(EventDraft::new(EventType::Started), now)?;
        row.lease_to(worker, lease_until);
        save(&mut tx, &row, &event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some((row.snapshot, event)))
    }

    async fn renew_lease(
        &self,
        id: JobId,
        attempt: u32,
        lease_until: Timestamp,
    ) -> Result<Option<JobSnapshot>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(sql::RENEW_LEASE)
            .bind(id.to_string())
            .bind(i64::from(attempt))
            .bind(lease_until.as_millis())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let snapshot = load_snapshot(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(snapshot)
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
            query.fetch_all(&self.pool).await.map_err(db)?;
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let invoice_id = insert_invoice(&mut tx, job, data).await?;
        tx.commit().await.map_err(db)?;
        Ok(invoice_id)
    }

    async fn invoice(&self, invoice_id: &str) -> Result<Option<StoredInvoice>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_invoice(&mut conn, invoice_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_identifier;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(is_plain_identifier("jobcast_test_01abc"));
        for bad in ["", "1abc", "a-b", "a\"b", "a b", &"x".repeat(64)] {
            assert!(!is_plain_identifier(bad), "{bad:?}");
        }
    }
}
