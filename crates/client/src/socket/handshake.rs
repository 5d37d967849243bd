//! Opening a connection: the websocket (straight away, or on long-polling
//! first and upgraded, as socket.io-client does), the Engine.IO open packet,
//! and the namespace connect with its `auth` object. Everything here runs
//! before the reader task exists, so it reads the socket itself; once it
//! returns, `reader` owns the read half.

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::engineio::{self, OpenInfo};
use super::options::ConnectOptions;
use super::socketio::{self, PacketType, MAIN_NAMESPACE};
use crate::error::ConnectError;

type Ws = WebSocketStream<TcpStream>;
pub(super) type WsSink = SplitSink<Ws, Message>;
pub(super) type WsStream = SplitStream<Ws>;

/// Whether the handshake connects to namespace `/` after the open packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Namespace {
    /// Connect with the options' `auth`: refused with the server's message.
    Join,
    /// Stop after the open packet, for tests that speak the protocol by hand.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    Skip,
}

/// The whole handshake, within `options.connect_timeout`: the two halves of
/// the websocket and what the server announced.
pub(super) async fn open(
    base: &str,
    options: &ConnectOptions,
    namespace: Namespace,
) -> Result<(WsSink, WsStream, OpenInfo), ConnectError> {
    tokio::time::timeout(options.connect_timeout, async {
        let (mut sink, mut stream, open) = open_transport(base, options).await?;
        if namespace == Namespace::Join {
            connect_namespace(&mut sink, &mut stream, options.auth.clone()).await?;
        }
        Ok((sink, stream, open))
    })
    .await
    .map_err(|_| ConnectError::Timeout)?
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
}
