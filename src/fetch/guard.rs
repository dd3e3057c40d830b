//! The address guard: which IP addresses rasad may contact.
//!
//! Loopback, private, link-local, CGNAT, documentation, multicast and other
//! non-public ranges are refused unless `fetch.allow_networks` holds them;
//! IPv4-mapped and embedding IPv6 forms are judged by the IPv4 they carry.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::Url;

/// Decides which addresses may be contacted.
#[derive(Debug, Clone, Default)]
pub struct AddressGuard {
    allow: Vec<IpNet>,
}

impl AddressGuard {
    pub fn new(allow: Vec<IpNet>) -> Self {
        AddressGuard { allow }
    }

    /// True when `ip` is public, or inside one of the allowed networks.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        self.allow.iter().any(|n| n.contains(&ip)) || is_public(ip)
    }

    /// Checks a URL before it is requested: scheme, and the host when it is
    /// an IP literal (names are checked after resolution).
    pub fn check_url(&self, url: &Url) -> Result<(), GuardRefusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(GuardRefusal::Scheme(url.scheme().to_string()));
        }
        match url.host() {
            None => Err(GuardRefusal::NoHost),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            // names are judged on the addresses they resolve to
            Some(url::Host::Domain(_)) => Ok(()),
        }
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), GuardRefusal> {
        if self.permits(ip) {
            Ok(())
        } else {
            Err(GuardRefusal::NotPublic(ip))
        }
    }
}

/// Why the address guard refused a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardRefusal {
    #[error("scheme {0:?} is not http or https")]
    Scheme(String),
    #[error("URL has no host")]
    NoHost,
    #[error("address {0} is not public and not in fetch.allow_networks")]
    NotPublic(IpAddr),
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// True for globally routable unicast addresses.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical_ip(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() {
        return false;
    }
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s[0] {
        0xfe80..=0xfebf => false,                        // link-local
        0xfec0..=0xfeff => false,                        // site-local (deprecated)
        0xfc00..=0xfdff => false,                        // unique local
        0x2001 if s[1] == 0x0db8 => false,               // documentation
        0x2001 if s[1] == 0 => false,                    // Teredo
        0x2002 => is_public_v4(embedded_v4(s[1], s[2])), // 6to4
        0x0064 if s[1] == 0xff9b => is_public_v4(embedded_v4(s[6], s[7])), // NAT64
        0x0100 if s[1..4] == [0, 0, 0] => false,         // discard
        0 => false, // IPv4-compatible and other reserved ::/16 forms
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn non_public_addresses() {
        for a in [
            "127.0.0.1",
            "127.0.1.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2002:7f00:1::",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(a)), "{a} must not be public");
        }
        for a in [
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700::1111",
            "2002:0101:0101::",
        ] {
            assert!(is_public(ip(a)), "{a} is public");
        }
    }

    #[test]
    fn allow_networks_exempt_only_their_range() {
        let g = AddressGuard::new(vec!["127.0.0.0/24".parse().expect("net")]);
        assert!(g.permits(ip("127.0.0.1")));
        assert!(!g.permits(ip("127.0.1.1")));
        assert!(!g.permits(ip("::1")));
        assert!(g.permits(ip("::ffff:127.0.0.5")));
        let u = Url::parse("http://127.0.1.1:8080/x").expect("url");
        assert!(g.check_url(&u).is_err());
        let u = Url::parse("http://[::1]/x").expect("url");
        assert!(g.check_url(&u).is_err());
        let u = Url::parse("file:///etc/passwd").expect("url");
        assert!(g.check_url(&u).is_err());
    }
}
