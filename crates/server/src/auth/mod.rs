//! Who is calling: verifies the bearer tokens (JWT) of REST requests and
//! Socket.IO connections, and mints tokens when jobcast holds the secret.
//!
//! The algorithm is pinned by configuration, never taken from the token:
//! HS256 with a shared secret (configured, or generated once and kept in
//! `<data_dir>/jwt-secret`), or RS256/ES256 with a public key, which can
//! verify but never mint. That closes the classic holes — `alg: none`, and
//! HS256 tokens "signed" with the public key as an HMAC secret. Every token
//! must carry `exp` and a non-empty `sub`; `role` is optional (`user`) and
//! an unknown role refuses the token rather than guessing.
//!
//! Nothing here may show key material: `AuthError` messages and `Debug`
//! output name the problem, never the key or the secret.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

mod caller;

pub use caller::Caller;

use crate::config::{Config, JwtConfig, PublicKeyAlgorithm, Secret, MIN_JWT_SECRET_BYTES};

/// Seconds of clock difference tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 5;

/// Longer tokens are refused unread.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The user of development tokens (see [`Authenticator::mint_development`]).
pub const DEV_USER: &str = "dev";
/// How long a development token is valid.
pub const DEV_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and acts on their own jobs.
    #[default]
    User,
    /// Sees every job.
    Admin,
    /// May use `/api/worker`.
    Worker,
}

impl Role {
    /// `user`, `admin` or `worker`.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            "worker" => Some(Role::Worker),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::Worker => "worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verified contents of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id: the owner of the jobs this token creates.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    pub role: Role,
}

/// Why a token was refused, or why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token has expired")]
    Expired,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("cannot mint: configured with a public key")]
    CannotMint,
    #[error("invalid JWT key: {0}")]
    Key(String),
    #[error("JWT secret file {path}: {message}")]
    SecretFile {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<io::Error>,
    },
    #[error("cannot sign the token: {0}")]
    Sign(String),
}

impl AuthError {
    fn invalid(message: impl Into<String>) -> Self {
        AuthError::InvalidToken(message.into())
    }

    fn secret_file(path: &Path, message: impl Into<String>, source: Option<io::Error>) -> Self {
        AuthError::SecretFile {
            path: path.to_path_buf(),
            message: message.into(),
            source,
        }
    }
}

