//! Hostile and greedy Socket.IO clients (SPEC section 8, "bad input ...
//! changes nothing else"): garbage frames, floods, too many rooms or
//! connections. Each gets an error or a disconnect, and the other clients
//! connected at the same time keep receiving their job's events, every
//! one, in order. Clients that stop reading: realtime_slow_readers.rs.

mod common;

use std::time::Duration;

use common::live::{assert_run, assert_same, read_to_end, watch};
use common::TestServer;
use jobcast_client::{ConnectError, ConnectOptions, SocketClient, SocketError};
use jobcast_core::{ErrorCode, JobId};
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const END: Duration = Duration::from_secs(60);

/// How the server took a hostile frame.
#[derive(Debug)]
enum Outcome {
    /// It closed the connection.
    Disconnected,
    /// It answered the frame's own ack id with this.
    Answered(Value),
    /// It ignored the frame and still answers requests.
    StillServing,
}

/// Sends `frame` on a fresh authenticated connection and finds out what
/// the server made of it. `ack` is the id the frame asks an answer for.
async fn provoke(
    server: &TestServer,
    token: &str,
    job: JobId,
    frame: Frame,
    ack: Option<u64>,
) -> Outcome {
    let mut socket = server.socket(token).await;
    socket.set_ack_timeout(Duration::from_secs(3));
    match frame {
        Frame::Text(text) => {
            if socket.send_raw(&text).await.is_err() {
                return Outcome::Disconnected;
            }
        }
        Frame::Binary(bytes) => {
            if socket.send_raw_binary(bytes).await.is_err() {
                return Outcome::Disconnected;
            }
        }
    }
    if let Some(id) = ack {
        match socket.wait_ack(id).await {
            Ok(value) => return Outcome::Answered(value),
            Err(SocketError::Closed) => return Outcome::Disconnected,
            Err(e) => panic!("no answer and no disconnect: {e}"),
        }
    }
    if socket.wait_closed(Duration::from_millis(300)).await {
        return Outcome::Disconnected;
    }
    match socket
        .emit_with_ack("leave_job", json!({"job_id": job.to_string()}))
        .await
    {
        Ok(value) => {
            assert_eq!(value, json!({"ok": true}), "a later request is answered");
            Outcome::StillServing
        }
        Err(SocketError::Closed) => Outcome::Disconnected,
        Err(e) => panic!("neither served nor disconnected: {e}"),
    }
}

enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

