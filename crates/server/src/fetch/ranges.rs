//! Which addresses are not the public internet: the IPv4 and IPv6 ranges a
//! URL download refuses unless allowlisted, each with the phrase that tells
//! the user why ("a loopback address"), and the IPv6 forms that carry an
//! IPv4 address inside (mapped, compatible, NAT64, 6to4), judged by the
//! address they carry.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
pub(super) fn embedded_v4(ip: Ipv6Addr) -> Option<(&'static str, Ipv4Addr)> {
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
    }
}
