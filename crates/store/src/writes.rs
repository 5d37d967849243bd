//! The reads and writes of job rows that both backends make identically,
//! written once: inserting a new job with its input and first event, saving
//! an advanced job (with its event), inserting an event, taking an
//! idempotency key, saving and reading an invoice.
//!
//! A macro rather than generic functions because sqlx's executor and codec
//! bounds would have to be repeated on every function; `job_writes!` is
//! expanded in each backend for its connection type. The SQL is in `sql`,
//! and what differs between backends (locking, claiming, listing) stays in
//! the backend's module.

macro_rules! job_writes {
    ($conn:ty) => {
        /// Inserts a new job, its input and its `queued` event.
        async fn insert_job(
            conn: &mut $conn,
            row: &$crate::rows::JobRow,
            event: &jobcast_core::Event,
            input: &jobcast_core::JobInput,
        ) -> Result<(), jobcast_core::StoreError> {
            let snapshot = &row.snapshot;
            sqlx::query($crate::sql::INSERT_JOB)
                .bind(row.id())
                .bind(&snapshot.owner)
                .bind(&snapshot.kind)
                .bind(row.status())
                .bind(row.created_at())
                .bind(row.run_after)
                .bind(&row.lease_owner)
                .bind(row.lease_until)
                .bind(row.attempt())
                .bind(row.max_attempts())
                .bind(row.snapshot_json()?)
                .execute(&mut *conn)
                .await
                .map_err($crate::error::db)?;
            sqlx::query($crate::sql::INSERT_INPUT)
                .bind(row.id())
                .bind(&input.filename)
                .bind(input.media_type.as_str())
                .bind(&input.bytes)
                .execute(&mut *conn)
                .await
                .map_err($crate::error::db)?;
            insert_event(conn, event).await
        }

        /// Stores an advanced job (snapshot and columns) and its new event.
        async fn save(
            conn: &mut $conn,
            row: &$crate::rows::JobRow,
            event: &jobcast_core::Event,
        ) -> Result<(), jobcast_core::StoreError> {
            update_job(conn, row).await?;
            insert_event(conn, event).await
        }

        /// Stores an advanced job's snapshot and columns.
        async fn update_job(
            conn: &mut $conn,
            row: &$crate::rows::JobRow,
        ) -> Result<(), jobcast_core::StoreError> {
            sqlx::query($crate::sql::UPDATE_JOB)
                .bind(row.id())
                .bind(row.status())
                .bind(row.run_after)
                .bind(&row.lease_owner)
                .bind(row.lease_until)
                .bind(row.attempt())
                .bind(row.max_attempts())
                .bind(row.snapshot_json()?)
                .execute(conn)
                .await
                .map_err($crate::error::db)?;
            Ok(())
        }

        async fn insert_event(
            conn: &mut $conn,
            event: &jobcast_core::Event,
        ) -> Result<(), jobcast_core::StoreError> {
            sqlx::query($crate::sql::INSERT_EVENT)
                .bind(event.job_id.to_string())
                .bind($crate::rows::to_i64(event.seq))
                .bind($crate::rows::encode_event(event)?)
                .execute(conn)
                .await
                .map_err($crate::error::db)?;
            Ok(())
        }

        async fn load_snapshot(
            conn: &mut $conn,
            id: jobcast_core::JobId,
        ) -> Result<Option<jobcast_core::JobSnapshot>, jobcast_core::StoreError> {
            let found: Option<String> = sqlx::query_scalar($crate::sql::SELECT_SNAPSHOT)
                .bind(id.to_string())
                .fetch_optional(conn)
                .await
                .map_err($crate::error::db)?;
            found
                .as_deref()
                .map($crate::rows::decode_snapshot)
                .transpose()
        }

        /// Takes `owner`'s idempotency `key` for the jobs `ids`. `None` when it
        /// was free (the caller goes on creating); the earlier jobs, as they
        /// are now, when it had been used. On PostgreSQL the insert waits for
        /// a concurrent transaction holding the same key, and the read that
        /// follows sees its commit.
        async fn take_idempotency_key(
            conn: &mut $conn,
            owner: &str,
            key: &str,
            ids: &[jobcast_core::JobId],
            now: jobcast_core::Timestamp,
        ) -> Result<Option<Vec<jobcast_core::JobSnapshot>>, jobcast_core::StoreError> {
            let taken = sqlx::query($crate::sql::INSERT_IDEMPOTENCY)
                .bind(owner)
                .bind(key)
                .bind($crate::rows::encode_job_ids(ids)?)
                .bind(now.as_millis())
                .execute(&mut *conn)
                .await
                .map_err($crate::error::db)?
                .rows_affected();
            if taken == 1 {
                return Ok(None);
            }
            let earlier: String = sqlx::query_scalar($crate::sql::IDEMPOTENT_JOB_IDS)
                .bind(owner)
                .bind(key)
                .fetch_one(&mut *conn)
                .await
                .map_err($crate::error::db)?;
            let mut jobs = Vec::new();
            for id in $crate::rows::decode_job_ids(&earlier)? {
                jobs.extend(load_snapshot(conn, id).await?);
            }
            Ok(Some(jobs))
        }

        /// Saves an invoice `job` extracted, owned by the job's owner, under a
        /// new id.
        async fn insert_invoice(
            conn: &mut $conn,
            job: &jobcast_core::JobSnapshot,
            data: &serde_json::Value,
        ) -> Result<String, jobcast_core::StoreError> {
            let invoice = $crate::rows::new_invoice(job, data, jobcast_core::Timestamp::now());
            sqlx::query($crate::sql::INSERT_INVOICE)
                .bind(&invoice.invoice_id)
                .bind(invoice.job_id.to_string())
                .bind(&invoice.owner)
                .bind($crate::rows::encode_invoice_data(&invoice.data)?)
                .bind(invoice.created_at.as_millis())
                .execute(conn)
                .await
                .map_err($crate::error::db)?;
            Ok(invoice.invoice_id)
        }

        async fn load_invoice(
            conn: &mut $conn,
            invoice_id: &str,
        ) -> Result<Option<jobcast_core::StoredInvoice>, jobcast_core::StoreError> {
            let found: Option<$crate::rows::InvoiceColumns> =
                sqlx::query_as($crate::sql::SELECT_INVOICE)
                    .bind(invoice_id)
                    .fetch_optional(conn)
                    .await
                    .map_err($crate::error::db)?;
            found.map($crate::rows::decode_invoice).transpose()
        }
    };
}

pub(crate) use job_writes;
