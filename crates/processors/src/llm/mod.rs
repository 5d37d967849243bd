//! Chat models for the LLM-backed kinds (`invoice.extract`'s
//! `model_provider`). One small trait, `ChatModel`, asks for a JSON object
//! and streams the answer so the job can report progress while it arrives;
//! the providers behind it speak either the OpenAI chat-completions API
//! (OpenAI, Ollama, vLLM, LM Studio, ...) or the Anthropic Messages API.
//!
//! What this module must not do: take an address or a key from anywhere but
//! `LlmSettings` (a job only names the provider), send the key anywhere but
//! the provider it was configured for (`LlmSettings::provider`: a job that
//! names another is refused), put the key in an error, a log or a `Debug`,
//! or retry by itself — `LlmError::retryable` tells the caller, and the
//! worker owns retries.

mod anthropic;
mod openai;
mod sse;
mod stream;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::watch;

use crate::LlmSettings;

/// One request: the instructions, the document, and a cap on the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmRequest {
    pub system: String,
    pub user: String,
    pub max_tokens: u32,
}

#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Asks for a JSON object; streams, reporting the number of output tokens
    /// (or chunks) received so far on `progress`; returns the parsed JSON
    /// object.
    async fn complete_json(
        &self,
        request: &LlmRequest,
        progress: &watch::Sender<u64>,
    ) -> Result<Value, LlmError>;
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("LLM configuration: {0}")]
    Config(String),
    #[error("LLM rate limited: {0}")]
    RateLimited(String),
    #[error("LLM unavailable: {0}")]
    Unavailable(String),
    #[error("LLM request timed out")]
    Timeout,
    #[error("LLM HTTP error: {0}")]
    Http(String),
    #[error("LLM returned invalid output: {0}")]
    InvalidOutput(String),
    #[error("LLM refused: {0}")]
    Refused(String),
}

impl LlmError {
    /// Whether the same request may succeed later: rate limits, overloaded or
    /// unreachable servers, dropped connections and timeouts.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited(_) | LlmError::Unavailable(_) | LlmError::Timeout
        )
    }

    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Config(_) => "llm_config",
            LlmError::RateLimited(_) => "llm_rate_limited",
            LlmError::Unavailable(_) => "llm_unavailable",
            LlmError::Timeout => "llm_timeout",
            LlmError::Http(_) => "llm_http",
            LlmError::InvalidOutput(_) => "llm_invalid_output",
            LlmError::Refused(_) => "llm_refused",
        }
    }
}

/// The LLM API a configured key and base URL belong to
/// (`JOBCAST_LLM_PROVIDER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProvider {
    /// The OpenAI API (`https://api.openai.com/v1` unless a base URL is set).
    OpenAi,
    /// The Anthropic Messages API (`https://api.anthropic.com` by default).
    Anthropic,
    /// Ollama's OpenAI-compatible API (`http://127.0.0.1:11434/v1` by default).
    Ollama,
    /// Any OpenAI-compatible server at the configured base URL.
    Compatible,
}

impl LlmProvider {
    /// Every provider, as `JOBCAST_LLM_PROVIDER` and `model_provider` name them.
    pub const ALL: [LlmProvider; 4] = [
        LlmProvider::OpenAi,
        LlmProvider::Anthropic,
        LlmProvider::Ollama,
        LlmProvider::Compatible,
    ];

    /// `openai`, `anthropic`, `ollama` or `compatible`.
    pub fn parse(name: &str) -> Option<LlmProvider> {
        LlmProvider::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            LlmProvider::OpenAi => "openai",
            LlmProvider::Anthropic => "anthropic",
            LlmProvider::Ollama => "ollama",
            LlmProvider::Compatible => "compatible",
        }
    }

    /// Whether it cannot work without an API key.
    pub fn needs_key(self) -> bool {
        matches!(self, LlmProvider::OpenAi | LlmProvider::Anthropic)
    }

    /// Whether it has no default address, so a base URL is required.
    pub fn needs_base_url(self) -> bool {
        self == LlmProvider::Compatible
    }
}

