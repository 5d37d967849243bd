-- jobcast schema, version 2 (PostgreSQL): invoices saved by `invoice.extract`.
-- `data` holds JSON; `created_at` is milliseconds since the epoch. An invoice
-- belongs to the owner of the job that saved it, recorded here so that
-- reading it never needs the job.

CREATE TABLE IF NOT EXISTS invoices (
    invoice_id TEXT    COLLATE "C" NOT NULL PRIMARY KEY,  -- ULID
    job_id     TEXT    COLLATE "C" NOT NULL REFERENCES jobs (id),
    owner      TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

-- A user's invoices.
CREATE INDEX IF NOT EXISTS invoices_by_owner ON invoices (owner, invoice_id);
