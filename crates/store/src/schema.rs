//! The schema of each backend and the runner that brings a database up to it
//! when a store opens.
//!
//! Migrations are plain SQL files embedded in the binary (no database is
//! needed to build), numbered, applied at most once each and recorded in
//! `jobcast_migrations`. Each one runs in its own transaction under a lock
//! (SQLite's write lock, a PostgreSQL advisory lock), so several processes
//! starting together on one database apply it once. Released migrations are
//! never edited: a change is a new file.

use sqlx::{PgPool, SqlitePool};

use jobcast_core::StoreError;

use crate::error::db;

struct Migration {
    version: i64,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/sqlite/0002_invoices.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../migrations/sqlite/0003_write_probe.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/postgres/0002_invoices.sql"),
    },
];

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS jobcast_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
)";

const IS_APPLIED: &str = "SELECT version FROM jobcast_migrations WHERE version = $1";

const RECORD: &str = "INSERT INTO jobcast_migrations (version, applied_at) VALUES ($1, $2)";

/// Applies the SQLite migrations this database lacks.
pub(crate) async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), StoreError> {
    for migration in SQLITE {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        sqlx::raw_sql(LEDGER).execute(&mut *tx).await.map_err(db)?;
        let applied: Option<i64> = sqlx::query_scalar(IS_APPLIED)
            .bind(migration.version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if applied.is_none() {
            sqlx::raw_sql(migration.sql)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query(RECORD)
                .bind(migration.version)
                .bind(jobcast_core::Timestamp::now().as_millis())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tracing::info!(version = migration.version, "sqlite schema migrated");
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Applies the PostgreSQL migrations the current schema lacks.
pub(crate) async fn migrate_postgres(pool: &PgPool) -> Result<(), StoreError> {
    for migration in POSTGRES {
        let mut tx = pool.begin().await.map_err(db)?;
        // One migrator per schema at a time; released at commit.
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtext('jobcast.migrate.' || current_schema()))",
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::raw_sql(LEDGER).execute(&mut *tx).await.map_err(db)?;
        let applied: Option<i64> = sqlx::query_scalar(IS_APPLIED)
            .bind(migration.version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if applied.is_none() {
            sqlx::raw_sql(migration.sql)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query(RECORD)
                .bind(migration.version)
                .bind(jobcast_core::Timestamp::now().as_millis())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tracing::info!(version = migration.version, "postgres schema migrated");
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}
