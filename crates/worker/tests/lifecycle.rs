//! Jobs that run to the end: one on its own, and many on several workers.

mod common;

use common::{assert_well_formed, config, drain, kinds, Env};
use jobcast_core::{EventType, Status};
use serde_json::json;

#[tokio::test]
async fn a_job_runs_to_completed_with_contiguous_events() {
    let env = Env::new().await;
    let pool = env.start(config(2)).await;
    let id = env.demo_job(json!({"steps": 10, "step_ms": 5}), 3).await;

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(
        job.result,
        Some(json!({"steps": 10, "bytes": 14, "lines": 3, "answer": null}))
    );
    assert_eq!((job.attempt, job.progress), (1, 100.0));

    let events = env.events(id).await;
    assert_well_formed(&events);
    let kinds = kinds(&events);
    assert_eq!(
        &kinds[..3],
        [EventType::Queued, EventType::Started, EventType::StageStart]
    );
    assert_eq!(kinds.last(), Some(&EventType::Completed));
    let progress = kinds.iter().filter(|k| **k == EventType::Progress).count();
    let partials = kinds.iter().filter(|k| **k == EventType::Partial).count();
    assert_eq!((progress, partials), (10, 2));
    assert_eq!(events.len(), 3 + 10 + 2 + 1);
    assert_eq!(events[2].stage.as_deref(), Some("count"));
    assert_eq!(events[3].message, "Step 1/10");
    assert_eq!(events[events.len() - 1].data, job.result);
    drain(pool).await;
}

#[tokio::test]
async fn many_jobs_on_several_workers_all_complete() {
    let env = Env::new().await;
    let pool = env.start(config(4)).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            env.demo_job(json!({"steps": 1 + i % 6, "step_ms": 2}), 3)
                .await,
        );
    }
    for id in &ids {
        let job = env.wait_for_status(*id, Status::Completed).await;
        assert_eq!(job.attempt, 1, "job {id} needed a retry");
        assert_well_formed(&env.events(*id).await);
    }
    assert_eq!(pool.running(), 0);
    drain(pool).await;
}
