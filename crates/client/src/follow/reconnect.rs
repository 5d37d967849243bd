//! When the connection drops (a server restart, a network cut): reconnect
//! with backoff for up to [`FollowOptions::reconnect_for`] and rejoin each
//! unfinished job after its last applied event, so nothing is missed or
//! counted twice. When the server closed it because the token expired
//! (`token_expired`), the same token cannot connect again: the renewal hook
//! is asked for a fresh one, or following stops and names the jobs left.
//!
//! [`FollowOptions::reconnect_for`]: super::FollowOptions::reconnect_for

use std::time::{Duration, Instant};

use jobcast_core::{ErrorCode, JobId};

use super::error::FollowError;
use super::follower::{Follower, Jobs, Rejoin};
use super::watcher::{Notice, Watcher};
use crate::error::ConnectError;
use crate::socket::SocketClient;

/// The waits between reconnection attempts: 250 ms, doubling, at most 4 s.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(250);
    const LONGEST: Duration = Duration::from_secs(4);

    fn new() -> Backoff {
        Backoff { next: Self::FIRST }
    }

    /// The wait before the next attempt.
    fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (wait * 2).min(Self::LONGEST);
        wait
    }
}

impl Follower {
    /// Reconnects and rejoins every unfinished job; a refused token or job
    /// ends it at once.
    pub(super) async fn resume<W: Watcher>(
        &mut self,
        jobs: &mut Jobs,
        watcher: &mut W,
    ) -> Result<(), FollowError> {
        if self
            .socket
            .disconnect_reason()
            .is_some_and(|told| told.code == ErrorCode::TokenExpired)
        {
            match self.renew.as_mut().and_then(|renew| renew()) {
                Some(fresh) => {
                    self.token = fresh;
                    watcher.notice(&Notice::TokenRenewed);
                }
                None => {
                    return Err(FollowError::TokenExpired {
                        unfinished: unfinished(jobs),
                    })
                }
            }
        }
        let since = Instant::now();
        let mut backoff = Backoff::new();
        let mut reason = self
            .socket
            .close_reason()
            .unwrap_or_else(|| "the connection ended".into());
        watcher.notice(&Notice::ConnectionLost {
            reason: reason.clone(),
        });
        while since.elapsed() < self.options.reconnect_for {
            tokio::time::sleep(backoff.next_wait()).await;
            match SocketClient::connect(&self.server, &self.token).await {
                Ok(socket) => {
                    self.socket = socket;
                    match self.catch_up_all(jobs, watcher).await {
                        Ok(()) => {
                            watcher.notice(&Notice::Reconnected);
                            return Ok(());
                        }
                        Err(Rejoin::Refused(e)) => return Err(e),
                        Err(Rejoin::Broken) => reason = "the connection dropped again".into(),
                    }
                }
                // Waiting does not make these work.
                Err(e @ (ConnectError::Refused(_) | ConnectError::Url(_))) => {
                    return Err(FollowError::Connect(e))
                }
                Err(e) => reason = e.to_string(),
            }
        }
        Err(FollowError::Lost {
            within: self.options.reconnect_for,
            reason,
        })
    }
}

/// The jobs not finished yet, in id order.
fn unfinished(jobs: &Jobs) -> Vec<JobId> {
    jobs.iter()
        .filter(|(_, f)| !f.is_finished())
        .map(|(id, _)| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use jobcast_core::Status;

    use super::*;
    use crate::follow::testing::snapshot;
    use crate::follow::Followed;

    #[test]
    fn a_token_that_expired_names_the_unfinished_jobs_in_id_order() {
        let mut jobs = Jobs::new();
        for status in [Status::Running, Status::Completed, Status::WaitingInput] {
            let mut followed = Followed::from_start(snapshot());
            followed.job.status = status;
            jobs.insert(followed.job.job_id, followed);
        }
        let mut expected: Vec<JobId> = jobs
            .values()
            .filter(|f| f.job.status != Status::Completed)
            .map(|f| f.job.job_id)
            .collect();
        expected.sort();
        assert_eq!(expected.len(), 2);
        assert_eq!(unfinished(&jobs), expected);
    }

    #[test]
    fn the_backoff_doubles_up_to_four_seconds() {
        let mut backoff = Backoff::new();
        let waits: Vec<u128> = (0..7).map(|_| backoff.next_wait().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 4000, 4000]);
    }
}
