//! Stage two: from the merged [`RawConfig`] to a [`Config`] with every
//! default filled in, checking each setting and how settings go together.
//!
//! A problem never stops the checking: each is recorded against the setting
//! as the operator wrote it (`JOBCAST_WORKERS`, `` `workers` in file.toml ``,
//! `--workers`) and validation goes on, so one run reports everything.
//! Messages may quote ordinary values but never a secret, and quote only
//! the scheme of a URL that may carry a password.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use jobcast_processors::llm::LlmProvider;

use super::checks::{check_database_url, check_url, inspect_public_key, normalize_origin};
use super::input::quote;
use super::problem::{ConfigErrors, ConfigProblem, Origin};
use super::settings::{RawConfig, KEYS};
use super::{default_database_url, defaults, Config, ConfigSources, JwtConfig, LlmConfig, Loaded};
use super::{ParseConfig, PublicKeyAlgorithm, RealtimeConfig, Secret, MIN_JWT_SECRET_BYTES};

pub(super) fn load(sources: ConfigSources) -> Result<Loaded, ConfigErrors> {
    let ConfigSources { file, env, flags } = sources;
    let file = file.or_else(|| {
        env.iter()
            .find(|(name, _)| name == "JOBCAST_CONFIG")
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    });
    let (file_raw, mut problems) = match &file {
        Some(path) => RawConfig::from_toml_file(path),
        None => (RawConfig::default(), Vec::new()),
    };
    let (env_raw, env_problems) = RawConfig::from_env(env);
    problems.extend(env_problems);

    let origins: BTreeMap<&'static str, Origin> = KEYS
        .iter()
        .map(|&key| {
            let origin = if flags.is_set(key) {
                Origin::Flags
            } else if env_raw.is_set(key) {
                Origin::Env
            } else if let (true, Some(path)) = (file_raw.is_set(key), &file) {
                Origin::File(path.clone())
            } else {
                Origin::Default
            };
            (key, origin)
        })
        .collect();
    let merged = file_raw.merge(env_raw).merge(flags);

    let mut check = Check {
        origins: &origins,
        problems,
    };
    let config = check.config(merged);

    let (fatal, rest): (Vec<_>, Vec<_>) = check
        .problems
        .into_iter()
        .partition(ConfigProblem::is_fatal);
    let warnings = rest.iter().map(ToString::to_string).collect();
    if fatal.is_empty() {
        Ok(Loaded { config, warnings })
    } else {
        Err(ConfigErrors {
            problems: fatal,
            warnings,
        })
    }
}

struct Check<'a> {
    origins: &'a BTreeMap<&'static str, Origin>,
    problems: Vec<ConfigProblem>,
}

