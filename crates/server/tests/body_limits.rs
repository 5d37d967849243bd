//! Request bodies are limited while they stream, per route (issue 11,
//! failure 5): a refused body is refused having read at most its limit (plus
//! one chunk), never buffered whole first.
//!
//! The counting tests drive the API router in-process with a body that counts
//! every byte the server pulls from it and yields to the runtime between
//! chunks, as a socket does. They run on a current-thread runtime, so the
//! count taken when the answer arrives is exactly what the server read to
//! decide it (a post-answer drain, which discards, runs only later).
//! The socket tests send bodies over TCP to a real server.

mod common;

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use common::{error_code, TestServer};
use futures::Stream;
use jobcast_server::auth::Role;
use jobcast_server::config::Config;
use jobcast_server::App;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::Service;

const MIB: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;
const FILLER: &[u8] = &[b'a'; CHUNK];
const BOUNDARY: &str = "jobcastboundary7MA4YWxkTrZu0gW";

/// A body of `head`, then `filler` bytes of `a`, then `tail`, in 64 KiB
/// chunks, each handed out only after one `Pending` (a socket that is read
/// faster than it fills). Counts what was pulled.
struct Counted {
    head: Option<Bytes>,
    unit: Bytes,
    filler_left: u64,
    tail: Option<Bytes>,
    pulled: Arc<AtomicU64>,
    ready: bool,
}

impl Counted {
    fn new(head: &str, filler: u64, tail: &str) -> (Self, Arc<AtomicU64>) {
        let pulled = Arc::new(AtomicU64::new(0));
        let body = Counted {
            head: Some(Bytes::copy_from_slice(head.as_bytes())),
            unit: Bytes::from_static(FILLER),
            filler_left: filler,
            tail: Some(Bytes::copy_from_slice(tail.as_bytes())),
            pulled: pulled.clone(),
            ready: false,
        };
        (body, pulled)
    }

    /// `unit`, again and again, for `total` bytes.
    fn repeating(unit: String, total: u64) -> (Self, Arc<AtomicU64>) {
        let (mut body, pulled) = Counted::new("", total, "");
        body.unit = Bytes::from(unit);
        (body, pulled)
    }
}

impl Stream for Counted {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let chunk = if let Some(head) = self.head.take() {
            head
        } else if self.filler_left > 0 {
            let n = self.filler_left.min(self.unit.len() as u64);
            self.filler_left -= n;
            self.unit.slice(..n as usize)
        } else if let Some(tail) = self.tail.take() {
            tail
        } else {
            return Poll::Ready(None);
        };
        self.pulled.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        Poll::Ready(Some(Ok(chunk)))
    }
}

struct InProcess {
    router: axum::Router,
    token: String,
    max_upload: u64,
    _app: App,
    _dir: tempfile::TempDir,
}

impl InProcess {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(edit: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path());
        config.workers = 1;
        edit(&mut config);
        let max_upload = config.max_upload_bytes;
        let app = App::build(&config).await.expect("app builds");
        let token = app
            .auth()
            .mint("alice", Role::User, Duration::from_secs(3600))
            .expect("mint");
        let router = jobcast_server::http::router(app.state().clone());
        InProcess {
            router,
            token,
            max_upload,
            _app: app,
            _dir: dir,
        }
    }

    /// Sends `body` to `POST path` with these headers; answers the status,
    /// the error code and how many bytes the server had pulled by then.
    async fn send(
        &mut self,
        path: &str,
        content_type: &str,
        content_length: Option<u64>,
        (body, pulled): (Counted, Arc<AtomicU64>),
    ) -> (StatusCode, String, u64) {
        let mut request = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, content_type);
        if let Some(length) = content_length {
            request = request.header(header::CONTENT_LENGTH, length);
        }
        let request = request
            .body(Body::from_stream(body))
            .expect("request builds");
        let response = self.router.call(request).await.expect("infallible");
        // No await between the answer and this read: nothing else has run.
        let read = pulled.load(Ordering::SeqCst);
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("answer body");
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = value["error"]["code"].as_str().unwrap_or("").to_string();
        (status, code, read)
    }
}

