//! Stage one: each setting exactly as one source gave it.
//!
//! A [`RawConfig`] is what the TOML file, the `JOBCAST_*` variables or the
//! command line said — every field optional, nothing defaulted, only the kind
//! of value checked (a number is a number). Sources are merged with
//! [`RawConfig::merge`] and only then validated, so that problems in several
//! sources are all reported together. Unknown keys and variables are
//! collected as non-fatal problems (usually typos worth a warning).
//! Nothing here reads the process environment: the caller passes the variables.

use std::fmt;
use std::path::{Path, PathBuf};

use super::problem::{env_name, ConfigProblem, Origin};
use super::{redact_url, Secret};

/// Every setting, as one source gave it. Build one by hand for flags
/// (`RawConfig { workers: Some(4), ..RawConfig::default() }`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub jwt_secret: Option<Secret>,
    /// PEM text, or the path of a PEM file.
    pub jwt_public_key: Option<String>,
    pub jwt_algorithm: Option<String>,
    pub cors_origins: Option<Vec<String>>,
    pub max_upload_bytes: Option<u64>,
    pub max_files: Option<usize>,
    pub workers: Option<usize>,
    pub url_allowlist: Option<Vec<String>>,
    pub fetch_timeout_ms: Option<u64>,
    pub llm_base_url: Option<String>,
    pub llm_api_key: Option<Secret>,
    pub llm_model: Option<String>,
    pub llm_provider: Option<String>,
    pub job_max_attempts: Option<u32>,
    pub job_timeout_ms: Option<u64>,
    pub log: Option<String>,
    pub socket_max_rooms: Option<usize>,
    pub socket_max_payload: Option<u64>,
    pub socket_rate_per_sec: Option<u32>,
    pub socket_rate_burst: Option<u32>,
    pub socket_max_per_user: Option<usize>,
    pub socket_buffer: Option<usize>,
    pub socket_stall_timeout_ms: Option<u64>,
    pub sse_keep_alive_ms: Option<u64>,
    pub bench_kind: Option<bool>,
    pub parse_max_memory: Option<u64>,
    pub parse_timeout_ms: Option<u64>,
    pub parse_max_pages: Option<u32>,
    pub parse_max_decoded_bytes: Option<u64>,
    pub max_result_bytes: Option<u64>,
}

/// The name of every setting: TOML keys, and `JOBCAST_<KEY>` in upper case.
pub const KEYS: [&str; 34] = [
    "listen",
    "data_dir",
    "database_url",
    "redis_url",
    "jwt_secret",
    "jwt_public_key",
    "jwt_algorithm",
    "cors_origins",
    "max_upload_bytes",
    "max_files",
    "workers",
    "url_allowlist",
    "fetch_timeout_ms",
    "llm_base_url",
    "llm_api_key",
    "llm_model",
    "llm_provider",
    "job_max_attempts",
    "job_timeout_ms",
    "log",
    "socket_max_rooms",
    "socket_max_payload",
    "socket_rate_per_sec",
    "socket_rate_burst",
    "socket_max_per_user",
    "socket_buffer",
    "socket_stall_timeout_ms",
    "sse_keep_alive_ms",
    "bench_kind",
    "parse_max_memory",
    "parse_timeout_ms",
    "parse_max_pages",
    "parse_max_decoded_bytes",
    "max_result_bytes",
];

/// `JOBCAST_*` variables that belong to other parts (the CLI client, tests)
/// and are not settings of the server.
fn is_foreign_variable(rest: &str) -> bool {
    matches!(rest, "CONFIG" | "SERVER" | "TOKEN") || rest.starts_with("TEST_")
}

