//! The jobcast server as a library: configuration, authentication, the REST
//! API and the worker pool, assembled by `App::build` so that the binary and
//! the tests start exactly the same thing.

pub mod access;
pub mod actions;
pub mod app;
pub mod auth;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod fetch;
pub mod http;
pub mod readiness;
pub mod realtime;
pub mod state;
pub mod transport;

pub use app::{App, AppError};
pub use error::ApiError;
