//! Clients that stop reading (SPEC section 8): a slow reader misses
//! nothing and slows no one else; one that resumes within the stall timeout
//! keeps its connection; one stuck past it is disconnected, rejoins from
//! the last seq it saw and catches up. Hostile frames and floods:
//! realtime_hostile.rs; a socket that cannot even take a disconnect
//! packet: stalled_socket.rs.

mod common;

use std::time::Duration;

use common::live::{assert_run, assert_same, watch};
use common::TestServer;
use jobcast_client::{ConnectOptions, SocketError};
use jobcast_core::{Event, JobId, Timestamp};
use serde_json::json;
use tokio::time::Instant;

const END: Duration = Duration::from_secs(60);
/// The server's kernel send buffer: small, so that a client that stops
/// reading fills the server's packet buffer within a few hundred events
/// rather than the megabytes autotuning allows.
const SEND_BUFFER: u32 = 32 * 1024;

/// A server whose sockets have a 16-packet buffer and the given stall
/// timeout, and a job of `steps` progress events as fast as it can run.
async fn long_job(stall_timeout: Duration, steps: u32) -> (TestServer, String, JobId) {
    let server = TestServer::start_with_send_buffer(SEND_BUFFER, |c| {
        c.realtime.buffer = 16;
        c.realtime.stall_timeout = stall_timeout;
    })
    .await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": steps, "step_ms": 0}))
        .await;
    (server, alice, job.job_id)
}

/// What a slow reader went through.
struct SlowRun {
    /// Everything it received, across reconnections.
    stream: Vec<Event>,
    /// How often the server disconnected it.
    disconnects: usize,
    /// When it started reading again.
    resumed: Instant,
    resumed_at: Timestamp,
    /// From resuming to the job's last event.
    catching_up: Duration,
}

/// A client that stops reading for `pause` after a few updates, then reads
/// as fast as it can; whenever the server disconnects it, it reconnects and
/// rejoins from the last seq it saw. Its queue and TCP receive buffer are
/// small, so not reading pushes back on the server at once.
async fn slow_reader(server: &TestServer, token: &str, job: JobId, pause: Duration) -> SlowRun {
    let options = ConnectOptions {
        queue: 4,
        recv_buffer: Some(4096),
        ..ConnectOptions::token(token)
    };
    let mut socket = server.socket_with(options.clone()).await.expect("connect");
    let joined = socket.join_job(job, Some(0)).await.expect("join");
    let mut stream = joined.events;
    while stream.len() < 10 {
        let event = socket
            .next_update(END)
            .await
            .expect("update")
            .expect("an update in time");
        stream.push(event);
    }
    tokio::time::sleep(pause).await;
    let resumed = Instant::now();
    let resumed_at = Timestamp::now();
    let mut disconnects = 0;
    loop {
        match socket.next_update(END).await {
            Ok(Some(event)) => {
                let terminal = event.status.is_terminal();
                stream.push(event);
                if terminal {
                    break;
                }
            }
            Ok(None) => panic!("the slow reader got nothing for {END:?}"),
            Err(SocketError::Closed) => {
                disconnects += 1;
                let last = stream.last().map_or(0, |e| e.seq);
                eprintln!(
                    "slow reader disconnected at seq {last}, {:?} after resuming: {:?}",
                    resumed.elapsed(),
                    socket.close_reason()
                );
                socket = server
                    .socket_with(options.clone())
                    .await
                    .expect("reconnect");
                let rejoined = socket.join_job(job, Some(last)).await.expect("rejoin");
                let done = rejoined
                    .events
                    .last()
                    .is_some_and(|e| e.status.is_terminal());
                stream.extend(rejoined.events);
                if done {
                    break;
                }
            }
            Err(e) => panic!("slow reader: {e}"),
        }
    }
    SlowRun {
        stream,
        disconnects,
        resumed,
        resumed_at,
        catching_up: resumed.elapsed(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_reader_misses_nothing_and_slows_no_one_else() {
    let (server, alice, id) = long_job(Duration::from_secs(30), 4000).await;
    let watchers: Vec<_> = (0..2).map(|_| watch(&server, &alice, id, END)).collect();
    let run = slow_reader(&server, &alice, id, Duration::from_secs(4)).await;
    let stored = server.all_events(&alice, id).await;
    eprintln!(
        "slow reader: {} events, {} disconnects, caught up {:?} after resuming",
        run.stream.len(),
        run.disconnects,
        run.catching_up
    );
    assert_run("slow reader", &run.stream, 1);
    assert_same("slow reader", &run.stream, &stored);
    let finished_at = server
        .job(&alice, &id.to_string())
        .await
        .finished_at
        .expect("finished");
    for watcher in watchers {
        let (events, done_at) = watcher.await.expect("watcher");
        assert_run("watcher beside a slow reader", &events, 1);
        assert_same("watcher beside a slow reader", &events, &stored);
        // When the job ended well before the slow reader woke up, the others
        // had every event by then.
        if finished_at.plus_millis(500) < run.resumed_at {
            assert!(
                done_at <= run.resumed,
                "a watcher got its last event {:?} after the slow reader resumed",
                done_at - run.resumed
            );
        }
    }
    // Once it reads again, it catches up from the store (in half-buffer
    // rounds, each a store read). This bounds being left behind, not speed
    // (speed is the benchmarks' business): on PostgreSQL on this 2-core
    // machine the catch-up of 4,800 events took 15-18 s on 2026-12-04, for
    // the code of the previous landing as for the current one, past the
    // 15 s this bound was first given.
    assert!(
        run.catching_up < Duration::from_secs(45),
        "the slow reader needed {:?} after resuming to reach the end ({} disconnects)",
        run.catching_up,
        run.disconnects
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_that_resumes_before_the_stall_timeout_is_not_disconnected() {
    let (server, alice, id) = long_job(Duration::from_secs(3), 6000).await;
    let run = slow_reader(&server, &alice, id, Duration::from_millis(1500)).await;
    let stored = server.all_events(&alice, id).await;
    assert_same("resumed reader", &run.stream, &stored);
    assert_eq!(
        run.disconnects, 0,
        "stuck for 1.5 s with a 3 s stall timeout, then reading as fast as it can, \
         it was disconnected {} times (caught up after {:?})",
        run.disconnects, run.catching_up
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_stuck_past_the_stall_timeout_is_disconnected_and_catches_up() {
    let (server, alice, id) = long_job(Duration::from_secs(1), 6000).await;
    let watcher = watch(&server, &alice, id, END);
    let run = slow_reader(&server, &alice, id, Duration::from_secs(4)).await;
    let stored = server.all_events(&alice, id).await;
    assert!(
        run.disconnects > 0,
        "a socket stuck for 4 s with a 1 s stall timeout was not disconnected"
    );
    assert_run("stalled reader after rejoining", &run.stream, 1);
    assert_same("stalled reader after rejoining", &run.stream, &stored);
    let (events, _) = watcher.await.expect("watcher");
    assert_run("watcher beside a stalled reader", &events, 1);
    assert_same("watcher beside a stalled reader", &events, &stored);
    server.stop().await;
}
