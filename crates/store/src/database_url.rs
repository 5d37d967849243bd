//! Which backend a `JOBCAST_DATABASE_URL` names, and opening it. The only
//! place that looks at the URL's scheme.

use std::path::PathBuf;
use std::sync::Arc;

use jobcast_core::{Store, StoreError};

use crate::error::OpenError;
use crate::{PgStore, SqliteStore};

/// A database URL, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite:<path>` or `sqlite://<path>` (`sqlite:///abs/path` is absolute).
    /// Query options (`?mode=rwc`) are ignored: the store sets its own.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to the driver as is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, OpenError> {
        let url = url.trim();
        let scheme_end = url.find(':').unwrap_or(0);
        let scheme = url[..scheme_end].to_ascii_lowercase();
        let rest = &url[scheme_end..];
        match scheme.as_str() {
            "sqlite" => {
                let rest = rest.strip_prefix(':').unwrap_or(rest);
                let rest = rest.strip_prefix("//").unwrap_or(rest);
                let path = rest.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(OpenError::NoSqlitePath(url.to_owned()));
                }
                if path == ":memory:" {
                    return Err(OpenError::InMemory);
                }
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" if rest.starts_with("://") => {
                Ok(DatabaseUrl::Postgres(url.to_owned()))
            }
            _ => Err(OpenError::UnsupportedUrl(redact(url))),
        }
    }

    /// Opens the store this URL names, bringing its schema up to date.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
            DatabaseUrl::Postgres(url) => Arc::new(PgStore::connect(url).await?),
        })
    }
}

/// Opens the store `database_url` names: SQLite for `sqlite:`, PostgreSQL for
/// `postgres://` and `postgresql://`.
pub async fn connect(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    DatabaseUrl::parse(database_url)?.open().await
}

/// The URL without anything that may be a password, for an error message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => format!("{}://***{}", &url[..start], &url[at..]),
        _ => url.chars().take(100).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(path: &str) -> DatabaseUrl {
        DatabaseUrl::Sqlite(PathBuf::from(path))
    }

    #[test]
    fn sqlite_urls_name_a_path() {
        let cases = [
            ("sqlite:jobs.db", "jobs.db"),
            ("sqlite://jobcast-data/jobs.db", "jobcast-data/jobs.db"),
            ("sqlite://./data/jobs.db?mode=rwc", "./data/jobs.db"),
            (
                "sqlite:///var/lib/jobcast/jobs.db",
                "/var/lib/jobcast/jobs.db",
            ),
            ("SQLITE:jobs.db", "jobs.db"),
        ];
        for (url, path) in cases {
            assert_eq!(DatabaseUrl::parse(url).expect(url), sqlite(path), "{url}");
        }
    }

    #[test]
    fn postgres_urls_pass_through() {
        for url in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5432/db?sslmode=disable",
        ] {
            assert_eq!(
                DatabaseUrl::parse(url).expect(url),
                DatabaseUrl::Postgres(url.to_owned())
            );
        }
    }

    #[test]
    fn other_urls_are_refused_clearly() {
        for url in [
            "mysql://u@h/db",
            "",
            "jobs.db",
            "postgres:db",
            "sqlite:",
            "sqlite://",
        ] {
            assert!(DatabaseUrl::parse(url).is_err(), "{url}");
        }
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(OpenError::InMemory)
        ));
        let err = DatabaseUrl::parse("mysql://root:secret@h/db").expect_err("refused");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
