//! The pipeline for one pass over feeds: fetch → decode → parse → store →
//! fetch pages → extract → store.
//!
//! Owns: the order of the stages and the rule that a failure is recorded
//! on its feed or article and never stops the others. It holds no logic of
//! the stages themselves; `poll` and (later) the daemon both call
//! [`Pipeline::poll_feeds`].

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::Utc;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tracing::{info, warn, Instrument};
use url::Url;

use crate::charset;
use crate::config::{Config, FeedConfig};
use crate::dedup::{self, Fingerprint};
use crate::extract;
use crate::feed;
use crate::fetch::{FetchError, FetchOutcome, Fetcher, Kind};
use crate::scheduler;
use crate::store::{FeedStatus, NewItem, PageJob, PageResult, Store, StoreError};
use crate::text;

/// Most bytes of text (and of HTML) kept per article: a feed or page that
/// sends more cannot fill the disk through one item.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// Most pages fetched for one feed in one pass (new items first; the rest
/// wait for the next pass).
const MAX_PAGES_PER_FEED: usize = 500;

/// How one feed's pass ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Fetched and parsed; `new` articles among `items`.
    Fresh {
        items: usize,
        new: usize,
    },
    /// 304, or a body identical to the last one.
    NotModified,
    /// Not fetched: held back until this time (Retry-After, or a parse the
    /// last process did not finish).
    Skipped {
        until: chrono::DateTime<Utc>,
    },
    Failed(String),
}

/// Counts for a whole pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollSummary {
    pub feeds_ok: usize,
    pub feeds_not_modified: usize,
    pub feeds_failed: usize,
    /// Feeds held back, with the time they may be fetched again.
    pub skipped: Vec<chrono::DateTime<Utc>>,
    pub new_articles: usize,
    pub pages_ok: usize,
    pub pages_failed: usize,
}

impl PollSummary {
    pub fn add(&mut self, r: &FeedReport) {
        match r.outcome {
            FeedOutcome::Fresh { new, .. } => {
                self.feeds_ok += 1;
                self.new_articles += new;
            }
            FeedOutcome::NotModified => self.feeds_not_modified += 1,
            FeedOutcome::Skipped { until } => self.skipped.push(until),
            FeedOutcome::Failed(_) => self.feeds_failed += 1,
        }
        self.pages_ok += r.pages_ok;
        self.pages_failed += r.pages_failed;
    }
}

/// Everything a pass needs, shared by all its tasks.
pub struct Pipeline {
    pub config: Arc<Config>,
    pub fetcher: Arc<Fetcher>,
    pub store: Arc<Store>,
    /// Parsing and extraction are CPU work: one at a time per core, so
    /// hundreds of pages in flight never mean hundreds of parsed DOMs in
    /// memory.
    cpu: Arc<tokio::sync::Semaphore>,
    /// Fetch even feeds and pages held back (Retry-After, backoff).
    force: bool,
}

impl Pipeline {
    pub fn new(config: Arc<Config>, fetcher: Arc<Fetcher>, store: Arc<Store>) -> Pipeline {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pipeline {
            config,
            fetcher,
            store,
            cpu: Arc::new(tokio::sync::Semaphore::new(cores)),
            force: false,
        }
    }

    /// The same pipeline, fetching feeds and pages whatever holds them back.
    pub fn forced(mut self) -> Pipeline {
        self.force = true;
        self
    }

    /// Runs CPU-bound `f` on the blocking pool, at most one task per core.
    async fn cpu_bound<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let _permit = self.cpu.clone().acquire_owned().await;
        tokio::task::spawn_blocking(f).await
    }
}

/// The result of one feed's pass, pages included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedReport {
    pub outcome: FeedOutcome,
    pub pages_ok: usize,
    pub pages_failed: usize,
    /// What the scheduler needs to know.
    pub signals: Signals,
}

/// Facts of a feed's pass for the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signals {
    pub schedule: scheduler::Outcome,
    /// The feed's own lower bound for the next poll (`<ttl>`, max-age).
    pub hint: Option<std::time::Duration>,
    /// The feed moved permanently (301/308 on every hop) to this URL.
    pub moved_to: Option<Url>,
    /// The failure was a network one (connect, DNS, timeout): many of
    /// those at once mean the local network is down.
    pub network_error: bool,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            schedule: scheduler::Outcome::Failed,
            hint: None,
            moved_to: None,
            network_error: false,
        }
    }
}

