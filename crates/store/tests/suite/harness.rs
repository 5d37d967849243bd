//! Fresh stores for the cases: a SQLite file in a temporary directory, or a
//! PostgreSQL schema of its own that is dropped when the case ends, pass or
//! fail.

use std::future::Future;
use std::sync::Arc;

use jobcast_store::SqliteStore;

use super::Shared;

pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Shared) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("data").join("jobcast.db"))
        .await
        .expect("open sqlite");
    case(Arc::new(store.clone())).await;
    store.close().await;
}

#[cfg(feature = "postgres-tests")]
pub use pg::on_postgres;

#[cfg(feature = "postgres-tests")]
pub mod pg {
    use std::future::Future;
    use std::sync::Arc;

    use jobcast_core::JobId;
    use jobcast_store::PgStore;
    use sqlx::Connection;

    use crate::suite::Shared;

    const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

    pub fn database_url() -> String {
        std::env::var("JOBCAST_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
    }

    pub fn fresh_schema() -> String {
        format!("jobcast_test_{}", JobId::new().to_string().to_lowercase())
    }

    /// Runs `case` on a store in a new schema, then drops the schema even if
    /// the case panicked (the case runs in its own task so that its panic
    /// can be caught and re-raised after the cleanup).
    pub async fn on_postgres<F, Fut>(case: F)
    where
        F: FnOnce(Shared) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let url = database_url();
        let schema = fresh_schema();
        let store = connect(&url, &schema).await;
        let outcome = tokio::spawn(case(Arc::new(store.clone()))).await;
        store.close().await;
        drop_schema(&url, &schema).await;
        if let Err(e) = outcome {
            match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("case did not finish: {e}"),
            }
        }
    }

    /// A store in `schema`; fails the test, loudly, when the server is not there.
    pub async fn connect(url: &str, schema: &str) -> PgStore {
        PgStore::connect_in_schema(url, schema)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the PostgreSQL conformance run needs a server, and {} did not answer: {e}\n\
                     (start one, or point JOBCAST_TEST_DATABASE_URL at one)",
                    without_password(url)
                )
            })
    }

    fn without_password(url: &str) -> String {
        match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => match url[start + 3..at].split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..start], &url[at..]),
                None => url.to_owned(),
            },
            _ => url.to_owned(),
        }
    }

    pub async fn drop_schema(url: &str, schema: &str) {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .expect("connect to drop the test schema");
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .execute(&mut conn)
            .await
            .expect("drop the test schema");
        conn.close().await.expect("close");
    }
}
