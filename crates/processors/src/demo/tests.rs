//! `demo.steps` alone, against a context that records what it reports.

use std::sync::Arc;

use jobcast_core::testing::{job_context, RecordingEvents as Recorder, TestJob};
use jobcast_core::{EventDraft, EventType, Processor};

use super::*;

fn context(options: Value, bytes: &[u8], attempt: u32, events: Arc<Recorder>) -> JobContext {
    job_context(
        TestJob::new(KIND, "a.txt", bytes)
            .options(options)
            .attempt(attempt),
        events,
    )
}

#[test]
fn options_default_and_refuse_what_they_cannot_use() {
    assert_eq!(DemoOptions::parse(&json!({})), Ok(DemoOptions::default()));
    assert_eq!(DemoOptions::parse(&Value::Null), Ok(DemoOptions::default()));
    let parsed = DemoOptions::parse(&json!({"steps": 20, "step_ms": 0, "fail_at": 7,
        "fail": "transient", "fail_attempts": 2, "ask": true}))
    .expect("valid options");
    assert_eq!(
        parsed,
        DemoOptions {
            steps: 20,
            step_ms: 0,
            fail_at: Some(7),
            fail: FailAs::Transient,
            fail_attempts: Some(2),
            ask: true
        }
    );

    let problems = DemoOptions::parse(&json!({"steps": 0, "step_ms": "fast", "colour": 1,
        "fail": "sometimes", "ask": "yes"}))
    .expect_err("invalid options");
    for needle in [
        "steps must be an integer from 1 to 10000",
        "step_ms must be an integer",
        "unknown option \"colour\"",
        "fail must be \"input\" or \"transient\"",
        "ask must be true or false",
    ] {
        assert!(
            problems.contains(needle),
            "{needle:?} missing from {problems:?}"
        );
    }
    assert!(DemoOptions::parse(&json!({"steps": 10001})).is_err());
    assert!(DemoOptions::parse(&json!({"step_ms": 60001})).is_err());
    assert!(DemoOptions::parse(&json!({"steps": 2.5})).is_err());
    assert!(DemoOptions::parse(&json!({"steps": 3, "fail_at": 4}))
        .expect_err("fail_at after the last step")
        .contains("fail_at (4) must not be more than steps (3)"));
    assert!(DemoOptions::parse(&json!([1])).is_err());
    assert!(DemoSteps.check_options(&json!({"steps": -1})).is_err());
}

#[tokio::test]
async fn counts_with_progress_and_partials() {
    let events = Recorder::answering(json!(true));
    let ctx = context(
        json!({"steps": 10, "step_ms": 0}),
        b"one\ntwo\nthree\n",
        1,
        events.clone(),
    );
    let result = DemoSteps.run(ctx).await.expect("completes");
    assert_eq!(
        result,
        json!({"steps": 10, "bytes": 14, "lines": 3, "answer": null})
    );

    let drafts = events.drafts();
    assert_eq!(drafts[0].kind, EventType::StageStart);
    assert_eq!(drafts[0].stage.as_deref(), Some("count"));
    assert_eq!(drafts[0].progress, Some(5.0));
    let progress: Vec<&EventDraft> = drafts
        .iter()
        .filter(|d| d.kind == EventType::Progress)
        .collect();
    assert_eq!(progress.len(), 10);
    assert_eq!(progress[0].message.as_deref(), Some("Step 1/10"));
    assert_eq!(progress[9].progress, Some(95.0));
    let partials: Vec<Value> = drafts
        .iter()
        .filter(|d| d.kind == EventType::Partial)
        .filter_map(|d| d.data.clone())
        .collect();
    assert_eq!(partials, [json!({"step": 5}), json!({"step": 10})]);
}

#[tokio::test]
async fn asks_halfway_and_returns_the_answer() {
    let events = Recorder::answering(json!(true));
    let ctx = context(
        json!({"steps": 4, "step_ms": 0, "ask": true}),
        b"%PDF-1.7\n",
        1,
        events.clone(),
    );
    let result = DemoSteps.run(ctx).await.expect("completes");
    assert_eq!(result["answer"], json!(true));
    assert_eq!(result["lines"], json!(0));
    let questions = events.questions();
    assert_eq!(questions.len(), 1);
    let question = &questions[0].clarification;
    let emitted = questions[0].after_events;
    assert_eq!(question.question, "Continue counting?");
    assert_eq!(question.field.as_deref(), Some("continue"));
    assert_eq!(question.suggestion, Some(json!(true)));
    // Asked after step 2 of 4: stage_start and two progress events before it.
    assert_eq!(emitted, 3);
    let drafts = events.drafts();
    assert_eq!(drafts[2].message.as_deref(), Some("Step 2/4"));
    assert_eq!(drafts.len(), 5);
}

#[tokio::test]
async fn fails_as_asked_and_only_on_the_attempts_asked() {
    let events = Recorder::answering(json!(true));
    let options =
        json!({"steps": 5, "step_ms": 0, "fail_at": 3, "fail": "transient", "fail_attempts": 1});
    let err = DemoSteps
        .run(context(options.clone(), b"x", 1, events.clone()))
        .await
        .expect_err("fails on attempt 1");
    assert!(
        matches!(err, ProcessError::Transient { ref code, .. } if code == "demo_transient"),
        "{err:?}"
    );
    DemoSteps
        .run(context(options, b"x", 2, events))
        .await
        .expect("succeeds on attempt 2");

    let err = DemoSteps
        .run(context(
            json!({"steps": 5, "step_ms": 0, "fail_at": 1}),
            b"x",
            1,
            Recorder::answering(json!(true)),
        ))
        .await
        .expect_err("input failure");
    assert!(
        matches!(err, ProcessError::Input { ref code, .. } if code == "demo_failure"),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn stops_between_steps_when_told() {
    let events = Recorder::stopping_after(3);
    let ctx = context(
        json!({"steps": 100, "step_ms": 60000}),
        b"x",
        1,
        events.clone(),
    );
    let err = DemoSteps.run(ctx).await.expect_err("stopped");
    assert_eq!(err, ProcessError::Stopped);
    // stage_start, progress 1, progress 2 (the third event stopped it).
    assert_eq!(events.drafts().len(), 3);
}
