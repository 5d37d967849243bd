//! Issue 11, failure 10: an LLM API key went to whichever provider a job
//! named. With a key configured and no base URL, a job choosing
//! `model_provider=openai` sent it to the OpenAI host (and the reverse).
//!
//! The real binary runs with an Anthropic key and `HTTPS_PROXY` pointing at
//! a local listener that records every `CONNECT` (the host each LLM request
//! goes to; the key itself travels inside the TLS tunnel the listener
//! refuses). The key may only ever head for the Anthropic host. What reaches
//! the host, key included, is checked against fake providers in
//! `crates/processors/tests/llm_credentials.rs`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{block_on, token, Running};
use serde_json::{json, Value};

/// A proxy that writes down the target of each `CONNECT` and refuses it.
struct RecordingProxy {
    address: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                // The head ends at an empty line.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let target = first.split_whitespace().nth(1).unwrap_or("").to_owned();
                seen.lock().expect("lock").push(target);
                let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            }
        });
        RecordingProxy { address, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("lock").clone()
    }

    /// Waits (at most 30 s) until something went through the proxy.
    fn wait_for_any(&self) -> Vec<String> {
        let start = Instant::now();
        loop {
            let targets = self.targets();
            if !targets.is_empty() {
                return targets;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no LLM request within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `POST /api/jobs`: an `invoice.extract` job from text with `provider`.
fn create(server: &Running, token: &str, provider: &str) -> (u16, Value) {
    block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{}/api/jobs", server.base))
            .bearer_auth(token)
            .json(&json!({
                "kind": "invoice.extract",
                "text": "Invoice INV-7\nTotal 12.50 EUR",
                "filename": "invoice.txt",
                "options": {"model_provider": provider},
            }))
            .send()
            .await
            .expect("POST /api/jobs");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    })
}

#[test]
fn an_anthropic_key_never_heads_for_another_provider() {
    let proxy = RecordingProxy::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let server = Running::start_with(
        &data,
        "127.0.0.1:0",
        &[
            ("JOBCAST_LLM_PROVIDER", "anthropic"),
            ("JOBCAST_LLM_API_KEY", "sk-ant-issue-11-test-key"),
            ("HTTPS_PROXY", &proxy.address),
            ("HTTP_PROXY", &proxy.address),
            ("ALL_PROXY", &proxy.address),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    let token = token(&data, "alice");

    for other in ["openai", "ollama", "compatible"] {
        let (status, body) = create(&server, &token, other);
        if status == 202 {
            let targets = proxy.wait_for_any();
            panic!(
                "a job with model_provider={other} was accepted, and the server with an Anthropic key connected to {targets:?}"
            );
        }
        assert_eq!(status, 422, "{other}: {body}");
        assert_eq!(body["error"]["code"], "invalid_options", "{other}: {body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("JOBCAST_LLM_PROVIDER") && message.contains("anthropic"),
            "{other}: {message}"
        );
        assert!(
            !message.contains("sk-ant-issue-11"),
            "the key is shown: {message}"
        );
    }
    assert!(
        proxy.targets().is_empty(),
        "refused jobs made requests: {:?}",
        proxy.targets()
    );

    // The provider the key belongs to is used, at its own host.
    let (status, body) = create(&server, &token, "anthropic");
    assert_eq!(status, 202, "{body}");
    let targets = proxy.wait_for_any();
    server.kill_9();
    let targets: Vec<String> = targets.into_iter().chain(proxy.targets()).collect();
    assert!(
        targets.iter().all(|t| t == "api.anthropic.com:443"),
        "{targets:?}"
    );
}
