//! Extractors that answer with our error shape even when the request is
//! malformed: the caller (from the bearer token), JSON bodies, queries, paths.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use crate::auth::{Claims, Role, LEEWAY_SECS};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    /// The token's `exp` (seconds since the Unix epoch): a live connection
    /// opened with it ends when REST starts refusing it.
    pub exp: u64,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The first instant the token is refused: `verify` tolerates
    /// [`LEEWAY_SECS`] past `exp`, in whole seconds.
    pub fn expires_at(&self) -> SystemTime {
        let secs = self.exp.saturating_add(LEEWAY_SECS).saturating_add(1);
        UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
    }

    pub fn is_expired(&self) -> bool {
        SystemTime::now() >= self.expires_at()
    }

    /// How long the token has left (zero once expired).
    pub fn time_left(&self) -> Duration {
        self.expires_at()
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

impl From<Claims> for Caller {
    fn from(claims: Claims) -> Self {
        Caller {
            user: claims.sub,
            role: claims.role,
            exp: claims.exp,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
        let claims = state.auth.verify(token).map_err(|e| {
            tracing::debug!(error = %e, "token refused");
            ApiError::unauthorized("invalid or expired token")
        })?;
        Ok(claims.into())
    }
}

/// `axum::Json` with our error shape.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with our error shape.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` with our error shape.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large("request body too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::unsupported("expected Content-Type: application/json")
            }
            _ => ApiError::bad_request(format!("malformed JSON: {}", rejection.body_text())),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!("bad query: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request(format!("bad path: {}", rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(exp: u64) -> Caller {
        Caller {
            user: "alice".into(),
            role: Role::User,
            exp,
        }
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    #[test]
    fn a_caller_expires_when_verify_starts_refusing_its_token() {
        // Accepted by `verify` up to LEEWAY_SECS past exp.
        assert!(!caller(now()).is_expired());
        assert!(!caller(now() - LEEWAY_SECS + 1).is_expired());
        assert!(caller(now() - LEEWAY_SECS - 1).is_expired());
        assert_eq!(caller(now() - 3600).time_left(), Duration::ZERO);
        let left = caller(now() + 60).time_left();
        assert!(left > Duration::from_secs(60) && left <= Duration::from_secs(67));
        // Hostile exp values do not overflow.
        assert!(!caller(u64::MAX).is_expired());
        assert!(caller(0).is_expired());
    }
}
