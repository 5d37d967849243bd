//! `join_user` with resume points (issue 11, point 9): one call brings a
//! reconnecting client up to date on every one of its jobs, the unfinished
//! ones are listed page by page with no fixed cap, and hostile requests
//! (huge maps, bogus cursors, other users' jobs) get an error or nothing.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use common::TestServer;
use jobcast_client::{AckError, SocketClient, RESUME_PER_CALL};
use jobcast_core::{ErrorCode, JobId, JobSnapshot};
use serde_json::{json, Value};
use tokio::time::Instant;

const JOBS: usize = 300;

async fn create_many(
    server: &TestServer,
    token: &str,
    n: usize,
    options: Value,
) -> Vec<JobSnapshot> {
    let mut jobs = Vec::with_capacity(n);
    for _ in 0..n {
        jobs.push(server.create_demo(token, options.clone()).await);
    }
    jobs
}

fn code(refused: Result<impl std::fmt::Debug, AckError>) -> ErrorCode {
    match refused {
        Err(e) => e.code().unwrap_or_else(|| panic!("not a refusal: {e:?}")),
        Ok(answer) => panic!("accepted: {answer:?}"),
    }
}

/// The raw `join_user` answer to `payload`.
async fn join_user_raw(socket: &mut SocketClient, payload: Value) -> Value {
    socket
        .emit_with_ack("join_user", payload)
        .await
        .expect("an answer")
}

