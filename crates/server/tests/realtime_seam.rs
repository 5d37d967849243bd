//! The seam between replay and live updates, under load (SPEC section 4,
//! "Ordering and loss"): clients that join, read, drop and rejoin at random
//! points of a job that emits as fast as the store takes must each end up
//! with every event exactly once, in order. And clients that join the
//! instant they connect, many at once, must all get their answer
//! (NOTES.md 1).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::live::{assert_run, assert_same};
use common::TestServer;
use jobcast_client::{SocketClient, JOB_UPDATE};
use jobcast_core::{Event, JobId, Status};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const CLIENTS: u64 = 20;

/// What one client has seen: `view[i]` is the event with seq `i + 1`.
struct View {
    label: String,
    view: Vec<Event>,
    sessions: usize,
    rejoins_in_place: usize,
    /// Events received again (replays of seqs already in the view).
    repeated: usize,
}

impl View {
    fn last_seq(&self) -> u64 {
        self.view.len() as u64
    }

    fn done(&self) -> bool {
        self.view.last().is_some_and(|e| e.status.is_terminal())
    }

    /// Adds an event of a checked session stream: a seq already seen must
    /// be the very same event; the next one extends the view; one past it
    /// (a join without `after_seq` after a long absence) is skipped and
    /// fetched by a later session.
    fn absorb(&mut self, event: Event) {
        let seq = event.seq;
        if seq >= 1 && seq <= self.last_seq() {
            self.repeated += 1;
            assert_eq!(
                self.view[(seq - 1) as usize],
                event,
                "{}: seq {seq} came twice with different contents",
                self.label
            );
        } else if seq == self.last_seq() + 1 {
            self.view.push(event);
        }
    }
}

/// One session's stream: every event it delivers must be `next`.
struct Session {
    next: u64,
    /// How the session began, for failure messages.
    origin: String,
}

impl Session {
    fn take(&mut self, label: &str, what: &str, event: Event, view: &mut View) {
        assert_eq!(
            event.seq, self.next,
            "{label}: {what}: expected seq {}, got {} (session {}: {})",
            self.next, event.seq, view.sessions, self.origin
        );
        self.next += 1;
        view.absorb(event);
    }
}

