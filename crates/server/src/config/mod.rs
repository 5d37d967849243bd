//! The server's configuration: one typed tree, loaded in two stages.
//!
//! Every setting is listed once, in `settings.rs`, which derives the
//! [`RawConfig`] from that list. Stage one (`raw.rs`, reading values with
//! `input.rs`) reads what each source says — the TOML file, the `JOBCAST_*`
//! variables, the command line — into a [`RawConfig`] where every setting
//! is optional and only its kind of value is checked. The sources are
//! merged (flags over environment over file), and stage two (`validate.rs`)
//! turns the result into a [`Config`] with every default filled in, or into
//! [`ConfigErrors`] listing *every* problem at once, so an operator fixes them
//! in one go instead of one restart per mistake.
//!
//! This module must not read the process environment or print anything: the
//! binary hands it the variables and decides what to do with warnings.
//! Secrets live in [`Secret`], which never shows its value in `Debug` or
//! `Display`, and URLs that may carry a password are redacted in `Debug`.

mod checks;
mod input;
mod problem;
mod raw;
mod settings;
mod validate;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use problem::{ConfigErrors, ConfigProblem, Origin};
pub use settings::RawConfig;
pub(crate) use validate::short_secret;

/// A value that must not be shown: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (signing, an
    /// `Authorization` header). Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// The shortest configured HS256 secret accepted, in bytes (RFC 7518 3.2:
/// a key at least as long as the hash). A shorter one stops the start-up.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// How tokens are verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtConfig {
    /// `JOBCAST_JWT_SECRET`: HS256 with this shared secret (the bytes of the
    /// string), at least [`MIN_JWT_SECRET_BYTES`] long.
    Secret(Secret),
    /// `JOBCAST_JWT_PUBLIC_KEY`: verify-only, with a PEM public key (the PEM
    /// text itself, already read from its file when a path was given).
    PublicKey {
        pem: String,
        algorithm: PublicKeyAlgorithm,
    },
    /// Neither was set: HS256 with a random secret kept in
    /// `<data_dir>/jwt-secret` (made on first start).
    Generated,
}

/// The asymmetric algorithms a public key may be used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyAlgorithm {
    /// An RSA key.
    RS256,
    /// An EC key on the P-256 curve.
    ES256,
}

impl fmt::Display for PublicKeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PublicKeyAlgorithm::RS256 => "RS256",
            PublicKeyAlgorithm::ES256 => "ES256",
        })
    }
}

/// Where the `invoice.extract` processor finds its LLM. The key and base URL
/// belong to `provider`, the one provider jobs may choose; without a
/// provider there is no LLM (and no key or base URL may be set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LlmConfig {
    pub provider: Option<jobcast_processors::llm::LlmProvider>,
    pub base_url: Option<String>,
    pub api_key: Option<Secret>,
    pub model: Option<String>,
}

/// The validated configuration. Every field has its final value.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres(ql)://...`. May hold a password: log it
    /// through [`redact_url`].
    pub database_url: String,
    /// `redis://` or `rediss://`; `None` runs a single instance.
    pub redis_url: Option<String>,
    pub jwt: JwtConfig,
    /// Origins allowed by CORS (`*` alone allows any); empty: same origin only.
    pub cors_origins: Vec<String>,
    pub max_upload_bytes: u64,
    pub max_files: usize,
    /// In-process workers.
    pub workers: usize,
    /// Host names, IP addresses and CIDR ranges URL jobs may reach even though
    /// they are private (see `crate::fetch`).
    pub url_allowlist: Vec<String>,
    pub fetch_timeout: Duration,
    pub llm: LlmConfig,
    pub job_max_attempts: u32,
    /// The longest one attempt of a job may run; past it the job is stopped
    /// and fails with `timeout`.
    pub job_timeout: Duration,
    /// A `tracing` filter (`info`, `jobcast=debug,...`); `None`: the binary's default.
    pub log: Option<String>,
    /// Limits of the Socket.IO layer.
    pub realtime: RealtimeConfig,
    /// Registers the benchmark-only kind `bench.emit` (see `bench/`).
    pub bench_kind: bool,
    /// Limits of the processes that parse documents, each a `parse_*` setting.
    pub parse: ParseConfig,
    /// The largest result a job may return, in bytes of JSON; a job over it
    /// fails with `result_too_large`. Also bounds the text read from one
    /// document.
    pub max_result_bytes: u64,
    /// The program that parses documents. Not a setting: the binary names
    /// itself (`jobcast parse-document`); `None` (tests) takes what
    /// `ParserProgram::locate` finds.
    pub parser: Option<jobcast_processors::ParserProgram>,
}

/// Limits of one document-parsing process (see `jobcast_processors::sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseConfig {
    /// Address space of the process, in bytes.
    pub max_memory: u64,
    /// Longest one parse may take.
    pub timeout: Duration,
    /// Pages one document may have.
    pub max_pages: u32,
    /// Bytes the streams of one document may decode to, together.
    pub max_decoded_bytes: u64,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_memory: 1 << 30,
            timeout: Duration::from_secs(60),
            max_pages: 5_000,
            max_decoded_bytes: 256 << 20,
        }
    }
}

