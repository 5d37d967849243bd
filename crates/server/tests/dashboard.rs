//! What the dashboard needs from the server: its embedded files (types,
//! security headers, revalidation), the kinds and their options, and the
//! development sign-in (offered only on the generated secret, on loopback,
//! to pages served from a loopback name).

mod common;

use common::{error_code, TestServer};
use jobcast_core::wire::{DevSignIn, DevSignInOffer, KindList};
use jobcast_core::OptionValue;
use jobcast_server::config::{JwtConfig, Secret};
use reqwest::header;
use reqwest::StatusCode;

/// `GET` or `POST /api/dev/sign-in`, optionally as a page on another
/// `Host` or from another `Origin`.
fn dev_sign_in(
    server: &TestServer,
    method: reqwest::Method,
    host: Option<&str>,
    origin: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = server.http.request(method, server.url("/api/dev/sign-in"));
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request
}

/// Whether the page at `host` (from `origin`) is offered the sign-in.
async fn offered(server: &TestServer, host: Option<&str>, origin: Option<&str>) -> bool {
    let offer: DevSignInOffer = dev_sign_in(server, reqwest::Method::GET, host, origin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    offer.available
}

#[tokio::test]
async fn the_page_and_its_scripts_are_served_with_a_strict_policy() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for (path, mime) in [
        ("/", "text/html"),
        ("/ui/app.css", "text/css"),
        ("/ui/js/app.js", "text/javascript"),
        ("/ui/js/socket.js", "text/javascript"),
    ] {
        let response = http.get(server.url(path)).send().await.expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        let content_type = headers[header::CONTENT_TYPE].to_str().expect("ascii");
        assert!(content_type.starts_with(mime), "{path}: {content_type}");
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let etag = headers[header::ETAG].clone();
        let body = response.text().await.expect("body");
        assert!(!body.is_empty(), "{path} is empty");

        let again = http
            .get(server.url(path))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let page = http
        .get(server.url("/"))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("body");
    assert!(page.contains("/ui/js/app.js"), "the page loads its script");
    server.stop().await;
}

#[tokio::test]
async fn unknown_and_hostile_dashboard_paths_are_not_found() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for path in [
        "/ui/nope.js",
        "/ui/",
        "/ui/..%2f..%2fCargo.toml",
        "/ui/%2e%2e/%2e%2e/Cargo.toml",
        "/ui/js/../../../../etc/passwd",
        "/ui/js/app.js%00.html",
        "/index.html",
    ] {
        let response = http.get(server.url(path)).send().await.expect("GET");
        let (status, code, _) = error_code(response).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{path}");
    }
    // The API's own routes are not shadowed by the page.
    let response = http.get(server.url("/api/jobs")).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn kinds_describe_their_options_to_signed_in_users() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/api/kinds"))
        .send()
        .await
        .expect("GET");
    assert_eq!(error_code(response).await.1, "unauthorized");

    let token = server.token("alice");
    let list: KindList = server
        .get(&token, "/api/kinds")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let names: Vec<&str> = list.kinds.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(names, ["demo.steps", "invoice.extract", "pdf.sentences"]);
    let pdf = &list.kinds[2];
    assert_eq!(pdf.accepts, ["pdf"]);
    let max_words = pdf
        .options
        .iter()
        .find(|o| o.name == "max_words")
        .expect("max_words described");
    assert!(matches!(
        max_words.value,
        OptionValue::Integer { default: None, .. }
    ));
    server.stop().await;
}

#[tokio::test]
async fn development_sign_in_hands_out_a_working_token_on_loopback() {
    let server = TestServer::start().await;
    assert!(offered(&server, None, None).await);
    let origin = server.url("");
    let signed_in: DevSignIn = dev_sign_in(&server, reqwest::Method::POST, None, Some(&origin))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(signed_in.user, "dev");
    assert_eq!(signed_in.expires_in_s, 24 * 3600);
    let response = server
        .get(&signed_in.token, "/api/jobs")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "the token works");
    server.stop().await;
}

