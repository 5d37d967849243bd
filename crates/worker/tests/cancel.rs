//! Stopping a running attempt from outside: cancellation through the API,
//! and a retry decided elsewhere (the lease was taken away).

mod common;

use std::time::Duration;

use common::{assert_well_formed, config, drain, eventually, kinds, Env};
use jobcast_core::{EventDraft, EventType, Status};
use jobcast_worker::PoolConfig;
use serde_json::json;

/// Long enough that only the bus, not a lease renewal, can explain a quick stop.
fn slow_renewals(workers: usize) -> PoolConfig {
    PoolConfig {
        lease: Duration::from_secs(30),
        ..config(workers)
    }
}

#[tokio::test]
async fn cancelling_a_running_job_stops_its_processor_promptly() {
    let env = Env::new().await;
    let pool = env.start(slow_renewals(1)).await;
    // Each step takes a minute: the processor is inside a step when cancelled.
    let id = env.demo_job(json!({"steps": 5, "step_ms": 60000}), 3).await;
    env.wait_for(id, "its first stage", |j| {
        j.stage.as_deref() == Some("count")
    })
    .await;
    assert_eq!(pool.running(), 1);

    let (job, cancelled) = env
        .journal
        .append(id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");
    assert_eq!(job.status, Status::Cancelled);
    eventually(
        Duration::from_millis(800),
        "the processor stopping after its job was cancelled",
        || async { pool.running() == 0 },
    )
    .await;

    drain(pool).await;
    let events = env.events(id).await;
    assert_well_formed(&events);
    let last = events.last().expect("events");
    assert_eq!(
        (last.seq, last.kind),
        (cancelled.seq, EventType::Cancelled),
        "an event followed the cancellation: {:?}",
        kinds(&events)
    );
    assert_eq!(env.snapshot(id).await.status, Status::Cancelled);
}

#[tokio::test]
async fn an_attempt_retried_elsewhere_stops_writing_and_the_next_attempt_runs() {
    let env = Env::new().await;
    let pool = env.start(slow_renewals(2)).await;
    let id = env.demo_job(json!({"steps": 6, "step_ms": 100}), 3).await;
    env.wait_for(id, "its first stage", |j| {
        j.stage.as_deref() == Some("count")
    })
    .await;

    // What a sweeper elsewhere does when it believes the lease expired.
    let (_, retrying) = env
        .journal
        .append(
            id,
            EventDraft::new(EventType::Retrying)
                .message("lease expired elsewhere")
                .on_attempt(1),
        )
        .await
        .expect("retry");

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.attempt, 2);
    let events = env.events(id).await;
    assert_well_formed(&events);
    let next = &events[retrying.seq as usize];
    assert_eq!(
        next.kind,
        EventType::Started,
        "attempt 1 wrote after it was retried: {:?}",
        kinds(&events)
    );
    assert_eq!(
        kinds(&events)
            .iter()
            .filter(|k| **k == EventType::Started)
            .count(),
        2
    );
    drain(pool).await;
}
