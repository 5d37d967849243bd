//! One Socket.IO connection: what a caller sends and takes.
//!
//! The handshake (`handshake`) opens it; the reader task (`reader`) feeds
//! every acknowledgement and event, in arrival order, into one bounded
//! channel. The [`SocketClient`] consumes that channel: a call waiting for
//! an acknowledgement sets aside the events that arrive before it (they are
//! handed out next, still in order), so events and acks are never
//! reordered.
//!
//! This module knows the protocol, not jobcast: the jobcast events are in
//! `socket::jobs`. The raw helpers for tests of hostile input (`raw`) exist
//! only with the `test-util` feature.

#[cfg(feature = "test-util")]
mod raw;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::SinkExt;
use jobcast_core::wire::ErrorDetail;
use serde_json::Value;
use tokio::sync::{mpsc, Mutex};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::engineio::{self, OpenInfo};
use super::handshake::{self, Namespace, WsSink, WsStream};
use super::options::ConnectOptions;
use super::reader::{read_loop, Ended, Incoming};
use super::socketio;
use crate::error::{ConnectError, SocketError};

pub use jobcast_core::wire::events::DISCONNECT_REASON;

/// A connected socket: events and acknowledgements in the order they
/// arrived; dropping it closes the connection.
pub struct SocketClient {
    sink: Arc<Mutex<WsSink>>,
    incoming: mpsc::Receiver<Incoming>,
    /// Events that arrived while a call waited for its acknowledgement.
    queued: VecDeque<(String, Value)>,
    /// Acknowledgements that arrived while a call waited for another one.
    acks: HashMap<u64, Value>,
    /// Ids sent and not yet answered.
    waiting: HashSet<u64>,
    next_id: u64,
    ack_timeout: Duration,
    ended: Arc<Ended>,
    reader: JoinHandle<()>,
    open: OpenInfo,
}

