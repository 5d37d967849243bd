//! What a user can do to a job, whatever the transport: the REST handlers and
//! the Socket.IO handlers both call these, so a cancel or an answer means the
//! same thing on both and is checked the same way.

use jobcast_core::{
    EventDraft, EventType, JobId, JobSnapshot, Status, StoreError, TransitionError,
};
use serde_json::{json, Value};

use crate::access::visible_job;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Cancels a queued, running or waiting job at once; `conflict` if finished.
pub async fn cancel(state: &AppState, caller: &Caller, id: JobId) -> Result<JobSnapshot, ApiError> {
    let job = visible_job(state.store().as_ref(), caller, id).await?;
    if job.status.is_terminal() {
        return Err(ApiError::conflict(format!(
            "the job is already {}",
            job.status
        )));
    }
    let draft =
        EventDraft::new(EventType::Cancelled).message(format!("Cancelled by {}", caller.user));
    let (job, _) = state.journal.append(id, draft).await?;
    Ok(job)
}

/// Runs a failed or cancelled job again as a new attempt.
pub async fn retry(state: &AppState, caller: &Caller, id: JobId) -> Result<JobSnapshot, ApiError> {
    let job = visible_job(state.store().as_ref(), caller, id).await?;
    if !matches!(job.status, Status::Failed | Status::Cancelled) {
        return Err(ApiError::conflict(format!(
            "only a failed or cancelled job can be retried; this one is {}",
            job.status
        )));
    }
    let draft = EventDraft::new(EventType::Retrying)
        .message(format!("Retry requested by {}", caller.user))
        .on_attempt(job.attempt);
    let (job, _) = state.journal.append(id, draft).await.map_err(|e| match e {
        StoreError::Transition(TransitionError::StaleAttempt { .. }) => {
            ApiError::conflict("the job was retried already")
        }
        other => other.into(),
    })?;
    Ok(job)
}

/// Records the answer to the job's open clarification. While a job waits for
/// input no other event can be stored, so its last event is the question.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: JobId,
    clarification_id: &str,
    answer: Value,
) -> Result<JobSnapshot, ApiError> {
    let job = visible_job(state.store().as_ref(), caller, id).await?;
    if job.status != Status::WaitingInput {
        return Err(ApiError::conflict(format!(
            "the job is {}, not waiting for an answer",
            job.status
        )));
    }
    let last = state
        .store()
        .events_after(id, job.last_seq.saturating_sub(1), 1)
        .await?;
    let open = last
        .first()
        .filter(|e| e.kind == EventType::Clarification)
        .and_then(|e| e.data.as_ref())
        .and_then(|d| d.get("clarification_id"))
        .and_then(Value::as_str);
    if open != Some(clarification_id) {
        let shown: String = clarification_id.chars().take(64).collect();
        return Err(ApiError::not_found(format!(
            "no open clarification {shown:?} on this job"
        )));
    }
    let draft = EventDraft::new(EventType::Answered).data(json!({
        "clarification_id": clarification_id,
        "answer": answer,
    }));
    let (job, _) = state.journal.append(id, draft).await?;
    Ok(job)
}
