//! One request to a chat API, the part every API shares: sending it within
//! the time limit, an error status into its `LlmError`, the SSE events of the
//! answer (cut wherever the network likes, see `sse`) handed one by one to
//! the API's own reading until it sees the end, the text gathered with
//! progress published as it arrives, and, once the stream is over, the JSON
//! object read from the text — a refusal, a cut at `max_tokens` and a stream
//! cut short told apart. What differs from one API to the next is a
//! `StreamingApi`: how a request is written, how one event reads, and what a
//! stop reason means.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::watch;

use super::sse::{SseEvent, SseParser};
use super::{excerpt, max_tokens, parse_json_object, redact, ChatModel, LlmError, LlmRequest};

/// What one streaming chat API is, beyond what `complete` does for all;
/// every such API is a `ChatModel` (the impl below).
pub(super) trait StreamingApi: Send + Sync {
    /// The request, with its body and headers, ready to send.
    fn request(&self, request: &LlmRequest) -> reqwest::RequestBuilder;
    /// The key: kept out of every message.
    fn secret(&self) -> Option<&str>;
    /// Longest the whole request may take.
    fn timeout(&self) -> Duration;
    /// Reads one event of the answer into `answer`; `Ok(true)` once it says
    /// the answer is complete.
    fn read_event(&self, event: &SseEvent, answer: &mut Answer<'_>) -> Result<bool, LlmError>;
    /// What a stop (finish) reason the stream gave means.
    fn stop(&self, reason: &str) -> Stop;
}

#[async_trait]
impl<T: StreamingApi> ChatModel for T {
    async fn complete_json(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError> {
        complete(self, request, progress).await
    }
}

/// What a stop reason means.
pub(super) enum Stop {
    /// The model declined: its answer is not read.
    Refused(&'static str),
    /// The answer reached `max_tokens`: a bad answer says it was cut.
    MaxTokens,
    /// Anything else (the end of a turn).
    Other,
}

/// Sends `request` to `api` and reads its streamed answer into a JSON
/// object, all within the API's time limit; publishes on `progress` how
/// many pieces of text have arrived.
async fn complete(
    api: &impl StreamingApi,
    request: &LlmRequest,
    progress: &watch::Sender<u64>,
) -> Result<Value, LlmError> {
    bounded(api.timeout(), async {
        let secret = api.secret();
        let response = send(api.request(request), secret).await?;
        let mut answer = Answer::new(progress);
        let done = for_each_event(response, secret, |event| {
            api.read_event(&event, &mut answer)
        })
        .await?;
        answer.into_json(done, max_tokens(request), api)
    })
    .await
}

/// What the stream has said so far, filled in by the API's `read_event`.
pub(super) struct Answer<'a> {
    text: String,
    refusal: String,
    stop: Option<String>,
    progress: Progress<'a>,
}

impl<'a> Answer<'a> {
    fn new(progress: &'a watch::Sender<u64>) -> Self {
        Answer {
            text: String::new(),
            refusal: String::new(),
            stop: None,
            progress: Progress::new(progress),
        }
    }

    /// A piece of the answer's text.
    pub fn text(&mut self, piece: &str) {
        self.text.push_str(piece);
        self.progress.add(piece);
    }

    /// A piece of the refusal a model wrote instead of an answer.
    pub fn refusal(&mut self, piece: &str) {
        self.refusal.push_str(piece);
    }

    /// Why the model stopped.
    pub fn stop(&mut self, reason: &str) {
        self.stop = Some(reason.to_owned());
    }

