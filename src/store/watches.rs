//! Watches in the store: articles waiting for the watches, matches (once
//! per watch and article), the delivery queue (retried with backoff, kept
//! across restarts, marked once acknowledged), items per hour per outlet,
//! outlet states.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::*;
use crate::config::WatchConfig;

/// Items per unix hour.
pub type HourCounts = Vec<(i64, i64)>;

/// A new article, ready for the watches: its text is final.
#[derive(Debug, Clone)]
pub struct Unwatched {
    pub id: i64,
    pub story_id: i64,
    pub site: Option<String>,
    pub title: String,
    pub text: String,
    pub lang: Option<String>,
    pub places: Vec<String>,
    pub feeds: Vec<String>,
}

/// A delivery waiting to be made.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub watch: String,
    /// `webhook` or `ntfy`.
    pub target: String,
    pub url: String,
    pub event: String,
    /// The JSON body (a webhook's, signed as is).
    pub payload: String,
    pub attempts: i64,
}

/// An outlet's last judgement, as recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Judged {
    pub state: String,
    pub since: String,
    pub expected: f64,
    pub actual: i64,
    pub checked_at: String,
}

/// A watch's record, for `rasad watches`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WatchStat {
    pub watch: String,
    pub matches: i64,
    pub last_match: Option<String>,
    pub delivered: i64,
    pub pending: i64,
    pub last_error: Option<String>,
}

