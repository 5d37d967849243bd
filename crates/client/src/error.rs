//! The client's errors, one type per kind of call, so a caller can tell a
//! refusal by the server (which it may show to a user) from a broken
//! connection (which it may retry).

use jobcast_core::ErrorCode;

/// A REST call that did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with its error shape `{"error":{"code","message"}}`.
    #[error("HTTP {status} {code:?}: {message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The request did not get an answer, or the answer was an error that
    /// is not jobcast's (a proxy's, say).
    #[error("HTTP: {0}")]
    Http(String),
    /// A successful answer whose body is not what the API promises.
    #[error("cannot decode the answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// The API's error code, when the server gave one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Opening a Socket.IO connection failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    /// The server refused the namespace connection (`44{"message"}`);
    /// jobcast says `unauthorized` for a missing or bad token.
    #[error("connection refused: {0}")]
    Refused(String),
    /// The URL cannot be reached with this client.
    #[error("bad URL: {0}")]
    Url(String),
    /// TCP or websocket failure.
    #[error("transport: {0}")]
    Transport(String),
    /// The server said something the handshake does not allow.
    #[error("protocol: {0}")]
    Protocol(String),
    #[error("the handshake timed out")]
    Timeout,
}

/// Sending or receiving on an open connection failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SocketError {
    #[error("no answer in time")]
    Timeout,
    #[error("the connection is closed")]
    Closed,
    #[error("transport: {0}")]
    Transport(String),
    /// What arrived is not what the protocol promises.
    #[error("cannot decode: {0}")]
    Decode(String),
}

/// A request with an acknowledgement (`join_job`, `cancel_job`, ...) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AckError {
    /// The server answered `{"ok":false,"error":{"code","message"}}`.
    #[error("refused ({code:?}): {message}")]
    Refused { code: ErrorCode, message: String },
    #[error(transparent)]
    Socket(#[from] SocketError),
}

impl AckError {
    /// The server's error code, when it refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            AckError::Refused { code, .. } => Some(*code),
            AckError::Socket(_) => None,
        }
    }
}
