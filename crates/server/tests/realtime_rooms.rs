//! Who may connect, which rooms deliver what, and the job actions over
//! Socket.IO (SPEC section 4), through the shipped `jobcast-client`.

mod common;

use std::time::Duration;

use common::live::{assert_run, assert_same, read_to_end};
use common::TestServer;
use jobcast_client::{ConnectError, ConnectOptions, JOB_UPDATE};
use jobcast_core::{ErrorCode, Event, EventType, JobId, Status};
use serde_json::{json, Value};

const END: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_without_a_valid_token_are_refused_as_unauthorized() {
    let server = TestServer::start().await;
    let refusals: Vec<(&str, Option<Value>)> = vec![
        ("no auth", None),
        ("empty auth", Some(json!({}))),
        ("token not a string", Some(json!({"token": 42}))),
        ("auth not an object", Some(json!("token"))),
        ("garbage token", Some(json!({"token": "abc.def.ghi"}))),
        (
            "another key",
            Some(json!({"token": server.forged_token("alice")})),
        ),
        (
            "expired",
            Some(json!({"token": server.expired_token("alice")})),
        ),
    ];
    for (name, auth) in refusals {
        let options = ConnectOptions {
            auth,
            ..ConnectOptions::default()
        };
        let refused = server.socket_with(options).await;
        match refused {
            Err(ConnectError::Refused(message)) => assert_eq!(message, "unauthorized", "{name}"),
            Err(other) => panic!("{name}: refused the wrong way: {other:?}"),
            Ok(_) => panic!("{name}: connected"),
        }
    }
    let mut socket = server.socket(&server.token("alice")).await;
    assert!(socket.join_user().await.expect("join_user").is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_in_the_job_room_and_the_user_room_gets_each_event_once() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let mut socket = server.socket(&alice).await;

    // Job room first, then the user room.
    let job = server
        .create_demo(&alice, json!({"steps": 40, "step_ms": 20}))
        .await;
    let joined = socket.join_job(job.job_id, Some(0)).await.expect("join");
    let unfinished = socket.join_user().await.expect("join_user");
    let mut stream = joined.events.clone();
    assert_run("replay", &stream, 1);
    if !stream.last().is_some_and(|e| e.status.is_terminal()) {
        stream.extend(read_to_end(&mut socket, job.job_id, END).await);
    }
    for listed in &unfinished {
        assert_eq!(listed.owner, "alice");
        assert!(
            !listed.status.is_terminal(),
            "join_user lists unfinished jobs"
        );
    }
    assert_run("job room + user room", &stream, 1);
    assert_same(
        "both rooms",
        &stream,
        &server.all_events(&alice, job.job_id).await,
    );

    // A job created after join_user arrives through the user room alone.
    let second = server
        .create_demo(&alice, json!({"steps": 20, "step_ms": 10}))
        .await;
    let through_user_room = read_to_end(&mut socket, second.job_id, END).await;
    assert_run("user room", &through_user_room, 1);
    assert_same(
        "user room",
        &through_user_room,
        &server.all_events(&alice, second.job_id).await,
    );

    // Joining a job the user room already feeds: updates that arrive while
    // the join is in flight continue the user-room stream, the replay is
    // exactly what follows `after_seq`, and live updates follow the replay.
    let third = server
        .create_demo(&alice, json!({"steps": 60, "step_ms": 15}))
        .await;
    let mut early = Vec::new();
    while early.len() < 5 {
        let event = socket
            .next_update(END)
            .await
            .expect("update")
            .expect("an update in time");
        if event.job_id == third.job_id {
            early.push(event);
        }
    }
    let after = early.last().expect("early").seq;
    let rejoined = socket
        .join_job(third.job_id, Some(after))
        .await
        .expect("join");
    for (name, value) in socket.drain_queued() {
        assert_eq!(name, JOB_UPDATE);
        let event: Event = serde_json::from_value(value).expect("event");
        if event.job_id == third.job_id {
            early.push(event);
        }
    }
    assert_run("user room before the join ack", &early, 1);
    assert_run(
        "replay after a user-room start",
        &rejoined.events,
        after + 1,
    );
    let mut rest = Vec::new();
    if !rejoined
        .events
        .last()
        .is_some_and(|e| e.status.is_terminal())
    {
        rest = read_to_end(&mut socket, third.job_id, END).await;
    }
    assert_run("live after the replay", &rest, rejoined.last_seq() + 1);
    let last = rest.last().or(rejoined.events.last()).or(early.last());
    assert_eq!(
        last.expect("events").seq,
        server.job(&alice, &third.job_id.to_string()).await.last_seq
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_job_stops_the_updates() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 500, "step_ms": 10}))
        .await;
    let mut socket = server.socket(&alice).await;
    let joined = socket.join_job(job.job_id, None).await.expect("join");
    assert!(joined.events.is_empty(), "no replay without after_seq");
    for next in joined.job.last_seq + 1..=joined.job.last_seq + 3 {
        let event = socket
            .next_update(END)
            .await
            .expect("update")
            .expect("an update in time");
        assert_eq!(
            event.seq, next,
            "live updates follow the snapshot's last_seq"
        );
    }
    socket.leave_job(job.job_id).await.expect("leave");
    // What was sent before the leave's ack may still be in the queue.
    socket.drain_queued();
    let after_leave = socket.next_update(Duration::from_millis(800)).await;
    assert!(
        matches!(after_leave, Ok(None)),
        "an update after leave_job: {after_leave:?}"
    );
    let still = server.job(&alice, &job.job_id.to_string()).await;
    assert_eq!(still.status, Status::Running, "the job went on meanwhile");
    // Leaving a job that is not joined is harmless.
    socket.leave_job(job.job_id).await.expect("leave again");
    socket
        .leave_job(JobId::new())
        .await
        .expect("leave a job never joined");
    socket.cancel_job(job.job_id).await.expect("cancel");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_job_is_not_found_and_sends_nothing() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 100, "step_ms": 10, "ask": true}))
        .await;
    let mut bob = server.socket(&server.token("bob")).await;

    let refused = bob
        .join_job(job.job_id, Some(0))
        .await
        .expect_err("bob may not join");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");
    assert!(!refused.to_string().contains("alice"), "{refused}");
    let refused = bob.cancel_job(job.job_id).await.expect_err("nor cancel");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");
    let refused = bob
        .answer(job.job_id, "continue-1", json!(true))
        .await
        .expect_err("nor answer");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");
    let refused = bob
        .join_job(JobId::new(), None)
        .await
        .expect_err("no such job");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");
    // Bob's user room holds only bob's jobs.
    assert!(bob.join_user().await.expect("join_user").is_empty());
    let leaked = bob.next_update(Duration::from_millis(500)).await;
    assert!(matches!(leaked, Ok(None)), "bob got {leaked:?}");

    // A malformed id is a bad request, not a lookup.
    for payload in [
        json!({"job_id": "not-a-job"}),
        json!({"job_id": 42}),
        json!({}),
        json!("just a string"),
        json!({"job_id": job.job_id.to_string(), "surprise": 1}),
    ] {
        let ack = bob
            .emit_with_ack("join_job", payload.clone())
            .await
            .expect("ack");
        assert_eq!(ack["ok"], json!(false), "{payload}: {ack}");
        assert_eq!(
            ack["error"]["code"],
            json!("bad_request"),
            "{payload}: {ack}"
        );
    }
    // Alice's job was not touched.
    let untouched = server.job(&alice, &job.job_id.to_string()).await;
    assert!(!untouched.status.is_terminal());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_can_join_and_cancel_any_job() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 500, "step_ms": 10}))
        .await;
    server
        .wait_status(&alice, &job.job_id.to_string(), Status::Running)
        .await;
    let mut admin = server.socket(&server.admin_token()).await;
    let joined = admin.join_job(job.job_id, Some(0)).await.expect("join");
    assert_eq!(joined.job.owner, "alice");
    assert_run("admin replay", &joined.events, 1);
    let cancelled = admin.cancel_job(job.job_id).await.expect("cancel");
    assert_eq!(cancelled.status, Status::Cancelled);
    let rest = read_to_end(&mut admin, job.job_id, END).await;
    assert_run("admin live", &rest, joined.last_seq() + 1);
    assert_eq!(rest.last().expect("events").kind, EventType::Cancelled);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_job_cancels_a_running_job_and_refuses_a_finished_one() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let mut socket = server.socket(&alice).await;

    let running = server
        .create_demo(&alice, json!({"steps": 1000, "step_ms": 20}))
        .await;
    let id = running.job_id;
    server
        .wait_status(&alice, &id.to_string(), Status::Running)
        .await;
    let joined = socket.join_job(id, Some(0)).await.expect("join");
    let cancelled = socket.cancel_job(id).await.expect("cancel");
    assert_eq!(cancelled.status, Status::Cancelled);
    let mut stream = joined.events;
    stream.extend(read_to_end(&mut socket, id, END).await);
    assert_run("cancelled job", &stream, 1);
    assert_eq!(stream.last().expect("events").kind, EventType::Cancelled);

    let refused = socket.cancel_job(id).await.expect_err("already cancelled");
    assert_eq!(refused.code(), Some(ErrorCode::Conflict), "{refused:?}");

    let quick = server
        .create_demo(&alice, json!({"steps": 1, "step_ms": 0}))
        .await;
    server
        .wait_status(&alice, &quick.job_id.to_string(), Status::Completed)
        .await;
    let refused = socket
        .cancel_job(quick.job_id)
        .await
        .expect_err("completed");
    assert_eq!(refused.code(), Some(ErrorCode::Conflict), "{refused:?}");
    let still = server.job(&alice, &quick.job_id.to_string()).await;
    assert_eq!(still.status, Status::Completed);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_resumes_a_job_waiting_for_input() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 4, "step_ms": 10, "ask": true}))
        .await;
    let id = job.job_id;
    let mut socket = server.socket(&alice).await;
    let joined = socket.join_job(id, Some(0)).await.expect("join");
    let mut stream = joined.events;
    let deadline = tokio::time::Instant::now() + END;
    while !stream.iter().any(|e| e.kind == EventType::Clarification) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = socket
            .next_update(left)
            .await
            .expect("update")
            .expect("a clarification in time");
        stream.push(event);
    }
    let question = stream.last().expect("clarification").clone();
    assert_eq!(question.status, Status::WaitingInput);
    let cid = question.data.as_ref().expect("data")["clarification_id"]
        .as_str()
        .expect("clarification_id")
        .to_owned();

    let refused = socket
        .answer(id, "no-such-question", json!(true))
        .await
        .expect_err("wrong clarification");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");
    socket.answer(id, &cid, json!(true)).await.expect("answer");
    stream.extend(read_to_end(&mut socket, id, END).await);
    assert_run("asked and answered", &stream, 1);
    assert!(stream.iter().any(|e| e.kind == EventType::Answered));
    let done = stream.last().expect("events");
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.as_ref().expect("result")["answer"], json!(true));

    let refused = socket
        .answer(id, &cid, json!(false))
        .await
        .expect_err("not waiting any more");
    assert_eq!(refused.code(), Some(ErrorCode::Conflict), "{refused:?}");
    server.stop().await;
}

