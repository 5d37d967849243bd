//! The REST API's normal paths, over real HTTP against a real server.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{assert_contiguous, error_code, TestServer};
use jobcast_core::wire::{CreatedJobs, JobList};
use jobcast_core::{EventType, JobSnapshot, Status};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_job_runs_to_completion_with_a_contiguous_log() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 4, "step_ms": 5}))
        .await;
    assert_eq!(job.status, Status::Queued);
    assert_eq!(job.last_seq, 1);
    assert_eq!(job.owner, "alice");
    assert_eq!(job.room, format!("job:{}", job.job_id));
    assert_eq!(job.filename.as_deref(), Some("t.txt"));

    let id = job.job_id.to_string();
    let done = server.wait_status(&alice, &id, Status::Completed).await;
    assert_eq!(done.progress, 100.0);
    assert_eq!(
        done.result.as_ref().map(|r| r["lines"].clone()),
        Some(json!(3))
    );
    assert!(done.started_at.is_some() && done.finished_at.is_some());

    let events = server.events(&alice, &id, 0).await;
    assert_contiguous(&events);
    assert_eq!(events.first().map(|e| e.kind), Some(EventType::Queued));
    assert_eq!(events.get(1).map(|e| e.kind), Some(EventType::Started));
    assert_eq!(events.last().map(|e| e.kind), Some(EventType::Completed));
    assert_eq!(events.last().map(|e| e.seq), Some(done.last_seq));
    let mut last = 0.0;
    for e in &events[1..] {
        assert!(e.progress >= last, "progress went back: {events:#?}");
        last = e.progress;
    }
    let after = server.events(&alice, &id, 3).await;
    assert_eq!(after.first().map(|e| e.seq), Some(4));
    assert_eq!(after.len(), events.len() - 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_batch_makes_one_job_per_file() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let form = Form::new()
        .text("kind", "demo.steps")
        .text("options", r#"{"steps": 2, "step_ms": 1}"#)
        .part("file", Part::bytes(PDF.to_vec()).file_name("a.pdf"))
        .part("file", Part::bytes(PDF.to_vec()).file_name("b.pdf"))
        .part(
            "file",
            Part::bytes(b"Invoice 7\nTotal 10".to_vec()).file_name("c.txt"),
        );
    let response = server
        .post(&alice, "/api/jobs")
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);
    let created: CreatedJobs = response.json().await.expect("body");
    assert_eq!(created.socket.path, "/socket.io/");
    assert_eq!(created.socket.join, "join_job");
    assert_eq!(created.socket.event, "job_update");
    let names: Vec<_> = created.jobs.iter().map(|j| j.filename.clone()).collect();
    assert_eq!(
        names,
        vec![
            Some("a.pdf".into()),
            Some("b.pdf".into()),
            Some("c.txt".into())
        ]
    );
    for job in &created.jobs {
        let id = job.job_id.to_string();
        let done = server.wait_status(&alice, &id, Status::Completed).await;
        assert_eq!(done.options, json!({"steps": 2, "step_ms": 1}));
        let input = server
            .get(&alice, &format!("/api/jobs/{id}/input"))
            .send()
            .await
            .expect("input");
        assert_eq!(input.status(), 200);
        let mime = input
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = input.bytes().await.expect("bytes");
        if job.filename.as_deref() == Some("c.txt") {
            assert!(mime.starts_with("text/plain"));
            assert_eq!(&bytes[..], b"Invoice 7\nTotal 10");
        } else {
            assert_eq!(mime, "application/pdf");
            assert_eq!(&bytes[..], PDF);
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_newest_first_with_filters_and_owners() {
    let server = TestServer::start_with(|c| c.workers = 1).await;
    let alice = server.token("alice");
    let bob = server.token("bob");
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(
            server
                .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
                .await,
        );
    }
    for _ in 0..2 {
        server
            .create_demo(&bob, json!({"steps": 1, "step_ms": 0}))
            .await;
    }
    for job in &made {
        server
            .wait_status(&alice, &job.job_id.to_string(), Status::Completed)
            .await;
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/jobs?limit=2&cursor={c}"),
            None => "/api/jobs?limit=2".to_string(),
        };
        let page: JobList = server.list(&alice, &path).await;
        assert!(page.jobs.len() <= 2);
        seen.extend(page.jobs.iter().map(|j| j.job_id));
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    let mut expected: Vec<_> = made.iter().map(|j| j.job_id).collect();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, each job once");

    let completed: JobList = server
        .list(&alice, "/api/jobs?status=completed&kind=demo.steps")
        .await;
    assert_eq!(completed.jobs.len(), 5);
    let queued: JobList = server.list(&alice, "/api/jobs?status=queued,running").await;
    assert!(queued.jobs.iter().all(|j| j.owner == "alice"));
    let other_kind: JobList = server.list(&alice, "/api/jobs?kind=pdf.sentences").await;
    assert!(other_kind.jobs.is_empty());

    let bobs: JobList = server.list(&bob, "/api/jobs").await;
    assert_eq!(bobs.jobs.len(), 2);
    assert!(bobs.jobs.iter().all(|j| j.owner == "bob"));
    let all: JobList = server
        .list(&server.admin_token(), "/api/jobs?limit=200")
        .await;
    assert_eq!(all.jobs.len(), 7, "an admin sees every job");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_job_and_a_queued_one() {
    let server = TestServer::start_with(|c| c.workers = 1).await;
    let alice = server.token("alice");
    let running = server
        .create_demo(&alice, json!({"steps": 200, "step_ms": 50}))
        .await;
    let queued = server
        .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
        .await;
    let running_id = running.job_id.to_string();
    let queued_id = queued.job_id.to_string();
    server
        .wait_for(&alice, &running_id, Duration::from_secs(10), |j| {
            j.progress > 5.0
        })
        .await;

    let queued_cancel: JobSnapshot = server
        .post(&alice, &format!("/api/jobs/{queued_id}/cancel"))
        .send()
        .await
        .expect("cancel")
        .json()
        .await
        .expect("snapshot");
    assert_eq!(queued_cancel.status, Status::Cancelled);
    assert!(
        queued_cancel.started_at.is_none(),
        "a cancelled queued job never starts"
    );

    let response = server
        .post(&alice, &format!("/api/jobs/{running_id}/cancel"))
        .send()
        .await
        .expect("cancel");
    assert_eq!(response.status(), 200);
    let snapshot: JobSnapshot = response.json().await.expect("snapshot");
    assert_eq!(snapshot.status, Status::Cancelled);

    // The worker notices: nothing follows the cancelled event.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = server.events(&alice, &running_id, 0).await;
    assert_contiguous(&events);
    assert_eq!(events.last().map(|e| e.kind), Some(EventType::Cancelled));
    let job = server.job(&alice, &running_id).await;
    assert_eq!(
        job.last_seq, snapshot.last_seq,
        "no event after cancellation"
    );

    let again = server
        .post(&alice, &format!("/api/jobs/{running_id}/cancel"))
        .send()
        .await
        .expect("cancel");
    let (status, code, _) = error_code(again).await;
    assert_eq!((status, code.as_str()), (409, "conflict"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_reports_its_error_and_can_be_retried() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(
            &alice,
            json!({"steps": 5, "step_ms": 1, "fail_at": 2, "fail": "input"}),
        )
        .await;
    let id = job.job_id.to_string();
    let failed = server.wait_status(&alice, &id, Status::Failed).await;
    let error = failed.error.clone().expect("error set");
    assert!(!error.retryable);
    assert!(!error.code.is_empty() && !error.message.is_empty());
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert_eq!(failed.attempt, 1);

    let retried: JobSnapshot = server
        .post(&alice, &format!("/api/jobs/{id}/retry"))
        .send()
        .await
        .expect("retry")
        .json()
        .await
        .expect("snapshot");
    assert_eq!((retried.status, retried.attempt), (Status::Queued, 2));
    assert!(retried.error.is_none());
    let again = server
        .wait_for(&alice, &id, Duration::from_secs(20), |j| {
            j.attempt == 2 && j.status.is_terminal()
        })
        .await;
    assert_eq!(again.status, Status::Failed);
    let events = server.events(&alice, &id, 0).await;
    assert_contiguous(&events);
    assert!(events.iter().any(|e| e.kind == EventType::Retrying));

    let finished = server
        .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
        .await;
    let finished_id = finished.job_id.to_string();
    server
        .wait_status(&alice, &finished_id, Status::Completed)
        .await;
    let refused = server
        .post(&alice, &format!("/api/jobs/{finished_id}/retry"))
        .send()
        .await
        .expect("retry");
    let (status, code, _) = error_code(refused).await;
    assert_eq!((status, code.as_str()), (409, "conflict"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clarification_is_answered_over_rest() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 4, "step_ms": 1, "ask": true}))
        .await;
    let id = job.job_id.to_string();
    let waiting = server.wait_status(&alice, &id, Status::WaitingInput).await;
    let events = server.events(&alice, &id, waiting.last_seq - 1).await;
    let question = events.first().expect("the clarification event");
    assert_eq!(question.kind, EventType::Clarification);
    let data = question.data.clone().expect("clarification data");
    for key in ["clarification_id", "question", "field", "suggestion"] {
        assert!(data.get(key).is_some(), "clarification lacks {key}: {data}");
    }
    let cid = data["clarification_id"].as_str().expect("id").to_string();

    let wrong = server
        .post(&alice, &format!("/api/jobs/{id}/clarifications/nope"))
        .json(&json!({"answer": true}))
        .send()
        .await
        .expect("answer");
    assert_eq!(error_code(wrong).await.0, 404);

    let answered = server
        .post(&alice, &format!("/api/jobs/{id}/clarifications/{cid}"))
        .json(&json!({"answer": "yes please"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(answered.status(), 200);
    let snapshot: JobSnapshot = answered.json().await.expect("snapshot");
    assert_ne!(snapshot.status, Status::WaitingInput);
    let done = server.wait_status(&alice, &id, Status::Completed).await;
    assert_eq!(
        done.result.as_ref().map(|r| r["answer"].clone()),
        Some(json!("yes please"))
    );

    let late = server
        .post(&alice, &format!("/api/jobs/{id}/clarifications/{cid}"))
        .json(&json!({"answer": "again"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(error_code(late).await.0, 409);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_returns_the_same_jobs() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let body = json!({"kind": "demo.steps", "text": "x", "options": {"steps": 1, "step_ms": 0}});
    let mut ids = HashSet::new();
    for _ in 0..3 {
        let created: CreatedJobs = server
            .post(&alice, "/api/jobs")
            .header("Idempotency-Key", "upload-42")
            .json(&body)
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("body");
        ids.extend(created.jobs.iter().map(|j| j.job_id));
    }
    assert_eq!(
        ids.len(),
        1,
        "one job however often the request is repeated"
    );
    let list: JobList = server.list(&alice, "/api/jobs").await;
    assert_eq!(list.jobs.len(), 1);
    // The same key from another user is another request.
    let bob = server.token("bob");
    let created: CreatedJobs = server
        .post(&bob, "/api/jobs")
        .header("Idempotency-Key", "upload-42")
        .json(&body)
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("body");
    assert!(!ids.contains(&created.jobs[0].job_id));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    let server = TestServer::start().await;
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = server
        .http
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let report: Value = ready.json().await.expect("report");
    assert_eq!(report["ready"], json!(true));
    assert_eq!(report["checks"][0]["name"], json!("database"));
    let backend = if cfg!(feature = "service-tests") {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(
        report["checks"][0]["detail"],
        json!(backend),
        "the suite runs on {backend}"
    );
    server.stop().await;

    // A Redis that does not answer makes the instance unready.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let server =
        TestServer::start_with(|c| c.redis_url = Some(format!("redis://127.0.0.1:{port}"))).await;
    let ready = server
        .http
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    server.stop().await;
}

/// With a live Redis configured, readiness checks it and reports it up.
#[cfg(feature = "service-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_checks_a_live_redis() {
    let redis =
        std::env::var("JOBCAST_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let server = TestServer::start_with(|c| c.redis_url = Some(redis.clone())).await;
    let ready = server
        .http
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(
        ready.status(),
        200,
        "Redis at {redis} must answer for service-tests"
    );
    let report: Value = ready.json().await.expect("report");
    assert_eq!(report["checks"][1]["name"], json!("redis"));
    assert_eq!(report["checks"][1]["ok"], json!(true));
    server.stop().await;
}