/// One value from a source.
enum Input<'a> {
    /// An environment variable: always text; lists are comma-separated.
    Env(&'a str),
    Toml(&'a toml::Value),
}

impl Input<'_> {
    fn text(&self) -> Result<String, String> {
        match self {
            Input::Env(text) => Ok((*text).to_owned()),
            Input::Toml(toml::Value::String(text)) => Ok(text.clone()),
            Input::Toml(other) => Err(format!("expected a string, found {}", article(other))),
        }
    }

    fn list(&self) -> Result<Vec<String>, String> {
        match self {
            Input::Env(text) => Ok(split_list(text)),
            Input::Toml(toml::Value::String(text)) => Ok(split_list(text)),
            Input::Toml(toml::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.trim().to_owned()),
                    other => Err(format!(
                        "expected a list of strings, found {} in it",
                        article(other)
                    )),
                })
                .filter(|item| item.as_ref().map_or(true, |text| !text.is_empty()))
                .collect(),
            Input::Toml(other) => Err(format!(
                "expected a list of strings, found {}",
                article(other)
            )),
        }
    }

    fn boolean(&self) -> Result<bool, String> {
        let parse = |text: &str| match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            other => Err(format!("expected true or false, found {other:?}")),
        };
        match self {
            Input::Env(text) => parse(text),
            Input::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Input::Toml(toml::Value::String(text)) => parse(text),
            Input::Toml(other) => Err(format!("expected true or false, found {}", article(other))),
        }
    }

    fn number(&self, parse: fn(&str) -> Result<u64, String>) -> Result<u64, String> {
        match self {
            Input::Env(text) => parse(text),
            Input::Toml(toml::Value::String(text)) => parse(text),
            Input::Toml(toml::Value::Integer(n)) => {
                u64::try_from(*n).map_err(|_| format!("must not be negative, found {n}"))
            }
            Input::Toml(other) => Err(format!("expected a number, found {}", article(other))),
        }
    }
}

fn article(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(_) => "an integer".into(),
        toml::Value::Array(_) => "an array".into(),
        other => format!("a {}", other.type_str()),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// At most 60 characters of a (non-secret) value, quoted, for a message.
pub(super) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head:?}...")
    }
}

/// A plain whole number.
fn parse_count(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    trimmed
        .parse::<u64>()
        .map_err(|_| format!("expected a whole number, found {}", quote(trimmed)))
}

/// Splits `"25MiB"` into `(25, "mib")`.
fn number_and_unit(text: &str) -> Option<(u64, String)> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number = digits.parse::<u64>().ok()?;
    Some((number, unit.trim().to_ascii_lowercase()))
}

/// Bytes: `26214400`, `25MiB`, `25 MB`, `1GiB`, `512k`.
fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "expected a size in bytes such as 26214400 or 25MiB, found {}",
            quote(text.trim())
        )
    };
    let (number, unit) = number_and_unit(text).ok_or_else(bad)?;
    let factor: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{} is too large", quote(text.trim())))
}

/// Milliseconds: `20000`, or with a unit: `1500ms`, `20s`, `2m`.
fn parse_millis(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "expected milliseconds such as 20000, or 20s, found {}",
            quote(text.trim())
        )
    };
    let (number, unit) = number_and_unit(text).ok_or_else(bad)?;
    let factor: u64 = match unit.as_str() {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{} is too large", quote(text.trim())))
}

fn narrow<T: TryFrom<u64>>(n: u64) -> Result<T, String> {
    T::try_from(n).map_err(|_| format!("{n} is too large"))
}

impl RawConfig {
    /// Reads the `JOBCAST_<KEY>` variables among `vars` (lists are
    /// comma-separated; an empty value counts as unset). Unknown `JOBCAST_*`
    /// variables come back as non-fatal problems; values of the wrong kind
    /// (`JOBCAST_WORKERS=many`) as fatal ones.
    pub fn from_env(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> (RawConfig, Vec<ConfigProblem>) {
        let mut raw = RawConfig::default();
        let mut problems = Vec::new();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix("JOBCAST_") else {
                continue;
            };
            if is_foreign_variable(rest) {
                continue;
            }
            let key = rest.to_ascii_lowercase();
            if !KEYS.contains(&key.as_str()) || rest != key.to_ascii_uppercase() {
                problems.push(ConfigProblem::Unknown {
                    suggestion: closest_key(&key).map(env_name),
                    name,
                    origin: Origin::Env,
                });
                continue;
            }
            if value.trim().is_empty() {
                continue;
            }
            if let Err(message) = raw.set(&key, &Input::Env(&value)) {
                problems.push(ConfigProblem::invalid(name, message));
            }
        }
        (raw, problems)
    }

