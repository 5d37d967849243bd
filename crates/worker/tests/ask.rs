//! Clarifications: the job waits for its owner's answer, which may come
//! through the bus or only through the store, or not at all.

mod common;

use std::time::Duration;

use common::{assert_well_formed, config, drain, eventually, Env};
use jobcast_core::{EventDraft, EventType, JobId, Status, Store};
use jobcast_worker::PoolConfig;
use serde_json::{json, Value};

/// The `clarification_id` of the question the job is waiting on.
async fn pending_question(env: &Env, id: JobId) -> Value {
    env.wait_for_status(id, Status::WaitingInput).await;
    let events = env.events(id).await;
    let asked = events
        .iter()
        .rev()
        .find(|e| e.kind == EventType::Clarification)
        .expect("a clarification event");
    assert_eq!(asked.status, Status::WaitingInput);
    let data = asked.data.clone().expect("the clarification's data");
    assert_eq!(data["question"], json!("Continue counting?"));
    assert_eq!(data["field"], json!("continue"));
    assert_eq!(data["suggestion"], json!(true));
    data["clarification_id"].clone()
}

fn answer(clarification_id: Value, answer: Value) -> EventDraft {
    EventDraft::new(EventType::Answered)
        .data(json!({"clarification_id": clarification_id, "answer": answer}))
}

#[tokio::test]
async fn an_answered_question_resumes_the_job_with_the_answer() {
    let env = Env::new().await;
    let pool = env.start(config(1)).await;
    let id = env
        .demo_job(json!({"steps": 4, "step_ms": 5, "ask": true}), 3)
        .await;

    let question = pending_question(&env, id).await;
    env.journal
        .append(id, answer(question, json!("go on")))
        .await
        .expect("answer");

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.result.expect("a result")["answer"], json!("go on"));
    let events = env.events(id).await;
    assert_well_formed(&events);
    let asked = events
        .iter()
        .position(|e| e.kind == EventType::Clarification)
        .expect("asked");
    assert_eq!(events[asked + 1].kind, EventType::Answered);
    assert_eq!(events[asked - 1].message, "Step 2/4");
    assert_eq!(events[asked + 2].message, "Step 3/4");
    drain(pool).await;
}

#[tokio::test]
async fn an_answer_only_in_the_store_is_found_by_polling() {
    let env = Env::new().await;
    let pool = env.start(config(1)).await;
    let id = env
        .demo_job(json!({"steps": 2, "step_ms": 1, "ask": true}), 3)
        .await;

    let question = pending_question(&env, id).await;
    // Stored by another instance: this instance's bus never hears of it.
    env.store
        .append(id, answer(question, json!(false)))
        .await
        .expect("answer");

    let job = env.wait_for_status(id, Status::Completed).await;
    assert_eq!(job.result.expect("a result")["answer"], json!(false));
    assert_well_formed(&env.events(id).await);
    drain(pool).await;
}

#[tokio::test]
async fn an_unanswered_question_times_out() {
    let env = Env::new().await;
    let pool = env
        .start(PoolConfig {
            answer_timeout: Duration::from_millis(300),
            ..config(1)
        })
        .await;
    let id = env
        .demo_job(json!({"steps": 2, "step_ms": 1, "ask": true}), 3)
        .await;

    let job = env.wait_for_status(id, Status::Failed).await;
    let error = job.error.expect("failed jobs carry an error");
    assert_eq!(error.code, "clarification_timeout");
    assert_eq!(error.stage.as_deref(), Some("count"));
    assert!(!error.retryable);
    assert_eq!(job.attempt, 1);
    let events = env.events(id).await;
    assert_well_formed(&events);
    let n = events.len();
    assert_eq!(
        [events[n - 2].kind, events[n - 1].kind],
        [EventType::Clarification, EventType::Failed]
    );
    drain(pool).await;
}

#[tokio::test]
async fn cancelling_a_job_that_waits_for_an_answer_stops_it() {
    let env = Env::new().await;
    let pool = env
        .start(PoolConfig {
            lease: Duration::from_secs(30),
            ..config(1)
        })
        .await;
    let id = env
        .demo_job(json!({"steps": 2, "step_ms": 1, "ask": true}), 3)
        .await;
    pending_question(&env, id).await;
    assert_eq!(pool.running(), 1);

    env.journal
        .append(id, EventDraft::new(EventType::Cancelled))
        .await
        .expect("cancel");
    eventually(
        Duration::from_millis(800),
        "the waiting job stopping after it was cancelled",
        || async { pool.running() == 0 },
    )
    .await;
    drain(pool).await;
    let events = env.events(id).await;
    assert_eq!(events.last().map(|e| e.kind), Some(EventType::Cancelled));
}
