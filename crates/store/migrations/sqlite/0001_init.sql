-- jobcast schema, version 1 (SQLite). Times are milliseconds since the epoch.
-- The snapshot and event columns hold JSON; the other job columns are derived
-- from the snapshot so that SQL can filter, sort and claim.

CREATE TABLE IF NOT EXISTS jobs (
    id           TEXT    NOT NULL PRIMARY KEY,  -- ULID: sorts by creation time
    owner        TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    run_after    INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    attempt      INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    snapshot     TEXT    NOT NULL
);

-- A user's jobs, newest first (cursor = id < before).
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, id DESC);
-- The claim: oldest claimable queued job.
CREATE INDEX IF NOT EXISTS jobs_by_schedule ON jobs (status, run_after, id);
-- Lease expiry sweeps.
CREATE INDEX IF NOT EXISTS jobs_by_lease ON jobs (lease_until) WHERE lease_until IS NOT NULL;

CREATE TABLE IF NOT EXISTS events (
    job_id TEXT    NOT NULL REFERENCES jobs (id),
    seq    INTEGER NOT NULL,
    body   TEXT    NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS inputs (
    job_id     TEXT NOT NULL PRIMARY KEY REFERENCES jobs (id),
    filename   TEXT,
    media_type TEXT NOT NULL,
    bytes      BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS idempotency (
    owner      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    job_ids    TEXT    NOT NULL,  -- JSON array of job ids, in creation order
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner, key)
);
