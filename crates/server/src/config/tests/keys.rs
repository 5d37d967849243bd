//! The JWT settings — a public key from text or a file, refused keys that
//! are never shown, the minimum secret length — and secrets kept out of
//! `Debug` output.

use super::*;

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