impl Store {
    /// Articles of `feed_id` the watches have not seen whose text is final
    /// (their page read, failed or not to be read), oldest first.
    pub fn unwatched(&self, feed_id: i64, limit: usize) -> Result<Vec<Unwatched>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.id, a.story_id, a.site, COALESCE(a.title, ''),
                        (SELECT text FROM article_texts WHERE article_id = a.id), a.lang,
                        (SELECT group_concat(place, '|') FROM article_places WHERE article_id = a.id),
                        (SELECT group_concat(f.name, '|') FROM sightings s JOIN feeds f ON f.id = s.feed_id
                          WHERE s.article_id = a.id)
                   FROM articles a
                  WHERE a.feed_id = ?1 AND a.watched = 0 AND a.extraction <> ?2 AND a.fts_done = 1
                  ORDER BY a.id LIMIT ?3",
            )?;
            let split = |s: Option<String>| -> Vec<String> {
                s.unwrap_or_default()
                    .split('|')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let rows = st.query_map(params![feed_id, Extraction::Pending, limit as i64], |r| {
                Ok(Unwatched {
                    id: r.get(0)?,
                    story_id: r.get::<_, Option<i64>>(1)?.unwrap_or(r.get(0)?),
                    site: r.get(2)?,
                    title: r.get(3)?,
                    text: r.get(4)?,
                    lang: r.get(5)?,
                    places: split(r.get(6)?),
                    feeds: split(r.get(7)?),
                })
            })?;
            rows.collect()
        })
    }

    /// With no watch at all: every article of `feed_id` waiting for them
    /// is seen (one statement).
    pub fn mark_all_watched(&self, feed_id: i64) -> Result<usize, StoreError> {
        self.with(|c| {
            c.prepare_cached("UPDATE articles SET watched = 1 WHERE feed_id = ?1 AND watched = 0")?
                .execute([feed_id])
        })
    }

    /// Each feed's name, site and failures in a row: one pass over the
    /// feeds table (what judging an outlet needs, cheap at every pass).
    pub fn feed_failures(&self) -> Result<Vec<(String, Option<String>, i64)>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached("SELECT name, site, consecutive_failures FROM feeds")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })
    }

    /// The watches have seen these articles.
    pub fn mark_watched(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for id in ids {
                tx.prepare_cached("UPDATE articles SET watched = 1 WHERE id = ?1")?
                    .execute([id])?;
            }
            tx.commit()
        })
    }

    /// Records that `watch` matches `article` (once) and queues its
    /// deliveries: `story_update` when another outlet joins a story already
    /// matched, else `article`. Returns the event queued (none when this
    /// article was matched before).
    pub fn record_match(
        &self,
        watch: &WatchConfig,
        article: &ArticleRow,
        story: Option<&StoryRow>,
        now: DateTime<Utc>,
    ) -> Result<Option<&'static str>, StoreError> {
        let now_s = ts(now);
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let seen: Vec<Option<String>> = {
                let mut st = tx.prepare_cached(
                    "SELECT site FROM watch_matches WHERE watch = ?1 AND story_id = ?2",
                )?;
                let rows = st.query_map(params![watch.name, article.story_id], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            // a story's first match, and every new article of an outlet
            // already matched, is an article; another outlet joining the
            // story is an update of it
            let event = if !seen.is_empty() && !seen.contains(&article.site) {
                "story_update"
            } else {
                "article"
            };
            let inserted = tx.prepare_cached("INSERT OR IGNORE INTO watch_matches (watch, article_id, story_id, site, event, matched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
                params![watch.name, article.id, article.story_id, article.site, event, now_s],
            )?;
            let event = Some(event).filter(|_| inserted > 0);
            if let Some(event) = event {
                let payload = serde_json::json!({
                    "watch": watch.name,
                    "event": event,
                    "article": article,
                    "story": story,
                });
                queue(&tx, watch, event, &payload, now)?;
            }
            tx.commit()?;
            Ok(event)
        })
    }

    /// Queues an outlet event (`silence`, `unreachable`, `recovered`) for a
    /// silence watch.
    pub fn queue_event(
        &self,
        watch: &WatchConfig,
        event: &str,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            queue(&tx, watch, event, payload, now)?;
            tx.commit()
        })
    }

    /// Deliveries due at `now`, oldest first.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, watch, target, url, event, payload, attempts FROM deliveries
                  WHERE delivered_at IS NULL AND due <= ?1 ORDER BY due, id LIMIT ?2",
            )?;
            let rows = st.query_map(params![ts(now), limit as i64], delivery_row)?;
            rows.collect()
        })
    }

    /// Every delivery of `watch` to `target` not yet made (a digest).
    pub fn pending_deliveries(
        &self,
        watch: &str,
        target: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, watch, target, url, event, payload, attempts FROM deliveries
                  WHERE delivered_at IS NULL AND watch = ?1 AND target = ?2 ORDER BY id",
            )?;
            let rows = st.query_map(params![watch, target], delivery_row)?;
            rows.collect()
        })
    }

    /// These deliveries were acknowledged (2xx): never sent again.
    pub fn delivered(&self, ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for id in ids {
                tx.prepare_cached(
                    "UPDATE deliveries SET delivered_at = ?2, last_error = NULL WHERE id = ?1",
                )?
                .execute(params![id, ts(now)])?;
            }
            tx.commit()
        })
    }

    /// These deliveries failed; tried again at `next`.
    pub fn delivery_failed(
        &self,
        ids: &[i64],
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for id in ids {
                tx.prepare_cached("UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, due = ?3 WHERE id = ?1")?.execute(
                    params![id, error, ts(next)],
                )?;
            }
            tx.commit()
        })
    }

    /// Matches and deliveries per watch.
    pub fn watch_stats(&self) -> Result<Vec<WatchStat>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT w.watch,
                        (SELECT count(*) FROM watch_matches m WHERE m.watch = w.watch),
                        (SELECT max(matched_at) FROM watch_matches m WHERE m.watch = w.watch),
                        (SELECT count(*) FROM deliveries d WHERE d.watch = w.watch AND d.delivered_at IS NOT NULL),
                        (SELECT count(*) FROM deliveries d WHERE d.watch = w.watch AND d.delivered_at IS NULL),
                        (SELECT last_error FROM deliveries d WHERE d.watch = w.watch AND d.delivered_at IS NULL
                          AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1)
                   FROM (SELECT watch FROM watch_matches UNION SELECT watch FROM deliveries) w
                  ORDER BY w.watch",
            )?;
            let rows = st.query_map([], |r| {
                Ok(WatchStat {
                    watch: r.get(0)?,
                    matches: r.get(1)?,
                    last_match: r.get(2)?,
                    delivered: r.get(3)?,
                    pending: r.get(4)?,
                    last_error: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Items per hour of `site` (all its feeds) from unix hour `from`, and
    /// the hour of its first item.
    pub fn activity(&self, site: &str, from: i64) -> Result<(HourCounts, Option<i64>), StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT hour, sum(items) FROM activity WHERE site = ?1 AND hour >= ?2 GROUP BY hour",
            )?;
            let counts = st
                .query_map(params![site, from], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let first = c.prepare_cached("SELECT min(hour) FROM activity WHERE site = ?1")?.query_row( [site], |r| r.get(0))?;
            Ok((counts, first))
        })
    }

    /// An outlet's last recorded judgement: state, since when, items
    /// expected and seen in the window, when judged.
    pub fn outlet_judged(&self, site: &str) -> Result<Option<Judged>, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT state, since, expected, actual, checked_at FROM outlet_states WHERE site = ?1")?.query_row(
                [site],
                |r| {
                    Ok(Judged {
                        state: r.get(0)?,
                        since: r.get(1)?,
                        expected: r.get(2)?,
                        actual: r.get(3)?,
                        checked_at: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    /// An outlet's last recorded state (text) and since when.
    pub fn outlet_state(&self, site: &str) -> Result<Option<(String, String)>, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT state, since FROM outlet_states WHERE site = ?1")?
                .query_row([site], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
    }

    /// Records an outlet's state (`since` kept while it stays the same).
    pub fn set_outlet_state(
        &self,
        site: &str,
        state: &str,
        expected: f64,
        actual: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "INSERT INTO outlet_states (site, state, since, expected, actual, checked_at)
                 VALUES (?1, ?2, ?5, ?3, ?4, ?5)
                 ON CONFLICT (site) DO UPDATE SET
                    since = CASE WHEN state = excluded.state THEN since ELSE excluded.since END,
                    state = excluded.state, expected = excluded.expected,
                    actual = excluded.actual, checked_at = excluded.checked_at",
            )?
            .execute(params![site, state, expected, actual, ts(now)])
            .map(|_| ())
        })
    }
}

fn delivery_row(r: &rusqlite::Row) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        watch: r.get(1)?,
        target: r.get(2)?,
        url: r.get(3)?,
        event: r.get(4)?,
        payload: r.get(5)?,
        attempts: r.get(6)?,
    })
}

/// One delivery per endpoint of `watch`, due now (or after its digest).
fn queue(
    tx: &Transaction,
    watch: &WatchConfig,
    event: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let body = payload.to_string();
    let due = watch
        .digest
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map_or(now, |d| now + d);
    for (target, url) in [("webhook", &watch.webhook), ("ntfy", &watch.ntfy)] {
        let Some(url) = url else { continue };
        tx.prepare_cached(
            "INSERT INTO deliveries (watch, target, url, event, payload, created_at, due)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            watch.name,
            target,
            url.as_str(),
            event,
            body,
            ts(now),
            ts(due)
        ])?;
    }
    Ok(())
}
