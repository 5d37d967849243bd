//! The OpenAI chat-completions client (providers `openai`, `ollama`,
//! `compatible`) against a local fake server: streaming, headers, errors,
//! timeouts.

mod llm_support;

use jobcast_processors::llm::{model_for, LlmError};
use llm_support::*;
use serde_json::{json, Value};

/// An OpenAI-style stream sending `pieces` as content deltas.
fn openai_sse(pieces: &[String]) -> String {
    let mut out = String::from(": keep-alive\n\n");
    let role = json!({"id": "c1", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]});
    out.push_str(&format!("data: {role}\n\n"));
    for piece in pieces {
        let chunk = json!({"id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]});
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    let last = json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    out.push_str(&format!("data: {last}\n\ndata: [DONE]\n\n"));
    out
}

async fn ask(provider: &str, server: &Server) -> Result<Value, LlmError> {
    let settings = settings(
        provider,
        Some(&format!("{}/v1", server.base)),
        Some(KEY),
        Some("my-model"),
    );
    complete(provider, &settings, TIMEOUT).await
}

#[tokio::test]
async fn a_json_object_streamed_in_small_chunks_is_parsed_with_rising_progress() {
    let pieces = pieces(&invoice());
    let body = openai_sse(&pieces);
    // 7-byte chunks: nearly every SSE line is cut, most in the middle.
    let server = serve(Reply::sse(&body, 7)).await;
    let settings = settings(
        "compatible",
        Some(&format!("{}/v1", server.base)),
        Some(KEY),
        None,
    );
    assert_answer_with_rising_progress("compatible", &settings, pieces.len()).await;
}

#[tokio::test]
async fn the_request_carries_the_key_model_and_json_mode() {
    let server = serve(Reply::sse(&openai_sse(&pieces(&invoice())), 64)).await;
    assert_eq!(ask("openai", &server).await.expect("answer"), invoice());

    let seen = server.only_request();
    assert_eq!(seen.path, "/v1/chat/completions");
    let header = |name: &str| {
        seen.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("authorization"), Some(format!("Bearer {KEY}")));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(seen.body["model"], "my-model");
    assert_eq!(seen.body["stream"], true);
    assert_eq!(seen.body["response_format"], json!({"type": "json_object"}));
    assert_eq!(seen.body["max_tokens"], 512);
    assert_eq!(seen.body["messages"][0]["role"], "system");
    assert_eq!(seen.body["messages"][1]["role"], "user");
    assert_eq!(seen.body["messages"][1]["content"], request().user);
}

#[tokio::test]
async fn ollama_needs_no_key() {
    let server = serve(Reply::sse(&openai_sse(&pieces(&invoice())), 16)).await;
    let settings = settings("ollama", Some(&format!("{}/v1/", server.base)), None, None);
    assert_eq!(
        complete("ollama", &settings, TIMEOUT)
            .await
            .expect("answer"),
        invoice()
    );
    let seen = server.only_request();
    assert_eq!(seen.path, "/v1/chat/completions");
    assert!(seen.headers.get("authorization").is_none());
    assert_eq!(seen.body["model"], "llama3.2");

    let keyless = llm_support::settings("ollama", None, None, None);
    assert!(model_for("ollama", &keyless, TIMEOUT).is_ok());
}

#[tokio::test]
async fn fenced_json_is_accepted() {
    let text = format!("```json\n{}\n```", invoice());
    let server = serve(Reply::sse(&openai_sse(&[text]), 5)).await;
    assert_eq!(ask("openai", &server).await.expect("answer"), invoice());
}

#[tokio::test]
async fn status_429_is_rate_limited_and_retryable_with_retry_after() {
    let mut reply = Reply::status(
        429,
        r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#,
    );
    reply.headers.push(("retry-after", "7".to_owned()));
    let server = serve(reply).await;
    let err = ask("openai", &server).await.expect_err("429");
    assert!(matches!(err, LlmError::RateLimited(_)), "{err:?}");
    assert!(err.retryable());
    assert_eq!(err.code(), "llm_rate_limited");
    let message = err.to_string();
    assert!(message.contains("retry after 7"), "{message}");
    assert!(message.contains("Rate limit reached"), "{message}");
}

#[tokio::test]
async fn status_503_is_unavailable_and_retryable() {
    let server = serve(Reply::status(503, "upstream overloaded")).await;
    let err = ask("openai", &server).await.expect_err("503");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert!(err.retryable());
    assert_eq!(err.code(), "llm_unavailable");
}

#[tokio::test]
async fn status_401_is_refused_not_retryable_and_hides_the_key() {
    // Servers like to quote the key they rejected.
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}","type":"invalid_request_error"}}}}"#
    );
    let server = serve(Reply::status(401, &body)).await;
    let err = ask("openai", &server).await.expect_err("401");
    assert!(matches!(err, LlmError::Refused(_)), "{err:?}");
    assert!(!err.retryable());
    assert_eq!(err.code(), "llm_refused");
    assert!(err.to_string().contains("Incorrect API key"), "{err}");
    assert_no_key(&err);
}

