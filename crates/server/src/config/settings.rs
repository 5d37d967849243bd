//! Every setting, written once.
//!
//! The table at the bottom lists each setting a single time: its name (the
//! TOML key; `JOBCAST_<NAME>` in upper case is its variable), the type of
//! its raw value, the kind of value it is read as (see `input::kind`), and
//! a line saying what it is. From it the [`settings!`] macro derives what
//! used to be written out once per setting in several places: the
//! [`RawConfig`] struct, the list of [`KEYS`], reading one value into its
//! field, merging two sources, asking whether a setting was given, and a
//! `Debug` that redacts URLs which may carry a password (`redacted`) —
//! secrets are [`Secret`]s and redact themselves.
//!
//! A new setting is one line here, its check and default in `validate.rs`
//! (and `defaults` in `mod.rs`), its field in [`Config`](super::Config),
//! and its row in README.md's table (a test holds the README to this list).

use std::fmt;
use std::path::PathBuf;

use super::input::{kind, Input};
use super::{redact_url, Secret};

/// Derives the raw configuration from the table of settings. Each entry is
/// `/// description`, then `name: Type = kind`, then `, redacted` for a URL
/// that may hold a password.
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $key:ident: $ty:ty = $kind:ident $(, $redacted:ident)?;
    )*) => {
        /// Every setting, as one source gave it. Build one by hand for flags
        /// (`RawConfig { workers: Some(4), ..RawConfig::default() }`).
        #[derive(Clone, Default, PartialEq, Eq)]
        pub struct RawConfig {
            $(
                $(#[doc = $doc])*
                pub $key: Option<$ty>,
            )*
        }

        /// The name of every setting: TOML keys, and `JOBCAST_<KEY>` in upper case.
        pub const KEYS: &[&str] = &[$(stringify!($key)),*];

        impl RawConfig {
            /// `self` overlaid with `over`: every setting `over` has wins.
            pub fn merge(self, over: RawConfig) -> RawConfig {
                RawConfig {
                    $($key: over.$key.or(self.$key),)*
                }
            }

            /// Whether the setting named `key` (one of [`KEYS`]) has a value.
            pub fn is_set(&self, key: &str) -> bool {
                match key {
                    $(stringify!($key) => self.$key.is_some(),)*
                    _ => false,
                }
            }

            /// Sets one known key; the error says what is wrong with the
            /// value (without repeating a secret).
            pub(super) fn set(&mut self, key: &str, value: &Input<'_>) -> Result<(), String> {
                match key {
                    $(stringify!($key) => self.$key = Some(kind::$kind(value)?),)*
                    other => return Err(format!("unknown setting {other}")),
                }
                Ok(())
            }
        }

        impl fmt::Debug for RawConfig {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("RawConfig")
                    $(.field(stringify!($key), &shown!($($redacted)? self.$key)))*
                    .finish()
            }
        }
    };
}

/// A raw value as `Debug` shows it: URLs that may hold a password redacted.
macro_rules! shown {
    (redacted $value:expr) => {
        $value.as_deref().map(redact_url)
    };
    ($value:expr) => {
        $value
    };
}

settings! {
    /// Address and port of the HTTP server (`127.0.0.1:8080`, `[::]:8080`).
    listen: String = text;
    /// Directory of the SQLite database and the generated JWT secret.
    data_dir: PathBuf = path;
    /// `sqlite://PATH` or `postgres://...`; may hold a password.
    database_url: String = text, redacted;
    /// `redis://...` or `rediss://...`; unset runs a single instance.
    redis_url: String = text, redacted;
    /// The shared HS256 secret, at least 32 bytes.
    jwt_secret: Secret = secret;
    /// An RS256/ES256 public key: PEM text, or the path of a PEM file.
    jwt_public_key: String = text;
    /// `HS256`, `RS256` or `ES256`; by default, what the key is for.
    jwt_algorithm: String = text;
    /// Origins allowed to call the API (`*` alone: any).
    cors_origins: Vec<String> = list;
    /// Largest uploaded file or downloaded URL, in bytes.
    max_upload_bytes: u64 = size;
    /// Files per upload request.
    max_files: usize = count;
    /// In-process workers.
    workers: usize = count;
    /// Hosts and CIDR ranges URL jobs may reach although private.
    url_allowlist: Vec<String> = list;
    /// Time limit of a URL download, in milliseconds.
    fetch_timeout_ms: u64 = millis;
    /// The LLM provider's address (required for `compatible`).
    llm_base_url: String = text, redacted;
    /// The LLM provider's key.
    llm_api_key: Secret = secret;
    /// The LLM model.
    llm_model: String = text;
    /// `openai`, `anthropic`, `ollama` or `compatible`: the one provider jobs may choose.
    llm_provider: String = text;
    /// Attempts before a job fails for good.
    job_max_attempts: u32 = count;
    /// Longest one attempt of a job may run, in milliseconds.
    job_timeout_ms: u64 = millis;
    /// A `tracing` filter (`info`, `jobcast=debug,...`).
    log: String = text;
    /// Job rooms one Socket.IO connection may be in.
    socket_max_rooms: usize = count;
    /// Largest incoming Socket.IO packet, in bytes.
    socket_max_payload: u64 = size;
    /// Requests a socket may send per second.
    socket_rate_per_sec: u32 = count;
    /// Requests a socket may send in one burst.
    socket_rate_burst: u32 = count;
    /// Open Socket.IO connections per user.
    socket_max_per_user: usize = count;
    /// Packets buffered per socket before its feeds pause.
    socket_buffer: usize = count;
    /// How long a socket's buffer may stay full before it is closed, in milliseconds.
    socket_stall_timeout_ms: u64 = millis;
    /// Interval of keep-alive comments on an idle SSE stream, in milliseconds.
    sse_keep_alive_ms: u64 = millis;
    /// Registers the benchmark-only kind `bench.emit`.
    bench_kind: bool = boolean;
    /// Address space of one parse process, in bytes.
    parse_max_memory: u64 = size;
    /// Longest one document may take to parse, in milliseconds.
    parse_timeout_ms: u64 = millis;
    /// Pages one document may have.
    parse_max_pages: u32 = count;
    /// Bytes the streams of one document may decode to, together.
    parse_max_decoded_bytes: u64 = size;
    /// Largest result a job may return, in bytes of JSON.
    max_result_bytes: u64 = size;
}
