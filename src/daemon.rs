//! The daemon (`rasad run`): polls every feed when it is due, until told to stop.
//!
//! Owns: per-feed due times (interval with jitter, exponential backoff on
//! failure) and the shutdown sequence: stop starting work, let in-flight
//! feeds finish within a bound, then return so the store is closed cleanly.
//! The clock is passed in to [`next_delay`] so schedules can be tested.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{info, warn};

use crate::pipeline::{FeedOutcome, FeedReport, Pipeline};

/// Longest wait after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// How long in-flight feeds may run after a stop is requested.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Delay until a feed's next poll: its interval (±10 % jitter, from
/// `jitter` in 0..1) after success; after `failures` consecutive failures,
/// the interval doubled per failure, capped at [`MAX_BACKOFF`].
pub fn next_delay(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let base = if failures == 0 {
        interval
    } else {
        let factor = 2u32.saturating_pow(failures.min(16));
        interval
            .saturating_mul(factor)
            .min(MAX_BACKOFF.max(interval))
    };
    let j = (jitter.clamp(0.0, 1.0) - 0.5) * 0.2; // -10 % .. +10 %
    base.mul_f64(1.0 + j)
}

/// A random number in 0..1 without a random-number crate.
fn jitter() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

struct FeedState {
    due: Instant,
    failures: u32,
}

/// Runs until `shutdown` completes.
pub async fn run(
    pipeline: Arc<Pipeline>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let feeds = pipeline.config.feeds.clone();
    let ids = pipeline.sync_feeds(&feeds).await?;
    let start = Instant::now();
    let mut state: HashMap<String, FeedState> = feeds
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                FeedState {
                    due: start,
                    failures: 0,
                },
            )
        })
        .collect();
    let by_name: HashMap<String, _> = feeds.iter().map(|f| (f.name.clone(), f.clone())).collect();
    let mut running: HashSet<String> = HashSet::new();
    let mut tasks: tokio::task::JoinSet<(String, FeedReport)> = tokio::task::JoinSet::new();
    info!(feeds = feeds.len(), "daemon started");
    tokio::pin!(shutdown);
    loop {
        let now = Instant::now();
        for f in &feeds {
            let Some(st) = state.get(&f.name) else {
                continue;
            };
            if st.due <= now && !running.contains(&f.name) {
                let Some(&id) = ids.get(&f.name) else {
                    continue;
                };
                running.insert(f.name.clone());
                let p = pipeline.clone();
                let f = f.clone();
                tasks.spawn(async move {
                    let report = p.poll_feed(&f, id).await;
                    (f.name, report)
                });
            }
        }
        let next_wake = state
            .iter()
            .filter(|(name, _)| !running.contains(*name))
            .map(|(_, s)| s.due)
            .min()
            .unwrap_or(now + Duration::from_secs(3600));
        tokio::select! {
            _ = &mut shutdown => break,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                let (name, report) = match done {
                    Ok(r) => r,
                    Err(e) => {
                        warn!(error = %e, "a feed task crashed");
                        continue;
                    }
                };
                running.remove(&name);
                let (Some(st), Some(f)) = (state.get_mut(&name), by_name.get(&name)) else { continue };
                st.failures = match report.outcome {
                    FeedOutcome::Failed(_) => st.failures.saturating_add(1),
                    _ => 0,
                };
                let delay = next_delay(f.interval, st.failures, jitter());
                st.due = Instant::now() + delay;
                info!(feed = %name, next_in_secs = delay.as_secs(), "scheduled");
            }
            _ = tokio::time::sleep_until(next_wake) => {}
        }
    }
    info!(in_flight = tasks.len(), "stopping");
    let drained = tokio::time::timeout(STOP_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!(
            "feeds still running after {}s were cancelled; their committed items are kept",
            STOP_GRACE.as_secs()
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
    info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule() {
        let i = Duration::from_secs(600);
        assert_eq!(next_delay(i, 0, 0.5), i);
        assert_eq!(next_delay(i, 0, 0.0), Duration::from_secs(540));
        assert_eq!(next_delay(i, 0, 1.0), Duration::from_secs(660));
        assert_eq!(next_delay(i, 1, 0.5), Duration::from_secs(1200));
        assert_eq!(next_delay(i, 3, 0.5), Duration::from_secs(4800));
        assert_eq!(next_delay(i, 30, 0.5), MAX_BACKOFF);
        let day = Duration::from_secs(86_400);
        assert_eq!(
            next_delay(day, 2, 0.5),
            day,
            "never shorter than the interval"
        );
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}
