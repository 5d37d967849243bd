//! Engine.IO v4 packets as they travel on a websocket: one text frame is one
//! packet, a type digit followed by its data (`0{...}` open, `2` ping, `3`
//! pong, `4...` a message carrying a Socket.IO packet). Only framing lives
//! here; what the messages mean is `socketio`'s concern.

use serde::Deserialize;

use crate::error::SocketError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`.
    Open(String),
    Close,
    Ping(String),
    Pong(String),
    Message(String),
    Upgrade,
    Noop,
}

/// What the server says in its open packet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    pub sid: String,
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    /// Largest packet the server takes, in bytes.
    #[serde(default)]
    pub max_payload: Option<u64>,
}

impl Packet {
    pub fn decode(text: &str) -> Result<Packet, SocketError> {
        let mut chars = text.chars();
        let kind = chars
            .next()
            .ok_or_else(|| SocketError::Decode("empty Engine.IO packet".into()))?;
        let data = chars.as_str().to_owned();
        Ok(match kind {
            '0' => Packet::Open(data),
            '1' => Packet::Close,
            '2' => Packet::Ping(data),
            '3' => Packet::Pong(data),
            '4' => Packet::Message(data),
            '5' => Packet::Upgrade,
            '6' => Packet::Noop,
            other => {
                return Err(SocketError::Decode(format!(
                    "unknown Engine.IO packet type {other:?}"
                )))
            }
        })
    }

    pub fn encode(&self) -> String {
        match self {
            Packet::Open(data) => format!("0{data}"),
            Packet::Close => "1".into(),
            Packet::Ping(data) => format!("2{data}"),
            Packet::Pong(data) => format!("3{data}"),
            Packet::Message(data) => format!("4{data}"),
            Packet::Upgrade => "5".into(),
            Packet::Noop => "6".into(),
        }
    }
}

impl OpenInfo {
    pub fn parse(data: &str) -> Result<OpenInfo, SocketError> {
        serde_json::from_str(data).map_err(|e| SocketError::Decode(format!("open packet: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips() {
        for packet in [
            Packet::Open("{}".into()),
            Packet::Close,
            Packet::Ping(String::new()),
            Packet::Ping("probe".into()),
            Packet::Pong(String::new()),
            Packet::Message("2[\"x\"]".into()),
            Packet::Upgrade,
            Packet::Noop,
        ] {
            assert_eq!(Packet::decode(&packet.encode()).expect("decodes"), packet);
        }
    }

    #[test]
    fn ping_and_pong_are_bare_digits() {
        assert_eq!(
            Packet::decode("2").expect("ping"),
            Packet::Ping(String::new())
        );
        assert_eq!(Packet::Pong(String::new()).encode(), "3");
    }

    #[test]
    fn the_open_packet_is_read() {
        let Packet::Open(data) = Packet::decode(
            r#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}"#,
        )
        .expect("decodes") else {
            panic!("not an open packet");
        };
        let info = OpenInfo::parse(&data).expect("open info");
        assert_eq!(info.sid, "abc");
        assert_eq!(info.ping_interval, 25_000);
        assert_eq!(info.ping_timeout, 20_000);
        assert_eq!(info.max_payload, Some(100_000));
    }

    #[test]
    fn junk_is_an_error() {
        assert!(Packet::decode("").is_err());
        assert!(Packet::decode("9hello").is_err());
        assert!(Packet::decode("x").is_err());
        assert!(OpenInfo::parse("{").is_err());
    }
}