    /// Reads a TOML document of `key = value` lines. Every bad value and
    /// every unknown key is reported, not just the first; a syntax error
    /// makes the whole file one fatal problem.
    pub fn from_toml_str(text: &str, path: &Path) -> (RawConfig, Vec<ConfigProblem>) {
        let origin = Origin::File(path.to_path_buf());
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                let message = format!("not valid TOML: {}", e.message());
                return (
                    RawConfig::default(),
                    vec![ConfigProblem::invalid(
                        format!("configuration file {}", path.display()),
                        message,
                    )],
                );
            }
        };
        let mut raw = RawConfig::default();
        let mut problems = Vec::new();
        for (key, value) in &table {
            if !KEYS.contains(&key.as_str()) {
                let hint = if value.is_table() {
                    Some("a [section]: jobcast's settings are top-level keys".to_owned())
                } else {
                    None
                };
                problems.push(ConfigProblem::Unknown {
                    suggestion: closest_key(key).map(|k| format!("`{k}`")).or(hint),
                    name: key.clone(),
                    origin: origin.clone(),
                });
                continue;
            }
            if let Err(message) = raw.set(key, &Input::Toml(value)) {
                problems.push(ConfigProblem::invalid(origin.name(key), message));
            }
        }
        (raw, problems)
    }

    /// Reads the TOML file at `path`; an unreadable file is a fatal problem.
    pub fn from_toml_file(path: impl AsRef<Path>) -> (RawConfig, Vec<ConfigProblem>) {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => RawConfig::from_toml_str(&text, path),
            Err(e) => (
                RawConfig::default(),
                vec![ConfigProblem::invalid(
                    format!("configuration file {}", path.display()),
                    format!("cannot read it: {e}"),
                )],
            ),
        }
    }

    /// `self` overlaid with `over`: every setting `over` has wins.
    pub fn merge(self, over: RawConfig) -> RawConfig {
        RawConfig {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            database_url: over.database_url.or(self.database_url),
            redis_url: over.redis_url.or(self.redis_url),
            jwt_secret: over.jwt_secret.or(self.jwt_secret),
            jwt_public_key: over.jwt_public_key.or(self.jwt_public_key),
            jwt_algorithm: over.jwt_algorithm.or(self.jwt_algorithm),
            cors_origins: over.cors_origins.or(self.cors_origins),
            max_upload_bytes: over.max_upload_bytes.or(self.max_upload_bytes),
            max_files: over.max_files.or(self.max_files),
            workers: over.workers.or(self.workers),
            url_allowlist: over.url_allowlist.or(self.url_allowlist),
            fetch_timeout_ms: over.fetch_timeout_ms.or(self.fetch_timeout_ms),
            llm_base_url: over.llm_base_url.or(self.llm_base_url),
            llm_api_key: over.llm_api_key.or(self.llm_api_key),
            llm_model: over.llm_model.or(self.llm_model),
            llm_provider: over.llm_provider.or(self.llm_provider),
            job_max_attempts: over.job_max_attempts.or(self.job_max_attempts),
            job_timeout_ms: over.job_timeout_ms.or(self.job_timeout_ms),
            log: over.log.or(self.log),
            socket_max_rooms: over.socket_max_rooms.or(self.socket_max_rooms),
            socket_max_payload: over.socket_max_payload.or(self.socket_max_payload),
            socket_rate_per_sec: over.socket_rate_per_sec.or(self.socket_rate_per_sec),
            socket_rate_burst: over.socket_rate_burst.or(self.socket_rate_burst),
            socket_max_per_user: over.socket_max_per_user.or(self.socket_max_per_user),
            socket_buffer: over.socket_buffer.or(self.socket_buffer),
            socket_stall_timeout_ms: over
                .socket_stall_timeout_ms
                .or(self.socket_stall_timeout_ms),
            sse_keep_alive_ms: over.sse_keep_alive_ms.or(self.sse_keep_alive_ms),
            bench_kind: over.bench_kind.or(self.bench_kind),
            parse_max_memory: over.parse_max_memory.or(self.parse_max_memory),
            parse_timeout_ms: over.parse_timeout_ms.or(self.parse_timeout_ms),
            parse_max_pages: over.parse_max_pages.or(self.parse_max_pages),
            parse_max_decoded_bytes: over
                .parse_max_decoded_bytes
                .or(self.parse_max_decoded_bytes),
            max_result_bytes: over.max_result_bytes.or(self.max_result_bytes),
        }
    }

    /// Whether the setting named `key` (one of [`KEYS`]) has a value.
    pub fn is_set(&self, key: &str) -> bool {
        match key {
            "listen" => self.listen.is_some(),
            "data_dir" => self.data_dir.is_some(),
            "database_url" => self.database_url.is_some(),
            "redis_url" => self.redis_url.is_some(),
            "jwt_secret" => self.jwt_secret.is_some(),
            "jwt_public_key" => self.jwt_public_key.is_some(),
            "jwt_algorithm" => self.jwt_algorithm.is_some(),
            "cors_origins" => self.cors_origins.is_some(),
            "max_upload_bytes" => self.max_upload_bytes.is_some(),
            "max_files" => self.max_files.is_some(),
            "workers" => self.workers.is_some(),
            "url_allowlist" => self.url_allowlist.is_some(),
            "fetch_timeout_ms" => self.fetch_timeout_ms.is_some(),
            "llm_base_url" => self.llm_base_url.is_some(),
            "llm_api_key" => self.llm_api_key.is_some(),
            "llm_model" => self.llm_model.is_some(),
            "llm_provider" => self.llm_provider.is_some(),
            "job_max_attempts" => self.job_max_attempts.is_some(),
            "job_timeout_ms" => self.job_timeout_ms.is_some(),
            "log" => self.log.is_some(),
            "socket_max_rooms" => self.socket_max_rooms.is_some(),
            "socket_max_payload" => self.socket_max_payload.is_some(),
            "socket_rate_per_sec" => self.socket_rate_per_sec.is_some(),
            "socket_rate_burst" => self.socket_rate_burst.is_some(),
            "socket_max_per_user" => self.socket_max_per_user.is_some(),
            "socket_buffer" => self.socket_buffer.is_some(),
            "socket_stall_timeout_ms" => self.socket_stall_timeout_ms.is_some(),
            "sse_keep_alive_ms" => self.sse_keep_alive_ms.is_some(),
            "bench_kind" => self.bench_kind.is_some(),
            "parse_max_memory" => self.parse_max_memory.is_some(),
            "parse_timeout_ms" => self.parse_timeout_ms.is_some(),
            "parse_max_pages" => self.parse_max_pages.is_some(),
            "parse_max_decoded_bytes" => self.parse_max_decoded_bytes.is_some(),
            "max_result_bytes" => self.max_result_bytes.is_some(),
            _ => false,
        }
    }

    /// Sets one known key; the error says what is wrong with the value
    /// (without repeating a secret).
    fn set(&mut self, key: &str, value: &Input<'_>) -> Result<(), String> {
        match key {
            "listen" => self.listen = Some(value.text()?),
            "data_dir" => self.data_dir = Some(PathBuf::from(value.text()?)),
            "database_url" => self.database_url = Some(value.text()?),
            "redis_url" => self.redis_url = Some(value.text()?),
            "jwt_secret" => self.jwt_secret = Some(Secret::new(value.text()?)),
            "jwt_public_key" => self.jwt_public_key = Some(value.text()?),
            "jwt_algorithm" => self.jwt_algorithm = Some(value.text()?),
            "cors_origins" => self.cors_origins = Some(value.list()?),
            "max_upload_bytes" => self.max_upload_bytes = Some(value.number(parse_size)?),
            "max_files" => self.max_files = Some(narrow(value.number(parse_count)?)?),
            "workers" => self.workers = Some(narrow(value.number(parse_count)?)?),
            "url_allowlist" => self.url_allowlist = Some(value.list()?),
            "fetch_timeout_ms" => self.fetch_timeout_ms = Some(value.number(parse_millis)?),
            "llm_base_url" => self.llm_base_url = Some(value.text()?),
            "llm_api_key" => self.llm_api_key = Some(Secret::new(value.text()?)),
            "llm_model" => self.llm_model = Some(value.text()?),
            "llm_provider" => self.llm_provider = Some(value.text()?),
            "job_max_attempts" => self.job_max_attempts = Some(narrow(value.number(parse_count)?)?),
            "job_timeout_ms" => self.job_timeout_ms = Some(value.number(parse_millis)?),
            "log" => self.log = Some(value.text()?),
            "socket_max_rooms" => self.socket_max_rooms = Some(narrow(value.number(parse_count)?)?),
            "socket_max_payload" => self.socket_max_payload = Some(value.number(parse_size)?),
            "socket_rate_per_sec" => {
                self.socket_rate_per_sec = Some(narrow(value.number(parse_count)?)?)
            }
            "socket_rate_burst" => {
                self.socket_rate_burst = Some(narrow(value.number(parse_count)?)?)
            }
            "socket_max_per_user" => {
                self.socket_max_per_user = Some(narrow(value.number(parse_count)?)?)
            }
            "socket_buffer" => self.socket_buffer = Some(narrow(value.number(parse_count)?)?),
            "socket_stall_timeout_ms" => {
                self.socket_stall_timeout_ms = Some(value.number(parse_millis)?)
            }
            "sse_keep_alive_ms" => self.sse_keep_alive_ms = Some(value.number(parse_millis)?),
            "bench_kind" => self.bench_kind = Some(value.boolean()?),
            "parse_max_memory" => self.parse_max_memory = Some(value.number(parse_size)?),
            "parse_timeout_ms" => self.parse_timeout_ms = Some(value.number(parse_millis)?),
            "parse_max_pages" => self.parse_max_pages = Some(narrow(value.number(parse_count)?)?),
            "parse_max_decoded_bytes" => {
                self.parse_max_decoded_bytes = Some(value.number(parse_size)?)
            }
            "max_result_bytes" => self.max_result_bytes = Some(value.number(parse_size)?),
            other => return Err(format!("unknown setting {other}")),
        }
        Ok(())
    }
}

