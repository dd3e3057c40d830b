//! HTTP: the only module that knows reqwest.
//!
//! Owns: the one shared client, timeouts, the redirect limit, byte caps on
//! every body (counted after decompression), conditional GET, per-host and
//! global concurrency limits, and the address guard that keeps requests away
//! from loopback, private, link-local and other non-public addresses (checked
//! on IP literals, on every redirect hop and after DNS resolution).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::FetchConfig;

/// Redirects followed before a request fails.
pub const MAX_REDIRECTS: usize = 5;

/// What a request is for; decides the byte cap and the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Feed,
    Page,
}

/// Validators from the previous fetch of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful response with its whole body.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub url: Url,
    pub status: u16,
    pub validators: Validators,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The new address when every redirect on the way was permanent (301/308).
    pub permanent_redirect: Option<Url>,
    /// `Cache-Control: max-age`, a lower bound for the next poll.
    pub max_age: Option<Duration>,
}

/// The result of a request that did not fail.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 304: the stored validators still hold.
    NotModified,
    Fresh(Box<Fetched>),
}

/// Why a request failed; every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: refused: {reason}")]
    Blocked { url: String, reason: String },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: body larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: HTTP {status}{}", retry_after.as_ref().map(|r| format!(" (Retry-After: {r})")).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        retry_after: Option<String>,
    },
    #[error("{url}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects { url: String },
    #[error("{url}: cannot connect: {detail}")]
    Connect { url: String, detail: String },
    /// The HTTP client itself could not be set up.
    #[error("{detail}")]
    Client { detail: String },
    #[error("{url}: {detail}")]
    Other { url: String, detail: String },
}

/// The error our resolver and redirect policy raise inside reqwest, found
/// again in the error's source chain.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Refused {}

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

/// DNS resolution that drops non-public addresses.
struct GuardedResolver {
    guard: AddressGuard,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| guard.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(Refused(format!(
                    "host {host} resolves only to non-public addresses ({}) outside fetch.allow_networks",
                    list.join(", ")
                ))) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Most hosts whose limiter state is kept while idle; beyond it, idle
/// entries go (a feed linking to endless subdomains grows nothing).
const MAX_IDLE_HOSTS: usize = 1024;

/// Caps requests in flight, globally and per site (registrable domain: the
/// many host names of one server share one cap).
struct Limiter {
    global: Arc<Semaphore>,
    per_host: usize,
    gap: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

/// One host's concurrency and the start of its last request.
struct HostSlot {
    sem: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Limiter {
    async fn acquire(&self, host: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            if hosts.len() >= MAX_IDLE_HOSTS && !hosts.contains_key(host) {
                let now = tokio::time::Instant::now();
                // keep slots in use, and those whose gap has not passed yet
                let per_host = self.per_host;
                hosts.retain(|_, slot| {
                    slot.sem.available_permits() < per_host
                        || slot.next_start.try_lock().map_or(true, |next| *next > now)
                });
            }
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        sem: Arc::new(Semaphore::new(self.per_host)),
                        next_start: tokio::sync::Mutex::new(tokio::time::Instant::now()),
                    })
                })
                .clone()
        };
        // Host first, so a busy host does not hold global slots while it waits.
        // The semaphores are never closed, so acquiring cannot fail.
        let h = slot
            .sem
            .clone()
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("host semaphore is never closed"));
        if !self.gap.is_zero() {
            let mut next = slot.next_start.lock().await;
            tokio::time::sleep_until(*next).await;
            *next = tokio::time::Instant::now() + self.gap;
        }
        let g = self
            .global
            .clone()
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("global semaphore is never closed"));
        (h, g)
    }
}