/// Verifies tokens with the configured key and algorithm (and mints them in
/// the HS256 modes).
pub struct Authenticator {
    algorithm: Algorithm,
    decoding: DecodingKey,
    /// `None` with a public key: jobcast cannot sign.
    encoding: Option<EncodingKey>,
    validation: Validation,
    generated_secret: bool,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.algorithm)
            .field("can_mint", &self.encoding.is_some())
            .field("generated_secret", &self.generated_secret)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Sets up verification as configured. With neither a secret nor a public
    /// key, reads `<data_dir>/jwt-secret`, or makes it (32 random bytes,
    /// hex-encoded, readable by the owner only).
    pub fn load(config: &Config) -> Result<Authenticator, AuthError> {
        match &config.jwt {
            JwtConfig::Secret(secret) => Authenticator::with_secret(secret),
            JwtConfig::PublicKey { pem, algorithm } => {
                Authenticator::with_public_key(pem, *algorithm)
            }
            JwtConfig::Generated => {
                // Exempt from the minimum length: jobcast makes it (32
                // random bytes, 64 hex digits), and an old data directory
                // keeps working.
                let secret = load_or_create_secret(&config.jwt_secret_path())?;
                let mut auth = Authenticator::hs256(secret.expose().as_bytes())?;
                auth.generated_secret = true;
                Ok(auth)
            }
        }
    }

    /// HS256 with a configured `secret` (its UTF-8 bytes are the HMAC key),
    /// at least [`MIN_JWT_SECRET_BYTES`] long: a short shared secret can be
    /// found offline from any one token.
    pub fn with_secret(secret: &Secret) -> Result<Authenticator, AuthError> {
        let len = secret.expose().len();
        if len > 0 && len < MIN_JWT_SECRET_BYTES {
            return Err(AuthError::Key(format!(
                "the HS256 secret (JOBCAST_JWT_SECRET) {}",
                crate::config::short_secret(len)
            )));
        }
        Authenticator::hs256(secret.expose().as_bytes())
    }

    fn hs256(bytes: &[u8]) -> Result<Authenticator, AuthError> {
        if bytes.is_empty() {
            return Err(AuthError::Key("the HS256 secret is empty".to_owned()));
        }
        Ok(Authenticator {
            algorithm: Algorithm::HS256,
            decoding: DecodingKey::from_secret(bytes),
            encoding: Some(EncodingKey::from_secret(bytes)),
            validation: validation(Algorithm::HS256),
            generated_secret: false,
        })
    }

    /// RS256 or ES256 with a PEM public key: verify only.
    pub fn with_public_key(
        pem: &str,
        algorithm: PublicKeyAlgorithm,
    ) -> Result<Authenticator, AuthError> {
        let (algorithm, decoding) = match algorithm {
            PublicKeyAlgorithm::RS256 => (
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(pem.trim().as_bytes()).map_err(|_| {
                    AuthError::Key("the public key is not an RSA public key in PEM form".to_owned())
                })?,
            ),
            PublicKeyAlgorithm::ES256 => (
                Algorithm::ES256,
                DecodingKey::from_ec_pem(pem.trim().as_bytes()).map_err(|_| {
                    AuthError::Key("the public key is not an EC public key in PEM form".to_owned())
                })?,
            ),
        };
        Ok(Authenticator {
            algorithm,
            decoding,
            encoding: None,
            validation: validation(algorithm),
            generated_secret: false,
        })
    }

    /// Whether the secret was generated by jobcast (no key was configured):
    /// the binary then prints a development token.
    pub fn is_generated_secret(&self) -> bool {
        self.generated_secret
    }

    /// The development token of a server running on its generated secret:
    /// user [`DEV_USER`], valid [`DEV_TOKEN_TTL`]. `serve` prints it and the
    /// dashboard's development sign-in hands it out.
    pub fn mint_development(&self) -> Result<String, AuthError> {
        self.mint(DEV_USER, Role::User, DEV_TOKEN_TTL)
    }

    /// The one algorithm tokens must use.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether [`Authenticator::mint`] can work (HS256 modes).
    pub fn can_mint(&self) -> bool {
        self.encoding.is_some()
    }

    /// The claims of a valid token: signed with the configured key and
    /// algorithm, not expired (within [`LEEWAY_SECS`]), with a `sub`.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::invalid("the token is too long"));
        }
        let data = jsonwebtoken::decode::<TokenClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| self.refusal(e.kind()))?;
        let claims = data.claims;
        let sub = match claims.sub {
            Some(serde_json::Value::String(sub)) if !sub.trim().is_empty() => sub,
            _ => return Err(AuthError::invalid("the token has no subject (sub)")),
        };
        let exp = claims
            .exp
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| {
                AuthError::invalid("the expiry (exp) is not a whole number of seconds")
            })?;
        let role = match claims.role {
            None | Some(serde_json::Value::Null) => Role::User,
            Some(serde_json::Value::String(name)) => Role::parse(&name).ok_or_else(|| {
                let shown: String = name.chars().take(32).collect();
                AuthError::invalid(format!(
                    "unknown role {shown:?} (expected user, admin or worker)"
                ))
            })?,
            Some(_) => return Err(AuthError::invalid("the role must be a string")),
        };
        Ok(Claims { sub, exp, role })
    }

    /// A token for `sub` with `role`, valid for `ttl`.
    pub fn mint(&self, sub: &str, role: Role, ttl: Duration) -> Result<String, AuthError> {
        let Some(key) = &self.encoding else {
            return Err(AuthError::CannotMint);
        };
        if sub.trim().is_empty() {
            return Err(AuthError::Sign("the subject must not be empty".to_owned()));
        }
        let now = unix_now();
        let claims = MintedClaims {
            sub,
            iat: now,
            exp: now.saturating_add(ttl.as_secs()),
            role,
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|e| AuthError::Sign(format!("{:?}", e.kind()).chars().take(80).collect()))
    }

    /// A message for a refused token that names the problem, not the key.
    fn refusal(&self, kind: &ErrorKind) -> AuthError {
        match kind {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::InvalidSignature => AuthError::invalid("bad signature"),
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => {
                AuthError::invalid(format!("only {:?} tokens are accepted", self.algorithm))
            }
            ErrorKind::MissingRequiredClaim(claim) => {
                let claim: String = claim.chars().take(16).collect();
                AuthError::invalid(format!("the {claim} claim is missing"))
            }
            ErrorKind::ImmatureSignature => AuthError::invalid("the token is not valid yet (nbf)"),
            ErrorKind::InvalidToken
            | ErrorKind::Base64(_)
            | ErrorKind::Json(_)
            | ErrorKind::Utf8(_) => AuthError::invalid("malformed token"),
            ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience | ErrorKind::InvalidSubject => {
                AuthError::invalid("claims not accepted")
            }
            _ => AuthError::invalid("the signature cannot be checked with the configured key"),
        }
    }
}

