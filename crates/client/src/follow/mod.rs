//! Following jobs live to their end, as `jobcast submit --watch` and
//! `jobcast watch` do: one Socket.IO connection joins every job from its
//! first event; events are applied strictly in `seq` order (a duplicate is
//! dropped, a gap is filled by rejoining after the last applied event).
//! When the connection drops (a server restart), the follower reconnects
//! with backoff and rejoins each unfinished job after its last event, so
//! nothing is missed or counted twice. When the server closes the connection
//! because the token expired, a renewal hook may give a fresh token;
//! without one, following stops and names the unfinished jobs.
//!
//! The follower never prints: what it sees goes to a [`Watcher`], and the
//! jobs as they ended come back from [`Follower::follow`].
//!
//! - `followed`: one job's state, rebuilt event by event (pure, no I/O);
//! - `follower`: the connection, joining and catching up;
//! - `reconnect`: backoff, rejoining, token renewal;
//! - `watcher`: the hooks a program gets; `options`, `error`.
//!
//! ```no_run
//! use jobcast_client::follow::{Followed, Follower, Notice, Watcher};
//! use jobcast_core::{JobId, Status};
//!
//! /// Prints one line per event.
//! struct Log;
//!
//! impl Watcher for Log {
//!     fn moved(&mut self, job: &Followed) {
//!         println!("{} {} {:.0}%", job.name(), job.job.status, job.job.progress);
//!     }
//!
//!     fn notice(&mut self, notice: &Notice) {
//!         eprintln!("{notice:?}");
//!     }
//! }
//!
//! # async fn run(ids: &[JobId]) -> Result<(), jobcast_client::follow::FollowError> {
//! let follower = Follower::connect("http://127.0.0.1:8080", "TOKEN")
//!     .await?
//!     .renew_token_with(|| std::env::var("FRESH_TOKEN").ok());
//! let jobs = follower.follow(ids, &mut Log).await?;
//! let completed = jobs
//!     .iter()
//!     .filter(|f| f.job.status == Status::Completed)
//!     .count();
//! println!("{completed} of {} completed", jobs.len());
//! # Ok(())
//! # }
//! ```

mod error;
mod followed;
mod follower;
mod options;
mod reconnect;
#[cfg(test)]
mod testing;
mod watcher;

pub use error::FollowError;
pub use followed::{Applied, Followed};
pub use follower::Follower;
pub use options::FollowOptions;
pub use watcher::{Notice, Watcher};
