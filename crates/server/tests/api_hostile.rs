//! Hostile input (SPEC section 8): each gets its clear error, changes nothing,
//! and the server keeps serving.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{error_code, TestServer};
use jobcast_core::wire::JobList;
use jobcast_core::Status;
use reqwest::multipart::{Form, Part};
use serde_json::json;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

/// The user has no jobs, and the server still creates one on a good request.
async fn nothing_changed_and_still_serving(server: &TestServer, token: &str) {
    let list: JobList = server.list(token, "/api/jobs").await;
    assert!(
        list.jobs.is_empty(),
        "a refused request created jobs: {:?}",
        list.jobs
    );
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
}

fn upload(files: Vec<(&'static str, Vec<u8>)>) -> Form {
    let mut form = Form::new().text("kind", "demo.steps");
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name));
    }
    form
}

async fn send_form(server: &TestServer, token: &str, form: Form) -> (u16, String, String) {
    let response = server
        .post(token, "/api/jobs")
        .multipart(form)
        .send()
        .await
        .expect("request");
    error_code(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_uploads_name_the_file_and_create_nothing() {
    let server = TestServer::start().await;
    let alice = server.token("alice");

    let (status, code, message) =
        send_form(&server, &alice, upload(vec![("empty.pdf", vec![])])).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert!(message.contains("empty.pdf"), "{message}");

    let (status, code, message) =
        send_form(&server, &alice, upload(vec![("photo.pdf", PNG.to_vec())])).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"));
    assert!(
        message.contains("photo.pdf") && message.contains("png"),
        "{message}"
    );

    // One bad file refuses the whole batch.
    let (status, _, message) = send_form(
        &server,
        &alice,
        upload(vec![
            ("good.pdf", PDF.to_vec()),
            ("bad.pdf", PNG.to_vec()),
            ("fine.txt", b"hi".to_vec()),
        ]),
    )
    .await;
    assert_eq!(status, 415);
    assert!(message.contains("bad.pdf"), "{message}");

    let eleven = (0..11).map(|_| ("x.txt", b"x".to_vec())).collect();
    let (status, _, message) = send_form(&server, &alice, upload(eleven)).await;
    assert_eq!(status, 400);
    assert!(message.contains("10"), "{message}");

    let (status, _, _) = send_form(&server, &alice, Form::new().text("kind", "demo.steps")).await;
    assert_eq!(status, 400, "no file");

    let no_kind = Form::new().part("file", Part::bytes(b"hi".to_vec()).file_name("a.txt"));
    let (status, _, message) = send_form(&server, &alice, no_kind).await;
    assert_eq!(status, 400);
    assert!(message.contains("kind"), "{message}");

    let unknown_field = upload(vec![("a.txt", b"hi".to_vec())]).text("evil", "1");
    assert_eq!(send_form(&server, &alice, unknown_field).await.0, 400);

    nothing_changed_and_still_serving(&server, &alice).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_mb_upload_is_too_large() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let mut big = PDF.to_vec();
    big.resize(30 * 1024 * 1024, b' ');
    let (status, code, message) =
        send_form(&server, &alice, upload(vec![("novel.pdf", big)])).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(message.contains("novel.pdf"), "{message}");

    let big_text = "a".repeat(26 * 1024 * 1024);
    let response = server
        .post(&alice, "/api/jobs")
        .json(&json!({"kind": "demo.steps", "text": big_text}))
        .send()
        .await
        .expect("request");
    assert_eq!(error_code(response).await.0, 413);
    nothing_changed_and_still_serving(&server, &alice).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_kinds_and_options_are_refused() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let raw = |body: &'static str| {
        server
            .post(&alice, "/api/jobs")
            .header("content-type", "application/json")
            .body(body)
    };

    let (status, code, _) = error_code(raw("{\"kind\": ").send().await.expect("r")).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert_eq!(
        error_code(raw("[1,2,3]").send().await.expect("r")).await.0,
        400
    );
    assert_eq!(
        error_code(raw(r#"{"kind": 5, "text": "x"}"#).send().await.expect("r"))
            .await
            .0,
        400
    );
    assert_eq!(
        error_code(
            raw(r#"{"kind": "demo.steps", "text": "x", "url": "http://a/"}"#)
                .send()
                .await
                .expect("r")
        )
        .await
        .0,
        400,
        "text and url together"
    );
    assert_eq!(
        error_code(raw(r#"{"kind": "demo.steps"}"#).send().await.expect("r"))
            .await
            .0,
        400
    );
    assert_eq!(
        error_code(
            raw(r#"{"kind": "demo.steps", "text": "x", "sneaky": 1}"#)
                .send()
                .await
                .expect("r")
        )
        .await
        .0,
        400
    );

    let (status, code, message) = error_code(
        raw(r#"{"kind": "no.such.kind", "text": "x"}"#)
            .send()
            .await
            .expect("r"),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert!(
        message.contains("no.such.kind") && message.contains("demo.steps"),
        "{message}"
    );

    for options in [
        r#""not an object""#,
        r#"{"steps": "many"}"#,
        r#"{"steps": -1}"#,
        r#"{"steps": 1e12}"#,
        r#"{"unknown_option": true}"#,
    ] {
        let body = format!(r#"{{"kind": "demo.steps", "text": "x", "options": {options}}}"#);
        let response = server
            .post(&alice, "/api/jobs")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("r");
        let (status, code, _) = error_code(response).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "invalid_options"),
            "options {options}"
        );
    }
    let form = upload(vec![("a.txt", b"hi".to_vec())]).text("options", "{not json");
    assert_eq!(send_form(&server, &alice, form).await.0, 422);

    let wrong_type = server
        .post(&alice, "/api/jobs")
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("r");
    assert_eq!(error_code(wrong_type).await.0, 415);

    let bad_key = server
        .post(&alice, "/api/jobs")
        .header("Idempotency-Key", "x".repeat(500))
        .json(&json!({"kind": "demo.steps", "text": "x"}))
        .send()
        .await
        .expect("r");
    assert_eq!(error_code(bad_key).await.0, 400);

    for path in [
        "/api/jobs?limit=0",
        "/api/jobs?limit=abc",
        "/api/jobs?status=bogus",
        "/api/jobs?cursor=zzz",
    ] {
        let response = server.get(&alice, path).send().await.expect("r");
        assert_eq!(error_code(response).await.0, 400, "{path}");
    }
    let unknown_route = server
        .get(&alice, "/api/nothing-here")
        .send()
        .await
        .expect("r");
    assert_eq!(error_code(unknown_route).await.0, 404);
    nothing_changed_and_still_serving(&server, &alice).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_elses_job_is_not_found_everywhere() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    let mallory = server.token("mallory");
    let job = server
        .create_demo(&alice, json!({"steps": 3, "step_ms": 1, "ask": true}))
        .await;
    let id = job.job_id.to_string();
    let waiting = server.wait_status(&alice, &id, Status::WaitingInput).await;

    let routes = [
        ("GET", format!("/api/jobs/{id}")),
        ("GET", format!("/api/jobs/{id}/events")),
        ("GET", format!("/api/jobs/{id}/input")),
        ("POST", format!("/api/jobs/{id}/cancel")),
        ("POST", format!("/api/jobs/{id}/retry")),
        ("POST", format!("/api/jobs/{id}/clarifications/c1")),
    ];
    for (method, path) in &routes {
        let request = if *method == "GET" {
            server.get(&mallory, path)
        } else {
            server.post(&mallory, path).json(&json!({"answer": "no"}))
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(
            !body.contains("alice"),
            "{method} {path} leaked data: {body}"
        );
    }
    let still = server.job(&alice, &id).await;
    assert_eq!(still.last_seq, waiting.last_seq, "mallory changed nothing");
    assert_eq!(still.status, Status::WaitingInput);
    let mallory_list: JobList = server.list(&mallory, "/api/jobs").await;
    assert!(mallory_list.jobs.is_empty());

    let malformed = server
        .get(&alice, "/api/jobs/not-a-ulid")
        .send()
        .await
        .expect("r");
    assert_eq!(error_code(malformed).await.0, 400);
    let missing = server
        .get(&alice, "/api/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .send()
        .await
        .expect("r");
    assert_eq!(error_code(missing).await.0, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_metadata_urls_are_refused() {
    let server = TestServer::start().await;
    let alice = server.token("alice");
    // A real server on loopback, so a refusal is the allowlist's doing.
    let local = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = local.local_addr().expect("addr").port();
    for url in [
        format!("http://127.0.0.1:{port}/invoice.txt"),
        format!("http://localhost:{port}/invoice.txt"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::1]/x".to_string(),
        "http://10.0.0.1/x".to_string(),
    ] {
        let started = std::time::Instant::now();
        let response = server
            .post(&alice, "/api/jobs")
            .json(&json!({"kind": "demo.steps", "url": url}))
            .send()
            .await
            .expect("request");
        let (status, code, message) = error_code(response).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "forbidden"),
            "{url}: {message}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{url} was not refused up front"
        );
    }
    for url in ["file:///etc/passwd", "ftp://example.com/x", "not a url"] {
        let response = server
            .post(&alice, "/api/jobs")
            .json(&json!({"kind": "demo.steps", "url": url}))
            .send()
            .await
            .expect("request");
        assert_eq!(error_code(response).await.0, 400, "{url}");
    }
    nothing_changed_and_still_serving(&server, &alice).await;
    server.stop().await;
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_expired_and_missing_tokens_are_unauthorized() {
    let server = TestServer::start().await;
    let payload =
        b64url(format!(r#"{{"sub":"alice","exp":{},"role":"admin"}}"#, now() + 3600).as_bytes());
    let alg_none = format!("{}.{payload}.", b64url(br#"{"alg":"none","typ":"JWT"}"#));
    let other_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "alice", "exp": now() + 3600}),
        &jsonwebtoken::EncodingKey::from_secret(b"not the server's secret"),
    )
    .expect("encode");
    let expired = {
        // Signed with the server's own key but expired an hour ago.
        let secret = std::fs::read_to_string(server.data_dir.path().join("jwt-secret"))
            .expect("generated secret");
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": "alice", "exp": now() - 3600}),
            &jsonwebtoken::EncodingKey::from_secret(secret.trim().as_bytes()),
        )
        .expect("encode")
    };
    for (name, token) in [
        ("alg none", alg_none.as_str()),
        ("another key", other_key.as_str()),
        ("expired", expired.as_str()),
        ("garbage", "abc.def.ghi"),
    ] {
        let response = server
            .get(token, "/api/jobs")
            .send()
            .await
            .expect("request");
        let (status, code, _) = error_code(response).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{name}");
    }
    let anonymous = server
        .http
        .get(server.url("/api/jobs"))
        .send()
        .await
        .expect("request");
    assert_eq!(error_code(anonymous).await.0, 401);
    let basic = server
        .http
        .get(server.url("/api/jobs"))
        .header("authorization", "Basic YWxpY2U6eA==")
        .send()
        .await
        .expect("request");
    assert_eq!(error_code(basic).await.0, 401);
    let alice = server.token("alice");
    nothing_changed_and_still_serving(&server, &alice).await;
    server.stop().await;
}
