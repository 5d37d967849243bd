//! What a URL download may reach and how much it may take: the
//! [`FetchPolicy`] from the configuration, and the operator's allowlist of
//! host names and IP ranges that may be reached although they are private
//! or otherwise special (`JOBCAST_URL_ALLOWLIST`).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use super::ranges::{blocked_reason, embedded_v4};
use super::FetchError;
use crate::config::Config;

/// What a [`UrlFetcher`](super::UrlFetcher) may reach, and how much it may download.
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

/// The parsed allowlist, asked about each host name and address.
#[derive(Debug, Default)]
pub(super) struct Allowlist {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl Allowlist {
    pub(super) fn parse(entries: &[String]) -> Result<Allowlist, FetchError> {
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

    pub(super) fn allows_host(&self, host: &str) -> bool {
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
    pub(super) fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), FetchError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_host_and_the_setting() {
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
        for (entry, shown) in [
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("10.1.2.3/8", "10.0.0.0/8"),
            ("127.0.0.1", "127.0.0.1"),
            ("[::1]", "::1"),
            ("fd00::/8", "fd00::/8"),
        ] {
            assert_eq!(
                AllowEntry::parse(entry).map(|e| e.to_string()),
                Ok(shown.to_owned()),
                "{entry}"
            );
        }
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
        for (ip, allowed) in [
            ("10.9.8.7", true),
            ("127.0.0.1", true),
            ("::ffff:127.0.0.1", true),
            ("127.0.0.2", false),
            ("192.168.0.1", false),
        ] {
            let checked = allow.check_ip("x", ip.parse().expect("ip"));
            assert_eq!(checked.is_ok(), allowed, "{ip}: {checked:?}");
        }
        assert!(allow.allows_host("internal.example"));
        assert!(allow.allows_host("INTERNAL.example."));
        assert!(!allow.allows_host("other.example"));
    }
}
