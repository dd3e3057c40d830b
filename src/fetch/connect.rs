//! Connections: DNS through the address guard, TLS, and a cap on the
//! connections open to one host at any moment.
//!
//! Each connection carries a permit of its host's semaphore for as long as
//! it lives (idle in the pool included), so no more than `max_per_host`
//! connections to a host can exist at once, however requests race the pool.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::{Connected, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::guard::AddressGuard;

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The error our resolver raises inside the client, found again in the
/// error's source chain.
#[derive(Debug)]
pub(super) struct Refused(pub(super) String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Refused {}

/// DNS resolution that drops non-public addresses.
#[derive(Clone)]
pub(super) struct GuardedResolver {
    pub(super) guard: AddressGuard,
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, BoxError>> + Send>>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let guard = self.guard.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(e) as BoxError)?
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
                ))) as BoxError);
            }
            Ok(allowed.into_iter())
        })
    }
}

/// Most hosts whose connection state is kept while no connection to them
/// is open.
const MAX_IDLE_HOSTS: usize = 1024;

/// One semaphore per host (scheme, name and port: what the pool keys
/// connections by), with `per_host` permits.
pub(super) struct ConnCaps {
    per_host: usize,
    /// How long a connection attempt waits for a free permit before it
    /// fails (the request's own timeout bounds it earlier).
    wait: Duration,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ConnCaps {
    pub(super) fn new(per_host: usize, wait: Duration) -> ConnCaps {
        ConnCaps {
            per_host: per_host.max(1),
            wait,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, key: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if hosts.len() >= MAX_IDLE_HOSTS && !hosts.contains_key(key) {
            let per_host = self.per_host;
            hosts.retain(|_, s| s.available_permits() < per_host);
        }
        hosts
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }

    async fn acquire(&self, key: &str) -> Result<OwnedSemaphorePermit, BoxError> {
        let sem = self.semaphore(key);
        match tokio::time::timeout(self.wait, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err("connection semaphore closed".into()),
            Err(_) => Err(format!(
                "no connection to {key} came free within {} s (at most {} open)",
                self.wait.as_secs(),
                self.per_host
            )
            .into()),
        }
    }

    #[cfg(test)]
    pub(super) fn open(&self, key: &str) -> usize {
        self.per_host - self.semaphore(key).available_permits()
    }
}

/// The pool's key for a URI.
fn host_key(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map(|a| a.as_str()).unwrap_or("")
    )
    .to_ascii_lowercase()
}

/// A connector that takes a permit of the host's cap before it connects
/// and hands it to the connection.
#[derive(Clone)]
pub(super) struct Capped<C> {
    pub(super) inner: C,
    pub(super) caps: Arc<ConnCaps>,
}

impl<C> tower_service::Service<Uri> for Capped<C>
where
    C: tower_service::Service<Uri> + Clone + Send + 'static,
    C::Future: Send,
    C::Response: Read + Write + Connection + Unpin + Send,
    C::Error: Into<BoxError>,
{
    type Response = CappedConn<C::Response>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        // the clone is the one made ready; `self` keeps a fresh one
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let caps = self.caps.clone();
        Box::pin(async move {
            let permit = caps.acquire(&host_key(&uri)).await?;
            let io = inner.call(uri).await.map_err(Into::into)?;
            Ok(CappedConn {
                io,
                _permit: permit,
            })
        })
    }
}

/// A connection holding its host's permit until it is dropped.
pub(super) struct CappedConn<T> {
    io: T,
    _permit: OwnedSemaphorePermit,
}

impl<T: Connection> Connection for CappedConn<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

impl<T: Read + Unpin> Read for CappedConn<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for CappedConn<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use tower_service::Service;

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let mut refuse = GuardedResolver {
            guard: AddressGuard::default(),
        };
        let name = Name::from_str("localhost").expect("name");
        let err = refuse.call(name).await.expect_err("refused");
        assert!(err.to_string().contains("non-public"), "{err}");
        let mut allow = GuardedResolver {
            guard: AddressGuard::new(vec!["127.0.0.0/8".parse().expect("net")]),
        };
        let name = Name::from_str("localhost").expect("name");
        let addrs: Vec<SocketAddr> = allow.call(name).await.expect("allowed").collect();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.is_ipv4()),
            "{addrs:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_host_never_has_more_connections_than_its_cap() {
        let caps = ConnCaps::new(2, Duration::from_secs(5));
        let a = caps.acquire("http://a:80").await.expect("first");
        let _b = caps.acquire("http://a:80").await.expect("second");
        assert_eq!(caps.open("http://a:80"), 2);
        // another host is not held up
        let _other = caps.acquire("http://b:80").await.expect("other host");
        // a third waits, and fails once the wait is over
        let err = caps.acquire("http://a:80").await.expect_err("capped");
        assert!(err.to_string().contains("at most 2 open"), "{err}");
        // a closed connection frees its place
        drop(a);
        let _c = caps.acquire("http://a:80").await.expect("after a close");
        assert_eq!(caps.open("http://a:80"), 2);
    }
}
