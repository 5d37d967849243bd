//! `UrlFetcher` against a real HTTP server on 127.0.0.1: private addresses
//! are refused unless allowlisted (before any byte is sent), redirects are
//! checked hop by hop, and size and time limits hold.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use jobcast_server::fetch::{FetchError, FetchPolicy, UrlFetcher};

struct Server {
    address: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve() -> Server {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router =
        Router::new()
            .route("/files/report.pdf", get(|| async { "%PDF-1.7 hello" }))
            .route(
                "/download",
                get(|| async {
                    (
                        [(
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"invoice 7.pdf\"",
                        )],
                        "invoice",
                    )
                }),
            )
            .route("/big", get(|| async { vec![b'x'; 1_000_000] }))
            .route(
                "/stream",
                get(|| async {
                    let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 64 * 1024]));
                    Body::from_stream(futures::stream::iter(chunks))
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            )
            .route(
                "/redirect-metadata",
                get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data") }),
            )
            .route(
                "/redirect-mapped",
                get(|| async {
                    Redirect::temporary("http://[::ffff:169.254.169.254]/latest/meta-data")
                }),
            )
            .route(
                "/redirect-ftp",
                get(|| async { Redirect::temporary("ftp://example.com/file") }),
            )
            .route(
                "/redirect-home",
                get(|| async { Redirect::temporary("/files/report.pdf") }),
            )
            .route(
                "/loop/{n}",
                get(|Path(n): Path<u32>| async move {
                    Redirect::temporary(&format!("/loop/{}", n + 1))
                }),
            )
            .route(
                "/error",
                get(|| async { StatusCode::SERVICE_UNAVAILABLE.into_response() }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&hits),
                |State(hits): State<Arc<AtomicUsize>>,
                 request: axum::extract::Request,
                 next: axum::middleware::Next| async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let response: Response = next.run(request).await;
                    response
                },
            ));
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    Server { address, hits }
}

fn fetcher(allowlist: &[&str]) -> UrlFetcher {
    fetcher_with(allowlist, 64 * 1024, Duration::from_secs(5))
}

fn fetcher_with(allowlist: &[&str], max_bytes: u64, timeout: Duration) -> UrlFetcher {
    UrlFetcher::new(FetchPolicy {
        allowlist: allowlist.iter().map(|entry| (*entry).to_owned()).collect(),
        max_bytes,
        timeout,
    })
    .expect("valid policy")
}

#[tokio::test]
async fn loopback_is_blocked_by_default() {
    let server = serve().await;
    let error = fetcher(&[])
        .fetch(&server.url("/files/report.pdf"))
        .await
        .expect_err("blocked");
    let FetchError::Blocked { host, .. } = &error else {
        panic!("expected Blocked, got {error:?}");
    };
    assert_eq!(host, "127.0.0.1");
    assert_eq!(
        error.to_string(),
        "127.0.0.1 is a loopback address; add it to JOBCAST_URL_ALLOWLIST to allow it"
    );
    assert_eq!(server.hits(), 0, "no request may reach the server");
}

#[tokio::test]
async fn allowlisted_address_is_fetched() {
    let server = serve().await;
    let fetched = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/files/report.pdf"))
        .await
        .expect("allowed");
    assert_eq!(fetched.bytes, b"%PDF-1.7 hello");
    assert_eq!(fetched.filename.as_deref(), Some("report.pdf"));

    let fetched = fetcher(&["127.0.0.0/8"])
        .fetch(&server.url("/download"))
        .await
        .expect("allowed range");
    assert_eq!(fetched.bytes, b"invoice");
    assert_eq!(fetched.filename.as_deref(), Some("invoice 7.pdf"));

    // A redirect to an allowed place is followed; the file name is the final one.
    let fetched = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/redirect-home"))
        .await
        .expect("redirect");
    assert_eq!(fetched.filename.as_deref(), Some("report.pdf"));
}

#[tokio::test]
async fn cloud_metadata_is_blocked_without_any_traffic() {
    let started = Instant::now();
    let error = fetcher(&[])
        .fetch("http://169.254.169.254/latest/meta-data")
        .await
        .expect_err("blocked");
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(&error, FetchError::Blocked { host, reason } if host == "169.254.169.254" && reason.contains("link-local")),
        "{error:?}"
    );
}

#[tokio::test]
async fn ipv6_loopback_is_blocked() {
    let server = serve().await;
    let url = format!("http://[::1]:{}/files/report.pdf", server.address.port());
    let error = fetcher(&[]).fetch(&url).await.expect_err("blocked");
    assert!(
        matches!(&error, FetchError::Blocked { host, .. } if host == "::1"),
        "{error:?}"
    );
    let url = format!("http://[::ffff:127.0.0.1]:{}/", server.address.port());
    let error = fetcher(&[]).fetch(&url).await.expect_err("blocked");
    assert!(matches!(error, FetchError::Blocked { .. }), "{error:?}");
}