    /// The answer as a JSON object, once the stream is over (`done`: the
    /// API said the answer was complete).
    fn into_json(
        self,
        done: bool,
        max_tokens: u32,
        api: &impl StreamingApi,
    ) -> Result<Value, LlmError> {
        if !self.refusal.is_empty() {
            return Err(LlmError::Refused(excerpt(&self.refusal)));
        }
        let stop = self.stop.as_deref().map(|reason| api.stop(reason));
        if let Some(Stop::Refused(why)) = stop {
            return Err(LlmError::Refused(why.to_owned()));
        }
        parse_json_object(&self.text).map_err(|err| match stop {
            None if !done => cut_short(&self.text),
            Some(Stop::MaxTokens) => LlmError::InvalidOutput(format!(
                "the answer was cut at max_tokens ({max_tokens}): {err}"
            )),
            _ => err,
        })
    }
}

/// The `data` of an event that must be JSON.
pub(super) fn event_json(event: &SseEvent) -> Result<Value, LlmError> {
    serde_json::from_str(&event.data).map_err(|_| {
        LlmError::InvalidOutput(format!(
            "unreadable stream event: {:?}",
            excerpt(&event.data)
        ))
    })
}

/// Runs a whole request within `timeout`.
async fn bounded<T>(
    timeout: Duration,
    work: impl std::future::Future<Output = Result<T, LlmError>>,
) -> Result<T, LlmError> {
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or(Err(LlmError::Timeout))
}

/// Sends the request and turns an error status into its `LlmError`.
async fn send(
    request: reqwest::RequestBuilder,
    secret: Option<&str>,
) -> Result<reqwest::Response, LlmError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(e, secret))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap_or_default();
    let detail = redact(&error_detail(&body), secret);
    let message = if detail.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {detail}", status.as_u16())
    };
    Err(match status.as_u16() {
        429 => match retry_after {
            Some(after) => LlmError::RateLimited(format!("{message} (retry after {after})")),
            None => LlmError::RateLimited(message),
        },
        401 | 403 => LlmError::Refused(message),
        code if code >= 500 => LlmError::Unavailable(message),
        _ => LlmError::Http(message),
    })
}

/// The server's own explanation: `error.message` when the body is the usual
/// JSON error, else the start of the body.
fn error_detail(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error"))
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
    });
    excerpt(message.unwrap_or(body))
}

/// A network failure: timeouts are `Timeout`; a refused, reset or cut
/// connection is `Unavailable` (transient). The URL is left out.
fn transport_error(error: reqwest::Error, secret: Option<&str>) -> LlmError {
    if error.is_timeout() {
        return LlmError::Timeout;
    }
    let builder = error.is_builder();
    let error = error.without_url();
    // reqwest's own message is vague ("error sending request"): add the causes.
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    let message = redact(&message, secret);
    if builder {
        LlmError::Config(message)
    } else {
        LlmError::Unavailable(message)
    }
}

/// Feeds the response's SSE events to `handle` until it reports the end of
/// the answer (`true`) or the stream ends; returns whether the end was seen.
async fn for_each_event(
    response: reqwest::Response,
    secret: Option<&str>,
    mut handle: impl FnMut(SseEvent) -> Result<bool, LlmError>,
) -> Result<bool, LlmError> {
    let mut chunks = response.bytes_stream();
    let mut parser = SseParser::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| transport_error(e, secret))?;
        for event in parser.push(&chunk) {
            if handle(event)? {
                return Ok(true);
            }
        }
    }
    // An event left without its blank line is used if it makes sense; if
    // the cut went through it, the caller sees an unfinished answer.
    Ok(parser
        .finish()
        .is_some_and(|event| handle(event).unwrap_or(false)))
}

/// A stream that ended before the answer did.
fn cut_short(partial: &str) -> LlmError {
    LlmError::Unavailable(format!(
        "the stream ended before the answer was complete ({} characters received)",
        partial.chars().count()
    ))
}

/// Counts what has arrived and publishes the count.
struct Progress<'a> {
    sender: &'a watch::Sender<u64>,
    received: u64,
}

impl<'a> Progress<'a> {
    fn new(sender: &'a watch::Sender<u64>) -> Self {
        Progress {
            sender,
            received: 0,
        }
    }

    fn add(&mut self, text: &str) {
        if !text.is_empty() {
            self.received += 1;
            self.sender.send_replace(self.received);
        }
    }
}
