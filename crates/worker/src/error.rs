//! What can keep a pool from starting. Failures of single jobs are not errors
//! of the pool: they become `failed` or `retrying` events, never values here.

use jobcast_core::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("invalid worker pool configuration: {0}")]
    Config(String),
    #[error("recovering jobs left running by a previous process: {0}")]
    Recovery(#[source] StoreError),
}
