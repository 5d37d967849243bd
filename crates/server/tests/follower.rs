//! The client crate's follower (`jobcast_client::follow`) against a real
//! server: every event of every job told once, in `seq` order, to the end;
//! a refused job named; a token that expires stops it with the jobs left,
//! unless the renewal hook gives a fresh one, and then it reconnects and
//! catches up without a gap. The CLI's own tests (`tests/cli/`) cover the
//! same follower through the binary, across a server restart.

mod common;

use std::collections::BTreeMap;

use common::TestServer;
use jobcast_client::follow::{FollowError, Followed, Follower, Notice, Watcher};
use jobcast_core::{ErrorCode, JobId, Status};
use serde_json::json;

/// What the follower told, in order.
#[derive(Default)]
struct Recorder {
    added: Vec<JobId>,
    /// Each job's `seq` after every step.
    moved: BTreeMap<JobId, Vec<u64>>,
    notices: Vec<Notice>,
}

impl Watcher for Recorder {
    fn added(&mut self, job: &Followed) {
        assert_eq!(job.last_seq(), 0, "added before any event");
        self.added.push(job.job.job_id);
    }

    fn moved(&mut self, job: &Followed) {
        self.moved
            .entry(job.job.job_id)
            .or_default()
            .push(job.last_seq());
    }

    fn notice(&mut self, notice: &Notice) {
        self.notices.push(notice.clone());
    }
}

impl Recorder {
    /// Every event of `job` was told once, in order, up to `last_seq`.
    fn saw_all_of(&self, job: &Followed) {
        let id = job.job.job_id;
        let expected: Vec<u64> = (1..=job.last_seq()).collect();
        assert_eq!(self.moved.get(&id), Some(&expected), "steps of {id}");
    }
}

/// A job of alice's that runs for seconds (its id), and a follower connected
/// with a token of hers that expires in 2 s.
async fn long_job_and_a_short_token(server: &TestServer) -> (JobId, Follower) {
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 100, "step_ms": 50}))
        .await
        .job_id;
    let (short, _) = server.short_token("alice", 2);
    let follower = Follower::connect(&server.base, &short)
        .await
        .expect("connects");
    (job, follower)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_told_once_in_order_until_every_job_ends() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let demo = |options| server.create_demo(&alice, options);
    let done = demo(json!({"steps": 2, "step_ms": 0})).await.job_id;
    server
        .wait_status(&alice, &done.to_string(), Status::Completed)
        .await;
    let failing = demo(json!({"steps": 4, "step_ms": 20, "fail_at": 3})).await;
    let running = demo(json!({"steps": 6, "step_ms": 30})).await;

    let ids = [running.job_id, done, failing.job_id];
    let mut seen = Recorder::default();
    let jobs = Follower::connect(&server.base, &alice)
        .await
        .expect("connects")
        .follow(&ids, &mut seen)
        .await
        .expect("followed to the end");

    assert_eq!(seen.added, ids, "added in the order given");
    let got: Vec<JobId> = jobs.iter().map(|f| f.job.job_id).collect();
    assert_eq!(got, ids, "answered in the order given");
    for followed in &jobs {
        seen.saw_all_of(followed);
        let stored = server.job(&alice, &followed.job.job_id.to_string()).await;
        assert_eq!(
            (followed.job.status, followed.last_seq()),
            (stored.status, stored.last_seq),
            "{}",
            followed.job.job_id
        );
    }
    let statuses: Vec<Status> = jobs.iter().map(|f| f.job.status).collect();
    assert_eq!(
        statuses,
        [Status::Completed, Status::Completed, Status::Failed]
    );
    assert_eq!(
        jobs[2].job.error.as_ref().map(|e| e.code.as_str()),
        Some("demo_failure")
    );
    assert!(seen.notices.is_empty(), "{:?}", seen.notices);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_server_refuses_is_named() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let unknown = JobId::new();
    let err = Follower::connect(&server.base, &alice)
        .await
        .expect("connects")
        .follow(&[unknown], &mut ())
        .await
        .expect_err("no such job");
    match err {
        FollowError::Join { job, error } => {
            assert_eq!((job, error.code()), (unknown, Some(ErrorCode::NotFound)));
        }
        other => panic!("expected a refused join, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_expires_stops_the_follower_with_the_jobs_left() {
    let server = TestServer::start().await;
    let (job, follower) = long_job_and_a_short_token(&server).await;
    let err = follower
        .follow(&[job], &mut ())
        .await
        .expect_err("stops at expiry");
    assert_eq!(
        err,
        FollowError::TokenExpired {
            unfinished: vec![job]
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_token_reconnects_and_catches_up_without_a_gap() {
    let server = TestServer::start().await;
    let (job, follower) = long_job_and_a_short_token(&server).await;
    let fresh = server.token("alice");
    let mut seen = Recorder::default();
    let jobs = follower
        .renew_token_with(move || Some(fresh.clone()))
        .follow(&[job], &mut seen)
        .await
        .expect("renewed and followed to the end");
    assert_eq!(jobs[0].job.status, Status::Completed);
    seen.saw_all_of(&jobs[0]);
    assert!(
        matches!(
            seen.notices.as_slice(),
            [
                Notice::TokenRenewed,
                Notice::ConnectionLost { .. },
                Notice::Reconnected
            ]
        ),
        "{:?}",
        seen.notices
    );
}
