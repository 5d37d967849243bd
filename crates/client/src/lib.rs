//! A client of a jobcast server: the REST API ([`RestClient`]), the live
//! stream over Socket.IO ([`SocketClient`]), and on top of it a follower
//! that sees jobs to their end across reconnections ([`follow::Follower`]).
//!
//! The CLI, the benchmark's load generator and the server's own tests use
//! this crate, so the client that ships is the one that exercises the server.
//! It speaks the wire types and event names of `jobcast_core::wire`; the
//! client-side helpers it adds (`UserPage`, `JoinedJob`) only gather them.
//! Proving compatibility with the *official* Socket.IO clients is the job
//! of the end-to-end suites, not of this crate: this is a deliberately
//! small Socket.IO v5 client (websocket transport, JSON parser, namespace
//! `/`), not a general one.
//!
//! Features: `test-util` adds the raw helpers of tests of hostile input
//! (`SocketClient::connect_raw`, `send_raw`, `send_raw_binary`,
//! `next_incoming`, `Incoming`); only test suites enable it.

pub mod error;
pub mod follow;
pub mod rest;
pub mod socket;

pub use error::{AckError, ClientError, ConnectError, SocketError};
pub use rest::RestClient;
#[cfg(feature = "test-util")]
pub use socket::Incoming;
pub use socket::{
    ConnectOptions, JoinedJob, SocketClient, UserPage, DISCONNECT_REASON, JOB_UPDATE,
    RESUME_PER_CALL,
};
