//! The SQLite store: the only module that knows rusqlite.
//!
//! Owns: opening (WAL, foreign keys, refusing foreign files), migrations,
//! and every query. Feeds and their fetch state, articles, and sightings
//! (which feed saw which article under which URL, and when). Calls are
//! blocking: async callers run them on `spawn_blocking`. Each write is one
//! short transaction, so a crash loses at most the write in progress.

mod ingest;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::config::FeedConfig;
use crate::fetch::Validators;

pub use ingest::TitleSource;
pub use schema::APPLICATION_ID;

/// Where an article's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    Page,
    Feed,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Page => "page",
            TextSource::Feed => "feed",
        }
    }
}

/// State of an article's page extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extraction {
    Ok,
    Failed,
    Pending,
    Skipped,
}

impl Extraction {
    pub fn as_str(self) -> &'static str {
        match self {
            Extraction::Ok => "ok",
            Extraction::Failed => "failed",
            Extraction::Pending => "pending",
            Extraction::Skipped => "skipped",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a rasad database ({reason}); the file was not modified")]
    Foreign { path: PathBuf, reason: String },
    #[error("{path}: the database was written by a newer rasad (schema {found}, this one knows {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path}: the disk is full (or the database reached its size cap); nothing committed was lost, and polling resumes when space returns")]
    Full { path: PathBuf },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: {what}: {source}")]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// A feed item ready to be stored.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Identity key: canonical URL, else `guid:<feed id>:<guid>`, else `hash:<content hash>`.
    pub key: String,
    /// Canonical URL, if the item had a link.
    pub url: Option<String>,
    /// The link as the feed gave it.
    pub original_url: Option<String>,
    pub guid: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    /// The feed's own text.
    pub summary: String,
    /// Whether the page will be fetched (`pending`) or not (`skipped`).
    pub scrape: bool,
    /// The article's site (registrable domain of its URL, else of its feed).
    pub site: Option<String>,
}

/// What storing an item did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub article_id: i64,
    /// True when this item created a new article.
    pub new: bool,
}

/// A page extraction result for [`Store::save_extraction`].
#[derive(Debug, Clone)]
pub enum PageResult {
    Ok {
        text: String,
        /// Sanitized body HTML.
        html: String,
        /// Page metadata, used only where the feed gave none.
        title: Option<String>,
        author: Option<String>,
        published: Option<DateTime<Utc>>,
        lang: Option<String>,
    },
    Failed {
        error: String,
    },
}

/// An article whose page should be fetched. `key` names the article too:
/// the result is saved only if the article is still there under that key.
#[derive(Debug, Clone)]
pub struct PageJob {
    pub article_id: i64,
    pub key: String,
    pub url: String,
}

/// One sighting as exported: what one feed said about an article.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SightingRow {
    pub feed: String,
    /// The feed's outlet (its host without `www.`).
    #[serde(default)]
    pub outlet: Option<String>,
    /// The link as that feed gave it.
    pub url: String,
    /// The title as that feed gave it.
    pub title: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    #[serde(skip_serializing, default)]
    pub feed_url: String,
}

/// One article as exported (the data contract of design.md).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub story_id: i64,
    pub url: Option<String>,
    pub urls: Vec<String>,
    pub feed: String,
    pub feeds: Vec<String>,
    pub outlet: Option<String>,
    /// Registrable domain of the article (its outlet's site).
    pub site: Option<String>,
    pub title: Option<String>,
    /// Where title, author and date came from: `page`, `site_feed` (a feed
    /// of the article's own site) or `first_sighting`.
    pub title_source: String,
    pub author: Option<String>,
    pub published: Option<String>,
    pub first_seen: String,
    pub lang: Option<String>,
    pub summary: String,
    pub text: String,
    pub text_source: String,
    pub extraction: String,
    pub places: Vec<String>,
    pub content_hash: String,
    /// Every sighting: which feed listed it, under which URL and title, when.
    pub sightings: Vec<SightingRow>,
    /// Relevance (higher is better), in search results only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Sanitized body HTML (for Atom), not part of the JSON/CSV contract.
    #[serde(skip)]
    pub html: Option<String>,
}

/// One article of a story.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryMember {
    pub id: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub site: Option<String>,
    /// The article's primary feed (of its own site when one listed it).
    pub feed: String,
    pub feeds: Vec<String>,
    pub first_seen: String,
    pub published: Option<String>,
}

/// One story: syndicated copies of one text, with who carried it and who was first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryRow {
    pub story_id: i64,
    pub title: Option<String>,
    pub first_seen: String,
    pub first_outlet: Option<String>,
    pub first_feed: Option<String>,
    pub outlets: Vec<String>,
    pub feeds: Vec<String>,
    pub articles: Vec<StoryMember>,
}

impl StoryRow {
    fn new(story_id: i64, first: StoryMember) -> StoryRow {
        let mut s = StoryRow {
            story_id,
            title: first.title.clone(),
            first_seen: first.first_seen.clone(),
            first_outlet: first.outlet.clone(),
            first_feed: Some(first.feed.clone()),
            outlets: Vec::new(),
            feeds: Vec::new(),
            articles: Vec::new(),
        };
        s.add(first);
        s
    }

