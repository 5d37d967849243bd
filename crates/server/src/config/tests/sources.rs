//! How the sources are read and merged (flags over environment over
//! file), and how their problems are reported: all at once, unknown names
//! as warnings with a suggestion.

use std::path::Path;
use std::time::Duration;

use super::*;

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
    for key in crate::config::settings::KEYS {
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

/// README.md's configuration table lists exactly the settings of
/// `settings.rs`: a setting added there without a row, or a row left
/// behind by a removed setting, fails here.
#[test]
fn the_readme_table_lists_every_setting() {
    let readme = include_str!("../../../../../README.md");
    let table = readme
        .split("| variable | default | meaning |")
        .nth(1)
        .expect("README.md has the configuration table");
    let mut listed: Vec<String> = table
        .lines()
        // The rest of the header line, and the `|---|` line.
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|names| names.split(','))
        .map(|name| name.trim().trim_matches('`').to_owned())
        .collect();
    listed.sort();
    let mut settings: Vec<String> = crate::config::settings::KEYS
        .iter()
        .map(|key| format!("JOBCAST_{}", key.to_ascii_uppercase()))
        .collect();
    settings.sort();
    assert_eq!(listed, settings);
}
