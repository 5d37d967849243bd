//! `jobcast watch`: existing jobs followed from their first event —
//! finished and running ones, one cancelled meanwhile, one asking a
//! question, across a server restart, and until the token expires.

use std::process::Command;
use std::time::Duration;

use jobcast_core::wire::CreatedJobs;
use jobcast_core::{JobSnapshot, Status};
use serde_json::json;

use crate::common::{token, Running};
use crate::harness::{code, rest_get, rest_post, stderr, stdout, Live, Setup, LIMIT};
use crate::output::{check_shown, progress_lines, summary_row};

#[test]
fn watch_catches_up_finished_and_running_jobs_from_their_start() {
    let setup = Setup::new();
    let finished = setup.create_demo(json!({"steps": 2, "step_ms": 0}));
    setup.wait_job(&finished, "completed", |j| j.status == Status::Completed);
    let running = setup.create_demo(json!({"steps": 40, "step_ms": 50}));
    setup.wait_job(&running, "ran past 10 %", |j| j.progress > 10.0);

    let out = setup.cli(&["watch", &finished, &running]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    // Both from their first event, not from wherever they were at the join.
    check_shown(&text, &finished, "completed");
    check_shown(&text, &running, "completed");
    let stages: Vec<String> = progress_lines(&text, &running)
        .into_iter()
        .map(|l| format!("{} {}", l.status, l.stage))
        .collect();
    assert_eq!(
        stages,
        ["queued -", "running -", "running count", "completed count"],
        "{text}"
    );
    assert!(text.contains("2 of 2 completed"), "{text}");
}

#[test]
fn watch_exits_1_when_a_job_is_cancelled_meanwhile() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 400, "step_ms": 50}));
    let mut watch = setup.live(&["watch", &id]);
    watch.wait_for("the running job", LIMIT, |l| {
        l.starts_with(id.as_str()) && l.contains(" running count ")
    });
    setup.post(&format!("/api/jobs/{id}/cancel"), json!({}));
    let out = watch.finish(LIMIT);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}\n{}", stderr(&out));
    check_shown(&text, &id, "cancelled");
    assert!(summary_row(&text, &id).contains("  cancelled  "), "{text}");
    assert!(text.contains("0 of 1 completed"), "{text}");
    assert_eq!(setup.job(&id).status, Status::Cancelled);
}

#[test]
fn watch_shows_a_question_and_waits_for_its_answer() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 4, "step_ms": 20, "ask": true}));
    let mut watch = setup.live(&["watch", &id]);
    let line = watch.wait_for("the question", LIMIT, |l| {
        l.contains("waiting for an answer")
    });
    assert!(
        line.starts_with(id.as_str())
            && line.contains(" waiting_input ")
            && line.ends_with("waiting for an answer: Continue counting?"),
        "{line}"
    );
    // The CLI does not answer: the job still waits.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(setup.job(&id).status, Status::WaitingInput);
    setup.post(
        &format!("/api/jobs/{id}/clarifications/continue-1"),
        json!({"answer": true}),
    );
    let out = watch.finish(LIMIT);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    check_shown(&text, &id, "completed");
    assert!(text.contains("1 of 1 completed"), "{text}");
}

#[test]
fn watch_reconnects_across_a_server_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let listen = free.local_addr().expect("addr").to_string();
    drop(free);
    let server = Running::start_on(&data, &listen);
    let token = token(&data, "alice");
    let base = server.base.clone();
    let created: CreatedJobs = serde_json::from_value(rest_post(
        &base,
        &token,
        "/api/jobs",
        json!({"kind": "demo.steps", "text": "x", "filename": "long.txt",
               "options": {"steps": 60, "step_ms": 50}}),
    ))
    .expect("created");
    let id = created.jobs[0].job_id.to_string();

    let mut watch = Live::spawn(
        &["watch", &id, "--server", &base, "--token", &token],
        dir.path(),
    );
    watch.wait_for("the running job", LIMIT, |l| l.contains(" running count "));
    let status = server.sigterm();
    assert!(status.success(), "drained: {status:?}");
    std::thread::sleep(Duration::from_millis(500));
    let server = Running::start_on(&data, &listen);

    let out = watch.finish(Duration::from_secs(90));
    let text = stdout(&out);
    let notices = stderr(&out);
    assert_eq!(code(&out), 0, "{text}\n{notices}");
    assert!(notices.contains("connection lost"), "{notices}");
    assert!(notices.contains("reconnected; caught up"), "{notices}");
    // Shown once from the start, the drained attempt handed back (queued
    // again, without using an attempt: the limit grew from 3 to 4) and the
    // next one run to the end, never going back within one.
    check_shown(&text, &id, "completed");
    let queued = progress_lines(&text, &id)
        .iter()
        .filter(|l| l.status == "queued")
        .count();
    assert_eq!(queued, 2, "the drained attempt was queued again:\n{text}");
    assert!(
        summary_row(&text, &id).contains("completed  attempt 2 of 4 (1 handed back)"),
        "{text}"
    );
    assert!(text.contains("1 of 1 completed"), "{text}");
    let job: JobSnapshot = rest_get(&server.base, &token, &format!("/api/jobs/{id}"));
    assert_eq!(
        (job.status, job.attempt, job.max_attempts),
        (Status::Completed, 2, 4)
    );
}

#[test]
fn watch_stops_with_a_clear_message_when_its_token_expires() {
    let setup = Setup::new();
    let id = setup.create_demo(json!({"steps": 600, "step_ms": 50}));
    let out = Command::new(env!("CARGO_BIN_EXE_jobcast"))
        .args(["token", "--user", "alice", "--ttl", "1s"])
        .env("JOBCAST_DATA_DIR", setup.dir.path().join("data"))
        .env_remove("JOBCAST_JWT_SECRET")
        .output()
        .expect("jobcast token");
    let short = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let args = [
        "watch",
        &id,
        "--server",
        &setup.server.base,
        "--token",
        &short,
    ];
    let out = Live::spawn(&args, setup.dir.path()).finish(LIMIT);
    let (text, errors) = (stdout(&out), stderr(&out));
    eprintln!("exit {}; stderr: {errors}", code(&out));
    assert_eq!(code(&out), 3, "{text}\n{errors}");
    assert!(
        errors.contains("token expired") && errors.contains("sign in again"),
        "{errors}"
    );
    assert!(
        !setup.job(&id).status.is_terminal(),
        "stopped at expiry, not at the job's end"
    );
}
