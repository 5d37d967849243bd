//! The Anthropic Messages API, streamed. It has no JSON mode: the system
//! prompt asks for a JSON object only, and the text is parsed like any other.

use std::time::Duration;

use serde_json::{json, Value};

use super::sse::SseEvent;
use super::stream::{event_json, Answer, Stop, StreamingApi};
use super::{endpoint, excerpt, max_tokens, redact, system_prompt, LlmError, LlmRequest};

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
}

impl StreamingApi for AnthropicChat {
    fn request(&self, request: &LlmRequest) -> reqwest::RequestBuilder {
        let body = json!({
            "model": self.model,
            "max_tokens": max_tokens(request),
            "system": system_prompt(&request.system),
            "messages": [{"role": "user", "content": request.user}],
            "stream": true,
        });
        self.http
            .post(self.url.clone())
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&body)
    }

    fn secret(&self) -> Option<&str> {
        Some(self.api_key.as_str())
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn read_event(&self, event: &SseEvent, answer: &mut Answer<'_>) -> Result<bool, LlmError> {
        let data = event_json(event)?;
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .or(event.event.as_deref())
            .unwrap_or_default();
        match kind {
            "content_block_delta" => {
                if let Some(delta) = data.pointer("/delta/text").and_then(Value::as_str) {
                    answer.text(delta);
                }
            }
            "message_delta" => {
                if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    answer.stop(reason);
                }
            }
            "message_stop" => return Ok(true),
            "error" => return Err(stream_error(&data, self.secret())),
            _ => {} // message_start, content_block_start/stop, ping
        }
        Ok(false)
    }

    fn stop(&self, reason: &str) -> Stop {
        match reason {
            "refusal" => Stop::Refused("the model declined to answer"),
            "max_tokens" => Stop::MaxTokens,
            _ => Stop::Other,
        }
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
