//! Loading, precedence, validation and secrecy of the configuration.

use std::path::Path;
use std::time::Duration;

use super::*;

const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/rsa-public.pem");
const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/rsa-private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/ec-public.pem");
const EC384_PUBLIC: &str = include_str!("../../tests/fixtures/ec384-public.pem");

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn load_env(pairs: &[(&str, &str)]) -> Result<Loaded, ConfigErrors> {
    Config::load(ConfigSources {
        env: env(pairs),
        ..ConfigSources::default()
    })
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

#[test]
fn defaults_when_nothing_is_set() {
    let loaded = Config::load(ConfigSources::default()).expect("defaults are valid");
    let config = loaded.config;
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(config.listen, "127.0.0.1:8080".parse().expect("addr"));
    assert_eq!(config.data_dir, std::path::PathBuf::from("./jobcast-data"));
    assert_eq!(config.database_url, "sqlite://./jobcast-data/jobcast.db");
    assert_eq!(config.redis_url, None);
    assert_eq!(config.jwt, JwtConfig::Generated);
    assert_eq!(config.max_upload_bytes, 26_214_400);
    assert_eq!(config.max_files, 10);
    assert_eq!(config.workers, defaults::workers());
    assert!(config.workers >= 1);
    assert_eq!(config.fetch_timeout, Duration::from_secs(20));
    assert_eq!(config.job_max_attempts, 3);
    assert!(config.cors_origins.is_empty() && config.url_allowlist.is_empty());
    assert_eq!(config.llm, LlmConfig::default());
    assert_eq!(config.job_timeout, Duration::from_secs(600));
}

#[test]
fn reads_the_environment() {
    let config = load_env(&[
        ("JOBCAST_LISTEN", "0.0.0.0:9000"),
        ("JOBCAST_DATA_DIR", "/var/lib/jobcast"),
        ("JOBCAST_REDIS_URL", "redis://cache:6379/0"),
        ("JOBCAST_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        (
            "JOBCAST_CORS_ORIGINS",
            "https://app.example.com/, http://localhost:3000",
        ),
        ("JOBCAST_MAX_UPLOAD_BYTES", "10MiB"),
        ("JOBCAST_MAX_FILES", "20"),
        ("JOBCAST_WORKERS", "3"),
        (
            "JOBCAST_URL_ALLOWLIST",
            "10.0.0.0/8, Files.Internal ,127.0.0.1",
        ),
        ("JOBCAST_FETCH_TIMEOUT_MS", "1500"),
        ("JOBCAST_LLM_PROVIDER", "ollama"),
        ("JOBCAST_LLM_BASE_URL", "http://localhost:11434/v1"),
        ("JOBCAST_LLM_API_KEY", "sk-test"),
        ("JOBCAST_LLM_MODEL", "llama3"),
        ("JOBCAST_JOB_MAX_ATTEMPTS", "5"),
        ("JOBCAST_JOB_TIMEOUT_MS", "90s"),
        ("JOBCAST_SSE_KEEP_ALIVE_MS", "2500"),
        ("JOBCAST_LOG", "debug"),
        ("PATH", "/usr/bin"),
        ("JOBCAST_TOKEN", "used by the CLI"),
        ("JOBCAST_SERVER", "http://localhost:8080"),
        ("JOBCAST_TEST_POSTGRES_URL", "postgres://x"),
    ])
    .expect("valid");
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let config = config.config;
    assert_eq!(config.listen, "0.0.0.0:9000".parse().expect("addr"));
    assert_eq!(config.database_url, "sqlite:///var/lib/jobcast/jobcast.db");
    assert_eq!(config.redis_url.as_deref(), Some("redis://cache:6379/0"));
    assert_eq!(
        config.jwt,
        JwtConfig::Secret(Secret::new("0123456789abcdef0123456789abcdef"))
    );
    assert_eq!(
        config.cors_origins,
        ["https://app.example.com", "http://localhost:3000"]
    );
    assert_eq!(config.max_upload_bytes, 10 * 1024 * 1024);
    assert_eq!(config.max_files, 20);
    assert_eq!(config.workers, 3);
    assert_eq!(
        config.url_allowlist,
        ["10.0.0.0/8", "files.internal", "127.0.0.1"]
    );
    assert_eq!(config.fetch_timeout, Duration::from_millis(1500));
    assert_eq!(
        config.llm.base_url.as_deref(),
        Some("http://localhost:11434/v1")
    );
    assert_eq!(
        config.llm.api_key.as_ref().map(Secret::expose),
        Some("sk-test")
    );
    assert_eq!(config.llm.model.as_deref(), Some("llama3"));
    assert_eq!(
        config.llm.provider,
        Some(jobcast_processors::llm::LlmProvider::Ollama)
    );
    assert_eq!(config.job_max_attempts, 5);
    assert_eq!(config.job_timeout, Duration::from_secs(90));
    assert_eq!(config.realtime.sse_keep_alive, Duration::from_millis(2500));
    assert_eq!(config.log.as_deref(), Some("debug"));
}

/// Every key in `KEYS` can be given (it once had no arm in `RawConfig::set`,
/// so `JOBCAST_SSE_KEEP_ALIVE_MS` was refused as an unknown setting).
#[test]
fn every_known_key_can_be_set() {
    for key in super::raw::KEYS {
        let name = format!("JOBCAST_{}", key.to_ascii_uppercase());
        let (raw, problems) = RawConfig::from_env(env(&[(name.as_str(), "1")]));
        assert!(problems.is_empty(), "{name}: {problems:?}");
        assert!(raw.is_set(key), "{name} was read but is not set");
        let (raw, problems) =
            RawConfig::from_toml_str(&format!("{key} = \"1\"\n"), Path::new("jobcast.toml"));
        assert!(problems.is_empty(), "`{key}`: {problems:?}");
        assert!(raw.is_set(key), "`{key}` was read but is not set");
    }
}

#[test]
fn a_zero_job_timeout_is_refused() {
    let errors = load_env(&[("JOBCAST_JOB_TIMEOUT_MS", "0")]).expect_err("invalid");
    assert_eq!(
        errors.to_string(),
        "JOBCAST_JOB_TIMEOUT_MS: must be at least 1 (every job would time out at once)"
    );
}

#[test]
fn flags_win_over_environment_over_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        r#"
listen = "127.0.0.1:7000"
workers = 2
max_files = 4
database_url = "postgres://jobcast@db/jobcast"
"#,
    );
    let loaded = Config::load(ConfigSources {
        file: Some(file.clone()),
        env: env(&[("JOBCAST_WORKERS", "3"), ("JOBCAST_MAX_FILES", "5")]),
        flags: RawConfig {
            workers: Some(4),
            ..RawConfig::default()
        },
    })
    .expect("valid");
    assert_eq!(loaded.config.workers, 4, "flag wins");
    assert_eq!(loaded.config.max_files, 5, "environment wins over the file");
    assert_eq!(
        loaded.config.listen,
        "127.0.0.1:7000".parse().expect("addr"),
        "file is used"
    );
    assert_eq!(loaded.config.database_url, "postgres://jobcast@db/jobcast");

    // JOBCAST_CONFIG names the file when no flag does.
    let loaded =
        load_env(&[("JOBCAST_CONFIG", file.to_str().expect("utf-8 path"))]).expect("valid");
    assert_eq!(loaded.config.workers, 2);
}

