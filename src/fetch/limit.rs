//! Requests in flight: a global cap, a cap per site and a gap between the
//! starts of two requests to one site, with bounded state for idle sites.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most hosts whose limiter state is kept while idle; beyond it, idle
/// entries go (a feed linking to endless subdomains grows nothing).
const MAX_IDLE_HOSTS: usize = 1024;

/// Caps requests in flight, globally and per site (registrable domain: the
/// many host names of one server share one cap).
pub(super) struct Limiter {
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
    pub(super) fn new(global: usize, per_host: usize, gap: Duration) -> Limiter {
        Limiter {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            gap,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn acquire(&self, host: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
