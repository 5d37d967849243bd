//! The OpenAI chat-completions API, streamed, in JSON mode. OpenAI itself,
//! Ollama and any compatible server (vLLM, LM Studio, LiteLLM, ...) all speak
//! it; only the base URL, the key and the model differ.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::{
    bounded, cut_short, endpoint, excerpt, for_each_event, max_tokens, parse_json_object, redact,
    send, system_prompt, ChatModel, LlmError, LlmRequest, Progress,
};

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

    async fn run(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
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
        let mut http = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&body);
        if let Some(key) = &self.api_key {
            http = http.bearer_auth(key);
        }
        let secret = self.api_key.as_deref();
        let response = send(http, secret).await?;

        let mut progress = Progress::new(progress);
        let mut text = String::new();
        let mut refusal = String::new();
        let mut finish: Option<String> = None;
        let done = for_each_event(response, secret, |event| {
            if event.data.trim() == "[DONE]" {
                return Ok(true);
            }
            let chunk: Value = serde_json::from_str(&event.data).map_err(|_| {
                LlmError::InvalidOutput(format!(
                    "unreadable stream event: {:?}",
                    excerpt(&event.data)
                ))
            })?;
            if let Some(error) = chunk.get("error") {
                return Err(stream_error(error, secret));
            }
            let Some(choice) = chunk.pointer("/choices/0") else {
                return Ok(false); // e.g. a usage-only chunk
            };
            if let Some(content) = choice.pointer("/delta/content").and_then(Value::as_str) {
                text.push_str(content);
                progress.add(content);
            }
            if let Some(part) = choice.pointer("/delta/refusal").and_then(Value::as_str) {
                refusal.push_str(part);
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                finish = Some(reason.to_owned());
            }
            Ok(false)
        })
        .await?;

        if !refusal.is_empty() {
            return Err(LlmError::Refused(excerpt(&refusal)));
        }
        if finish.as_deref() == Some("content_filter") {
            return Err(LlmError::Refused(
                "the answer was stopped by the content filter".to_owned(),
            ));
        }
        parse_json_object(&text).map_err(|err| match finish.as_deref() {
            _ if !done && finish.is_none() => cut_short(&text),
            Some("length") => LlmError::InvalidOutput(format!(
                "the answer was cut at max_tokens ({}): {err}",
                max_tokens(request)
            )),
            _ => err,
        })
    }
}

#[async_trait]
impl ChatModel for OpenAiChat {
    async fn complete_json(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
        bounded(self.timeout, self.run(request, progress)).await
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
