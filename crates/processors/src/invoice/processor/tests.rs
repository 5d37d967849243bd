//! `invoice.extract` alone, against a context that records what it reports
//! (events, questions, saved invoices) and a scripted chat model.

use std::sync::Mutex;

use jobcast_core::testing::{job_context, RecordingEvents as Recorder, TestJob};
use jobcast_core::{EventType, Processor};
use tokio::sync::watch;

use super::*;
use crate::llm::{LlmError, LlmRequest};

fn context(options: Value, bytes: &[u8], events: Arc<Recorder>) -> JobContext {
    job_context(
        TestJob::new(KIND, "invoice.txt", bytes).options(options),
        events,
    )
}

fn builtin() -> InvoiceExtract {
    InvoiceExtract::new(LlmSettings::default(), Duration::from_secs(5))
}

const GOOD: &str = "\
Acme Widgets Ltd
12 High Street, London

Invoice Number: INV-7
Invoice Date: 2026-11-22
Due Date: 2026-12-22

Bill To:
Globex Corporation
500 Market Street

Description      Qty   Unit Price   Amount
Widget A           3        12.50    37.50
Widget B           1        62.50    62.50

Subtotal: EUR 100.00
VAT 20%: EUR 20.00
Total: EUR 120.00
";

/// The same invoice with a total that does not add up (confidence 0.7).
fn bad_total() -> String {
    GOOD.replace("Total: EUR 120.00", "Total: EUR 125.00")
}

/// The same invoice without a total line (confidence 0.65).
fn no_total() -> String {
    GOOD.replace("Total: EUR 120.00\n", "")
}

#[tokio::test]
async fn stages_and_checkpoints_in_order_and_the_result_shape() {
    let events = Recorder::new();
    let result = builtin()
        .run(context(json!({}), GOOD.as_bytes(), events.clone()))
        .await
        .expect("completes");

    let stages: Vec<(String, Option<f64>)> = events
        .drafts()
        .into_iter()
        .filter(|d| d.kind == EventType::StageStart)
        .map(|d| (d.stage.unwrap_or_default(), d.progress))
        .collect();
    assert_eq!(
        stages,
        [
            ("fetch".to_string(), Some(5.0)),
            ("llm_extraction".to_string(), Some(10.0)),
            ("validation".to_string(), Some(85.0)),
            ("save".to_string(), Some(95.0)),
        ]
    );
    let timeline = events.timeline();
    let progress: Vec<f64> = timeline.iter().filter_map(|(_, _, p)| *p).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let extraction_progress: Vec<f64> = timeline
        .iter()
        .filter(|(kind, _, _)| *kind == EventType::Progress)
        .filter_map(|(_, _, p)| *p)
        .collect();
    assert_eq!(extraction_progress, [7.0, 30.0, 50.0, 65.0, 75.0]);
    let partial = events
        .drafts()
        .into_iter()
        .find(|d| d.kind == EventType::Partial)
        .expect("a partial event");
    assert_eq!(partial.progress, Some(80.0));
    assert_eq!(
        partial.data.as_ref().map(|d| d["model_provider"].clone()),
        Some(json!("builtin"))
    );

    let keys: Vec<&String> = result.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "confidence_score",
            "extracted_data",
            "invoice_id",
            "requires_review"
        ]
    );
    assert_eq!(result["invoice_id"], json!("inv-1"));
    assert_eq!(result["confidence_score"], json!(1.0));
    assert_eq!(result["requires_review"], json!(false));
    let data = &result["extracted_data"];
    assert_eq!(data["invoice_number"], json!("INV-7"));
    assert_eq!(data["invoice_date"], json!("2026-11-22"));
    assert_eq!(data["vendor"]["name"], json!("Acme Widgets Ltd"));
    assert_eq!(data["customer"]["tax_id"], Value::Null);
    assert_eq!(data["currency"], json!("EUR"));
    assert_eq!(
        data["line_items"][0],
        json!({"description": "Widget A", "quantity": 3.0, "unit_price": 12.5, "amount": 37.5})
    );
    assert_eq!(data["total"], json!(120.0));

    // What is saved is the extracted data with its score.
    let saved = events.saved();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0]["invoice_number"], json!("INV-7"));
    assert_eq!(saved[0]["confidence_score"], json!(1.0));
    assert_eq!(saved[0]["requires_review"], json!(false));
}

