//! The page queue: which articles' pages to fetch, each attempt recorded
//! before it is made, and the outcome saved (page text, or the feed text
//! kept with a retry time).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::*;
use crate::dedup::Fingerprint;

impl Store {
    /// Pages to fetch for a feed: articles still `pending`, and `failed`
    /// ones whose retry time has come (`force`: every one of them).
    pub fn page_jobs(
        &self,
        feed_id: i64,
        now: DateTime<Utc>,
        limit: usize,
        force: bool,
    ) -> Result<Vec<PageJob>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.id, a.key, COALESCE(
                        (SELECT s.url FROM sightings s WHERE s.article_id = a.id AND s.feed_id = ?1
                         ORDER BY s.first_seen LIMIT 1), a.url)
                 FROM articles a
                 WHERE a.feed_id = ?1 AND a.url IS NOT NULL
                   AND a.extraction IN (?5, ?6)
                   AND (?4 OR a.next_extraction IS NULL OR a.next_extraction <= ?2)
                 ORDER BY a.id LIMIT ?3",
            )?;
            let args = params![
                feed_id,
                ts(now),
                limit as i64,
                force,
                Extraction::Pending,
                Extraction::Failed
            ];
            let rows = st.query_map(args, |r| {
                Ok(PageJob {
                    article_id: r.get(0)?,
                    key: r.get(1)?,
                    url: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Whether the feed has a page to read or an article to re-check now:
    /// one read, so a quiet pass (a 304) asks nothing more.
    pub fn has_page_work(
        &self,
        feed_id: i64,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<bool, StoreError> {
        self.with(|c| {
            one(
                c,
                "SELECT EXISTS (SELECT 1 FROM articles
                   WHERE feed_id = ?1 AND url IS NOT NULL AND extraction IN (?4, ?5)
                     AND (?3 OR next_extraction IS NULL OR next_extraction <= ?2))
                 OR EXISTS (SELECT 1 FROM articles
                   WHERE feed_id = ?1 AND next_check IS NOT NULL AND next_check <= ?2)",
                params![
                    feed_id,
                    ts(now),
                    force,
                    Extraction::Pending,
                    Extraction::Failed
                ],
                |r| r.get(0),
            )
        })
    }

    /// Records that these pages are about to be fetched and parsed (one
    /// transaction for all): one attempt more each, and a retry time, so a
    /// process that dies on a page backs it off on the next run like any
    /// failure. Returns the jobs whose article is still the one they name.
    pub fn claim_pages(
        &self,
        jobs: Vec<PageJob>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PageJob>, StoreError> {
        if jobs.is_empty() {
            return Ok(jobs); // no write lock for nothing
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut claimed = Vec::with_capacity(jobs.len());
            {
                let mut get = tx.prepare_cached(
                    "SELECT extraction_attempts FROM articles WHERE id = ?1 AND key = ?2",
                )?;
                let mut set = tx.prepare_cached(
                    "UPDATE articles SET extraction_attempts = extraction_attempts + 1,
                        next_extraction = ?2, extraction_error = ?3 WHERE id = ?1",
                )?;
                for job in jobs {
                    let attempts: Option<i64> = get
                        .query_row(params![job.article_id, job.key], |r| r.get(0))
                        .optional()?;
                    let Some(attempts) = attempts else { continue };
                    let next = now + crate::scheduler::page_retry_wait(attempts);
                    set.execute(params![
                        job.article_id,
                        ts(next),
                        format!(
                            "rasad stopped while reading this page ({}); retried after {}",
                            ts(now),
                            ts(next)
                        )
                    ])?;
                    claimed.push(job);
                }
            }
            tx.commit()?;
            Ok(claimed)
        })
    }

    /// Saves the outcome of fetching and extracting an article's page. A
    /// failure keeps the feed text and schedules a retry with backoff; a
    /// page read is a version of the article (when it says something new)
    /// and, the first time, sets its first re-check (`first_check`).
    /// Returns false (and writes nothing) when the article is no longer the
    /// one the job named (merged away meanwhile).
    pub fn save_extraction(
        &self,
        job: &PageJob,
        result: &PageResult,
        now: DateTime<Utc>,
        first_check: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let saved = save_extraction_in(&tx, job, result, now, first_check)?;
            tx.commit()?;
            Ok(saved)
        })
    }

    /// A page's whole save in one transaction: the extraction saved
    /// ([`Store::save_extraction`]); a page read then merged into an older
    /// exact repeat of its site ([`Store::merge_exact_repeat`]), else linked
    /// into the story of a near-duplicate by its text's fingerprint
    /// ([`Store::link_story`]); and the outlet's template ring changed
    /// ([`Store::update_template_ring`]).
    pub fn save_page(&self, page: &PageSave, now: DateTime<Utc>) -> PageSaved {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let saved = save_page_in(&tx, page, now)?;
            stories::settle_bands(&tx, stories::BANDS_STAGED);
            tx.commit()?;
            Ok(saved)
        })
    }

    /// Several pages' saves ([`Store::save_page`]) in one transaction, each
    /// in its own savepoint: a page that fails is rolled back alone and
    /// answered with its error. Should the transaction itself fail (its
    /// start or its commit), each page is saved again on its own.
    pub fn save_pages(&self, pages: &[PageSave], now: DateTime<Utc>) -> Vec<PageSaved> {
        if pages.len() == 1 {
            return vec![self.save_page(&pages[0], now)];
        }
        let batch = self.with(|c| {
            let mut tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::with_capacity(pages.len());
            for page in pages {
                let sp = tx.savepoint()?;
                // dropped without a commit, a savepoint rolls back
                match save_page_in(&sp, page, now) {
                    Ok(saved) => {
                        sp.commit()?;
                        out.push(Ok(saved));
                    }
                    Err(e) => out.push(Err(e)),
                }
            }
            stories::settle_bands(&tx, stories::BANDS_STAGED);
            tx.commit()?;
            Ok(out)
        });
        match batch {
            Ok(out) => out
                .into_iter()
                .map(|r| r.map_err(|e| self.error(e)))
                .collect(),
            Err(_) => pages.iter().map(|p| self.save_page(p, now)).collect(),
        }
    }
}

