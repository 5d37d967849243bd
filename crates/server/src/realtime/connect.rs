//! Connecting a socket: the token from the `auth` payload is checked in the
//! connect *middleware*, which socketioxide awaits before it acknowledges the
//! connection. The event handlers are registered there too, so a client that
//! emits the instant it is connected always finds them (NOTES.md 1: handlers
//! registered in the connect handler lose 5-20 % of immediate joins).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use socketioxide::extract::{SocketRef, TryData};

use super::handlers;
use super::limits::RateLimiter;
use super::subscriber::Subscriber;
use super::Realtime;
use crate::http::extract::Caller;

/// Why a connection is refused: the `message` of the client's `connect_error`.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("unauthorized")]
    Unauthorized,
    #[error("rate_limited")]
    TooManyConnections,
}

#[derive(Debug, Deserialize)]
struct AuthPayload {
    token: String,
}

pub async fn authenticate(
    rt: Arc<Realtime>,
    socket: SocketRef,
    auth: Result<Value, socketioxide::ParserError>,
) -> Result<(), Refusal> {
    let token = auth
        .ok()
        .and_then(|value| serde_json::from_value::<AuthPayload>(value).ok())
        .map(|payload| payload.token)
        .ok_or(Refusal::Unauthorized)?;
    let claims = rt.state.auth.verify(token.trim()).map_err(|e| {
        tracing::debug!(error = %e, "socket token refused");
        Refusal::Unauthorized
    })?;
    let caller = Caller::from(claims);
    if !rt
        .hub
        .admit_connection(&caller.user, rt.limits.max_connections_per_user)
    {
        return Err(Refusal::TooManyConnections);
    }
    let limiter = RateLimiter::new(rt.limits.rate_per_sec, rt.limits.rate_burst);
    let subscriber = Arc::new(Subscriber::new(socket.clone(), caller, limiter));
    rt.hub.add(subscriber);
    handlers::register(&rt, &socket);
    let hub = rt.hub.clone();
    socket.on_disconnect(move |socket: SocketRef| {
        hub.remove(socket.id);
        async {}
    });
    Ok(())
}

type Checked = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Refusal>> + Send>>;

/// Takes the `auth` payload whatever its shape, so a missing or malformed one
/// is refused as `unauthorized` rather than by the parser.
pub fn middleware(
    rt: Arc<Realtime>,
) -> impl Fn(SocketRef, TryData<Value>) -> Checked + Clone + Send + Sync + 'static {
    move |socket: SocketRef, TryData(auth): TryData<Value>| {
        let rt = rt.clone();
        Box::pin(async move { authenticate(rt, socket, auth).await })
    }
}
