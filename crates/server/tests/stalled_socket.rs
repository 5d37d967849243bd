//! A socket that stalls past the stall timeout and then reads again is
//! either closed or caught up — never left connected and silent. Before,
//! with `JOBCAST_SOCKET_STALL_TIMEOUT_MS=1000` a socket that stopped reading
//! a long job for longer than the timeout plus the 5 s the server spent
//! retrying its disconnect packet (which cannot be queued while the buffer
//! is full) stayed connected for good, received nothing more, had its
//! requests left unanswered, and its per-user place was already given back.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::live::{assert_run, assert_same};
use common::TestServer;
use jobcast_client::{ConnectError, ConnectOptions, SocketClient, SocketError};
use jobcast_core::{Event, JobId};
use serde_json::json;
use tokio::sync::Barrier;

/// Longer than the stall timeout plus the 5 s the old code retried for.
const PAUSE: Duration = Duration::from_secs(10);
/// Into the pause, when every stalled socket must have been closed.
const CLOSED_BY: Duration = Duration::from_secs(3);
/// How long a resumed socket may go without an event or a close.
const SILENCE: Duration = Duration::from_secs(15);
const STEPS: u64 = 10_000;
/// Per user, so that a place given back too early shows as one too many.
const MAX_PER_USER: usize = 3;
/// Small, so that a client that stops reading fills the server's buffer at
/// once rather than after the megabytes loopback autotuning allows.
const SEND_BUFFER: u32 = 32 * 1024;

async fn stalling_server() -> TestServer {
    TestServer::start_with_send_buffer(SEND_BUFFER, |c| {
        c.realtime.buffer = 16;
        c.realtime.stall_timeout = Duration::from_secs(1);
        c.realtime.max_connections_per_user = MAX_PER_USER;
    })
    .await
}

/// A client that reads little at a time; `upgrade`: it starts on
/// long-polling and upgrades to a WebSocket (socket.io-client's way), so its
/// WebSocket is not the connection it made its handshake on.
fn options(token: &str, upgrade: bool) -> ConnectOptions {
    ConnectOptions {
        queue: 4,
        recv_buffer: Some(4096),
        upgrade,
        ..ConnectOptions::token(token)
    }
}

#[derive(Clone, Copy)]
enum Follow {
    /// `join_job` with the last seq seen.
    Job,
    /// `join_user` with the job as a resume point.
    User,
    /// `join_job`, on a WebSocket upgraded from long-polling.
    UpgradedJob,
}

/// What one stalling client saw.
struct Stalled {
    stream: Vec<Event>,
    /// Closes by the server after it resumed reading.
    closes: usize,
}

async fn join(socket: &mut SocketClient, follow: Follow, job: JobId, after: u64) -> Vec<Event> {
    match follow {
        Follow::Job | Follow::UpgradedJob => {
            socket
                .join_job(job, Some(after))
                .await
                .expect("join_job")
                .events
        }
        Follow::User => {
            socket
                .join_user_page(&BTreeMap::from([(job, after)]), None)
                .await
                .expect("join_user");
            Vec::new()
        }
    }
}

/// Joins, reads a little, stops reading for `PAUSE`, then reads again. A
/// close is answered by reconnecting and rejoining after the last seq seen;
/// `SILENCE` without an event or a close fails the test.
async fn stall_then_read(
    server: &TestServer,
    token: &str,
    job: JobId,
    follow: Follow,
    paused: &Barrier,
) -> Stalled {
    let upgrade = matches!(follow, Follow::UpgradedJob);
    let mut socket = server
        .socket_with(options(token, upgrade))
        .await
        .expect("connect");
    let mut stream = join(&mut socket, follow, job, 0).await;
    while stream.len() < 10 {
        let event = socket
            .next_update(SILENCE)
            .await
            .expect("update")
            .expect("an update in time");
        stream.push(event);
    }
    paused.wait().await;
    tokio::time::sleep(PAUSE).await;
    let resumed = Instant::now();
    let mut closes = 0;
    loop {
        if stream.last().is_some_and(|e| e.status.is_terminal()) {
            break;
        }
        match socket.next_update(SILENCE).await {
            Ok(Some(event)) => stream.push(event),
            Ok(None) => {
                // Connected, and nothing for SILENCE: the failure itself.
                // Is anyone still answering on this socket?
                let answer = tokio::time::timeout(
                    Duration::from_secs(5),
                    socket.emit_with_ack("leave_job", json!({"job_id": job.to_string()})),
                )
                .await;
                panic!(
                    "connected and silent for {SILENCE:?} after resuming ({:?} in), \
                     last seq {:?} of a {STEPS}-step job; a request on it got {answer:?}",
                    resumed.elapsed(),
                    stream.last().map(|e| e.seq)
                );
            }
            Err(SocketError::Closed) => {
                closes += 1;
                let last = stream.last().map_or(0, |e| e.seq);
                socket = server
                    .socket_with(options(token, upgrade))
                    .await
                    .expect("reconnect");
                stream.extend(join(&mut socket, follow, job, last).await);
            }
            Err(e) => panic!("stalled reader: {e}"),
        }
    }
    socket.close().await;
    Stalled { stream, closes }
}

