//! How to open a connection: the namespace's `auth` object, the time limits,
//! and the knobs tests turn to play a slow or an upgrading client. Kept apart
//! from the connection so the handshake and the consumer read the same
//! settings without one owning the other.

use std::fmt;
use std::time::Duration;

use serde_json::{json, Value};

/// How to open a connection.
#[derive(Clone)]
pub struct ConnectOptions {
    /// The `auth` object of the namespace connect (`{"token": ...}`); `None`
    /// connects without one.
    pub auth: Option<Value>,
    /// Time limit of the whole handshake.
    pub connect_timeout: Duration,
    /// How long [`SocketClient::emit_with_ack`](super::SocketClient::emit_with_ack)
    /// waits for its answer.
    pub ack_timeout: Duration,
    /// Packets received but not yet taken before the client stops reading
    /// the socket.
    pub queue: usize,
    /// The TCP receive buffer (`SO_RCVBUF`), to simulate a slow client
    /// whose kernel holds little; `None` leaves the system's default.
    pub recv_buffer: Option<u32>,
    /// Start on HTTP long-polling and upgrade to a WebSocket, as
    /// socket.io-client does by default, instead of opening the WebSocket
    /// straight away.
    pub upgrade: bool,
}

impl ConnectOptions {
    /// Connect with `{"token": token}` and the default limits.
    pub fn token(token: &str) -> Self {
        ConnectOptions {
            auth: Some(json!({ "token": token })),
            ..ConnectOptions::default()
        }
    }
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            auth: None,
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(10),
            queue: 1024,
            recv_buffer: None,
            upgrade: false,
        }
    }
}

impl fmt::Debug for ConnectOptions {
    // The auth object holds a token: never show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .field("queue", &self.queue)
            .field("recv_buffer", &self.recv_buffer)
            .field("upgrade", &self.upgrade)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_hide_the_token() {
        let shown = format!("{:?}", ConnectOptions::token("secret-token"));
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
