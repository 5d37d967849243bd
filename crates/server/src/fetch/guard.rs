//! The checks between a URL and a connection: a URL's shape (http or https,
//! no credentials, a host), its host when that is an IP literal, and —
//! through [`GuardedResolver`] — every address a host name resolves to, so
//! that the HTTP client can only ever connect to an address that passed.
//! Redirect hops go through the same checks (see `download.rs`).

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::policy::Allowlist;
use super::ranges::blocked_reason;
use super::FetchError;

/// Parses `text` as an http(s) URL without credentials.
pub(super) fn parse_url(text: &str) -> Result<Url, FetchError> {
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
pub(super) fn check_target(allow: &Allowlist, url: &Url) -> Result<(), FetchError> {
    check_shape(url)?;
    match url.host() {
        Some(Host::Ipv4(ip)) => allow.check_ip(&ip.to_string(), IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => allow.check_ip(&ip.to_string(), IpAddr::V6(ip)),
        Some(Host::Domain(_)) | None => Ok(()),
    }
}

/// Resolves host names, and keeps only the addresses the policy allows, so
/// the connection can only go to a checked address.
pub(super) struct GuardedResolver {
    pub(super) allow: Arc<Allowlist>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_any_connection() {
        let allow = Allowlist::default();
        let check = |text: &str| parse_url(text).and_then(|url| check_target(&allow, &url));
        for bad in [
            "ftp://example.com/file",
            "file:///etc/passwd",
            "not a url",
            "http://user:pw@example.com/",
        ] {
            let checked = check(bad);
            assert!(
                matches!(checked, Err(FetchError::BadUrl(_))),
                "{bad}: {checked:?}"
            );
        }
        let error = check("http://user:hunter2@example.com/").expect_err("credentials");
        assert!(!error.to_string().contains("hunter2"));
        for blocked in [
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/",
            "http://[::ffff:7f00:1]/",
            // Other spellings of 127.0.0.1 are normalised by the URL parser.
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            let checked = check(blocked);
            assert!(
                matches!(checked, Err(FetchError::Blocked { .. })),
                "{blocked}: {checked:?}"
            );
        }
        assert!(check("https://example.com/a.pdf").is_ok());
    }
}
