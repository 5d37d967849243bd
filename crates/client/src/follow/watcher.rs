//! What a [`Follower`](super::Follower) tells the program that uses it: a job
//! added, a job moved on by one event, something about the connection. The
//! follower never prints; a terminal's progress bars, a log or a GUI hang
//! off this trait.

use super::followed::Followed;

/// Something that happened to the connection while jobs were followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The connection ended (`reason`); the follower is reconnecting.
    ConnectionLost { reason: String },
    /// Connected again, and every unfinished job caught up by `seq`.
    Reconnected,
    /// The token expired and the renewal hook gave a fresh one.
    TokenRenewed,
}

/// Hooks called as jobs are followed; each does nothing unless overridden.
/// `()` is a watcher that ignores everything.
pub trait Watcher {
    /// `job` is followed from here on; none of its events is applied yet.
    /// Called once per job, in the order the ids were given.
    fn added(&mut self, job: &Followed) {
        let _ = job;
    }

    /// `job` moved on by one event (its state is after that event): called
    /// once per event, in `seq` order, never for a duplicate.
    fn moved(&mut self, job: &Followed) {
        let _ = job;
    }

    /// Something happened to the connection.
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }
}

impl Watcher for () {}
