//! The SSE stream of `GET /api/jobs/{id}/events`: read to its end, resumed
//! from the middle with `Last-Event-ID`, idle keep-alives, and its refusals.

mod common;

use std::time::Duration;

use common::{error_code, TestServer};
use futures::StreamExt;
use jobcast_core::{Event, EventType, Status};
use serde_json::json;

/// One SSE frame: `id:`, `event:`, `data:` lines, or a `:` comment.
#[derive(Debug, Default)]
struct Frame {
    id: Option<String>,
    event: Option<String>,
    data: String,
    comment: Option<String>,
}

fn parse_frames(text: &str) -> Vec<Frame> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut frame = Frame::default();
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("id:") {
                    frame.id = Some(rest.trim().to_string());
                } else if let Some(rest) = line.strip_prefix("event:") {
                    frame.event = Some(rest.trim().to_string());
                } else if let Some(rest) = line.strip_prefix("data:") {
                    frame.data.push_str(rest.trim_start());
                } else if let Some(rest) = line.strip_prefix(':') {
                    frame.comment = Some(rest.trim().to_string());
                }
            }
            frame
        })
        .collect()
}

/// Reads the whole stream (it must end by itself) and returns its events.
async fn read_to_end(request: reqwest::RequestBuilder) -> Vec<Event> {
    let response = request
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let body = tokio::time::timeout(Duration::from_secs(30), response.text())
        .await
        .expect("the stream ends after the terminal event")
        .expect("body");
    parse_frames(&body)
        .into_iter()
        .filter(|f| f.event.as_deref() == Some("job_update"))
        .map(|frame| {
            let event: Event = serde_json::from_str(&frame.data).expect("event JSON");
            assert_eq!(frame.id, Some(event.seq.to_string()), "id: is the seq");
            event
        })
        .collect()
}

fn seqs(events: &[Event]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_read_to_its_end_then_resumed_from_the_middle() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 30, "step_ms": 10}))
        .await;
    let id = job.job_id.to_string();

    // Opened while the job runs: everything from seq 1, live, to the end.
    let whole = read_to_end(server.get(&alice, &format!("/api/jobs/{id}/events"))).await;
    let last = whole.last().expect("events");
    assert_eq!(last.kind, EventType::Completed);
    assert_eq!(
        seqs(&whole),
        (1..=last.seq).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    let stored = server.events(&alice, &id, 0).await;
    assert_eq!(whole, stored, "the stream is the stored log");

    let middle = last.seq / 2;
    let resumed = read_to_end(
        server
            .get(&alice, &format!("/api/jobs/{id}/events"))
            .header("last-event-id", middle.to_string()),
    )
    .await;
    assert_eq!(seqs(&resumed), (middle + 1..=last.seq).collect::<Vec<_>>());

    let by_query =
        read_to_end(server.get(&alice, &format!("/api/jobs/{id}/events?after_seq={middle}"))).await;
    assert_eq!(seqs(&by_query), seqs(&resumed));

    let finished = read_to_end(
        server
            .get(&alice, &format!("/api/jobs/{id}/events"))
            .header("last-event-id", last.seq.to_string()),
    )
    .await;
    assert!(
        finished.is_empty(),
        "nothing after the terminal event, and the stream ends"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_gets_keep_alives() {
    let server =
        TestServer::start_with(|c| c.realtime.sse_keep_alive = Duration::from_millis(200)).await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 4, "step_ms": 1, "ask": true}))
        .await;
    let id = job.job_id.to_string();
    let waiting = server.wait_status(&alice, &id, Status::WaitingInput).await;

    let response = server
        .get(&alice, &format!("/api/jobs/{id}/events"))
        .header("accept", "text/event-stream")
        .header("last-event-id", waiting.last_seq.to_string())
        .send()
        .await
        .expect("request");
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains(":keep-alive") && !text.contains(": keep-alive") {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("a keep-alive within 5 s")
            .expect("stream open")
            .expect("chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        !text.contains("job_update"),
        "no event while the job waits: {text}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_refuse_foreign_jobs_and_bad_resume_points() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let mallory = server.token("mallory");
    let job = server
        .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
        .await;
    let id = job.job_id.to_string();
    let foreign = server
        .get(&mallory, &format!("/api/jobs/{id}/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("request");
    assert_eq!(error_code(foreign).await.0, 404);
    let bad = server
        .get(&alice, &format!("/api/jobs/{id}/events"))
        .header("accept", "text/event-stream")
        .header("last-event-id", "abc")
        .send()
        .await
        .expect("request");
    assert_eq!(error_code(bad).await.0, 400);
    server.stop().await;
}