impl std::fmt::Display for LlmProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

const OPENAI_URL: &str = "https://api.openai.com/v1";
const OPENAI_MODEL: &str = "gpt-4o-mini";
const OLLAMA_URL: &str = "http://127.0.0.1:11434/v1";
const OLLAMA_MODEL: &str = "llama3.2";
const ANTHROPIC_URL: &str = "https://api.anthropic.com";
const ANTHROPIC_MODEL: &str = "claude-haiku-4-5";
/// Used when the request asks for no cap (`max_tokens: 0`).
const DEFAULT_MAX_TOKENS: u32 = 4096;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a server's error or of a bad answer goes into a message.
const EXCERPT_CHARS: usize = 200;
/// Added to the system prompt when it does not ask for JSON itself
/// (OpenAI's JSON mode rejects a request whose messages never say "JSON").
const JSON_ONLY: &str =
    "Respond with a single JSON object and nothing else: no prose, no code fences.";

/// The model for a job's `model_provider`: only the provider `settings`
/// are for (`JOBCAST_LLM_PROVIDER`), with its base URL, key and model;
/// `timeout` bounds each whole request.
pub fn model_for(
    provider: &str,
    settings: &LlmSettings,
    timeout: Duration,
) -> Result<Arc<dyn ChatModel>, LlmError> {
    let Some(wanted) = LlmProvider::parse(provider) else {
        let expected = "openai, anthropic, ollama or compatible";
        let message = format!("unknown model provider `{provider}` (expected {expected})");
        return Err(LlmError::Config(message));
    };
    match settings.provider {
        Some(configured) if configured == wanted => {}
        Some(configured) => {
            return Err(LlmError::Config(format!(
                "model provider `{wanted}` is not available: this server's LLM is `{configured}` (JOBCAST_LLM_PROVIDER), and its key is never sent elsewhere"
            )))
        }
        None => {
            return Err(LlmError::Config(format!(
                "model provider `{wanted}` is not available: no LLM is configured (JOBCAST_LLM_PROVIDER, with JOBCAST_LLM_API_KEY or JOBCAST_LLM_BASE_URL)"
            )))
        }
    }
    let base = |default: Option<&str>| -> Result<reqwest::Url, LlmError> {
        let raw = match (settings.base_url.as_deref().map(str::trim), default) {
            (Some(url), _) if !url.is_empty() => url,
            (_, Some(default)) => default,
            _ => {
                return Err(LlmError::Config(format!(
                    "provider `{wanted}` needs a base URL (JOBCAST_LLM_BASE_URL)"
                )))
            }
        };
        parse_base(raw)
    };
    let key = || -> Result<Option<String>, LlmError> {
        match settings.api_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => Ok(Some(key.to_owned())),
            _ if wanted.needs_key() => Err(LlmError::Config(format!(
                "provider `{wanted}` needs an API key (JOBCAST_LLM_API_KEY)"
            ))),
            _ => Ok(None),
        }
    };
    let model = |default: &str| {
        settings
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(default)
            .to_owned()
    };
    let http = http_client()?;
    let model: Arc<dyn ChatModel> = match wanted {
        LlmProvider::OpenAi => Arc::new(openai::OpenAiChat::new(
            http,
            base(Some(OPENAI_URL))?,
            key()?,
            model(OPENAI_MODEL),
            timeout,
        )),
        LlmProvider::Ollama => Arc::new(openai::OpenAiChat::new(
            http,
            base(Some(OLLAMA_URL))?,
            key()?,
            model(OLLAMA_MODEL),
            timeout,
        )),
        LlmProvider::Compatible => Arc::new(openai::OpenAiChat::new(
            http,
            base(None)?,
            key()?,
            model(OPENAI_MODEL),
            timeout,
        )),
        LlmProvider::Anthropic => Arc::new(anthropic::AnthropicChat::new(
            http,
            base(Some(ANTHROPIC_URL))?,
            key()?,
            model(ANTHROPIC_MODEL),
            timeout,
        )),
    };
    Ok(model)
}

