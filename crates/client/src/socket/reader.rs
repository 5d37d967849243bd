//! The reader task of a connection: it owns the websocket's read half,
//! answers Engine.IO pings, and feeds every acknowledgement and event, in
//! the order they arrived on the wire, into one bounded channel. Because the
//! channel is bounded, a consumer that stops taking makes the reader stop
//! reading the socket too: the server sees a slow client, as it would with a
//! real one. When the connection ends, [`Ended`] says why.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use futures::{SinkExt, StreamExt};
use jobcast_core::wire::events::DISCONNECT_REASON;
use jobcast_core::wire::ErrorDetail;
use serde_json::Value;
use tokio::sync::{mpsc, Mutex};
use tokio_tungstenite::tungstenite::Message;

use super::engineio;
use super::handshake::{WsSink, WsStream};
use super::socketio::{self, PacketType, MAIN_NAMESPACE};

/// What the server sent, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The acknowledgement with this id, and its first argument.
    Ack(u64, Value),
    /// An event's name and its first argument.
    Event(String, Value),
    /// A Socket.IO packet that is neither (another namespace's answer, a
    /// malformed packet), as text. Kept for tests of hostile input.
    Other(String),
}

/// Whether, and why, the connection ended: written by the reader, read by
/// the [`SocketClient`](super::SocketClient).
#[derive(Default)]
pub(super) struct Ended {
    closed: AtomicBool,
    reason: StdMutex<Option<String>>,
    /// The server's `disconnect_reason`, when it said why it closes.
    told: StdMutex<Option<ErrorDetail>>,
}

impl Ended {
    fn set(&self, reason: String) {
        let mut slot = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(reason);
        self.closed.store(true, Ordering::SeqCst);
    }

    fn tell(&self, told: ErrorDetail) {
        *self.told.lock().unwrap_or_else(|p| p.into_inner()) = Some(told);
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(super) fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(super) fn told(&self) -> Option<ErrorDetail> {
        self.told.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Reads until the connection ends, then records why in `ended`.
pub(super) async fn read_loop(
    mut stream: WsStream,
    sink: Arc<Mutex<WsSink>>,
    tx: mpsc::Sender<Incoming>,
    ended: Arc<Ended>,
) {
    let reason = loop {
        let text = match stream.next().await {
            None => break "the server closed the connection".to_owned(),
            Some(Err(e)) => break format!("transport: {e}"),
            Some(Ok(Message::Close(frame))) => {
                break match frame {
                    Some(frame) => format!("closed by the server: {} {}", frame.code, frame.reason),
                    None => "closed by the server".to_owned(),
                }
            }
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
        };
        let incoming = match engineio::Packet::decode(text.as_str()) {
            Ok(engineio::Packet::Ping(data)) => {
                let pong = Message::text(engineio::Packet::Pong(data).encode());
                if let Err(e) = sink.lock().await.send(pong).await {
                    break format!("cannot answer a ping: {e}");
                }
                continue;
            }
            Ok(engineio::Packet::Close) => break "the server closed the session".to_owned(),
            Ok(engineio::Packet::Message(data)) => match socketio::Packet::decode(&data) {
                Ok(packet) if packet.namespace == MAIN_NAMESPACE => match packet.kind {
                    PacketType::Disconnect => {
                        break "the server disconnected the socket".to_owned()
                    }
                    PacketType::Event => match packet.event_parts() {
                        Some((name, value)) => {
                            if name == DISCONNECT_REASON {
                                if let Ok(told) = serde_json::from_value(value.clone()) {
                                    ended.tell(told);
                                }
                            }
                            Incoming::Event(name, value)
                        }
                        None => Incoming::Other(data),
                    },
                    PacketType::Ack => match packet.ack_value() {
                        Some((id, value)) => Incoming::Ack(id, value),
                        None => Incoming::Other(data),
                    },
                    _ => Incoming::Other(data),
                },
                _ => Incoming::Other(data),
            },
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(error = %e, "ignoring an Engine.IO packet");
                continue;
            }
        };
        // Waits while the consumer is behind: the socket is not read meanwhile.
        if tx.send(incoming).await.is_err() {
            break "the client went away".to_owned();
        }
    };
    ended.set(reason);
}
