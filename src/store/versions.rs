//! Versions, takedowns and evidence: what an article said each time it
//! said something else (compared on normalized text), when its page was
//! taken down or came back, and the raw bodies as received (zstd, with
//! their SHA-256; the hash outlives the body when the budget prunes it).
//! Raw bodies and versions are written once and never edited.

use std::io::Read;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::*;

/// Largest raw body read back (a page is capped far below).
const MAX_RAW_READ: u64 = 64 * 1024 * 1024;

/// The hash versions are compared by: title and text normalized (tashkeel,
/// letter forms, digits' script, whitespace and case do not count; a
/// changed digit does).
pub fn norm_hash(title: Option<&str>, text: &str) -> String {
    norm_hash_of(title, &crate::text::normalize(text))
}

/// [`norm_hash`] of a text already normalized (`text::normalize`, whose
/// words are single-space separated already).
pub fn norm_hash_of(title: Option<&str>, normalized_text: &str) -> String {
    let t = crate::text::normalize(title.unwrap_or(""));
    let mut h = Sha256::new();
    h.update(t.as_bytes());
    h.update([0]);
    h.update(normalized_text.as_bytes());
    crate::text::hex(&h.finalize())
}

/// SHA-256 of raw bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::text::hex(&Sha256::digest(bytes))
}

thread_local! {
    /// A compression context per blocking thread: made once, not per body
    /// (a cache of work, holding nothing between bodies).
    static PACKER: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// `body` as one zstd frame (level 1: raw bodies are written for every
/// page read, and level 3 cost twice the CPU for a few percent of size).
fn pack(body: &[u8]) -> std::io::Result<Vec<u8>> {
    PACKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let packer = match slot.as_mut() {
            Some(p) => p,
            None => slot.insert(zstd::bulk::Compressor::new(1)?),
        };
        packer.compress(body)
    })
}

impl Evidence {
    /// Hashes and compresses the body now (call it where CPU work belongs),
    /// and lets the body go: only its hash, size and compressed form are
    /// stored, and a page waiting to be saved holds no more.
    pub fn seal(&mut self) {
        if self.sealed.is_none() {
            if let Ok(packed) = pack(&self.body) {
                self.sealed = Some(Sealed {
                    sha256: sha256_hex(&self.body),
                    size: self.body.len() as u64,
                    packed,
                });
                self.body = Vec::new();
            }
        }
    }
}

