//! The store's types: the states it keeps (closed enums), its errors, and
//! the rows that go in (items, page results) and come out (articles,
//! stories, feed health).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::fetch::Validators;

/// Where an article's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
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

/// Where an article's title (and author and date) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    /// The article's own page.
    Page,
    /// A feed on the article's own site.
    SiteFeed,
    /// The first feed that listed it (no feed of its own site did).
    FirstSighting,
}

impl TitleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TitleSource::Page => "page",
            TitleSource::SiteFeed => "site_feed",
            TitleSource::FirstSighting => "first_sighting",
        }
    }
}

/// State of an article's page extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
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

/// Whether an article is still as first published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Never changed since first seen (by any one source).
    Live,
    /// A source said something else later (a retitle, an edited figure).
    Changed,
    /// Its page was taken down (the last re-check found it gone).
    Removed,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Live => "live",
            ArticleStatus::Changed => "changed",
            ArticleStatus::Removed => "removed",
        }
    }
}

/// Where a version was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    Page,
    Feed,
}

impl VersionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionSource::Page => "page",
            VersionSource::Feed => "feed",
        }
    }
}

/// What happened to an article's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Removed,
    Restored,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Removed => "removed",
            EventKind::Restored => "restored",
        }
    }
}

/// A response body as received (decompressed), with what proves where and
/// when: kept as evidence for a version or an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The body as received (empty once sealed).
    pub body: Vec<u8>,
    /// The URL after redirects.
    pub url: String,
    pub status: u16,
    /// Selected response headers, as received.
    pub headers: Vec<(String, String)>,
    pub fetched_at: DateTime<Utc>,
    /// Its hash and compressed form, made beforehand (on a CPU slot, not
    /// under the database's lock); made when stored otherwise.
    pub sealed: Option<Sealed>,
}

/// A body's SHA-256 and zstd frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub sha256: String,
    /// The body's length.
    pub size: u64,
    pub packed: Vec<u8>,
}

/// One stored version of an article.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionRow {
    /// 1-based, in the order seen.
    pub version: usize,
    pub seen_at: String,
    pub title: Option<String>,
    pub text: String,
    pub source: VersionSource,
    /// The feed that said it (feed versions).
    pub feed: Option<String>,
    pub url: Option<String>,
    /// SHA-256 of the raw body this version was read from, if one is kept.
    pub sha256: Option<String>,
    #[serde(skip)]
    pub raw_id: Option<i64>,
}

/// One takedown or restore.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventRow {
    pub event: EventKind,
    pub seen_at: String,
    pub status: Option<u16>,
    pub url: Option<String>,
    pub detail: Option<String>,
    pub sha256: Option<String>,
    #[serde(skip)]
    pub raw_id: Option<i64>,
}

/// A raw body read back, with its record.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub id: i64,
    pub sha256: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub fetched_at: String,
    pub size: u64,
    /// `None` once pruned by the budget (the hash stays).
    pub body: Option<Vec<u8>>,
}

/// A re-check due: the article, its key, the URL to read.
pub type RecheckJob = PageJob;

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
        /// The body as received, kept with the version it yields.
        evidence: Option<Box<Evidence>>,
        /// The text's hashes, when made already (off the store's lock).
        digest: Option<TextDigest>,
    },
    Failed {
        error: String,
    },
}

/// The hashes of a page's text, made where the page was extracted so the
/// store's writer does not normalize it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDigest {
    /// [`crate::text::content_hash`] of the text.
    pub content_hash: String,
    /// [`crate::store::norm_hash`] of the page's title and text.
    pub version_hash: String,
}

impl TextDigest {
    /// The digest of `text` under `title`, from `text` normalized.
    pub fn of_normalized(title: Option<&str>, normalized: &str) -> TextDigest {
        TextDigest {
            content_hash: crate::text::content_hash_of(normalized),
            version_hash: super::norm_hash_of(title, normalized),
        }
    }
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
    pub title_source: TitleSource,
    pub author: Option<String>,
    pub published: Option<String>,
    pub first_seen: String,
    pub lang: Option<String>,
    pub summary: String,
    pub text: String,
    pub text_source: TextSource,
    pub extraction: Extraction,
    /// `live`, `changed` (a source said something else later) or `removed`.
    pub status: ArticleStatus,
    /// Versions stored (page and feed).
    pub versions: i64,
    /// Why the page could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction_error: Option<String>,
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
    pub lang: Option<String>,
    pub places: Vec<String>,
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
    pub(super) fn new(story_id: i64, first: StoryMember) -> StoryRow {
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

    pub(super) fn add(&mut self, m: StoryMember) {
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
    /// An FTS5 query over the search form (see `search::fts_query`).
    pub query: Option<String>,
    /// Order by relevance (bm25) instead of first seen.
    pub rank: bool,
    pub limit: Option<usize>,
    /// Group rows by story (stories in order of their first article).
    pub by_story: bool,
    /// Only these stories (story ids), when not empty.
    pub stories: Vec<i64>,
    /// Only this article.
    pub article: Option<i64>,
    /// Only articles of this site (registrable domain).
    pub site: Option<String>,
    /// Rows skipped before the first one returned (pages of results).
    pub offset: usize,
    /// Newest first (by first seen) instead of oldest first.
    pub newest_first: bool,
    /// `since` and `until` bound the time rasad first saw an article (what
    /// came in), not its publication time.
    pub by_first_seen: bool,
    /// Only articles this watch matched.
    pub watch: Option<String>,
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
    /// The fetch, the parse or storing failed (`last_error` says why).
    Failed,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Ok => "ok",
            FeedStatus::NotModified => "not_modified",
            FeedStatus::Unchanged => "unchanged",
            FeedStatus::Failed => "failed",
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
