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

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::Config;

/// How many redirects a download may follow.
pub const MAX_REDIRECTS: usize = 5;

/// What a [`UrlFetcher`] may reach, and how much it may download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Host names (exact, case-insensitive), IP addresses and CIDR ranges that
    /// may be reached even though they are private or otherwise special.
    pub allowlist: Vec<String>,
    /// The largest body accepted, in bytes.
    pub max_bytes: u64,
    /// For the whole download: connecting, redirects and the body.
    pub timeout: Duration,
}

impl FetchPolicy {
    /// The configured allowlist, upload limit and fetch timeout.
    pub fn from_config(config: &Config) -> FetchPolicy {
        FetchPolicy {
            allowlist: config.url_allowlist.clone(),
            max_bytes: config.max_upload_bytes,
            timeout: config.fetch_timeout,
        }
    }
}

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

/// Downloads URLs under a [`FetchPolicy`]. Cheap to clone; share one.
#[derive(Clone)]
pub struct UrlFetcher {
    client: reqwest::Client,
    allow: Arc<Allowlist>,
    policy: FetchPolicy,
}

impl fmt::Debug for UrlFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlFetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl UrlFetcher {
    pub fn new(policy: FetchPolicy) -> Result<UrlFetcher, FetchError> {
        let allow = Arc::new(Allowlist::parse(&policy.allowlist)?);
        let redirect_allow = Arc::clone(&allow);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                let error = FetchError::Network(format!("stopped after {MAX_REDIRECTS} redirects"));
                return attempt.error(error);
            }
            match check_target(&redirect_allow, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(error) => attempt.error(error),
            }
        });
        let client = reqwest::Client::builder()
            // A proxy would resolve and connect on our behalf, past the checks.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: Arc::clone(&allow),
            }))
            .redirect(redirects)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("jobcast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Network(format!("cannot build the HTTP client: {e}")))?;
        Ok(UrlFetcher {
            client,
            allow,
            policy,
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Downloads `url` (http or https), following at most [`MAX_REDIRECTS`]
    /// redirects, each checked like the first URL.
    pub async fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let url = parse_url(url)?;
        check_target(&self.allow, &url)?;
        tracing::debug!(host = url.host_str().unwrap_or(""), "fetching a URL input");
        match tokio::time::timeout(self.policy.timeout, self.download(url)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn download(&self, url: Url) -> Result<Fetched, FetchError> {
        let mut response = self.client.get(url).send().await.map_err(from_reqwest)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let limit = self.policy.max_bytes;
        let announced = response.content_length().or_else(|| {
            response
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
        });
        if announced.is_some_and(|length| length > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let filename = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .and_then(disposition_filename)
            .or_else(|| url_filename(response.url()));

        let capacity = announced.unwrap_or(0).min(limit).min(16 * 1024 * 1024);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(from_reqwest)? {
            let total = u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX);
            if total > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes, filename })
    }
}

/// Parses `text` as an http(s) URL without credentials.
fn parse_url(text: &str) -> Result<Url, FetchError> {
    let url = Url::parse(text.trim())
        .map_err(|e| FetchError::BadUrl(format!("not a valid URL ({e})")))?;
    check_shape(&url)?;
    Ok(url)
}

fn check_shape(url: &Url) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl(format!(
            "only http and https URLs can be fetched, not {}:",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::BadUrl(
            "the URL must not contain a user name or password".to_owned(),
        ));
    }
    match url.host() {
        None => Err(FetchError::BadUrl("the URL has no host".to_owned())),
        Some(Host::Domain("")) => Err(FetchError::BadUrl("the URL has no host".to_owned())),
        Some(_) => Ok(()),
    }
}

/// Checks a URL about to be requested (the first one or a redirect): its
/// shape, and its host when that is an IP literal. Host names are checked
/// when they are resolved.
fn check_target(allow: &Allowlist, url: &Url) -> Result<(), FetchError> {
    check_shape(url)?;
    match url.host() {
        Some(Host::Ipv4(ip)) => allow.check_ip(&ip.to_string(), IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => allow.check_ip(&ip.to_string(), IpAddr::V6(ip)),
        Some(Host::Domain(_)) | None => Ok(()),
    }
}

/// Resolves host names, and keeps only the addresses the policy allows, so
/// the connection can only go to a checked address.
struct GuardedResolver {
    allow: Arc<Allowlist>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = Arc::clone(&self.allow);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await
            {
                Ok(addresses) => addresses.collect(),
                Err(e) => {
                    let error = FetchError::Network(format!("cannot resolve {host}: {e}"));
                    return Err(Box::new(error) as Box<dyn StdError + Send + Sync>);
                }
            };
            if allow.allows_host(&host) {
                return Ok(Box::new(resolved.into_iter()) as Addrs);
            }
            let mut allowed = Vec::with_capacity(resolved.len());
            let mut refused = None;
            for address in resolved {
                match allow.check_ip(&host, address.ip()) {
                    Ok(()) => allowed.push(address),
                    Err(FetchError::Blocked { host, .. }) if refused.is_none() => {
                        let reason = match blocked_reason(address.ip()) {
                            Some(reason) => {
                                format!("resolves to {}, which is {reason}", address.ip())
                            }
                            None => format!("resolves to {}, which is not allowed", address.ip()),
                        };
                        refused = Some(FetchError::Blocked { host, reason });
                    }
                    Err(_) => {}
                }
            }
            if allowed.is_empty() {
                let error = refused
                    .unwrap_or_else(|| FetchError::Network(format!("{host} has no address")));
                return Err(Box::new(error) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Turns a client error into ours: a [`FetchError`] raised by the resolver
/// or the redirect policy is found in the error's sources; the message of
/// anything else leaves the URL out.
fn from_reqwest(error: reqwest::Error) -> FetchError {
    let mut innermost: Option<String> = None;
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(cause) = source {
        if let Some(ours) = cause.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    let top = error.without_url().to_string();
    match innermost {
        Some(cause) if cause != top => FetchError::Network(format!("{top}: {cause}")),
        _ => FetchError::Network(top),
    }
}

// ---------------------------------------------------------------------------
// The allowlist.

/// One allowlist entry: a host name, or an IP range (a single address is a
/// /32 or /128 range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    /// Lower case, without a trailing dot.
    Host(String),
    Net(IpNet),
}

impl AllowEntry {
    /// `example.com`, `10.0.0.5`, `10.0.0.0/8`, `::1`, `[fd00::1]`, `fd00::/8`.
    pub fn parse(text: &str) -> Result<AllowEntry, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an entry is empty".to_owned());
        }
        if text.contains("://") {
            return Err("write the host name or address alone, without a scheme".to_owned());
        }
        let unbracketed = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(net) = unbracketed.parse::<IpNet>() {
            return Ok(AllowEntry::Net(net.trunc()));
        }
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(AllowEntry::Net(IpNet::from(ip)));
        }
        if text.contains('/') {
            return Err("not a valid CIDR range such as 10.0.0.0/8".to_owned());
        }
        if text.contains('*') {
            return Err("wildcards are not supported; list each host name".to_owned());
        }
        if text.contains(':') {
            return Err("write the host name without a port".to_owned());
        }
        let host = text.trim_end_matches('.').to_ascii_lowercase();
        let labels_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        let numeric_tail = host
            .rsplit('.')
            .next()
            .is_some_and(|label| label.chars().all(|c| c.is_ascii_digit()));
        if !labels_ok || numeric_tail {
            return Err("not a host name, an IP address or a CIDR range".to_owned());
        }
        Ok(AllowEntry::Host(host))
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowEntry::Host(host) => f.write_str(host),
            AllowEntry::Net(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            AllowEntry::Net(net) => write!(f, "{net}"),
        }
    }
}

#[derive(Debug, Default)]
struct Allowlist {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl Allowlist {
    fn parse(entries: &[String]) -> Result<Allowlist, FetchError> {
        let mut allow = Allowlist::default();
        let mut bad = Vec::new();
        for entry in entries {
            match AllowEntry::parse(entry) {
                Ok(AllowEntry::Host(host)) => allow.hosts.push(host),
                Ok(AllowEntry::Net(net)) => allow.nets.push(net),
                Err(message) => bad.push(format!("{:?}: {message}", entry.trim())),
            }
        }
        if bad.is_empty() {
            Ok(allow)
        } else {
            Err(FetchError::Policy(bad.join("; ")))
        }
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        let embedded = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(|(_, v4)| IpAddr::V4(v4)),
            IpAddr::V4(_) => None,
        };
        self.nets
            .iter()
            .any(|net| net.contains(&ip) || embedded.is_some_and(|v4| net.contains(&v4)))
    }

    /// `Blocked` unless `ip` is an ordinary public address or allowlisted.
    fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), FetchError> {
        if self.allows_ip(ip) {
            return Ok(());
        }
        match blocked_reason(ip) {
            Some(reason) => Err(FetchError::Blocked {
                host: host.to_owned(),
                reason: format!("is {reason}"),
            }),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------
// Which addresses are not the public internet.

/// IPv4 ranges refused by default, with what they are. More specific ranges
/// come before the ranges that hold them.
const V4_BLOCKED: [([u8; 4], u8, &str); 17] = [
    ([0, 0, 0, 0], 32, "the unspecified address"),
    ([0, 0, 0, 0], 8, "in 0.0.0.0/8 (\"this network\")"),
    ([10, 0, 0, 0], 8, "a private address"),
    ([100, 64, 0, 0], 10, "a shared (carrier-grade NAT) address"),
    ([127, 0, 0, 0], 8, "a loopback address"),
    ([169, 254, 0, 0], 16, "a link-local address"),
    ([172, 16, 0, 0], 12, "a private address"),
    ([192, 0, 0, 0], 24, "an IETF protocol assignment address"),
    ([192, 0, 2, 0], 24, "a documentation address"),
    ([192, 88, 99, 0], 24, "a 6to4 relay anycast address"),
    ([192, 168, 0, 0], 16, "a private address"),
    ([198, 18, 0, 0], 15, "a benchmarking address"),
    ([198, 51, 100, 0], 24, "a documentation address"),
    ([203, 0, 113, 0], 24, "a documentation address"),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([255, 255, 255, 255], 32, "the broadcast address"),
    ([240, 0, 0, 0], 4, "a reserved address"),
];

/// IPv6 ranges refused by default (besides `::`, `::1` and the ranges that
/// embed an IPv4 address, see [`embedded_v4`]).
const V6_BLOCKED: [(u128, u8, &str); 10] = [
    (
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        "a discard-only address",
    ),
    (
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        48,
        "a local-use NAT64 address",
    ),
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        32,
        "a Teredo tunnel address",
    ),
    (
        0x2001_0002_0000_0000_0000_0000_0000_0000,
        48,
        "a benchmarking address",
    ),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "a documentation address",
    ),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "a documentation address",
    ),
    (
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        7,
        "a unique local address",
    ),
    (
        0xfe80_0000_0000_0000_0000_0000_0000_0000,
        10,
        "a link-local address",
    ),
    (
        0xfec0_0000_0000_0000_0000_0000_0000_0000,
        10,
        "a site-local address",
    ),
    (
        0xff00_0000_0000_0000_0000_0000_0000_0000,
        8,
        "a multicast address",
    ),
];

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    let shift = 32 - u32::from(prefix);
    u32::from(ip).checked_shr(shift).unwrap_or(0)
        == u32::from_be_bytes(net).checked_shr(shift).unwrap_or(0)
}

