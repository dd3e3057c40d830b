//! HTTP: the only module that knows the HTTP client (hyper).
//!
//! Owns: the one shared client and its pool, timeouts, the redirect limit,
//! byte caps on every body (counted after decompression, `body`), conditional
//! GET, the limits on requests in flight (`limit`) and on connections open
//! per host (`connect`), and the address guard (`guard`) that keeps requests
//! away from loopback, private, link-local and other non-public addresses
//! (checked on IP literals, on every redirect hop and after DNS resolution).

mod body;
mod connect;
mod guard;
mod limit;
mod post;

use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use url::Url;

use crate::config::FetchConfig;
pub use guard::{is_public, AddressGuard, GuardRefusal};
pub use post::Poster;

/// Redirects followed before a request fails.
pub const MAX_REDIRECTS: usize = 5;

/// What a request is for; decides the byte cap and the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Feed,
    Page,
    /// One of the last pages of a burst to a host: asked with
    /// `Connection: close`, so its connection ends with it rather than
    /// idling in the pool (a thousand outlets read one after another must
    /// not leave a thousand hosts' connections open).
    LastPage,
}

/// Validators from the previous fetch of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Bodies up to this size are read freely; a larger one takes one of the
/// few places for large bodies before it grows further, and holds it while
/// `Fetched::large` lives (until it is parsed), so memory stays bounded
/// however many large pages or feeds arrive at once.
pub const LARGE_BODY: u64 = 512 * 1024;
/// Most bytes a connection buffers for reading (hyper's default grows to
/// ~400 KiB per connection).
const READ_BUFFER: usize = 16 * 1024;
/// How long an idle connection stays in the pool.
const POOL_IDLE: Duration = Duration::from_secs(10);
/// How long a connection of a conditional feed request stays idle: long
/// enough for the other feeds of a host due at the same moment, short
/// enough that a daemon's thousand hosts, each polled every few minutes,
/// hold no connection between their polls.
const BRIEF_IDLE: Duration = Duration::from_secs(2);
/// Large bodies held at once.
const LARGE_BODIES: usize = 2;

/// A successful response with its whole body.
#[derive(Debug)]
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
    /// The place a body over [`LARGE_BODY`] holds; keep it until the body
    /// is parsed.
    pub large: Option<tokio::sync::OwnedSemaphorePermit>,
    /// The response headers kept as evidence ([`EVIDENCE_HEADERS`]), as
    /// received (at most 1 KiB each).
    pub headers: Vec<(String, String)>,
}

/// Response headers kept with a raw body: what dates, identifies and
/// describes it.
pub const EVIDENCE_HEADERS: &[&str] = &[
    "date",
    "last-modified",
    "etag",
    "content-type",
    "content-language",
    "content-length",
    "server",
    "age",
    "x-cache",
];

/// The result of a request that did not fail.
#[derive(Debug)]
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

type Connector =
    connect::Capped<hyper_rustls::HttpsConnector<HttpConnector<connect::GuardedResolver>>>;
type Body = http_body_util::Empty<bytes::Bytes>;

/// The shared HTTP client with its limits.
pub struct Fetcher {
    client: Client<Connector, Body>,
    /// For conditional feed requests (the daemon's steady state: mostly
    /// 304s, rarely pages after them); shares the per-host caps.
    brief: Client<Connector, Body>,
    guard: AddressGuard,
    limiter: limit::Limiter,
    /// Places for bodies over [`LARGE_BODY`].
    large: Arc<tokio::sync::Semaphore>,
    user_agent: HeaderValue,
    max_feed_bytes: u64,
    max_page_bytes: u64,
    timeout: Duration,
}

