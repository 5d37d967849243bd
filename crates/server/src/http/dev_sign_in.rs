//! The dashboard's one-click development sign-in: on a server that runs on
//! its generated secret and listens on loopback, `POST /api/dev/sign-in`
//! hands out the same development token that `serve` prints.
//!
//! Only this machine may use it, and only a page served from a loopback
//! name:
//! - the TCP peer must be a loopback address. The `Host` header is what the
//!   client says, so anyone can send `Host: 127.0.0.1`, and a reverse proxy
//!   rewrites it to its upstream; the peer address is what the kernel saw.
//! - no forwarding header (`Forwarded`, `X-Forwarded-*`, `X-Real-IP`,
//!   `Via`, ...) may be present: a request a proxy on this machine relays
//!   comes from a loopback peer but started somewhere else.
//! - the `Host` (and the `Origin`, when the browser sends one) must be
//!   `127.0.0.1`, `localhost` or `[::1]`. A page on another name that
//!   resolves to 127.0.0.1 (DNS rebinding) is refused, so it cannot read a
//!   token.
//!
//! It must not trust anything a client or a proxy can write: a request that
//! cannot prove all three is refused.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, Extensions, HeaderMap};
use jobcast_core::wire::{DevSignIn, DevSignInOffer};

use crate::auth::{DEV_TOKEN_TTL, DEV_USER};
use crate::error::ApiError;
use crate::http::extract::Json;
use crate::state::AppState;
use crate::transport::Peer;

/// `GET /api/dev/sign-in`.
pub async fn offer(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Json<DevSignInOffer> {
    Json(DevSignInOffer {
        available: state.dev_sign_in && refusal(peer(&extensions), &headers).is_none(),
    })
}

/// `POST /api/dev/sign-in`.
pub async fn sign_in(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Result<Json<DevSignIn>, ApiError> {
    if !state.dev_sign_in {
        return Err(ApiError::not_found(
            "development sign-in is off: this server has a configured key or does not listen on loopback",
        ));
    }
    if let Some(reason) = refusal(peer(&extensions), &headers) {
        return Err(ApiError::forbidden(reason));
    }
    let token = state.auth.mint_development().map_err(ApiError::internal)?;
    Ok(Json(DevSignIn {
        token,
        user: DEV_USER.to_owned(),
        expires_in_s: DEV_TOKEN_TTL.as_secs(),
    }))
}

/// The TCP peer, as the server accepted it (`App::serve` records it).
fn peer(extensions: &Extensions) -> Option<SocketAddr> {
    extensions
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(peer)| peer.addr)
}

/// Why the request may not sign in, or `None` if it may.
fn refusal(peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<&'static str> {
    // An IPv4 client of a dual-stack listener is seen as `::ffff:127.0.0.1`.
    if !peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) {
        return Some("development sign-in is only for requests from this machine's loopback");
    }
    if headers
        .keys()
        .any(|name| is_forwarding_header(name.as_str()))
    {
        return Some(
            "development sign-in is not offered through a proxy (the request carries a forwarding header)",
        );
    }
    if !from_loopback_page(headers) {
        return Some(
            "development sign-in is only for pages served from 127.0.0.1, localhost or [::1]",
        );
    }
    None
}

/// A header a proxy adds to say the request started elsewhere. Header names
/// come lower-cased from `HeaderMap`.
fn is_forwarding_header(name: &str) -> bool {
    name.starts_with("x-forwarded-")
        || matches!(
            name,
            "forwarded"
                | "via"
                | "x-real-ip"
                | "x-client-ip"
                | "x-cluster-client-ip"
                | "x-original-forwarded-for"
                | "true-client-ip"
                | "cf-connecting-ip"
                | "fastly-client-ip"
        )
}

/// The request names a loopback host, and comes from a loopback page if it
/// says where it comes from.
fn from_loopback_page(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_loopback_authority);
    let origin = match headers.get(header::ORIGIN) {
        None => true,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|o| {
                o.strip_prefix("http://")
                    .or_else(|| o.strip_prefix("https://"))
            })
            .is_some_and(is_loopback_authority),
    };
    host && origin
}

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((host, "")) => host,
            Some((host, port)) if port.strip_prefix(':').is_some_and(is_port) => host,
            _ => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => authority,
        }
    };
    matches!(
        host.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

fn is_port(text: &str) -> bool {
    text.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

    use super::{is_loopback_authority, refusal};

    fn loopback_page() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        headers
    }

    fn peer(text: &str) -> Option<SocketAddr> {
        Some(text.parse().expect("socket address"))
    }

    #[test]
    fn only_loopback_peers() {
        for ok in [
            "127.0.0.1:50000",
            "127.8.9.10:1",
            "[::1]:50000",
            "[::ffff:127.0.0.1]:50000",
        ] {
            assert_eq!(refusal(peer(ok), &loopback_page()), None, "{ok}");
        }
        for refused in [
            "192.0.2.2:50000",
            "10.0.0.1:1",
            "[::ffff:192.0.2.2]:1",
            "[fd00::2]:1",
            "0.0.0.0:1",
        ] {
            assert!(
                refusal(peer(refused), &loopback_page()).is_some(),
                "{refused}"
            );
        }
        assert!(
            refusal(None, &loopback_page()).is_some(),
            "no recorded peer"
        );
    }

    #[test]
    fn no_forwarding_headers() {
        for name in [
            "forwarded",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto",
            "x-forwarded-port",
            "x-real-ip",
            "via",
            "true-client-ip",
            "cf-connecting-ip",
        ] {
            let mut headers = loopback_page();
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static("127.0.0.1"),
            );
            assert!(refusal(peer("127.0.0.1:1"), &headers).is_some(), "{name}");
        }
    }

    #[test]
    fn loopback_names_only() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "localhost:3000",
            "LOCALHOST",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example:80",
            "127.0.0.1:80:80",
            "127.0.0.1:http",
            "[::1]x",
            "[::1]8080",
            "[::2]:8080",
            "",
            "10.0.0.1:8080",
            "0.0.0.0:8080",
        ] {
            assert!(!is_loopback_authority(refused), "{refused}");
        }
    }
}