#[test]
fn toml_values_of_either_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        r#"
max_upload_bytes = "1MiB"
workers = "6"
fetch_timeout_ms = "2s"
cors_origins = ["https://a.example", "https://b.example:8443"]
url_allowlist = "192.168.0.0/16"
jwt_secret = "a secret of at least thirty-two bytes!"
"#,
    );
    let loaded = Config::load(ConfigSources {
        file: Some(file),
        ..ConfigSources::default()
    })
    .expect("valid");
    assert_eq!(loaded.config.max_upload_bytes, 1 << 20);
    assert_eq!(loaded.config.workers, 6);
    assert_eq!(loaded.config.fetch_timeout, Duration::from_secs(2));
    assert_eq!(
        loaded.config.cors_origins,
        ["https://a.example", "https://b.example:8443"]
    );
    assert_eq!(loaded.config.url_allowlist, ["192.168.0.0/16"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        "workers = true\nmax_files = -1\n",
    );
    let errors = Config::load(ConfigSources {
        file: Some(file.clone()),
        env: env(&[
            ("JOBCAST_LISTEN", "not-an-address"),
            ("JOBCAST_MAX_UPLOAD_BYTES", "lots"),
            ("JOBCAST_JOB_MAX_ATTEMPTS", "0"),
            ("JOBCAST_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("JOBCAST_JWT_PUBLIC_KEY", RSA_PUBLIC),
            ("JOBCAST_DATABASE_URL", "mysql://root:hunter2@db/jobcast"),
            ("JOBCAST_REDIS_URL", "http://cache:6379"),
            ("JOBCAST_LLM_PROVIDER", "compatible"),
            ("JOBCAST_LLM_BASE_URL", "ftp://models.example"),
            (
                "JOBCAST_URL_ALLOWLIST",
                "10.0.0.0/8,http://x.example,300.1.1.1/8",
            ),
            (
                "JOBCAST_CORS_ORIGINS",
                "https://ok.example,https://bad.example/path",
            ),
            ("JOBCAST_WORKERZ", "2"),
        ]),
        flags: RawConfig {
            workers: Some(0),
            ..RawConfig::default()
        },
    })
    .expect_err("invalid");
    let text = errors.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{} problems:", errors.problems.len()));
    assert_eq!(lines.len(), errors.problems.len() + 1, "{text}");
    for expected in [
        "`workers` in",
        "`max_files` in",
        "JOBCAST_LISTEN",
        "JOBCAST_MAX_UPLOAD_BYTES",
        "JOBCAST_JOB_MAX_ATTEMPTS",
        "JOBCAST_JWT_SECRET: is set together with JOBCAST_JWT_PUBLIC_KEY",
        "JOBCAST_DATABASE_URL: must start with sqlite:// or postgres:// (found scheme \"mysql\")",
        "JOBCAST_REDIS_URL",
        "JOBCAST_LLM_BASE_URL",
        "JOBCAST_URL_ALLOWLIST: \"http://x.example\"",
        "JOBCAST_URL_ALLOWLIST: \"300.1.1.1/8\"",
        "JOBCAST_CORS_ORIGINS: \"https://bad.example/path\"",
        "--workers: must be at least 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(errors.problems.len(), 13, "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("BEGIN PUBLIC KEY"), "{text}");
    assert!(errors
        .warnings
        .iter()
        .any(|w| w.contains("JOBCAST_WORKERZ") && w.contains("JOBCAST_WORKERS")));
}

#[test]
fn a_single_problem_is_one_line() {
    let errors = load_env(&[("JOBCAST_WORKERS", "0")]).expect_err("invalid");
    assert_eq!(
        errors.to_string(),
        "JOBCAST_WORKERS: must be at least 1 (zero workers would never run a job)"
    );
}

#[test]
fn unknown_keys_and_variables_are_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        "wrokers = 2\nmystery = 1\n[llm]\nmodel = \"x\"\n",
    );
    let loaded = Config::load(ConfigSources {
        file: Some(file),
        env: env(&[
            ("JOBCAST_DATADIR", "/tmp/x"),
            ("JOBCAST_TEST_ANYTHING", "1"),
            ("JOBCAST_CONFIG", ""),
        ]),
        ..ConfigSources::default()
    })
    .expect("unknown keys are not fatal");
    let warnings = loaded.warnings.join("\n");
    assert_eq!(loaded.warnings.len(), 4, "{warnings}");
    assert!(
        warnings.contains("unknown key `wrokers`") && warnings.contains("did you mean `workers`?"),
        "{warnings}"
    );
    assert!(warnings.contains("unknown key `mystery`"), "{warnings}");
    assert!(warnings.contains("unknown key `llm`"), "{warnings}");
    assert!(
        warnings.contains("JOBCAST_DATADIR") && warnings.contains("did you mean JOBCAST_DATA_DIR?"),
        "{warnings}"
    );
}

