//! When each feed is polled next. Pure: the clock is passed in.
//!
//! Owns: the adaptive interval (a feed that publishes is polled more often,
//! a quiet one less, within bounds), the feed's own hints as lower bounds
//! (`<ttl>`, `Cache-Control: max-age`), exponential backoff on errors
//! (capped), Retry-After, disabling after 410 Gone or repeated 404 (with a
//! daily retry), and jitter.

use std::time::Duration;

/// Longest wait after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// How often a disabled feed (410, repeated 404) is still tried.
pub const DISABLED_RETRY: Duration = Duration::from_secs(24 * 3600);
/// Consecutive 404s that disable a feed.
pub const NOT_FOUND_LIMIT: u32 = 3;

/// What a poll of the feed came to, as far as scheduling is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Fetched; `new` articles.
    Fresh { new: usize },
    /// 304 or the same bytes.
    Unchanged,
    /// 429/503 with a Retry-After.
    RetryAfter(Duration),
    /// 410 Gone.
    Gone,
    /// 404 Not Found.
    NotFound,
    /// Anything else that failed (network, 5xx, parse errors).
    Failed,
}

/// The schedule of one feed.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The configured interval.
    pub base: Duration,
    /// Adaptive interval, within [base/4, base*4].
    pub current: Duration,
    /// Consecutive failures.
    pub failures: u32,
    /// Consecutive 404s.
    pub not_found: u32,
    /// Disabled after 410 / repeated 404: polled daily only.
    pub disabled: bool,
}

impl Schedule {
    pub fn new(base: Duration) -> Schedule {
        Schedule {
            base,
            current: base,
            failures: 0,
            not_found: 0,
            disabled: false,
        }
    }

    fn bounds(&self) -> (Duration, Duration) {
        let min = (self.base / 4).max(Duration::from_secs(1));
        let max = self.base.saturating_mul(4);
        (min, max)
    }

    /// Records `outcome` and returns the delay until the next poll. `hint`
    /// is the feed's own lower bound (ttl, max-age); `jitter` is in 0..1.
    pub fn next(&mut self, outcome: &Outcome, hint: Option<Duration>, jitter: f64) -> Duration {
        let (min, max) = self.bounds();
        let j = 1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 0.2; // ±10 %
        match outcome {
            Outcome::Fresh { new } => {
                self.failures = 0;
                self.not_found = 0;
                self.disabled = false;
                self.current = if *new > 0 {
                    self.current.mul_f64(0.75).max(min)
                } else {
                    self.current.mul_f64(1.25).min(max)
                };
            }
            Outcome::Unchanged => {
                self.failures = 0;
                self.not_found = 0;
                self.disabled = false;
                self.current = self.current.mul_f64(1.25).min(max);
            }
            Outcome::RetryAfter(wait) => {
                self.failures = self.failures.saturating_add(1);
                let backoff = self.backoff();
                return (*wait).max(backoff.min(*wait * 4)).max(min);
            }
            Outcome::Gone => {
                self.failures = self.failures.saturating_add(1);
                self.disabled = true;
                return DISABLED_RETRY.mul_f64(j);
            }
            Outcome::NotFound => {
                self.failures = self.failures.saturating_add(1);
                self.not_found = self.not_found.saturating_add(1);
                if self.not_found >= NOT_FOUND_LIMIT {
                    self.disabled = true;
                    return DISABLED_RETRY.mul_f64(j);
                }
                return self.backoff().mul_f64(j);
            }
            Outcome::Failed => {
                self.failures = self.failures.saturating_add(1);
                return self.backoff().mul_f64(j);
            }
        }
        let delay = self.current.max(hint.unwrap_or_default().min(MAX_BACKOFF));
        delay.mul_f64(j)
    }

    /// The interval doubled per consecutive failure, capped.
    fn backoff(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.failures.min(16));
        self.base
            .saturating_mul(factor)
            .min(MAX_BACKOFF.max(self.base))
    }
}

/// A random number in 0..1 without a random-number crate.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What a failed fetch means for the schedule, and whether it was a
/// network failure (connect, DNS, timeout: many at once mean the local
/// network is down).
pub fn outcome_of(
    e: &crate::fetch::FetchError,
    now: chrono::DateTime<chrono::Utc>,
) -> (Outcome, bool) {
    use crate::fetch::FetchError;
    match e {
        FetchError::Status {
            status: 429 | 503,
            retry_after: Some(r),
            ..
        } => (
            crate::fetch::parse_retry_after(r, now).map_or(Outcome::Failed, Outcome::RetryAfter),
            false,
        ),
        FetchError::Status { status: 410, .. } => (Outcome::Gone, false),
        FetchError::Status { status: 404, .. } => (Outcome::NotFound, false),
        FetchError::Connect { .. } | FetchError::Timeout { .. } => (Outcome::Failed, true),
        _ => (Outcome::Failed, false),
    }
}