/// The shared HTTP client with its limits.
pub struct Fetcher {
    client: reqwest::Client,
    guard: AddressGuard,
    limiter: Limiter,
    max_feed_bytes: u64,
    max_page_bytes: u64,
    timeout: Duration,
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, FetchError> {
        let guard = AddressGuard::new(cfg.allow_networks.clone());
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .read_timeout(cfg.timeout.min(Duration::from_secs(30)))
            // redirects are followed by hand, so each hop is guarded and
            // permanent moves are known
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(cfg.max_per_host)
            .dns_resolver(Arc::new(GuardedResolver {
                guard: guard.clone(),
            }))
            .build()
            .map_err(|e| {
                // reqwest's own text is only "builder error": say why
                let mut msg = format!("cannot build the HTTP client: {e}");
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    msg.push_str(&format!(": {s}"));
                    source = s.source();
                }
                msg.push_str(
                    " (are the CA certificates installed? apt-get install ca-certificates)",
                );
                FetchError::Client { detail: msg }
            })?;
        Ok(Fetcher {
            client,
            guard,
            limiter: Limiter {
                global: Arc::new(Semaphore::new(cfg.max_concurrency)),
                per_host: cfg.max_per_host,
                gap: cfg.host_gap,
                hosts: Mutex::new(HashMap::new()),
            },
            max_feed_bytes: cfg.max_feed_bytes,
            max_page_bytes: cfg.max_page_bytes,
            timeout: cfg.timeout,
        })
    }

    /// GETs `url`, conditionally when `validators` are given, and reads the
    /// whole body under the byte cap of `kind`.
    pub async fn get(
        &self,
        url: &Url,
        kind: Kind,
        validators: Option<&Validators>,
    ) -> Result<FetchOutcome, FetchError> {
        let shown = url.to_string();
        self.guard
            .check_url(url)
            .map_err(|reason| FetchError::Blocked {
                url: shown.clone(),
                reason: reason.to_string(),
            })?;
        let site = crate::dedup::site_of(url).unwrap_or_default();
        let _permits = self.limiter.acquire(&site).await;
        // the timeout bounds the whole request: every redirect hop and the body
        match tokio::time::timeout(self.timeout, self.send(url, kind, validators, &shown)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout { url: shown }),
        }
    }

    async fn send(
        &self,
        url: &Url,
        kind: Kind,
        validators: Option<&Validators>,
        shown: &str,
    ) -> Result<FetchOutcome, FetchError> {
        let shown = shown.to_string();

        let mut headers = HeaderMap::new();
        let accept = match kind {
            Kind::Feed => "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            Kind::Page => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        };
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        if let Some(v) = validators {
            if let Some(etag) = v
                .etag
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = v
                .last_modified
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(header::IF_MODIFIED_SINCE, lm);
            }
        }

        let mut current = url.clone();
        let mut hops = 0;
        let mut all_permanent = true;
        let mut resp = loop {
            let resp = self
                .client
                .get(current.clone())
                .headers(headers.clone())
                .send()
                .await
                .map_err(|e| classify(&shown, &e))?;
            let st = resp.status();
            let location = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (true, Some(location)) = (st.is_redirection() && st.as_u16() != 304, location)
            else {
                break resp;
            };
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(FetchError::TooManyRedirects { url: shown });
            }
            let next = current.join(&location).map_err(|e| FetchError::Other {
                url: shown.clone(),
                detail: format!("bad redirect location {location:?}: {e}"),
            })?;
            self.guard
                .check_url(&next)
                .map_err(|reason| FetchError::Blocked {
                    url: shown.clone(),
                    reason: format!("redirect to {next}: {reason}"),
                })?;
            all_permanent &= matches!(st.as_u16(), 301 | 308);
            current = next;
        };
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(FetchOutcome::NotModified);
        }
        if !resp.status().is_success() {
            let retry_after = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(64).collect());
            return Err(FetchError::Status {
                url: shown,
                status,
                retry_after,
            });
        }
        let final_url = resp.url().clone();
        let max_age = resp
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(cache_max_age);
        let header_str = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(|s| s.chars().take(1024).collect::<String>())
        };
        let validators = Validators {
            etag: header_str(header::ETAG),
            last_modified: header_str(header::LAST_MODIFIED),
        };
        let content_type = header_str(header::CONTENT_TYPE);
        let limit = match kind {
            Kind::Feed => self.max_feed_bytes,
            Kind::Page => self.max_page_bytes,
        };
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&shown, &e))? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { url: shown, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Fresh(Box::new(Fetched {
            permanent_redirect: (hops > 0 && all_permanent).then(|| final_url.clone()),
            max_age,
            url: final_url,
            status,
            validators,
            content_type,
            body,
        })))
    }
}

