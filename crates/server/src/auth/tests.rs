//! The authenticator's promises, each as a test: valid tokens pass, and
//! expired, unsigned (`alg: none`), wrongly signed, wrongly typed and
//! confused-algorithm tokens are refused; the generated secret is kept and
//! reused; keys and secrets never appear in errors or `Debug` output.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::tokens::unix_now;
use super::{AuthError, Authenticator, Role};
use crate::config::{Config, JwtConfig, PublicKeyAlgorithm, Secret};

const SECRET: &str = "a test secret that is long enough for HS256!";
const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/rsa-private.pem");
const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/rsa-public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/ec-private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/ec-public.pem");

fn hs256() -> Authenticator {
    Authenticator::with_secret(&Secret::new(SECRET)).expect("secret")
}

fn sign(algorithm: Algorithm, key: &EncodingKey, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, key).expect("encode")
}

fn sign_hs256(secret: &[u8], claims: &serde_json::Value) -> String {
    sign(Algorithm::HS256, &EncodingKey::from_secret(secret), claims)
}

fn later() -> u64 {
    unix_now() + 3600
}

#[test]
fn accepts_a_valid_token() {
    let auth = hs256();
    let token = sign_hs256(
        SECRET.as_bytes(),
        &json!({"sub": "alice", "exp": later(), "role": "admin"}),
    );
    let claims = auth.verify(&token).expect("valid");
    assert_eq!(claims.sub, "alice");
    assert_eq!(claims.role, Role::Admin);

    let minted = auth
        .mint("bob", Role::Worker, Duration::from_secs(60))
        .expect("mint");
    let claims = auth.verify(&minted).expect("minted token is valid");
    assert_eq!((claims.sub.as_str(), claims.role), ("bob", Role::Worker));
    assert!(claims.exp >= unix_now() + 55);
}

#[test]
fn refuses_an_expired_token() {
    let token = sign_hs256(
        SECRET.as_bytes(),
        &json!({"sub": "alice", "exp": unix_now() - 60}),
    );
    assert!(matches!(hs256().verify(&token), Err(AuthError::Expired)));
    // Within the leeway is still fine.
    let token = sign_hs256(
        SECRET.as_bytes(),
        &json!({"sub": "alice", "exp": unix_now() - 1}),
    );
    assert!(hs256().verify(&token).is_ok());
}

#[test]
fn refuses_a_token_without_exp() {
    let token = sign_hs256(SECRET.as_bytes(), &json!({"sub": "alice"}));
    let error = hs256().verify(&token).expect_err("no exp");
    assert!(error.to_string().contains("exp"), "{error}");
}

#[test]
fn refuses_a_token_without_sub() {
    for claims in [
        json!({"exp": later()}),
        json!({"sub": "", "exp": later()}),
        json!({"sub": 7, "exp": later()}),
    ] {
        let token = sign_hs256(SECRET.as_bytes(), &claims);
        assert!(hs256().verify(&token).is_err(), "{claims}");
    }
}

#[test]
fn refuses_alg_none() {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD
        .encode(json!({"sub": "mallory", "exp": later(), "role": "admin"}).to_string());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert!(hs256().verify(&token).is_err(), "{token}");
    }
    let rsa = Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
    assert!(rsa.verify(&format!("{header}.{payload}.")).is_err());
}

#[test]
fn refuses_another_secret() {
    let token = sign_hs256(
        b"some other secret entirely, also long",
        &json!({"sub": "a", "exp": later()}),
    );
    let error = hs256().verify(&token).expect_err("wrong secret");
    assert_eq!(error.to_string(), "invalid token: bad signature");
}

#[test]
fn refuses_rs256_when_hs256_is_configured() {
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("rsa key");
    let token = sign(Algorithm::RS256, &key, &json!({"sub": "a", "exp": later()}));
    let error = hs256().verify(&token).expect_err("wrong algorithm");
    assert!(error.to_string().contains("HS256"), "{error}");
}

#[test]
fn refuses_hs256_signed_with_the_public_key() {
    // The classic confusion attack: the public key, being public, used as
    // an HMAC secret by an attacker hoping the server does the same.
    let rsa = Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
    let claims = json!({"sub": "mallory", "exp": later(), "role": "admin"});
    for secret in [RSA_PUBLIC, RSA_PUBLIC.trim()] {
        let token = sign_hs256(secret.as_bytes(), &claims);
        assert!(rsa.verify(&token).is_err());
    }
    let ec = Authenticator::with_public_key(EC_PUBLIC, PublicKeyAlgorithm::ES256).expect("ec");
    assert!(ec
        .verify(&sign_hs256(EC_PUBLIC.as_bytes(), &claims))
        .is_err());
}

