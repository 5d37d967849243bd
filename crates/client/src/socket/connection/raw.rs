//! Speaking the protocol by hand, for tests of hostile input (the server's
//! `realtime_hostile` suite): a connection that joins no namespace, frames
//! sent as they are, and whatever arrives, unsorted. Only with the
//! `test-util` feature: a program that uses this crate as a client has no
//! business sending malformed frames.

use std::time::Duration;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::SocketClient;
use crate::error::{ConnectError, SocketError};
use crate::socket::handshake::Namespace;
use crate::socket::options::ConnectOptions;
use crate::socket::reader::Incoming;

impl SocketClient {
    /// Opens the websocket and reads the Engine.IO open packet, but connects
    /// to no namespace: for tests that speak the protocol by hand.
    pub async fn connect_raw(
        base: &str,
        options: ConnectOptions,
    ) -> Result<SocketClient, ConnectError> {
        Self::open(base, &options, Namespace::Skip).await
    }

    /// Sends one websocket text frame as is (an Engine.IO packet, or not).
    pub async fn send_raw(&self, text: &str) -> Result<(), SocketError> {
        self.send_frame(Message::text(text.to_owned())).await
    }

    /// Sends one websocket binary frame as is.
    pub async fn send_raw_binary(&self, bytes: Vec<u8>) -> Result<(), SocketError> {
        self.send_frame(Message::binary(bytes)).await
    }

    /// The next thing received, whatever it is (events set aside by an
    /// acknowledgement wait come first).
    pub async fn next_incoming(&mut self, timeout: Duration) -> Option<Incoming> {
        if let Some((name, value)) = self.queued.pop_front() {
            return Some(Incoming::Event(name, value));
        }
        self.recv(Instant::now() + timeout).await.ok()
    }
}
