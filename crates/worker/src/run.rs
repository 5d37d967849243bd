//! One claimed attempt, from claim to outcome: load the input, run the
//! processor in its own task (a panic stays there), keep the lease alive, and
//! stop the processor when the job is cancelled, the pool drains or the time
//! limit passes. It returns what happened; `finish` decides what to record.

use std::sync::Arc;
use std::time::Duration;

use jobcast_core::{
    Event, JobContext, JobEvents, JobId, JobSnapshot, ProcessError, Store, Timestamp,
};
use serde_json::Value;
use tokio::task::JoinError;
use tokio::time::{interval_at, sleep_until, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::events::AttemptEvents;
use crate::finish::{self, Outcome};
use crate::pool::Shared;

/// Runs the attempt that `journal.claim` just gave this worker, and records
/// how it ended.
pub(crate) async fn run_claimed(shared: &Shared, job: JobSnapshot, started: Event) {
    let id = job.job_id;
    let attempt = job.attempt;
    let stop = shared.draining.child_token();
    let (registration, answers) = shared
        .registry
        .register(id, attempt, started.seq, stop.clone());
    // The bus may have said something about the job between the claim and
    // the registration; the store has it.
    if !still_ours(shared.journal.store().as_ref(), id, attempt).await {
        stop.cancel();
    }
    let events = Arc::new(AttemptEvents::new(
        shared.journal.clone(),
        job.clone(),
        stop.clone(),
        answers,
        shared.config.poll_interval,
        shared.config.answer_timeout,
    ));
    tracing::debug!(job_id = %id, attempt, kind = %job.kind, "running job");
    let outcome = execute(shared, &job, &events, &stop).await;
    finish::record(shared, &job, events.stage(), &stop, outcome).await;
    drop(registration);
}

async fn still_ours(store: &dyn Store, id: JobId, attempt: u32) -> bool {
    match store.job(id).await {
        Ok(Some(job)) => job.attempt == attempt && !job.status.is_terminal(),
        Ok(None) => false,
        // Not known to be lost: the renewals will tell.
        Err(_) => true,
    }
}

async fn execute(
    shared: &Shared,
    job: &JobSnapshot,
    events: &Arc<AttemptEvents>,
    stop: &CancellationToken,
) -> Outcome {
    let store = shared.journal.store();
    let Some(processor) = shared.processors.get(&job.kind).cloned() else {
        return Outcome::Refused {
            code: "unknown_kind",
            message: format!("no processor for kind {}", job.kind),
        };
    };
    let input = match store.input(job.job_id).await {
        Ok(Some(input)) => input,
        Ok(None) => {
            return Outcome::Refused {
                code: "input_missing",
                message: "the job's input is missing from the store".into(),
            }
        }
        Err(error) => {
            return Outcome::Returned(Err(ProcessError::transient(
                "store_unavailable",
                format!("could not load the job's input: {error}"),
            )))
        }
    };
    if stop.is_cancelled() {
        return Outcome::Returned(Err(ProcessError::Stopped));
    }

    let job_events: Arc<dyn JobEvents> = events.clone();
    let ctx = JobContext::new(job.clone(), input, job_events);
    let mut task = tokio::spawn(async move { processor.run(ctx).await });

    let config = &shared.config;
    let renew_every = config.renew_every();
    let mut renew = interval_at(Instant::now() + renew_every, renew_every);
    renew.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let time_limit = config
        .job_timeout
        .map(|limit| (limit, Instant::now() + limit));
    // Set once the processor has been told to stop: when it must have returned.
    let mut abort_at: Option<Instant> = None;
    loop {
        tokio::select! {
            joined = &mut task => return joined_outcome(joined),
            _ = renew.tick() => {
                if !renew_lease(store.as_ref(), job.job_id, job.attempt, config.lease).await {
                    stop.cancel();
                }
            }
            _ = stop.cancelled(), if abort_at.is_none() => {
                abort_at = Some(Instant::now() + config.stop_grace());
            }
            _ = sleep_until(abort_at.unwrap_or_else(Instant::now)), if abort_at.is_some() => {
                tracing::warn!(job_id = %job.job_id, "processor ignored the stop signal; aborting it");
                task.abort();
                let _ = (&mut task).await;
                return Outcome::Returned(Err(ProcessError::Stopped));
            }
            _ = sleep_until(time_limit.map_or_else(Instant::now, |(_, at)| at)), if time_limit.is_some() => {
                stop.cancel();
                task.abort();
                return match (&mut task).await {
                    // It finished just as the time ran out: keep its result.
                    Ok(result) => Outcome::Returned(result),
                    Err(_) => Outcome::TimedOut(time_limit.map_or(Duration::ZERO, |(limit, _)| limit)),
                };
            }
        }
    }
}

/// Extends the lease; false when the attempt is over (cancelled, finished,
/// retried elsewhere, or the job is gone).
async fn renew_lease(store: &dyn Store, id: JobId, attempt: u32, lease: Duration) -> bool {
    let until = Timestamp::now().plus_millis(millis(lease));
    match store.renew_lease(id, attempt, until).await {
        Ok(Some(job)) => job.attempt == attempt && !job.status.is_terminal(),
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(job_id = %id, %error, "could not renew a lease; will try again");
            true
        }
    }
}

fn joined_outcome(joined: Result<Result<Value, ProcessError>, JoinError>) -> Outcome {
    match joined {
        Ok(result) => Outcome::Returned(result),
        Err(error) if error.is_panic() => {
            let payload = error.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Outcome::Panicked(message)
        }
        Err(_) => Outcome::Returned(Err(ProcessError::Stopped)),
    }
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
