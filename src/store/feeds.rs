//! The feed registry and fetch state: feed rows by name, validators and
//! body hashes, successes and failures, holds (Retry-After, an unfinished
//! parse), the daemon's schedule, and per-feed health.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::*;

impl Store {
    /// Makes sure every configured feed has a row (matched by name; a changed
    /// URL is updated) and returns their ids by name. Feeds no longer in the
    /// config keep their rows and articles.
    pub fn sync_feeds(
        &self,
        feeds: &[FeedConfig],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, i64>, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut ids = HashMap::new();
            for f in feeds {
                tx.prepare_cached(
                    "INSERT INTO feeds (name, url, created, site) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(name) DO UPDATE SET url = excluded.url, site = excluded.site
                     WHERE feeds.url <> excluded.url OR feeds.site IS NOT excluded.site",
                )?
                .execute(params![
                    f.name,
                    f.url.as_str(),
                    ts(now),
                    crate::dedup::site_of(&f.url)
                ])?;
                let id: i64 = tx
                    .prepare_cached("SELECT id FROM feeds WHERE name = ?1")?
                    .query_row([&f.name], |r| r.get(0))?;
                ids.insert(f.name.clone(), id);
            }
            tx.commit()?;
            Ok(ids)
        })
    }

    /// What the last fetches left: validators, body hash, and the time
    /// before which the feed must not be fetched.
    pub fn fetch_state(&self, feed_id: i64) -> Result<FetchState, StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT etag, last_modified, body_hash, blocked_until, consecutive_failures
                 FROM feeds WHERE id = ?1",
            )?
            .query_row([feed_id], |r| {
                Ok(FetchState {
                    validators: Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    },
                    body_hash: r.get(2)?,
                    blocked_until: r
                        .get::<_, Option<String>>(3)?
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    failures: r.get(4)?,
                })
            })
        })
    }

    /// Records that a feed body is about to be parsed: should the process
    /// die on it, the next run finds the feed failed and held back until
    /// `retry_at` (and `rasad feeds` says why).
    pub fn mark_parsing(
        &self,
        feed_id: i64,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "UPDATE feeds SET parsing_since = ?2, blocked_until = ?3,
                        consecutive_failures = consecutive_failures + 1,
                        last_error = ?4 WHERE id = ?1",
            )?
            .execute(params![
                feed_id,
                ts(now),
                ts(retry_at),
                format!(
                    "rasad stopped while parsing this feed (fetched {}); held back until {}",
                    ts(now),
                    ts(retry_at)
                )
            ])?;
            Ok(())
        })
    }

    /// Records a successful fetch. Called after the items are stored, so a
    /// crash in between makes the next poll fetch and store them again.
    pub fn record_success(
        &self,
        feed_id: i64,
        status: FeedStatus,
        fresh: Option<(&Validators, &str)>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // one statement: validators (when new) and the success together
        self.with(|c| {
            c.prepare_cached(
                "UPDATE feeds SET etag = CASE WHEN ?4 THEN ?5 ELSE etag END,
                        last_modified = CASE WHEN ?4 THEN ?6 ELSE last_modified END,
                        body_hash = CASE WHEN ?4 THEN ?7 ELSE body_hash END,
                        last_fetch = ?2, last_success = ?2, last_status = ?3,
                        last_error = NULL, consecutive_failures = 0, parsing_since = NULL,
                        blocked_until = NULL WHERE id = ?1",
            )?
            .execute(params![
                feed_id,
                ts(now),
                status,
                fresh.is_some(),
                fresh.and_then(|(v, _)| v.etag.clone()),
                fresh.and_then(|(v, _)| v.last_modified.clone()),
                fresh.map(|(_, h)| h),
            ])?;
            Ok(())
        })
    }

    /// Records a failed fetch or parse with its reason; `blocked_until`
    /// holds further fetches back (a Retry-After), `None` lifts any hold.
    pub fn record_failure(
        &self,
        feed_id: i64,
        error: &str,
        blocked_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            // a failure counted when its parse began is not counted twice
            c.prepare_cached(
                "UPDATE feeds SET last_fetch = ?2, last_status = ?5, last_error = ?3,
                        consecutive_failures = consecutive_failures
                            + CASE WHEN parsing_since IS NULL THEN 1 ELSE 0 END,
                        parsing_since = NULL, blocked_until = ?4 WHERE id = ?1",
            )?
            .execute(params![
                feed_id,
                ts(now),
                error,
                blocked_until.map(ts),
                FeedStatus::Failed
            ])?;
            Ok(())
        })
    }

    /// Stores several feeds' schedules (id, next poll, disabled) in one
    /// transaction.
    pub fn set_schedules(&self, list: &[(i64, DateTime<Utc>, bool)]) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut st = tx.prepare_cached(
                    "UPDATE feeds SET next_poll = ?2, disabled = ?3 WHERE id = ?1",
                )?;
                for (id, next, disabled) in list {
                    st.execute(params![id, ts(*next), disabled])?;
                }
            }
            tx.commit()
        })
    }

    /// Stores a feed's new address after a permanent redirect.
    pub fn update_feed_url(&self, feed_id: i64, url: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached("UPDATE feeds SET url = ?2, site = ?3 WHERE id = ?1")?
                .execute(params![
                    feed_id,
                    url,
                    url::Url::parse(url)
                        .ok()
                        .as_ref()
                        .and_then(crate::dedup::site_of)
                ])?;
            Ok(())
        })
    }

    /// Health of every feed that has a row, configured or not.
    pub fn feed_health(&self) -> Result<Vec<FeedHealth>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT f.name, f.url, f.last_success, f.last_error, f.consecutive_failures,
                        (SELECT count(DISTINCT s.article_id) FROM sightings s WHERE s.feed_id = f.id),
                        f.next_poll, f.disabled, f.blocked_until,
                        (SELECT count(*) FROM articles a WHERE a.feed_id = f.id
                           AND a.extraction_error IS NOT NULL AND a.extraction <> ?1),
                        (SELECT a.extraction_error FROM articles a WHERE a.feed_id = f.id
                           AND a.extraction_error IS NOT NULL AND a.extraction <> ?1
                         ORDER BY a.updated DESC LIMIT 1)
                 FROM feeds f ORDER BY f.name",
            )?;
            let rows = st.query_map([Extraction::Ok], |r| {
                Ok(FeedHealth {
                    name: r.get(0)?,
                    url: r.get(1)?,
                    last_success: r.get(2)?,
                    last_error: r.get(3)?,
                    consecutive_failures: r.get(4)?,
                    articles: r.get(5)?,
                    next_poll: r.get(6)?,
                    disabled: r.get(7)?,
                    held_until: r.get(8)?,
                    pages_failed: r.get(9)?,
                    last_page_error: r.get(10)?,
                })
            })?;
            rows.collect()
        })
    }
}
