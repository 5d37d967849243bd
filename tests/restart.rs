//! Black-box restart tests of the `jobcast` binary: jobs and events survive a
//! `kill -9` and a SIGTERM drain, and every job then finishes with a
//! contiguous event log. A drain hands its jobs back without using their
//! attempt; a crash uses it.

mod common;

use std::time::{Duration, Instant};

use common::{token, Running};

use jobcast_core::wire::{CreatedJobs, EventList};
use jobcast_core::{EventType, JobSnapshot, Status};
use serde_json::json;

async fn create(http: &reqwest::Client, base: &str, token: &str, steps: u32) -> JobSnapshot {
    let created: CreatedJobs = http
        .post(format!("{base}/api/jobs"))
        .bearer_auth(token)
        .json(
            &json!({"kind": "demo.steps", "text": "x", "options": {"steps": steps, "step_ms": 50}}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("created");
    created.jobs.into_iter().next().expect("a job")
}

async fn job(http: &reqwest::Client, base: &str, token: &str, id: &str) -> JobSnapshot {
    http.get(format!("{base}/api/jobs/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("snapshot")
}

/// How the server was stopped.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    Crash,
    Drain,
}

/// Waits until two jobs run, stops the server with `stop`, restarts it on the
/// same data, and checks that every job completes with a contiguous log.
async fn survives(how: Stop, stop: impl FnOnce(Running)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let server = Running::start(dir.path());
    let alice = token(dir.path(), "alice");
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            create(&http, &server.base, &alice, 40)
                .await
                .job_id
                .to_string(),
        );
    }
    let start = Instant::now();
    loop {
        let mut running = 0;
        for id in &ids {
            let j = job(&http, &server.base, &alice, id).await;
            if j.status == Status::Running && j.progress > 10.0 {
                running += 1;
            }
        }
        if running >= 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "jobs never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(server);

    let server = Running::start(dir.path());
    let start = Instant::now();
    for id in &ids {
        loop {
            let j = job(&http, &server.base, &alice, id).await;
            if j.status.is_terminal() {
                assert_eq!(j.status, Status::Completed, "job {id}: {j:?}");
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "job {id} stuck: {j:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let events: EventList = http
            .get(format!("{}/api/jobs/{id}/events", server.base))
            .bearer_auth(&alice)
            .send()
            .await
            .expect("events")
            .json()
            .await
            .expect("list");
        for (i, e) in events.events.iter().enumerate() {
            assert_eq!(e.seq, i as u64 + 1, "job {id}: gap or duplicate");
        }
        assert_eq!(
            events.events.last().map(|e| e.kind),
            Some(EventType::Completed)
        );
    }
    let rerun = {
        let mut n = 0;
        for id in &ids {
            let j = job(&http, &server.base, &alice, id).await;
            if j.attempt > 1 {
                n += 1;
                // Created with 3 attempts: a hand-back adds one, a crash none.
                let limit = match how {
                    Stop::Drain => 3 + j.attempt - 1,
                    Stop::Crash => 3,
                };
                assert_eq!(
                    (j.attempt, j.max_attempts),
                    (2, limit),
                    "job {id} after a {}",
                    if how == Stop::Drain { "drain" } else { "crash" }
                );
            }
        }
        n
    };
    assert!(
        rerun >= 2,
        "the jobs that were running ran again as a new attempt"
    );
    server.kill_9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_kill_9() {
    survives(Stop::Crash, |server| server.kill_9()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_hands_running_jobs_back_and_exits_cleanly() {
    survives(Stop::Drain, |server| {
        let status = server.sigterm();
        assert!(status.success(), "exit status after SIGTERM: {status:?}");
    })
    .await;
}