#[test]
fn a_broken_or_missing_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "broken.toml", "workers = \n");
    let errors = Config::load(ConfigSources {
        file: Some(file),
        ..ConfigSources::default()
    })
    .expect_err("syntax error");
    assert!(errors.to_string().contains("not valid TOML"), "{errors}");

    let errors = load_env(&[
        ("JOBCAST_CONFIG", "/nonexistent/jobcast.toml"),
        ("JOBCAST_WORKERS", "x"),
    ])
    .expect_err("missing file");
    let text = errors.to_string();
    assert!(
        text.contains("/nonexistent/jobcast.toml: cannot read it"),
        "{text}"
    );
    assert!(
        text.contains("JOBCAST_WORKERS: expected a whole number, found \"x\""),
        "{text}"
    );
}

#[test]
fn listen_addresses() {
    let listen = |text: &str| load_env(&[("JOBCAST_LISTEN", text)]).map(|l| l.config.listen);
    assert_eq!(
        listen("[::]:8080").ok(),
        Some("[::]:8080".parse().expect("addr"))
    );
    assert_eq!(
        listen("localhost:9999").ok(),
        Some("127.0.0.1:9999".parse().expect("addr"))
    );
    let error = listen("8080").expect_err("a bare port");
    assert!(error.to_string().contains("0.0.0.0:8080"), "{error}");
    assert!(listen("127.0.0.1:99999").is_err());
}

