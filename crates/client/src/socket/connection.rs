//! One Socket.IO connection over a raw websocket.
//!
//! A reader task owns the websocket's read half: it answers Engine.IO pings
//! and feeds every acknowledgement and event, in the order they arrived on
//! the wire, into one bounded channel. The [`SocketClient`] consumes that
//! channel: a call waiting for an acknowledgement sets aside the events that
//! arrive before it (they are handed out next, still in order), so events
//! and acks are never reordered. Because the channel is bounded, a consumer
//! that stops reading makes the reader stop reading the socket too: the
//! server sees a slow client, as it would with a real one.
//!
//! This module knows the protocol, not jobcast: the jobcast events are in
//! `socket::jobs`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use jobcast_core::wire::ErrorDetail;
use serde_json::{json, Value};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, Mutex};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::engineio::{self, OpenInfo};
use super::socketio::{self, PacketType, MAIN_NAMESPACE};
use crate::error::{ConnectError, SocketError};

pub use jobcast_core::wire::events::DISCONNECT_REASON;

type Ws = WebSocketStream<TcpStream>;
type WsSink = SplitSink<Ws, Message>;
type WsStream = SplitStream<Ws>;

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

/// How to open a connection.
#[derive(Clone)]
pub struct ConnectOptions {
    /// The `auth` object of the namespace connect (`{"token": ...}`); `None`
    /// connects without one.
    pub auth: Option<Value>,
    /// Time limit of the whole handshake.
    pub connect_timeout: Duration,
    /// How long [`SocketClient::emit_with_ack`] waits for its answer.
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

/// Whether, and why, the connection ended.
#[derive(Default)]
struct Ended {
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
}

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
        let timeout = options.connect_timeout;
        tokio::time::timeout(timeout, async {
            let (mut sink, mut stream, open) = open_transport(base, &options).await?;
            connect_namespace(&mut sink, &mut stream, options.auth.clone()).await?;
            Ok(Self::start(sink, stream, open, &options))
        })
        .await
        .map_err(|_| ConnectError::Timeout)?
    }

    /// Opens the websocket and reads the Engine.IO open packet, but connects
    /// to no namespace: for tests that speak the protocol by hand.
    pub async fn connect_raw(
        base: &str,
        options: ConnectOptions,
    ) -> Result<SocketClient, ConnectError> {
        tokio::time::timeout(options.connect_timeout, async {
            let (sink, stream, open) = open_transport(base, &options).await?;
            Ok(Self::start(sink, stream, open, &options))
        })
        .await
        .map_err(|_| ConnectError::Timeout)?
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

    /// The next thing received, whatever it is (events set aside by an
    /// acknowledgement wait come first).
    pub async fn next_incoming(&mut self, timeout: Duration) -> Option<Incoming> {
        if let Some((name, value)) = self.queued.pop_front() {
            return Some(Incoming::Event(name, value));
        }
        self.recv(Instant::now() + timeout).await.ok()
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

    /// Sends one websocket text frame as is (an Engine.IO packet, or not).
    pub async fn send_raw(&self, text: &str) -> Result<(), SocketError> {
        self.send_frame(Message::text(text.to_owned())).await
    }

    /// Sends one websocket binary frame as is.
    pub async fn send_raw_binary(&self, bytes: Vec<u8>) -> Result<(), SocketError> {
        self.send_frame(Message::binary(bytes)).await
    }

    /// Whether the connection has ended (things received before may still
    /// be waiting to be taken).
    pub fn is_closed(&self) -> bool {
        self.ended.closed.load(Ordering::SeqCst)
    }

    /// Why the connection ended, once it has.
    pub fn close_reason(&self) -> Option<String> {
        self.ended
            .reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Why the server said it closes the connection (its
    /// `disconnect_reason` event, e.g. code `token_expired`), once it has.
    pub fn disconnect_reason(&self) -> Option<ErrorDetail> {
        self.ended
            .told
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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

/// `ws://host:port/<path>/socket.io/?EIO=4&transport=websocket` from the
/// server's base URL (`http://`, or `ws://` as is).
pub fn socket_url(base: &str) -> Result<url::Url, ConnectError> {
    let mut url = url::Url::parse(base).map_err(|e| ConnectError::Url(format!("{base}: {e}")))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => {
            return Err(ConnectError::Url(
                "TLS (https, wss) is not supported by this client".into(),
            ))
        }
        other => return Err(ConnectError::Url(format!("unsupported scheme {other:?}"))),
    };
    url.set_scheme(scheme)
        .map_err(|()| ConnectError::Url(format!("cannot use {scheme} for {base}")))?;
    let path = format!("{}/socket.io/", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(Some("EIO=4&transport=websocket"));
    Ok(url)
}

async fn open_transport(
    base: &str,
    options: &ConnectOptions,
) -> Result<(WsSink, WsStream, OpenInfo), ConnectError> {
    let mut url = socket_url(base)?;
    let polled = if options.upgrade {
        let open = polling_handshake(base).await?;
        url.query_pairs_mut().append_pair("sid", &open.sid);
        Some(open)
    } else {
        None
    };
    let host = url
        .host_str()
        .ok_or_else(|| ConnectError::Url(format!("no host in {base}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let transport = |e: std::io::Error| ConnectError::Transport(e.to_string());
    let address = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(transport)?
        .next()
        .ok_or_else(|| ConnectError::Transport(format!("{host} has no address")))?;
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(transport)?;
    if let Some(size) = options.recv_buffer {
        socket.set_recv_buffer_size(size).map_err(transport)?;
    }
    let tcp = socket.connect(address).await.map_err(transport)?;
    // Small frames must not wait for delayed ACKs.
    tcp.set_nodelay(true).map_err(transport)?;
    let (ws, _response) = tokio_tungstenite::client_async(url.as_str(), tcp)
        .await
        .map_err(|e| ConnectError::Transport(e.to_string()))?;
    let (mut sink, mut stream) = ws.split();
    if let Some(open) = polled {
        upgrade(&mut sink, &mut stream).await?;
        return Ok((sink, stream, open));
    }
    let open = loop {
        match next_text(&mut stream).await? {
            engineio::Packet::Open(data) => {
                break OpenInfo::parse(&data).map_err(|e| ConnectError::Protocol(e.to_string()))?
            }
            engineio::Packet::Noop => {}
            other => {
                return Err(ConnectError::Protocol(format!(
                    "expected the open packet, got {other:?}"
                )))
            }
        }
    };
    Ok((sink, stream, open))
}

/// Opens an Engine.IO session on long-polling: its open packet.
async fn polling_handshake(base: &str) -> Result<OpenInfo, ConnectError> {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=polling",
        base.trim_end_matches('/')
    );
    let transport = |e: reqwest::Error| ConnectError::Transport(e.to_string());
    let body = reqwest::get(&url)
        .await
        .map_err(transport)?
        .error_for_status()
        .map_err(transport)?
        .text()
        .await
        .map_err(transport)?;
    // Packets of a polling payload are separated by the record separator.
    let first = body.split('\u{1e}').next().unwrap_or_default();
    match engineio::Packet::decode(first) {
        Ok(engineio::Packet::Open(data)) => {
            OpenInfo::parse(&data).map_err(|e| ConnectError::Protocol(e.to_string()))
        }
        other => Err(ConnectError::Protocol(format!(
            "expected the open packet on polling, got {other:?}"
        ))),
    }
}

/// The WebSocket upgrade of a polling session: probe, then upgrade.
async fn upgrade(sink: &mut WsSink, stream: &mut WsStream) -> Result<(), ConnectError> {
    let transport =
        |e: tokio_tungstenite::tungstenite::Error| ConnectError::Transport(e.to_string());
    sink.send(Message::text(
        engineio::Packet::Ping("probe".into()).encode(),
    ))
    .await
    .map_err(transport)?;
    loop {
        match next_text(stream).await? {
            engineio::Packet::Pong(probe) if probe == "probe" => break,
            engineio::Packet::Noop => {}
            other => {
                return Err(ConnectError::Protocol(format!(
                    "expected the probe's pong, got {other:?}"
                )))
            }
        }
    }
    sink.send(Message::text(engineio::Packet::Upgrade.encode()))
        .await
        .map_err(transport)
}

async fn connect_namespace(
    sink: &mut WsSink,
    stream: &mut WsStream,
    auth: Option<Value>,
) -> Result<(), ConnectError> {
    let transport =
        |e: tokio_tungstenite::tungstenite::Error| ConnectError::Transport(e.to_string());
    let connect = engineio::Packet::Message(socketio::Packet::connect(auth).encode());
    sink.send(Message::text(connect.encode()))
        .await
        .map_err(transport)?;
    loop {
        match next_text(stream).await? {
            engineio::Packet::Ping(data) => sink
                .send(Message::text(engineio::Packet::Pong(data).encode()))
                .await
                .map_err(transport)?,
            engineio::Packet::Message(data) => {
                let packet = socketio::Packet::decode(&data)
                    .map_err(|e| ConnectError::Protocol(e.to_string()))?;
                if packet.namespace != MAIN_NAMESPACE {
                    continue;
                }
                match packet.kind {
                    PacketType::Connect => return Ok(()),
                    PacketType::ConnectError => {
                        return Err(ConnectError::Refused(
                            packet.error_message().unwrap_or_default(),
                        ))
                    }
                    _ => {
                        return Err(ConnectError::Protocol(format!(
                            "expected the connect answer, got {data:?}"
                        )))
                    }
                }
            }
            engineio::Packet::Close => {
                return Err(ConnectError::Transport(
                    "the server closed the session".into(),
                ))
            }
            _ => {}
        }
    }
}

/// The next Engine.IO packet during the handshake.
async fn next_text(stream: &mut WsStream) -> Result<engineio::Packet, ConnectError> {
    loop {
        match stream.next().await {
            None => {
                return Err(ConnectError::Transport(
                    "the server closed the connection".into(),
                ))
            }
            Some(Err(e)) => return Err(ConnectError::Transport(e.to_string())),
            Some(Ok(Message::Text(text))) => {
                return engineio::Packet::decode(text.as_str())
                    .map_err(|e| ConnectError::Protocol(e.to_string()))
            }
            Some(Ok(Message::Close(_))) => {
                return Err(ConnectError::Transport(
                    "the server closed the connection".into(),
                ))
            }
            Some(Ok(_)) => {}
        }
    }
}

async fn read_loop(
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
                                    *ended.told.lock().unwrap_or_else(|p| p.into_inner()) =
                                        Some(told);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls() {
        let url = socket_url("http://127.0.0.1:8080").expect("url");
        assert_eq!(
            url.as_str(),
            "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket"
        );
        let url = socket_url("http://example.com/jobcast/").expect("url");
        assert_eq!(
            url.as_str(),
            "ws://example.com/jobcast/socket.io/?EIO=4&transport=websocket"
        );
        assert!(socket_url("https://example.com").is_err());
        assert!(socket_url("ftp://example.com").is_err());
        assert!(socket_url("not a url").is_err());
    }

    #[test]
    fn options_hide_the_token() {
        let shown = format!("{:?}", ConnectOptions::token("secret-token"));
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