/// Why a pass could not go on (one feed's failures are recorded on that
/// feed instead and never become this).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The database refused (a full disk is `StoreError::Full`).
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("a database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl PipelineError {
    /// True when the disk (or the database's size cap) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, PipelineError::Store(StoreError::Full { .. }))
    }
}

/// Runs `f` on the store off the async threads.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PipelineError> {
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
}

impl Pipeline {
    /// Makes sure every feed has its row; returns the ids by name.
    pub async fn sync_feeds(
        &self,
        feeds: &[FeedConfig],
    ) -> Result<HashMap<String, i64>, PipelineError> {
        let list = feeds.to_vec();
        blocking(&self.store, move |s| s.sync_feeds(&list, Utc::now())).await
    }

    /// One pass over `feeds`, all at once; concurrency is bounded by the
    /// fetcher's global and per-host limits.
    pub async fn poll_feeds(
        self: &Arc<Self>,
        feeds: &[FeedConfig],
    ) -> Result<PollSummary, PipelineError> {
        let ids = self.sync_feeds(feeds).await?;
        let total = feeds.len();
        let show_progress = std::io::stderr().is_terminal() && total > 0;
        let mut tasks = tokio::task::JoinSet::new();
        for f in feeds {
            let Some(&id) = ids.get(&f.name) else {
                continue;
            };
            let me = self.clone();
            let f = f.clone();
            tasks.spawn(async move { me.poll_feed(&f, id).await });
        }
        let mut summary = PollSummary::default();
        let mut done = 0;
        while let Some(res) = tasks.join_next().await {
            done += 1;
            match res {
                Ok(report) => summary.add(&report),
                Err(e) => {
                    warn!(error = %e, "a feed task crashed");
                    summary.feeds_failed += 1;
                }
            }
            if show_progress {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2Kpolling feeds: {done}/{total}");
                let _ = err.flush();
            }
        }
        if show_progress {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
        Ok(summary)
    }

    /// Fetches, parses and stores one feed, then fetches its pending pages.
    /// Every failure is recorded on the feed's row or the article's.
    pub async fn poll_feed(&self, feed: &FeedConfig, feed_id: i64) -> FeedReport {
        let span = tracing::info_span!("feed", feed = %feed.name, url = %feed.url);
        async {
            let mut signals = Signals::default();
            let outcome = self.fetch_and_store(feed, feed_id, &mut signals).await;
            match &outcome {
                FeedOutcome::Fresh { new, .. } => {
                    signals.schedule = scheduler::Outcome::Fresh { new: *new }
                }
                FeedOutcome::NotModified => signals.schedule = scheduler::Outcome::Unchanged,
                FeedOutcome::Skipped { until } => {
                    let wait = (*until - Utc::now()).to_std().unwrap_or_default();
                    signals.schedule = scheduler::Outcome::RetryAfter(wait);
                }
                FeedOutcome::Failed(_) => {}
            }
            match &outcome {
                FeedOutcome::Failed(reason) => {
                    warn!(reason = %text::printable(reason), "feed failed");
                    let reason = reason.clone();
                    // a Retry-After holds later polls (and processes) back too
                    let hold = match signals.schedule {
                        scheduler::Outcome::RetryAfter(wait) => chrono::Duration::from_std(wait)
                            .ok()
                            .map(|w| Utc::now() + w),
                        _ => None,
                    };
                    if let Err(e) = blocking(&self.store, move |s| {
                        s.record_failure(feed_id, &reason, hold, Utc::now())
                    })
                    .await
                    {
                        warn!(error = %e, "cannot record the failure");
                    }
                }
                FeedOutcome::Fresh { items, new } => info!(items, new, "feed stored"),
                FeedOutcome::NotModified => info!("feed not modified"),
                FeedOutcome::Skipped { until } => {
                    info!(until = %crate::store::ts(*until), "feed held back")
                }
            }
            let (pages_ok, pages_failed) = if feed.scrape {
                self.fetch_pages(feed, feed_id).await
            } else {
                (0, 0)
            };
            // search index and place tags for what changed
            if let Err(e) = blocking(&self.store, move |s| {
                s.refresh_index(Some(feed_id), 5_000, crate::search::index_entry)
            })
            .await
            {
                warn!(error = %e, "cannot update the search index");
            }
            FeedReport {
                outcome,
                pages_ok,
                pages_failed,
                signals,
            }
        }
        .instrument(span)
        .await
    }

    async fn fetch_and_store(
        &self,
        feed: &FeedConfig,
        feed_id: i64,
        signals: &mut Signals,
    ) -> FeedOutcome {
        let state = match blocking(&self.store, move |s| s.fetch_state(feed_id)).await {
            Ok(v) => v,
            Err(e) => return FeedOutcome::Failed(e.to_string()),
        };
        if let Some(until) = state
            .blocked_until
            .filter(|u| *u > Utc::now() && !self.force)
        {
            return FeedOutcome::Skipped { until };
        }
        let (validators, old_hash, failures) = (state.validators, state.body_hash, state.failures);
        let fetched = match self
            .fetcher
            .get(&feed.url, Kind::Feed, Some(&validators))
            .await
        {
            Ok(FetchOutcome::NotModified) => {
                return self.success(feed_id, FeedStatus::NotModified, None).await;
            }
            Ok(FetchOutcome::Fresh(f)) => f,
            Err(e) => {
                let (schedule, network) = match &e {
                    FetchError::Status {
                        status: 429 | 503,
                        retry_after: Some(r),
                        ..
                    } => (
                        crate::fetch::parse_retry_after(r, Utc::now())
                            .map_or(scheduler::Outcome::Failed, scheduler::Outcome::RetryAfter),
                        false,
                    ),
                    FetchError::Status { status: 410, .. } => (scheduler::Outcome::Gone, false),
                    FetchError::Status { status: 404, .. } => (scheduler::Outcome::NotFound, false),
                    FetchError::Connect { .. } | FetchError::Timeout { .. } => {
                        (scheduler::Outcome::Failed, true)
                    }
                    _ => (scheduler::Outcome::Failed, false),
                };
                signals.schedule = schedule;
                signals.network_error = network;
                return FeedOutcome::Failed(e.to_string());
            }
        };
        signals.hint = fetched.max_age;
        if let Some(to) = &fetched.permanent_redirect {
            if to != &feed.url {
                signals.moved_to = Some(to.clone());
            }
        }
        let hash = text::hex(&Sha256::digest(&fetched.body));
        if old_hash.as_deref() == Some(hash.as_str()) {
            // Broken validators, same bytes: nothing to parse.
            return self
                .success(
                    feed_id,
                    FeedStatus::Unchanged,
                    Some((fetched.validators, hash)),
                )
                .await;
        }
        let http_charset = fetched
            .content_type
            .as_deref()
            .and_then(charset::charset_from_content_type)
            .map(str::to_string);
        let final_url = fetched.url.clone();
        let body = fetched.body;
        // should this process die parsing the body, the next one finds the
        // feed failed and held back instead of dying on it again
        let failures = blocking(&self.store, move |s| {
            let now = Utc::now();
            s.mark_parsing(feed_id, now, now + scheduler::crash_backoff(failures))
        })
        .await;
        if let Err(e) = failures {
            return FeedOutcome::Failed(e.to_string());
        }
        let parsed = self
            .cpu_bound(move || {
                let decoded = charset::decode(&body, http_charset.as_deref());
                feed::parse(&decoded.text, &final_url)
            })
            .await;
        let parsed = match parsed {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return FeedOutcome::Failed(format!("{}: {e}", feed.url)),
            Err(e) => return FeedOutcome::Failed(format!("{}: parser task failed: {e}", feed.url)),
        };
        if let Some(ttl) = parsed.ttl {
            signals.hint = Some(signals.hint.map_or(ttl, |h| h.max(ttl)));
        }
        if let Some(what) = parsed.repaired {
            warn!(repaired = what, "feed is malformed; repaired and parsed");
        }
        let lang = feed.lang.clone().or(parsed.language.clone());
        let feed_site = dedup::site_of(&feed.url);
        let mut keys = KeyMaker::new(feed_id);
        let items: Vec<NewItem> = parsed
            .items
            .into_iter()
            .map(|it| {
                // the feed's language, else the item's own text tells
                let lang = match lang.as_deref() {
                    Some(l) => primary_language(l),
                    None => text::guess_language(&format!(
                        "{} {}",
                        it.title.as_deref().unwrap_or(""),
                        it.text
                    ))
                    .map(str::to_string),
                };
                new_item(
                    it,
                    &mut keys,
                    feed_site.as_deref(),
                    lang.as_deref(),
                    feed.scrape,
                )
            })
            .collect();
        let count = items.len();
        let ingested = blocking(&self.store, move |s| {
            let ingested = s.ingest(feed_id, &items, Utc::now())?;
            // Articles that keep the feed's text are final now: link them.
            for (item, done) in items.iter().zip(&ingested) {
                if done.new && !item.scrape {
                    let fp = Fingerprint::new(&item.summary);
                    let keys = fp.band_keys();
                    s.link_story(done.article_id, &keys, |other| {
                        fp.same_story(&Fingerprint::new(other))
                    })?;
                }
            }
            Ok(ingested)
        })
        .await;
        let ingested = match ingested {
            Ok(i) => i,
            Err(e) => return FeedOutcome::Failed(e.to_string()),
        };
        let new = ingested.iter().filter(|i| i.new).count();
        match self
            .success(feed_id, FeedStatus::Ok, Some((fetched.validators, hash)))
            .await
        {
            FeedOutcome::Failed(e) => FeedOutcome::Failed(e),
            _ => FeedOutcome::Fresh { items: count, new },
        }
    }

    async fn success(
        &self,
        feed_id: i64,
        status: FeedStatus,
        fresh: Option<(crate::fetch::Validators, String)>,
    ) -> FeedOutcome {
        let r = blocking(&self.store, move |s| {
            s.record_success(
                feed_id,
                status,
                fresh.as_ref().map(|(v, h)| (v, h.as_str())),
                Utc::now(),
            )
        })
        .await;
        match r {
            Ok(()) => FeedOutcome::NotModified,
            Err(e) => FeedOutcome::Failed(e.to_string()),
        }
    }

    /// Fetches and extracts the pages of this feed's pending articles, and of
    /// failed ones whose retry time has come.
    async fn fetch_pages(&self, feed: &FeedConfig, feed_id: i64) -> (usize, usize) {
        let force = self.force;
        // listed and claimed at once: each counted before it is read, so a
        // process that dies on a page backs it off on the next run
        let jobs = match blocking(&self.store, move |s| {
            let now = Utc::now();
            s.claim_pages(s.page_jobs(feed_id, now, MAX_PAGES_PER_FEED, force)?, now)
        })
        .await
        {
            Ok(j) => j,
            Err(e) => {
                warn!(error = %e, "cannot list pages to fetch");
                return (0, 0);
            }
        };
        let ok_count = AtomicUsize::new(0);
        let failed_count = AtomicUsize::new(0);
        let (ok_count, failed_count) = (&ok_count, &failed_count);
        let concurrency = self.config.fetch.max_per_host.max(1) * 2;
        futures_util::stream::iter(jobs)
            .for_each_concurrent(concurrency, |job| async move {
                let span = tracing::info_span!("page", url = %job.url);
                let result = self.fetch_page(feed, &job).instrument(span.clone()).await;
                let ok = matches!(result, PageResult::Ok { .. });
                if let PageResult::Failed { error } = &result {
                    span.in_scope(
                        || warn!(error = %text::printable(error), "page failed; feed text kept"),
                    );
                }
                let id = job.article_id;
                let job = job.clone();
                match blocking(&self.store, move |s| {
                    let still_there = s.save_extraction(&job, &result, Utc::now())?;
                    if let (true, PageResult::Ok { text, .. }) = (still_there, &result) {
                        settle_article(s, id, text)?;
                    }
                    Ok(())
                })
                .await
                {
                    Ok(()) if ok => ok_count.fetch_add(1, Ordering::Relaxed),
                    Ok(()) => failed_count.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        warn!(error = %e, "cannot save the extraction");
                        failed_count.fetch_add(1, Ordering::Relaxed)
                    }
                };
            })
            .await;
        (
            ok_count.load(Ordering::Relaxed),
            failed_count.load(Ordering::Relaxed),
        )
    }

