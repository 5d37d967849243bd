//! Following jobs live, for `submit --watch` and `watch`: one Socket.IO
//! connection joins every job from its first event; events are applied
//! strictly in `seq` order ([`Followed`]: a duplicate is dropped, a gap is
//! filled by rejoining after the last applied event). When the connection
//! drops (a server restart), it reconnects with backoff for up to a minute
//! and rejoins each unfinished job after its last event, so nothing is missed
//! or counted twice. It ends when every job is finished. When the server
//! closes the connection because the token expired (`token_expired`), a
//! development token is made again from the local secret; any other token
//! ends the command with exit code 3 and what to do next.
//!
//! Drawing is [`Progress`]'s job and the closing table [`summary`]'s; this
//! module never prints.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use jobcast_client::{AckError, JoinedJob, SocketClient, SocketError};
use jobcast_core::{ErrorCode, Event, JobId, Status};

use super::followed::{Applied, Followed};
use super::progress::Progress;
use super::remote::{Remote, RemoteError};
use super::summary;
use crate::exit;

/// How long the follower keeps trying to reconnect before it gives up.
const RECONNECT_FOR: Duration = Duration::from_secs(60);
/// How long one wait for an update lasts.
const TICK: Duration = Duration::from_millis(500);
/// After this long without an update, every unfinished job is rejoined: it
/// proves the connection still answers (a silently dead one is replaced)
/// and catches up on anything missed.
const PROBE_AFTER: Duration = Duration::from_secs(20);

/// Why rejoining did not work.
enum Rejoin {
    /// The connection broke: reconnect.
    Broken,
    /// The server refused: stop.
    Refused(RemoteError),
}

/// A connection on which jobs are followed.
pub struct Follower<'a> {
    remote: &'a Remote,
    /// A development token made again after the first one expired.
    renewed: Option<Remote>,
    socket: SocketClient,
}