async fn run_client(base: String, token: String, job: JobId, seed: u64) -> View {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut view = View {
        label: format!("client seed {seed}"),
        view: Vec::new(),
        sessions: 0,
        rejoins_in_place: 0,
        repeated: 0,
    };
    let label = view.label.clone();
    'connections: while !view.done() {
        let mut socket = SocketClient::connect(&base, &token)
            .await
            .unwrap_or_else(|e| panic!("{label}: connect: {e}"));
        let mut session: Option<Session> = None;
        loop {
            view.sessions += 1;
            // Mostly from the last seq seen, sometimes from further back
            // (now and then from the start), sometimes — on a new connection
            // — without `after_seq` (live from the snapshot on; a rejoin
            // without it on the same connection has its own test in
            // realtime_rooms).
            let k = view.last_seq();
            let after = match rng.gen_range(0..40) {
                0..=23 => Some(k),
                24..=34 => Some(k.saturating_sub(rng.gen_range(0..=300))),
                35 => Some(rng.gen_range(0..=k)),
                _ if session.is_some() => Some(k),
                _ => None,
            };
            let request = socket
                .request(
                    "join_job",
                    match after {
                        Some(a) => json!({"job_id": job.to_string(), "after_seq": a}),
                        None => json!({"job_id": job.to_string()}),
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{label}: send join: {e}"));
            let ack = socket
                .wait_ack(request)
                .await
                .unwrap_or_else(|e| panic!("{label}: join ack (after {after:?}): {e}"));
            // Whatever arrived before the ack belongs to the previous
            // session on this connection and must continue it.
            for (name, value) in socket.drain_queued() {
                assert_eq!(name, JOB_UPDATE, "{label}: unexpected event");
                let event: Event = serde_json::from_value(value).expect("job_update");
                let previous = session.as_mut().unwrap_or_else(|| {
                    panic!(
                        "{label}: seq {} arrived before the first join's ack",
                        event.seq
                    )
                });
                previous.take(&label, "update before a rejoin's ack", event, &mut view);
            }
            assert_eq!(ack["ok"], json!(true), "{label}: join refused: {ack}");
            let snapshot: jobcast_core::JobSnapshot =
                serde_json::from_value(ack["job"].clone()).expect("snapshot");
            let replay: Vec<Event> = serde_json::from_value(ack["events"].clone()).expect("events");
            let mut current = Session {
                next: after.map_or(snapshot.last_seq, |a| a) + 1,
                origin: format!(
                    "join_job after_seq {after:?} {}, snapshot last_seq {}",
                    if session.is_some() {
                        "again on the same connection"
                    } else {
                        "on a new connection"
                    },
                    snapshot.last_seq
                ),
            };
            if after.is_none() {
                assert!(
                    replay.is_empty(),
                    "{label}: a join without after_seq replayed events"
                );
            }
            // A replay is paged (at most 32 KiB in the ack): it need not
            // reach the snapshot, but it starts right after `after` and the
            // rest follows as updates, checked in order like any other.
            if after.is_some_and(|a| a < snapshot.last_seq) {
                assert!(
                    !replay.is_empty(),
                    "{label}: an empty replay after {after:?}, snapshot at {}",
                    snapshot.last_seq
                );
            }
            for event in replay {
                current.take(&label, "replay", event, &mut view);
            }
            session = Some(current);
            let current = session.as_mut().expect("session");

            // Read a while.
            let reading = Duration::from_millis(rng.gen_range(5..120));
            let until = tokio::time::Instant::now() + reading;
            while !view.done() {
                let left = until.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                match socket.next_update(left).await {
                    Ok(Some(event)) => current.take(&label, "live", event, &mut view),
                    Ok(None) => break,
                    Err(e) => panic!("{label}: connection lost while reading: {e}"),
                }
            }
            if view.done() {
                break 'connections;
            }
            // Then rejoin on the same connection, or drop it and reconnect.
            match rng.gen_range(0..4) {
                0 => {
                    view.rejoins_in_place += 1;
                    continue;
                }
                1 => {
                    socket.close().await;
                    continue 'connections;
                }
                _ => {
                    drop(socket);
                    continue 'connections;
                }
            }
        }
    }
    view
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rejoining_clients_see_every_event_once_in_order_while_the_job_emits() {
    let server = TestServer::start_with(|c| {
        c.workers = 2;
        c.realtime.max_connections_per_user = 1000;
        c.realtime.rate_burst = 1000;
        c.realtime.rate_per_sec = 1000;
    })
    .await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 3000, "step_ms": 0}))
        .await;
    let id = job.job_id;
    let seed: u64 = rand::thread_rng().gen();
    eprintln!("seam test seed base {seed}");
    let started = std::time::Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            tokio::spawn(run_client(
                server.base.clone(),
                alice.clone(),
                id,
                seed.wrapping_add(i),
            ))
        })
        .collect();
    let mut views = Vec::new();
    for client in clients {
        let view = tokio::time::timeout(Duration::from_secs(180), client)
            .await
            .expect("every client finishes within 180 s")
            .expect("client task");
        views.push(view);
    }
    let done = server
        .wait_status(&alice, &id.to_string(), Status::Completed)
        .await;
    let stored = server.all_events(&alice, id).await;
    assert_eq!(stored.len() as u64, done.last_seq);
    assert_run("stored events", &stored, 1);
    let sessions: usize = views.iter().map(|v| v.sessions).sum();
    let in_place: usize = views.iter().map(|v| v.rejoins_in_place).sum();
    let repeated: usize = views.iter().map(|v| v.repeated).sum();
    eprintln!(
        "{CLIENTS} clients, {} events, {sessions} sessions ({in_place} rejoins on the same connection), \
         {repeated} events replayed again, {:?}",
        done.last_seq,
        started.elapsed()
    );
    for view in &views {
        assert_run(&view.label, &view.view, 1);
        assert_same(&view.label, &view.view, &stored);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_that_join_the_instant_they_connect_all_get_their_ack() {
    const AT_ONCE: usize = 50;
    const ROUNDS: usize = 3;
    let server = TestServer::start_with(|c| {
        c.workers = 2;
        c.realtime.max_connections_per_user = 1000;
    })
    .await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 400, "step_ms": 5}))
        .await;
    let id = job.job_id;
    for round in 0..ROUNDS {
        let barrier = Arc::new(tokio::sync::Barrier::new(AT_ONCE));
        let tasks: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                let base = server.base.clone();
                let token = alice.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let mut socket = SocketClient::connect(&base, &token)
                        .await
                        .unwrap_or_else(|e| panic!("round {round} client {i}: connect: {e}"));
                    // The join leaves the instant the connect ack is read.
                    let joined = socket
                        .join_job(id, Some(0))
                        .await
                        .unwrap_or_else(|e| panic!("round {round} client {i}: join lost: {e}"));
                    assert_run(
                        &format!("round {round} client {i} replay"),
                        &joined.events,
                        1,
                    );
                    assert!(
                        joined.last_seq() >= joined.job.last_seq,
                        "round {round} client {i}: the replay stops before the snapshot"
                    );
                    // And it is live: the next update continues the replay.
                    if !joined.job.status.is_terminal() {
                        if let Some(next) = socket
                            .next_update(Duration::from_secs(5))
                            .await
                            .expect("update")
                        {
                            assert_eq!(next.seq, joined.last_seq() + 1, "round {round} client {i}");
                        }
                    }
                    socket.close().await;
                })
            })
            .collect();
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("the round finishes within 60 s")
                .expect("client task");
        }
    }
    server.stop().await;
}
