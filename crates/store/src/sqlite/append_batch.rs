//! SQLite's half of group commit (`crate::group_commit`): a batch in one
//! `BEGIN IMMEDIATE` transaction on the single writer connection, with one
//! statement to read its jobs, one to update them and one to insert its
//! events. Each statement is a hand-off to sqlx's SQLite thread, so a batch
//! costs five of them whatever its size; a lone draft uses the cached
//! one-row statements.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use jobcast_core::{Event, EventDraft, JobId, StoreError, Timestamp};

use super::health::WriteHealth;
use super::write_tx::WriteTx;
use super::{insert_event, load_row, update_job};
use crate::error::db;
use crate::group_commit::{self, AppendBatch, Appended, BatchFailed, MAX_BATCH};
use crate::rows::{self, JobRow, RowColumns};
use crate::sql;

/// SQLite allows 32,766 bound values in a statement; the widest statement
/// here binds 8 per job.
const _: () = assert!(MAX_BATCH * 8 <= 32_766);

/// The writer pool, as the group-commit task holds it.
pub(super) struct SqliteBatches {
    pub writer: SqlitePool,
    pub health: WriteHealth,
}

#[async_trait]
impl AppendBatch for SqliteBatches {
    async fn append_batch(
        &self,
        drafts: &[(JobId, EventDraft)],
    ) -> Result<Vec<Appended>, BatchFailed> {
        let stored = async {
            let mut tx = WriteTx::begin(&self.writer).await?;
            let rows = load_rows(&mut tx, &group_commit::job_ids(drafts)).await?;
            let applied = group_commit::apply(rows, drafts, Timestamp::now());
            update_jobs(&mut tx, &applied.changed).await?;
            insert_events(&mut tx, &applied.events).await?;
            match tx.commit().await {
                Ok(()) => Ok(applied.answers),
                Err(e) => Err(BatchFailed::at_commit(e, applied.answers)),
            }
        }
        .await;
        self.health.observe(&stored.as_ref().map_err(|f| &f.error));
        stored
    }

    async fn stored_event(&self, job_id: JobId, seq: u64) -> Result<Option<Event>, StoreError> {
        let body: Option<String> = sqlx::query_scalar(sql::STORED_EVENT)
            .bind(job_id.to_string())
            .bind(rows::to_i64(seq))
            .fetch_optional(&self.writer)
            .await
            .map_err(db)?;
        body.as_deref().map(rows::decode_event).transpose()
    }
}

/// The rows of `ids` that exist, by job id.
async fn load_rows(
    conn: &mut SqliteConnection,
    ids: &[JobId],
) -> Result<HashMap<JobId, JobRow>, StoreError> {
    if let [id] = ids {
        return match load_row(conn, *id).await {
            Ok(row) => Ok(HashMap::from([(*id, row)])),
            Err(StoreError::NotFound(_)) => Ok(HashMap::new()),
            Err(e) => Err(e),
        };
    }
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT snapshot, run_after, lease_owner, lease_until FROM jobs WHERE id IN (",
    );
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.to_string());
    }
    q.push(")");
    let found: Vec<RowColumns> = q
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows::rows_by_id(found)
}

async fn update_jobs(conn: &mut SqliteConnection, changed: &[JobRow]) -> Result<(), StoreError> {
    match changed {
        [] => return Ok(()),
        [row] => return update_job(conn, row).await,
        _ => {}
    }
    let snapshots = changed
        .iter()
        .map(JobRow::snapshot_json)
        .collect::<Result<Vec<_>, _>>()?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "WITH v (id, status, run_after, lease_owner, lease_until, attempt, max_attempts, snapshot) AS (",
    );
    q.push_values(
        changed.iter().zip(snapshots),
        |mut values, (row, snapshot)| {
            values
                .push_bind(row.id())
                .push_bind(row.status())
                .push_bind(row.run_after)
                .push_bind(row.lease_owner.clone())
                .push_bind(row.lease_until)
                .push_bind(row.attempt())
                .push_bind(row.max_attempts())
                .push_bind(snapshot);
        },
    );
    q.push(
        ") UPDATE jobs SET status = v.status, run_after = v.run_after, \
         lease_owner = v.lease_owner, lease_until = v.lease_until, attempt = v.attempt, \
         max_attempts = v.max_attempts, snapshot = v.snapshot \
         FROM v WHERE jobs.id = v.id",
    );
    q.build()
        .persistent(false)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_events(conn: &mut SqliteConnection, events: &[Event]) -> Result<(), StoreError> {
    match events {
        [] => return Ok(()),
        [event] => return insert_event(conn, event).await,
        _ => {}
    }
    let bodies = events
        .iter()
        .map(rows::encode_event)
        .collect::<Result<Vec<_>, _>>()?;
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO events (job_id, seq, body) ");
    q.push_values(events.iter().zip(bodies), |mut values, (event, body)| {
        values
            .push_bind(event.job_id.to_string())
            .push_bind(rows::to_i64(event.seq))
            .push_bind(body);
    });
    q.build()
        .persistent(false)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}
