//! Jobs whose worker is gone: those a previous process on a private store
//! left running, and those whose lease expired (a worker elsewhere died).
//! Each gets a new attempt while attempts remain, else fails as
//! `worker_lost`: a lost worker uses its attempt (only a drain, which hands
//! its jobs back itself, does not). Every write is made on the leased
//! attempt, so a worker that is alive after all, or another sweeper, cannot
//! be overwritten.

use jobcast_core::{
    EventDraft, EventType, Journal, LeasedJob, StoreError, Timestamp, TransitionError,
};
use serde_json::json;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Reason {
    /// The store is private to this process and the previous one stopped.
    Restart,
    /// The lease ran out without a renewal.
    LeaseExpired,
}

impl Reason {
    fn retry_message(self) -> &'static str {
        match self {
            Reason::Restart => "Recovered after restart",
            Reason::LeaseExpired => "Recovered after the worker's lease expired",
        }
    }

    fn cause(self) -> &'static str {
        match self {
            Reason::Restart => "the server restarted while it ran",
            Reason::LeaseExpired => "its worker stopped renewing the lease",
        }
    }
}

/// Recovers every leased job (`expired_before: None`) or those whose lease
/// ended before the given time. Returns how many were recovered.
pub(crate) async fn recover(
    journal: &Journal,
    expired_before: Option<Timestamp>,
    reason: Reason,
) -> Result<usize, StoreError> {
    let leased = journal.store().leased_jobs(expired_before).await?;
    let mut recovered = 0;
    for job in &leased {
        if recover_one(journal, job, reason).await {
            recovered += 1;
        }
    }
    Ok(recovered)
}

async fn recover_one(journal: &Journal, leased: &LeasedJob, reason: Reason) -> bool {
    let id = leased.job_id;
    let draft = if leased.has_attempts_left() {
        EventDraft::new(EventType::Retrying).message(reason.retry_message())
    } else {
        let stage = match journal.store().job(id).await {
            Ok(job) => job.and_then(|j| j.stage),
            Err(error) => {
                tracing::warn!(job_id = %id, %error, "could not read the stage of a lost job");
                None
            }
        };
        let message = format!(
            "The job was lost because {} and all {} attempts are used",
            reason.cause(),
            leased.max_attempts
        );
        EventDraft::new(EventType::Failed)
            .message(message.clone())
            .data(json!({
                "code": "worker_lost",
                "message": message,
                "stage": stage,
                "retryable": true,
            }))
    };
    match journal.append(id, draft.on_attempt(leased.attempt)).await {
        Ok((job, _)) => {
            tracing::info!(
                job_id = %id,
                attempt = leased.attempt,
                lease_owner = %leased.lease_owner,
                status = %job.status,
                ?reason,
                "recovered a job whose worker is gone"
            );
            true
        }
        Err(StoreError::NotFound(_))
        | Err(StoreError::Transition(
            TransitionError::Finished(_) | TransitionError::StaleAttempt { .. },
        )) => {
            // Someone else (its worker, another sweeper) got there first.
            false
        }
        Err(error) => {
            tracing::warn!(job_id = %id, %error, "could not recover a job whose worker is gone");
            false
        }
    }
}