/// Every place of the user is free again within `within`: `MAX_PER_USER`
/// connections are admitted and one more is refused.
async fn places_are_all_free(server: &TestServer, token: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut held = Vec::new();
    while held.len() < MAX_PER_USER {
        match SocketClient::connect(&server.base, token).await {
            Ok(socket) => held.push(socket),
            Err(ConnectError::Refused(reason)) if Instant::now() < deadline => {
                // A closed socket's place comes back when the server sees it go.
                eprintln!("place not back yet ({reason}); retrying");
                for socket in held.drain(..) {
                    socket.close().await;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!(
                "connection {} of {MAX_PER_USER} refused: {e}",
                held.len() + 1
            ),
        }
    }
    let extra = SocketClient::connect(&server.base, token).await;
    assert!(
        matches!(&extra, Err(ConnectError::Refused(reason)) if reason == "rate_limited"),
        "a connection over the cap of {MAX_PER_USER} was admitted"
    );
    for socket in held {
        socket.close().await;
    }
}

async fn stalled_clients_are_closed_or_caught_up(follows: &[Follow]) {
    let server = stalling_server().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": STEPS, "step_ms": 0}))
        .await
        .job_id;
    let paused = Barrier::new(follows.len() + 1);
    let mut runs = Vec::new();
    for &follow in follows {
        let (server, token, paused) = (&server, alice.clone(), &paused);
        runs.push(async move { stall_then_read(server, &token, job, follow, paused).await });
    }
    // While the clients still read nothing, their sockets are closed at the
    // transport level (the buffer holds the disconnect packet's place) and
    // their places given back: the user can open as many connections again.
    let meanwhile = async {
        paused.wait().await;
        tokio::time::sleep(CLOSED_BY).await;
        places_are_all_free(&server, &alice, PAUSE - CLOSED_BY - Duration::from_secs(2)).await;
    };
    let (results, ()) = tokio::join!(futures::future::join_all(runs), meanwhile);
    let stored = server.all_events(&alice, job).await;
    for (i, run) in results.iter().enumerate() {
        eprintln!(
            "stalled client {i}: {} events, closed {} time(s) after resuming",
            run.stream.len(),
            run.closes
        );
        let first = run.stream.first().map_or(1, |e| e.seq);
        assert_eq!(first, 1, "client {i} starts at seq 1");
        assert_run(&format!("stalled client {i}"), &run.stream, 1);
        assert_same(&format!("stalled client {i}"), &run.stream, &stored);
    }
    places_are_all_free(&server, &alice, Duration::from_secs(10)).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_socket_that_stalls_past_the_timeout_and_resumes_is_closed_or_caught_up() {
    stalled_clients_are_closed_or_caught_up(&[Follow::Job]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_stalled_sockets_in_job_and_user_rooms_are_closed_or_caught_up() {
    stalled_clients_are_closed_or_caught_up(&[Follow::Job, Follow::User, Follow::Job]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_socket_upgraded_from_long_polling_is_closed_or_caught_up() {
    stalled_clients_are_closed_or_caught_up(&[Follow::UpgradedJob]).await;
}
