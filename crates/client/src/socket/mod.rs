//! The live stream: a minimal Socket.IO v5 / Engine.IO v4 client over a
//! websocket, in three layers — `engineio` (framing), `socketio` (packets),
//! `connection` (a connected socket with ordered events and acks) — and the
//! jobcast events on top (`jobs`).

pub mod connection;
pub mod engineio;
pub mod jobs;
pub mod socketio;

pub use connection::{ConnectOptions, Incoming, SocketClient, DISCONNECT_REASON};
pub use jobs::{JoinedJob, UserPage, JOB_UPDATE, RESUME_PER_CALL};
