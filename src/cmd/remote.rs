//! What the client commands (`submit`, `watch`, `jobs`) share: which server,
//! which token, and how their failures read and exit. The client crate's
//! errors are turned into words for the person at the terminal here, once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jobcast_client::follow::FollowError;
use jobcast_client::{AckError, ClientError, ConnectError, RestClient};
use jobcast_core::{ErrorCode, JobId};
use jobcast_server::auth::Authenticator;
use jobcast_server::config::JwtConfig;

use super::{load_config, ConfigFlags};
use crate::exit;

#[derive(Debug, Clone, Args)]
pub struct RemoteArgs {
    /// The server's address.
    #[arg(long, env = "JOBCAST_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A token (JWT). Without one, if the local data directory
    /// (JOBCAST_DATA_DIR, default ./jobcast-data) holds the server's
    /// generated secret, the development token of user "dev" is made from it
    /// (the one `jobcast serve` prints); else the command stops.
    #[arg(long, env = "JOBCAST_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// A failure of a client command, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("cannot reach the server at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("lost the connection to the server at {server} and could not reconnect within {seconds} s: {reason}")]
    Lost {
        server: String,
        seconds: u64,
        reason: String,
    },
    #[error("the server refused the token (unauthorized): {0}")]
    Unauthorized(String),
    #[error("the token expired while following jobs (token_expired): sign in again for a fresh token (`jobcast token --user NAME`, or wherever yours comes from), then run `jobcast watch {jobs}` to pick up where this stopped")]
    TokenExpired { jobs: String },
    #[error("the server refused the request ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("the server's answer makes no sense: {0}")]
    Protocol(String),
}

/// Prints a command's failure and turns it into its exit code (`exit`).
pub fn finish(outcome: Result<ExitCode, RemoteError>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(e @ RemoteError::TokenExpired { .. }) => {
            eprintln!("jobcast: {e}");
            ExitCode::from(exit::TOKEN_EXPIRED)
        }
        Err(e) => exit::unusable(e),
    }
}

/// `not_found`, as on the wire.
pub fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}

/// The server's root URL and the token to use.
#[derive(Clone)]
pub struct Remote {
    pub server: String,
    pub token: String,
    /// Set when the token was made from this local data directory's secret
    /// (said when the server refuses it).
    minted_from: Option<PathBuf>,
}

impl Remote {
    pub fn resolve(args: &RemoteArgs) -> Result<Remote, RemoteError> {
        let server = args.server.trim().trim_end_matches('/').to_owned();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(RemoteError::Usage(format!(
                "--server must be an http:// or https:// URL, not {server:?}"
            )));
        }
        if let Some(token) = args.token.as_deref().map(str::trim) {
            if !token.is_empty() {
                return Ok(Remote {
                    server,
                    token: token.to_owned(),
                    minted_from: None,
                });
            }
        }
        let (token, dir) = local_development_token().ok_or_else(|| {
            RemoteError::Usage(
                "no token: pass --token or set JOBCAST_TOKEN (`jobcast token --user NAME` makes one)"
                    .into(),
            )
        })?;
        Ok(Remote {
            server,
            token,
            minted_from: Some(dir),
        })
    }

    /// A fresh token when this one can be renewed here: the development
    /// token is made again from the local data directory's secret. A token
    /// given with --token / JOBCAST_TOKEN cannot be.
    pub fn renewed(&self) -> Option<Remote> {
        self.minted_from.as_ref()?;
        let (token, dir) = local_development_token()?;
        Some(Remote {
            server: self.server.clone(),
            token,
            minted_from: Some(dir),
        })
    }

    pub fn rest(&self) -> RestClient {
        RestClient::new(self.server.clone(), self.token.clone())
    }

    /// A failed REST call, in words.
    pub fn rest_error(&self, error: ClientError) -> RemoteError {
        match error {
            ClientError::Api {
                status: 401,
                message,
                ..
            } => self.unauthorized(message),
            ClientError::Api { code, message, .. } => RemoteError::Refused {
                code: code_name(code),
                message,
            },
            ClientError::Http(reason) => self.unreachable(reason),
            ClientError::Decode(reason) => RemoteError::Protocol(reason),
        }
    }

    /// A failed Socket.IO connect, in words.
    pub fn connect_error(&self, error: ConnectError) -> RemoteError {
        match error {
            ConnectError::Refused(message) => self.unauthorized(message),
            ConnectError::Url(reason) => {
                RemoteError::Usage(format!("cannot follow jobs at {}: {reason}", self.server))
            }
            other => self.unreachable(other.to_string()),
        }
    }

    /// A refused Socket.IO request about job `id`, in words.
    pub fn ack_error(&self, id: JobId, error: AckError) -> RemoteError {
        match error {
            AckError::Refused {
                code: ErrorCode::Unauthorized,
                message,
            } => self.unauthorized(message),
            AckError::Refused { code, message } => RemoteError::Refused {
                code: code_name(code),
                message: if message.contains(&id.to_string()) {
                    message
                } else {
                    format!("job {id}: {message}")
                },
            },
            AckError::Socket(e) => self.unreachable(e.to_string()),
        }
    }

    /// Following jobs stopped early, in words.
    pub fn follow_error(&self, error: FollowError) -> RemoteError {
        match error {
            FollowError::Connect(e) => self.connect_error(e),
            FollowError::Join { job, error } => self.ack_error(job, error),
            FollowError::TokenExpired { unfinished } => RemoteError::TokenExpired {
                jobs: unfinished
                    .iter()
                    .map(JobId::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            FollowError::Lost { within, reason } => RemoteError::Lost {
                server: self.server.clone(),
                seconds: within.as_secs(),
                reason,
            },
            FollowError::Protocol(e) => RemoteError::Protocol(e.to_string()),
        }
    }

    pub fn unreachable(&self, reason: String) -> RemoteError {
        RemoteError::Unreachable {
            server: self.server.clone(),
            reason,
        }
    }

    fn unauthorized(&self, message: String) -> RemoteError {
        match &self.minted_from {
            Some(dir) => RemoteError::Unauthorized(format!(
                "{message} (the development token made from the secret in {} is not this server's; pass --token)",
                dir.display()
            )),
            None => RemoteError::Unauthorized(message),
        }
    }
}

/// The development token of the local server and its data directory, if the
/// configuration (JOBCAST_DATA_DIR, JOBCAST_CONFIG, ...) uses a generated
/// secret that already exists: nothing is created here.
fn local_development_token() -> Option<(String, PathBuf)> {
    let config = load_config(&ConfigFlags::default()).ok()?;
    if !matches!(config.jwt, JwtConfig::Generated) || !config.jwt_secret_path().exists() {
        return None;
    }
    let auth = Authenticator::load(&config).ok()?;
    if !auth.is_generated_secret() {
        return None;
    }
    Some((auth.mint_development().ok()?, config.data_dir.clone()))
}