impl<'a> Follower<'a> {
    /// Connects first, so that an unreachable server or a refused token is
    /// known before anything is submitted.
    pub async fn connect(remote: &'a Remote) -> Result<Follower<'a>, RemoteError> {
        let socket = connect(remote).await?;
        Ok(Follower {
            remote,
            renewed: None,
            socket,
        })
    }

    /// Follows `ids` to the end, shows them, prints the summary; exit code 0
    /// only if every job completed.
    pub async fn follow(mut self, ids: &[JobId]) -> Result<ExitCode, RemoteError> {
        let mut progress = Progress::for_terminal();
        let mut jobs: BTreeMap<JobId, Followed> = BTreeMap::new();
        for &id in ids {
            let joined = join(&mut self.socket, id, 0)
                .await
                .map_err(|e| self.remote.ack_error(id, e))?;
            let mut followed = Followed::from_start(joined.job.clone());
            progress.add(&followed);
            replay(&mut followed, &joined, &mut progress);
            jobs.insert(id, followed);
        }
        let mut last_heard = Instant::now();
        while jobs.values().any(|f| !f.is_finished()) {
            let step = match self.socket.next_update(TICK).await {
                Ok(Some(event)) => {
                    last_heard = Instant::now();
                    self.apply(&mut jobs, &event, &mut progress).await
                }
                Ok(None) if last_heard.elapsed() >= PROBE_AFTER => {
                    last_heard = Instant::now();
                    self.catch_up_all(&mut jobs, &mut progress).await
                }
                Ok(None) => Ok(()),
                Err(SocketError::Closed | SocketError::Transport(_)) => Err(Rejoin::Broken),
                Err(e) => return Err(RemoteError::Protocol(e.to_string())),
            };
            match step {
                Ok(()) => {}
                Err(Rejoin::Refused(e)) => return Err(e),
                Err(Rejoin::Broken) => self.resume(&mut jobs, &mut progress).await?,
            }
        }
        progress.finish();
        self.socket.close().await;
        let ordered: Vec<&Followed> = ids.iter().filter_map(|id| jobs.get(id)).collect();
        summary::print(&ordered);
        Ok(
            if ordered.iter().all(|f| f.job.status == Status::Completed) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit::NOT_COMPLETED)
            },
        )
    }

    /// Applies a live event; a gap is filled by rejoining the job.
    async fn apply(
        &mut self,
        jobs: &mut BTreeMap<JobId, Followed>,
        event: &Event,
        progress: &mut Progress,
    ) -> Result<(), Rejoin> {
        let Some(followed) = jobs.get_mut(&event.job_id) else {
            return Ok(());
        };
        match followed.apply(event) {
            Applied::Yes => {
                progress.show(followed);
                Ok(())
            }
            Applied::Duplicate => Ok(()),
            Applied::Gap => self.catch_up(followed, progress).await,
        }
    }

    /// Rejoins a job after its last applied event and applies the replay.
    async fn catch_up(
        &mut self,
        followed: &mut Followed,
        progress: &mut Progress,
    ) -> Result<(), Rejoin> {
        let id = followed.job.job_id;
        match join(&mut self.socket, id, followed.last_seq()).await {
            Ok(joined) => {
                replay(followed, &joined, progress);
                Ok(())
            }
            Err(AckError::Socket(_)) => Err(Rejoin::Broken),
            // The socket is being closed for it: reconnect (and renew).
            Err(AckError::Refused {
                code: ErrorCode::TokenExpired,
                ..
            }) => Err(Rejoin::Broken),
            Err(refused) => Err(Rejoin::Refused(self.remote.ack_error(id, refused))),
        }
    }

    async fn catch_up_all(
        &mut self,
        jobs: &mut BTreeMap<JobId, Followed>,
        progress: &mut Progress,
    ) -> Result<(), Rejoin> {
        for followed in jobs.values_mut().filter(|f| !f.is_finished()) {
            self.catch_up(followed, progress).await?;
        }
        Ok(())
    }

    /// Reconnects with backoff for up to [`RECONNECT_FOR`] and rejoins every
    /// unfinished job; a refused token or job ends it at once.
    async fn resume(
        &mut self,
        jobs: &mut BTreeMap<JobId, Followed>,
        progress: &mut Progress,
    ) -> Result<(), RemoteError> {
        if self
            .socket
            .disconnect_reason()
            .is_some_and(|told| told.code == ErrorCode::TokenExpired)
        {
            // The same token cannot connect again: renew it, or stop and
            // say how to go on.
            match self.remote.renewed() {
                Some(fresh) => {
                    progress.notice("the token expired; made a fresh development token");
                    self.renewed = Some(fresh);
                }
                None => return Err(token_expired(jobs)),
            }
        }
        let since = Instant::now();
        let mut delay = Duration::from_millis(250);
        let mut reason = self
            .socket
            .close_reason()
            .unwrap_or_else(|| "the connection ended".into());
        progress.notice(&format!("connection lost ({reason}); reconnecting…"));
        while since.elapsed() < RECONNECT_FOR {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(4));
            match connect(self.renewed.as_ref().unwrap_or(self.remote)).await {
                Ok(socket) => {
                    self.socket = socket;
                    match self.catch_up_all(jobs, progress).await {
                        Ok(()) => {
                            progress.notice("reconnected; caught up");
                            return Ok(());
                        }
                        Err(Rejoin::Refused(e)) => return Err(e),
                        Err(Rejoin::Broken) => reason = "the connection dropped again".into(),
                    }
                }
                Err(e @ RemoteError::Unauthorized(_)) => return Err(e),
                Err(RemoteError::Unreachable { reason: why, .. }) => reason = why,
                Err(e) => return Err(e),
            }
        }
        Err(RemoteError::Lost {
            server: self.remote.server.clone(),
            seconds: RECONNECT_FOR.as_secs(),
            reason,
        })
    }
}

/// The token expired and cannot be renewed here: the unfinished jobs, to
/// watch again with a fresh one.
fn token_expired(jobs: &BTreeMap<JobId, Followed>) -> RemoteError {
    let unfinished: Vec<String> = jobs
        .iter()
        .filter(|(_, f)| !f.is_finished())
        .map(|(id, _)| id.to_string())
        .collect();
    RemoteError::TokenExpired {
        jobs: unfinished.join(" "),
    }
}

async fn connect(remote: &Remote) -> Result<SocketClient, RemoteError> {
    SocketClient::connect(&remote.server, &remote.token)
        .await
        .map_err(|e| remote.connect_error(e))
}

/// `join_job` with `after_seq`; waits out the server's rate limit (many
/// jobs joined at once) for up to ten seconds.
async fn join(socket: &mut SocketClient, id: JobId, after: u64) -> Result<JoinedJob, AckError> {
    let mut waits = 0;
    loop {
        match socket.join_job(id, Some(after)).await {
            Err(AckError::Refused {
                code: ErrorCode::RateLimited,
                ..
            }) if waits < 20 => {
                waits += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => return other,
        }
    }
}

/// Applies a join's replay event by event, so each step is shown.
fn replay(followed: &mut Followed, joined: &JoinedJob, progress: &mut Progress) {
    for event in &joined.events {
        if followed.apply(event) == Applied::Yes {
            progress.show(followed);
        }
    }
}
