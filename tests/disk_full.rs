//! A full disk under the real binary: jobcast is given a file size limit
//! (`prlimit`, as `ulimit -f` would) so that every database write fails as
//! it does on a full disk. While it lasts, new jobs are refused with `503`
//! and `/readyz` fails, reads still answer, and a running job waits
//! instead of losing its attempt; once the limit is raised, everything
//! heals without a restart. Before, one such error wedged the SQLite
//! writer for good while `/readyz` answered 200 throughout.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::jobs::Api;
use common::{token, Running};
use jobcast_core::{EventType, Status};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Sets jobcast's soft file size limit to `limit` (the hard one stays, so
/// that the soft one can be raised again without privileges).
fn limit_file_size(pid: u32, limit: &str) {
    let out = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={limit}:")])
        .output()
        .expect("prlimit (util-linux) runs");
    assert!(
        out.status.success(),
        "prlimit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn submit(http: &reqwest::Client, api: &Api, options: Value) -> (StatusCode, Value) {
    let response = http
        .post(format!("{}/api/jobs", api.base))
        .bearer_auth(&api.token)
        .json(&json!({"kind": "demo.steps", "text": "one\ntwo\n", "options": options}))
        .send()
        .await
        .expect("POST /api/jobs");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn ready(http: &reqwest::Client, base: &str) -> StatusCode {
    http.get(format!("{base}/readyz"))
        .send()
        .await
        .expect("GET /readyz")
        .status()
}

/// Polls `/readyz` until it answers `want`, for at most 10 s.
async fn readiness_becomes(http: &reqwest::Client, base: &str, want: StatusCode) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = ready(http, base).await;
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed {got}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_503_while_it_lasts_and_heals_without_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Running::start(dir.path());
    let api = Api::new(&server.base, &token(dir.path(), "alice"));
    let http = reqwest::Client::new();
    let pid = server.child.id();
    assert_eq!(ready(&http, &server.base).await, StatusCode::OK);

    // A job that will be running when the disk fills.
    let (status, created) = submit(&http, &api, json!({"steps": 40, "step_ms": 50})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let running = created["jobs"][0]["job_id"]
        .as_str()
        .expect("a job id")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while api.job(&running).await.progress < 20.0 {
        assert!(Instant::now() < deadline, "the job never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The disk is full: no write can go past the first kilobyte of a file.
    limit_file_size(pid, "1024");
    let (status, body) = submit(&http, &api, json!({"steps": 1})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    readiness_becomes(&http, &server.base, StatusCode::SERVICE_UNAVAILABLE).await;
    // Reads still answer, and the running job is held where it was.
    let held = api.job(&running).await;
    assert_eq!(held.status, Status::Running);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        ready(&http, &server.base).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(api.job(&running).await.last_seq <= held.last_seq + 1);

    // Space again: healed without a restart.
    limit_file_size(pid, "unlimited");
    readiness_becomes(&http, &server.base, StatusCode::OK).await;
    let (status, created) = submit(&http, &api, json!({"steps": 2, "step_ms": 1})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let later = created["jobs"][0]["job_id"]
        .as_str()
        .expect("a job id")
        .to_owned();

    let done = api
        .wait_all(&[running.clone(), later], Duration::from_secs(60))
        .await;
    for job in &done {
        assert_eq!(job.status, Status::Completed, "{job:?}");
        assert_eq!(job.attempt, 1, "the full disk cost no attempt: {job:?}");
    }
    let events = api.events(&running).await;
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.seq, i as u64 + 1, "gap or duplicate");
    }
    let steps = events
        .iter()
        .filter(|e| e.kind == EventType::Progress && e.message.starts_with("Step "))
        .count();
    assert_eq!(steps, 40, "each step stored once");
    assert_eq!(
        server.child.try_wait().ok().flatten(),
        None,
        "still running"
    );
}
