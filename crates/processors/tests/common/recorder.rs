//! The worker's side of a job, for running a `Processor` alone: the
//! recording stand-in of `jobcast_core::testing`, and a context around it.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::Arc;

pub use jobcast_core::testing::RecordingEvents as Recorder;
use jobcast_core::testing::{job_context, TestJob};
use jobcast_core::JobContext;
use serde_json::Value;

/// A context for attempt 1 of a job of `kind` on `bytes` with `options`.
pub fn context(
    kind: &str,
    options: Value,
    filename: &str,
    bytes: &[u8],
    events: Arc<Recorder>,
) -> JobContext {
    job_context(TestJob::new(kind, filename, bytes).options(options), events)
}