#[tokio::test]
async fn without_auto_save_nothing_is_saved() {
    let events = Recorder::new();
    let result = builtin()
        .run(context(
            json!({"auto_save": false}),
            GOOD.as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    assert_eq!(result["invoice_id"], Value::Null);
    assert_eq!(events.saved(), Vec::<Value>::new());
    assert!(!events
        .drafts()
        .iter()
        .any(|d| d.stage.as_deref() == Some("save")));
}

#[tokio::test]
async fn below_the_threshold_requires_review() {
    let events = Recorder::new();
    let result = builtin()
        .run(context(json!({}), bad_total().as_bytes(), events.clone()))
        .await
        .expect("completes");
    assert_eq!(result["confidence_score"], json!(0.7));
    assert_eq!(result["requires_review"], json!(true));
    assert_eq!(events.saved()[0]["requires_review"], json!(true));
    // The problems are logged.
    assert!(events.drafts().iter().any(|d| d.kind == EventType::Log
        && d.message
            .as_deref()
            .is_some_and(|m| m.contains("total: the total 125.00"))));

    let result = builtin()
        .run(context(
            json!({"confidence_threshold": 0.5}),
            bad_total().as_bytes(),
            Recorder::new(),
        ))
        .await
        .expect("completes");
    assert_eq!(result["requires_review"], json!(false));
    // Without human_in_loop nobody is asked.
    assert_eq!(events.questions(), []);
}

#[tokio::test]
async fn human_in_loop_asks_about_the_weakest_field_and_applies_the_answer() {
    let events = Recorder::answering(json!("120,00"));
    let result = builtin()
        .run(context(
            json!({"human_in_loop": true}),
            no_total().as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    let questions = events.questions();
    assert_eq!(questions.len(), 1);
    let q = &questions[0].clarification;
    assert_eq!(q.field.as_deref(), Some("total"));
    assert_eq!(q.suggestion, Some(json!(120.0)));
    assert_eq!(q.clarification_id, "total-1");
    assert!(q.question.contains("What is the total?"), "{}", q.question);
    assert_eq!(result["extracted_data"]["total"], json!(120.0));
    assert_eq!(result["confidence_score"], json!(1.0));
    assert_eq!(result["requires_review"], json!(false));
    // Asked during validation, before saving.
    let stages: Vec<String> = events
        .drafts()
        .into_iter()
        .filter_map(|d| d.stage)
        .collect();
    assert_eq!(stages.last().map(String::as_str), Some("save"));
}

#[tokio::test]
async fn human_in_loop_accepting_the_suggestion_and_unusable_answers() {
    let events = Recorder::answering(json!(true));
    let result = builtin()
        .run(context(
            json!({"human_in_loop": true}),
            bad_total().as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    assert_eq!(
        events.questions()[0].clarification.field.as_deref(),
        Some("total")
    );
    assert_eq!(result["extracted_data"]["total"], json!(120.0));
    assert_eq!(result["requires_review"], json!(false));

    // An answer that is not an amount changes nothing and is logged.
    let events = Recorder::answering(json!("no idea"));
    let result = builtin()
        .run(context(
            json!({"human_in_loop": true}),
            bad_total().as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    assert_eq!(result["extracted_data"]["total"], json!(125.0));
    assert_eq!(result["requires_review"], json!(true));
    assert!(events.drafts().iter().any(|d| d
        .message
        .as_deref()
        .is_some_and(|m| m.contains("was not used"))));

    // Confident enough: no question.
    let events = Recorder::answering(json!(true));
    builtin()
        .run(context(
            json!({"human_in_loop": true}),
            GOOD.as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    assert_eq!(events.questions(), []);
}

#[test]
fn options_are_checked_before_the_job_is_created() {
    let p = builtin();
    assert_eq!(p.check_options(&json!({})), Ok(()));
    assert_eq!(
        p.check_options(&json!({"auto_save": false, "confidence_threshold": 0.9,
            "model_provider": "builtin", "human_in_loop": true})),
        Ok(())
    );
    let unknown = p
        .check_options(&json!({"colour": "red"}))
        .expect_err("unknown option");
    assert!(unknown.contains("unknown option \"colour\""), "{unknown}");
    let threshold = p
        .check_options(&json!({"confidence_threshold": 2}))
        .expect_err("bad threshold");
    assert!(threshold.contains("confidence_threshold"), "{threshold}");
    let provider = p
        .check_options(&json!({"model_provider": "skynet"}))
        .expect_err("unknown provider");
    assert!(
        provider.contains("model_provider must be one of"),
        "{provider}"
    );
    // A provider this server has no key for is refused now, not later.
    let unconfigured = p
        .check_options(&json!({"model_provider": "openai"}))
        .expect_err("no key");
    assert!(
        unconfigured.contains("JOBCAST_LLM_API_KEY"),
        "{unconfigured}"
    );
    let scripted = InvoiceExtract::with_model(Arc::new(Scripted::answer(json!({}))));
    assert_eq!(
        scripted.check_options(&json!({"model_provider": "openai"})),
        Ok(())
    );
}

#[tokio::test]
async fn bad_inputs_fail_as_input_errors() {
    let err = builtin()
        .run(context(json!({}), b"   \n", Recorder::new()))
        .await
        .expect_err("empty");
    assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "empty_input"));
    let err = builtin()
        .run(context(
            json!({"colour": 1}),
            GOOD.as_bytes(),
            Recorder::new(),
        ))
        .await
        .expect_err("bad options");
    assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "invalid_options"));
}

/// A chat model that streams `chunks` counts, `every` apart, then answers.
struct Scripted {
    chunks: u64,
    every: Duration,
    answer: Result<Value, fn() -> LlmError>,
    requests: Mutex<Vec<LlmRequest>>,
}

impl Scripted {
    fn answer(answer: Value) -> Self {
        Scripted {
            chunks: 0,
            every: Duration::ZERO,
            answer: Ok(answer),
            requests: Mutex::new(Vec::new()),
        }
    }

    fn failing(error: fn() -> LlmError) -> Self {
        Scripted {
            answer: Err(error),
            ..Scripted::answer(Value::Null)
        }
    }
}

#[async_trait]
impl ChatModel for Scripted {
    async fn complete_json(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
        self.requests.lock().expect("lock").push(request.clone());
        for i in 1..=self.chunks {
            tokio::time::sleep(self.every).await;
            progress.send_replace(i);
        }
        match &self.answer {
            Ok(v) => Ok(v.clone()),
            Err(make) => Err(make()),
        }
    }
}

fn llm_answer() -> Value {
    json!({
        "invoice_number": "INV-7", "invoice_date": "2026-11-22", "due_date": "2026-12-22",
        "vendor": {"name": "Acme Widgets Ltd", "address": "12 High Street, London", "tax_id": null},
        "customer": {"name": "Globex Corporation", "address": "500 Market Street", "tax_id": null},
        "currency": "EUR",
        "line_items": [
            {"description": "Widget A", "quantity": 3, "unit_price": 12.5, "amount": 37.5},
            {"description": "Widget B", "quantity": 1, "unit_price": 62.5, "amount": 62.5}
        ],
        "subtotal": 100, "tax": 20, "total": 120
    })
}

#[tokio::test(start_paused = true)]
async fn the_llm_path_streams_throttled_progress_and_checks_the_answer() {
    let model = Arc::new(Scripted {
        chunks: 300,
        every: Duration::from_millis(10),
        ..Scripted::answer(llm_answer())
    });
    let events = Recorder::new();
    let result = InvoiceExtract::with_model(model.clone())
        .run(context(
            json!({"model_provider": "anthropic"}),
            GOOD.as_bytes(),
            events.clone(),
        ))
        .await
        .expect("completes");
    assert_eq!(result["extracted_data"], llm_answer_normalised());
    assert_eq!(result["confidence_score"], json!(1.0));

    let requests = model.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].system.contains("\"line_items\""));
    assert!(requests[0].user.contains("INV-7"));

    let drafts = events.drafts();
    let stage = drafts
        .iter()
        .find(|d| d.stage.as_deref() == Some("llm_extraction"))
        .expect("llm stage");
    assert_eq!(stage.progress, Some(10.0));
    let streamed: Vec<f64> = drafts
        .iter()
        .filter(|d| {
            d.kind == EventType::Progress
                && d.message.as_deref().is_some_and(|m| m.contains("tokens"))
        })
        .filter_map(|d| d.progress)
        .collect();
    // 300 chunks over 3 s, at most one event per 100 ms.
    assert!((10..=31).contains(&streamed.len()), "{streamed:?}");
    assert!(streamed.windows(2).all(|w| w[0] < w[1]), "{streamed:?}");
    assert!(
        streamed.iter().all(|p| *p > 10.0 && *p <= 80.0),
        "{streamed:?}"
    );
}

fn llm_answer_normalised() -> Value {
    let mut v = llm_answer();
    for (i, (q, u, a)) in [(3.0, 12.5, 37.5), (1.0, 62.5, 62.5)]
        .into_iter()
        .enumerate()
    {
        v["line_items"][i]["quantity"] = json!(q);
        v["line_items"][i]["unit_price"] = json!(u);
        v["line_items"][i]["amount"] = json!(a);
    }
    v["subtotal"] = json!(100.0);
    v["tax"] = json!(20.0);
    v["total"] = json!(120.0);
    v
}

#[tokio::test]
async fn llm_failures_keep_their_retry_decision() {
    let run = |model: Scripted| async move {
        InvoiceExtract::with_model(Arc::new(model))
            .run(context(
                json!({"model_provider": "openai"}),
                GOOD.as_bytes(),
                Recorder::new(),
            ))
            .await
            .expect_err("fails")
    };
    let err = run(Scripted::answer(json!({"total": "a lot"}))).await;
    assert!(
        matches!(err, ProcessError::Input { ref code, ref message } if code == "llm_invalid_output" && message.contains("`total`")),
        "{err:?}"
    );
    let err = run(Scripted::failing(|| {
        LlmError::RateLimited("HTTP 429".into())
    }))
    .await;
    assert!(err.retryable(), "{err:?}");
    let err = run(Scripted::failing(|| LlmError::Refused("HTTP 401".into()))).await;
    assert!(!err.retryable(), "{err:?}");
}
