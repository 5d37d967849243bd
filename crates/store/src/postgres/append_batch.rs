//! PostgreSQL's half of group commit (`crate::group_commit`): a batch in one
//! transaction of five round trips whatever its size: begin, lock and read
//! its jobs, update them from arrays (`UNNEST`), insert its events from
//! arrays, commit (the one fsync). The jobs are locked in id order, so two
//! processes' batches over the same jobs queue up instead of deadlocking.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};

use jobcast_core::{Event, EventDraft, JobId, StoreError, Timestamp};

use crate::error::db;
use crate::group_commit::{self, AppendBatch, Appended, BatchFailed};
use crate::rows::{self, JobRow, RowColumns};
use crate::sql;

const SELECT_ROWS_FOR_UPDATE: &str = "SELECT snapshot, run_after, lease_owner, lease_until
    FROM jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE";

const UPDATE_JOBS: &str = "UPDATE jobs SET
    status = v.status, run_after = v.run_after, lease_owner = v.lease_owner,
    lease_until = v.lease_until, attempt = v.attempt, max_attempts = v.max_attempts,
    snapshot = v.snapshot
    FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[],
                $6::bigint[], $7::bigint[], $8::text[])
      AS v (id, status, run_after, lease_owner, lease_until, attempt, max_attempts, snapshot)
    WHERE jobs.id = v.id";

const INSERT_EVENTS: &str = "INSERT INTO events (job_id, seq, body)
    SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[])";

/// The pool, as the group-commit task holds it.
pub(super) struct PgBatches {
    pub pool: PgPool,
}

#[async_trait]
impl AppendBatch for PgBatches {
    async fn append_batch(
        &self,
        drafts: &[(JobId, EventDraft)],
    ) -> Result<Vec<Appended>, BatchFailed> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let rows = load_rows_for_update(&mut tx, &group_commit::job_ids(drafts)).await?;
        let applied = group_commit::apply(rows, drafts, Timestamp::now());
        update_jobs(&mut tx, &applied.changed).await?;
        insert_events(&mut tx, &applied.events).await?;
        match tx.commit().await {
            Ok(()) => Ok(applied.answers),
            Err(e) => Err(BatchFailed::at_commit(db(e), applied.answers)),
        }
    }

    async fn stored_event(&self, job_id: JobId, seq: u64) -> Result<Option<Event>, StoreError> {
        let body: Option<String> = sqlx::query_scalar(sql::STORED_EVENT)
            .bind(job_id.to_string())
            .bind(rows::to_i64(seq))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        body.as_deref().map(rows::decode_event).transpose()
    }
}

/// The rows of `ids` that exist, locked, by job id.
async fn load_rows_for_update(
    conn: &mut PgConnection,
    ids: &[JobId],
) -> Result<HashMap<JobId, JobRow>, StoreError> {
    let ids: Vec<String> = ids.iter().map(JobId::to_string).collect();
    let found: Vec<RowColumns> = sqlx::query_as(SELECT_ROWS_FOR_UPDATE)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows::rows_by_id(found)
}

async fn update_jobs(conn: &mut PgConnection, changed: &[JobRow]) -> Result<(), StoreError> {
    if changed.is_empty() {
        return Ok(());
    }
    let snapshots = changed
        .iter()
        .map(JobRow::snapshot_json)
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(UPDATE_JOBS)
        .bind(changed.iter().map(JobRow::id).collect::<Vec<_>>())
        .bind(changed.iter().map(JobRow::status).collect::<Vec<_>>())
        .bind(changed.iter().map(|r| r.run_after).collect::<Vec<_>>())
        .bind(
            changed
                .iter()
                .map(|r| r.lease_owner.clone())
                .collect::<Vec<_>>(),
        )
        .bind(changed.iter().map(|r| r.lease_until).collect::<Vec<_>>())
        .bind(changed.iter().map(JobRow::attempt).collect::<Vec<_>>())
        .bind(changed.iter().map(JobRow::max_attempts).collect::<Vec<_>>())
        .bind(snapshots)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_events(conn: &mut PgConnection, events: &[Event]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let bodies = events
        .iter()
        .map(rows::encode_event)
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(INSERT_EVENTS)
        .bind(
            events
                .iter()
                .map(|e| e.job_id.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|e| rows::to_i64(e.seq))
                .collect::<Vec<_>>(),
        )
        .bind(bodies)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}