    fn add(&mut self, m: StoryMember) {
        if let Some(o) = &m.outlet {
            if !self.outlets.contains(o) {
                self.outlets.push(o.clone());
            }
        }
        for f in &m.feeds {
            if !self.feeds.contains(f) {
                self.feeds.push(f.clone());
            }
        }
        self.articles.push(m);
    }
}

/// Which articles to export.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub feeds: Vec<String>,
    /// Language code (`ar`, `ckb`, …).
    pub lang: Option<String>,
    /// Place id from the gazetteer.
    pub place: Option<String>,
    /// An FTS5 query over the search form (see `text::fts_query`).
    pub query: Option<String>,
    /// Order by relevance (bm25) instead of first seen.
    pub rank: bool,
    pub limit: Option<usize>,
    /// Group rows by story (stories in order of their first article).
    pub by_story: bool,
}

/// What the search index keeps of an article.
#[derive(Debug, Clone, Default)]
pub struct IndexEntry {
    /// Search forms of title and body (normalized, light-stemmed).
    pub title: String,
    pub body: String,
    /// Place ids mentioned.
    pub places: Vec<String>,
}

/// What the last fetches of a feed left behind.
#[derive(Debug, Clone, Default)]
pub struct FetchState {
    pub validators: Validators,
    pub body_hash: Option<String>,
    /// No fetch before this time (Retry-After, or a parse that never ended).
    pub blocked_until: Option<DateTime<Utc>>,
    /// Failures in a row so far.
    pub failures: i64,
}

/// How a successful fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    /// New content, parsed and stored.
    Ok,
    /// 304 Not Modified.
    NotModified,
    /// 200 with the same bytes as last time (validators broken).
    Unchanged,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Ok => "ok",
            FeedStatus::NotModified => "not_modified",
            FeedStatus::Unchanged => "unchanged",
        }
    }
}

/// Per-feed health, for `rasad feeds` and poll summaries.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedHealth {
    pub name: String,
    pub url: String,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub articles: i64,
    pub next_poll: Option<String>,
    pub disabled: bool,
    /// Not fetched before this time (Retry-After, or an unfinished parse).
    pub held_until: Option<String>,
    /// Articles of this feed whose page failed (or was being read when
    /// rasad stopped), and the latest such reason.
    pub pages_failed: i64,
    pub last_page_error: Option<String>,
}

/// The database.
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

/// Shortest body merged with another by its hash alone (shorter texts are
/// teasers and template briefs that may repeat across different stories).
pub const MIN_BODY_MERGE_CHARS: usize = 200;

