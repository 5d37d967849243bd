//! Jobs whose worker is gone: left running by a previous process, or with a
//! lease that expired; and jobs handed back when a pool drains.

mod common;

use std::time::Duration;

use common::{assert_well_formed, config, drain, kinds, Env};
use jobcast_core::{EventDraft, EventType, JobId, Status, Timestamp};
use jobcast_worker::PoolConfig;
use serde_json::json;

const KINDS: &[&str] = &["demo.steps"];

/// Claims `id` for a worker that will never report, as if it had died.
async fn claim_for_a_dead_worker(env: &Env, id: JobId, lease_ms: i64) {
    let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
    let (job, _) = env
        .journal
        .claim(
            &kinds,
            "dead-worker",
            Timestamp::now().plus_millis(lease_ms),
        )
        .await
        .expect("claim")
        .expect("a job to claim");
    assert_eq!(job.job_id, id);
    env.journal
        .append(
            id,
            EventDraft::new(EventType::StageStart)
                .stage("count")
                .progress(5.0)
                .on_attempt(job.attempt),
        )
        .await
        .expect("stage");
}

#[tokio::test]
async fn a_job_left_running_by_a_previous_process_runs_again() {
    let env = Env::new().await;
    let id = env.demo_job(json!({"steps": 3, "step_ms": 1}), 3).await;
    claim_for_a_dead_worker(&env, id, 30_000).await;

    let env = env.reopen().await;
    let pool = env.start(config(1)).await;
    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.attempt, 2);
    let events = env.events(id).await;
    assert_well_formed(&events);
    assert_eq!(
        &kinds(&events)[..6],
        [
            EventType::Queued,
            EventType::Started,
            EventType::StageStart,
            EventType::Retrying,
            EventType::Started,
            EventType::StageStart
        ]
    );
    assert_eq!(events[3].message, "Recovered after restart");
    drain(pool).await;
}

#[tokio::test]
async fn a_job_left_running_on_its_last_attempt_fails_as_worker_lost() {
    let env = Env::new().await;
    let id = env.demo_job(json!({"steps": 3, "step_ms": 1}), 1).await;
    claim_for_a_dead_worker(&env, id, 30_000).await;

    let env = env.reopen().await;
    let pool = env.start(config(1)).await;
    let job = env.wait_for_status(id, Status::Failed).await;
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "worker_lost");
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert!(error.retryable);
    assert_well_formed(&env.events(id).await);
    drain(pool).await;
}

#[tokio::test]
async fn the_sweeper_recovers_jobs_whose_lease_expired() {
    let env = Env::new().await;
    // No workers: only the sweeper acts, every 200 ms.
    let pool = env
        .start(PoolConfig {
            lease: Duration::from_millis(400),
            ..config(0)
        })
        .await;
    let retried = env.demo_job(json!({"steps": 1}), 3).await;
    claim_for_a_dead_worker(&env, retried, 300).await;
    let lost = env.demo_job(json!({"steps": 1}), 1).await;
    claim_for_a_dead_worker(&env, lost, 300).await;

    let job = env
        .wait_for(retried, "a second attempt", |j| j.attempt == 2)
        .await;
    assert_eq!(job.status, Status::Queued);
    let events = env.events(retried).await;
    assert_eq!(
        events.last().map(|e| (e.kind, e.message.as_str())),
        Some((
            EventType::Retrying,
            "Recovered after the worker's lease expired"
        ))
    );
    let job = env.wait_for_status(lost, Status::Failed).await;
    assert_eq!(job.error.expect("an error").code, "worker_lost");
    drain(pool).await;
}

#[tokio::test]
async fn draining_hands_a_running_job_back_and_a_new_pool_finishes_it() {
    let env = Env::new().await;
    let first = env.start(config(1)).await;
    let id = env.demo_job(json!({"steps": 40, "step_ms": 50}), 3).await;
    env.wait_for(id, "step 3", |j| j.message == "Step 3/40")
        .await;

    drain(first).await;
    let job = env.snapshot(id).await;
    assert_eq!((job.status, job.attempt), (Status::Queued, 2));
    let events = env.events(id).await;
    let last = events.last().expect("events");
    assert_eq!(
        (last.kind, last.message.as_str()),
        (EventType::Retrying, "Handed back: worker draining")
    );

    let second = env.start(config(1)).await;
    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.attempt, 2);
    assert_well_formed(&env.events(id).await);
    drain(second).await;
}
