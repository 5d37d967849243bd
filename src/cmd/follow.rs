//! Following jobs live, for `submit --watch` and `watch`. The follower
//! itself — joining every job from its first event, applying events in
//! `seq` order, reconnecting with backoff after a server restart, catching
//! up — is `jobcast_client::follow`, usable by any program; what is the
//! CLI's own is here: the development token made again from the local
//! secret when the token expires (any other token ends the command with
//! exit code 3 and what to do next), the failures in words, and the exit
//! code (0 only if every job completed).
//!
//! Drawing is [`Progress`]'s job and the closing table [`summary`]'s; this
//! module never prints.

use std::process::ExitCode;

use jobcast_client::follow::{self, Followed};
use jobcast_core::{JobId, Status};

use super::progress::Progress;
use super::remote::{Remote, RemoteError};
use super::summary;
use crate::exit;

/// A connection on which jobs are followed.
pub struct Follower<'a> {
    remote: &'a Remote,
    follower: follow::Follower,
}

impl<'a> Follower<'a> {
    /// Connects first, so that an unreachable server or a refused token is
    /// known before anything is submitted.
    pub async fn connect(remote: &'a Remote) -> Result<Follower<'a>, RemoteError> {
        let renewable = remote.clone();
        let follower = follow::Follower::connect(&remote.server, &remote.token)
            .await
            .map_err(|e| remote.connect_error(e))?
            .renew_token_with(move || renewable.renewed().map(|fresh| fresh.token));
        Ok(Follower { remote, follower })
    }

    /// Follows `ids` to the end, shows them, prints the summary; exit code 0
    /// only if every job completed.
    pub async fn follow(self, ids: &[JobId]) -> Result<ExitCode, RemoteError> {
        let mut progress = Progress::for_terminal();
        let jobs = self
            .follower
            .follow(ids, &mut progress)
            .await
            .map_err(|e| self.remote.follow_error(e))?;
        progress.finish();
        let ordered: Vec<&Followed> = jobs.iter().collect();
        summary::print(&ordered);
        Ok(
            if ordered.iter().all(|f| f.job.status == Status::Completed) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit::NOT_COMPLETED)
            },
        )
    }
}
