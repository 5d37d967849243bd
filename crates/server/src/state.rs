//! What every request handler shares.

use std::sync::Arc;

use jobcast_core::{Journal, Processors, Store};
use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::fetch::UrlFetcher;
use crate::readiness::Readiness;

#[derive(Clone)]
pub struct AppState {
    pub journal: Journal,
    pub processors: Processors,
    pub auth: Arc<Authenticator>,
    pub fetcher: Arc<UrlFetcher>,
    pub readiness: Arc<Readiness>,
    pub limits: Limits,
    /// Cancelled when the server drains: long-lived responses end.
    pub shutdown: CancellationToken,
    /// Whether the dashboard's one-click development sign-in is offered:
    /// the secret is the generated one and the server listens on loopback.
    pub dev_sign_in: bool,
}

/// Limits on what one request may bring.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_upload_bytes: u64,
    pub max_files: usize,
    pub max_attempts: u32,
    pub sse_keep_alive: std::time::Duration,
}

impl AppState {
    pub fn store(&self) -> &Arc<dyn Store> {
        self.journal.store()
    }
}
