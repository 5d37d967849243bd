//! The errors this crate adds to `StoreError`: a database that cannot be
//! opened as asked. They travel inside `StoreError::Backend`, so callers keep
//! one error type while logs still say exactly what was wrong.

use jobcast_core::StoreError;

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "unsupported database url {0:?}: use sqlite:<path>, sqlite://<path>, \
         postgres://... or postgresql://..."
    )]
    UnsupportedUrl(String),
    #[error("the sqlite url {0:?} names no file")]
    NoSqlitePath(String),
    #[error("in-memory sqlite is not supported: jobs must outlive the process")]
    InMemory,
    #[error("cannot create the directory {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0:?} is not a usable schema name (letters, digits and _, at most 63)")]
    BadSchemaName(String),
}

impl From<OpenError> for StoreError {
    fn from(e: OpenError) -> Self {
        StoreError::backend(e)
    }
}

/// A database error, as the `Store` contract reports it.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

/// The group-commit task is gone (its runtime shut down): no append can be
/// stored through this handle any more.
#[derive(Debug, thiserror::Error)]
#[error("the store's writer has stopped")]
pub(crate) struct WriterStopped;
