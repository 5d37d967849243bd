//! Write transactions on the writer connection that can never leave it
//! stuck in a transaction.
//!
//! sqlx counts a SQLite connection's transaction depth itself. When a
//! `COMMIT` fails (a full disk) SQLite may already have rolled back, the
//! `ROLLBACK` sqlx then sends fails too, the count stays at one, and every
//! later `BEGIN` on that connection is refused ("attempted to call
//! begin_with at non-zero transaction depth") for the life of the process.
//! So a `WriteTx` begins and commits with plain statements, and a
//! transaction that does not end in a successful `COMMIT` or `ROLLBACK` (an
//! error, a dropped future) closes its connection instead of handing it
//! back: SQLite rolls back on close, and the pool opens a fresh one.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};

use jobcast_core::StoreError;

use crate::error::db;

pub(crate) struct WriteTx {
    conn: PoolConnection<Sqlite>,
    ended: bool,
}

impl WriteTx {
    /// `BEGIN IMMEDIATE`: the write lock is held from the first statement.
    pub(crate) async fn begin(pool: &SqlitePool) -> Result<WriteTx, StoreError> {
        let conn = pool.acquire().await.map_err(db)?;
        // Not ended until proven: a `BEGIN` cut short may have begun.
        let mut tx = WriteTx { conn, ended: false };
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *tx.conn)
            .await
            .map_err(db)?;
        Ok(tx)
    }

    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT")
            .execute(&mut *self.conn)
            .await
            .map_err(db)?;
        self.ended = true;
        Ok(())
    }

    /// Ends a transaction that had nothing to write.
    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        sqlx::query("ROLLBACK")
            .execute(&mut *self.conn)
            .await
            .map_err(db)?;
        self.ended = true;
        Ok(())
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.ended {
            self.conn.close_on_drop();
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}
