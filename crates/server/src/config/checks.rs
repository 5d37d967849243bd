//! Checks of single values that need no other setting: which algorithm a
//! PEM public key is for, the shape of database, Redis and LLM URLs, and
//! CORS origins. Each returns a message that completes "<setting>: ..."
//! and quotes neither a key nor more of a URL than its scheme.

use super::PublicKeyAlgorithm;

/// DER of the OID of the P-256 curve (1.2.840.10045.3.1.7).
const P256_OID: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Which algorithm a PEM public key is for; the error completes the sentence
/// "<the key> ..." and never repeats the key.
pub(super) fn inspect_public_key(pem_text: &str) -> Result<PublicKeyAlgorithm, String> {
    let parsed = pem::parse(pem_text.trim())
        .map_err(|_| "is not a PEM public key (a \"BEGIN PUBLIC KEY\" block)".to_owned())?;
    match parsed.tag() {
        "PUBLIC KEY" | "RSA PUBLIC KEY" => {}
        tag if tag.contains("PRIVATE KEY") => {
            return Err(
                "holds a private key; give jobcast only the public key (openssl pkey -in key.pem -pubout)".to_owned(),
            )
        }
        "CERTIFICATE" => {
            return Err(
                "holds a certificate; give its public key instead (openssl x509 -in cert.pem -pubkey -noout)"
                    .to_owned(),
            )
        }
        other => return Err(format!("holds a PEM {other:?} block, not a public key")),
    }
    let bytes = pem_text.trim().as_bytes();
    if jsonwebtoken::DecodingKey::from_rsa_pem(bytes).is_ok() {
        return Ok(PublicKeyAlgorithm::RS256);
    }
    if jsonwebtoken::DecodingKey::from_ec_pem(bytes).is_ok() {
        return if parsed
            .contents()
            .windows(P256_OID.len())
            .any(|w| w == P256_OID)
        {
            Ok(PublicKeyAlgorithm::ES256)
        } else {
            Err("is an EC key on a curve other than P-256; only ES256 (P-256) EC keys are supported".to_owned())
        };
    }
    if jsonwebtoken::DecodingKey::from_ed_pem(bytes).is_ok() {
        return Err(
            "is an Ed25519 key; only RSA (RS256) and EC P-256 (ES256) keys are supported"
                .to_owned(),
        );
    }
    Err("is not a valid RSA or EC public key".to_owned())
}

/// The scheme of `text`, for messages that must not quote the whole URL.
fn scheme_of(text: &str) -> String {
    match text.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme.len() <= 20
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            format!("{scheme:?}")
        }
        _ => "none".to_owned(),
    }
}

pub(super) fn check_database_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        return if path.is_empty() || path.starts_with('?') {
            Err("names no database file (write sqlite://path/to/jobcast.db)".to_owned())
        } else {
            Ok(())
        };
    }
    check_url(url, &["postgres", "postgresql"], "sqlite:// or postgres://")
}

/// A URL with one of `schemes` and a host. The message quotes only the scheme.
pub(super) fn check_url(url: &str, schemes: &[&str], expected: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| format!("is not a valid URL ({e}); expected {expected}..."))?;
    if !schemes.contains(&parsed.scheme()) {
        return Err(format!(
            "must start with {expected} (found scheme {})",
            scheme_of(url.trim())
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("names no host; expected {expected}host..."));
    }
    Ok(())
}

/// `https://app.example.com/` → `https://app.example.com`.
pub(super) fn normalize_origin(text: &str) -> Result<String, String> {
    let parsed = url::Url::parse(text.trim())
        .map_err(|e| format!("not an origin such as https://app.example.com ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("an origin starts with http:// or https://".to_owned());
    }
    if parsed.host_str().is_none() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("not an origin such as https://app.example.com".to_owned());
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("an origin is scheme, host and port only, without a path".to_owned());
    }
    Ok(parsed.origin().ascii_serialization())
}