fn parse_base(raw: &str) -> Result<reqwest::Url, LlmError> {
    let url = reqwest::Url::parse(raw.trim_end_matches('/'))
        .map_err(|e| LlmError::Config(format!("invalid LLM base URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(LlmError::Config(
            "the LLM base URL must be an http(s) URL".to_owned(),
        ));
    }
    Ok(url)
}

/// `{base}/{path}`, keeping the base's own path (`.../v1`).
fn endpoint(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// One client for every model: it holds the connection pool and the TLS
/// roots, which are costly to build per job.
fn http_client() -> Result<reqwest::Client, LlmError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("jobcast/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

/// The system prompt, with the JSON instruction added when it lacks one.
fn system_prompt(system: &str) -> String {
    if system.to_ascii_lowercase().contains("json") {
        system.to_owned()
    } else if system.trim().is_empty() {
        JSON_ONLY.to_owned()
    } else {
        format!("{system}\n\n{JSON_ONLY}")
    }
}

fn max_tokens(request: &LlmRequest) -> u32 {
    if request.max_tokens == 0 {
        DEFAULT_MAX_TOKENS
    } else {
        request.max_tokens
    }
}

fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => text.replace(secret, "***"),
        _ => text.to_owned(),
    }
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The model's whole answer as a JSON object. Tolerates what models add
/// around it anyway: Markdown fences and a sentence before or after.
fn parse_json_object(text: &str) -> Result<Value, LlmError> {
    let trimmed = strip_fences(text.trim());
    let candidates = [
        Some(trimmed),
        text.find('{')
            .zip(text.rfind('}'))
            .filter(|(start, end)| start < end)
            .map(|(start, end)| &text[start..=end]),
    ];
    for candidate in candidates.into_iter().flatten() {
        if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(candidate) {
            return Ok(value);
        }
    }
    let why = match serde_json::from_str::<Value>(trimmed) {
        Ok(_) => "not a JSON object",
        Err(_) if trimmed.is_empty() => "empty answer",
        Err(_) => "not valid JSON",
    };
    Err(LlmError::InvalidOutput(format!(
        "{why}: {:?}",
        excerpt(text)
    )))
}

fn strip_fences(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else {
        return text;
    };
    // Drop the info string (```json) up to the end of the line.
    let rest = rest.split_once('\n').map_or(rest, |(_, body)| body);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_found_inside_fences_and_prose() {
        let expected = json!({"a": 1});
        for text in [
            "{\"a\": 1}",
            "```json\n{\"a\": 1}\n```",
            "```\n{\"a\": 1}\n```\n",
            "Here it is:\n{\"a\": 1}\nDone.",
            "```{\"a\": 1}```",
        ] {
            assert_eq!(
                parse_json_object(text).ok(),
                Some(expected.clone()),
                "{text}"
            );
        }
    }

    #[test]
    fn anything_but_an_object_is_invalid_output() {
        for text in ["", "[1, 2]", "{\"a\": ", "no json here"] {
            let err = parse_json_object(text).err();
            assert!(
                matches!(err, Some(LlmError::InvalidOutput(_))),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = parse_base("http://localhost:8000/v1/").ok();
        let url = base.map(|b| endpoint(&b, "chat/completions").to_string());
        assert_eq!(
            url.as_deref(),
            Some("http://localhost:8000/v1/chat/completions")
        );
    }

    #[test]
    fn errors_know_their_code_and_retry() {
        assert!(LlmError::Timeout.retryable());
        assert!(!LlmError::Refused(String::new()).retryable());
        assert_eq!(
            LlmError::RateLimited(String::new()).code(),
            "llm_rate_limited"
        );
    }
}
