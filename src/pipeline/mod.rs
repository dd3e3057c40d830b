//! The pipeline for one pass over feeds: the feed stage (fetch → decode →
//! parse → store, in `feed_stage`), then the page stage (claim → fetch →
//! extract → store → settle, in `page_stage`).
//!
//! Owns: the order of the stages, the CPU slots and the rule that a failure
//! is recorded on its feed or article and never stops the others. Stage
//! logic lives in the modules it names: status meanings in `scheduler`,
//! identity keys in `dedup`, languages in `text`, index entries in
//! `search`. `poll` calls [`Pipeline::poll_feeds`], the daemon
//! [`Pipeline::poll_feed`].

mod alerts;

pub use alerts::{outlets, watch_new, OutletReport};
mod feed_stage;
mod page_stage;
mod recheck;
mod writer;

pub use recheck::{is_not_found_title, left_for_a_section};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tracing::{info, warn, Instrument};
use url::Url;

use crate::config::{Config, FeedConfig};
use crate::fetch::Fetcher;
use crate::scheduler;
use crate::store::{Store, StoreError};
use crate::text;

/// Most bytes of text (and of HTML) kept per article: a feed or page that
/// sends more cannot fill the disk through one item.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// Feeds fetched and parsed at once, over all feeds of a pass.
const FEEDS_IN_FLIGHT: usize = 64;
/// Feeds in their pass at once (feed, pages, re-checks, index): a feed's
/// pages are read in one burst over its host's kept-alive connections, so
/// none sits idle long enough to be closed and opened again, and a poll of
/// thousands of feeds holds the state of this many, not of all.
const FEEDS_ACTIVE: usize = 128;
/// Pages between the start of their fetch and the end of their save, over
/// all feeds of a pass: bodies never wait in hundreds for a CPU slot.
const PAGES_IN_FLIGHT: usize = 64;

/// Places that bound what a pass holds in memory at once, whatever the
/// number of feeds and items.
struct Slots {
    active: tokio::sync::Semaphore,
    feeds: tokio::sync::Semaphore,
    pages: tokio::sync::Semaphore,
}

/// Most pages fetched for one feed in one pass (new items first; the rest
/// wait for the next pass).
const MAX_PAGES_PER_FEED: usize = 500;

/// Why one feed's pass failed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("{url}: {source}")]
    Parse {
        url: String,
        #[source]
        source: crate::feed::ParseError,
    },
    /// The parser's task panicked or was cancelled.
    #[error("{url}: parser task failed: {detail}")]
    Crashed { url: String, detail: String },
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// Why one article's page gave no text (its feed text stays).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{url}: invalid URL: {source}")]
    BadUrl {
        url: String,
        #[source]
        source: url::ParseError,
    },
    #[error("{url}: unexpected 304")]
    NotModified { url: String },
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("{url}: {source}")]
    Extract {
        url: String,
        #[source]
        source: crate::extract::ExtractError,
    },
    /// The extractor's task panicked or was cancelled.
    #[error("{url}: extractor crashed: {detail}")]
    Crashed { url: String, detail: String },
}

/// How one feed's pass ended.
#[derive(Debug, Clone)]
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
    Failed(Arc<FeedError>),
}

impl FeedOutcome {
    fn failed(e: impl Into<FeedError>) -> FeedOutcome {
        FeedOutcome::Failed(Arc::new(e.into()))
    }
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
    slots: Arc<Slots>,
    /// Fetch even feeds and pages held back (Retry-After, backoff).
    force: bool,
    /// The config's article watches, compiled.
    watches: Arc<crate::alerts::Watches>,
    /// Pages' saves, batched.
    writer: writer::Writer,
    /// The hosts pages are read from now, with how many feeds read each.
    bursts: page_stage::Bursts,
}

impl Pipeline {
    pub fn new(config: Arc<Config>, fetcher: Arc<Fetcher>, store: Arc<Store>) -> Pipeline {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pipeline {
            watches: Arc::new(crate::alerts::Watches::new(&config.watches)),
            config,
            fetcher,
            writer: writer::Writer::new(store.clone()),
            store,
            cpu: Arc::new(tokio::sync::Semaphore::new(cores)),
            slots: Arc::new(Slots {
                active: tokio::sync::Semaphore::new(FEEDS_ACTIVE),
                feeds: tokio::sync::Semaphore::new(FEEDS_IN_FLIGHT),
                pages: tokio::sync::Semaphore::new(PAGES_IN_FLIGHT),
            }),
            force: false,
            bursts: Default::default(),
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
#[derive(Debug, Clone)]
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
    #[error("the page writer stopped before the page was saved")]
    WriterStopped,
}

impl PipelineError {
    /// True when the disk (or the database's size cap) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, PipelineError::Store(StoreError::Full { .. }))
    }
}

/// The index brought up to date for a feed's articles, and its outlet
/// judged (when given); each failure told, neither stops the other.
fn quiet_visit(s: &Store, config: &Config, feed_id: i64, site: Option<&str>, force: bool) {
    if let Err(e) = s.refresh_index(Some(feed_id), 5_000, crate::search::index_entry) {
        warn!(error = %e, "cannot update the search index");
    }
    if let Some(site) = site {
        if let Err(e) = alerts::judge(s, config, site, force) {
            warn!(error = %e, "cannot judge the outlet's activity");
        }
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
    /// Runs `f` on the store off the async threads: the one door from async
    /// code to SQLite.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, PipelineError> {
        blocking(&self.store, f).await
    }

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
    /// `progress` is told (done, total) as each feed finishes.
    pub async fn poll_feeds(
        self: &Arc<Self>,
        feeds: &[FeedConfig],
        mut progress: impl FnMut(usize, usize),
    ) -> Result<PollSummary, PipelineError> {
        let ids = self.sync_feeds(feeds).await?;
        let total = feeds.len();
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
            progress(done, total);
        }
        Ok(summary)
    }