fn in_v6(ip: Ipv6Addr, net: u128, prefix: u8) -> bool {
    let shift = 128 - u32::from(prefix);
    u128::from(ip).checked_shr(shift).unwrap_or(0) == net.checked_shr(shift).unwrap_or(0)
}

/// An IPv4 address carried inside an IPv6 one, and how it is carried.
fn embedded_v4(ip: Ipv6Addr) -> Option<(&'static str, Ipv4Addr)> {
    let o = ip.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(("an IPv4-mapped", low)),
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_unspecified() && !ip.is_loopback() => {
            Some(("an IPv4-compatible", low))
        }
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(("a NAT64", low)),
        [0x2002, ..] => Some(("a 6to4", Ipv4Addr::new(o[2], o[3], o[4], o[5]))),
        _ => None,
    }
}

/// Why `ip` is refused by default (a phrase such as "a loopback address"),
/// or `None` for an ordinary public address.
pub fn blocked_reason(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4).map(str::to_owned),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    V4_BLOCKED
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, reason)| *reason)
}

fn v6_reason(ip: Ipv6Addr) -> Option<String> {
    if ip.is_unspecified() {
        return Some("the unspecified address".to_owned());
    }
    if ip.is_loopback() {
        return Some("a loopback address".to_owned());
    }
    if let Some((how, v4)) = embedded_v4(ip) {
        return match v4_reason(v4) {
            Some(reason) => Some(format!("{how} form of {v4}, {reason}")),
            // Deprecated (RFC 4291) and never needed to reach a public host.
            None if how == "an IPv4-compatible" => {
                Some("an IPv4-compatible address (deprecated)".to_owned())
            }
            None => None,
        };
    }
    V6_BLOCKED
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, *net, *prefix))
        .map(|(_, _, reason)| (*reason).to_owned())
}

