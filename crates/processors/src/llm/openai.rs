//! The OpenAI chat-completions API, streamed, in JSON mode. OpenAI itself,
//! Ollama and any compatible server (vLLM, LM Studio, LiteLLM, ...) all speak
//! it; only the base URL, the key and the model differ.

use std::time::Duration;

use serde_json::{json, Value};

use super::sse::SseEvent;
use super::stream::{event_json, Answer, Stop, StreamingApi};
use super::{endpoint, excerpt, max_tokens, redact, system_prompt, LlmError, LlmRequest};

/// No `Debug`: it holds the key.
pub(crate) struct OpenAiChat {
    http: reqwest::Client,
    url: reqwest::Url,
    api_key: Option<String>,
    model: String,
    timeout: Duration,
}

impl OpenAiChat {
    pub fn new(
        http: reqwest::Client,
        base: reqwest::Url,
        api_key: Option<String>,
        model: String,
        timeout: Duration,
    ) -> Self {
        OpenAiChat {
            http,
            url: endpoint(&base, "chat/completions"),
            api_key,
            model,
            timeout,
        }
    }
}

impl StreamingApi for OpenAiChat {
    fn request(&self, request: &LlmRequest) -> reqwest::RequestBuilder {
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system_prompt(&request.system)},
                {"role": "user", "content": request.user},
            ],
            "max_tokens": max_tokens(request),
            "stream": true,
            "response_format": {"type": "json_object"},
        });
        let http = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&body);
        match &self.api_key {
            Some(key) => http.bearer_auth(key),
            None => http,
        }
    }

    fn secret(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn read_event(&self, event: &SseEvent, answer: &mut Answer<'_>) -> Result<bool, LlmError> {
        if event.data.trim() == "[DONE]" {
            return Ok(true);
        }
        let chunk = event_json(event)?;
        if let Some(error) = chunk.get("error") {
            return Err(stream_error(error, self.secret()));
        }
        let Some(choice) = chunk.pointer("/choices/0") else {
            return Ok(false); // e.g. a usage-only chunk
        };
        if let Some(content) = choice.pointer("/delta/content").and_then(Value::as_str) {
            answer.text(content);
        }
        if let Some(part) = choice.pointer("/delta/refusal").and_then(Value::as_str) {
            answer.refusal(part);
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            answer.stop(reason);
        }
        Ok(false)
    }

    fn stop(&self, reason: &str) -> Stop {
        match reason {
            "content_filter" => Stop::Refused("the answer was stopped by the content filter"),
            "length" => Stop::MaxTokens,
            _ => Stop::Other,
        }
    }
}

/// An error the server sent inside the stream instead of a status.
fn stream_error(error: &Value, secret: Option<&str>) -> LlmError {
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .unwrap_or("error in the stream");
    let message = redact(&excerpt(message), secret);
    let kind = [error.get("type"), error.get("code")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if kind.contains("rate_limit") {
        LlmError::RateLimited(message)
    } else if kind.contains("invalid_request") {
        LlmError::Http(message)
    } else {
        LlmError::Unavailable(message)
    }
}