fn json_text_body(text_len: u64) -> (Counted, Arc<AtomicU64>) {
    Counted::new(r#"{"kind":"demo.steps","text":""#, text_len, r#""}"#)
}

fn multipart_head(field: &str) -> String {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n")
}

fn multipart_content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[tokio::test]
async fn a_120_mib_json_text_is_refused_within_the_json_limit() {
    let mut server = InProcess::start().await;
    let limit = server.max_upload + 128 * 1024;
    let (status, code, read) = server
        .send(
            "/api/jobs",
            "application/json",
            None,
            json_text_body(120 * MIB),
        )
        .await;
    println!("chunked 120 MiB JSON: {status}, server read {read} bytes (limit {limit})");
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(
        read <= limit + CHUNK as u64,
        "the server read {read} bytes of a body limited to {limit}"
    );
}

#[tokio::test]
async fn a_content_length_that_lies_low_does_not_lift_the_limit() {
    let mut server = InProcess::start().await;
    let limit = server.max_upload + 128 * 1024;
    let (status, code, read) = server
        .send(
            "/api/jobs",
            "application/json",
            Some(1024),
            json_text_body(120 * MIB),
        )
        .await;
    println!("120 MiB JSON declared as 1 KiB: {status}, server read {read} bytes");
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(read <= limit + CHUNK as u64, "the server read {read} bytes");
}

/// Sends a multipart form whose `field` runs on for 120 MiB; answers the
/// status, the error code, the bytes the server read and the part's head.
async fn huge_multipart_field(field: &str) -> (u16, String, u64, u64) {
    let mut server = InProcess::start().await;
    let head = multipart_head(field);
    let (status, code, read) = server
        .send(
            "/api/jobs",
            &multipart_content_type(),
            None,
            Counted::new(&head, 120 * MIB, &format!("\r\n--{BOUNDARY}--\r\n")),
        )
        .await;
    println!("120 MiB {field} field: {status}, server read {read} bytes");
    (status.as_u16(), code, read, head.len() as u64)
}

#[tokio::test]
async fn a_huge_multipart_options_field_is_refused_at_its_cap() {
    let (status, code, read, head) = huge_multipart_field("options").await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(
        read <= 64 * 1024 + head + CHUNK as u64,
        "the server read {read} bytes of a field capped at 64 KiB"
    );
}

#[tokio::test]
async fn a_huge_multipart_kind_field_is_refused_at_its_cap() {
    let (status, code, read, head) = huge_multipart_field("kind").await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(
        read <= head + 2 * CHUNK as u64,
        "the server read {read} bytes of a field capped at 100 bytes"
    );
}

/// A guard of the whole-request meter: every part is capped, but a form may
/// repeat its `options` field without end; the create route has no axum body
/// limit any more, so without the meter it would be read to its end.
#[tokio::test]
async fn a_multipart_request_stops_at_its_whole_limit() {
    let mut server = InProcess::start_with(|config| {
        config.max_upload_bytes = MIB;
        config.max_files = 2;
    })
    .await;
    let limit = 2 * MIB + MIB;
    let (status, code, read) = server
        .send(
            "/api/jobs",
            &multipart_content_type(),
            None,
            Counted::repeating(
                format!("{}{}\r\n", multipart_head("options"), " ".repeat(60 * 1024)),
                120 * MIB,
            ),
        )
        .await;
    println!(
        "120 MiB of repeated options fields: {status}, server read {read} bytes (limit {limit})"
    );
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(read <= limit + CHUNK as u64, "read {read} bytes");
}

/// What multer holds while it looks for a boundary or the end of a part's
/// headers is searched again at every chunk: the preamble and each part's
/// headers are capped (64 KiB, 16 KiB), well under the request's limit.
#[tokio::test]
async fn a_long_preamble_or_part_header_is_refused_at_its_cap() {
    let mut server = InProcess::start().await;
    let (status, code, read) = server
        .send(
            "/api/jobs",
            &multipart_content_type(),
            None,
            Counted::new("preamble without a boundary ", 16 * MIB, ""),
        )
        .await;
    println!("16 MiB multipart preamble: {status}, server read {read} bytes");
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(read <= 64 * 1024 + 2 * CHUNK as u64, "read {read} bytes");

    let head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"; x=\"");
    let (status, code, read) = server
        .send(
            "/api/jobs",
            &multipart_content_type(),
            None,
            Counted::new(&head, 16 * MIB, "\"\r\n\r\ndemo.steps"),
        )
        .await;
    println!("16 MiB part header: {status}, server read {read} bytes");
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(read <= 16 * 1024 + 2 * CHUNK as u64, "read {read} bytes");
}

