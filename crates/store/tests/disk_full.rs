//! A full disk is a fault that lasts while it lasts, not for good (issue 11:
//! after one "database or disk is full" every later SQLite write failed with
//! "attempted to call begin_with at non-zero transaction depth", even once
//! space was freed, and the ping kept answering).
//!
//! The disk is filled by lowering this process's file-size limit
//! (`RLIMIT_FSIZE`, with `SIGXFSZ` handled so that a write past it fails with
//! an error as on a full disk) and freed by raising it again. This file holds
//! one test: the limit is per process.

use std::time::Duration;

use jobcast_core::{
    EventDraft, EventType, JobId, JobInput, MediaType, NewJob, Store, StoreError, Timestamp,
};
use jobcast_store::SqliteStore;
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
use tokio::signal::unix::{signal, SignalKind};

const SIGXFSZ: i32 = 25;

fn job(owner: &str, bytes: usize) -> NewJob {
    NewJob {
        id: JobId::new(),
        kind: "k".into(),
        owner: owner.into(),
        options: serde_json::json!({}),
        max_attempts: 3,
        input: JobInput {
            filename: Some("big.txt".into()),
            media_type: MediaType::Text,
            bytes: vec![b'x'; bytes],
        },
    }
}

fn limit_file_size(bytes: Option<u64>) {
    let hard = getrlimit(Resource::Fsize).maximum;
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: bytes,
            maximum: hard,
        },
    )
    .expect("setrlimit");
}

fn is_unavailable(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_unavailable_and_heals_when_space_returns() {
    let _handled = signal(SignalKind::from_raw(SIGXFSZ)).expect("handle SIGXFSZ");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("jobcast.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let running = store
        .create_jobs("alice", None, vec![job("alice", 10)])
        .await
        .expect("create")
        .jobs[0]
        .job_id;
    store
        .claim(&["k".into()], "w", Timestamp::now().plus_millis(60_000))
        .await
        .expect("claim")
        .expect("claimed");

    // Fill the disk: no file may grow past what is there now plus a little.
    let used = [path.clone(), path.with_extension("db-wal")]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0);
    limit_file_size(Some(used + 64 * 1024));
    let mut first_error = None;
    for _ in 0..50 {
        if let Err(e) = store
            .create_jobs("alice", None, vec![job("alice", 256 * 1024)])
            .await
        {
            first_error = Some(e);
            break;
        }
    }
    let first_error = first_error.expect("a write failed once the disk was full");
    assert!(
        is_unavailable(&first_error),
        "a full disk is a fault that can pass: {first_error:?}"
    );

    // While it lasts: every write says so, and the ping too.
    for _ in 0..3 {
        let e = store
            .create_jobs("alice", None, vec![job("alice", 256 * 1024)])
            .await
            .expect_err("still full");
        assert!(is_unavailable(&e), "{e:?}");
    }
    let ping = store
        .ping()
        .await
        .expect_err("the ping fails while the disk is full");
    assert!(is_unavailable(&ping), "{ping:?}");

    // Space returns: the same store writes again, with no restart, and the
    // running job's events go on where they were.
    limit_file_size(None);
    store.ping().await.expect("the ping heals");
    store
        .create_jobs("alice", None, vec![job("alice", 256 * 1024)])
        .await
        .expect("writes heal");
    let (snapshot, event) = store
        .append(running, EventDraft::new(EventType::Progress).progress(10.0))
        .await
        .expect("append heals");
    assert_eq!((snapshot.status.as_str(), event.seq), ("running", 3));
    tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .expect("close");
}
