//! The worker pool: claims queued jobs of the kinds this instance knows, runs
//! their processors, renews their leases, and records how each attempt ended
//! (completed, failed, retried with backoff, handed back on drain).
//!
//! It also keeps the queue honest when workers die: at start it recovers the
//! jobs a previous process left running, and a sweeper retries (or fails) jobs
//! whose lease expired. Every change goes through `jobcast_core::Journal`;
//! this crate never writes to the store or the bus any other way, and it
//! never decides a transition itself (that is `jobcast_core::transition`).

mod backoff;
mod config;
mod dispatch;
mod error;
mod events;
mod finish;
mod pool;
mod recovery;
mod registry;
mod run;
mod store_retry;

pub use backoff::retry_delay;
pub use config::PoolConfig;
pub use error::WorkerError;
pub use pool::{PoolHandle, WorkerPool};
