//! A fake LLM server for the `llm_*` tests: it records each request and
//! answers with a canned status, headers and body, streamed in the chunks
//! the test chose (so SSE lines can be cut anywhere), optionally stalling.

#![allow(dead_code)] // each test file uses part of it

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use futures::StreamExt;
use jobcast_processors::llm::{model_for, LlmError, LlmRequest};
use jobcast_processors::LlmSettings;
use serde_json::{json, Value};
use tokio::sync::watch;

pub const KEY: &str = "sk-test-secret-4242";
/// The time limit of a request expected to finish.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The time limit of a request to a server that stalls.
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub chunks: Vec<Vec<u8>>,
    /// Keep the body open, sending nothing more, after the chunks.
    pub stall: bool,
    /// Wait this long before answering at all.
    pub delay: Duration,
}

impl Reply {
    /// A 200 SSE stream of `body`, cut every `size` bytes.
    pub fn sse(body: &str, size: usize) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type", "text/event-stream".to_owned())],
            chunks: body.as_bytes().chunks(size).map(<[u8]>::to_vec).collect(),
            ..Reply::default()
        }
    }

    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            chunks: vec![body.as_bytes().to_vec()],
            ..Reply::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

pub struct Server {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests.lock().expect("lock");
        assert_eq!(requests.len(), 1, "exactly one request");
        requests[0].clone()
    }
}

pub async fn serve(reply: Reply) -> Server {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = requests.clone();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
        let reply = reply.clone();
        let recorded = recorded.clone();
        async move {
            recorded.lock().expect("lock").push(Recorded {
                path: uri.path().to_owned(),
                headers,
                body: serde_json::from_str(&body).unwrap_or(Value::Null),
            });
            tokio::time::sleep(reply.delay).await;
            let chunks = futures::stream::iter(reply.chunks).then(|chunk| async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok::<_, Infallible>(Bytes::from(chunk))
            });
            let body = if reply.stall {
                Body::from_stream(chunks.chain(futures::stream::pending()))
            } else {
                Body::from_stream(chunks)
            };
            let mut response = Response::new(body);
            *response.status_mut() = StatusCode::from_u16(reply.status).expect("status");
            for (name, value) in reply.headers {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header value"));
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base: format!("http://{addr}"),
        requests,
    }
}

/// Settings for `provider` (`JOBCAST_LLM_PROVIDER`; an unknown name: none).
pub fn settings(
    provider: &str,
    base: Option<&str>,
    key: Option<&str>,
    model: Option<&str>,
) -> LlmSettings {
    LlmSettings {
        provider: jobcast_processors::llm::LlmProvider::parse(provider),
        base_url: base.map(str::to_owned),
        api_key: key.map(str::to_owned),
        model: model.map(str::to_owned),
    }
}

pub fn request() -> LlmRequest {
    LlmRequest {
        system: "Extract the invoice fields as JSON.".to_owned(),
        user: "Invoice INV-7, total 12.50 EUR".to_owned(),
        max_tokens: 512,
    }
}

/// The object the fake models send, and the pieces they send it in.
pub fn invoice() -> Value {
    json!({"invoice_number": "INV-7", "total": 12.5, "currency": "EUR", "line_items": []})
}

pub fn pieces(value: &Value) -> Vec<String> {
    let text = value.to_string();
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect()).collect()
}

/// Every value a progress receiver saw, in order, until the sender dropped.
pub fn watch_progress() -> (watch::Sender<u64>, tokio::task::JoinHandle<Vec<u64>>) {
    let (tx, mut rx) = watch::channel(0u64);
    let seen = tokio::spawn(async move {
        let mut seen = Vec::new();
        while rx.changed().await.is_ok() {
            seen.push(*rx.borrow_and_update());
        }
        seen
    });
    (tx, seen)
}

pub fn assert_no_key(err: &LlmError) {
    assert!(!err.to_string().contains(KEY), "key in message: {err}");
    assert!(!format!("{err:?}").contains(KEY), "key in Debug: {err:?}");
}

/// Asks the model `settings` give for `provider` for `request()`.
pub async fn complete(
    provider: &str,
    settings: &LlmSettings,
    timeout: Duration,
) -> Result<Value, LlmError> {
    let model = model_for(provider, settings, timeout).expect("model");
    let (progress, _) = watch_progress();
    model.complete_json(&request(), &progress).await
}

/// Asks for `request()` and checks that the answer is `invoice()`, sent in
/// `pieces` pieces, with the progress seen rising along the way to `pieces`.
pub async fn assert_answer_with_rising_progress(
    provider: &str,
    settings: &LlmSettings,
    pieces: usize,
) {
    let model = model_for(provider, settings, TIMEOUT).expect("model");
    let (progress, seen) = watch_progress();
    let value = model
        .complete_json(&request(), &progress)
        .await
        .expect("answer");
    assert_eq!(value, invoice());
    assert_eq!(*progress.borrow(), pieces as u64);
    drop(progress);
    let seen = seen.await.expect("watcher");
    assert!(seen.len() >= 2, "progress seen along the way: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "rising: {seen:?}");
    assert_eq!(seen.last().copied(), Some(pieces as u64));
}

/// Checks that a request to a server that stalls gives up as `Timeout`
/// soon after its time limit.
pub async fn assert_times_out(provider: &str, settings: &LlmSettings) {
    let started = Instant::now();
    let err = complete(provider, settings, SHORT_TIMEOUT)
        .await
        .expect_err("stall");
    assert!(matches!(err, LlmError::Timeout), "{err:?}");
    assert!(err.retryable());
    assert_eq!(err.code(), "llm_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
