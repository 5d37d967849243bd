//! A socket as the hub sees it: its id and the `SocketIo` to find it by.
//! The hub holds no `SocketRef` (which would keep socketioxide's socket, and
//! the connection permit in its extensions, alive after the connection is
//! gone); it looks the socket up for each send, and a socket that is no
//! longer there is `Closed`.

use serde::Serialize;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError, SocketIo};

#[derive(Clone)]
pub struct SocketHandle {
    io: SocketIo,
    pub id: Sid,
}

impl SocketHandle {
    pub fn new(io: SocketIo, id: Sid) -> Self {
        SocketHandle { io, id }
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

    /// Sends the disconnect packet; a socket already gone is `Ok`.
    pub fn disconnect(&self) -> Result<(), SocketError> {
        match self.get() {
            Some(socket) => socket.disconnect(),
            None => Ok(()),
        }
    }
}
