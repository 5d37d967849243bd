//! Which TCP connection carries each socket's WebSocket, so that a socket the
//! server drops can be closed at the transport level (`transport::Cutter`)
//! whatever its buffer holds.
//!
//! A client that opens a WebSocket straight away does its handshake on it:
//! the connection is the one in the socket's own request (`req_parts`). A
//! client that starts with long-polling and upgrades (socket.io-client's
//! default) opens the WebSocket with a later request naming its session
//! (`?transport=websocket&sid=...`); `record_upgrade` notes that request's
//! connection here. Long-polling has no connection of its own to cut.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SocketIo, TransportType};

use crate::transport::{Cutter, Peer};

/// Upgrades kept before the ones whose socket is gone are pruned.
const PRUNE_ABOVE: usize = 1024;

pub struct WebSockets {
    io: SocketIo,
    upgraded: Mutex<HashMap<Sid, Cutter>>,
}

impl WebSockets {
    pub fn new(io: SocketIo) -> Self {
        WebSockets {
            io,
            upgraded: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Sid, Cutter>> {
        self.upgraded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The connection to cut to close `socket`, if it is on a WebSocket.
    pub fn cutter(&self, socket: &SocketRef) -> Option<Cutter> {
        if socket.transport_type() != TransportType::Websocket {
            return None;
        }
        if let Some(cutter) = self.lock().get(&socket.id) {
            return Some(cutter.clone());
        }
        let parts = socket.req_parts();
        if !is_websocket_request(parts.uri.query()) {
            return None;
        }
        parts
            .extensions
            .get::<ConnectInfo<Peer>>()
            .map(|ConnectInfo(peer)| peer.cutter.clone())
    }

    /// Forgets a socket that is gone.
    pub fn forget(&self, sid: Sid) {
        self.lock().remove(&sid);
    }

    fn record(&self, sid: Sid, cutter: Cutter) {
        let mut upgraded = self.lock();
        if upgraded.len() >= PRUNE_ABOVE {
            // Upgrades that named no socket, or whose socket has gone
            // without being forgotten: bounded by the live sockets.
            let ns = self.io.of("/");
            upgraded.retain(|sid, _| ns.as_ref().is_some_and(|ns| ns.get_socket(*sid).is_some()));
        }
        upgraded.insert(sid, cutter);
    }
}

fn query_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

fn is_websocket_request(query: Option<&str>) -> bool {
    query.and_then(|q| query_value(q, "transport")) == Some("websocket")
}

/// Notes the connection of a WebSocket upgrade of an Engine.IO session.
pub async fn record_upgrade(
    State(websockets): State<Arc<WebSockets>>,
    request: Request,
    next: Next,
) -> Response {
    let query = request.uri().query();
    if is_websocket_request(query) {
        let sid = query
            .and_then(|q| query_value(q, "sid"))
            .and_then(|text| Sid::from_str(text).ok());
        let peer = request.extensions().get::<ConnectInfo<Peer>>();
        if let (Some(sid), Some(ConnectInfo(peer))) = (sid, peer) {
            websockets.record(sid, peer.cutter.clone());
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_requests_are_told_by_their_query() {
        assert!(is_websocket_request(Some("EIO=4&transport=websocket")));
        assert!(is_websocket_request(Some(
            "EIO=4&transport=websocket&sid=abc"
        )));
        assert!(!is_websocket_request(Some("EIO=4&transport=polling")));
        assert!(!is_websocket_request(Some("transport=websocketx")));
        assert!(!is_websocket_request(None));
        assert_eq!(query_value("a=1&sid=xyz&b", "sid"), Some("xyz"));
        assert_eq!(query_value("sidx=1", "sid"), None);
    }
}