    /// Fetches, parses and stores one feed, then fetches its pending pages.
    /// Every failure is recorded on the feed's row or the article's.
    /// After a feed's fetch: its pages, then re-checks, the raw budget, the
    /// index, the watches, its outlet's state. The pages read and failed.
    async fn after_feed(
        &self,
        feed: &FeedConfig,
        feed_id: i64,
        outcome: &FeedOutcome,
    ) -> (usize, usize) {
        // a pass that stored nothing new asks once whether anything waits;
        // a 304 is recorded in the same visit and, when nothing waits, the
        // index and the outlet's judgement follow in it too
        let fresh = matches!(outcome, FeedOutcome::Fresh { .. });
        let force = self.force;
        let not_modified = matches!(outcome, FeedOutcome::NotModified);
        let scrape = feed.scrape;
        let (work, quiet_done) = if fresh {
            (scrape, false)
        } else {
            let config = Arc::clone(&self.config);
            let site = crate::dedup::site_of(&feed.url);
            let span = tracing::Span::current();
            blocking(&self.store, move |s| {
                let _in = span.enter();
                let now = Utc::now();
                if not_modified {
                    s.record_success(feed_id, crate::store::FeedStatus::NotModified, None, now)?;
                }
                if scrape && s.has_page_work(feed_id, now, force)? {
                    return Ok((true, false));
                }
                quiet_visit(s, &config, feed_id, site.as_deref(), force);
                Ok((false, true))
            })
            .await
            .unwrap_or_else(|e| {
                warn!(error = %e, "cannot record the pass");
                (scrape, false)
            })
        };
        let (pages_ok, pages_failed) = if work {
            self.fetch_pages(feed, feed_id).await
        } else {
            (0, 0)
        };
        // re-checks after the new pages, never before them
        let rechecked = if work {
            self.recheck_pages(feed, feed_id).await
        } else {
            0
        };
        if pages_ok + rechecked > 0 || matches!(outcome, FeedOutcome::Fresh { .. }) {
            let max = self.config.store.max_raw_size;
            match blocking(&self.store, move |s| s.prune_raw(max)).await {
                Ok(0) => {}
                Ok(n) => info!(bodies = n, "oldest raw bodies pruned (hashes kept)"),
                Err(e) => warn!(error = %e, "cannot prune raw bodies"),
            }
        }
        // then the watches see what is new (only a pass that stored or read
        // something has anything new), and the outlet is judged
        if fresh || pages_ok + pages_failed + rechecked > 0 {
            self.refresh_index(feed_id, None).await;
            self.watch_articles(feed_id).await;
            self.judge_outlet(feed).await;
        } else if !quiet_done {
            // a quiet pass: the index and the judgement in one visit
            self.refresh_index(feed_id, Some(feed)).await;
        }
        (pages_ok, pages_failed)
    }

    /// Brings the search index and place tags up to date for what changed
    /// (and judges the feed's outlet in the same visit, when given).
    async fn refresh_index(&self, feed_id: i64, judge_too: Option<&FeedConfig>) {
        let judge = judge_too.and_then(|f| crate::dedup::site_of(&f.url));
        let config = Arc::clone(&self.config);
        let force = self.force;
        let span = tracing::Span::current();
        let done = blocking(&self.store, move |s| {
            let _in = span.enter();
            quiet_visit(s, &config, feed_id, judge.as_deref(), force);
            Ok(())
        })
        .await;
        if let Err(e) = done {
            warn!(error = %e, "cannot update the search index");
        }
    }

    pub async fn poll_feed(&self, feed: &FeedConfig, feed_id: i64) -> FeedReport {
        let span = tracing::info_span!("feed", feed = %feed.name, url = %feed.url);
        async {
            let _active = self.slots.active.acquire().await;
            let mut signals = Signals::default();
            let outcome = {
                let _place = self.slots.feeds.acquire().await;
                self.fetch_and_store(feed, feed_id, &mut signals).await
            };
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
                    warn!(reason = %text::printable(&reason.to_string()), "feed failed");
                    let reason = reason.to_string();
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
            let (pages_ok, pages_failed) = self.after_feed(feed, feed_id, &outcome).await;
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
}
