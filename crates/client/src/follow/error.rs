//! Why following jobs stopped before every job finished. A refusal names
//! its job, so the caller can say which; a token that expired names the
//! jobs still unfinished, so the caller can say how to pick up.

use std::time::Duration;

use jobcast_core::JobId;

use crate::error::{AckError, ConnectError, SocketError};

/// Following jobs stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FollowError {
    /// The connection could not be opened: at the start, or on a
    /// reconnection that cannot work by waiting (a refused token, a URL this
    /// client cannot use).
    #[error("cannot connect: {0}")]
    Connect(#[from] ConnectError),
    /// Joining `job` failed: refused by the server (`not_found`,
    /// `forbidden`, ...), or, on the first join, the connection broke.
    #[error("job {job}: {error}")]
    Join { job: JobId, error: AckError },
    /// The server closed the connection because the token expired, and no
    /// fresh one could be had (no renewal hook, or it gave none).
    #[error("the token expired with {} job(s) unfinished", unfinished.len())]
    TokenExpired {
        /// The jobs not yet finished, in id order.
        unfinished: Vec<JobId>,
    },
    /// The connection dropped and could not be made again within `within`
    /// ([`FollowOptions::reconnect_for`](super::FollowOptions::reconnect_for)).
    #[error("lost the connection and could not reconnect within {} s: {reason}", within.as_secs())]
    Lost { within: Duration, reason: String },
    /// What arrived is not what the protocol promises.
    #[error("{0}")]
    Protocol(SocketError),
}
