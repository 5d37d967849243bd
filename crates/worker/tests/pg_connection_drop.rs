//! PostgreSQL connections terminated under a running job (a failover, a
//! restarted pooler, `pg_terminate_backend`) are a passing fault: the job
//! goes on in the same attempt, from where it was, and every event is
//! stored once. Before, the first write to meet a dead connection failed
//! the attempt and the job started again from zero.
#![cfg(feature = "postgres-tests")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{assert_well_formed, config, drain, kinds, new_job, PATIENCE};
use jobcast_core::{EventType, JobId, Journal, LocalBus, Status, Store};
use jobcast_store::PgStore;
use jobcast_worker::WorkerPool;
use serde_json::json;
use sqlx::Connection;
use tokio::time::{sleep, Instant};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn database_url() -> String {
    std::env::var("JOBCAST_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with its connections named `name`, so that only they are cut.
fn named(url: &str, name: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}application_name={name}")
}

/// Terminates every connection named `name`, again and again for `burst`
/// (so that statements in flight and fresh connections are cut too, not
/// only idle ones); returns how many were cut.
async fn terminate(admin: &mut sqlx::PgConnection, name: &str, burst: Duration) -> i64 {
    let until = Instant::now() + burst;
    let mut cut = 0;
    while Instant::now() < until {
        cut += sqlx::query_scalar::<_, i64>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1",
        )
        .bind(name)
        .fetch_one(&mut *admin)
        .await
        .expect("terminate the store's connections");
    }
    cut
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connections_do_not_restart_a_running_job() {
    let url = database_url();
    let name = format!("jobcast_drop_{}", JobId::new().to_string().to_lowercase());
    let schema = name.clone();
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("this test needs PostgreSQL at {url}: {e}"));
    let store = Arc::new(
        PgStore::connect_in_schema(&named(&url, &name), &schema)
            .await
            .expect("the store connects"),
    );
    let journal = Journal::new(store.clone(), Arc::new(LocalBus::default()));
    let pool = WorkerPool::start(
        journal.clone(),
        jobcast_processors::builtin(&Default::default()),
        config(1),
    )
    .await
    .expect("the pool starts");
    let steps = 60;
    let created = journal
        .create_jobs(
            "alice",
            None,
            vec![new_job(
                "demo.steps",
                json!({"steps": steps, "step_ms": 40}),
                1,
                b"text",
            )],
        )
        .await
        .expect("job created");
    let id = created.jobs[0].job_id;

    // Cut every connection of the store four times while the job runs.
    let mut cuts = 0;
    let deadline = Instant::now() + PATIENCE;
    let job = loop {
        let job = store.job(id).await.ok().flatten();
        if let Some(job) = job.filter(|j| j.status.is_terminal()) {
            break job;
        }
        assert!(Instant::now() < deadline, "job {id} did not end in time");
        if cuts < 4 && job_progress(&*store, id).await > 10.0 * f64::from(cuts + 1) {
            let cut = terminate(&mut admin, &name, Duration::from_millis(300)).await;
            assert!(cut > 0, "connections cut");
            cuts += 1;
        }
        sleep(Duration::from_millis(20)).await;
    };

    let events = store.events_after(id, 0, 10_000).await.expect("events");
    assert_eq!(
        cuts,
        4,
        "the job ended before the cuts: {:?}",
        kinds(&events)
    );
    assert_eq!(
        (job.status, job.attempt),
        (Status::Completed, 1),
        "{:?}",
        kinds(&events)
    );
    assert_well_formed(&events);
    for step in 1..=steps {
        let message = format!("Step {step}/{steps}");
        let stored = events
            .iter()
            .filter(|e| e.kind == EventType::Progress && e.message == message)
            .count();
        assert_eq!(stored, 1, "{message} stored {stored} times");
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventType::Started)
            .count(),
        1,
        "started once, never again from zero"
    );

    drain(pool).await;
    store.close().await;
    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop the test schema");
}

/// The job's progress as stored, 0 while it cannot be read.
async fn job_progress(store: &dyn Store, id: JobId) -> f64 {
    match store.job(id).await {
        Ok(Some(job)) => job.progress,
        _ => 0.0,
    }
}