/// One page's save: what [`Store::save_page`] takes.
pub struct PageSave {
    pub job: PageJob,
    pub result: PageResult,
    /// The article's first re-check, set the first time its page is read.
    pub first_check: Option<DateTime<Utc>>,
    /// The fingerprint of the page's text, which links it into a story,
    /// and its band keys.
    pub fp: Option<(Fingerprint, Vec<i64>)>,
    /// The page's outlet and how its template ring changes.
    pub ring: Option<(String, RingChange)>,
}

/// Whether the article was still the one the job named, and the outlet's
/// ring as it now is.
pub type PageSaved = Result<(bool, Option<Vec<u8>>), StoreError>;

/// [`Store::save_page`] on `c`, within the caller's transaction.
fn save_page_in(
    c: &Connection,
    page: &PageSave,
    now: DateTime<Utc>,
) -> rusqlite::Result<(bool, Option<Vec<u8>>)> {
    let still_there = save_extraction_in(c, &page.job, &page.result, now, page.first_check)?;
    let id = page.job.article_id;
    if let (true, PageResult::Ok { .. }) = (still_there, &page.result) {
        let kept = stories::merge_exact_repeat_in(c, id, MIN_BODY_MERGE_CHARS)?;
        if let (Some((fp, bands)), true) = (&page.fp, kept == Some(id)) {
            stories::link_story_in(c, id, bands, |other| {
                fp.same_story(&Fingerprint::new(other))
            })?;
        }
    }
    let ring = match &page.ring {
        Some((outlet, change)) => templates::update_ring_in(c, outlet, now, change)?,
        None => None,
    };
    Ok((still_there, ring))
}

