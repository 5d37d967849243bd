//! Whether the SQLite file can be written right now, for `ping` (and so
//! `/readyz`).
//!
//! Reading says nothing about a full disk: `SELECT 1` answers while every
//! write fails. So the store remembers a write's fault, and while one is
//! remembered `ping` tries a real write of some size (a row in
//! `write_probe`, written and deleted); the first probe that succeeds
//! forgets the fault.

use std::borrow::Borrow;
use std::sync::{Arc, Mutex};

use jobcast_core::StoreError;
use sqlx::SqlitePool;

use super::write_tx::WriteTx;
use crate::error::db;

/// Bytes the probe writes: more than a page, so that it needs space.
const PROBE_BYTES: i64 = 64 * 1024;

#[derive(Debug, Clone, Default)]
pub(crate) struct WriteHealth {
    faulty: Arc<Mutex<bool>>,
}

impl WriteHealth {
    /// Notes what a write answered: a transient fault is remembered until
    /// a probe gets through. A write's success does not forget it: a write
    /// that found nothing to change (a claim with no job waiting) commits
    /// without touching the file, and proves nothing about the space.
    pub(crate) fn observe<T, E: Borrow<StoreError>>(&self, outcome: &Result<T, E>) {
        if let Err(e) = outcome {
            if e.borrow().is_transient() {
                self.set(true);
            }
        }
    }

    fn set(&self, faulty: bool) {
        *self.faulty.lock().unwrap_or_else(|p| p.into_inner()) = faulty;
    }

    fn is_faulty(&self) -> bool {
        *self.faulty.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After a fault, whether a write gets through now.
    pub(crate) async fn check(&self, writer: &SqlitePool) -> Result<(), StoreError> {
        if !self.is_faulty() {
            return Ok(());
        }
        let outcome = probe(writer).await;
        if outcome.is_ok() {
            self.set(false);
        }
        outcome
    }
}

async fn probe(writer: &SqlitePool) -> Result<(), StoreError> {
    let mut tx = WriteTx::begin(writer).await?;
    sqlx::query("INSERT OR REPLACE INTO write_probe (id, body) VALUES (1, zeroblob($1))")
        .bind(PROBE_BYTES)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await?;
    let mut tx = WriteTx::begin(writer).await?;
    sqlx::query("DELETE FROM write_probe")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await
}