impl fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawConfig")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("jwt_secret", &self.jwt_secret)
            .field("jwt_public_key", &self.jwt_public_key)
            .field("jwt_algorithm", &self.jwt_algorithm)
            .field("cors_origins", &self.cors_origins)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_files", &self.max_files)
            .field("workers", &self.workers)
            .field("url_allowlist", &self.url_allowlist)
            .field("fetch_timeout_ms", &self.fetch_timeout_ms)
            .field(
                "llm_base_url",
                &self.llm_base_url.as_deref().map(redact_url),
            )
            .field("llm_api_key", &self.llm_api_key)
            .field("llm_model", &self.llm_model)
            .field("llm_provider", &self.llm_provider)
            .field("job_max_attempts", &self.job_max_attempts)
            .field("job_timeout_ms", &self.job_timeout_ms)
            .field("log", &self.log)
            .field("socket_max_rooms", &self.socket_max_rooms)
            .field("socket_max_payload", &self.socket_max_payload)
            .field("socket_rate_per_sec", &self.socket_rate_per_sec)
            .field("socket_rate_burst", &self.socket_rate_burst)
            .field("socket_max_per_user", &self.socket_max_per_user)
            .field("socket_buffer", &self.socket_buffer)
            .field("socket_stall_timeout_ms", &self.socket_stall_timeout_ms)
            .field("sse_keep_alive_ms", &self.sse_keep_alive_ms)
            .field("bench_kind", &self.bench_kind)
            .field("parse_max_memory", &self.parse_max_memory)
            .field("parse_timeout_ms", &self.parse_timeout_ms)
            .field("parse_max_pages", &self.parse_max_pages)
            .field("parse_max_decoded_bytes", &self.parse_max_decoded_bytes)
            .field("max_result_bytes", &self.max_result_bytes)
            .finish()
    }
}

