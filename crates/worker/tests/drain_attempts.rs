//! A drain is not the job's fault: a job handed back by a draining pool keeps
//! every attempt it had, however many deploys it meets; a crash (a lease
//! that runs out) still uses one.

mod common;

use std::time::Duration;

use common::{assert_well_formed, config, drain, Env};
use jobcast_core::{EventType, JobId, Status, Timestamp};
use jobcast_worker::PoolConfig;
use serde_json::json;

const DRAINS: u32 = 3;

/// Long enough to be caught running by every drain.
fn long_job() -> serde_json::Value {
    json!({"steps": 40, "step_ms": 50})
}

/// Starts a pool, waits until it runs `id` on `attempt`, and drains it.
async fn run_and_drain(env: &Env, id: JobId, attempt: u32) {
    let pool = env.start(config(1)).await;
    env.wait_for(id, &format!("step 2 of attempt {attempt}"), |j| {
        j.attempt == attempt && j.status == Status::Running && j.message == "Step 2/40"
    })
    .await;
    drain(pool).await;
    let job = env.snapshot(id).await;
    assert_eq!(
        (job.status, job.attempt),
        (Status::Queued, attempt + 1),
        "the drain handed attempt {attempt} back"
    );
}

/// Claims the job for a worker that dies at once: its lease has already run
/// out when the sweeper looks.
async fn crash(env: &Env, id: JobId) -> u32 {
    let (job, _) = env
        .journal
        .claim(
            &["demo.steps".to_owned()],
            "dead-worker",
            Timestamp::now().plus_millis(100),
        )
        .await
        .expect("claim")
        .expect("a job to claim");
    assert_eq!(job.job_id, id);
    job.attempt
}

#[tokio::test]
async fn a_job_drained_three_times_keeps_all_its_attempts_and_completes() {
    for max_attempts in 1..=3 {
        let env = Env::new().await;
        let id = env.demo_job(long_job(), max_attempts).await;
        for attempt in 1..=DRAINS {
            run_and_drain(&env, id, attempt).await;
        }
        let job = env.snapshot(id).await;
        println!(
            "max_attempts {max_attempts}, after {DRAINS} drains: attempt {} of {}",
            job.attempt, job.max_attempts
        );
        assert_eq!(
            (job.attempt, job.max_attempts),
            (DRAINS + 1, max_attempts + DRAINS),
            "max_attempts {max_attempts}: no drain used an attempt"
        );
        let events = env.events(id).await;
        let handed_back: Vec<_> = events
            .iter()
            .filter(|e| e.kind == EventType::Retrying)
            .collect();
        assert_eq!(handed_back.len(), DRAINS as usize);
        for (n, event) in handed_back.iter().enumerate() {
            assert_eq!(event.message, "Handed back: worker draining");
            assert_eq!(
                event.data,
                Some(json!({"handed_back": true, "max_attempts": max_attempts + n as u32 + 1})),
                "a hand-back says so, with the job's new attempt limit"
            );
        }

        let pool = env.start(config(1)).await;
        let job = env.wait_for_status(id, Status::Completed).await;
        assert_eq!(job.attempt, DRAINS + 1);
        assert_well_formed(&env.events(id).await);
        drain(pool).await;
    }
}

#[tokio::test]
async fn after_three_drains_each_crash_still_uses_an_attempt() {
    for max_attempts in 1..=3 {
        let env = Env::new().await;
        let id = env.demo_job(long_job(), max_attempts).await;
        for attempt in 1..=DRAINS {
            run_and_drain(&env, id, attempt).await;
        }
        // No workers: only the sweeper acts, and every claim dies.
        let sweeper = env
            .start(PoolConfig {
                lease: Duration::from_millis(400),
                ..config(0)
            })
            .await;
        let mut crashes = 0;
        let failed = loop {
            let attempt = crash(&env, id).await;
            crashes += 1;
            let job = env
                .wait_for(id, "the sweeper to recover the crash", |j| {
                    j.attempt > attempt || j.status == Status::Failed
                })
                .await;
            if job.status == Status::Failed {
                break job;
            }
            assert!(crashes < 10, "crashes never used up the attempts");
        };
        drain(sweeper).await;
        println!(
            "max_attempts {max_attempts}, after {DRAINS} drains: failed after {crashes} crashes"
        );
        assert_eq!(
            crashes, max_attempts,
            "max_attempts {max_attempts}: each crash used one attempt, the drains none"
        );
        let error = failed.error.expect("an error");
        assert_eq!(error.code, "worker_lost");
        assert!(error.message.contains("all"), "{}", error.message);
        assert_well_formed(&env.events(id).await);
    }
}