fn text(s: &str) -> Frame {
    Frame::Text(s.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn garbage_frames_get_an_error_or_a_disconnect_and_others_keep_their_events() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 600, "step_ms": 5}))
        .await;
    let id = job.job_id;
    let watchers: Vec<_> = (0..3).map(|_| watch(&server, &alice, id, END)).collect();
    let huge = format!(
        r#"42900["join_job",{{"job_id":"{}"}}]"#,
        "A".repeat(100_000)
    );
    let job_text = id.to_string();
    let cases: Vec<(&str, Frame, Option<u64>)> = vec![
        (
            "binary junk",
            Frame::Binary((0..=255u8).cycle().take(4096).collect()),
            None,
        ),
        (
            "binary attachment with no packet",
            Frame::Binary(vec![0x04, 0x01, 0x02]),
            None,
        ),
        ("42garbage", text("42garbage"), None),
        ("4", text("4"), None),
        ("99", text("99"), None),
        ("empty frame", text(""), None),
        ("not Engine.IO", text("hello"), None),
        ("truncated JSON", text(r#"42["join_job""#), None),
        ("unknown namespace", text(r#"40/nope,{}"#), None),
        (
            "event to an unknown namespace",
            text(r#"2/nope,["join_job",{}]"#),
            None,
        ),
        ("stray ack", text(r#"43999[{"ok":true}]"#), None),
        (
            "binary event header",
            text(r#"451-["join_job",{"_placeholder":true,"num":0}]"#),
            None,
        ),
        ("client-side open", text(r#"0{"sid":"x"}"#), None),
        ("upgrade", text("5"), None),
        ("noop", text("6"), None),
        ("empty event", text("42901[]"), Some(901)),
        (
            "payload not an object",
            text(r#"42902["join_job","nope"]"#),
            Some(902),
        ),
        (
            "job_id not a string",
            text(r#"42903["join_job",{"job_id":7}]"#),
            Some(903),
        ),
        (
            "unknown field",
            Frame::Text(format!(
                r#"42904["join_job",{{"job_id":"{job_text}","extra":true}}]"#
            )),
            Some(904),
        ),
        (
            "unknown event",
            text(r#"42905["drop_tables",{}]"#),
            Some(905),
        ),
        ("event name not a string", text(r#"42906[1,{}]"#), Some(906)),
        (
            "after_seq negative",
            Frame::Text(format!(
                r#"42907["join_job",{{"job_id":"{job_text}","after_seq":-1}}]"#
            )),
            Some(907),
        ),
        ("huge packet over max_payload", Frame::Text(huge), Some(900)),
        ("Socket.IO disconnect", text("41"), None),
        ("Engine.IO close", text("1"), None),
    ];
    // Over the payload limit, a close asked for, or an event packet with no
    // event name (socketioxide's parser refuses the packet: there is no
    // event to answer, and the connection ends).
    const CLOSING: [&str; 5] = [
        "huge packet over max_payload",
        "Socket.IO disconnect",
        "Engine.IO close",
        "empty event",
        "event name not a string",
    ];
    let mut report = Vec::new();
    for (name, frame, ack) in cases {
        let outcome = tokio::time::timeout(
            Duration::from_secs(15),
            provoke(&server, &alice, id, frame, ack),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}: no outcome within 15 s"));
        match (&outcome, ack) {
            _ if CLOSING.contains(&name) => assert!(
                matches!(outcome, Outcome::Disconnected),
                "{name}: expected a disconnect, got {outcome:?}"
            ),
            // A request with an ack id gets its error, never silence.
            (Outcome::Answered(value), Some(_)) => {
                assert_eq!(value["ok"], json!(false), "{name}: {value}");
                assert_eq!(
                    value["error"]["code"],
                    json!("bad_request"),
                    "{name}: {value}"
                );
            }
            (other, Some(_)) => panic!("{name}: expected an error ack, got {other:?}"),
            // Without an ack id: ignored or disconnected, both fine.
            (Outcome::Answered(value), None) => panic!("{name}: answered {value} with no ack id"),
            (Outcome::Disconnected | Outcome::StillServing, None) => {}
        }
        report.push(format!("{name}: {outcome:?}"));
    }
    eprintln!("{}", report.join("\n"));

    // Before the namespace connect nothing is served, whatever is asked.
    let mut raw = SocketClient::connect_raw(&server.base, ConnectOptions::default())
        .await
        .expect("websocket opens");
    raw.send_raw(&format!(
        r#"42950["join_job",{{"job_id":"{job_text}","after_seq":0}}]"#
    ))
    .await
    .ok();
    let mut leaked = Vec::new();
    while let Some(incoming) = raw.next_incoming(Duration::from_millis(500)).await {
        leaked.push(incoming);
    }
    assert!(
        leaked
            .iter()
            .all(|i| !matches!(i, jobcast_client::Incoming::Event(..))
                && !matches!(i, jobcast_client::Incoming::Ack(_, v) if v["ok"] == json!(true))),
        "served before connecting: {leaked:?}"
    );

    let mut streams = Vec::new();
    for watcher in watchers {
        streams.push(watcher.await.expect("watcher").0);
    }
    let stored = server.all_events(&alice, id).await;
    for stream in &streams {
        assert_run("watcher beside the garbage", stream, 1);
        assert_same("watcher beside the garbage", stream, &stored);
    }
    // And the server still takes new clients.
    let mut fresh = server.socket(&alice).await;
    let mut joined = fresh.join_job(id, Some(0)).await.expect("join").events;
    // A replay longer than one acknowledgement goes on as job_updates.
    if joined.last().is_none_or(|e| !e.status.is_terminal()) {
        joined.extend(read_to_end(&mut fresh, id, END).await);
    }
    assert_same("a client after the garbage", &joined, &stored);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_joins_beyond_the_burst_is_rate_limited() {
    const FLOOD: usize = 120;
    let server = TestServer::start_with(|c| {
        c.realtime.rate_per_sec = 20;
        c.realtime.rate_burst = 40;
    })
    .await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
        .await;
    let mut socket = server.socket(&alice).await;
    let started = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..FLOOD {
        ids.push(
            socket
                .request("join_job", json!({"job_id": job.job_id.to_string()}))
                .await
                .expect("send"),
        );
    }
    let (mut ok, mut limited) = (0usize, 0usize);
    for id in ids {
        let ack = socket.wait_ack(id).await.expect("every join is answered");
        match (&ack["ok"], ack["error"]["code"].as_str()) {
            (Value::Bool(true), _) => ok += 1,
            (Value::Bool(false), Some("rate_limited")) => limited += 1,
            _ => panic!("unexpected answer: {ack}"),
        }
    }
    let refill = (started.elapsed().as_secs_f64() * 20.0).ceil() as usize;
    eprintln!(
        "{ok} joins served, {limited} rate limited in {:?}",
        started.elapsed()
    );
    assert!(ok >= 40, "the burst is served: {ok}");
    assert!(
        ok <= 40 + refill + 1,
        "served {ok} > burst + refill {refill}"
    );
    assert_eq!(ok + limited, FLOOD);
    assert!(limited > 0);

    // Another connection has its own budget, and this one recovers.
    let mut other = server.socket(&alice).await;
    other
        .join_job(job.job_id, None)
        .await
        .expect("fresh budget");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    socket.join_job(job.job_id, None).await.expect("recovered");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_more_rooms_than_allowed_is_refused() {
    let server = TestServer::start_with(|c| {
        c.realtime.max_rooms = 5;
        c.realtime.rate_burst = 100;
    })
    .await;
    let alice = server.token("alice");
    let mut jobs = Vec::new();
    for _ in 0..6 {
        jobs.push(
            server
                .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
                .await
                .job_id,
        );
    }
    let mut socket = server.socket(&alice).await;
    for job in &jobs[..5] {
        socket.join_job(*job, None).await.expect("within the limit");
    }
    // Joining one already joined again does not count twice.
    socket.join_job(jobs[0], Some(0)).await.expect("rejoin");
    let refused = socket
        .join_job(jobs[5], None)
        .await
        .expect_err("one room too many");
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden), "{refused:?}");
    socket.leave_job(jobs[0]).await.expect("leave");
    socket.join_job(jobs[5], None).await.expect("room freed");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_connections_than_allowed_per_user_are_refused() {
    let server = TestServer::start_with(|c| c.realtime.max_connections_per_user = 3).await;
    let alice = server.token("alice");
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(server.socket(&alice).await);
    }
    match SocketClient::connect(&server.base, &alice).await {
        Err(ConnectError::Refused(message)) => {
            assert_eq!(message, "rate_limited", "the 4th connection's refusal")
        }
        other => panic!("a 4th connection: {other:?}"),
    }
    // Other users are not affected.
    let _bob = server.socket(&server.token("bob")).await;
    // A closed connection frees its place.
    open.pop().expect("one").close().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match SocketClient::connect(&server.base, &alice).await {
            Ok(socket) => {
                open.push(socket);
                break;
            }
            Err(ConnectError::Refused(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the freed place is not given back: {e:?}"),
        }
    }
    // Dropped (not closed) connections free theirs too.
    open.clear();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut again = Vec::new();
    while again.len() < 3 {
        match SocketClient::connect(&server.base, &alice).await {
            Ok(socket) => again.push(socket),
            Err(ConnectError::Refused(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("dropped connections still count: {e:?}"),
        }
    }
    server.stop().await;
}

/// Opens a socket and leaves at once, at one of several moments: before the
/// server has answered the namespace connect, a few hundred microseconds
/// later, or right after the answer; by closing politely or by dropping the
/// connection. Refusals (the user is at the cap meanwhile) are fine.
async fn connect_and_leave(base: String, token: String, variant: usize) {
    let options = ConnectOptions::token(&token);
    let connect = format!("40{}", json!({ "token": token }));
    let Ok(mut socket) = SocketClient::connect_raw(&base, options).await else {
        return;
    };
    let _ = socket.send_raw(&connect).await;
    match variant % 4 {
        0 => {}
        1 => tokio::time::sleep(Duration::from_micros(100 * (variant as u64 % 7))).await,
        2 => {
            let _ = socket.next_incoming(Duration::from_secs(2)).await;
        }
        _ => {
            let _ = socket.next_incoming(Duration::from_secs(2)).await;
            socket.close().await;
            return;
        }
    }
    if variant.is_multiple_of(2) {
        socket.close().await;
    } else {
        drop(socket);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_right_after_connecting_give_their_place_back() {
    const CAP: usize = 50;
    const CHURN: usize = 300;
    let server = TestServer::start_with(|c| c.realtime.max_connections_per_user = CAP).await;
    let alice = server.token("alice");
    for round in 0..CHURN / 10 {
        let batch: Vec<JoinHandle<()>> = (0..10)
            .map(|i| {
                tokio::spawn(connect_and_leave(
                    server.base.clone(),
                    alice.clone(),
                    round * 10 + i,
                ))
            })
            .collect();
        for task in batch {
            task.await.expect("client task");
        }
    }
    // Every place must come back: open CAP sockets (closing ones may take a
    // moment to be noticed).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut open = Vec::new();
    while open.len() < CAP && Instant::now() < deadline {
        match SocketClient::connect(&server.base, &alice).await {
            Ok(socket) => open.push(socket),
            Err(ConnectError::Refused(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("connect: {e:?}"),
        }
    }
    let leaked = CAP - open.len();
    eprintln!("{leaked} of {CAP} places never given back after {CHURN} short connections");
    assert_eq!(leaked, 0, "places never given back");
    match SocketClient::connect(&server.base, &alice).await {
        Err(ConnectError::Refused(_)) => {}
        other => panic!("one over the cap: {other:?}"),
    }
    drop(open);
    server.stop().await;
}