/// How an outlet's template ring changes: from the stored bytes to the
/// new ones (none: no change).
pub type RingChange = Box<dyn Fn(Option<Vec<u8>>) -> Option<Vec<u8>> + Send>;

/// [`Store::save_extraction`] within `tx`.
fn save_extraction_in(
    tx: &Connection,
    job: &PageJob,
    result: &PageResult,
    now: DateTime<Utc>,
    first_check: Option<DateTime<Utc>>,
) -> rusqlite::Result<bool> {
    let now_s = ts(now);
    let attempts: Option<i64> = one(
        tx,
        "SELECT extraction_attempts FROM articles WHERE id = ?1 AND key = ?2",
        params![job.article_id, job.key],
        |r| r.get(0),
    )
    .optional()?;
    let Some(attempts) = attempts else {
        return Ok(false);
    };
    match result {
        PageResult::Ok { .. } => {
            write_page(tx, job, result, &now_s, first_check)?;
        }
        PageResult::Failed { error } => {
            // the attempt was counted when it began
            let next = now + crate::scheduler::page_retry_wait(attempts - 1);
            tx.prepare_cached(
                "UPDATE articles SET extraction = ?5, extraction_error = ?2,
                            next_extraction = ?3, updated = ?4
                         WHERE id = ?1",
            )?
            .execute(params![
                job.article_id,
                error,
                ts(next),
                now_s,
                Extraction::Failed
            ])?;
        }
    }
    Ok(true)
}

/// Writes a page read into its article (text, HTML, what the page said,
/// provenance chosen again, its first re-check when it has none) and keeps
/// it as a version when it says something new. A failure writes nothing
/// here.
pub(super) fn write_page(
    tx: &Connection,
    job: &PageJob,
    result: &PageResult,
    now_s: &str,
    first_check: Option<DateTime<Utc>>,
) -> rusqlite::Result<()> {
    let PageResult::Ok {
        text,
        html,
        title,
        author,
        published,
        lang,
        evidence,
        digest,
    } = result
    else {
        return Ok(());
    };
    // made with the extraction, else here: one normalization serves the
    // content hash and the version's
    let digest = match digest {
        Some(d) => std::borrow::Cow::Borrowed(d),
        None => std::borrow::Cow::Owned(TextDigest::of_normalized(
            title.as_deref(),
            &crate::text::normalize(text),
        )),
    };
    tx.prepare_cached(
        "UPDATE articles SET text_source = ?9, extraction = ?10,
            extraction_error = NULL, next_extraction = NULL,
            content_hash = ?2, page_title = ?3, updated = ?4, fts_done = 0,
            page_author = ?5, page_published = ?6,
            lang = COALESCE(lang, ?7),
            next_check = CASE WHEN next_check IS NULL AND checks = 0 THEN ?8 ELSE next_check END
         WHERE id = ?1",
    )?
    .execute(params![
        job.article_id,
        digest.content_hash,
        title,
        now_s,
        author,
        published.map(ts),
        lang,
        first_check.map(ts),
        TextSource::Page,
        Extraction::Ok,
    ])?;
    tx.prepare_cached(
        "INSERT INTO article_texts (article_id, text, html) VALUES (?1, ?2, ?3)
         ON CONFLICT (article_id) DO UPDATE SET text = excluded.text, html = excluded.html",
    )?
    .execute(params![job.article_id, text, html])?;
    ingest::resolve_provenance(tx, job.article_id, now_s)?;
    let reading = versions::Reading {
        source: VersionSource::Page,
        feed_id: None,
        url: Some(
            evidence
                .as_deref()
                .map_or(job.url.as_str(), |e| e.url.as_str()),
        ),
        title: title.as_deref(),
        text,
        hash: Some(&digest.version_hash),
        evidence: evidence.as_deref(),
    };
    versions::record_version(tx, job.article_id, &reading, now_s)?;
    Ok(())
}