impl Check<'_> {
    /// The setting as the operator wrote it.
    fn name(&self, key: &str) -> String {
        debug_assert!(KEYS.contains(&key), "{key} is not in settings.rs");
        self.origins.get(key).unwrap_or(&Origin::Default).name(key)
    }

    /// How the operator would write `key` in the source `like` came from
    /// (`JOBCAST_LLM_PROVIDER` beside `JOBCAST_LLM_API_KEY`).
    fn name_like(&self, key: &str, like: &str) -> String {
        match self.origins.get(like) {
            Some(Origin::Default) | None => Origin::Env.name(key),
            Some(origin) => origin.name(key),
        }
    }

    fn invalid(&mut self, key: &str, message: impl Into<String>) {
        let setting = self.name(key);
        self.problems.push(ConfigProblem::invalid(setting, message));
    }

    /// A number that must be at least 1.
    fn positive<T: Copy + PartialEq + From<u8>>(
        &mut self,
        key: &str,
        value: Option<T>,
        default: T,
        why: &str,
    ) -> T {
        match value {
            Some(n) if n == T::from(0) => {
                self.invalid(key, format!("must be at least 1 ({why})"));
                default
            }
            Some(n) => n,
            None => default,
        }
    }

    fn config(&mut self, raw: RawConfig) -> Config {
        let realtime = self.realtime(&raw);
        let parse = self.parse(&raw);
        let max_result_bytes = self.positive(
            "max_result_bytes",
            raw.max_result_bytes,
            defaults::MAX_RESULT_BYTES,
            "no job could return a result",
        );
        let listen = self.listen(raw.listen.as_deref());
        let data_dir = self.data_dir(raw.data_dir);
        let database_url = match raw.database_url {
            Some(url) => {
                if let Err(message) = check_database_url(&url) {
                    self.invalid("database_url", message);
                }
                url
            }
            None => default_database_url(&data_dir),
        };
        if let Some(url) = &raw.redis_url {
            if let Err(message) = check_url(url, &["redis", "rediss"], "redis:// or rediss://") {
                self.invalid("redis_url", message);
            }
        }
        let redis_url = raw.redis_url;
        let jwt = self.jwt(
            raw.jwt_secret,
            raw.jwt_public_key,
            raw.jwt_algorithm.as_deref(),
        );
        let cors_origins = self.cors_origins(raw.cors_origins.unwrap_or_default());
        let max_upload_bytes = self.positive(
            "max_upload_bytes",
            raw.max_upload_bytes,
            defaults::MAX_UPLOAD_BYTES,
            "a limit of 0 bytes refuses every upload",
        );
        let max_files = self.positive(
            "max_files",
            raw.max_files,
            defaults::MAX_FILES,
            "a batch must be allowed one file",
        );
        let workers = self.positive(
            "workers",
            raw.workers,
            defaults::workers(),
            "zero workers would never run a job",
        );
        let fetch_timeout_ms = self.positive(
            "fetch_timeout_ms",
            raw.fetch_timeout_ms,
            u64::try_from(defaults::FETCH_TIMEOUT.as_millis()).unwrap_or(u64::MAX),
            "every download would time out",
        );
        let job_max_attempts = self.positive(
            "job_max_attempts",
            raw.job_max_attempts,
            defaults::JOB_MAX_ATTEMPTS,
            "a job needs one attempt to run",
        );
        let job_timeout_ms = self.positive(
            "job_timeout_ms",
            raw.job_timeout_ms,
            u64::try_from(defaults::JOB_TIMEOUT.as_millis()).unwrap_or(u64::MAX),
            "every job would time out at once",
        );
        let url_allowlist = self.allowlist(raw.url_allowlist.unwrap_or_default());
        let llm = self.llm(
            raw.llm_provider,
            raw.llm_base_url,
            raw.llm_api_key,
            raw.llm_model,
        );
        let log = raw.log.filter(|filter| !filter.trim().is_empty());

        Config {
            listen,
            data_dir,
            database_url,
            redis_url,
            jwt,
            cors_origins,
            max_upload_bytes,
            max_files,
            workers,
            url_allowlist,
            fetch_timeout: Duration::from_millis(fetch_timeout_ms),
            llm,
            job_max_attempts,
            job_timeout: Duration::from_millis(job_timeout_ms),
            log,
            realtime,
            bench_kind: raw.bench_kind.unwrap_or(false),
            parse,
            max_result_bytes,
            parser: None,
        }
    }

    fn parse(&mut self, raw: &RawConfig) -> ParseConfig {
        let d = ParseConfig::default();
        let max_memory = match raw.parse_max_memory {
            Some(bytes) if bytes < defaults::PARSE_MIN_MEMORY => {
                self.invalid(
                    "parse_max_memory",
                    format!(
                        "must be at least {} MiB (a parse process needs that much to start)",
                        defaults::PARSE_MIN_MEMORY >> 20
                    ),
                );
                d.max_memory
            }
            Some(bytes) => bytes,
            None => d.max_memory,
        };
        ParseConfig {
            max_memory,
            timeout: Duration::from_millis(self.positive(
                "parse_timeout_ms",
                raw.parse_timeout_ms,
                u64::try_from(d.timeout.as_millis()).unwrap_or(u64::MAX),
                "every document would time out",
            )),
            max_pages: self.positive(
                "parse_max_pages",
                raw.parse_max_pages,
                d.max_pages,
                "no document has no pages",
            ),
            max_decoded_bytes: self.positive(
                "parse_max_decoded_bytes",
                raw.parse_max_decoded_bytes,
                d.max_decoded_bytes,
                "no document could be read",
            ),
        }
    }

    fn realtime(&mut self, raw: &RawConfig) -> RealtimeConfig {
        let d = RealtimeConfig::default();
        RealtimeConfig {
            max_rooms: self.positive(
                "socket_max_rooms",
                raw.socket_max_rooms,
                d.max_rooms,
                "a socket must be able to join one job",
            ),
            max_payload: self.positive(
                "socket_max_payload",
                raw.socket_max_payload,
                d.max_payload,
                "no packet would fit",
            ),
            rate_per_sec: self.positive(
                "socket_rate_per_sec",
                raw.socket_rate_per_sec,
                d.rate_per_sec,
                "a socket could never join again",
            ),
            rate_burst: self.positive(
                "socket_rate_burst",
                raw.socket_rate_burst,
                d.rate_burst,
                "a socket could never join",
            ),
            max_connections_per_user: self.positive(
                "socket_max_per_user",
                raw.socket_max_per_user,
                d.max_connections_per_user,
                "nobody could connect",
            ),
            buffer: self.positive(
                "socket_buffer",
                raw.socket_buffer,
                d.buffer,
                "nothing could be sent",
            ),
            stall_timeout: Duration::from_millis(self.positive(
                "socket_stall_timeout_ms",
                raw.socket_stall_timeout_ms,
                u64::try_from(d.stall_timeout.as_millis()).unwrap_or(u64::MAX),
                "every socket would be dropped at once",
            )),
            sse_keep_alive: Duration::from_millis(self.positive(
                "sse_keep_alive_ms",
                raw.sse_keep_alive_ms,
                u64::try_from(d.sse_keep_alive.as_millis()).unwrap_or(u64::MAX),
                "keep-alives would be sent without pause",
            )),
        }
    }

    fn listen(&mut self, text: Option<&str>) -> SocketAddr {
        let fallback = SocketAddr::from((Ipv4Addr::LOCALHOST, 8080));
        let Some(text) = text else {
            return defaults::LISTEN.parse().unwrap_or(fallback);
        };
        let trimmed = text.trim();
        if let Ok(address) = trimmed.parse::<SocketAddr>() {
            return address;
        }
        // `localhost:8080` is common enough to accept without a lookup.
        if let Some(port) = trimmed
            .strip_prefix("localhost:")
            .and_then(|p| p.parse::<u16>().ok())
        {
            return SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        }
        let hint = if trimmed.parse::<u16>().is_ok() {
            format!(" (for every interface write 0.0.0.0:{trimmed}, for this machine only 127.0.0.1:{trimmed})")
        } else {
            String::new()
        };
        self.invalid(
            "listen",
            format!(
                "{} is not an address and port such as 127.0.0.1:8080 or [::]:8080{hint}",
                quote(trimmed)
            ),
        );
        fallback
    }

    fn data_dir(&mut self, dir: Option<PathBuf>) -> PathBuf {
        match dir {
            Some(dir) if dir.as_os_str().is_empty() => {
                self.invalid("data_dir", "must not be empty");
                PathBuf::from(defaults::DATA_DIR)
            }
            Some(dir) => dir,
            None => PathBuf::from(defaults::DATA_DIR),
        }
    }

    fn jwt(
        &mut self,
        secret: Option<Secret>,
        public_key: Option<String>,
        algorithm: Option<&str>,
    ) -> JwtConfig {
        let algorithm =
            algorithm.and_then(|name| match name.trim().to_ascii_uppercase().as_str() {
                "HS256" => Some(JwtAlgorithm::Hs256),
                "RS256" => Some(JwtAlgorithm::Public(PublicKeyAlgorithm::RS256)),
                "ES256" => Some(JwtAlgorithm::Public(PublicKeyAlgorithm::ES256)),
                _ => {
                    self.invalid(
                        "jwt_algorithm",
                        format!(
                            "expected HS256, RS256 or ES256, found {}",
                            quote(name.trim())
                        ),
                    );
                    None
                }
            });
        match (secret, public_key) {
            (Some(_), Some(_)) => {
                let message = format!(
                    "is set together with {}; set one: a shared HS256 secret, or an RS256/ES256 public key",
                    self.name("jwt_public_key")
                );
                self.invalid("jwt_secret", message);
                JwtConfig::Generated
            }
            (Some(secret), None) => {
                if secret.expose().trim().is_empty() {
                    self.invalid("jwt_secret", "must not be empty");
                } else if secret.expose().len() < MIN_JWT_SECRET_BYTES {
                    self.invalid("jwt_secret", short_secret(secret.expose().len()));
                }
                if let Some(JwtAlgorithm::Public(algorithm)) = algorithm {
                    self.invalid(
                        "jwt_algorithm",
                        format!("is {algorithm}, which needs a public key, but a secret (HS256) is configured"),
                    );
                }
                JwtConfig::Secret(secret)
            }
            (None, Some(key)) => match self.public_key(&key, algorithm) {
                Some((pem, algorithm)) => JwtConfig::PublicKey { pem, algorithm },
                None => JwtConfig::Generated,
            },
            (None, None) => {
                if let Some(JwtAlgorithm::Public(algorithm)) = algorithm {
                    let message = format!("is {algorithm}, but no public key is set");
                    self.invalid("jwt_algorithm", message);
                }
                JwtConfig::Generated
            }
        }
    }

    /// The PEM text (read from the file when `value` is a path) and the
    /// algorithm it is for.
    fn public_key(
        &mut self,
        value: &str,
        wanted: Option<JwtAlgorithm>,
    ) -> Option<(String, PublicKeyAlgorithm)> {
        let (pem, what) = if value.contains("-----BEGIN") {
            (value.to_owned(), "the PEM text".to_owned())
        } else {
            let path = PathBuf::from(value.trim());
            match std::fs::read_to_string(&path) {
                Ok(pem) => (pem, path.display().to_string()),
                Err(e) => {
                    self.invalid(
                        "jwt_public_key",
                        format!(
                            "is neither PEM text nor a readable PEM file: cannot read {}: {e}",
                            path.display()
                        ),
                    );
                    return None;
                }
            }
        };
        let inferred = match inspect_public_key(&pem) {
            Ok(algorithm) => algorithm,
            Err(message) => {
                self.invalid("jwt_public_key", format!("{what} {message}"));
                return None;
            }
        };
        match wanted {
            Some(JwtAlgorithm::Hs256) => {
                self.invalid(
                    "jwt_algorithm",
                    "is HS256, which needs a shared secret (jwt_secret), not a public key",
                );
                None
            }
            Some(JwtAlgorithm::Public(wanted)) if wanted != inferred => {
                self.invalid(
                    "jwt_algorithm",
                    format!("is {wanted}, but the public key is for {inferred}"),
                );
                None
            }
            _ => Some((pem, inferred)),
        }
    }

    fn cors_origins(&mut self, origins: Vec<String>) -> Vec<String> {
        if origins.iter().any(|origin| origin == "*") {
            if origins.len() > 1 {
                self.invalid(
                    "cors_origins",
                    "`*` allows every origin: list it alone, or list origins without it",
                );
            }
            return vec!["*".to_owned()];
        }
        let mut valid = Vec::with_capacity(origins.len());
        for origin in origins {
            match normalize_origin(&origin) {
                Ok(normalized) => valid.push(normalized),
                Err(message) => {
                    self.invalid("cors_origins", format!("{}: {message}", quote(&origin)))
                }
            }
        }
        valid
    }

    fn allowlist(&mut self, entries: Vec<String>) -> Vec<String> {
        let mut valid = Vec::with_capacity(entries.len());
        for entry in entries {
            match crate::fetch::AllowEntry::parse(&entry) {
                Ok(parsed) => valid.push(parsed.to_string()),
                Err(message) => self.invalid(
                    "url_allowlist",
                    format!("{}: {message}", quote(entry.trim())),
                ),
            }
        }
        valid
    }

    /// The LLM settings, bound to one provider: a key or base URL that
    /// names no provider could be sent to whichever one a job chose.
    fn llm(
        &mut self,
        provider: Option<String>,
        base_url: Option<String>,
        api_key: Option<Secret>,
        model: Option<String>,
    ) -> LlmConfig {
        let base_url = base_url.filter(|url| !url.trim().is_empty());
        if let Some(url) = &base_url {
            if let Err(message) = check_url(url, &["http", "https"], "http:// or https://") {
                self.invalid("llm_base_url", message);
            }
        }
        let api_key = api_key.filter(|key| !key.expose().trim().is_empty());
        let model = model.filter(|model| !model.trim().is_empty());
        let provider = match provider.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => match LlmProvider::parse(&name.to_ascii_lowercase()) {
                Some(provider) => Some(provider),
                None => {
                    let message = format!(
                        "expected openai, anthropic, ollama or compatible, found {}",
                        quote(name)
                    );
                    self.invalid("llm_provider", message);
                    return LlmConfig::default();
                }
            },
        };
        match provider {
            None => {
                for (key, set) in [
                    ("llm_api_key", api_key.is_some()),
                    ("llm_base_url", base_url.is_some()),
                    ("llm_model", model.is_some()),
                ] {
                    if set {
                        let message = format!(
                            "belongs to no provider: set {} (openai, anthropic, ollama or compatible) to the one it is for",
                            self.name_like("llm_provider", key)
                        );
                        self.invalid(key, message);
                    }
                }
            }
            Some(provider) => {
                if provider.needs_key() && api_key.is_none() {
                    let message = format!(
                        "is {provider}, which needs {}",
                        self.name_like("llm_api_key", "llm_provider")
                    );
                    self.invalid("llm_provider", message);
                }
                if provider.needs_base_url() && base_url.is_none() {
                    let message = format!(
                        "is {provider}, which needs {}",
                        self.name_like("llm_base_url", "llm_provider")
                    );
                    self.invalid("llm_provider", message);
                }
            }
        }
        LlmConfig {
            provider,
            base_url,
            api_key,
            model,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JwtAlgorithm {
    Hs256,
    Public(PublicKeyAlgorithm),
}

/// Why a configured HS256 secret of `len` bytes is refused (never the
/// secret itself).
pub(crate) fn short_secret(len: usize) -> String {
    format!(
        "is {len} bytes long; at least {MIN_JWT_SECRET_BYTES} are needed (make one with `openssl rand -hex 32`)"
    )
}
