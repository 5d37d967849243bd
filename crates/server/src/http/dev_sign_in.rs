//! The dashboard's one-click development sign-in: on a server that runs on
//! its generated secret and listens on loopback, `POST /api/dev/sign-in`
//! hands out the same development token that `serve` prints.
//!
//! Only a page served from a loopback name may use it: the `Host` (and the
//! `Origin`, when the browser sends one) must be `127.0.0.1`, `localhost` or
//! `[::1]`. A page on another name that resolves to 127.0.0.1 (DNS
//! rebinding) is refused, so it cannot read a token.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use jobcast_core::wire::{DevSignIn, DevSignInOffer};

use crate::auth::{DEV_TOKEN_TTL, DEV_USER};
use crate::error::ApiError;
use crate::http::extract::Json;
use crate::state::AppState;

/// `GET /api/dev/sign-in`.
pub async fn offer(State(state): State<AppState>, headers: HeaderMap) -> Json<DevSignInOffer> {
    Json(DevSignInOffer {
        available: state.dev_sign_in && from_loopback_page(&headers),
    })
}

/// `POST /api/dev/sign-in`.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<DevSignIn>, ApiError> {
    if !state.dev_sign_in {
        return Err(ApiError::not_found(
            "development sign-in is off: this server has a configured key or does not listen on loopback",
        ));
    }
    if !from_loopback_page(&headers) {
        return Err(ApiError::forbidden(
            "development sign-in is only for pages served from 127.0.0.1, localhost or [::1]",
        ));
    }
    let token = state.auth.mint_development().map_err(ApiError::internal)?;
    Ok(Json(DevSignIn {
        token,
        user: DEV_USER.to_owned(),
        expires_in_s: DEV_TOKEN_TTL.as_secs(),
    }))
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
    use super::is_loopback_authority;

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