impl fmt::Debug for SocketClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketClient")
            .field("sid", &self.open.sid)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl SocketClient {
    /// Connects to `base` (`http://host:port`) with `{"token": token}`.
    pub async fn connect(base: &str, token: &str) -> Result<SocketClient, ConnectError> {
        Self::connect_with(base, ConnectOptions::token(token)).await
    }

    /// Opens the websocket, reads the Engine.IO open packet, and connects to
    /// namespace `/` with `options.auth`: refused with the server's message.
    pub async fn connect_with(
        base: &str,
        options: ConnectOptions,
    ) -> Result<SocketClient, ConnectError> {
        Self::open(base, &options, Namespace::Join).await
    }

    /// The handshake, then the reader task.
    async fn open(
        base: &str,
        options: &ConnectOptions,
        namespace: Namespace,
    ) -> Result<SocketClient, ConnectError> {
        let (sink, stream, open) = handshake::open(base, options, namespace).await?;
        Ok(Self::start(sink, stream, open, options))
    }

    fn start(sink: WsSink, stream: WsStream, open: OpenInfo, options: &ConnectOptions) -> Self {
        let sink = Arc::new(Mutex::new(sink));
        let (tx, rx) = mpsc::channel(options.queue.max(1));
        let ended = Arc::new(Ended::default());
        let reader = tokio::spawn(read_loop(stream, sink.clone(), tx, ended.clone()));
        SocketClient {
            sink,
            incoming: rx,
            queued: VecDeque::new(),
            acks: HashMap::new(),
            waiting: HashSet::new(),
            next_id: 0,
            ack_timeout: options.ack_timeout,
            ended,
            reader,
            open,
        }
    }

    /// The Engine.IO session id.
    pub fn sid(&self) -> &str {
        &self.open.sid
    }

    /// What the server announced in its open packet.
    pub fn open_info(&self) -> &OpenInfo {
        &self.open
    }

    pub fn set_ack_timeout(&mut self, timeout: Duration) {
        self.ack_timeout = timeout;
    }

    /// Sends an event that wants no acknowledgement.
    pub async fn emit(&self, event: &str, data: Value) -> Result<(), SocketError> {
        self.send_packet(socketio::Packet::event(event, data, None))
            .await
    }

    /// Sends an event and waits (up to the ack timeout) for its answer.
    pub async fn emit_with_ack(&mut self, event: &str, data: Value) -> Result<Value, SocketError> {
        let id = self.request(event, data).await?;
        self.wait_ack(id).await
    }

    /// Sends an event that wants an acknowledgement and returns its id, to
    /// be collected with [`SocketClient::wait_ack`]: several requests may be
    /// in flight at once.
    pub async fn request(&mut self, event: &str, data: Value) -> Result<u64, SocketError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send_packet(socketio::Packet::event(event, data, Some(id)))
            .await?;
        self.waiting.insert(id);
        Ok(id)
    }

    /// The answer to request `id` (or to an id sent with `send_raw`, if
    /// called before anything else is read). Events that arrive first are
    /// kept, in order, for [`SocketClient::next_event`].
    pub async fn wait_ack(&mut self, id: u64) -> Result<Value, SocketError> {
        self.waiting.insert(id);
        let deadline = Instant::now() + self.ack_timeout;
        let result = loop {
            if let Some(value) = self.acks.remove(&id) {
                break Ok(value);
            }
            match self.recv(deadline).await {
                Ok(Incoming::Ack(got, value)) if got == id => break Ok(value),
                Ok(Incoming::Ack(got, value)) => {
                    if self.waiting.contains(&got) {
                        self.acks.insert(got, value);
                    }
                }
                Ok(Incoming::Event(name, value)) => self.queued.push_back((name, value)),
                Ok(Incoming::Other(_)) => {}
                Err(e) => break Err(e),
            }
        };
        self.waiting.remove(&id);
        result
    }

    /// The next event (name and first argument), or `None` after `timeout`
    /// or once the connection is closed and everything received was taken.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<(String, Value)> {
        self.recv_event(timeout).await.ok()
    }

    /// Like `next_event`, telling a timeout from a closed connection.
    pub async fn recv_event(&mut self, timeout: Duration) -> Result<(String, Value), SocketError> {
        if let Some(event) = self.queued.pop_front() {
            return Ok(event);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv(deadline).await? {
                Incoming::Event(name, value) => return Ok((name, value)),
                Incoming::Ack(id, value) => {
                    if self.waiting.contains(&id) {
                        self.acks.insert(id, value);
                    }
                }
                Incoming::Other(_) => {}
            }
        }
    }

    /// Events received while waiting for an acknowledgement and not yet
    /// taken: those arrived *before* that acknowledgement.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Takes the events counted by [`SocketClient::queued`].
    pub fn drain_queued(&mut self) -> Vec<(String, Value)> {
        self.queued.drain(..).collect()
    }

    /// Whether the connection has ended (things received before may still
    /// be waiting to be taken).
    pub fn is_closed(&self) -> bool {
        self.ended.is_closed()
    }

    /// Why the connection ended, once it has.
    pub fn close_reason(&self) -> Option<String> {
        self.ended.reason()
    }

    /// Why the server said it closes the connection (its
    /// `disconnect_reason` event, e.g. code `token_expired`), once it has.
    pub fn disconnect_reason(&self) -> Option<ErrorDetail> {
        self.ended.told()
    }

    /// Waits up to `timeout` for the server to end the connection; what
    /// arrives meanwhile is kept. `true` if it ended.
    pub async fn wait_closed(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv(deadline).await {
                Ok(Incoming::Event(name, value)) => self.queued.push_back((name, value)),
                Ok(Incoming::Ack(id, value)) => {
                    if self.waiting.contains(&id) {
                        self.acks.insert(id, value);
                    }
                }
                Ok(Incoming::Other(_)) => {}
                Err(SocketError::Closed) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Leaves the namespace and closes the websocket.
    pub async fn close(self) {
        let packet = engineio::Packet::Message(socketio::Packet::disconnect().encode());
        let mut sink = self.sink.lock().await;
        let _ = sink.send(Message::text(packet.encode())).await;
        let _ = sink.close().await;
        // `Drop` stops the reader.
    }

    async fn send_packet(&self, packet: socketio::Packet) -> Result<(), SocketError> {
        let frame = engineio::Packet::Message(packet.encode()).encode();
        self.send_frame(Message::text(frame)).await
    }

    async fn send_frame(&self, message: Message) -> Result<(), SocketError> {
        if self.is_closed() {
            return Err(SocketError::Closed);
        }
        let mut sink = self.sink.lock().await;
        sink.send(message)
            .await
            .map_err(|e| SocketError::Transport(e.to_string()))
    }

    async fn recv(&mut self, deadline: Instant) -> Result<Incoming, SocketError> {
        match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
            Ok(Some(incoming)) => Ok(incoming),
            Ok(None) => Err(SocketError::Closed),
            Err(_) => Err(SocketError::Timeout),
        }
    }
}

impl Drop for SocketClient {
    fn drop(&mut self) {
        // The reader holds the socket open; without it the connection closes.
        self.reader.abort();
    }
}
