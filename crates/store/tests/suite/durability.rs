//! SPEC 8 on SQLite: jobs and events survive a restart, clean or not, and a
//! `kill -9` of the process that wrote them (WAL + synchronous=NORMAL keeps
//! every commit that reached the OS).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use jobcast_core::{EventDraft, EventType, JobQuery, Status, Store};
use jobcast_store::SqliteStore;

use super::{create, in_secs, log, new_job, Shared};

/// Where the child process of `sqlite_survives_kill_9` writes.
pub const CHILD_DB_VAR: &str = "JOBCAST_STORE_KILL_CHILD_DB";
const READY: &str = "JOBCAST_STORE_CHILD_READY";
const JOBS: usize = 10;
const RUNNING: usize = 4;
const LOGS: u64 = 5;

pub async fn sqlite_reopen_keeps_jobs_and_events() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("jobcast.db");

    let store: Shared = Arc::new(SqliteStore::open(&path).await.expect("open"));
    let job = create(&store, "alice", "k").await;
    let (_, started) = store
        .claim(&["k".to_owned()], "w", in_secs(60))
        .await
        .expect("claim")
        .expect("claimed");
    store.append(job.job_id, log("one")).await.expect("append");
    let before = store.job(job.job_id).await.expect("job").expect("exists");
    let events = store
        .events_after(job.job_id, 0, 100)
        .await
        .expect("events");
    let input = store.input(job.job_id).await.expect("input");
    let leased = store.leased_jobs(None).await.expect("leased");
    assert_eq!(events.len(), 3);
    assert_eq!(events[1], started);
    drop(store);

    // First without a clean shutdown, then after one.
    for clean in [false, true] {
        let reopened = SqliteStore::open(&path).await.expect("reopen");
        assert_eq!(
            reopened.job(job.job_id).await.expect("job"),
            Some(before.clone())
        );
        assert_eq!(
            reopened
                .events_after(job.job_id, 0, 100)
                .await
                .expect("events"),
            events
        );
        assert_eq!(reopened.input(job.job_id).await.expect("input"), input);
        assert_eq!(reopened.leased_jobs(None).await.expect("leased"), leased);
        if clean {
            reopened.close().await;
        }
    }

    // And it keeps taking writes, numbered on from where it was.
    let reopened = SqliteStore::open(&path).await.expect("reopen");
    let (after, event) = reopened
        .append(job.job_id, EventDraft::new(EventType::Completed))
        .await
        .expect("complete");
    assert_eq!((event.seq, after.last_seq), (4, 4));
    reopened.close().await;
}

/// A database written before invoices existed (schema version 1) gains the
/// `invoices` table when a newer jobcast opens it, and keeps its jobs.
pub async fn sqlite_upgrades_a_version_1_database() {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("jobcast.db");
    let store: Shared = Arc::new(SqliteStore::open(&path).await.expect("open"));
    let job = create(&store, "alice", "invoice.extract").await;
    drop(store);

    // Take the database back to version 1, as an older release left it.
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .expect("connect");
    sqlx::raw_sql(
        "DROP TABLE invoices; DROP TABLE write_probe; DELETE FROM jobcast_migrations WHERE version > 1;",
    )
        .execute(&mut conn)
        .await
        .expect("downgrade");
    conn.close().await.expect("close");

    let reopened = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(
        reopened.job(job.job_id).await.expect("job"),
        Some(job.clone())
    );
    let id = reopened
        .save_invoice(&job, &serde_json::json!({"total": 1}))
        .await
        .expect("save after the upgrade");
    let invoice = reopened.invoice(&id).await.expect("read").expect("saved");
    assert_eq!(invoice.owner, "alice");
    reopened.close().await;

    // Opening again applies nothing twice.
    let again = SqliteStore::open(&path).await.expect("reopen again");
    assert!(again.invoice(&id).await.expect("read").is_some());
    again.close().await;
}

/// Runs this test binary again as a child that writes jobs and events, kills
/// it with SIGKILL once it reports them committed, and reopens the file.
pub async fn sqlite_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("jobcast.db");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "durability::kill_9_child",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DB_VAR, &path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("child stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(READY));
    child.kill().expect("kill -9 the child");
    let status = child.wait().expect("reap the child");
    assert!(ready, "the child never reported its writes ({status})");
    assert!(!status.success(), "the child was killed, not finished");

    let store = SqliteStore::open(&path).await.expect("reopen");
    let page = store
        .list_jobs(&JobQuery {
            limit: 100,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(page.jobs.len(), JOBS);
    let running: Vec<_> = page
        .jobs
        .iter()
        .filter(|j| j.status == Status::Running)
        .collect();
    assert_eq!(running.len(), RUNNING);
    for job in &page.jobs {
        let events = store
            .events_after(job.job_id, 0, 100)
            .await
            .expect("events");
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=job.last_seq).collect::<Vec<_>>());
        let expected = if job.status == Status::Running {
            2 + LOGS
        } else {
            1
        };
        assert_eq!(job.last_seq, expected);
        assert!(store.input(job.job_id).await.expect("input").is_some());
    }
    assert_eq!(
        store.leased_jobs(None).await.expect("leased").len(),
        RUNNING
    );
    store.close().await;
}

/// The child's side: commit some work, say so, then wait to be killed.
pub async fn write_and_wait_to_be_killed(path: &Path) {
    let store: Shared = Arc::new(SqliteStore::open(path).await.expect("open"));
    let jobs = (0..JOBS).map(|_| new_job("alice", "k")).collect();
    store
        .create_jobs("alice", None, jobs)
        .await
        .expect("create");
    for _ in 0..RUNNING {
        let (job, _) = store
            .claim(&["k".to_owned()], "w", in_secs(60))
            .await
            .expect("claim")
            .expect("claimed");
        for i in 0..LOGS {
            store
                .append(job.job_id, log(&format!("line {i}")))
                .await
                .expect("append");
        }
    }
    println!("{READY}");
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
}