#[test]
fn database_and_redis_urls() {
    let db =
        |text: &str| load_env(&[("JOBCAST_DATABASE_URL", text)]).map(|l| l.config.database_url);
    assert!(db("sqlite://data/jobcast.db").is_ok());
    assert!(db("sqlite::memory:").is_ok());
    assert!(db("postgres://u:p@db:5432/jobcast").is_ok());
    assert!(db("postgresql://db/jobcast").is_ok());
    assert!(db("sqlite://").is_err());
    assert!(db("not a url").is_err());
    let redis = |text: &str| load_env(&[("JOBCAST_REDIS_URL", text)]).map(|l| l.config.redis_url);
    assert!(redis("rediss://:pw@cache:6380").is_ok());
    assert!(redis("cache:6379").is_err());
}

#[test]
fn jwt_public_key_from_text_or_file() {
    let loaded = load_env(&[("JOBCAST_JWT_PUBLIC_KEY", RSA_PUBLIC)]).expect("inline PEM");
    assert!(matches!(
        loaded.config.jwt,
        JwtConfig::PublicKey {
            algorithm: PublicKeyAlgorithm::RS256,
            ..
        }
    ));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "ec.pem", EC_PUBLIC);
    let loaded =
        load_env(&[("JOBCAST_JWT_PUBLIC_KEY", path.to_str().expect("utf-8"))]).expect("PEM file");
    assert_eq!(
        loaded.config.jwt,
        JwtConfig::PublicKey {
            pem: EC_PUBLIC.to_owned(),
            algorithm: PublicKeyAlgorithm::ES256
        }
    );
    let loaded = load_env(&[
        ("JOBCAST_JWT_PUBLIC_KEY", path.to_str().expect("utf-8")),
        ("JOBCAST_JWT_ALGORITHM", "es256"),
    ])
    .expect("matching algorithm");
    assert!(matches!(loaded.config.jwt, JwtConfig::PublicKey { .. }));
}

