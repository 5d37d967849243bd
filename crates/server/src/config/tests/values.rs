//! The checks of single settings and their defaults: addresses, URLs, the
//! LLM provider and what belongs to it, limits that must be at least 1,
//! the parse limits.

use std::time::Duration;

use super::*;

#[test]
fn a_zero_job_timeout_is_refused() {
    let errors = load_env(&[("JOBCAST_JOB_TIMEOUT_MS", "0")]).expect_err("invalid");
    assert_eq!(
        errors.to_string(),
        "JOBCAST_JOB_TIMEOUT_MS: must be at least 1 (every job would time out at once)"
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