#[test]
fn public_keys_verify_their_own_tokens() {
    let claims = json!({"sub": "carol", "exp": later(), "role": "worker"});
    let rsa = Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
    let token = sign(
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("rsa key"),
        &claims,
    );
    assert_eq!(rsa.verify(&token).expect("valid RS256").role, Role::Worker);

    let ec = Authenticator::with_public_key(EC_PUBLIC, PublicKeyAlgorithm::ES256).expect("ec");
    let es_token = sign(
        Algorithm::ES256,
        &EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("ec key"),
        &claims,
    );
    assert_eq!(ec.verify(&es_token).expect("valid ES256").sub, "carol");
    // Each key only accepts its own algorithm.
    assert!(ec.verify(&token).is_err());
    assert!(rsa.verify(&es_token).is_err());
}

#[test]
fn public_key_mode_cannot_mint() {
    let rsa = Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
    let error = rsa
        .mint("a", Role::User, Duration::from_secs(60))
        .expect_err("cannot mint");
    assert_eq!(
        error.to_string(),
        "cannot mint: configured with a public key"
    );
    assert!(!rsa.can_mint());
}

#[test]
fn parses_roles() {
    let auth = hs256();
    let role_of = |claims: serde_json::Value| {
        auth.verify(&sign_hs256(SECRET.as_bytes(), &claims))
            .map(|c| c.role)
    };
    let exp = later();
    assert_eq!(
        role_of(json!({"sub": "a", "exp": exp})).ok(),
        Some(Role::User)
    );
    assert_eq!(
        role_of(json!({"sub": "a", "exp": exp, "role": null})).ok(),
        Some(Role::User)
    );
    assert_eq!(
        role_of(json!({"sub": "a", "exp": exp, "role": "user"})).ok(),
        Some(Role::User)
    );
    assert_eq!(
        role_of(json!({"sub": "a", "exp": exp, "role": "admin"})).ok(),
        Some(Role::Admin)
    );
    assert_eq!(
        role_of(json!({"sub": "a", "exp": exp, "role": "worker"})).ok(),
        Some(Role::Worker)
    );
    let error =
        role_of(json!({"sub": "a", "exp": exp, "role": "superuser"})).expect_err("unknown role");
    assert!(error.to_string().contains("superuser"), "{error}");
    assert!(role_of(json!({"sub": "a", "exp": exp, "role": "Admin"})).is_err());
    assert!(role_of(json!({"sub": "a", "exp": exp, "role": 1})).is_err());
    assert_eq!(Role::parse("worker"), Some(Role::Worker));
    assert_eq!(Role::Admin.to_string(), "admin");
}

#[test]
fn generated_secret_is_kept_and_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::for_data_dir(dir.path().join("nested").join("data"));
    let first = Authenticator::load(&config).expect("first load");
    assert!(first.is_generated_secret());
    let token = first
        .mint("dev", Role::User, Duration::from_secs(60))
        .expect("mint");

    let path = config.jwt_secret_path();
    let stored = std::fs::read_to_string(&path).expect("secret file");
    assert_eq!(stored.trim().len(), 64);
    assert!(stored.trim().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers = std::fs::read_dir(&config.data_dir)
        .expect("data dir")
        .count();
    assert_eq!(leftovers, 1, "only the secret file remains");

    let second = Authenticator::load(&config).expect("second load");
    assert!(second.is_generated_secret());
    assert_eq!(second.verify(&token).expect("same secret").sub, "dev");
    assert_eq!(std::fs::read_to_string(&path).expect("secret file"), stored);
}

#[test]
fn configured_secret_is_not_generated_and_not_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::for_data_dir(dir.path());
    config.jwt = JwtConfig::Secret(Secret::new(SECRET));
    let auth = Authenticator::load(&config).expect("load");
    assert!(!auth.is_generated_secret());
    assert!(!config.jwt_secret_path().exists());
    assert!(!format!("{auth:?}").contains(SECRET));
    assert!(!format!("{config:?}").contains(SECRET));
}

/// Issue 11, failure 12: a configuration built in code (not read by
/// `Config::load`) must not start on a short secret either.
#[test]
fn a_configured_secret_under_32_bytes_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::for_data_dir(dir.path());
    config.jwt = JwtConfig::Secret(Secret::new("twelve bytes"));
    let error = Authenticator::load(&config).expect_err("a 12-byte secret");
    let message = error.to_string();
    assert!(message.contains("12 bytes"), "{message}");
    assert!(message.contains("at least 32"), "{message}");
    assert!(!message.contains("twelve bytes"), "{message}");
    assert!(Authenticator::with_secret(&Secret::new("0123456789abcdef0123456789abcde")).is_err());
    assert!(Authenticator::with_secret(&Secret::new("0123456789abcdef0123456789abcdef")).is_ok());
}

#[test]
fn errors_do_not_show_keys() {
    let error = Authenticator::with_public_key(
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----",
        PublicKeyAlgorithm::RS256,
    )
    .expect_err("bad key");
    assert!(!error.to_string().contains("bm90IGEga2V5"), "{error}");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::for_data_dir(dir.path());
    std::fs::write(config.jwt_secret_path(), "  \n").expect("write");
    let error = Authenticator::load(&config).expect_err("empty secret file");
    assert!(error.to_string().contains("is empty"), "{error}");
}
