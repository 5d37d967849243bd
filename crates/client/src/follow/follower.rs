//! The follower: one Socket.IO connection joins every job from its first
//! event and applies events strictly in `seq` order ([`Followed`]: a
//! duplicate is dropped, a gap is filled by rejoining after the last applied
//! event) until every job is finished. What happens when the connection
//! drops is `reconnect`'s.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use jobcast_core::{ErrorCode, Event, JobId};

use super::error::FollowError;
use super::followed::{Applied, Followed};
use super::options::FollowOptions;
use super::watcher::Watcher;
use crate::error::{AckError, ConnectError, SocketError};
use crate::socket::{JoinedJob, SocketClient};

/// How long one wait for an update lasts.
const TICK: Duration = Duration::from_millis(500);
/// How often, and how long apart, a join refused as `rate_limited` (many
/// jobs joined at once) is tried again: ten seconds in all.
const RATE_LIMIT_WAITS: u32 = 20;
const RATE_LIMIT_WAIT: Duration = Duration::from_millis(500);

/// A hook that makes a fresh token when the server says the current one
/// expired; `None` when it cannot.
type Renew = Box<dyn FnMut() -> Option<String> + Send>;

/// The followed jobs by id.
pub(super) type Jobs = BTreeMap<JobId, Followed>;

/// Why rejoining did not work.
pub(super) enum Rejoin {
    /// The connection broke: reconnect.
    Broken,
    /// The server refused: stop.
    Refused(FollowError),
}

/// A connection on which jobs are followed to their end. See the
/// [module](super) for an example.
pub struct Follower {
    pub(super) server: String,
    pub(super) token: String,
    pub(super) renew: Option<Renew>,
    pub(super) options: FollowOptions,
    pub(super) socket: SocketClient,
}

impl fmt::Debug for Follower {
    // The token is never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Follower")
            .field("server", &self.server)
            .field("renews", &self.renew.is_some())
            .field("options", &self.options)
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl Follower {
    /// Connects to `server` (`http://host:port`) with `token`: an
    /// unreachable server or a refused token is known before anything is
    /// followed (or submitted).
    pub async fn connect(server: &str, token: &str) -> Result<Follower, ConnectError> {
        let socket = SocketClient::connect(server, token).await?;
        Ok(Follower {
            server: server.to_owned(),
            token: token.to_owned(),
            renew: None,
            options: FollowOptions::default(),
            socket,
        })
    }

    /// Uses these time limits instead of the defaults.
    pub fn with_options(mut self, options: FollowOptions) -> Follower {
        self.options = options;
        self
    }

    /// When the server closes the connection because the token expired
    /// (`token_expired`), `renew` is asked for a fresh one to reconnect
    /// with; without it, or when it answers `None`, following stops with
    /// [`FollowError::TokenExpired`].
    pub fn renew_token_with(
        mut self,
        renew: impl FnMut() -> Option<String> + Send + 'static,
    ) -> Follower {
        self.renew = Some(Box::new(renew));
        self
    }

    /// Follows `ids` from their first event to their end, telling `watcher`
    /// each step, and closes the connection: the jobs as they ended, in the
    /// order of `ids`. A dropped connection is made again (see
    /// [`FollowOptions::reconnect_for`]) and every unfinished job rejoined
    /// after its last applied event, so nothing is missed or counted twice.
    pub async fn follow<W: Watcher>(
        mut self,
        ids: &[JobId],
        watcher: &mut W,
    ) -> Result<Vec<Followed>, FollowError> {
        let mut jobs = Jobs::new();
        for &id in ids {
            let joined = join(&mut self.socket, id, 0)
                .await
                .map_err(|error| FollowError::Join { job: id, error })?;
            let mut followed = Followed::from_start(joined.job.clone());
            watcher.added(&followed);
            replay(&mut followed, &joined, watcher);
            jobs.insert(id, followed);
        }
        let mut last_heard = Instant::now();
        while jobs.values().any(|f| !f.is_finished()) {
            let step = match self.socket.next_update(TICK).await {
                Ok(Some(event)) => {
                    last_heard = Instant::now();
                    self.apply(&mut jobs, &event, watcher).await
                }
                Ok(None) if last_heard.elapsed() >= self.options.probe_after => {
                    last_heard = Instant::now();
                    self.catch_up_all(&mut jobs, watcher).await
                }
                Ok(None) => Ok(()),
                Err(SocketError::Closed | SocketError::Transport(_)) => Err(Rejoin::Broken),
                Err(e) => return Err(FollowError::Protocol(e)),
            };
            match step {
                Ok(()) => {}
                Err(Rejoin::Refused(e)) => return Err(e),
                Err(Rejoin::Broken) => self.resume(&mut jobs, watcher).await?,
            }
        }
        self.socket.close().await;
        Ok(ids.iter().filter_map(|id| jobs.get(id).cloned()).collect())
    }

    /// Applies a live event; a gap is filled by rejoining the job.
    async fn apply<W: Watcher>(
        &mut self,
        jobs: &mut Jobs,
        event: &Event,
        watcher: &mut W,
    ) -> Result<(), Rejoin> {
        let Some(followed) = jobs.get_mut(&event.job_id) else {
            return Ok(());
        };
        match followed.apply(event) {
            Applied::Yes => {
                watcher.moved(followed);
                Ok(())
            }
            Applied::Duplicate => Ok(()),
            Applied::Gap => self.catch_up(followed, watcher).await,
        }
    }

    /// Rejoins a job after its last applied event and applies the replay.
    async fn catch_up<W: Watcher>(
        &mut self,
        followed: &mut Followed,
        watcher: &mut W,
    ) -> Result<(), Rejoin> {
        let id = followed.job.job_id;
        match join(&mut self.socket, id, followed.last_seq()).await {
            Ok(joined) => {
                replay(followed, &joined, watcher);
                Ok(())
            }
            Err(AckError::Socket(_)) => Err(Rejoin::Broken),
            // The socket is being closed for it: reconnect (and renew).
            Err(AckError::Refused {
                code: ErrorCode::TokenExpired,
                ..
            }) => Err(Rejoin::Broken),
            Err(error) => Err(Rejoin::Refused(FollowError::Join { job: id, error })),
        }
    }

    /// Catches up every unfinished job.
    pub(super) async fn catch_up_all<W: Watcher>(
        &mut self,
        jobs: &mut Jobs,
        watcher: &mut W,
    ) -> Result<(), Rejoin> {
        for followed in jobs.values_mut().filter(|f| !f.is_finished()) {
            self.catch_up(followed, watcher).await?;
        }
        Ok(())
    }
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
            }) if waits < RATE_LIMIT_WAITS => {
                waits += 1;
                tokio::time::sleep(RATE_LIMIT_WAIT).await;
            }
            other => return other,
        }
    }
}

/// Applies a join's replay event by event, so each step is told.
fn replay<W: Watcher>(followed: &mut Followed, joined: &JoinedJob, watcher: &mut W) {
    for event in &joined.events {
        if followed.apply(event) == Applied::Yes {
            watcher.moved(followed);
        }
    }
}
