//! Socket.IO v5 packets with the JSON parser: `<type>[<namespace>,][<id>][<json>]`,
//! carried in an Engine.IO message. `40{"token"}` connects to namespace `/`
//! with auth, `42["event",data]` is an event, `421["event",data]` one that
//! wants acknowledgement 1, answered by `431[data]`. Binary packets (types 5
//! and 6) are not supported: jobcast sends only JSON.

use serde_json::Value;

use crate::error::SocketError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl PacketType {
    fn digit(self) -> char {
        match self {
            PacketType::Connect => '0',
            PacketType::Disconnect => '1',
            PacketType::Event => '2',
            PacketType::Ack => '3',
            PacketType::ConnectError => '4',
            PacketType::BinaryEvent => '5',
            PacketType::BinaryAck => '6',
        }
    }

    fn from_digit(c: char) -> Option<PacketType> {
        Some(match c {
            '0' => PacketType::Connect,
            '1' => PacketType::Disconnect,
            '2' => PacketType::Event,
            '3' => PacketType::Ack,
            '4' => PacketType::ConnectError,
            '5' => PacketType::BinaryEvent,
            '6' => PacketType::BinaryAck,
            _ => return None,
        })
    }
}

/// The main namespace, the only one jobcast serves.
pub const MAIN_NAMESPACE: &str = "/";

#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub kind: PacketType,
    pub namespace: String,
    pub id: Option<u64>,
    pub data: Option<Value>,
}

impl Packet {
    /// Connects to namespace `/`, with `auth` as the handshake's auth object.
    pub fn connect(auth: Option<Value>) -> Packet {
        Packet {
            kind: PacketType::Connect,
            namespace: MAIN_NAMESPACE.into(),
            id: None,
            data: auth,
        }
    }

    pub fn disconnect() -> Packet {
        Packet {
            kind: PacketType::Disconnect,
            namespace: MAIN_NAMESPACE.into(),
            id: None,
            data: None,
        }
    }

    /// `["name", data]`, wanting acknowledgement `id` if given.
    pub fn event(name: &str, data: Value, id: Option<u64>) -> Packet {
        Packet {
            kind: PacketType::Event,
            namespace: MAIN_NAMESPACE.into(),
            id,
            data: Some(Value::Array(vec![Value::String(name.into()), data])),
        }
    }

