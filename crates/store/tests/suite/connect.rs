//! The crate's entry point: `connect` picks the backend from the URL's scheme
//! and refuses what it does not know.

#[cfg(feature = "postgres-tests")]
use super::harness::pg;

pub async fn connect_chooses_the_backend_by_scheme() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("a").join("j.db").display());
    let store = jobcast_store::connect(&url).await.expect("connect sqlite");
    assert_eq!((store.backend(), store.is_shared()), ("sqlite", false));
    store.ping().await.expect("ping");

    let url = format!("sqlite:{}", dir.path().join("b.db").display());
    let store = jobcast_store::connect(&url).await.expect("connect sqlite:");
    assert_eq!(store.backend(), "sqlite");

    for bad in ["mysql://root@localhost/db", "jobs.db", "sqlite::memory:"] {
        let err = jobcast_store::connect(bad).await.err().expect("refused");
        assert!(!err.to_string().is_empty(), "{bad}");
    }

    #[cfg(feature = "postgres-tests")]
    {
        let url = pg::database_url();
        let schema = pg::fresh_schema();
        pg::connect(&url, &schema).await.close().await;
        let sep = if url.contains('?') { '&' } else { '?' };
        let in_schema = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let store = jobcast_store::connect(&in_schema).await;
        let outcome = store
            .as_ref()
            .map(|s| (s.backend(), s.is_shared()))
            .map_err(|e| e.to_string());
        let pinged = match &store {
            Ok(s) => s.ping().await.is_ok(),
            Err(_) => false,
        };
        drop(store);
        pg::drop_schema(&url, &schema).await;
        assert_eq!(outcome.expect("connect postgres"), ("postgres", true));
        assert!(pinged);
    }
}