#[tokio::test]
async fn other_4xx_is_an_http_error() {
    let server = serve(Reply::status(400, r#"{"error":{"message":"bad model"}}"#)).await;
    let err = ask("openai", &server).await.expect_err("400");
    assert!(matches!(err, LlmError::Http(_)), "{err:?}");
    assert!(!err.retryable());
}

#[tokio::test]
async fn invalid_json_from_the_model_is_invalid_output() {
    let pieces = vec!["{\"invoice_number\": ".to_owned(), "INV-7 oops".to_owned()];
    let server = serve(Reply::sse(&openai_sse(&pieces), 9)).await;
    let err = ask("openai", &server).await.expect_err("invalid");
    assert!(matches!(err, LlmError::InvalidOutput(_)), "{err:?}");
    assert!(!err.retryable());
    assert_eq!(err.code(), "llm_invalid_output");
    assert!(err.to_string().contains("INV-7 oops"), "excerpt: {err}");
}

#[tokio::test]
async fn a_stream_cut_before_the_end_is_unavailable() {
    let full = openai_sse(&pieces(&invoice()));
    let cut = &full[..full.len() / 2];
    let server = serve(Reply::sse(cut, 11)).await;
    let err = ask("openai", &server).await.expect_err("cut");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert!(err.retryable());
}

#[tokio::test]
async fn a_stalled_stream_times_out_within_the_bound() {
    let full = openai_sse(&pieces(&invoice()));
    let mut reply = Reply::sse(&full[..40], 8);
    reply.stall = true;
    let server = serve(reply).await;
    let settings = settings("openai", Some(&server.base), Some(KEY), None);
    assert_times_out("openai", &settings).await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let mut reply = Reply::status(200, "{}");
    reply.delay = std::time::Duration::from_secs(60);
    let server = serve(reply).await;
    let settings = settings("compatible", Some(&server.base), None, None);
    assert_times_out("compatible", &settings).await;
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let settings = settings(
        "openai",
        Some(&format!("http://{addr}/v1")),
        Some(KEY),
        None,
    );
    let err = complete("openai", &settings, TIMEOUT)
        .await
        .expect_err("refused");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert!(err.retryable());
    assert_no_key(&err);
}

#[test]
fn bad_configuration_is_a_config_error() {
    let cases = [
        ("gemini", settings("gemini", None, Some(KEY), None)),
        ("openai", settings("openai", None, None, None)),
        ("openai", settings("openai", None, Some("  "), None)),
        ("compatible", settings("compatible", None, None, None)),
        (
            "compatible",
            settings("compatible", Some("not a url"), None, None),
        ),
        (
            "compatible",
            settings("compatible", Some("ftp://host/v1"), None, None),
        ),
        ("anthropic", settings("anthropic", None, None, None)),
    ];
    for (provider, settings) in cases {
        match model_for(provider, &settings, TIMEOUT) {
            Err(err @ LlmError::Config(_)) => {
                assert!(!err.retryable());
                assert_eq!(err.code(), "llm_config");
                assert_no_key(&err);
            }
            Err(other) => panic!("{provider}: {other:?}"),
            Ok(_) => panic!("{provider} with {settings:?} should be refused"),
        }
    }
    assert!(model_for(
        "openai",
        &settings("openai", None, Some(KEY), None),
        TIMEOUT
    )
    .is_ok());
}
