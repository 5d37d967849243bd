//! A socket as the hub sees it: its id and the `SocketIo` to find it by.
//! The hub holds no `SocketRef` (which would keep socketioxide's socket, and
//! the connection permit in its extensions, alive after the connection is
//! gone); it looks the socket up for each send, and a socket that is no
//! longer there is `Closed`. `close` ends a socket the server drops, whatever
//! its buffer holds.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError, SocketIo};

use super::websockets::WebSockets;

/// How often a long-polling socket's disconnect packet is tried again.
const RETRY: Duration = Duration::from_millis(100);
/// Past this, a long-polling session that neither reads nor is closed by
/// the Engine.IO heartbeat (which gives up on a session whose buffer holds
/// its ping) is left to it: it can no longer be waiting on us.
const POLLING_GIVE_UP: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct SocketHandle {
    io: SocketIo,
    websockets: Arc<WebSockets>,
    pub id: Sid,
}

impl SocketHandle {
    pub fn new(io: SocketIo, websockets: Arc<WebSockets>, id: Sid) -> Self {
        SocketHandle { io, websockets, id }
    }

    /// The socket while socketioxide still has it.
    pub fn get(&self) -> Option<SocketRef> {
        self.io.of("/").and_then(|ns| ns.get_socket(self.id))
    }

    pub fn emit<T: ?Sized + Serialize>(&self, event: &str, data: &T) -> Result<(), SendError> {
        match self.get() {
            Some(socket) => socket.emit(event, data),
            None => Err(SendError::Socket(SocketError::Closed)),
        }
    }

    /// Closes the socket whatever its buffer holds. The disconnect packet
    /// goes when it can be queued (the client then knows the server closed
    /// it); when the buffer is full, a WebSocket's TCP connection is cut,
    /// which closes the Engine.IO and Socket.IO sockets at once. Long-polling
    /// has no connection of its own: its packet is tried again until the
    /// client reads (and then gets it right after what was queued) or the
    /// heartbeat closes the session. Returns once the socket is gone or
    /// the connection cut.
    pub async fn close(&self) {
        let mut waited = Duration::ZERO;
        loop {
            let Some(socket) = self.get() else {
                return;
            };
            match socket.clone().disconnect() {
                Err(SocketError::InternalChannelFull) => {}
                _ => return,
            }
            if let Some(cutter) = self.websockets.cutter(&socket) {
                tracing::info!(sid = %self.id, "socket buffer full: cutting its connection");
                cutter.cut();
                return;
            }
            drop(socket);
            if waited >= POLLING_GIVE_UP {
                tracing::warn!(sid = %self.id, "long-polling socket still full: left to the heartbeat");
                return;
            }
            tokio::time::sleep(RETRY).await;
            waited += RETRY;
        }
    }
}
