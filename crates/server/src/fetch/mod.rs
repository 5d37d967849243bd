//! Downloads a job's input from a URL without letting the URL reach inside.
//!
//! A URL job makes the server open a connection that a user chose: left
//! alone, `http://169.254.169.254/latest/meta-data` or `http://localhost:6379`
//! would read cloud credentials or talk to internal services (SSRF). So
//! every address a host resolves to is checked, and the connection only ever
//! goes to addresses that passed: a resolver filters DNS answers, IP-literal
//! hosts (which skip the resolver) are checked before the request, and every
//! redirect hop is checked again. Private, loopback, link-local, multicast,
//! documentation and other special ranges are refused unless the operator
//! allowlisted the host name or range (`JOBCAST_URL_ALLOWLIST`).
//!
//! Downloads are bounded in size (streamed, stopped as soon as they pass
//! the limit) and in time. Nothing here logs a full URL: query strings and
//! user info can carry credentials.
//!
//! `policy.rs` holds what may be reached (the allowlist) and `ranges.rs`
//! which addresses are not the public internet; `guard.rs` checks URLs and
//! filters DNS answers; `download.rs` is the client that ties them together
//! and bounds the body; `filename.rs` names what was downloaded.

mod download;
mod filename;
mod guard;
mod policy;
mod ranges;

pub use download::{UrlFetcher, MAX_REDIRECTS};
pub use policy::{AllowEntry, FetchPolicy};
pub use ranges::blocked_reason;

/// A downloaded input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// From `Content-Disposition`, or else the last segment of the final
    /// URL's path; stripped of directories and control characters.
    pub filename: Option<String>,
}

/// Why a download did not happen. The messages are meant for the user who
/// submitted the URL, and never repeat the URL itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("bad URL: {0}")]
    BadUrl(String),
    /// `reason` completes the sentence "<host> ...", e.g. "is a loopback address".
    #[error("{host} {reason}; add it to JOBCAST_URL_ALLOWLIST to allow it")]
    Blocked { host: String, reason: String },
    #[error("the download is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the download took too long and was stopped")]
    Timeout,
    #[error("the server answered with HTTP status {0}")]
    Status(u16),
    #[error("the download failed: {0}")]
    Network(String),
    /// The allowlist itself is wrong (a configuration error).
    #[error("invalid URL allowlist: {0}")]
    Policy(String),
}

impl FetchError {
    /// Whether trying again later could succeed: timeouts, network trouble
    /// and the statuses that mean "not now" (408, 425, 429, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout | FetchError::Network(_) => true,
            FetchError::Status(status) => matches!(status, 408 | 425 | 429 | 500..=599),
            FetchError::BadUrl(_)
            | FetchError::Blocked { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Policy(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decisions() {
        assert!(FetchError::Timeout.is_retryable());
        assert!(FetchError::Status(503).is_retryable());
        assert!(!FetchError::Status(404).is_retryable());
        assert!(!FetchError::TooLarge { limit: 1 }.is_retryable());
    }
}
