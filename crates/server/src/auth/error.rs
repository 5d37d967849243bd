//! Why a token was refused or authentication could not be set up, in
//! words that name the problem and never the key material.

use std::io;
use std::path::{Path, PathBuf};

/// Why a token was refused, or why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token has expired")]
    Expired,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("cannot mint: configured with a public key")]
    CannotMint,
    #[error("invalid JWT key: {0}")]
    Key(String),
    #[error("JWT secret file {path}: {message}")]
    SecretFile {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<io::Error>,
    },
    #[error("cannot sign the token: {0}")]
    Sign(String),
}

impl AuthError {
    pub(super) fn invalid(message: impl Into<String>) -> Self {
        AuthError::InvalidToken(message.into())
    }

    pub(super) fn secret_file(
        path: &Path,
        message: impl Into<String>,
        source: Option<io::Error>,
    ) -> Self {
        AuthError::SecretFile {
            path: path.to_path_buf(),
            message: message.into(),
            source,
        }
    }
}