#[tokio::test]
async fn small_json_routes_stop_at_their_limit() {
    let mut server = InProcess::start().await;
    let path = "/api/jobs/01HZZZZZZZZZZZZZZZZZZZZZZZ/clarifications/c1";
    let (status, code, read) = server
        .send(
            path,
            "application/json",
            None,
            Counted::new(r#"{"answer":""#, 120 * MIB, r#""}"#),
        )
        .await;
    println!("120 MiB clarification answer: {status}, server read {read} bytes");
    assert_eq!((status.as_u16(), code.as_str()), (413, "payload_too_large"));
    assert!(read <= 256 * 1024 + CHUNK as u64, "read {read} bytes");
}

/// Sends `head` (request line and headers) over TCP and nothing more, then
/// reads the answer's status line (within 20 s: a server waiting for the
/// body never answers).
async fn status_of_headers_only(server: &TestServer, head: String) -> String {
    let address = server.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    tcp.write_all(head.as_bytes()).await.expect("send head");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(2).any(|w| w == b"\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer in 20 s: the server waits for a body it will refuse"
    );
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let server = TestServer::start().await;
    let token = server.token("alice");
    let address = server.base.trim_start_matches("http://").to_string();

    // 200 MiB of JSON: over the JSON limit, under the multipart one.
    let json = format!(
        "POST /api/jobs HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        200 * MIB
    );
    let line = status_of_headers_only(&server, json).await;
    assert!(line.contains(" 413 "), "JSON declared at 200 MiB: {line}");

    let multipart = format!(
        "POST /api/jobs HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
        multipart_content_type(),
        10 * 1024 * MIB
    );
    let line = status_of_headers_only(&server, multipart).await;
    assert!(
        line.contains(" 413 "),
        "multipart declared at 10 GiB: {line}"
    );

    let small = format!(
        "POST /api/jobs/01HZZZZZZZZZZZZZZZZZZZZZZZ/clarifications/c1 HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        MIB
    );
    let line = status_of_headers_only(&server, small).await;
    assert!(
        line.contains(" 413 "),
        "a clarification answer declared at 1 MiB: {line}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_at_exactly_the_limit_are_taken_and_one_byte_more_is_not() {
    let max = MIB;
    let server = TestServer::start_with(|config| {
        config.max_upload_bytes = max;
        config.max_files = 3;
    })
    .await;
    let alice = server.token("alice");

    let text = "a".repeat(max as usize);
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "demo.steps", "text": text, "filename": "t.txt"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202, "JSON text of exactly the limit");

    let over = "a".repeat(max as usize + 1);
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "demo.steps", "text": over}))
        .send()
        .await
        .expect("request");
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));

    // Three files of exactly the limit, with options, sent chunked (no
    // Content-Length): the whole form fits its limit.
    let mut form = Form::new().text("kind", "demo.steps").text("options", "{}");
    for i in 0..3 {
        let bytes = vec![b'b'; max as usize];
        let stream = futures::stream::iter(
            bytes
                .chunks(CHUNK)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>(),
        );
        form = form.part(
            "file",
            Part::stream(reqwest::Body::wrap_stream(stream)).file_name(format!("f{i}.txt")),
        );
    }
    let response = server
        .post(&alice, "/api/jobs")
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 202, "three files at the limit, chunked: {body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(created["jobs"].as_array().map(Vec::len), Some(3));

    let form = Form::new().text("kind", "demo.steps").part(
        "file",
        Part::bytes(vec![b'c'; max as usize + 1]).file_name("big.txt"),
    );
    let response = server
        .post(&alice, "/api/jobs")
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, code, message) = error_code(response).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(message.contains("big.txt"), "{message}");
    server.stop().await;
}
