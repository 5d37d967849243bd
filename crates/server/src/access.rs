//! Who may see which job. A job owned by someone else is `not_found` — never
//! `forbidden`, never its data — and this is the one function that decides it,
//! for every route and transport.

use jobcast_core::{JobId, JobSnapshot, Store};

use crate::error::ApiError;
use crate::http::extract::Caller;

pub fn parse_job_id(text: &str) -> Result<JobId, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request("not a job id (expected a 26-character ULID)"))
}

/// The job, if it exists and the caller may see it.
pub async fn visible_job(
    store: &dyn Store,
    caller: &Caller,
    id: JobId,
) -> Result<JobSnapshot, ApiError> {
    match store.job(id).await? {
        Some(job) if caller.is_admin() || job.owner == caller.user => Ok(job),
        _ => Err(ApiError::not_found(format!("no job {id}"))),
    }
}
