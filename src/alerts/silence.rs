//! Whether an outlet went quiet: its items in the last hours against what
//! the same hours of the same weekday brought over the previous weeks, for
//! outlets that publish at least a few items a day, while their feeds
//! answer; feeds failing are "unreachable", every feed failing at once is
//! the local network (neither). Pure functions of the counts and the clock.

use chrono::{DateTime, Utc};

/// The rule's numbers.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The window judged, in hours.
    pub window_hours: i64,
    /// Weeks of history the expectation is taken from.
    pub weeks: i64,
    /// Under this share of what is expected is silence.
    pub share: f64,
    /// Outlets under this many items a day on average are not judged.
    pub min_daily: f64,
}

/// The default rule: under 25 % of what the same 12 hours brought on
/// average over the last 4 weeks, for outlets of 3 items a day or more.
pub const POLICY: Policy = Policy {
    window_hours: 12,
    weeks: 4,
    share: 0.25,
    min_daily: 3.0,
};

/// How an outlet's feeds answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feeds {
    /// At least one answered lately.
    Answering,
    /// All of them fail.
    Failing,
    /// Every feed of every outlet fails with network errors: it is us.
    LocalOutage,
}

/// An outlet's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutletState {
    /// Publishing as usual (or too little to judge).
    Active,
    /// Publishing far under its usual while its feeds answer.
    Silent,
    /// Its feeds fail.
    Unreachable,
    /// Not judged: too little history, or a local outage.
    Unknown,
}

impl OutletState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutletState::Active => "active",
            OutletState::Silent => "silent",
            OutletState::Unreachable => "unreachable",
            OutletState::Unknown => "unknown",
        }
    }

    pub fn from_text(s: &str) -> Option<OutletState> {
        [Self::Active, Self::Silent, Self::Unreachable, Self::Unknown]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The event of going from `self` to `next`, if any.
    pub fn event_to(self, next: OutletState) -> Option<&'static str> {
        match (self, next) {
            (a, b) if a == b => None,
            (_, OutletState::Silent) => Some("silence"),
            (_, OutletState::Unreachable) => Some("unreachable"),
            (OutletState::Silent | OutletState::Unreachable, OutletState::Active) => {
                Some("recovered")
            }
            _ => None,
        }
    }
}

/// What was judged, with its numbers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Judgement {
    pub state: OutletState,
    /// Items expected in the window.
    pub expected: f64,
    /// Items in the window.
    pub actual: i64,
    /// Items a day over the weeks of history.
    pub daily: f64,
}

/// Judges an outlet from `counts` (unix hour, items), at `now`; `first`
/// is the hour of its first recorded item.
pub fn judge(
    counts: &[(i64, i64)],
    first: Option<i64>,
    now: DateTime<Utc>,
    feeds: Feeds,
    p: &Policy,
) -> Judgement {
    let now_h = now.timestamp().div_euclid(3600);
    let sum = |from: i64, to: i64| -> i64 {
        counts
            .iter()
            .filter(|(h, _)| *h >= from && *h < to)
            .map(|(_, n)| n)
            .sum()
    };
    let week = 7 * 24;
    let actual = sum(now_h - p.window_hours, now_h);
    let expected = (1..=p.weeks)
        .map(|k| sum(now_h - k * week - p.window_hours, now_h - k * week) as f64)
        .sum::<f64>()
        / p.weeks.max(1) as f64;
    let daily = sum(now_h - p.weeks * week, now_h) as f64 / (p.weeks * 7).max(1) as f64;
    let known = first.is_some_and(|f| f <= now_h - p.weeks * week);
    let state = match feeds {
        Feeds::LocalOutage => OutletState::Unknown,
        Feeds::Failing => OutletState::Unreachable,
        Feeds::Answering if !known => OutletState::Unknown,
        Feeds::Answering if daily < p.min_daily || expected <= 0.0 => OutletState::Active,
        Feeds::Answering if (actual as f64) < p.share * expected => OutletState::Silent,
        Feeds::Answering => OutletState::Active,
    };
    Judgement {
        state,
        expected,
        actual,
        daily,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per_hour` items every hour from `weeks` weeks ago until `quiet`
    /// hours ago, none since.
    fn history(now: DateTime<Utc>, weeks: i64, per_hour: i64, quiet: i64) -> Vec<(i64, i64)> {
        let now_h = now.timestamp() / 3600;
        (now_h - weeks * 168..now_h - quiet)
            .map(|h| (h, per_hour))
            .collect()
    }

    #[test]
    fn silence_is_measured_against_the_outlets_own_weeks() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let first = Some(now.timestamp() / 3600 - 6 * 168);
        // one item an hour for six weeks, nothing for the last 12 hours
        let quiet = history(now, 6, 1, 12);
        let j = judge(&quiet, first, now, Feeds::Answering, &POLICY);
        assert_eq!(j.state, OutletState::Silent, "{j:?}");
        assert_eq!((j.actual, j.expected), (0, 12.0));
        // the same outlet publishing as usual
        let busy = history(now, 6, 1, 0);
        assert_eq!(
            judge(&busy, first, now, Feeds::Answering, &POLICY).state,
            OutletState::Active
        );
        // a third of the usual is not silence; a fifth is
        let mut third = history(now, 6, 1, 12);
        let now_h = now.timestamp() / 3600;
        third.extend((now_h - 12..now_h).step_by(3).map(|h| (h, 1)));
        assert_eq!(
            judge(&third, first, now, Feeds::Answering, &POLICY).state,
            OutletState::Active
        );
        let mut fifth = history(now, 6, 1, 12);
        fifth.extend([(now_h - 5, 2)]);
        assert_eq!(
            judge(&fifth, first, now, Feeds::Answering, &POLICY).state,
            OutletState::Silent
        );
        // failing feeds: unreachable, not silent; everything failing: neither
        assert_eq!(
            judge(&quiet, first, now, Feeds::Failing, &POLICY).state,
            OutletState::Unreachable
        );
        assert_eq!(
            judge(&quiet, first, now, Feeds::LocalOutage, &POLICY).state,
            OutletState::Unknown
        );
        // an outlet of one item every two days is never called silent
        let rare: Vec<(i64, i64)> = (now_h - 6 * 168..now_h - 48)
            .step_by(48)
            .map(|h| (h, 1))
            .collect();
        assert_eq!(
            judge(&rare, first, now, Feeds::Answering, &POLICY).state,
            OutletState::Active
        );
        // nor one rasad has known for a week only
        let young = Some(now_h - 168);
        assert_eq!(
            judge(&quiet, young, now, Feeds::Answering, &POLICY).state,
            OutletState::Unknown
        );
    }

    #[test]
    fn transitions_are_events() {
        use OutletState::*;
        assert_eq!(Active.event_to(Silent), Some("silence"));
        assert_eq!(Silent.event_to(Active), Some("recovered"));
        assert_eq!(Active.event_to(Unreachable), Some("unreachable"));
        assert_eq!(Unreachable.event_to(Active), Some("recovered"));
        assert_eq!(Silent.event_to(Silent), None);
        assert_eq!(Unknown.event_to(Active), None);
        assert_eq!(Active.event_to(Unknown), None);
    }
}