/// Keeps `e` (once per distinct body); its row id.
pub(super) fn keep_raw(tx: &Connection, e: &Evidence) -> rusqlite::Result<i64> {
    let sha = match &e.sealed {
        Some(s) => s.sha256.clone(),
        None => sha256_hex(&e.body),
    };
    if let Some(id) = one(
        tx,
        "SELECT id FROM raw_bodies WHERE sha256 = ?1",
        [&sha],
        |r| r.get(0),
    )
    .optional()?
    {
        return Ok(id);
    }
    let packed = match &e.sealed {
        Some(s) => std::borrow::Cow::Borrowed(&s.packed),
        None => std::borrow::Cow::Owned(
            pack(&e.body).map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?,
        ),
    };
    let headers = serde_json::to_string(&e.headers).unwrap_or_else(|_| "[]".into());
    exec(
        tx,
        "INSERT INTO raw_bodies (sha256, url, status, headers, fetched_at, size, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            sha,
            e.url,
            e.status,
            headers,
            ts(e.fetched_at),
            e.sealed.as_ref().map_or(e.body.len() as u64, |s| s.size) as i64,
            packed.as_slice()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// What a new reading of an article said.
pub(super) struct Reading<'a> {
    pub source: VersionSource,
    pub feed_id: Option<i64>,
    pub url: Option<&'a str>,
    pub title: Option<&'a str>,
    pub text: &'a str,
    /// The version hash of `title` and `text`, when the caller made it
    /// already ([`norm_hash`]).
    pub hash: Option<&'a str>,
    pub evidence: Option<&'a Evidence>,
}

/// Stores `r` as a new version of `article` unless it says what the last
/// version from the same source said; true when stored. A second version
/// from one source marks the article `changed`.
pub(super) fn record_version(
    tx: &Connection,
    article: i64,
    r: &Reading,
    now: &str,
) -> rusqlite::Result<bool> {
    let last: Option<(String, Option<String>, String)> = one(
        tx,
        "SELECT norm_hash, title, text FROM versions WHERE article_id = ?1 AND source = ?2
           AND feed_id IS ?3 ORDER BY id DESC LIMIT 1",
        params![article, r.source, r.feed_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .optional()?;
    // the same words exactly: no need to normalize to know
    if let Some((_, title, text)) = &last {
        if title.as_deref() == r.title && text == r.text {
            return Ok(false);
        }
    }
    let hash = match r.hash {
        Some(h) => h.to_string(),
        None => norm_hash(r.title, r.text),
    };
    let last = last.map(|(h, _, _)| h);
    if last.as_deref() == Some(hash.as_str()) {
        return Ok(false);
    }
    // a page's body is kept with each of its versions; a feed document
    // only with an edit (its first listing is the page's to prove)
    let evidence = r
        .evidence
        .filter(|_| r.source == VersionSource::Page || last.is_some());
    let raw = evidence.map(|e| keep_raw(tx, e)).transpose()?;
    exec(
        tx,
        "INSERT INTO versions (article_id, seen_at, source, feed_id, url, title, text, norm_hash, raw_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![article, now, r.source, r.feed_id, r.url, r.title, r.text, hash, raw],
    )?;
    if last.is_some() {
        exec(
            tx,
            "UPDATE articles SET changed_at = ?2,
                status = CASE WHEN status = ?3 THEN status ELSE ?4 END
             WHERE id = ?1",
            params![article, now, ArticleStatus::Removed, ArticleStatus::Changed],
        )?;
    }
    Ok(true)
}

/// What a re-check saw: the answer's status and URL, why it counts, the
/// body as received.
pub(super) struct Seen<'a> {
    pub status: Option<u16>,
    pub url: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub evidence: Option<&'a Evidence>,
}

/// Records a takedown or a restore (with the response, when kept) and sets
/// the article's status accordingly.
pub(super) fn record_event(
    tx: &Transaction,
    article: i64,
    kind: EventKind,
    seen: &Seen,
    now: &str,
) -> rusqlite::Result<()> {
    let raw = seen.evidence.map(|e| keep_raw(tx, e)).transpose()?;
    exec(
        tx,
        "INSERT INTO article_events (article_id, kind, seen_at, status, url, detail, raw_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![article, kind, now, seen.status, seen.url, seen.detail, raw],
    )?;
    let status = match kind {
        EventKind::Removed => ArticleStatus::Removed,
        EventKind::Restored if revised(tx, article)? => ArticleStatus::Changed,
        EventKind::Restored => ArticleStatus::Live,
    };
    exec(
        tx,
        "UPDATE articles SET status = ?2, changed_at = ?3 WHERE id = ?1",
        params![article, status, now],
    )?;
    Ok(())
}

/// Whether some source gave the article more than one version.
fn revised(c: &Connection, article: i64) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM versions WHERE article_id = ?1
           GROUP BY source, feed_id HAVING count(*) > 1)",
    )?
    .query_row([article], |r| r.get(0))
}

