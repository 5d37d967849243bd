//! The live stream: a minimal Socket.IO v5 / Engine.IO v4 client over a
//! websocket, in layers — `engineio` (framing), `socketio` (packets),
//! `handshake` (opening a connection), `reader` (the task that reads it),
//! `connection` (a connected socket with ordered events and acks) — and the
//! jobcast events on top (`jobs`).

pub mod connection;
pub mod engineio;
mod handshake;
pub mod jobs;
mod options;
mod reader;
pub mod socketio;

pub use connection::{SocketClient, DISCONNECT_REASON};
pub use handshake::socket_url;
pub use jobs::{JoinedJob, UserPage, JOB_UPDATE, RESUME_PER_CALL};
pub use options::ConnectOptions;
#[cfg(feature = "test-util")]
pub use reader::Incoming;