// ---------------------------------------------------------------------------
// File names.

/// The file name of `Content-Disposition: attachment; filename="a.pdf"`
/// (`filename*=UTF-8''...` preferred).
fn disposition_filename(header: &str) -> Option<String> {
    let params = header_params(header);
    let extended = params
        .iter()
        .find(|(name, _)| name == "filename*")
        .and_then(|(_, value)| decode_ext_value(value));
    let plain = || {
        params
            .iter()
            .find(|(name, _)| name == "filename")
            .map(|(_, value)| value.clone())
    };
    extended
        .or_else(plain)
        .and_then(|name| sanitize_filename(&name))
}

/// `name=value` parameters after the first `;`, values unquoted.
fn header_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let mut name = String::new();
        for c in chars.by_ref() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
        }
        let name = name.trim().to_ascii_lowercase();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => break,
                    other => value.push(other),
                }
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
        }
        if !name.is_empty() {
            params.push((name, value.trim().to_owned()));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    params
}

/// RFC 8187 `charset'language'percent-encoded`.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?.to_ascii_lowercase();
    let _language = parts.next()?;
    let bytes = percent_decode(parts.next()?);
    match charset.as_str() {
        "utf-8" => String::from_utf8(bytes).ok(),
        "iso-8859-1" => Some(bytes.into_iter().map(char::from).collect()),
        _ => None,
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The last non-empty path segment of `url`, percent-decoded.
fn url_filename(url: &Url) -> Option<String> {
    let segment = url
        .path_segments()?
        .rev()
        .find(|segment| !segment.is_empty())?;
    sanitize_filename(&String::from_utf8_lossy(&percent_decode(segment)))
}

/// A name safe to store and show: no directories, no control characters,
/// at most 255 bytes.
fn sanitize_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return None;
    }
    let mut end = trimmed.len().min(255);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    Some(trimmed[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Option<String> {
        blocked_reason(text.parse().expect("an IP address"))
    }

    #[test]
    fn special_addresses_are_refused() {
        for blocked in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::10.0.0.1",
            "2002:7f00:1::",
            "2001::1",
        ] {
            assert!(reason(blocked).is_some(), "{blocked} should be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert_eq!(reason(public), None, "{public} should pass");
        }
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(reason("127.0.0.1").as_deref(), Some("a loopback address"));
        assert_eq!(
            reason("::ffff:127.0.0.1").as_deref(),
            Some("an IPv4-mapped form of 127.0.0.1, a loopback address")
        );
        let allow = Allowlist::default();
        let error = allow
            .check_ip("127.0.0.1", "127.0.0.1".parse().expect("ip"))
            .expect_err("blocked");
        assert_eq!(
            error.to_string(),
            "127.0.0.1 is a loopback address; add it to JOBCAST_URL_ALLOWLIST to allow it"
        );
    }

    #[test]
    fn allowlist_entries_parse() {
        assert_eq!(
            AllowEntry::parse(" Files.Example.COM. "),
            Ok(AllowEntry::Host("files.example.com".into()))
        );
        assert_eq!(
            AllowEntry::parse("10.0.0.0/8").map(|e| e.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(
            AllowEntry::parse("10.1.2.3/8").map(|e| e.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(
            AllowEntry::parse("127.0.0.1").map(|e| e.to_string()),
            Ok("127.0.0.1".into())
        );
        assert_eq!(
            AllowEntry::parse("[::1]").map(|e| e.to_string()),
            Ok("::1".into())
        );
        assert_eq!(
            AllowEntry::parse("fd00::/8").map(|e| e.to_string()),
            Ok("fd00::/8".into())
        );
        for bad in [
            "",
            "http://example.com",
            "example.com:8080",
            "*.example.com",
            "10.0.0.0/33",
            "bad host",
            "127.1",
            "-x.com",
        ] {
            assert!(AllowEntry::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let error = Allowlist::parse(&["ok.example".into(), "a b".into(), "1.2.3.4/40".into()])
            .expect_err("bad entries");
        let FetchError::Policy(message) = error else {
            panic!("expected Policy, got {error:?}");
        };
        assert!(
            message.contains("\"a b\"") && message.contains("1.2.3.4/40"),
            "{message}"
        );
    }

    #[test]
    fn allowlist_lets_ranges_and_hosts_through() {
        let allow = Allowlist::parse(&[
            "10.0.0.0/8".into(),
            "127.0.0.1".into(),
            "Internal.Example".into(),
        ])
        .expect("valid allowlist");
        assert!(allow.check_ip("x", "10.9.8.7".parse().expect("ip")).is_ok());
        assert!(allow
            .check_ip("x", "127.0.0.1".parse().expect("ip"))
            .is_ok());
        assert!(allow
            .check_ip("x", "::ffff:127.0.0.1".parse().expect("ip"))
            .is_ok());
        assert!(allow
            .check_ip("x", "127.0.0.2".parse().expect("ip"))
            .is_err());
        assert!(allow
            .check_ip("x", "192.168.0.1".parse().expect("ip"))
            .is_err());
        assert!(allow.allows_host("internal.example"));
        assert!(allow.allows_host("INTERNAL.example."));
        assert!(!allow.allows_host("other.example"));
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        let allow = Allowlist::default();
        let check = |text: &str| parse_url(text).and_then(|url| check_target(&allow, &url));
        assert!(matches!(
            check("ftp://example.com/file"),
            Err(FetchError::BadUrl(_))
        ));
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(FetchError::BadUrl(_))
        ));
        assert!(matches!(check("not a url"), Err(FetchError::BadUrl(_))));
        assert!(matches!(
            check("http://user:pw@example.com/"),
            Err(FetchError::BadUrl(_))
        ));
        let error = check("http://user:hunter2@example.com/").expect_err("credentials");
        assert!(!error.to_string().contains("hunter2"));
        assert!(matches!(
            check("http://169.254.169.254/latest/meta-data"),
            Err(FetchError::Blocked { .. })
        ));
        assert!(matches!(
            check("http://[::1]:8080/"),
            Err(FetchError::Blocked { .. })
        ));
        assert!(matches!(
            check("http://[::ffff:7f00:1]/"),
            Err(FetchError::Blocked { .. })
        ));
        // Other spellings of 127.0.0.1 are normalised by the URL parser.
        assert!(matches!(
            check("http://2130706433/"),
            Err(FetchError::Blocked { .. })
        ));
        assert!(matches!(
            check("http://0x7f.1/"),
            Err(FetchError::Blocked { .. })
        ));
        assert!(check("https://example.com/a.pdf").is_ok());
    }

    #[test]
    fn filenames_come_from_the_header_or_the_path() {
        assert_eq!(
            disposition_filename("attachment; filename=\"invoice 1.pdf\"").as_deref(),
            Some("invoice 1.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"a;b.pdf\"; size=3").as_deref(),
            Some("a;b.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=plain.txt; filename*=UTF-8''na%C3%AFve.pdf")
                .as_deref(),
            Some("naïve.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"../../etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(disposition_filename("inline").as_deref(), None);
        let url = Url::parse("https://example.com/files/My%20Report.pdf?x=1").expect("url");
        assert_eq!(url_filename(&url).as_deref(), Some("My Report.pdf"));
        let url = Url::parse("https://example.com/").expect("url");
        assert_eq!(url_filename(&url), None);
        assert_eq!(percent_decode("100%"), b"100%".to_vec());
        assert_eq!(percent_decode("%4"), b"%4".to_vec());
    }

    #[test]
    fn retry_decisions() {
        assert!(FetchError::Timeout.is_retryable());
        assert!(FetchError::Status(503).is_retryable());
        assert!(!FetchError::Status(404).is_retryable());
        assert!(!FetchError::TooLarge { limit: 1 }.is_retryable());
    }
}