#[test]
fn bad_jwt_keys_are_refused_without_showing_them() {
    let refuse = |pairs: &[(&str, &str)], expected: &str| {
        let error = load_env(pairs).expect_err("invalid").to_string();
        assert!(error.contains(expected), "expected {expected:?} in {error}");
        assert!(!error.contains("-----BEGIN"), "{error}");
    };
    refuse(
        &[("JOBCAST_JWT_PUBLIC_KEY", RSA_PRIVATE)],
        "holds a private key",
    );
    refuse(
        &[("JOBCAST_JWT_PUBLIC_KEY", EC384_PUBLIC)],
        "other than P-256",
    );
    refuse(
        &[(
            "JOBCAST_JWT_PUBLIC_KEY",
            "-----BEGIN PUBLIC KEY-----\ngarbage\n",
        )],
        "not a PEM public key",
    );
    refuse(
        &[("JOBCAST_JWT_PUBLIC_KEY", "/no/such/key.pem")],
        "cannot read /no/such/key.pem",
    );
    refuse(
        &[
            ("JOBCAST_JWT_PUBLIC_KEY", RSA_PUBLIC),
            ("JOBCAST_JWT_ALGORITHM", "ES256"),
        ],
        "is ES256, but the public key is for RS256",
    );
    refuse(
        &[
            ("JOBCAST_JWT_PUBLIC_KEY", RSA_PUBLIC),
            ("JOBCAST_JWT_ALGORITHM", "HS256"),
        ],
        "needs a shared secret",
    );
    refuse(
        &[("JOBCAST_JWT_ALGORITHM", "RS256")],
        "no public key is set",
    );
    refuse(
        &[("JOBCAST_JWT_ALGORITHM", "none")],
        "expected HS256, RS256 or ES256",
    );
    refuse(
        &[
            ("JOBCAST_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("JOBCAST_JWT_ALGORITHM", "RS256"),
        ],
        "needs a public key",
    );
}

/// Issue 11, failure 12: a 12-byte secret was accepted with a warning.
#[test]
fn a_jwt_secret_under_32_bytes_is_refused() {
    for short in ["hunter2hunte", "0123456789abcdef0123456789abcde"] {
        let errors = match load_env(&[("JOBCAST_JWT_SECRET", short)]) {
            Ok(loaded) => panic!(
                "a {}-byte secret was accepted (warnings: {:?})",
                short.len(),
                loaded.warnings
            ),
            Err(errors) => errors.to_string(),
        };
        assert!(
            errors.starts_with(&format!(
                "JOBCAST_JWT_SECRET: is {} bytes long; at least 32 are needed",
                short.len()
            )),
            "{errors}"
        );
        assert!(!errors.contains(short), "the secret is shown: {errors}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        "jwt_secret = \"twelve bytes\"\n",
    );
    let errors = Config::load(ConfigSources {
        file: Some(file),
        ..ConfigSources::default()
    })
    .expect_err("a short secret in the file");
    assert!(errors.to_string().contains("is 12 bytes long"), "{errors}");

    let loaded = load_env(&[("JOBCAST_JWT_SECRET", "0123456789abcdef0123456789abcdef")])
        .expect("32 bytes are enough");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let errors = Config::load(ConfigSources {
        flags: RawConfig {
            jwt_secret: Some(Secret::new("   ")),
            ..RawConfig::default()
        },
        ..ConfigSources::default()
    })
    .expect_err("blank secret");
    assert_eq!(errors.to_string(), "--jwt-secret: must not be empty");
}

/// Issue 11, failure 10: a key that names no provider went to whichever
/// provider a job chose. Now every LLM setting belongs to one provider.
#[test]
fn llm_credentials_name_their_provider() {
    use jobcast_processors::llm::LlmProvider;
    let refused = |pairs: &[(&str, &str)], expected: &str| {
        let errors = load_env(pairs).expect_err(expected).to_string();
        assert!(
            errors.contains(expected),
            "{expected:?} missing in: {errors}"
        );
        assert!(
            !errors.contains("sk-issue-11"),
            "the key is shown: {errors}"
        );
    };
    refused(
        &[("JOBCAST_LLM_API_KEY", "sk-issue-11")],
        "JOBCAST_LLM_API_KEY: belongs to no provider: set JOBCAST_LLM_PROVIDER",
    );
    refused(
        &[("JOBCAST_LLM_BASE_URL", "https://api.example/v1")],
        "JOBCAST_LLM_BASE_URL: belongs to no provider",
    );
    refused(
        &[
            ("JOBCAST_LLM_PROVIDER", "gemini"),
            ("JOBCAST_LLM_API_KEY", "sk-issue-11"),
        ],
        "JOBCAST_LLM_PROVIDER: expected openai, anthropic, ollama or compatible, found \"gemini\"",
    );
    refused(
        &[("JOBCAST_LLM_PROVIDER", "anthropic")],
        "JOBCAST_LLM_PROVIDER: is anthropic, which needs JOBCAST_LLM_API_KEY",
    );
    refused(
        &[
            ("JOBCAST_LLM_PROVIDER", "compatible"),
            ("JOBCAST_LLM_API_KEY", "sk-issue-11"),
        ],
        "JOBCAST_LLM_PROVIDER: is compatible, which needs JOBCAST_LLM_BASE_URL",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "jobcast.toml",
        "llm_api_key = \"sk-issue-11\"\n",
    );
    let errors = Config::load(ConfigSources {
        file: Some(file),
        ..ConfigSources::default()
    })
    .expect_err("a key in the file without a provider")
    .to_string();
    assert!(errors.contains("set `llm_provider` in"), "{errors}");

    let provider = |pairs: &[(&str, &str)]| load_env(pairs).expect("valid").config.llm.provider;
    assert_eq!(provider(&[]), None);
    assert_eq!(
        provider(&[("JOBCAST_LLM_PROVIDER", "ollama")]),
        Some(LlmProvider::Ollama)
    );
    assert_eq!(
        provider(&[
            ("JOBCAST_LLM_PROVIDER", " OpenAI "),
            ("JOBCAST_LLM_API_KEY", "sk-issue-11")
        ]),
        Some(LlmProvider::OpenAi)
    );
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let secret = Secret::new("hunter2");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(secret.expose(), "hunter2");

    let loaded = load_env(&[
        ("JOBCAST_JWT_SECRET", "super-secret-value-0123456789abcdef"),
        ("JOBCAST_LLM_PROVIDER", "openai"),
        ("JOBCAST_LLM_API_KEY", "sk-very-secret"),
        (
            "JOBCAST_DATABASE_URL",
            "postgres://jobcast:db-password@db/jobcast",
        ),
        ("JOBCAST_REDIS_URL", "redis://:redis-password@cache:6379"),
    ])
    .expect("valid");
    let shown = format!("{:?}", loaded.config);
    for hidden in [
        "super-secret-value",
        "sk-very-secret",
        "db-password",
        "redis-password",
    ] {
        assert!(!shown.contains(hidden), "{hidden} shown in {shown}");
    }
    assert!(
        shown.contains("postgres://jobcast:***@db/jobcast"),
        "{shown}"
    );

    let (raw, _) = RawConfig::from_env(env(&[
        ("JOBCAST_JWT_SECRET", "super-secret-value"),
        ("JOBCAST_DATABASE_URL", "postgres://u:db-password@db/x"),
    ]));
    let shown = format!("{raw:?}");
    assert!(
        !shown.contains("super-secret-value") && !shown.contains("db-password"),
        "{shown}"
    );
    assert_eq!(redact_url("postgres://u@db/x"), "postgres://u@db/x");
}

#[test]
fn for_data_dir_builds_a_test_config() {
    let config = Config::for_data_dir("/tmp/jobcast-test");
    assert_eq!(config.database_url, "sqlite:///tmp/jobcast-test/jobcast.db");
    assert_eq!(config.listen.port(), 0);
    assert_eq!(
        config.jwt_secret_path(),
        std::path::PathBuf::from("/tmp/jobcast-test/jwt-secret")
    );
    assert_eq!(config.max_upload_bytes, 26_214_400);
    assert_eq!(config.job_timeout, defaults::JOB_TIMEOUT);
}

#[test]
fn the_bench_kind_is_off_unless_asked_for() {
    let off = load_env(&[]).expect("valid");
    assert!(!off.config.bench_kind);
    for yes in ["true", "1", "on", "YES"] {
        let on = load_env(&[("JOBCAST_BENCH_KIND", yes)]).expect("valid");
        assert!(on.config.bench_kind, "{yes}");
    }
    let errors = load_env(&[("JOBCAST_BENCH_KIND", "maybe")]).expect_err("invalid");
    assert!(
        errors
            .to_string()
            .contains("JOBCAST_BENCH_KIND: expected true or false"),
        "{errors}"
    );
}

#[test]
fn parse_limits_have_defaults_and_take_units() {
    let config = Config::load(ConfigSources::default())
        .expect("defaults")
        .config;
    assert_eq!(config.parse, ParseConfig::default());
    assert_eq!(config.parse.max_memory, 1 << 30);
    assert_eq!(config.parse.timeout, Duration::from_secs(60));
    assert_eq!(config.max_result_bytes, 8 << 20);

    let config = load_env(&[
        ("JOBCAST_PARSE_MAX_MEMORY", "512MiB"),
        ("JOBCAST_PARSE_TIMEOUT_MS", "5s"),
        ("JOBCAST_PARSE_MAX_PAGES", "100"),
        ("JOBCAST_PARSE_MAX_DECODED_BYTES", "10MiB"),
        ("JOBCAST_MAX_RESULT_BYTES", "1MiB"),
    ])
    .expect("valid")
    .config;
    assert_eq!(
        config.parse,
        ParseConfig {
            max_memory: 512 << 20,
            timeout: Duration::from_secs(5),
            max_pages: 100,
            max_decoded_bytes: 10 << 20,
        }
    );
    assert_eq!(config.max_result_bytes, 1 << 20);
}

#[test]
fn parse_limits_a_process_cannot_work_with_are_refused_together() {
    let errors = load_env(&[
        ("JOBCAST_PARSE_MAX_MEMORY", "1MiB"),
        ("JOBCAST_PARSE_TIMEOUT_MS", "0"),
        ("JOBCAST_PARSE_MAX_PAGES", "0"),
        ("JOBCAST_MAX_RESULT_BYTES", "0"),
    ])
    .expect_err("invalid")
    .to_string();
    for name in [
        "JOBCAST_PARSE_MAX_MEMORY: must be at least 128 MiB",
        "JOBCAST_PARSE_TIMEOUT_MS: must be at least 1",
        "JOBCAST_PARSE_MAX_PAGES: must be at least 1",
        "JOBCAST_MAX_RESULT_BYTES: must be at least 1",
    ] {
        assert!(errors.contains(name), "{name} missing from {errors}");
    }
}
