//! A token's lifetime on open connections (issue 11, failure 2): REST
//! refuses an expired token, and so must a socket or an SSE stream opened
//! with it while it was valid. The socket is told why (`disconnect_reason`
//! with code `token_expired`) and closed; its requests are refused; a
//! reconnect with a fresh token and `after_seq` gets exactly what it missed.

mod common;

use std::time::Duration;

use common::live::{assert_run, assert_same, read_to_end, unix_now};
use common::TestServer;
use jobcast_client::SocketClient;
use jobcast_core::{ErrorCode, Event, Status};
use serde_json::{json, Value};

const LONG_JOB: fn() -> Value = || json!({"steps": 400, "step_ms": 40});

/// Waits until the Unix clock reaches `second`.
async fn until_second(second: u64) {
    while unix_now() < second {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_is_closed_when_its_token_expires_and_resumes_with_a_fresh_one() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server.create_demo(&alice, LONG_JOB()).await.job_id;
    let (short, refused_from) = server.short_token("alice", 3);
    let mut socket = server.socket(&short).await;
    let joined = socket.join_job(job, Some(0)).await.expect("join");
    let mut seen: Vec<Event> = joined.events;

    // Read until the server ends the connection, or for 5 s past expiry.
    let mut reason: Option<Value> = None;
    let mut after_expiry = 0usize;
    let give_up = refused_from + 5;
    while unix_now() < give_up {
        match socket.recv_event(Duration::from_millis(200)).await {
            Ok((name, value)) if name == "job_update" => {
                if unix_now() > refused_from {
                    after_expiry += 1;
                }
                seen.push(serde_json::from_value(value).expect("event"));
            }
            Ok((name, value)) if name == "disconnect_reason" => reason = Some(value),
            Ok(_) => {}
            Err(jobcast_client::SocketError::Timeout) => {}
            Err(_) => break,
        }
    }
    eprintln!(
        "{after_expiry} events delivered more than a second after the token expired; reason {reason:?}"
    );
    assert_eq!(
        reason.as_ref().map(|r| r["code"].clone()),
        Some(json!("token_expired"))
    );
    assert!(socket.is_closed(), "the socket is closed");
    assert_eq!(after_expiry, 0);
    assert!(!seen.is_empty() && seen.last().is_some_and(|e| !e.status.is_terminal()));
    assert_run("before expiry", &seen, 1);

    // The expired token cannot open a new socket either.
    assert!(SocketClient::connect(&server.base, &short).await.is_err());

    // A fresh token and the resume point: exactly what was missed.
    let fresh = server.token("alice");
    let mut again = server.socket(&fresh).await;
    let last = seen.last().map_or(0, |e| e.seq);
    let resumed = again.join_job(job, Some(last)).await.expect("rejoin");
    let mut rest = resumed.events;
    if !rest.last().is_some_and(|e| e.status.is_terminal()) {
        rest.extend(read_to_end(&mut again, job, Duration::from_secs(60)).await);
    }
    assert_run("after the reconnect", &rest, last + 1);
    seen.extend(rest);
    assert_same("whole view", &seen, &server.all_events(&alice, job).await);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_on_a_socket_whose_token_expired_are_refused() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server.create_demo(&alice, LONG_JOB()).await.job_id;
    let (short, refused_from) = server.short_token("alice", 2);
    let mut socket = server.socket(&short).await;
    socket.set_ack_timeout(Duration::from_secs(3));
    until_second(refused_from + 1).await;

    let join = socket.join_job(job, Some(0)).await;
    let cancel = socket.cancel_job(job).await;
    eprintln!(
        "after expiry: join_job {:?}, cancel_job {:?}",
        join.as_ref().map(|j| j.events.len()),
        cancel.as_ref().map(|j| j.status)
    );
    for (name, outcome) in [
        ("join_job", join.err().map(|e| e.code())),
        ("cancel_job", cancel.err().map(|e| e.code())),
    ] {
        // Refused with token_expired, or the socket is already closed.
        assert!(
            matches!(outcome, Some(Some(ErrorCode::TokenExpired)) | Some(None)),
            "{name} on an expired socket: {outcome:?}"
        );
    }
    let job = server.job(&alice, &job.to_string()).await;
    assert_ne!(
        job.status,
        Status::Cancelled,
        "the expired token cancelled the job"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_stream_ends_with_token_expired() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server.create_demo(&alice, LONG_JOB()).await.job_id;
    let (short, refused_from) = server.short_token("alice", 3);
    let mut response = server
        .get(&short, &format!("/api/jobs/{job}/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    let mut text = String::new();
    let mut after_expiry = 0usize;
    let mut ended = false;
    let give_up = refused_from + 5;
    while unix_now() < give_up {
        match tokio::time::timeout(Duration::from_millis(200), response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let chunk = String::from_utf8_lossy(&chunk).into_owned();
                if unix_now() > refused_from {
                    after_expiry += chunk.matches("event: job_update").count();
                }
                text.push_str(&chunk);
            }
            Ok(Ok(None)) => {
                ended = true;
                break;
            }
            Ok(Err(e)) => panic!("stream: {e}"),
            Err(_) => {}
        }
    }
    eprintln!(
        "{after_expiry} SSE events sent more than a second after the token expired; ended {ended}"
    );
    assert_eq!(after_expiry, 0);
    assert!(ended, "the stream ends");
    let last = text.trim_end().rsplit("\n\n").next().unwrap_or_default();
    assert!(
        last.contains("event: error") && last.contains("\"token_expired\""),
        "the last frame says why: {last:?}"
    );
    server.stop().await;
}
