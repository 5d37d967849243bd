//! Replays cannot exhaust the server's memory: sockets that ask for the
//! whole log of a long job again and again and never read the answers cost
//! the server a bounded number of bytes each. Before, a `join_job`
//! acknowledgement held up to 10,000 events and the socket's buffer counted
//! packets, not bytes: three such sockets grew the server by 561 MiB.

mod common;

use std::time::{Duration, Instant};

use common::jobs::Api;
use common::{token, Running};
use jobcast_client::{ConnectOptions, SocketClient};
use jobcast_core::Status;
use serde_json::json;

/// The server's resident memory now (`VmRSS`), in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

const MIB: u64 = 1024 * 1024;
const SOCKETS: usize = 3;
/// What the three sockets may cost together.
const BOUND: u64 = 48 * MIB;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_that_never_read_their_replays_cost_bounded_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Running::start(dir.path());
    let pid = server.child.id();
    let alice = token(dir.path(), "alice");
    let api = Api::new(&server.base, &alice);
    let http = reqwest::Client::new();
    let created: serde_json::Value = http
        .post(format!("{}/api/jobs", server.base))
        .bearer_auth(&alice)
        .json(
            &json!({"kind": "demo.steps", "text": "x", "options": {"steps": 10000, "step_ms": 0}}),
        )
        .send()
        .await
        .expect("POST /api/jobs")
        .json()
        .await
        .expect("created");
    let job = created["jobs"][0]["job_id"]
        .as_str()
        .expect("a job id")
        .to_owned();
    let done = api
        .wait_all(std::slice::from_ref(&job), Duration::from_secs(120))
        .await;
    assert_eq!(done[0].status, Status::Completed);
    assert!(done[0].last_seq > 10_000);
    let before = rss(pid);

    // Sockets whose client reads nothing: a one-packet queue and a 4 KiB
    // TCP receive buffer, so the server's writes back up at once.
    let options = ConnectOptions {
        queue: 1,
        recv_buffer: Some(4096),
        ..ConnectOptions::token(&alice)
    };
    let mut sockets = Vec::new();
    for _ in 0..SOCKETS {
        sockets.push(
            SocketClient::connect_with(&server.base, options.clone())
                .await
                .expect("connect"),
        );
    }
    let mut peak = before;
    let until = Instant::now() + Duration::from_secs(8);
    while Instant::now() < until {
        for socket in &mut sockets {
            // Sending may itself block once the server stops reading us.
            let _ = tokio::time::timeout(
                Duration::from_millis(20),
                socket.request("join_job", json!({"job_id": job, "after_seq": 0})),
            )
            .await;
        }
        peak = peak.max(rss(pid));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let grown = peak.saturating_sub(before);
    eprintln!(
        "{SOCKETS} sockets that never read: the server grew by {} MiB ({} MiB before)",
        grown / MIB,
        before / MIB
    );
    assert!(
        grown < BOUND,
        "{SOCKETS} sockets that never read grew the server by {} MiB",
        grown / MIB
    );
    // The server still serves others.
    assert_eq!(api.job(&job).await.status, Status::Completed);
    drop(sockets);
}