impl Store {
    /// An article's versions, oldest first, and its events.
    pub fn history(&self, article: i64) -> Result<(Vec<VersionRow>, Vec<EventRow>), StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT v.seen_at, v.title, v.text, v.source, f.name, v.url, r.sha256, v.raw_id
                   FROM versions v LEFT JOIN feeds f ON f.id = v.feed_id
                   LEFT JOIN raw_bodies r ON r.id = v.raw_id
                  WHERE v.article_id = ?1 ORDER BY v.id",
            )?;
            let versions = st
                .query_map([article], |r| {
                    Ok(VersionRow {
                        version: 0,
                        seen_at: r.get(0)?,
                        title: r.get(1)?,
                        text: r.get(2)?,
                        source: r.get(3)?,
                        feed: r.get(4)?,
                        url: r.get(5)?,
                        sha256: r.get(6)?,
                        raw_id: r.get(7)?,
                    })
                })?
                .enumerate()
                .map(|(i, v)| {
                    v.map(|mut v| {
                        v.version = i + 1;
                        v
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut st = c.prepare_cached(
                "SELECT e.kind, e.seen_at, e.status, e.url, e.detail, r.sha256, e.raw_id
                   FROM article_events e LEFT JOIN raw_bodies r ON r.id = e.raw_id
                  WHERE e.article_id = ?1 ORDER BY e.id",
            )?;
            let events = st
                .query_map([article], |r| {
                    Ok(EventRow {
                        event: r.get(0)?,
                        seen_at: r.get(1)?,
                        status: r.get(2)?,
                        url: r.get(3)?,
                        detail: r.get(4)?,
                        sha256: r.get(5)?,
                        raw_id: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((versions, events))
        })
    }

    /// A raw body with its record, decompressed (`body` is `None` once
    /// pruned).
    pub fn raw_body(&self, id: i64) -> Result<Option<RawRow>, StoreError> {
        let row = self.with(|c| {
            c.prepare_cached(
                "SELECT id, sha256, url, status, headers, fetched_at, size, body
                   FROM raw_bodies WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    RawRow {
                        id: r.get(0)?,
                        sha256: r.get(1)?,
                        url: r.get(2)?,
                        status: r.get(3)?,
                        headers: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                        fetched_at: r.get(5)?,
                        size: r.get::<_, i64>(6)?.max(0) as u64,
                        body: None,
                    },
                    r.get::<_, Option<Vec<u8>>>(7)?,
                ))
            })
            .optional()
        })?;
        let Some((mut row, packed)) = row else {
            return Ok(None);
        };
        if let Some(packed) = packed {
            let mut out = Vec::new();
            let read = zstd::stream::read::Decoder::new(&packed[..])
                .and_then(|d| d.take(MAX_RAW_READ.min(row.size + 1)).read_to_end(&mut out));
            if let Err(source) = read {
                return Err(StoreError::Io {
                    path: self.path.clone(),
                    what: "a stored raw body does not decompress",
                    source,
                });
            }
            row.body = Some(out);
        }
        Ok(Some(row))
    }

    /// Drops the oldest raw bodies (their hashes and records stay) until
    /// the kept ones take at most `max_bytes` compressed; how many were
    /// dropped.
    pub fn prune_raw(&self, max_bytes: u64) -> Result<usize, StoreError> {
        let kept: i64 = self.with(|c| {
            c.prepare_cached("SELECT kept FROM raw_budget")?
                .query_row([], |r| r.get(0))
        })?;
        if kept <= max_bytes.min(i64::MAX as u64) as i64 {
            return Ok(0); // no write lock for nothing
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // kept exact by triggers: no scan while under the budget
            let total: i64 = one(&tx, "SELECT kept FROM raw_budget", [], |r| r.get(0))?;
            let mut over = total - max_bytes.min(i64::MAX as u64) as i64;
            let mut dropped = 0;
            if over > 0 {
                let mut st = tx.prepare_cached(
                    "SELECT id, length(body) FROM raw_bodies WHERE body IS NOT NULL
                      ORDER BY fetched_at, id",
                )?;
                let rows: Vec<(i64, i64)> = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                drop(st);
                for (id, len) in rows {
                    if over <= 0 {
                        break;
                    }
                    exec(&tx, "UPDATE raw_bodies SET body = NULL WHERE id = ?1", [id])?;
                    over -= len;
                    dropped += 1;
                }
            }
            tx.commit()?;
            Ok(dropped)
        })
    }

    /// Articles of this feed whose re-check is due, within the per-site
    /// budget (`per_hour` re-checks of the feed's site in the last hour),
    /// claimed: each gets a later check time before it is read, so a
    /// process that dies on one does not read it again at once.
    pub fn claim_rechecks(
        &self,
        feed_id: i64,
        now: DateTime<Utc>,
        limit: usize,
        per_hour: usize,
    ) -> Result<Vec<RecheckJob>, StoreError> {
        let now_s = ts(now);
        let hour_ago = ts(now - chrono::Duration::hours(1));
        // most passes have nothing due: no write lock for them
        let any_due: bool = self.with(|c| {
            one(
                c,
                "SELECT EXISTS (SELECT 1 FROM articles
                  WHERE feed_id = ?1 AND next_check IS NOT NULL AND next_check <= ?2)",
                params![feed_id, now_s],
                |r| r.get(0),
            )
        })?;
        if !any_due {
            return Ok(Vec::new());
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let site: Option<String> = one(
                &tx,
                "SELECT site FROM feeds WHERE id = ?1",
                [feed_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
            let done: i64 = one(
                &tx,
                "SELECT count(*) FROM articles WHERE site IS ?1 AND checked_at >= ?2",
                params![site, hour_ago],
                |r| r.get(0),
            )?;
            let room = (per_hour as i64 - done).clamp(0, limit as i64);
            let jobs: Vec<RecheckJob> = {
                let mut st = tx.prepare_cached(
                    "SELECT id, key, url FROM articles
                      WHERE feed_id = ?1 AND next_check IS NOT NULL AND next_check <= ?2
                        AND url IS NOT NULL
                      ORDER BY next_check LIMIT ?3",
                )?;
                let rows = st.query_map(params![feed_id, now_s, room], |r| {
                    Ok(PageJob {
                        article_id: r.get(0)?,
                        key: r.get(1)?,
                        url: r.get(2)?,
                    })
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let later = ts(now + chrono::Duration::hours(1));
            for j in &jobs {
                exec(
                    &tx,
                    "UPDATE articles SET next_check = ?2, checked_at = ?3 WHERE id = ?1",
                    params![j.article_id, later, now_s],
                )?;
            }
            tx.commit()?;
            Ok(jobs)
        })
    }

    /// The outcome of a re-check: the page as read (a new version when it
    /// says something else; a restore when it had been taken down), or a
    /// takedown, or nothing learned (`Unreachable`); then the next check,
    /// from the time since the article last changed.
    pub fn save_recheck(
        &self,
        job: &RecheckJob,
        outcome: &RecheckOutcome,
        now: DateTime<Utc>,
        next_wait: impl Fn(chrono::Duration) -> Option<chrono::Duration>,
    ) -> Result<bool, StoreError> {
        let now_s = ts(now);
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let row: Option<(ArticleStatus, Option<String>, String)> = one(
                &tx,
                "SELECT status, changed_at, first_seen FROM articles WHERE id = ?1 AND key = ?2",
                params![job.article_id, job.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
            let Some((status, _, _)) = row else {
                return Ok(false);
            };
            match outcome {
                RecheckOutcome::Read(result) => {
                    if status == ArticleStatus::Removed {
                        let evidence = match result {
                            PageResult::Ok { evidence, .. } => evidence.as_deref(),
                            PageResult::Failed { .. } => None,
                        };
                        let seen = Seen {
                            status: evidence.map(|e| e.status),
                            url: Some(evidence.map_or(job.url.as_str(), |e| e.url.as_str())),
                            detail: None,
                            evidence,
                        };
                        record_event(&tx, job.article_id, EventKind::Restored, &seen, &now_s)?;
                    }
                    pages::write_page(&tx, job, result, &now_s, None)?;
                }
                RecheckOutcome::Gone {
                    status: code,
                    url,
                    detail,
                    evidence,
                } => {
                    if status != ArticleStatus::Removed {
                        let seen = Seen {
                            status: *code,
                            url: Some(url),
                            detail: Some(detail),
                            evidence: evidence.as_deref(),
                        };
                        record_event(&tx, job.article_id, EventKind::Removed, &seen, &now_s)?;
                    }
                }
                RecheckOutcome::Unreachable { .. } => {}
            }
            schedule_check(&tx, job.article_id, now, &next_wait)?;
            tx.commit()?;
            Ok(true)
        })
    }
}

/// Sets the next check of `article` from the time since it last changed
/// (its first sighting when it never did); none once `next_wait` says so.
pub(super) fn schedule_check(
    tx: &Transaction,
    article: i64,
    now: DateTime<Utc>,
    next_wait: &dyn Fn(chrono::Duration) -> Option<chrono::Duration>,
) -> rusqlite::Result<()> {
    let since: String = one(
        tx,
        "SELECT COALESCE(changed_at, first_seen) FROM articles WHERE id = ?1",
        [article],
        |r| r.get(0),
    )?;
    let since = DateTime::parse_from_rfc3339(&since)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let next = next_wait(now - since).map(|w| ts(now + w));
    exec(
        tx,
        "UPDATE articles SET next_check = ?2, checked_at = ?3, checks = checks + 1 WHERE id = ?1",
        params![article, next, ts(now)],
    )?;
    Ok(())
}

/// What a re-check of an article's page found.
#[derive(Debug)]
pub enum RecheckOutcome {
    /// The page, read and extracted.
    Read(PageResult),
    /// Taken down: 404/410, a redirect to the home or a section page, a
    /// page with no article any more.
    Gone {
        status: Option<u16>,
        url: String,
        detail: String,
        evidence: Option<Box<Evidence>>,
    },
    /// Nothing learned (a network error, 5xx): checked again later.
    Unreachable { error: String },
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The version hash as it was computed before `norm_hash_of`: each
    /// normalized field's words joined again by single spaces. Stored
    /// hashes must not change, or a re-check would record false edits.
    fn norm_hash_before(title: Option<&str>, text: &str) -> String {
        use sha2::{Digest, Sha256};
        let join = |s: &str| {
            crate::text::normalize(s)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut h = Sha256::new();
        h.update(join(title.unwrap_or("")).as_bytes());
        h.update([0]);
        h.update(join(text).as_bytes());
        crate::text::hex(&h.finalize())
    }

    proptest! {
        #[test]
        fn the_version_hash_is_what_it_was(
            title in proptest::option::of("[ \\t\\n\u{a0}\u{2002}\u{3000}\u{200b}\u{200f}a-zA-Zأإآىةؤئ٠-٩ـًُ.،«»-]{0,40}"),
            text in "[ \\t\\r\\n\u{a0}\u{2002}\u{3000}\u{200b}\u{202a}\u{feff}\u{fb50}-\u{fb60}ﻻa-zA-Zقامشلي٠-٩۰-۹ـًٌٍَُِّْ“”.،؟-]{0,200}",
        ) {
            prop_assert_eq!(
                super::norm_hash(title.as_deref(), &text),
                norm_hash_before(title.as_deref(), &text)
            );
        }
    }
}