/// The known key an unknown one was probably meant to be.
fn closest_key(unknown: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|key| (edit_distance(unknown, key), *key))
        .filter(|(distance, key)| *distance <= 2 && *distance < key.len() / 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, key)| key)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            let insertion = current[j] + 1;
            let deletion = previous[j + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_take_units() {
        assert_eq!(parse_size("26214400"), Ok(26_214_400));
        assert_eq!(parse_size("25MiB"), Ok(26_214_400));
        assert_eq!(parse_size("25 mib"), Ok(26_214_400));
        assert_eq!(parse_size("1kb"), Ok(1_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("25 parsecs").is_err());
        assert!(parse_size("99999999999999GiB").is_err());
        assert_eq!(parse_millis("20s"), Ok(20_000));
        assert_eq!(parse_millis("1500"), Ok(1_500));
        assert_eq!(parse_millis("1500ms"), Ok(1_500));
        assert!(parse_millis("soon").is_err());
    }

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(closest_key("worker"), Some("workers"));
        assert_eq!(closest_key("data_dirs"), Some("data_dir"));
        assert_eq!(closest_key("completely_else"), None);
        assert_eq!(closest_key("lo"), None);
    }

    #[test]
    fn merge_prefers_the_later_source() {
        let base = RawConfig {
            workers: Some(2),
            listen: Some("127.0.0.1:1".into()),
            ..RawConfig::default()
        };
        let over = RawConfig {
            workers: Some(8),
            ..RawConfig::default()
        };
        let merged = base.merge(over);
        assert_eq!(merged.workers, Some(8));
        assert_eq!(merged.listen.as_deref(), Some("127.0.0.1:1"));
    }
}
