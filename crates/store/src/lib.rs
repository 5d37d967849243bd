//! jobcast's store: the `jobcast_core::Store` contract on SQLite (the
//! embedded default, one process) and on PostgreSQL (shared by a cluster).
//!
//! The backends persist and never decide: every change to a job goes through
//! `jobcast_core::transition::apply` (via `rows::JobRow::advance`) inside the
//! transaction that stores its event. Both pass one conformance suite
//! (`tests/conformance.rs`).

mod database_url;
mod error;
mod group_commit;
mod postgres;
mod rows;
mod schema;
mod sql;
mod sqlite;
mod writes;

pub use database_url::{connect, DatabaseUrl};
pub use error::OpenError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
