//! Connecting a socket: the token from the `auth` payload is checked in the
//! connect *middleware*, which socketioxide awaits before it acknowledges the
//! connection. The event handlers are registered there too, so a client that
//! emits the instant it is connected always finds them (NOTES.md 1: handlers
//! registered in the connect handler lose 5-20 % of immediate joins).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use socketioxide::extract::{SocketRef, TryData};

use socketioxide::socket::Sid;
use tokio::task::AbortHandle;

use super::accounting::ConnectionPermit;
use super::expiry;
use super::handle::SocketHandle;
use super::handlers;
use super::hub::Hub;
use super::limits::RateLimiter;
use super::subscriber::Subscriber;
use super::websockets::WebSockets;
use super::Realtime;
use crate::auth::Caller;

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
    let Some(permit) = rt
        .connections
        .admit(&caller.user, rt.limits.max_connections_per_user)
    else {
        return Err(Refusal::TooManyConnections);
    };
    let handle = SocketHandle::new(rt.io.clone(), rt.websockets.clone(), socket.id);
    let expiry = expiry::close_after(rt.hub.clone(), handle.clone(), caller.time_left());
    // Owned by socketioxide's socket from here on: whatever becomes of the
    // connection, its place is given back when the socket is dropped.
    socket.extensions.insert(Arc::new(Lease {
        hub: rt.hub.clone(),
        websockets: rt.websockets.clone(),
        sid: socket.id,
        expiry,
        _permit: permit,
    }));
    let limiter = RateLimiter::new(rt.limits.rate_per_sec, rt.limits.rate_burst);
    let subscriber = Arc::new(Subscriber::new(handle, caller, limiter));
    rt.hub.add(subscriber);
    handlers::register(&rt, &socket);
    let hub = rt.hub.clone();
    socket.on_disconnect(move |socket: SocketRef| {
        hub.remove(socket.id);
        async {}
    });
    Ok(())
}

/// What a connection holds for as long as socketioxide keeps its socket (in
/// the socket's extensions): its place in the per-user count, and its entry
/// in the hub, and the task that closes it when its token expires. A socket whose transport closed while this middleware ran is
/// dropped by socketioxide without any disconnect handler; this is how its
/// place still comes back.
struct Lease {
    hub: Arc<Hub>,
    websockets: Arc<WebSockets>,
    sid: Sid,
    expiry: AbortHandle,
    _permit: ConnectionPermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.expiry.abort();
        self.hub.remove(self.sid);
        self.websockets.forget(self.sid);
    }
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