/// The last response of a redirect chain, before its body is read.
struct Arrived {
    resp: http::Response<hyper::body::Incoming>,
    url: Url,
    /// Redirects followed, and whether every one was permanent.
    hops: usize,
    all_permanent: bool,
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, FetchError> {
        let guard = AddressGuard::new(cfg.allow_networks.clone());
        let client_error = |detail: String| FetchError::Client { detail };
        let user_agent = HeaderValue::from_str(&cfg.user_agent)
            .map_err(|e| client_error(format!("fetch.user_agent cannot be sent: {e}")))?;
        let mut http = HttpConnector::new_with_resolver(connect::GuardedResolver {
            guard: guard.clone(),
        });
        http.enforce_http(false);
        http.set_connect_timeout(Some(cfg.connect_timeout));
        http.set_nodelay(true);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_platform_verifier(provider)
            .map_err(|e| {
                client_error(format!(
                    "cannot set up TLS: {e} (are the CA certificates installed? apt-get install ca-certificates)"
                ))
            })?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let connector = connect::Capped {
            inner: https,
            caps: Arc::new(connect::ConnCaps::new(cfg.max_per_host, cfg.timeout)),
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            // a host's connections are reused through a burst of its pages
            // and closed soon after it: thousands of outlets must not mean
            // thousands of idle connections held
            .pool_idle_timeout(POOL_IDLE)
            .pool_max_idle_per_host(cfg.max_per_host)
            // each connection keeps its read buffer while it lives (idle in
            // the pool too): a small one keeps thousands of pooled
            // connections cheap
            .http1_max_buf_size(READ_BUFFER)
            .build(connector.clone());
        let brief = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(BRIEF_IDLE)
            .pool_max_idle_per_host(1)
            .http1_max_buf_size(READ_BUFFER)
            .build(connector);
        Ok(Fetcher {
            client,
            brief,
            guard,
            limiter: limit::Limiter::new(cfg.max_concurrency, cfg.max_per_host, cfg.host_gap),
            large: Arc::new(tokio::sync::Semaphore::new(LARGE_BODIES)),
            user_agent,
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
        // a conditional feed request mostly ends in a 304: its connection
        // is not kept for minutes (pages after a change open their own)
        let brief = kind == Kind::Feed
            && validators.is_some_and(|v| v.etag.is_some() || v.last_modified.is_some());
        let arrived = self
            .follow(url, &self.headers(kind, validators), shown, brief)
            .await?;
        let resp = &arrived.resp;
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(FetchOutcome::NotModified);
        }
        let header_str = |name, max: usize| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(|s| s.chars().take(max).collect::<String>())
        };
        if !resp.status().is_success() {
            return Err(FetchError::Status {
                url: shown.to_string(),
                status,
                retry_after: header_str(header::RETRY_AFTER, 64),
            });
        }
        let max_age = header_str(header::CACHE_CONTROL, 1024)
            .as_deref()
            .and_then(cache_max_age);
        let validators = Validators {
            etag: header_str(header::ETAG, 1024),
            last_modified: header_str(header::LAST_MODIFIED, 1024),
        };
        let content_type = header_str(header::CONTENT_TYPE, 1024);
        let kept_headers: Vec<(String, String)> = EVIDENCE_HEADERS
            .iter()
            .filter_map(|&name| {
                header_str(HeaderName::from_static(name), 1024).map(|v| (name.to_string(), v))
            })
            .collect();
        let encoding = header_str(header::CONTENT_ENCODING, 64);
        let limit = match kind {
            Kind::Feed => self.max_feed_bytes,
            Kind::Page | Kind::LastPage => self.max_page_bytes,
        };
        let Arrived {
            resp,
            url: final_url,
            hops,
            all_permanent,
        } = arrived;
        let (body, large) = read_body(
            resp.into_body(),
            (encoding.as_deref(), limit),
            &self.large,
            shown,
        )
        .await?;
        Ok(FetchOutcome::Fresh(Box::new(Fetched {
            permanent_redirect: (hops > 0 && all_permanent).then(|| final_url.clone()),
            max_age,
            url: final_url,
            status,
            validators,
            content_type,
            body,
            large,
            headers: kept_headers,
        })))
    }

    /// The headers of every request of `kind`.
    fn headers(&self, kind: Kind, validators: Option<&Validators>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let accept = match kind {
            Kind::Feed => "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            Kind::Page | Kind::LastPage => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        };
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        if kind == Kind::LastPage {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br, deflate"),
        );
        headers.insert(header::USER_AGENT, self.user_agent.clone());
        let value = |v: &Option<String>| v.as_deref().and_then(|e| HeaderValue::from_str(e).ok());
        if let Some(v) = validators {
            if let Some(etag) = value(&v.etag) {
                headers.insert(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = value(&v.last_modified) {
                headers.insert(header::IF_MODIFIED_SINCE, lm);
            }
        }
        headers
    }

    /// Requests `url`, following redirects by hand so each hop is guarded
    /// and permanent moves are known.
    async fn follow(
        &self,
        url: &Url,
        headers: &HeaderMap,
        shown: &str,
        brief: bool,
    ) -> Result<Arrived, FetchError> {
        let mut current = url.clone();
        let mut hops = 0;
        let mut all_permanent = true;
        loop {
            let resp = self.once(&current, headers, shown, brief).await?;
            let st = resp.status();
            let location = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (true, Some(location)) = (st.is_redirection() && st.as_u16() != 304, location)
            else {
                return Ok(Arrived {
                    resp,
                    url: current,
                    hops,
                    all_permanent,
                });
            };
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(FetchError::TooManyRedirects { url: shown.into() });
            }
            let next = current.join(&location).map_err(|e| FetchError::Other {
                url: shown.into(),
                detail: format!("bad redirect location {location:?}: {e}"),
            })?;
            self.guard
                .check_url(&next)
                .map_err(|reason| FetchError::Blocked {
                    url: shown.into(),
                    reason: format!("redirect to {next}: {reason}"),
                })?;
            all_permanent &= matches!(st.as_u16(), 301 | 308);
            current = next;
        }
    }

    /// One GET, without following anything.
    async fn once(
        &self,
        url: &Url,
        headers: &HeaderMap,
        shown: &str,
        brief: bool,
    ) -> Result<http::Response<hyper::body::Incoming>, FetchError> {
        let mut target = url.clone();
        target.set_fragment(None);
        let uri: http::Uri = target.as_str().parse().map_err(|e| FetchError::Other {
            url: shown.into(),
            detail: format!("cannot request {target}: {e}"),
        })?;
        let mut req = http::Request::new(Body::new());
        *req.uri_mut() = uri;
        *req.headers_mut() = headers.clone();
        let client = if brief { &self.brief } else { &self.client };
        client.request(req).await.map_err(|e| classify(shown, &e))
    }
}

/// Reads a body to its end through its decoder, under `limit`; past
/// [`LARGE_BODY`] it first waits for a place among the large bodies.
async fn read_body(
    mut body: hyper::body::Incoming,
    (encoding, limit): (Option<&str>, u64),
    large: &Arc<tokio::sync::Semaphore>,
    shown: &str,
) -> Result<(Vec<u8>, Option<tokio::sync::OwnedSemaphorePermit>), FetchError> {
    let mut place = None;
    let mut decoder = body::Decoder::new(encoding, limit);
    let fail = |e: body::BodyError| match e {
        body::BodyError::TooLarge => FetchError::TooLarge {
            url: shown.into(),
            limit,
        },
        body::BodyError::Corrupt(detail) => FetchError::Other {
            url: shown.into(),
            detail: format!(
                "cannot decode the {} body: {detail}",
                encoding.unwrap_or("")
            ),
        },
    };
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Other {
            url: shown.into(),
            detail: format!("reading the body: {}", error_chain_with(&e)),
        })?;
        if let Some(data) = frame.data_ref() {
            if place.is_none() && decoder.held() + data.len() as u64 > LARGE_BODY {
                // never closed, so acquiring cannot fail
                place = large.clone().acquire_owned().await.ok();
            }
            decoder.push(data).map_err(fail)?;
        }
    }
    Ok((decoder.finish().map_err(fail)?, place))
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

/// Maps a client error to ours, finding our own refusals in its sources.
fn classify(url: &str, e: &hyper_util::client::legacy::Error) -> FetchError {
    let mut timed_out = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<connect::Refused>() {
            return FetchError::Blocked {
                url: url.into(),
                reason: refused.0.clone(),
            };
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        source = s.source();
    }
    let detail = error_chain(e);
    if timed_out {
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

/// The causes of a client error, "inner: innermost", without the client's
/// outer "client error (Connect)", which says nothing.
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

/// An error with every cause after it, "outer: inner: innermost".
fn error_chain_with(e: &dyn std::error::Error) -> String {
    let outer = e.to_string();
    match e.source() {
        Some(_) => format!("{outer}: {}", error_chain(e)),
        None => outer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