fn validation(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.set_required_spec_claims(&["exp"]);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    // jobcast has no audience of its own; tokens from an identity provider
    // often carry one, and the signature already says who issued them.
    validation.validate_aud = false;
    validation
}

/// Claims as found in a token, interpreted after the signature and `exp`
/// were checked (so that a bad `role` gets its own message).
#[derive(Deserialize)]
struct TokenClaims {
    #[serde(default)]
    sub: Option<serde_json::Value>,
    #[serde(default)]
    exp: Option<serde_json::Value>,
    #[serde(default)]
    role: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct MintedClaims<'a> {
    sub: &'a str,
    iat: u64,
    exp: u64,
    role: Role,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Reads the generated secret at `path`, or makes it.
fn load_or_create_secret(path: &Path) -> Result<Secret, AuthError> {
    match std::fs::read_to_string(path) {
        Ok(text) => secret_from_file(path, &text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_secret(path),
        Err(e) => Err(AuthError::secret_file(
            path,
            format!("cannot read it: {e}"),
            Some(e),
        )),
    }
}

fn secret_from_file(path: &Path, text: &str) -> Result<Secret, AuthError> {
    let secret = text.trim();
    if secret.is_empty() {
        return Err(AuthError::secret_file(
            path,
            "is empty; delete it and jobcast makes a new secret (tokens signed with the old one stop working)",
            None,
        ));
    }
    warn_if_shared(path);
    Ok(Secret::new(secret))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path) {
        if metadata.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the JWT secret file can be read by other users; `chmod 600` it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// Writes a new secret to a private temporary file, then links it into
/// place, so that a crash never leaves a half-written secret and two
/// instances starting together agree on one secret.
fn create_secret(path: &Path) -> Result<Secret, AuthError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            AuthError::secret_file(
                path,
                format!("cannot create {}: {e}", dir.display()),
                Some(e),
            )
        })?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);

    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", hex::encode(rand::random::<[u8; 6]>())));
    let temporary = PathBuf::from(temporary);
    let written = write_private(&temporary, format!("{secret}\n").as_bytes());
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    // The temporary file goes in every case; a failure to remove it is harmless.
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(Secret::new(secret)),
        // Another instance made it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match std::fs::read_to_string(path) {
            Ok(text) => secret_from_file(path, &text),
            Err(e) => Err(AuthError::secret_file(
                path,
                format!("cannot read it: {e}"),
                Some(e),
            )),
        },
        Err(e) => Err(AuthError::secret_file(
            path,
            format!("cannot write it: {e}"),
            Some(e),
        )),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde_json::json;

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
        let rsa =
            Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
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
        let rsa =
            Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
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
        let rsa =
            Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
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
        let rsa =
            Authenticator::with_public_key(RSA_PUBLIC, PublicKeyAlgorithm::RS256).expect("rsa");
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
        let error = role_of(json!({"sub": "a", "exp": exp, "role": "superuser"}))
            .expect_err("unknown role");
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
        assert!(
            Authenticator::with_secret(&Secret::new("0123456789abcdef0123456789abcde")).is_err()
        );
        assert!(
            Authenticator::with_secret(&Secret::new("0123456789abcdef0123456789abcdef")).is_ok()
        );
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
}
