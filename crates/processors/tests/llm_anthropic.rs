//! The Anthropic Messages client against a local fake server: streaming,
//! headers, errors.

mod llm_support;

use jobcast_processors::llm::LlmError;
use llm_support::*;
use serde_json::{json, Value};

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// A Messages-API stream sending `pieces` as text deltas.
fn anthropic_sse(pieces: &[String], stop_reason: &str) -> String {
    let mut out = event(
        "message_start",
        &json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
            "content": [], "model": "claude", "stop_reason": null, "usage": {"input_tokens": 20, "output_tokens": 1}}}),
    );
    out.push_str(&event(
        "content_block_start",
        &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ));
    out.push_str(&event("ping", &json!({"type": "ping"})));
    for piece in pieces {
        out.push_str(&event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
        ));
    }
    out.push_str(&event(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": 0}),
    ));
    out.push_str(&event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
            "usage": {"output_tokens": 15}}),
    ));
    out.push_str(&event("message_stop", &json!({"type": "message_stop"})));
    out
}

async fn ask(server: &Server) -> Result<Value, LlmError> {
    let settings = settings(
        "anthropic",
        Some(&server.base),
        Some(KEY),
        Some("claude-test"),
    );
    complete("anthropic", &settings, TIMEOUT).await
}

#[tokio::test]
async fn a_streamed_answer_is_parsed_with_rising_progress() {
    let pieces = pieces(&invoice());
    let server = serve(Reply::sse(&anthropic_sse(&pieces, "end_turn"), 7)).await;
    let settings = settings("anthropic", Some(&server.base), Some(KEY), None);
    assert_answer_with_rising_progress("anthropic", &settings, pieces.len()).await;
}

#[tokio::test]
async fn the_request_carries_the_key_version_model_and_asks_for_json() {
    let server = serve(Reply::sse(
        &anthropic_sse(&pieces(&invoice()), "end_turn"),
        50,
    ))
    .await;
    assert_eq!(ask(&server).await.expect("answer"), invoice());

    let seen = server.only_request();
    assert_eq!(seen.path, "/v1/messages");
    let header = |name: &str| {
        seen.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("x-api-key").as_deref(), Some(KEY));
    assert_eq!(header("anthropic-version").as_deref(), Some("2023-06-01"));
    assert!(header("authorization").is_none());
    assert_eq!(seen.body["model"], "claude-test");
    assert_eq!(seen.body["stream"], true);
    assert_eq!(seen.body["max_tokens"], 512);
    let system = seen.body["system"].as_str().unwrap_or_default();
    assert!(system.to_lowercase().contains("json"), "{system}");
    assert_eq!(
        seen.body["messages"],
        json!([{"role": "user", "content": request().user}])
    );
}

#[tokio::test]
async fn a_base_url_given_with_v1_is_not_doubled() {
    let server = serve(Reply::sse(
        &anthropic_sse(&pieces(&invoice()), "end_turn"),
        50,
    ))
    .await;
    let settings = settings(
        "anthropic",
        Some(&format!("{}/v1/", server.base)),
        Some(KEY),
        None,
    );
    complete("anthropic", &settings, TIMEOUT)
        .await
        .expect("answer");
    assert_eq!(server.only_request().path, "/v1/messages");
}

#[tokio::test]
async fn prose_around_the_object_is_tolerated() {
    let text = format!("Here is the invoice:\n{}\n", invoice());
    let server = serve(Reply::sse(&anthropic_sse(&[text], "end_turn"), 13)).await;
    assert_eq!(ask(&server).await.expect("answer"), invoice());
}

#[tokio::test]
async fn overloaded_529_is_unavailable_and_retryable() {
    let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let server = serve(Reply::status(529, body)).await;
    let err = ask(&server).await.expect_err("529");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert!(err.retryable());
    assert!(err.to_string().contains("Overloaded"), "{err}");
}

#[tokio::test]
async fn status_429_is_rate_limited() {
    let mut reply = Reply::status(
        429,
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#,
    );
    reply.headers.push(("retry-after", "30".to_owned()));
    let server = serve(reply).await;
    let err = ask(&server).await.expect_err("429");
    assert!(matches!(err, LlmError::RateLimited(_)), "{err:?}");
    assert!(err.retryable());
    assert!(err.to_string().contains("retry after 30"), "{err}");
}

#[tokio::test]
async fn an_error_event_in_the_stream_is_mapped() {
    let mut body = anthropic_sse(&pieces(&invoice())[..2], "end_turn");
    body.truncate(body.find("event: content_block_stop").unwrap_or(body.len()));
    body.push_str(&event(
        "error",
        &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ));
    let server = serve(Reply::sse(&body, 10)).await;
    let err = ask(&server).await.expect_err("error event");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert!(err.retryable());
}

#[tokio::test]
async fn status_401_is_refused_and_hides_the_key() {
    let body = format!(
        r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key {KEY}"}}}}"#
    );
    let server = serve(Reply::status(401, &body)).await;
    let err = ask(&server).await.expect_err("401");
    assert!(matches!(err, LlmError::Refused(_)), "{err:?}");
    assert!(!err.retryable());
    assert_no_key(&err);
}

#[tokio::test]
async fn a_non_json_answer_is_invalid_output() {
    let server = serve(Reply::sse(
        &anthropic_sse(&["I cannot read this invoice.".to_owned()], "end_turn"),
        10,
    ))
    .await;
    let err = ask(&server).await.expect_err("not json");
    assert!(matches!(err, LlmError::InvalidOutput(_)), "{err:?}");
    assert!(err.to_string().contains("I cannot read"), "{err}");
}

#[tokio::test]
async fn an_answer_cut_at_max_tokens_says_so() {
    let text = invoice().to_string();
    let server = serve(Reply::sse(
        &anthropic_sse(&[text[..10].to_owned()], "max_tokens"),
        10,
    ))
    .await;
    let err = ask(&server).await.expect_err("cut");
    assert!(matches!(err, LlmError::InvalidOutput(_)), "{err:?}");
    assert!(err.to_string().contains("max_tokens"), "{err}");
}

#[tokio::test]
async fn a_stalled_stream_times_out_within_the_bound() {
    let body = anthropic_sse(&pieces(&invoice()), "end_turn");
    let mut reply = Reply::sse(&body[..body.len() / 2], 16);
    reply.stall = true;
    let server = serve(reply).await;
    let settings = settings("anthropic", Some(&server.base), Some(KEY), None);
    assert_times_out("anthropic", &settings).await;
}