    async fn fetch_page(&self, feed: &FeedConfig, job: &PageJob) -> PageResult {
        let url = match Url::parse(&job.url) {
            Ok(u) => u,
            Err(e) => {
                return PageResult::Failed {
                    error: format!("{}: invalid URL: {e}", job.url),
                }
            }
        };
        let fetched = match self.fetcher.get(&url, Kind::Page, None).await {
            Ok(FetchOutcome::Fresh(f)) => f,
            Ok(FetchOutcome::NotModified) => {
                return PageResult::Failed {
                    error: format!("{url}: unexpected 304"),
                }
            }
            Err(e) => {
                return PageResult::Failed {
                    error: e.to_string(),
                }
            }
        };
        let rules = feed.rules.clone();
        let http_charset = fetched
            .content_type
            .as_deref()
            .and_then(charset::charset_from_content_type)
            .map(str::to_string);
        let page_url = fetched.url;
        let body = fetched.body;
        let shown = page_url.to_string();
        let res = self
            .cpu_bound(move || {
                let decoded = charset::decode(&body, http_charset.as_deref());
                extract::extract(&decoded.text, Some(&page_url), &rules)
            })
            .await;
        match res {
            Ok(Ok(e)) => {
                let clean = |s: String| {
                    text::truncate_bytes(text::strip_controls(&s).into_owned(), MAX_TEXT_BYTES)
                };
                PageResult::Ok {
                    published: e.published.as_deref().and_then(feed::parse_date),
                    lang: e.lang.as_deref().and_then(primary_language),
                    text: clean(e.text),
                    html: clean(e.html),
                    title: e.title.map(clean),
                    author: e.author.map(clean),
                }
            }
            Ok(Err(e)) => PageResult::Failed {
                error: format!("{shown}: {e}"),
            },
            Err(e) => PageResult::Failed {
                error: format!("{shown}: extractor crashed: {e}"),
            },
        }
    }
}