/// `max-age=N` of a Cache-Control value.
fn cache_max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse::<u64>().ok())
            .flatten()
            .map(|s| Duration::from_secs(s.min(7 * 86_400)))
    })
}

/// A Retry-After value: seconds, or an HTTP date after `now`.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(7 * 86_400)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - now;
    Some(Duration::from_secs(
        wait.num_seconds().clamp(0, 7 * 86_400) as u64
    ))
}

/// Maps a reqwest error to ours, finding our own refusals in its sources.
fn classify(url: &str, e: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<Refused>() {
            return FetchError::Blocked {
                url: url.into(),
                reason: refused.0.clone(),
            };
        }
        source = s.source();
    }
    let detail = error_chain(e);
    if e.is_timeout() {
        FetchError::Timeout { url: url.into() }
    } else if e.is_connect() {
        FetchError::Connect {
            url: url.into(),
            detail,
        }
    } else {
        FetchError::Other {
            url: url.into(),
            detail,
        }
    }
}

/// The causes of a reqwest error, "inner: innermost", without reqwest's
/// outer "error sending request for url (…)", which repeats the URL.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        return e.to_string();
    }
    parts.join(": ")
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

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() {
        let limiter = Limiter {
            global: Arc::new(Semaphore::new(8)),
            per_host: 4,
            gap: Duration::from_millis(100),
            hosts: Mutex::new(HashMap::new()),
        };
        let start = tokio::time::Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _p = limiter.acquire("npasyria.com").await;
            starts.push(start.elapsed());
        }
        let t = tokio::time::Instant::now();
        let _other = limiter.acquire("hawarnews.com").await;
        let other = t.elapsed();
        // the clock is paused: it moves only by the gaps waited for
        assert_eq!(
            starts,
            [
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
        assert_eq!(other, Duration::ZERO, "other hosts do not wait");
    }

    #[tokio::test(start_paused = true)]
    async fn per_host_state_stays_bounded() {
        let limiter = Limiter {
            global: Arc::new(Semaphore::new(8)),
            per_host: 2,
            gap: Duration::from_millis(100),
            hosts: Mutex::new(HashMap::new()),
        };
        // a feed linking to endless subdomains (each its own site here)
        for i in 0..5 * MAX_IDLE_HOSTS {
            let _p = limiter.acquire(&format!("s{i}.example")).await;
            tokio::time::advance(Duration::from_millis(150)).await;
        }
        let kept = limiter.hosts.lock().map(|h| h.len()).unwrap_or(usize::MAX);
        assert!(kept <= MAX_IDLE_HOSTS, "{kept} host slots kept");
        // a slot in use survives a prune
        let held = limiter.acquire("busy.example").await;
        for i in 0..2 * MAX_IDLE_HOSTS {
            let _p = limiter.acquire(&format!("t{i}.example")).await;
            tokio::time::advance(Duration::from_millis(150)).await;
        }
        assert!(limiter
            .hosts
            .lock()
            .map(|h| h.contains_key("busy.example"))
            .unwrap_or(false));
        drop(held);
    }

    #[test]
    fn retry_after_and_max_age() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-11-03T10:00:00Z")
            .expect("t")
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Mon, 03 Nov 2025 10:05:00 GMT", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            cache_max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(cache_max_age("no-cache"), None);
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        use std::str::FromStr;
        let refuse = GuardedResolver {
            guard: AddressGuard::default(),
        };
        let name = Name::from_str("localhost").expect("name");
        let err = refuse.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("non-public"), "{err}");
        let allow = GuardedResolver {
            guard: AddressGuard::new(vec!["127.0.0.0/8".parse().expect("net")]),
        };
        let name = Name::from_str("localhost").expect("name");
        let addrs: Vec<SocketAddr> = allow.resolve(name).await.expect("allowed").collect();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.is_ipv4()),
            "{addrs:?}"
        );
    }
}
