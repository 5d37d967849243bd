//! jobcast's domain: jobs, their events, and the rules that move a job from one
//! state to the next.
//!
//! Everything that crosses the wire (snapshots, `job_update` events, error
//! codes) is defined here once, and every backend and transport uses these
//! types. This crate does no I/O: the traits it defines (`Store`, `EventBus`,
//! `Processor`) are implemented by the crates above it.

pub mod bus;
pub mod error;
pub mod event;
pub mod ids;
pub mod job;
pub mod journal;
pub mod media;
pub mod options;
pub mod processor;
pub mod status;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod transition;
pub mod wire;

pub use bus::{BusMessage, EventBus, LocalBus};
pub use error::ErrorCode;
pub use event::{Event, EventDraft, EventType};
pub use ids::JobId;
pub use job::{JobError, JobInput, JobSnapshot, NewJob, StoredInvoice};
pub use journal::Journal;
pub use media::MediaType;
pub use options::{KindInfo, OptionSpec, OptionValue};
pub use processor::TypedProcessor;
pub use processor::{Clarification, JobContext, JobEvents, ProcessError, Processor, Processors};
pub use status::Status;
pub use store::{CreateOutcome, JobPage, JobQuery, LeasedJob, Store, StoreError, JOBS_OF_LIMIT};
pub use time::Timestamp;
pub use transition::TransitionError;