    pub fn ack(id: u64, data: Value) -> Packet {
        Packet {
            kind: PacketType::Ack,
            namespace: MAIN_NAMESPACE.into(),
            id: Some(id),
            data: Some(Value::Array(vec![data])),
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        out.push(self.kind.digit());
        if self.namespace != MAIN_NAMESPACE {
            out.push_str(&self.namespace);
            out.push(',');
        }
        if let Some(id) = self.id {
            out.push_str(&id.to_string());
        }
        if let Some(data) = &self.data {
            out.push_str(&data.to_string());
        }
        out
    }

    pub fn decode(text: &str) -> Result<Packet, SocketError> {
        let bad = |why: &str| SocketError::Decode(format!("Socket.IO packet: {why}"));
        let mut chars = text.chars();
        let kind = chars
            .next()
            .and_then(PacketType::from_digit)
            .ok_or_else(|| bad("no valid type"))?;
        if matches!(kind, PacketType::BinaryEvent | PacketType::BinaryAck) {
            return Err(bad("binary packets are not supported"));
        }
        let mut rest = chars.as_str();
        let mut namespace = MAIN_NAMESPACE.to_owned();
        if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            namespace = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let id = if digits > 0 {
            Some(
                rest[..digits]
                    .parse()
                    .map_err(|_| bad("ack id too large"))?,
            )
        } else {
            None
        };
        rest = &rest[digits..];
        let data = if rest.is_empty() {
            None
        } else {
            Some(serde_json::from_str(rest).map_err(|e| bad(&format!("bad JSON: {e}")))?)
        };
        let packet = Packet {
            kind,
            namespace,
            id,
            data,
        };
        packet.check()?;
        Ok(packet)
    }

    /// The shapes the protocol requires of each type.
    fn check(&self) -> Result<(), SocketError> {
        let bad = |why: &str| SocketError::Decode(format!("Socket.IO packet: {why}"));
        match (self.kind, &self.data) {
            (PacketType::Event, Some(Value::Array(items))) => match items.first() {
                Some(Value::String(_)) => Ok(()),
                _ => Err(bad("an event must start with its name")),
            },
            (PacketType::Event, _) => Err(bad("an event must be an array")),
            (PacketType::Ack, Some(Value::Array(_))) => match self.id {
                Some(_) => Ok(()),
                None => Err(bad("an acknowledgement needs an id")),
            },
            (PacketType::Ack, _) => Err(bad("an acknowledgement must be an array")),
            (PacketType::Connect | PacketType::ConnectError, Some(Value::Object(_)) | None) => {
                Ok(())
            }
            (PacketType::Connect | PacketType::ConnectError, _) => {
                Err(bad("connect data must be an object"))
            }
            (PacketType::Disconnect, _) => Ok(()),
            (PacketType::BinaryEvent | PacketType::BinaryAck, _) => {
                Err(bad("binary packets are not supported"))
            }
        }
    }

    /// An event's name and its first argument (`null` when it has none).
    pub fn event_parts(&self) -> Option<(String, Value)> {
        if self.kind != PacketType::Event {
            return None;
        }
        let Some(Value::Array(items)) = &self.data else {
            return None;
        };
        let name = items.first()?.as_str()?.to_owned();
        Some((name, items.get(1).cloned().unwrap_or(Value::Null)))
    }

    /// An acknowledgement's first argument (`null` when it has none).
    pub fn ack_value(&self) -> Option<(u64, Value)> {
        if self.kind != PacketType::Ack {
            return None;
        }
        let Some(Value::Array(items)) = &self.data else {
            return None;
        };
        Some((self.id?, items.first().cloned().unwrap_or(Value::Null)))
    }

    /// The `message` of a connect error.
    pub fn error_message(&self) -> Option<String> {
        if self.kind != PacketType::ConnectError {
            return None;
        }
        Some(match &self.data {
            Some(Value::Object(map)) => match map.get("message") {
                Some(Value::String(message)) => message.clone(),
                Some(other) => other.to_string(),
                None => Value::Object(map.clone()).to_string(),
            },
            _ => String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn connect_with_auth() {
        let packet = Packet::connect(Some(json!({"token": "t"})));
        assert_eq!(packet.encode(), r#"0{"token":"t"}"#);
        assert_eq!(Packet::connect(None).encode(), "0");
        assert_eq!(
            Packet::decode(r#"0{"token":"t"}"#).expect("decodes"),
            packet
        );
    }

    #[test]
    fn events_with_and_without_ack_ids() {
        let plain = Packet::event("job_update", json!({"seq": 1}), None);
        assert_eq!(plain.encode(), r#"2["job_update",{"seq":1}]"#);
        let with_id = Packet::event("join_job", json!({"job_id": "x"}), Some(12));
        assert_eq!(with_id.encode(), r#"212["join_job",{"job_id":"x"}]"#);
        let decoded = Packet::decode(r#"212["join_job",{"job_id":"x"}]"#).expect("decodes");
        assert_eq!(decoded, with_id);
        assert_eq!(
            decoded.event_parts(),
            Some(("join_job".into(), json!({"job_id": "x"})))
        );
    }

    #[test]
    fn an_event_without_arguments_has_null_data() {
        let packet = Packet::decode(r#"2["ping"]"#).expect("decodes");
        assert_eq!(packet.event_parts(), Some(("ping".into(), Value::Null)));
    }

    #[test]
    fn acks_carry_their_id_and_first_value() {
        let packet = Packet::decode(r#"37[{"ok":true}]"#).expect("decodes");
        assert_eq!(packet.ack_value(), Some((7, json!({"ok": true}))));
        assert_eq!(
            Packet::ack(7, json!({"ok": true})).encode(),
            r#"37[{"ok":true}]"#
        );
        assert_eq!(
            Packet::decode("30[]").expect("decodes").ack_value(),
            Some((0, Value::Null))
        );
    }

    #[test]
    fn namespaces_other_than_main() {
        let packet = Packet::decode(r#"4/admin,{"message":"Invalid namespace"}"#).expect("decodes");
        assert_eq!(packet.kind, PacketType::ConnectError);
        assert_eq!(packet.namespace, "/admin");
        assert_eq!(packet.error_message().as_deref(), Some("Invalid namespace"));
        let event = Packet::decode(r#"2/admin,3["x",1]"#).expect("decodes");
        assert_eq!(event.namespace, "/admin");
        assert_eq!(event.id, Some(3));
        assert_eq!(
            Packet::decode("1/admin,").expect("decodes").namespace,
            "/admin"
        );
        let mut encoded = Packet::event("x", json!(1), Some(3));
        encoded.namespace = "/admin".into();
        assert_eq!(encoded.encode(), r#"2/admin,3["x",1]"#);
    }

    #[test]
    fn connect_answers() {
        let ok = Packet::decode(r#"0{"sid":"abc"}"#).expect("decodes");
        assert_eq!(ok.kind, PacketType::Connect);
        assert_eq!(ok.data, Some(json!({"sid": "abc"})));
        let refused = Packet::decode(r#"4{"message":"unauthorized"}"#).expect("decodes");
        assert_eq!(refused.error_message().as_deref(), Some("unauthorized"));
        assert_eq!(Packet::disconnect().encode(), "1");
    }

    #[test]
    fn malformed_packets_are_errors() {
        for text in [
            "",
            "9",
            "x",
            "2",
            "2garbage",
            "2{}",
            "2[1]",
            "3[]",
            "31{}",
            "0[1]",
            r#"51-["x",{"_placeholder":true,"num":0}]"#,
            "299999999999999999999999[\"x\"]",
            r#"2["unterminated"#,
        ] {
            assert!(Packet::decode(text).is_err(), "{text:?} should not decode");
        }
    }
}