/// What the REST API does to a job shows up on its socket, in order: the
/// shipped `RestClient` acts, the shipped `SocketClient` watches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_actions_show_up_on_the_socket() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let rest = server.rest(&alice);
    let mut socket = server.socket(&alice).await;

    let created = rest
        .create_files(
            "demo.steps",
            vec![
                ("a.txt".into(), b"one\ntwo".to_vec()),
                ("b.txt".into(), b"three".to_vec()),
            ],
            json!({"steps": 2, "step_ms": 0}),
        )
        .await
        .expect("create files");
    assert_eq!(created.len(), 2);
    assert_eq!(
        rest.input(created[1].job_id).await.expect("input"),
        b"three".to_vec()
    );

    // Cancel, then retry, over REST while the socket watches.
    let job = rest
        .create_text("demo.steps", "x", json!({"steps": 1000, "step_ms": 20}))
        .await
        .expect("create text")
        .remove(0);
    let id = job.job_id;
    let joined = socket.join_job(id, Some(0)).await.expect("join");
    let mut stream = joined.events;
    server
        .wait_status(&alice, &id.to_string(), Status::Running)
        .await;
    rest.cancel(id).await.expect("cancel");
    stream.extend(read_to_end(&mut socket, id, END).await);
    assert_eq!(stream.last().expect("events").kind, EventType::Cancelled);
    let again = rest.cancel(id).await.expect_err("cancelled already");
    assert_eq!(again.code(), Some(ErrorCode::Conflict), "{again:?}");
    let retried = rest.retry(id).await.expect("retry");
    assert_eq!(retried.attempt, 2);
    let deadline = tokio::time::Instant::now() + END;
    while stream.last().expect("events").kind != EventType::Started {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = socket
            .next_update(left)
            .await
            .expect("update")
            .expect("the retry shows up");
        stream.push(event);
    }
    assert_run("cancelled and retried", &stream, 1);
    assert!(stream.iter().any(|e| e.kind == EventType::Retrying));
    socket.cancel_job(id).await.expect("cancel the retry");

    // Answer over REST.
    let asking = rest
        .create_text(
            "demo.steps",
            "x",
            json!({"steps": 2, "step_ms": 0, "ask": true}),
        )
        .await
        .expect("create")
        .remove(0);
    let waiting = server
        .wait_status(&alice, &asking.job_id.to_string(), Status::WaitingInput)
        .await;
    let joined = socket.join_job(asking.job_id, None).await.expect("join");
    assert_eq!(joined.job.last_seq, waiting.last_seq);
    rest.answer(asking.job_id, "continue-1", json!(true))
        .await
        .expect("answer");
    let rest_of_it = read_to_end(&mut socket, asking.job_id, END).await;
    assert_run("after the answer", &rest_of_it, waiting.last_seq + 1);
    assert_eq!(rest_of_it[0].kind, EventType::Answered);

    let listed = rest
        .list(&[Status::Cancelled], Some("demo.steps"), Some(10), None)
        .await
        .expect("list");
    assert!(listed.jobs.iter().all(|j| j.status == Status::Cancelled));
    assert!(listed.jobs.iter().any(|j| j.job_id == id));
    let missing = rest.job(JobId::new()).await.expect_err("no such job");
    assert_eq!(missing.code(), Some(ErrorCode::NotFound), "{missing:?}");
    let bob = server.rest(&server.token("bob"));
    let hidden = bob.job(id).await.expect_err("not bob's");
    assert_eq!(hidden.code(), Some(ErrorCode::NotFound), "{hidden:?}");
    server.stop().await;
}