/// How long a write waits for another process's write lock.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// RFC 3339 UTC with seconds, the one time format in the database.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    /// A file that is not a rasad database is refused without being modified.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_capped(path, None)
    }

    /// As [`Store::open`], with the database file bounded to `max_bytes`:
    /// reaching it behaves like a full disk (`StoreError::Full`).
    pub fn open_capped(path: &Path, max_bytes: Option<u64>) -> Result<Store, StoreError> {
        schema::check_header(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                what: "cannot create the database folder",
                source,
            })?;
        }
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        // Another process (a manual poll beside the daemon, an export) may
        // hold the write lock: wait for it rather than fail.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        schema::check_identity(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        if let Some(max) = max_bytes {
            let page: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(sql)?;
            let pages = (max / page.max(512) as u64).clamp(1, i64::MAX as u64) as i64;
            conn.pragma_update(None, "max_page_count", pages)
                .map_err(sql)?;
        }
        let mut conn = conn;
        let before = schema::migrate(&mut conn, path)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        let store = Store {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        };
        if before > 0 && (before as usize) < schema::SITES_FROM {
            store.fill_sites()?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(|source| match &source {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull => {
                StoreError::Full {
                    path: self.path.clone(),
                }
            }
            _ => StoreError::Sqlite {
                path: self.path.clone(),
                source,
            },
        })
    }

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
                tx.execute(
                    "INSERT INTO feeds (name, url, created, site) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(name) DO UPDATE SET url = excluded.url, site = excluded.site
                     WHERE feeds.url <> excluded.url OR feeds.site IS NOT excluded.site",
                    params![
                        f.name,
                        f.url.as_str(),
                        ts(now),
                        crate::dedup::site_of(&f.url)
                    ],
                )?;
                let id: i64 =
                    tx.query_row("SELECT id FROM feeds WHERE name = ?1", [&f.name], |r| {
                        r.get(0)
                    })?;
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
            c.query_row(
                "SELECT etag, last_modified, body_hash, blocked_until, consecutive_failures
                 FROM feeds WHERE id = ?1",
                [feed_id],
                |r| {
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
                },
            )
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
            c.execute(
                "UPDATE feeds SET parsing_since = ?2, blocked_until = ?3,
                        consecutive_failures = consecutive_failures + 1,
                        last_error = ?4 WHERE id = ?1",
                params![
                    feed_id,
                    ts(now),
                    ts(retry_at),
                    format!(
                        "rasad stopped while parsing this feed (fetched {}); held back until {}",
                        ts(now),
                        ts(retry_at)
                    )
                ],
            )?;
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
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if let Some((v, hash)) = fresh {
                tx.execute(
                    "UPDATE feeds SET etag = ?2, last_modified = ?3, body_hash = ?4 WHERE id = ?1",
                    params![feed_id, v.etag, v.last_modified, hash],
                )?;
            }
            tx.execute(
                "UPDATE feeds SET last_fetch = ?2, last_success = ?2, last_status = ?3,
                        last_error = NULL, consecutive_failures = 0, parsing_since = NULL,
                        blocked_until = NULL WHERE id = ?1",
                params![feed_id, ts(now), status.as_str()],
            )?;
            tx.commit()
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
            c.execute(
                "UPDATE feeds SET last_fetch = ?2, last_status = 'failed', last_error = ?3,
                        consecutive_failures = consecutive_failures
                            + CASE WHEN parsing_since IS NULL THEN 1 ELSE 0 END,
                        parsing_since = NULL, blocked_until = ?4 WHERE id = ?1",
                params![feed_id, ts(now), error, blocked_until.map(ts)],
            )?;
            Ok(())
        })
    }

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
            let mut st = c.prepare(
                "SELECT a.id, a.key, COALESCE(
                        (SELECT s.url FROM sightings s WHERE s.article_id = a.id AND s.feed_id = ?1
                         ORDER BY s.first_seen LIMIT 1), a.url)
                 FROM articles a
                 WHERE a.feed_id = ?1 AND a.url IS NOT NULL
                   AND a.extraction IN ('pending', 'failed')
                   AND (?4 OR a.next_extraction IS NULL OR a.next_extraction <= ?2)
                 ORDER BY a.id LIMIT ?3",
            )?;
            let rows = st.query_map(params![feed_id, ts(now), limit as i64, force], |r| {
                Ok(PageJob {
                    article_id: r.get(0)?,
                    key: r.get(1)?,
                    url: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Records that a page is about to be fetched and parsed: one attempt
    /// more, and a retry time, so a process that dies on the page backs it
    /// off on the next run like any failure. False when the article is no
    /// longer the one the job named.
    pub fn mark_page_attempt(&self, job: &PageJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let attempts: Option<i64> = tx
                .query_row(
                    "SELECT extraction_attempts FROM articles WHERE id = ?1 AND key = ?2",
                    params![job.article_id, job.key],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(attempts) = attempts else {
                return Ok(false);
            };
            let next = now + page_retry_wait(attempts);
            tx.execute(
                "UPDATE articles SET extraction_attempts = extraction_attempts + 1,
                    next_extraction = ?2, extraction_error = ?3 WHERE id = ?1",
                params![
                    job.article_id,
                    ts(next),
                    format!(
                        "rasad stopped while reading this page ({}); retried after {}",
                        ts(now),
                        ts(next)
                    )
                ],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Saves the outcome of fetching and extracting an article's page. A
    /// failure keeps the feed text and schedules a retry with backoff.
    /// Returns false (and writes nothing) when the article is no longer the
    /// one the job named (merged away meanwhile).
    pub fn save_extraction(
        &self,
        job: &PageJob,
        result: &PageResult,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let page_hash = match result {
            PageResult::Ok { text, .. } => crate::text::content_hash(text),
            PageResult::Failed { .. } => String::new(),
        };
        let now_s = ts(now);
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let attempts: Option<i64> = tx
                .query_row(
                    "SELECT extraction_attempts FROM articles WHERE id = ?1 AND key = ?2",
                    params![job.article_id, job.key],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(attempts) = attempts else {
                return Ok(false);
            };
            match result {
                PageResult::Ok {
                    text,
                    html,
                    title,
                    author,
                    published,
                    lang,
                } => {
                    tx.execute(
                        "UPDATE articles SET text = ?2, text_source = 'page', extraction = 'ok',
                            extraction_error = NULL, next_extraction = NULL,
                            content_hash = ?3, page_title = ?4, updated = ?5, fts_done = 0,
                            page_author = ?6, page_published = ?7,
                            lang = COALESCE(lang, ?8), html = ?9
                         WHERE id = ?1",
                        params![
                            job.article_id,
                            text,
                            page_hash,
                            title,
                            now_s,
                            author,
                            published.map(ts),
                            lang,
                            html,
                        ],
                    )?;
                    ingest::resolve_provenance(&tx, job.article_id, &now_s)?;
                }
                PageResult::Failed { error } => {
                    // the attempt was counted when it began
                    let next = now + page_retry_wait(attempts - 1);
                    tx.execute(
                        "UPDATE articles SET extraction = 'failed', extraction_error = ?2,
                            next_extraction = ?3, updated = ?4
                         WHERE id = ?1",
                        params![job.article_id, error, ts(next), now_s],
                    )?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
    }

    /// Calls `f` for each article matching `filter`, oldest first, without
    /// holding them all in memory.
    pub fn for_each_article(
        &self,
        filter: &Filter,
        mut f: impl FnMut(ArticleRow) -> std::io::Result<()>,
    ) -> Result<usize, StoreError> {
        let mut io_err = None;
        let n = self.with(|c| {
            let mut sql = String::from(
                "SELECT a.id, a.story_id, a.url, fd.name, a.title, a.author, a.published,
                        a.first_seen, a.lang, a.summary, a.text, a.text_source, a.extraction,
                        a.content_hash,
                        (SELECT json_group_array(json_object('feed', f2.name, 'feed_url', f2.url,
                                  'url', s.url, 'title', s.title, 'first_seen', s.first_seen,
                                  'last_seen', s.last_seen))
                           FROM (SELECT * FROM sightings WHERE article_id = a.id
                                 ORDER BY first_seen, rowid) s
                           JOIN feeds f2 ON f2.id = s.feed_id),
                        a.site, a.title_source, a.places, a.html, ",
            );
            // conditions on `a` (and the FTS match), shared by both shapes
            let mut conds = String::new();
            let mut args: Vec<String> = Vec::new();
            if let Some(q) = &filter.query {
                args.push(q.clone());
                conds.push_str(&format!(" AND articles_fts MATCH ?{}", args.len()));
            }
            if let Some(l) = &filter.lang {
                args.push(l.clone());
                conds.push_str(&format!(" AND a.lang = ?{}", args.len()));
            }
            if let Some(p) = &filter.place {
                args.push(format!("%|{p}|%"));
                conds.push_str(&format!(" AND a.places LIKE ?{}", args.len()));
            }
            if let Some(s) = filter.since {
                args.push(ts(s));
                conds.push_str(&format!(" AND COALESCE(a.published, a.first_seen) >= ?{}", args.len()));
            }
            if let Some(u) = filter.until {
                args.push(ts(u));
                conds.push_str(&format!(" AND COALESCE(a.published, a.first_seen) < ?{}", args.len()));
            }
            if !filter.feeds.is_empty() {
                let mut marks = Vec::new();
                for name in &filter.feeds {
                    args.push(name.clone());
                    marks.push(format!("?{}", args.len()));
                }
                conds.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM sightings s JOIN feeds f3 ON f3.id = s.feed_id
                       WHERE s.article_id = a.id AND f3.name IN ({}))",
                    marks.join(",")
                ));
            }
            let limit = filter
                .limit
                .map(|n| format!(" LIMIT {}", n.min(1_000_000)))
                .unwrap_or_default();
            if filter.rank && filter.query.is_some() {
                // rank and cut inside, then compute the costly columns for
                // the few rows kept
                sql.push_str(&format!(
                    "r.score FROM (SELECT a.id AS id, -bm25(articles_fts, 3.0, 1.0) AS score
                       FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                      WHERE 1=1{conds} ORDER BY bm25(articles_fts, 3.0, 1.0){limit}) r
                     JOIN articles a ON a.id = r.id JOIN feeds fd ON fd.id = a.feed_id
                     ORDER BY r.score DESC, a.first_seen DESC"
                ));
            } else {
                if filter.query.is_some() {
                    sql.push_str(
                        "-bm25(articles_fts, 3.0, 1.0) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid",
                    );
                } else {
                    sql.push_str("NULL FROM articles a");
                }
                sql.push_str(" JOIN feeds fd ON fd.id = a.feed_id WHERE 1=1");
                sql.push_str(&conds);
                if filter.by_story {
                    sql.push_str(
                        " ORDER BY (SELECT min(b.first_seen) FROM articles b WHERE b.story_id = a.story_id),
                           a.story_id, a.first_seen, a.id",
                    );
                } else {
                    sql.push_str(" ORDER BY a.first_seen, a.id");
                }
                sql.push_str(&limit);
            }
            let mut st = c.prepare(&sql)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
            let mut n = 0;
            while let Some(r) = rows.next()? {
                let url: Option<String> = r.get(2)?;
                let raw: String = r.get(14)?;
                let mut sightings: Vec<SightingRow> = serde_json::from_str(&raw).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(14, rusqlite::types::Type::Text, Box::new(e))
                })?;
                let mut urls: Vec<String> = Vec::new();
                let mut feeds: Vec<String> = Vec::new();
                for s in &mut sightings {
                    s.outlet = outlet_of(&s.feed_url);
                    if !urls.contains(&s.url) {
                        urls.push(s.url.clone());
                    }
                    if !feeds.contains(&s.feed) {
                        feeds.push(s.feed.clone());
                    }
                }
                if let Some(u) = &url {
                    if !urls.contains(u) {
                        urls.insert(0, u.clone());
                    }
                }
                let row = ArticleRow {
                    id: r.get(0)?,
                    story_id: r.get::<_, Option<i64>>(1)?.unwrap_or(r.get(0)?),
                    outlet: url.as_deref().and_then(outlet_of),
                    url,
                    urls,
                    feed: r.get(3)?,
                    feeds,
                    site: r.get(15)?,
                    title: r.get(4)?,
                    title_source: r.get(16)?,
                    author: r.get(5)?,
                    published: r.get(6)?,
                    first_seen: r.get(7)?,
                    lang: r.get(8)?,
                    summary: r.get(9)?,
                    text: r.get(10)?,
                    text_source: r.get(11)?,
                    extraction: r.get(12)?,
                    places: r
                        .get::<_, String>(17)?
                        .split('|')
                        .filter(|p| !p.is_empty())
                        .map(|p| crate::places::name_of(p).unwrap_or(p).to_string())
                        .collect(),
                    html: r.get(18)?,
                    score: r.get(19)?,
                    content_hash: r.get(13)?,
                    sightings,
                };
                if let Err(e) = f(row) {
                    io_err = Some(e);
                    break;
                }
                n += 1;
            }
            Ok(n)
        })?;
        match io_err {
            Some(e) => Err(StoreError::Io {
                path: self.path.clone(),
                what: "writing the export failed",
                source: e,
            }),
            None => Ok(n),
        }
    }

    /// Merges `article_id` with another article of the same page-text hash
    /// (an exact repeat under another URL): the older one (smaller id)
    /// survives, the other's sightings move to it, its key becomes an alias,
    /// then its row goes. Returns the article that remains, or `None` when
    /// `article_id` no longer exists (another task merged it away). Only
    /// bodies of at least `min_len` characters are merged.
    pub fn merge_exact_repeat(
        &self,
        article_id: i64,
        min_len: usize,
    ) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            type Row = (String, i64, String, Option<String>, i64);
            let row: Option<Row> = tx
                .query_row(
                    "SELECT content_hash, length(text), text_source, site, feed_id
                     FROM articles WHERE id = ?1",
                    [article_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((hash, len, source, site, feed_id)) = row else {
                return Ok(None);
            };
            if (len as usize) < min_len || source != TextSource::Page.as_str() {
                return Ok(Some(article_id));
            }
            // Only within one site (or one feed): the same text on another
            // site is a syndicated copy and stays that outlet's own article.
            let other: Option<i64> = tx
                .query_row(
                    "SELECT id FROM articles WHERE content_hash = ?1 AND id <> ?2
                       AND text_source = 'page' AND (site = ?3 OR feed_id = ?4)
                     ORDER BY id LIMIT 1",
                    params![hash, article_id, site, feed_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(other) = other else {
                return Ok(Some(article_id));
            };
            // The older article (smaller id) survives, whichever page was read first.
            let (keep, gone) = (article_id.min(other), article_id.max(other));
            tx.execute(
                "INSERT INTO sightings (article_id, feed_id, url, guid, first_seen, last_seen)
                 SELECT ?2, feed_id, url, guid, first_seen, last_seen FROM sightings WHERE article_id = ?1
                 ON CONFLICT(article_id, feed_id, url) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)",
                params![gone, keep],
            )?;
            tx.execute("DELETE FROM sightings WHERE article_id = ?1", [gone])?;
            tx.execute("DELETE FROM story_bands WHERE article_id = ?1", [gone])?;
            tx.execute("DELETE FROM articles_fts WHERE rowid = ?1", [gone])?;
            tx.execute(
                "UPDATE article_aliases SET article_id = ?2 WHERE article_id = ?1",
                params![gone, keep],
            )?;
            tx.execute(
                "UPDATE articles SET story_id = (SELECT story_id FROM articles WHERE id = ?2)
                 WHERE story_id = ?1 AND id <> ?1",
                params![gone, keep],
            )?;
            tx.execute(
                "UPDATE articles SET first_seen = min(first_seen, (SELECT first_seen FROM articles WHERE id = ?1))
                 WHERE id = ?2",
                params![gone, keep],
            )?;
            // keep the merged article's key so the next poll finds it again
            let key: String =
                tx.query_row("SELECT key FROM articles WHERE id = ?1", [gone], |r| r.get(0))?;
            tx.execute("DELETE FROM articles WHERE id = ?1", [gone])?;
            tx.execute(
                "INSERT OR IGNORE INTO article_aliases (key, article_id) VALUES (?1, ?2)",
                params![key, keep],
            )?;
            ingest::resolve_provenance(&tx, keep, &ts(Utc::now()))?;
            tx.commit()?;
            Ok(Some(keep))
        })
    }

    /// Links `article_id` into the story of the earliest article sharing an
    /// LSH band key whose text `same` confirms, and records its own keys.
    /// Returns the story id.
    pub fn link_story(
        &self,
        article_id: i64,
        keys: &[i64],
        same: impl Fn(&str) -> bool,
    ) -> Result<i64, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM articles WHERE id = ?1", [article_id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Ok(article_id); // merged away meanwhile
            }
            let mut story = article_id;
            if !keys.is_empty() {
                let marks = vec!["?"; keys.len()].join(",");
                let sql = format!(
                    "SELECT a.id, a.story_id, a.text FROM articles a
                     WHERE a.id IN (SELECT DISTINCT article_id FROM story_bands WHERE key IN ({marks}))
                       AND a.id <> ? ORDER BY a.first_seen, a.id LIMIT 64"
                );
                let mut st = tx.prepare(&sql)?;
                let mut args: Vec<i64> = keys.to_vec();
                args.push(article_id);
                let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
                })?;
                for row in rows {
                    let (id, story_id, text) = row?;
                    if same(&text) {
                        story = story_id.unwrap_or(id);
                        break;
                    }
                }
                drop(st);
                tx.execute("DELETE FROM story_bands WHERE article_id = ?1", [article_id])?;
                let mut ins = tx.prepare("INSERT INTO story_bands (key, article_id) VALUES (?1, ?2)")?;
                for k in keys {
                    ins.execute(params![k, article_id])?;
                }
            }
            tx.execute(
                "UPDATE articles SET story_id = ?2 WHERE id = ?1",
                params![article_id, story],
            )?;
            tx.commit()?;
            Ok(story)
        })
    }

    /// Calls `f` for each story (syndicated copies grouped) with an article
    /// matching `filter`, oldest first.
    pub fn for_each_story(
        &self,
        filter: &Filter,
        mut f: impl FnMut(StoryRow) -> std::io::Result<()>,
    ) -> Result<usize, StoreError> {
        // Rows arrive grouped by story (oldest story first), so one story
        // at a time is held in memory.
        let mut by_story = filter.clone();
        by_story.by_story = true;
        let mut current: Option<StoryRow> = None;
        let mut n = 0;
        self.for_each_article(&by_story, |a| {
            let member = StoryMember {
                id: a.id,
                title: a.title,
                url: a.url,
                outlet: a.outlet,
                site: a.site,
                feed: a.feed,
                feeds: a.feeds,
                first_seen: a.first_seen,
                published: a.published,
            };
            match current.as_mut() {
                Some(s) if s.story_id == a.story_id => s.add(member),
                _ => {
                    if let Some(done) = current.replace(StoryRow::new(a.story_id, member)) {
                        n += 1;
                        f(done)?;
                    }
                }
            }
            Ok(())
        })?;
        if let Some(done) = current {
            n += 1;
            f(done).map_err(|source| StoreError::Io {
                path: self.path.clone(),
                what: "writing the export failed",
                source,
            })?;
        }
        Ok(n)
    }

    /// Brings the search index and place tags up to date for articles whose
    /// text changed (of one feed, or all), at most `limit` of them; returns
    /// how many were done.
    pub fn refresh_index(
        &self,
        feed_id: Option<i64>,
        limit: usize,
        index: impl Fn(&str, &str) -> IndexEntry,
    ) -> Result<usize, StoreError> {
        // Read, compute without holding the connection (normalizing and
        // tagging is CPU work other tasks should not wait for), then write
        // what is still current.
        let pending: Vec<(i64, String, String, String)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, COALESCE(title, ''), text, content_hash FROM articles
                 WHERE fts_done = 0 AND (?2 IS NULL OR feed_id = ?2) LIMIT ?1",
            )?;
            let rows = st.query_map(params![limit as i64, feed_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect()
        })?;
        if pending.is_empty() {
            return Ok(0);
        }
        let entries: Vec<IndexEntry> = pending.iter().map(|(_, t, x, _)| index(t, x)).collect();
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for ((id, title, _, hash), e) in pending.iter().zip(&entries) {
                let places = if e.places.is_empty() {
                    String::new()
                } else {
                    format!("|{}|", e.places.join("|"))
                };
                // only if the article did not change meanwhile
                let done = tx.execute(
                    "UPDATE articles SET places = ?2, fts_done = 1
                     WHERE id = ?1 AND content_hash = ?3 AND COALESCE(title, '') = ?4",
                    params![id, places, hash, title],
                )?;
                if done == 1 {
                    tx.execute("DELETE FROM articles_fts WHERE rowid = ?1", [id])?;
                    tx.execute(
                        "INSERT INTO articles_fts (rowid, title, body) VALUES (?1, ?2, ?3)",
                        params![id, e.title, e.body],
                    )?;
                }
            }
            tx.commit()?;
            Ok(pending.len())
        })
    }

    /// Records when the daemon polls a feed next, and whether it is
    /// disabled (410 Gone, repeated 404).
    pub fn set_schedule(
        &self,
        feed_id: i64,
        next_poll: DateTime<Utc>,
        disabled: bool,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE feeds SET next_poll = ?2, disabled = ?3 WHERE id = ?1",
                params![feed_id, ts(next_poll), disabled],
            )?;
            Ok(())
        })
    }

    /// Stores a feed's new address after a permanent redirect.
    pub fn update_feed_url(&self, feed_id: i64, url: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE feeds SET url = ?2, site = ?3 WHERE id = ?1",
                params![
                    feed_id,
                    url,
                    url::Url::parse(url)
                        .ok()
                        .as_ref()
                        .and_then(crate::dedup::site_of)
                ],
            )?;
            Ok(())
        })
    }

    /// Articles first seen at or after `since`.
    pub fn count_articles_since(&self, since: DateTime<Utc>) -> Result<i64, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT count(*) FROM articles WHERE first_seen >= ?1",
                [ts(since)],
                |r| r.get(0),
            )
        })
    }

    /// A cheap query proving the database answers (for the watchdog).
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
        })
    }

    /// Writes the WAL back into the database file (on a clean stop).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.with(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
    }

    /// Health of every feed that has a row, configured or not.
    pub fn feed_health(&self) -> Result<Vec<FeedHealth>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT f.name, f.url, f.last_success, f.last_error, f.consecutive_failures,
                        (SELECT count(DISTINCT s.article_id) FROM sightings s WHERE s.feed_id = f.id),
                        f.next_poll, f.disabled, f.blocked_until,
                        (SELECT count(*) FROM articles a WHERE a.feed_id = f.id
                           AND a.extraction_error IS NOT NULL AND a.extraction <> 'ok'),
                        (SELECT a.extraction_error FROM articles a WHERE a.feed_id = f.id
                           AND a.extraction_error IS NOT NULL AND a.extraction <> 'ok'
                         ORDER BY a.updated DESC LIMIT 1)
                 FROM feeds f ORDER BY f.name",
            )?;
            let rows = st.query_map([], |r| {
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

    /// Runs SQLite's own integrity check; "ok" when healthy.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
    }
}

