//! How attempts end badly: transient failures retry with backoff, input
//! failures fail at once, panics and time limits fail the job, and the pool
//! keeps working afterwards.

mod common;

use std::time::Duration;

use async_trait::async_trait;
use common::{assert_well_formed, config, drain, kinds, Env};
use jobcast_core::{EventType, JobContext, JobError, MediaType, ProcessError, Processor, Status};
use jobcast_worker::PoolConfig;
use serde_json::{json, Value};

#[tokio::test]
async fn a_transient_failure_retries_after_a_backoff_and_then_succeeds() {
    let env = Env::new().await;
    let pool = env.start(config(1)).await;
    let id = env
        .demo_job(
            json!({"steps": 4, "step_ms": 1, "fail_at": 2, "fail": "transient", "fail_attempts": 2}),
            3,
        )
        .await;

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.attempt, 3);
    let events = env.events(id).await;
    assert_well_formed(&events);
    let retries: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventType::Retrying)
        .collect();
    assert_eq!(retries.len(), 2, "{:?}", kinds(&events));
    let error: JobError =
        serde_json::from_value(retries[0].data.clone().expect("retrying carries the error"))
            .expect("a JobError");
    assert_eq!(error.code, "demo_transient");
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert!(error.retryable);
    // Backoff: 100 ms after attempt 1, 200 ms after attempt 2. The next
    // attempt may not start earlier (it may start later: polling).
    for (retry, backoff) in retries.iter().zip([100, 200]) {
        let next_start = events
            .iter()
            .find(|e| e.seq > retry.seq && e.kind == EventType::Started)
            .expect("a next attempt started");
        let waited = next_start.timestamp.millis_since(retry.timestamp);
        assert!(
            waited >= backoff,
            "attempt started {waited} ms after retrying, before the {backoff} ms backoff"
        );
    }
    drain(pool).await;
}

#[tokio::test]
async fn transient_failures_exhaust_max_attempts_and_fail_as_retryable() {
    let env = Env::new().await;
    let pool = env.start(config(1)).await;
    let id = env
        .demo_job(
            json!({"steps": 3, "step_ms": 1, "fail_at": 1, "fail": "transient"}),
            2,
        )
        .await;

    let job = env.wait_for_status(id, Status::Failed).await;
    assert_eq!(job.attempt, 2);
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "demo_transient");
    assert!(error.retryable);
    assert_eq!(error.stage.as_deref(), Some("count"));
    let events = env.events(id).await;
    assert_well_formed(&events);
    assert_eq!(
        kinds(&events),
        [
            EventType::Queued,
            EventType::Started,
            EventType::StageStart,
            EventType::Retrying,
            EventType::Started,
            EventType::StageStart,
            EventType::Failed
        ]
    );
    drain(pool).await;
}

#[tokio::test]
async fn an_input_failure_fails_at_once() {
    let env = Env::new().await;
    let pool = env.start(config(1)).await;
    let id = env
        .demo_job(json!({"steps": 5, "step_ms": 1, "fail_at": 3}), 3)
        .await;

    let job = env.wait_for_status(id, Status::Failed).await;
    assert_eq!(job.attempt, 1);
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "demo_failure");
    assert!(error.message.contains("step 3"), "{}", error.message);
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert!(!error.retryable);
    let events = env.events(id).await;
    assert_well_formed(&events);
    assert!(!kinds(&events).contains(&EventType::Retrying));
    let failed = events.last().expect("events");
    assert_eq!(failed.kind, EventType::Failed);
    assert_eq!(
        failed.data,
        Some(serde_json::to_value(&error).expect("json"))
    );
    drain(pool).await;
}

/// A processor that panics halfway through its work.
struct Panics;

#[async_trait]
impl Processor for Panics {
    fn kind(&self) -> &'static str {
        "test.panics"
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text]
    }

    async fn run(&self, ctx: JobContext) -> Result<Value, ProcessError> {
        ctx.stage("explode", 10.0, "About to panic").await?;
        panic!("boom at stage explode");
    }
}

#[tokio::test]
async fn a_panicking_processor_fails_its_job_and_the_pool_keeps_working() {
    let env = Env::new().await;
    let processors = jobcast_processors::builtin(&Default::default()).with(Panics);
    let pool = env.start_with(processors, config(1)).await;
    let id = env.job("test.panics", json!({}), 3, b"text").await;

    let job = env.wait_for_status(id, Status::Failed).await;
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "internal");
    assert!(
        error.message.contains("boom at stage explode"),
        "{}",
        error.message
    );
    assert_eq!(error.stage.as_deref(), Some("explode"));
    assert!(!error.retryable);
    assert_eq!(job.attempt, 1, "a panic is not retried");

    // The only worker survived it.
    let next = env.demo_job(json!({"steps": 2, "step_ms": 1}), 3).await;
    env.wait_for_status(next, Status::Completed).await;
    drain(pool).await;
}

#[tokio::test]
async fn a_job_over_its_time_limit_fails_with_timeout() {
    let env = Env::new().await;
    let pool = env
        .start(PoolConfig {
            job_timeout: Some(Duration::from_millis(300)),
            ..config(1)
        })
        .await;
    let id = env.demo_job(json!({"steps": 2, "step_ms": 60000}), 3).await;

    let job = env.wait_for_status(id, Status::Failed).await;
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "timeout");
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert_eq!(job.attempt, 1);
    common::eventually(
        Duration::from_secs(5),
        "the timed-out job to leave the pool",
        || async { pool.running() == 0 },
    )
    .await;
    let events = env.events(id).await;
    assert_well_formed(&events);
    assert_eq!(events.last().map(|e| e.kind), Some(EventType::Failed));
    drain(pool).await;
}

/// Returns a result of `bytes` bytes of text.
struct Returns(usize);

#[async_trait]
impl Processor for Returns {
    fn kind(&self) -> &'static str {
        "test.returns"
    }

    fn accepts(&self) -> &'static [MediaType] {
        &[MediaType::Text]
    }

    async fn run(&self, _ctx: JobContext) -> Result<Value, ProcessError> {
        Ok(json!({ "text": "x".repeat(self.0) }))
    }
}

#[tokio::test]
async fn a_result_over_the_limit_fails_with_result_too_large_and_is_not_stored() {
    let env = Env::new().await;
    let processors = jobcast_processors::builtin(&Default::default()).with(Returns(5_000));
    let pool = env
        .start_with(
            processors,
            PoolConfig {
                max_result_bytes: Some(4_096),
                ..config(1)
            },
        )
        .await;
    let id = env.job("test.returns", json!({}), 3, b"text").await;

    let job = env.wait_for_status(id, Status::Failed).await;
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "result_too_large");
    assert!(error.message.contains("4096"), "{}", error.message);
    assert!(!error.retryable);
    assert_eq!(job.attempt, 1, "a result too large is not retried");
    assert!(job.result.is_none());
    let events = env.events(id).await;
    assert!(events.iter().all(|e| e.kind != EventType::Completed));
    drain(pool).await;
}

#[tokio::test]
async fn a_result_within_the_limit_completes() {
    let env = Env::new().await;
    let processors = jobcast_processors::builtin(&Default::default()).with(Returns(4_000));
    let pool = env
        .start_with(
            processors,
            PoolConfig {
                max_result_bytes: Some(4_096),
                ..config(1)
            },
        )
        .await;
    let id = env.job("test.returns", json!({}), 3, b"text").await;
    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(
        job.result.expect("a result")["text"].as_str().map(str::len),
        Some(4_000)
    );
    drain(pool).await;
}
