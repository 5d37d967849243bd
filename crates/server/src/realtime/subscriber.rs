//! One connected socket's feeds: for each job it watches, the last `seq` it
//! was sent (its *floor*). This is where "every event exactly once, in order"
//! is kept, per socket and per job:
//!
//! - **Live**: an event `floor + 1` is sent at once; an event at or below the
//!   floor is a duplicate and dropped; an event above `floor + 1` means one
//!   went missing on the bus, so the feed falls **Behind**.
//! - **Behind**: live events are not sent; the socket's catch-up task reads
//!   the store from the floor and sends what is there, in order, until
//!   nothing new arrived meanwhile, then the feed is Live again.
//! - **Joining**: a `join_job` is reading the store and has not sent its
//!   acknowledgement yet; live events only mark the feed dirty, and when the
//!   ack is out the feed goes Live (or Behind if anything arrived meanwhile).
//!
//! A full socket buffer (a client that does not keep up) puts every feed of
//! the socket Behind: nothing is skipped, it is sent later from the store.
//! A socket whose buffer stays full past the stall timeout is disconnected;
//! its client reconnects and rejoins with the last `seq` it saw.
//!
//! The state sits behind a plain mutex that is never held across an await.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jobcast_core::wire::events::JOB_UPDATE;
use jobcast_core::{Event, JobId, Store};
use serde_json::value::RawValue;
use socketioxide::{SendError, SocketError};

use super::handle::SocketHandle;
use super::limits::RateLimiter;
use crate::auth::Caller;

/// Most events read from the store per catch-up round.
const CATCH_UP_BATCH: u32 = 500;
/// Pause between catch-up rounds, doubled while the socket stays full.
const MIN_PAUSE: Duration = Duration::from_millis(1);
const MAX_PAUSE: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Live,
    Behind,
    Joining,
}

#[derive(Debug, Clone, Copy)]
struct Feed {
    floor: u64,
    mode: Mode,
    /// A live event arrived while the feed was not Live.
    dirty: bool,
    /// The job is the socket user's own (kept while the user room is joined).
    own: bool,
    /// While Joining: the floor of the feed this join replaced (the user
    /// room's), so that what it had not sent yet is not lost.
    prior: Option<u64>,
}

#[derive(Debug, Default)]
struct Feeds {
    jobs: HashMap<JobId, Feed>,
    /// Jobs joined with `join_job` (what the room limit counts).
    joined: HashSet<JobId>,
    user_room: bool,
    stalled_since: Option<Instant>,
    catching_up: bool,
    closed: bool,
}

/// What `offer` asks the hub to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    Done,
    /// Start the catch-up task.
    CatchUp,
    /// The socket is closed or closing: nothing more goes to it (it leaves
    /// the hub when it is gone).
    Gone,
}

pub struct Subscriber {
    pub socket: SocketHandle,
    pub caller: Caller,
    pub user: String,
    pub limiter: RateLimiter,
    feeds: Mutex<Feeds>,
}

pub enum JoinStart {
    Started,
    TooManyRooms,
}

