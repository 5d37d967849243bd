//! The Anthropic Messages API, streamed. It has no JSON mode: the system
//! prompt asks for a JSON object only, and the text is parsed like any other.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::{
    bounded, cut_short, endpoint, excerpt, for_each_event, max_tokens, parse_json_object, redact,
    send, system_prompt, ChatModel, LlmError, LlmRequest, Progress,
};

const API_VERSION: &str = "2023-06-01";

/// No `Debug`: it holds the key.
pub(crate) struct AnthropicChat {
    http: reqwest::Client,
    url: reqwest::Url,
    api_key: String,
    model: String,
    timeout: Duration,
}

impl AnthropicChat {
    /// `api_key` is required by `model_for`; a base URL given with its
    /// `/v1` is accepted too.
    pub fn new(
        http: reqwest::Client,
        mut base: reqwest::Url,
        api_key: Option<String>,
        model: String,
        timeout: Duration,
    ) -> Self {
        let path = base.path().trim_end_matches('/');
        let path = path.strip_suffix("/v1").unwrap_or(path).to_owned();
        base.set_path(&path);
        AnthropicChat {
            http,
            url: endpoint(&base, "v1/messages"),
            api_key: api_key.unwrap_or_default(),
            model,
            timeout,
        }
    }

    async fn run(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
        let body = json!({
            "model": self.model,
            "max_tokens": max_tokens(request),
            "system": system_prompt(&request.system),
            "messages": [{"role": "user", "content": request.user}],
            "stream": true,
        });
        let http = self
            .http
            .post(self.url.clone())
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&body);
        let secret = Some(self.api_key.as_str());
        let response = send(http, secret).await?;

        let mut progress = Progress::new(progress);
        let mut text = String::new();
        let mut stop: Option<String> = None;
        let done = for_each_event(response, secret, |event| {
            let data: Value = serde_json::from_str(&event.data).map_err(|_| {
                LlmError::InvalidOutput(format!(
                    "unreadable stream event: {:?}",
                    excerpt(&event.data)
                ))
            })?;
            let kind = data
                .get("type")
                .and_then(Value::as_str)
                .or(event.event.as_deref())
                .unwrap_or_default();
            match kind {
                "content_block_delta" => {
                    if let Some(delta) = data.pointer("/delta/text").and_then(Value::as_str) {
                        text.push_str(delta);
                        progress.add(delta);
                    }
                }
                "message_delta" => {
                    if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str)
                    {
                        stop = Some(reason.to_owned());
                    }
                }
                "message_stop" => return Ok(true),
                "error" => return Err(stream_error(&data, secret)),
                _ => {} // message_start, content_block_start/stop, ping
            }
            Ok(false)
        })
        .await?;

        if stop.as_deref() == Some("refusal") {
            return Err(LlmError::Refused("the model declined to answer".to_owned()));
        }
        parse_json_object(&text).map_err(|err| match stop.as_deref() {
            _ if !done && stop.is_none() => cut_short(&text),
            Some("max_tokens") => LlmError::InvalidOutput(format!(
                "the answer was cut at max_tokens ({}): {err}",
                max_tokens(request)
            )),
            _ => err,
        })
    }
}

#[async_trait]
impl ChatModel for AnthropicChat {
    async fn complete_json(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
        bounded(self.timeout, self.run(request, progress)).await
    }
}

/// An `error` event: the stream's way of reporting an overload or a limit
/// after the 200 status was sent.
fn stream_error(data: &Value, secret: Option<&str>) -> LlmError {
    let kind = data
        .pointer("/error/type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = data
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("error in the stream");
    let message = redact(&excerpt(&format!("{kind}: {message}")), secret);
    match kind {
        "rate_limit_error" => LlmError::RateLimited(message),
        "overloaded_error" | "api_error" => LlmError::Unavailable(message),
        "authentication_error" | "permission_error" => LlmError::Refused(message),
        _ => LlmError::Http(message),
    }
}
