//! The SQL statements both backends share. They use `$n` placeholders, which
//! SQLite and PostgreSQL both accept, so a statement that means the same on
//! both is written once. What differs (taking a row lock, matching a list of
//! values, building a filtered listing) stays in the backend's own module.
//!
//! Status names in SQL are those of `Status::as_str`.

pub(crate) const INSERT_JOB: &str = "INSERT INTO jobs
    (id, owner, kind, status, created_at, run_after, lease_owner, lease_until,
     attempt, max_attempts, snapshot)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Rewrites everything about a job that an event can change.
pub(crate) const UPDATE_JOB: &str = "UPDATE jobs SET
    status = $2, run_after = $3, lease_owner = $4, lease_until = $5,
    attempt = $6, max_attempts = $7, snapshot = $8
    WHERE id = $1";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (job_id, seq, body) VALUES ($1, $2, $3)";

pub(crate) const INSERT_INPUT: &str =
    "INSERT INTO inputs (job_id, filename, media_type, bytes) VALUES ($1, $2, $3, $4)";

/// Takes an idempotency key; affects no row when the owner has used it before.
pub(crate) const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency
    (owner, key, job_ids, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (owner, key) DO NOTHING";

pub(crate) const IDEMPOTENT_JOB_IDS: &str =
    "SELECT job_ids FROM idempotency WHERE owner = $1 AND key = $2";

pub(crate) const SELECT_SNAPSHOT: &str = "SELECT snapshot FROM jobs WHERE id = $1";

/// The job as `rows::JobRow::decode` reads it.
pub(crate) const SELECT_ROW: &str =
    "SELECT snapshot, run_after, lease_owner, lease_until FROM jobs WHERE id = $1";

pub(crate) const EVENTS_AFTER: &str =
    "SELECT body FROM events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

pub(crate) const STORED_EVENT: &str = "SELECT body FROM events WHERE job_id = $1 AND seq = $2";

pub(crate) const SELECT_INPUT: &str =
    "SELECT filename, media_type, bytes FROM inputs WHERE job_id = $1";

pub(crate) const RENEW_LEASE: &str = "UPDATE jobs SET lease_until = $3
    WHERE id = $1 AND attempt = $2 AND status IN ('running', 'waiting_input')";

pub(crate) const LEASED_ALL: &str = "SELECT id, attempt, max_attempts, lease_owner, lease_until
    FROM jobs
    WHERE status IN ('running', 'waiting_input')
      AND lease_owner IS NOT NULL AND lease_until IS NOT NULL
    ORDER BY lease_until, id";

pub(crate) const LEASED_EXPIRED: &str = "SELECT id, attempt, max_attempts, lease_owner, lease_until
    FROM jobs
    WHERE status IN ('running', 'waiting_input')
      AND lease_owner IS NOT NULL AND lease_until < $1
    ORDER BY lease_until, id";

pub(crate) const INSERT_INVOICE: &str = "INSERT INTO invoices
    (invoice_id, job_id, owner, data, created_at) VALUES ($1, $2, $3, $4, $5)";

/// The invoice as `rows::decode_invoice` reads it.
pub(crate) const SELECT_INVOICE: &str =
    "SELECT invoice_id, job_id, owner, data, created_at FROM invoices WHERE invoice_id = $1";
