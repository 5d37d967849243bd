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

/// A database error, as the `Store` contract reports it: `Unavailable` when
/// it comes from the database's surroundings and passes by itself (a full
/// disk, a locked file, a lost connection), `Backend` otherwise.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if is_transient(&e) {
        StoreError::unavailable(e)
    } else {
        StoreError::backend(e)
    }
}

fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => {
            let sqlite = e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
            e.code().is_some_and(|code| {
                if sqlite {
                    is_transient_sqlite(&code)
                } else {
                    is_transient_sqlstate(&code)
                }
            })
        }
        _ => false,
    }
}

/// A SQLite result code (an extended code keeps its primary code in the low
/// byte): BUSY, LOCKED, IOERR, FULL, CANTOPEN.
fn is_transient_sqlite(code: &str) -> bool {
    code.parse::<u32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6 | 10 | 13 | 14))
}

/// A PostgreSQL SQLSTATE: connection exceptions (08), insufficient resources
/// such as a full disk (53), shutdown or restart (57P0x), and the conflicts
/// a retry resolves (serialization failure, deadlock).
fn is_transient_sqlstate(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "40001"
        || code == "40P01"
}

/// A `COMMIT` failed and reading back whether it was applied failed too:
/// the events may or may not be stored. Not retried, so never stored twice.
#[derive(Debug, thiserror::Error)]
#[error("the database failed at COMMIT and whether it was applied is unknown")]
pub(crate) struct OutcomeUnknown;

/// The group-commit task is gone (its runtime shut down): no append can be
/// stored through this handle any more.
#[derive(Debug, thiserror::Error)]
#[error("the store's writer has stopped")]
pub(crate) struct WriterStopped;

#[cfg(test)]
mod tests {
    use super::{is_transient_sqlite, is_transient_sqlstate};

    #[test]
    fn faults_that_pass_are_told_from_errors_that_stay() {
        // SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_BUSY, SQLITE_CANTOPEN.
        for transient in ["13", "778", "5", "14"] {
            assert!(is_transient_sqlite(transient), "{transient}");
        }
        // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CORRUPT, not a number.
        for lasting in ["1555", "11", "x"] {
            assert!(!is_transient_sqlite(lasting), "{lasting}");
        }
        // Admin shutdown, connection failure, disk full, serialization.
        for transient in ["57P01", "08006", "53100", "40001"] {
            assert!(is_transient_sqlstate(transient), "{transient}");
        }
        // Unique violation, syntax error, undefined table.
        for lasting in ["23505", "42601", "42P01"] {
            assert!(!is_transient_sqlstate(lasting), "{lasting}");
        }
    }
}