/// How long a failed page waits before it is tried again: 15 min, 30 min,
/// 1 h, … capped at one day.
fn page_retry_wait(attempts: i64) -> chrono::Duration {
    let minutes = 15i64.saturating_mul(1 << attempts.clamp(0, 7)).min(24 * 60);
    chrono::Duration::minutes(minutes)
}

/// The outlet of a URL: its host without `www.`.
fn outlet_of(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_string();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(name: &str) -> FeedConfig {
        FeedConfig {
            name: name.into(),
            url: url::Url::parse("https://example.org/feed").expect("url"),
            lang: Some("ar".into()),
            interval: std::time::Duration::from_secs(60),
            scrape: true,
            rules: Default::default(),
        }
    }

    fn item(key: &str, guid: Option<&str>, title: &str) -> NewItem {
        NewItem {
            key: key.into(),
            url: Some(key.into()),
            original_url: Some(format!("{key}?utm_source=x")),
            guid: guid.map(str::to_string),
            title: Some(title.into()),
            author: None,
            published: None,
            lang: Some("ar".into()),
            summary: "ملخص الخبر".into(),
            scrape: true,
            site: url::Url::parse(key)
                .ok()
                .as_ref()
                .and_then(crate::dedup::site_of),
        }
    }

    fn job(id: i64, key: &str) -> PageJob {
        PageJob {
            article_id: id,
            key: key.into(),
            url: key.into(),
        }
    }

    #[test]
    fn items_are_stored_once_with_sightings() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("r.db")).expect("open");
        let now = Utc::now();
        let ids = store
            .sync_feeds(&[feed("a"), feed("b")], now)
            .expect("sync");
        let a = ids["a"];
        let b = ids["b"];
        let first = store
            .ingest(a, &[item("https://x.org/1", Some("g1"), "الحسكة")], now)
            .expect("ingest");
        assert!(first[0].new);
        // same GUID, different URL in the same feed: same article
        let again = store
            .ingest(
                a,
                &[item("https://x.org/1-changed", Some("g1"), "الحسكة")],
                now,
            )
            .expect("ingest");
        assert_eq!(again[0].article_id, first[0].article_id);
        assert!(!again[0].new);
        // same URL from another feed: same article, second feed recorded
        let other = store
            .ingest(b, &[item("https://x.org/1", None, "الحسكة — نسخة")], now)
            .expect("ingest");
        assert_eq!(other[0].article_id, first[0].article_id);
        let mut rows = Vec::new();
        store
            .for_each_article(&Filter::default(), |r| {
                rows.push(r);
                Ok(())
            })
            .expect("export");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].feeds, vec!["a".to_string(), "b".to_string()]);
        // another feed's title is not an edit by the outlet
        assert_eq!(rows[0].title.as_deref(), Some("الحسكة"));
        // the outlet's own edit is
        store
            .ingest(
                a,
                &[item("https://x.org/1", Some("g1"), "الحسكة — تحديث")],
                now,
            )
            .expect("ingest");
        let mut titles = Vec::new();
        store
            .for_each_article(&Filter::default(), |r| {
                titles.push(r.title);
                Ok(())
            })
            .expect("export");
        assert_eq!(titles, vec![Some("الحسكة — تحديث".to_string())]);
        assert_eq!(rows[0].extraction, "pending");
        assert_eq!(rows[0].urls.len(), 3, "{:?}", rows[0].urls);
    }

    #[test]
    fn exact_repeat_merge_keeps_every_sighting() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("r.db")).expect("open");
        let now = Utc::now();
        let ids = store
            .sync_feeds(&[feed("a"), feed("b")], now)
            .expect("sync");
        let first = store
            .ingest(ids["a"], &[item("https://x.org/1", None, "الحسكة")], now)
            .expect("ingest")[0]
            .article_id;
        let second = store
            .ingest(ids["b"], &[item("https://x.org/copy", None, "الحسكة")], now)
            .expect("ingest")[0]
            .article_id;
        // the same text on another site: a copy, never merged
        let third = store
            .ingest(ids["b"], &[item("https://y.org/copy", None, "الحسكة")], now)
            .expect("ingest")[0]
            .article_id;
        let body = "نص كامل للخبر ".repeat(30);
        let ok = |text: &str| PageResult::Ok {
            text: text.into(),
            html: String::new(),
            title: None,
            author: None,
            published: None,
            lang: None,
        };
        for (id, key) in [
            (first, "https://x.org/1"),
            (second, "https://x.org/copy"),
            (third, "https://y.org/copy"),
        ] {
            assert!(store
                .save_extraction(&job(id, key), &ok(&body), now)
                .expect("save"));
        }
        // the older article survives whichever page was saved last
        assert_eq!(
            store
                .merge_exact_repeat(first, MIN_BODY_MERGE_CHARS)
                .expect("merge"),
            Some(first)
        );
        assert_eq!(
            store
                .merge_exact_repeat(second, MIN_BODY_MERGE_CHARS)
                .expect("merge"),
            None,
            "merged away"
        );
        assert_eq!(
            store
                .merge_exact_repeat(third, MIN_BODY_MERGE_CHARS)
                .expect("merge"),
            Some(third),
            "another site's copy stays its own"
        );
        // a job handed out before the merge finds its article gone
        assert!(!store
            .save_extraction(&job(second, "https://x.org/copy"), &ok(&body), now)
            .expect("save"));
        let mut rows = Vec::new();
        store
            .for_each_article(&Filter::default(), |r| {
                rows.push(r);
                Ok(())
            })
            .expect("export");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].feeds, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(rows[0].urls.len(), 3, "{:?}", rows[0].urls);
        assert_eq!(rows[1].id, third);
        // the merged URL is found again on the next poll
        let again = store
            .ingest(ids["b"], &[item("https://x.org/copy", None, "الحسكة")], now)
            .expect("ingest");
        assert_eq!(again[0].article_id, first);
        assert!(!again[0].new);
    }

    #[test]
    fn article_ids_are_never_reused() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("r.db")).expect("open");
        let now = Utc::now();
        let id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
        let body = "نص كامل للخبر ".repeat(30);
        let ok = PageResult::Ok {
            text: body.clone(),
            html: String::new(),
            title: None,
            author: None,
            published: None,
            lang: None,
        };
        let first = store
            .ingest(id, &[item("https://x.org/1", None, "t")], now)
            .expect("ingest")[0]
            .article_id;
        let newest = store
            .ingest(id, &[item("https://x.org/2", None, "t")], now)
            .expect("ingest")[0]
            .article_id;
        // the newest article (the highest id) is merged away and deleted
        for (a, key) in [(first, "https://x.org/1"), (newest, "https://x.org/2")] {
            store.save_extraction(&job(a, key), &ok, now).expect("save");
        }
        assert_eq!(
            store
                .merge_exact_repeat(newest, MIN_BODY_MERGE_CHARS)
                .expect("merge"),
            Some(first)
        );
        let next = store
            .ingest(id, &[item("https://x.org/3", None, "t")], now)
            .expect("ingest")[0]
            .article_id;
        assert!(
            next > newest,
            "id {next} reused (the deleted one was {newest})"
        );
        // a job for the deleted article writes nothing, and names no other
        assert!(!store
            .save_extraction(&job(newest, "https://x.org/2"), &ok, now)
            .expect("save"));
    }

    #[test]
    fn failed_extraction_keeps_feed_text_and_is_retried_later() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("r.db")).expect("open");
        let now = Utc::now();
        let id = store.sync_feeds(&[feed("a")], now).expect("sync")["a"];
        let art = store
            .ingest(id, &[item("https://x.org/1", None, "t")], now)
            .expect("ingest")[0]
            .article_id;
        assert_eq!(store.page_jobs(id, now, 10, false).expect("jobs").len(), 1);
        store
            .save_extraction(
                &job(art, "https://x.org/1"),
                &PageResult::Failed {
                    error: "HTTP 500".into(),
                },
                now,
            )
            .expect("save");
        assert!(store
            .page_jobs(id, now, 10, false)
            .expect("jobs")
            .is_empty());
        let later = now + chrono::Duration::hours(1);
        assert_eq!(
            store.page_jobs(id, later, 10, false).expect("jobs").len(),
            1
        );
        let mut rows = Vec::new();
        store
            .for_each_article(&Filter::default(), |r| {
                rows.push(r);
                Ok(())
            })
            .expect("export");
        assert_eq!(rows[0].text, "ملخص الخبر");
        assert_eq!(rows[0].text_source, "feed");
        assert_eq!(rows[0].extraction, "failed");
    }
}