/// How long a failed page waits before it is tried again, by the attempts
/// before it: 15 min, 30 min, 1 h, … capped at one day.
pub fn page_retry_wait(attempts: i64) -> chrono::Duration {
    let minutes = 15i64.saturating_mul(1 << attempts.clamp(0, 7)).min(24 * 60);
    chrono::Duration::minutes(minutes)
}

/// How long until an article's page is read again, by the time since it
/// last changed (its first sighting when it never did): the longest step
/// of `schedule` not longer than that time (the first step at least);
/// `None` once it has not changed for `stop_after`, or with no schedule.
pub fn recheck_wait(
    schedule: &[std::time::Duration],
    stop_after: std::time::Duration,
    since_change: chrono::Duration,
) -> Option<chrono::Duration> {
    let since = since_change.to_std().unwrap_or_default();
    if since >= stop_after {
        return None;
    }
    let step = schedule
        .iter()
        .rev()
        .find(|s| **s <= since)
        .or(schedule.first())?;
    chrono::Duration::from_std(*step).ok()
}

/// How long a feed is held back after a parse that never finished (the
/// process died on it), by the failures before it: 15 minutes, doubling,
/// at most the 6-hour failure backoff.
pub fn crash_backoff(failures: i64) -> chrono::Duration {
    let minutes = 15i64.saturating_mul(1 << failures.clamp(0, 5)).min(6 * 60);
    chrono::Duration::minutes(minutes)
}

#[cfg(test)]
mod tests {

    #[test]
    fn rechecks_decay_with_the_time_since_the_last_change() {
        let m = |n: u64| Duration::from_secs(n * 60);
        let schedule = [m(15), m(60), m(180), m(1440), m(4320), m(43200)];
        let stop = m(365 * 1440);
        let wait = |minutes: i64| {
            recheck_wait(&schedule, stop, chrono::Duration::minutes(minutes))
                .map(|d| d.num_minutes())
        };
        assert_eq!(wait(0), Some(15), "a new article: the first step");
        assert_eq!(wait(14), Some(15));
        assert_eq!(wait(59), Some(15));
        assert_eq!(wait(60), Some(60));
        assert_eq!(wait(5 * 60), Some(180));
        assert_eq!(wait(2 * 1440), Some(1440));
        assert_eq!(wait(10 * 1440), Some(4320));
        assert_eq!(wait(100 * 1440), Some(43200));
        assert_eq!(wait(365 * 1440), None, "a year unchanged: no more checks");
        assert_eq!(recheck_wait(&[], stop, chrono::Duration::zero()), None);
        assert_eq!(
            recheck_wait(&schedule, stop, chrono::Duration::minutes(-5)).map(|d| d.num_minutes()),
            Some(15),
            "a clock that went back"
        );
    }

    use super::*;

    const MIN10: Duration = Duration::from_secs(600);

    #[test]
    fn backoff_grows_and_caps() {
        let mut s = Schedule::new(MIN10);
        let d: Vec<u64> = (0..6)
            .map(|_| s.next(&Outcome::Failed, None, 0.5).as_secs())
            .collect();
        assert_eq!(d, [1200, 2400, 4800, 9600, 19200, 21600]);
        assert_eq!(s.next(&Outcome::Unchanged, None, 0.5), MIN10.mul_f64(1.25));
        assert_eq!(s.failures, 0);
    }

    #[test]
    fn adaptive_within_bounds_and_hints() {
        let mut s = Schedule::new(MIN10);
        for _ in 0..20 {
            s.next(&Outcome::Fresh { new: 3 }, None, 0.5);
        }
        assert_eq!(s.current, Duration::from_secs(150), "busy feed: base/4");
        for _ in 0..40 {
            s.next(&Outcome::Unchanged, None, 0.5);
        }
        assert_eq!(s.current, Duration::from_secs(2400), "quiet feed: base*4");
        let mut s = Schedule::new(MIN10);
        let d = s.next(
            &Outcome::Fresh { new: 1 },
            Some(Duration::from_secs(3600)),
            0.5,
        );
        assert_eq!(d, Duration::from_secs(3600), "ttl is a lower bound");
        let d = s.next(&Outcome::Fresh { new: 1 }, None, 0.0);
        assert!(d < Duration::from_secs(450));
    }

    #[test]
    fn retry_after_gone_and_not_found() {
        let mut s = Schedule::new(Duration::from_secs(60));
        assert_eq!(
            s.next(&Outcome::RetryAfter(Duration::from_secs(300)), None, 0.5),
            Duration::from_secs(300)
        );
        let mut s = Schedule::new(MIN10);
        assert_eq!(s.next(&Outcome::Gone, None, 0.5), DISABLED_RETRY);
        assert!(s.disabled);
        s.next(&Outcome::Fresh { new: 0 }, None, 0.5);
        assert!(!s.disabled, "a feed that comes back is enabled again");
        for _ in 0..NOT_FOUND_LIMIT - 1 {
            assert!(s.next(&Outcome::NotFound, None, 0.5) < DISABLED_RETRY);
        }
        assert_eq!(s.next(&Outcome::NotFound, None, 0.5), DISABLED_RETRY);
        assert!(s.disabled);
    }
}
