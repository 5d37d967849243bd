//! `demo.steps` alone, against a context that records what it reports.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobcast_core::{
    Clarification, Event, EventDraft, EventType, JobEvents, JobId, JobInput, JobSnapshot, NewJob,
    Status, Timestamp,
};
use stop::Stop;

use super::*;

/// A stop signal like the worker's, without its dependencies.
mod stop {
    use tokio::sync::watch;

    pub struct Stop(watch::Sender<bool>);

    impl Stop {
        pub fn new() -> Self {
            Stop(watch::channel(false).0)
        }
        pub fn stop(&self) {
            self.0.send_replace(true);
        }
        pub fn is_stopped(&self) -> bool {
            *self.0.borrow()
        }
        pub async fn stopped(&self) {
            let mut rx = self.0.subscribe();
            let _ = rx.wait_for(|stopped| *stopped).await;
        }
    }
}

struct Recorder {
    drafts: Mutex<Vec<EventDraft>>,
    /// Each question, with how many events had been emitted when it was asked.
    questions: Mutex<Vec<(Clarification, usize)>>,
    answer: Value,
    stop: Stop,
    /// Stop the job once this many events were emitted.
    stop_after: Option<usize>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            drafts: Mutex::new(Vec::new()),
            questions: Mutex::new(Vec::new()),
            answer: json!(true),
            stop: Stop::new(),
            stop_after: None,
        }
    }

    fn drafts(&self) -> Vec<EventDraft> {
        self.drafts.lock().expect("lock").clone()
    }
}

#[async_trait]
impl JobEvents for Recorder {
    async fn emit(&self, draft: EventDraft) -> Result<Event, ProcessError> {
        let mut drafts = self.drafts.lock().expect("lock");
        drafts.push(draft.clone());
        if self.stop_after.is_some_and(|n| drafts.len() >= n) {
            self.stop.stop();
        }
        Ok(Event {
            job_id: JobId::new(),
            seq: drafts.len() as u64,
            kind: draft.kind,
            status: Status::Running,
            stage: draft.stage,
            progress: draft.progress.unwrap_or(0.0),
            message: draft.message.unwrap_or_default(),
            eta_ms: None,
            data: draft.data,
            timestamp: Timestamp::now(),
        })
    }

    async fn ask(&self, clarification: Clarification) -> Result<Value, ProcessError> {
        let emitted = self.drafts.lock().expect("lock").len();
        self.questions
            .lock()
            .expect("lock")
            .push((clarification, emitted));
        Ok(self.answer.clone())
    }

    fn is_stopped(&self) -> bool {
        self.stop.is_stopped()
    }

    async fn stopped(&self) {
        self.stop.stopped().await
    }

    async fn save_invoice(&self, _data: Value) -> Result<String, ProcessError> {
        Err(ProcessError::input(
            "not_supported",
            "demo.steps saves no invoice",
        ))
    }
}

fn context(options: Value, bytes: &[u8], attempt: u32, events: Arc<Recorder>) -> JobContext {
    let input = JobInput {
        filename: Some("a.txt".into()),
        media_type: MediaType::sniff(bytes),
        bytes: bytes.to_vec(),
    };
    let new = NewJob {
        id: JobId::new(),
        kind: KIND.into(),
        owner: "alice".into(),
        options,
        max_attempts: 3,
        input: input.clone(),
    };
    let mut job = JobSnapshot::fresh(&new, Timestamp::now());
    job.attempt = attempt;
    JobContext::new(job, input, events)
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
    let events = Arc::new(Recorder::new());
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
    let events = Arc::new(Recorder::new());
    let ctx = context(
        json!({"steps": 4, "step_ms": 0, "ask": true}),
        b"%PDF-1.7\n",
        1,
        events.clone(),
    );
    let result = DemoSteps.run(ctx).await.expect("completes");
    assert_eq!(result["answer"], json!(true));
    assert_eq!(result["lines"], json!(0));
    let questions = events.questions.lock().expect("lock").clone();
    assert_eq!(questions.len(), 1);
    let (question, emitted) = &questions[0];
    assert_eq!(question.question, "Continue counting?");
    assert_eq!(question.field.as_deref(), Some("continue"));
    assert_eq!(question.suggestion, Some(json!(true)));
    // Asked after step 2 of 4: stage_start and two progress events before it.
    assert_eq!(*emitted, 3);
    let drafts = events.drafts();
    assert_eq!(drafts[2].message.as_deref(), Some("Step 2/4"));
    assert_eq!(drafts.len(), 5);
}

#[tokio::test]
async fn fails_as_asked_and_only_on_the_attempts_asked() {
    let events = Arc::new(Recorder::new());
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
            Arc::new(Recorder::new()),
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
    let mut recorder = Recorder::new();
    recorder.stop_after = Some(3);
    let events = Arc::new(recorder);
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