fn error_code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_user_pages_through_every_unfinished_job() {
    // One worker on a long job: the other jobs stay queued, all unfinished.
    let server = TestServer::start_with(|c| c.workers = 1).await;
    let alice = server.token("alice");
    let created = create_many(
        &server,
        &alice,
        JOBS,
        json!({"steps": 100, "step_ms": 1000}),
    )
    .await;
    let mut socket = server.socket(&alice).await;

    let mut listed: Vec<JobId> = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let page = socket
            .join_user_page(&BTreeMap::new(), after.as_deref())
            .await
            .expect("join_user");
        pages += 1;
        assert!(page.jobs.len() <= 200, "a page holds at most 200 jobs");
        listed.extend(page.jobs.iter().map(|j| j.job_id));
        after = page.next;
        if after.is_none() || pages > 10 {
            break;
        }
    }
    let distinct: HashSet<JobId> = listed.iter().copied().collect();
    let expected: HashSet<JobId> = created.iter().map(|j| j.job_id).collect();
    assert_eq!(
        (listed.len(), distinct.len()),
        (JOBS, JOBS),
        "join_user listed {} of {JOBS} unfinished jobs ({} distinct) in {pages} pages",
        listed.len(),
        distinct.len()
    );
    assert_eq!(distinct, expected);
    assert!(
        listed.windows(2).all(|w| w[0] > w[1]),
        "newest first, across pages"
    );

    // The shipped client's helper does the paging.
    let mut other = server.socket(&alice).await;
    let all = other.resume_user(&BTreeMap::new()).await.expect("resume");
    assert_eq!(all.jobs.len(), JOBS);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_join_user_catches_a_reconnecting_client_up_on_300_jobs() {
    let server = TestServer::start_with(|c| c.workers = 4).await;
    let alice = server.token("alice");

    // The first connection watches the user room while the jobs run...
    let mut first = server.socket(&alice).await;
    first.join_user().await.expect("join_user");
    let created = create_many(&server, &alice, JOBS, json!({"steps": 3, "step_ms": 5})).await;
    let mut views: HashMap<JobId, Vec<u64>> =
        created.iter().map(|j| (j.job_id, Vec::new())).collect();
    let mut terminal: HashSet<JobId> = HashSet::new();
    let mut read = 0;
    while read < 2 * JOBS {
        let event = first
            .next_update(Duration::from_secs(30))
            .await
            .expect("update")
            .expect("an update in time");
        views.entry(event.job_id).or_default().push(event.seq);
        if event.status.is_terminal() {
            terminal.insert(event.job_id);
        }
        read += 1;
    }
    // ... and is cut off mid-stream (what it had not read is lost with it).
    drop(first);
    for (id, seqs) in &views {
        let prefix: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, &prefix, "first connection, job {id}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The reconnect: one call with the last seq seen of each job.
    let mut second = server.socket(&alice).await;
    let resume: BTreeMap<JobId, u64> = views
        .iter()
        .map(|(id, seqs)| (*id, seqs.last().copied().unwrap_or(0)))
        .collect();
    assert!(resume.len() <= RESUME_PER_CALL);
    let page = second
        .join_user_page(&resume, None)
        .await
        .expect("join_user");
    assert!(page.unknown.is_empty(), "{:?}", page.unknown);

    let deadline = Instant::now() + Duration::from_secs(60);
    while terminal.len() < JOBS {
        let left = deadline.saturating_duration_since(Instant::now());
        match second.next_update(left).await.expect("update") {
            Some(event) => {
                views.entry(event.job_id).or_default().push(event.seq);
                if event.status.is_terminal() {
                    terminal.insert(event.job_id);
                }
            }
            None => break,
        }
    }
    // A moment more: nothing may follow a terminal event (no duplicate).
    while let Some(event) = second
        .next_update(Duration::from_millis(300))
        .await
        .expect("update")
    {
        views.entry(event.job_id).or_default().push(event.seq);
    }
    let mut whole = 0;
    let mut broken = Vec::new();
    for job in &created {
        let stored = server.job(&alice, &job.job_id.to_string()).await;
        let expected: Vec<u64> = (1..=stored.last_seq).collect();
        let seen = &views[&job.job_id];
        if seen == &expected && stored.status.is_terminal() {
            whole += 1;
        } else if broken.len() < 3 {
            broken.push(format!(
                "{}: saw {seen:?}, stored 1..{}",
                job.job_id, stored.last_seq
            ));
        }
    }
    assert_eq!(
        whole, JOBS,
        "{whole} of {JOBS} jobs seen 1..last exactly once after one join_user; e.g. {broken:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_user_refuses_hostile_resume_points_and_leaks_nothing() {
    let server = TestServer::start_with(|c| {
        c.realtime.rate_per_sec = 1;
        c.realtime.rate_burst = 12;
    })
    .await;
    let alice = server.token("alice");
    let bob = server.token("bob");
    let mut socket = server.socket(&alice).await;

    // Malformed requests: each a bad_request, and nothing joined.
    let id = JobId::new().to_string();
    let too_many: serde_json::Map<String, Value> = (0..=RESUME_PER_CALL)
        .map(|_| (JobId::new().to_string(), json!(0)))
        .collect();
    let refused = [
        ("too many resume points", json!({"jobs": too_many})),
        ("not a job id", json!({"jobs": {"../etc/passwd": 1}})),
        ("a negative seq", json!({"jobs": {id.clone(): -1}})),
        ("a seq as text", json!({"jobs": {id.clone(): "5"}})),
        ("a seq past u64", json!({"jobs": {id.clone(): 1e30}})),
        ("jobs not a map", json!({"jobs": [id.clone()]})),
        ("a bogus cursor", json!({"after": "'; DROP TABLE jobs; --"})),
        ("a cursor not text", json!({"after": 5})),
        ("an unknown field", json!({"since": 0})),
        ("not an object", json!("jobs")),
    ];
    for (name, payload) in refused {
        let answer = join_user_raw(&mut socket, payload).await;
        assert_eq!(error_code(&answer), "bad_request", "{name}: {answer}");
    }

    // `{}`, `null` and no payload at all still join as before.
    for payload in [json!({}), Value::Null] {
        let answer = join_user_raw(&mut socket, payload).await;
        assert_eq!(answer["ok"], json!(true), "{answer}");
    }

    // Bob's jobs named in Alice's resume points: reported unknown, exactly
    // like ids that exist nowhere, and none of their events reach her.
    let bobs = create_many(&server, &bob, 2, json!({"steps": 10, "step_ms": 10})).await;
    let mut resume: BTreeMap<JobId, u64> = bobs.iter().map(|j| (j.job_id, 0)).collect();
    let nowhere = JobId::new();
    resume.insert(nowhere, 0);
    let page = socket
        .join_user_page(&resume, None)
        .await
        .expect("join_user");
    let unknown: HashSet<String> = page.unknown.into_iter().collect();
    let expected: HashSet<String> = resume.keys().map(ToString::to_string).collect();
    assert_eq!(unknown, expected);
    assert!(page.jobs.iter().all(|j| j.owner == "alice"));
    for job in &bobs {
        server
            .wait_status(
                &bob,
                &job.job_id.to_string(),
                jobcast_core::Status::Completed,
            )
            .await;
    }
    let mut leaked = 0;
    while let Some(event) = socket
        .next_update(Duration::from_millis(300))
        .await
        .expect("update")
    {
        if bobs.iter().any(|j| j.job_id == event.job_id) {
            leaked += 1;
        }
    }
    assert_eq!(leaked, 0, "events of bob's jobs on alice's socket");
    // A cursor that is bob's job id lists only alice's jobs (none).
    let page = socket
        .join_user_page(&BTreeMap::new(), Some(&bobs[0].job_id.to_string()))
        .await
        .expect("join_user");
    assert!(page.jobs.is_empty());

    // A full map is one request, paid for by its size: 500 points take 6
    // tokens of the 12 of the burst (refilled at 1 a second), so the
    // second full call in a row is refused.
    let mut fresh = server.socket(&alice).await;
    let full: BTreeMap<JobId, u64> = (0..RESUME_PER_CALL).map(|_| (JobId::new(), 3)).collect();
    let page = fresh.join_user_page(&full, None).await.expect("a full map");
    assert_eq!(page.unknown.len(), RESUME_PER_CALL);
    fresh.join_user_page(&full, None).await.expect("a second");
    assert_eq!(
        code(fresh.join_user_page(&full, None).await),
        ErrorCode::RateLimited
    );
    server.stop().await;
}