#[tokio::test]
async fn development_sign_in_refuses_pages_on_other_names() {
    let server = TestServer::start().await;
    for (host, origin) in [
        ("evil.example:8080", None),
        ("127.0.0.1.evil.example", None),
        ("127.0.0.1", Some("http://evil.example")),
        ("localhost", Some("http://localhost.evil.example:8080")),
        ("localhost", Some("null")),
    ] {
        let response = dev_sign_in(&server, reqwest::Method::POST, Some(host), origin)
            .send()
            .await
            .expect("POST");
        let (status, code, _) = error_code(response).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "forbidden"),
            "{host} {origin:?}"
        );
        assert!(
            !offered(&server, Some(host), origin).await,
            "{host} {origin:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn development_sign_in_is_off_with_a_configured_secret() {
    let server = TestServer::start_with(|config| {
        config.jwt = JwtConfig::Secret(Secret::new("a configured secret of enough length"));
    })
    .await;
    assert!(!offered(&server, None, None).await);
    let response = dev_sign_in(&server, reqwest::Method::POST, None, None)
        .send()
        .await
        .expect("POST");
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    server.stop().await;
}

#[tokio::test]
async fn development_sign_in_is_off_when_listening_beyond_loopback() {
    let server = TestServer::start_with(|config| {
        config.listen = "0.0.0.0:8080".parse().expect("address");
    })
    .await;
    let response = dev_sign_in(&server, reqwest::Method::POST, None, None)
        .send()
        .await
        .expect("POST");
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    server.stop().await;
}

/// The status and the body, read as text: a test that expects a refusal
/// shows what it got instead.
async fn status_and_body(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// This machine's own address beyond loopback: the source address of its
/// default route (a UDP "connection" sends nothing). A request to it comes
/// from a peer that is not loopback, whatever `Host` it names.
fn non_loopback_address() -> std::net::IpAddr {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").expect("UDP socket");
    probe.connect("198.51.100.1:9").expect(
        "this test needs an address beyond loopback (a default route) to play a remote peer",
    );
    let ip = probe.local_addr().expect("local address").ip();
    assert!(!ip.is_loopback(), "{ip} is loopback");
    ip
}

/// Issue 11, failure 7: a request from another machine that names
/// `Host: 127.0.0.1` (or that a reverse proxy rewrote to its upstream) was
/// handed the development token. The server runs on its generated secret,
/// configured for loopback, and is reached from a peer beyond loopback.
#[tokio::test]
async fn development_sign_in_refuses_a_peer_beyond_loopback_whatever_its_host() {
    let server = TestServer::start_bound_to("0.0.0.0:0".parse().expect("address"), |_| {}).await;
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    let remote = format!("http://{}:{port}/api/dev/sign-in", non_loopback_address());
    for host in [
        format!("127.0.0.1:{port}"),
        "localhost".to_owned(),
        "[::1]:8080".to_owned(),
    ] {
        let response = server
            .http
            .post(&remote)
            .header(header::HOST, &host)
            .send()
            .await
            .expect("POST");
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, 403, "Host {host} was answered {body}");
        assert!(body.contains(r#""code":"forbidden""#), "{body}");
        let offer: DevSignInOffer = server
            .http
            .get(&remote)
            .header(header::HOST, &host)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        assert!(
            !offer.available,
            "offered to a remote peer with Host {host}"
        );
    }
    // The same server still signs in its own machine.
    let response = server
        .http
        .post(format!("http://127.0.0.1:{port}/api/dev/sign-in"))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}

/// Issue 11, failure 7: a request that came through a proxy on this machine
/// arrives from a loopback peer; any forwarding header it carries says it
/// started elsewhere, so it is refused.
#[tokio::test]
async fn development_sign_in_refuses_requests_carrying_forwarding_headers() {
    let server = TestServer::start().await;
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-for", "127.0.0.1"),
        ("forwarded", "for=203.0.113.9;proto=https"),
        ("x-forwarded-host", "jobcast.example"),
        ("x-forwarded-proto", "https"),
        ("x-real-ip", "203.0.113.9"),
        ("via", "1.1 proxy.example"),
        ("X-Forwarded-For", ""),
    ] {
        let response = dev_sign_in(&server, reqwest::Method::POST, None, None)
            .header(name, value)
            .send()
            .await
            .expect("POST");
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, 403, "{name}: {value} was answered {body}");
        assert!(body.contains(r#""code":"forbidden""#), "{body}");
        let offer: DevSignInOffer = dev_sign_in(&server, reqwest::Method::GET, None, None)
            .header(name, value)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        assert!(!offer.available, "offered with {name}: {value}");
    }
    // Without them, the same loopback peer is signed in.
    let response = dev_sign_in(&server, reqwest::Method::POST, None, None)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}