/// Limits of the Socket.IO layer, each a `socket_*` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealtimeConfig {
    /// Job rooms one socket may be in at once.
    pub max_rooms: usize,
    /// Largest incoming Socket.IO packet, in bytes.
    pub max_payload: u64,
    /// Requests a socket may send per second (`join_job`, `join_user` — one
    /// more per 100 resume points —, `cancel_job`, `answer`; `leave_job` is
    /// free)...
    pub rate_per_sec: u32,
    /// ...and in one burst.
    pub rate_burst: u32,
    /// Open connections per user.
    pub max_connections_per_user: usize,
    /// Packets buffered per socket before its feeds pause.
    pub buffer: usize,
    /// How long a socket's buffer may stay full before it is disconnected.
    pub stall_timeout: Duration,
    /// Interval of keep-alive comments on an idle SSE stream.
    pub sse_keep_alive: Duration,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            max_rooms: 100,
            max_payload: 64 * 1024,
            rate_per_sec: 20,
            rate_burst: 40,
            max_connections_per_user: 50,
            buffer: 128,
            stall_timeout: Duration::from_secs(30),
            sse_keep_alive: Duration::from_secs(15),
        }
    }
}

/// Default values, in one place.
pub mod defaults {
    use std::time::Duration;

    pub const LISTEN: &str = "127.0.0.1:8080";
    pub const DATA_DIR: &str = "./jobcast-data";
    /// 25 MiB.
    pub const MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;
    pub const MAX_FILES: usize = 10;
    pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
    pub const JOB_MAX_ATTEMPTS: u32 = 3;
    /// Ten minutes.
    pub const JOB_TIMEOUT: Duration = Duration::from_secs(10 * 60);
    /// 8 MiB.
    pub const MAX_RESULT_BYTES: u64 = 8 << 20;
    /// The least memory a parse process can start in.
    pub const PARSE_MIN_MEMORY: u64 = 128 << 20;

    /// One worker per CPU.
    pub fn workers() -> usize {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

impl Config {
    /// Loads the configuration from its sources (flags over environment over
    /// file) and validates it. The file is `sources.file`, or else the one
    /// named by `JOBCAST_CONFIG` in `sources.env`.
    pub fn load(sources: ConfigSources) -> Result<Loaded, ConfigErrors> {
        validate::load(sources)
    }

    /// Every default, with the data (and the SQLite database, and the
    /// generated JWT secret) in `data_dir`, listening on `127.0.0.1:0`: what
    /// tests start from before changing the fields they care about.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database_url: default_database_url(&data_dir),
            data_dir,
            redis_url: None,
            jwt: JwtConfig::Generated,
            cors_origins: Vec::new(),
            max_upload_bytes: defaults::MAX_UPLOAD_BYTES,
            max_files: defaults::MAX_FILES,
            workers: defaults::workers(),
            url_allowlist: Vec::new(),
            fetch_timeout: defaults::FETCH_TIMEOUT,
            llm: LlmConfig::default(),
            job_max_attempts: defaults::JOB_MAX_ATTEMPTS,
            job_timeout: defaults::JOB_TIMEOUT,
            log: None,
            realtime: RealtimeConfig::default(),
            bench_kind: false,
            parse: ParseConfig::default(),
            max_result_bytes: defaults::MAX_RESULT_BYTES,
            parser: None,
        }
    }

    /// The file where a generated JWT secret is kept.
    pub fn jwt_secret_path(&self) -> PathBuf {
        self.data_dir.join("jwt-secret")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("jwt", &self.jwt)
            .field("cors_origins", &self.cors_origins)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_files", &self.max_files)
            .field("workers", &self.workers)
            .field("url_allowlist", &self.url_allowlist)
            .field("fetch_timeout", &self.fetch_timeout)
            .field("llm", &self.llm)
            .field("job_max_attempts", &self.job_max_attempts)
            .field("job_timeout", &self.job_timeout)
            .field("log", &self.log)
            .field("realtime", &self.realtime)
            .field("bench_kind", &self.bench_kind)
            .field("parse", &self.parse)
            .field("max_result_bytes", &self.max_result_bytes)
            .field("parser", &self.parser)
            .finish()
    }
}

/// `sqlite://<data_dir>/jobcast.db`.
pub fn default_database_url(data_dir: &Path) -> String {
    let dir = data_dir.display().to_string();
    format!("sqlite://{}/jobcast.db", dir.trim_end_matches('/'))
}

/// The URL with its password (if any) replaced by `***`, for logs and
/// messages. Text that is not a URL is returned as is.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                "<a URL with a password>".to_owned()
            }
        }
        _ => text.to_owned(),
    }
}

/// What [`Config::load`] reads.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// The TOML file (a `--config` flag); when `None`, `JOBCAST_CONFIG` names it.
    pub file: Option<PathBuf>,
    /// The process environment (`std::env::vars()`, collected by the binary).
    pub env: Vec<(String, String)>,
    /// Settings given on the command line; they win over everything else.
    pub flags: RawConfig,
}

/// A valid configuration, and what was odd about it (unknown keys and
/// variables): print the warnings, then go on.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}