#[tokio::test]
async fn names_that_resolve_to_loopback_are_blocked() {
    let server = serve().await;
    let url = format!(
        "http://localhost:{}/files/report.pdf",
        server.address.port()
    );
    let error = fetcher(&[]).fetch(&url).await.expect_err("blocked");
    let FetchError::Blocked { host, reason } = &error else {
        panic!("expected Blocked, got {error:?}");
    };
    assert_eq!(host, "localhost");
    assert!(
        reason.starts_with("resolves to ") && reason.contains("loopback"),
        "{reason}"
    );
    assert_eq!(server.hits(), 0);

    // Allowlisting the name (any case) lets it through.
    let fetched = fetcher(&["LocalHost"])
        .fetch(&url)
        .await
        .expect("allowed by name");
    assert_eq!(fetched.bytes, b"%PDF-1.7 hello");
}

#[tokio::test]
async fn redirects_are_checked_at_every_hop() {
    let server = serve().await;
    for path in ["/redirect-metadata", "/redirect-mapped"] {
        let error = fetcher(&["127.0.0.1"])
            .fetch(&server.url(path))
            .await
            .expect_err("blocked redirect");
        assert!(
            matches!(&error, FetchError::Blocked { host, .. } if host.contains("169.254.169.254")),
            "{path}: {error:?}"
        );
    }
    let error = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/redirect-ftp"))
        .await
        .expect_err("ftp redirect");
    assert!(matches!(error, FetchError::BadUrl(_)), "{error:?}");

    let before = server.hits();
    let error = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/loop/0"))
        .await
        .expect_err("loop");
    assert!(
        matches!(&error, FetchError::Network(message) if message.contains("5 redirects")),
        "{error:?}"
    );
    assert_eq!(
        server.hits() - before,
        6,
        "the first request and 5 redirects"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let server = serve().await;
    let small = fetcher_with(&["127.0.0.1"], 1000, Duration::from_secs(5));
    let error = small
        .fetch(&server.url("/big"))
        .await
        .expect_err("too large");
    assert_eq!(error, FetchError::TooLarge { limit: 1000 });
    assert_eq!(
        error.to_string(),
        "the download is larger than the limit of 1000 bytes"
    );

    // No Content-Length: the stream is cut once it passes the limit.
    let error = small
        .fetch(&server.url("/stream"))
        .await
        .expect_err("too large");
    assert_eq!(error, FetchError::TooLarge { limit: 1000 });

    let exact = fetcher_with(&["127.0.0.1"], 14, Duration::from_secs(5));
    assert_eq!(
        exact
            .fetch(&server.url("/files/report.pdf"))
            .await
            .expect("at the limit")
            .bytes
            .len(),
        14
    );
}

#[tokio::test]
async fn slow_servers_time_out() {
    let server = serve().await;
    let started = Instant::now();
    let error = fetcher_with(&["127.0.0.1"], 1000, Duration::from_millis(300))
        .fetch(&server.url("/slow"))
        .await
        .expect_err("timeout");
    assert_eq!(error, FetchError::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn bad_urls_are_refused() {
    for url in [
        "ftp://example.com/file.pdf",
        "garbage",
        "",
        "http://",
        "file:///etc/passwd",
        "http://user:pass@example.com/",
    ] {
        let error = fetcher(&[]).fetch(url).await.expect_err("bad url");
        assert!(matches!(error, FetchError::BadUrl(_)), "{url:?}: {error:?}");
        assert!(!error.to_string().contains("pass@"), "{error}");
    }
}

#[tokio::test]
async fn error_statuses_are_reported() {
    let server = serve().await;
    let error = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/nothing-here"))
        .await
        .expect_err("404");
    assert_eq!(error, FetchError::Status(404));
    assert!(!error.is_retryable());
    let error = fetcher(&["127.0.0.1"])
        .fetch(&server.url("/error"))
        .await
        .expect_err("503");
    assert_eq!(error, FetchError::Status(503));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn bad_allowlists_are_refused() {
    let error = UrlFetcher::new(FetchPolicy {
        allowlist: vec!["http://example.com".into()],
        max_bytes: 1,
        timeout: Duration::from_secs(1),
    })
    .expect_err("bad allowlist");
    assert!(matches!(error, FetchError::Policy(_)), "{error:?}");
}

#[tokio::test]
async fn network_errors_do_not_repeat_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/secret-path?token=abc");
    let error = fetcher(&["127.0.0.1"])
        .fetch(&url)
        .await
        .expect_err("refused");
    let FetchError::Network(message) = &error else {
        panic!("expected Network, got {error:?}");
    };
    assert!(
        !message.contains("token=abc") && !message.contains("secret-path"),
        "{message}"
    );
    assert!(error.is_retryable());
    let error = fetcher(&[])
        .fetch("http://no-such-host.invalid/")
        .await
        .expect_err("no such host");
    assert!(
        matches!(&error, FetchError::Network(message) if message.contains("no-such-host.invalid")),
        "{error:?}"
    );
}