/// SPEC section 4: "without [after_seq], no events, and live updates follow
/// the snapshot's `last_seq`" — also when the socket already watches the
/// job and joins it again. Updates sent before the new ack continue the old
/// stream; none after it is at or below the new snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn joining_again_without_after_seq_follows_the_new_snapshot() {
    const REJOINS: usize = 100;
    let server = TestServer::start_with(|c| {
        c.realtime.rate_burst = 1000;
        c.realtime.rate_per_sec = 1000;
    })
    .await;
    let alice = server.token("alice");
    let job = server
        .create_demo(&alice, json!({"steps": 3000, "step_ms": 0}))
        .await;
    let id = job.job_id;
    let mut socket = server.socket(&alice).await;
    let joined = socket.join_job(id, Some(0)).await.expect("join");
    let mut last = joined.last_seq();
    let mut rejoins = 0;
    while rejoins < REJOINS {
        // Read a little, then join again without after_seq.
        for _ in 0..3 {
            match socket
                .next_update(Duration::from_millis(200))
                .await
                .expect("update")
            {
                Some(event) => {
                    assert_eq!(event.seq, last + 1, "live before rejoin {rejoins}");
                    last = event.seq;
                }
                None => break,
            }
        }
        let again = socket.join_job(id, None).await.expect("join again");
        rejoins += 1;
        assert!(again.events.is_empty(), "no replay without after_seq");
        for (name, value) in socket.drain_queued() {
            assert_eq!(name, JOB_UPDATE);
            let event: Event = serde_json::from_value(value).expect("event");
            assert_eq!(event.seq, last + 1, "the old stream before ack {rejoins}");
            last = event.seq;
        }
        if again.job.status.is_terminal() {
            break;
        }
        let snapshot = again.job.last_seq;
        if let Some(next) = socket
            .next_update(Duration::from_secs(5))
            .await
            .expect("update")
        {
            assert_eq!(
                next.seq,
                snapshot + 1,
                "rejoin {rejoins} without after_seq: the snapshot says last_seq {snapshot}, \
                 this socket had received up to {last}, and the first live update is {}",
                next.seq
            );
            last = next.seq;
        }
    }
    eprintln!("{rejoins} rejoins without after_seq");
    server.stop().await;
}
