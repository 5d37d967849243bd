//! How patient a [`Follower`](super::Follower) is: how long it tries to
//! reconnect, and how long a silence lasts before it checks the connection.
//! The defaults are the CLI's.

use std::time::Duration;

/// The follower's time limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowOptions {
    /// How long the follower keeps trying to reconnect (with backoff, from
    /// 250 ms doubling up to 4 s between attempts) before it gives up with
    /// [`FollowError::Lost`](super::FollowError::Lost). Default: 60 s.
    pub reconnect_for: Duration,
    /// After this long without an update, every unfinished job is rejoined:
    /// it proves the connection still answers (a silently dead one is
    /// replaced) and catches up on anything missed. Default: 20 s.
    pub probe_after: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            reconnect_for: Duration::from_secs(60),
            probe_after: Duration::from_secs(20),
        }
    }
}
