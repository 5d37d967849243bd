-- A scratch table for the readiness probe: after a write failed for want of
-- space, `ping` writes and deletes a row here to learn whether space is back.
CREATE TABLE write_probe (
    id   INTEGER NOT NULL PRIMARY KEY,
    body BLOB NOT NULL
);