impl Subscriber {
    pub fn new(socket: SocketHandle, caller: Caller, limiter: RateLimiter) -> Self {
        Subscriber {
            socket,
            user: caller.user.clone(),
            caller,
            limiter,
            feeds: Mutex::new(Feeds::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Feeds> {
        // A panic while holding this lock would leave plain data behind; the
        // data stays consistent enough to keep serving, so take it anyway.
        self.feeds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A live event from the bus, with its JSON (`wire`, serialized once for
    /// every socket it goes to). `own` says whether the job is this user's.
    pub fn offer(&self, event: &Event, wire: &RawValue, own: bool) -> Offered {
        if self.caller.is_expired() {
            // `expiry` is closing the socket: nothing more goes out.
            return Offered::Done;
        }
        let mut feeds = self.lock();
        if feeds.closed {
            return Offered::Gone;
        }
        if !feeds.jobs.contains_key(&event.job_id) {
            if !(own && feeds.user_room) {
                return Offered::Done;
            }
            // First sight through the user room: start from this event.
            feeds.jobs.insert(
                event.job_id,
                Feed {
                    floor: event.seq.saturating_sub(1),
                    mode: Mode::Live,
                    dirty: false,
                    own: true,
                    prior: None,
                },
            );
        }
        let Some(feed) = feeds.jobs.get_mut(&event.job_id) else {
            return Offered::Done;
        };
        match feed.mode {
            Mode::Joining | Mode::Behind => {
                feed.dirty = true;
                Offered::Done
            }
            Mode::Live if event.seq <= feed.floor => Offered::Done,
            Mode::Live if event.seq > feed.floor + 1 => {
                feed.mode = Mode::Behind;
                feed.dirty = true;
                feeds.wants_catch_up()
            }
            Mode::Live => match self.socket.emit(JOB_UPDATE, wire) {
                Ok(()) => {
                    feed.floor = event.seq;
                    if event.status.is_terminal() && !feeds.joined.contains(&event.job_id) {
                        // A user-room feed ends with its job; a retry starts a new one.
                        feeds.jobs.remove(&event.job_id);
                    }
                    Offered::Done
                }
                Err(e) => feeds.emit_failed(e),
            },
        }
    }

    /// Every feed falls Behind (the bus lost messages).
    pub fn fall_behind(&self) -> Offered {
        let mut feeds = self.lock();
        if feeds.closed {
            return Offered::Gone;
        }
        for feed in feeds.jobs.values_mut() {
            if feed.mode == Mode::Live {
                feed.mode = Mode::Behind;
            }
            feed.dirty = true;
        }
        feeds.wants_catch_up()
    }

    /// Registers `job` as Joining, before the store is read.
    pub fn begin_join(&self, job: JobId, max_rooms: usize) -> JoinStart {
        let mut feeds = self.lock();
        if !feeds.joined.contains(&job) && feeds.joined.len() >= max_rooms {
            return JoinStart::TooManyRooms;
        }
        let rejoin = !feeds.joined.insert(job);
        let existing = feeds.jobs.get(&job).copied();
        // A feed the user room had started: what it has not sent yet must
        // still come. A rejoin of the job room follows its new snapshot.
        let prior = existing
            .filter(|f| !rejoin && f.mode != Mode::Joining)
            .map(|f| f.floor)
            .or(existing.and_then(|f| f.prior));
        feeds.jobs.insert(
            job,
            Feed {
                floor: 0,
                mode: Mode::Joining,
                dirty: false,
                own: existing.is_some_and(|f| f.own),
                prior,
            },
        );
        JoinStart::Started
    }

    /// Registers each of `jobs` that this socket does not follow yet as a
    /// Joining user-room feed, before the store is read (so that a live
    /// event cannot overtake what the client asked to resume); returns those
    /// registered. A job already followed is left as it is. Each is then
    /// settled with `finish_join` (replayed from the client's `after_seq`)
    /// or `abort_join`.
    pub fn begin_resume(&self, jobs: impl IntoIterator<Item = JobId>) -> Vec<JobId> {
        let mut feeds = self.lock();
        let mut registered = Vec::new();
        for job in jobs {
            if let std::collections::hash_map::Entry::Vacant(vacant) = feeds.jobs.entry(job) {
                vacant.insert(Feed {
                    floor: 0,
                    mode: Mode::Joining,
                    dirty: false,
                    own: true,
                    prior: None,
                });
                registered.push(job);
            }
        }
        registered
    }

    /// The join was refused: forget it.
    pub fn abort_join(&self, job: JobId) {
        let mut feeds = self.lock();
        feeds.joined.remove(&job);
        feeds.jobs.remove(&job);
    }

    /// The acknowledgement is out, holding every event up to `floor`.
    /// `more` says the replay was cut short and the rest must be streamed.
    /// `replayed` says the client named its resume point (`after_seq`);
    /// without one, a feed this socket already had (the user room's) resumes
    /// from where it was, so the socket still gets every event once.
    pub fn finish_join(
        &self,
        job: JobId,
        floor: u64,
        own: bool,
        more: bool,
        replayed: bool,
    ) -> Offered {
        let mut feeds = self.lock();
        let Some(feed) = feeds.jobs.get_mut(&job) else {
            return Offered::Done;
        };
        let resume_prior = !replayed && feed.prior.is_some_and(|prior| prior < floor);
        feed.floor = match feed.prior {
            Some(prior) if resume_prior => prior,
            _ => floor,
        };
        feed.prior = None;
        feed.own = own;
        if feed.dirty || more || resume_prior {
            feed.mode = Mode::Behind;
            feeds.wants_catch_up()
        } else {
            feed.mode = Mode::Live;
            Offered::Done
        }
    }

    /// Stops watching `job` through its room; returns whether it was joined.
    pub fn leave(&self, job: JobId) -> bool {
        let mut feeds = self.lock();
        let was_joined = feeds.joined.remove(&job);
        let keep = feeds.user_room && feeds.jobs.get(&job).is_some_and(|f| f.own);
        if !keep {
            feeds.jobs.remove(&job);
        }
        was_joined
    }

    /// Joins the user room: live updates of every job of the user's from
    /// now on (`follow_from` sets where a listed job's feed starts).
    pub fn join_user_room(&self) {
        self.lock().user_room = true;
    }

    pub fn follow_from(&self, job: JobId, last_seq: u64) {
        let mut feeds = self.lock();
        feeds.jobs.entry(job).or_insert(Feed {
            floor: last_seq,
            mode: Mode::Live,
            dirty: false,
            own: true,
            prior: None,
        });
    }

    pub fn joined_jobs(&self) -> Vec<JobId> {
        self.lock().joined.iter().copied().collect()
    }

    pub fn in_user_room(&self) -> bool {
        self.lock().user_room
    }

    /// Sends nothing more: the socket is being closed.
    pub fn close(&self) {
        self.lock().closed = true;
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// The catch-up task: sends what the store holds past each Behind feed's
    /// floor until every feed is Live, waiting while the socket is full.
    /// Returns `false` if the socket is gone or had to be disconnected.
    pub async fn catch_up(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        stall_timeout: Duration,
        round: usize,
    ) -> bool {
        let mut pause = MIN_PAUSE;
        loop {
            let (job, floor) = match self.next_behind(stall_timeout) {
                Next::Feed(job, floor) => (job, floor),
                Next::AllLive => return true,
                Next::Gone => return false,
                Next::Stalled => {
                    tracing::info!(sid = %self.socket.id, "socket stalled past its timeout: closing it");
                    self.socket.close().await;
                    return false;
                }
            };
            let limit = u32::try_from(round)
                .unwrap_or(CATCH_UP_BATCH)
                .min(CATCH_UP_BATCH);
            let events = match store.events_after(job, floor, limit).await {
                Ok(events) => events,
                Err(e) => {
                    tracing::warn!(error = %e, %job, "catch-up read failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            let sent = {
                let mut feeds = self.lock();
                let sent = self.send_caught_up(&mut feeds, job, floor, &events, limit);
                if let Sent::Gone = sent {
                    feeds.catching_up = false;
                    feeds.closed = true;
                    return false;
                }
                sent
            };
            // Rounds of at most half the socket's buffer, with a pause
            // between them, so that the buffer keeps room for Engine.IO's
            // heartbeat (engineioxide closes a socket whose buffer is full
            // when a ping is due).
            pause = match sent {
                Sent::Full { progressed: false } => (pause * 2).min(MAX_PAUSE),
                _ => MIN_PAUSE,
            };
            if !matches!(sent, Sent::All) {
                tokio::time::sleep(pause).await;
            }
        }
    }

    /// The next feed to catch up, or why there is none.
    fn next_behind(&self, stall_timeout: Duration) -> Next {
        let mut feeds = self.lock();
        if feeds.closed || self.caller.is_expired() {
            feeds.catching_up = false;
            return Next::Gone;
        }
        if feeds
            .stalled_since
            .is_some_and(|since| since.elapsed() > stall_timeout)
        {
            feeds.catching_up = false;
            feeds.closed = true;
            return Next::Stalled;
        }
        let behind = feeds
            .jobs
            .iter_mut()
            .find(|(_, f)| f.mode == Mode::Behind)
            .map(|(id, f)| {
                f.dirty = false;
                (*id, f.floor)
            });
        match behind {
            Some((job, floor)) => Next::Feed(job, floor),
            None => {
                feeds.catching_up = false;
                feeds.stalled_since = None;
                Next::AllLive
            }
        }
    }

    fn send_caught_up(
        &self,
        feeds: &mut Feeds,
        job: JobId,
        read_from: u64,
        events: &[Event],
        limit: u32,
    ) -> Sent {
        let joined = feeds.joined.contains(&job);
        let Some(feed) = feeds.jobs.get_mut(&job) else {
            return Sent::All; // left meanwhile
        };
        if feed.mode != Mode::Behind || feed.floor != read_from {
            return Sent::All; // rejoined meanwhile; look again
        }
        let mut progressed = false;
        for event in events {
            if event.seq <= feed.floor {
                continue;
            }
            match self.socket.emit(JOB_UPDATE, event) {
                Ok(()) => {
                    feed.floor = event.seq;
                    progressed = true;
                }
                Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                    feed.dirty = true;
                    // A stall is a full buffer with no progress at all.
                    if progressed {
                        feeds.stalled_since = Some(Instant::now());
                    } else {
                        feeds.stalled_since.get_or_insert_with(Instant::now);
                    }
                    return Sent::Full { progressed };
                }
                Err(SendError::Socket(SocketError::Closed)) => return Sent::Gone,
                Err(e) => {
                    tracing::error!(error = %e, "cannot encode an event");
                    feed.floor = event.seq;
                }
            }
        }
        let terminal = events.last().is_some_and(|e| e.status.is_terminal());
        let live = !feed.dirty && events.len() < limit as usize;
        if live {
            feed.mode = Mode::Live;
        }
        feeds.stalled_since = None;
        if live && terminal && !joined {
            feeds.jobs.remove(&job);
        }
        if live {
            Sent::All
        } else {
            Sent::Round
        }
    }
}

enum Next {
    Feed(JobId, u64),
    AllLive,
    Gone,
    Stalled,
}

enum Sent {
    /// The feed is Live again (or needs nothing more from this round).
    All,
    /// A round went out; more is to come.
    Round,
    /// The socket's buffer filled up.
    Full {
        progressed: bool,
    },
    Gone,
}

impl Feeds {
    /// Asks for the catch-up task unless it is already running.
    fn wants_catch_up(&mut self) -> Offered {
        if self.catching_up {
            Offered::Done
        } else {
            self.catching_up = true;
            Offered::CatchUp
        }
    }

    fn emit_failed(&mut self, error: SendError) -> Offered {
        match error {
            SendError::Socket(SocketError::InternalChannelFull) => {
                self.stalled_since.get_or_insert_with(Instant::now);
                for feed in self.jobs.values_mut() {
                    if feed.mode == Mode::Live {
                        feed.mode = Mode::Behind;
                    }
                    feed.dirty = true;
                }
                self.wants_catch_up()
            }
            SendError::Socket(SocketError::Closed) => {
                self.closed = true;
                Offered::Gone
            }
            SendError::Serialize(e) => {
                tracing::error!(error = ?e, "cannot encode an event");
                Offered::Done
            }
        }
    }
}