/// After an article's page text is saved: merge it into an older article
/// with the same text (an exact repeat under another URL), else link it
/// into the story of a near-duplicate.
fn settle_article(s: &Store, id: i64, text: &str) -> Result<(), StoreError> {
    let kept = s.merge_exact_repeat(id, crate::store::MIN_BODY_MERGE_CHARS)?;
    if kept == Some(id) {
        let fp = Fingerprint::new(text);
        let keys = fp.band_keys();
        s.link_story(id, &keys, |other| fp.same_story(&Fingerprint::new(other)))?;
    }
    Ok(())
}

/// `ar-SY` → `ar`; `None` for values that are not language tags.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(primary)
}

/// Identity keys of one feed pass's items. An item with a link is known by
/// its canonical URL, else by its GUID within the feed; an item with
/// neither is known by its feed and its content (title, date, text), and
/// identical such items of one document by their order among themselves.
/// No key is shared by accident across feeds.
struct KeyMaker {
    feed_id: i64,
    seen: HashMap<String, usize>,
}

impl KeyMaker {
    fn new(feed_id: i64) -> KeyMaker {
        KeyMaker {
            feed_id,
            seen: HashMap::new(),
        }
    }

    fn key(&mut self, it: &feed::Item, canonical: Option<&Url>) -> String {
        if let Some(u) = canonical {
            return u.to_string();
        }
        if let Some(g) = &it.guid {
            return format!("guid:{}:{g}", self.feed_id);
        }
        let content = format!(
            "{}\n{}\n{}",
            it.title.as_deref().unwrap_or(""),
            it.published.map(crate::store::ts).unwrap_or_default(),
            it.text
        );
        let base = format!("item:{}:{}", self.feed_id, text::content_hash(&content));
        let n = self.seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}:{n}")
        }
    }
}

/// Turns a parsed item into what the store takes: canonical URL, identity
/// key and site.
fn new_item(
    it: feed::Item,
    keys: &mut KeyMaker,
    feed_site: Option<&str>,
    lang: Option<&str>,
    scrape: bool,
) -> NewItem {
    let canonical = it.url.as_ref().map(dedup::canonical_url);
    let key = keys.key(&it, canonical.as_ref());
    let site = canonical
        .as_ref()
        .and_then(dedup::site_of)
        .or_else(|| feed_site.map(str::to_string));
    NewItem {
        key,
        url: canonical.map(|u| u.to_string()),
        original_url: it.url.map(|u| u.to_string()),
        guid: it.guid,
        title: it.title,
        author: it.author,
        published: it.published,
        lang: lang.map(str::to_string),
        summary: text::truncate_bytes(it.text, MAX_TEXT_BYTES),
        scrape,
        site,
    }
}
