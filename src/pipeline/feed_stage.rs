//! The feed stage: fetch a feed (unless it is held back), parse it (marked
//! first, so a process that dies on it backs it off), turn its items into
//! what the store takes (identity key, site, language, text cap) and store
//! them; the outcome and what the scheduler should know.

use chrono::Utc;
use sha2::{Digest, Sha256};
use tracing::warn;

use super::{blocking, FeedError, FeedOutcome, Pipeline, Signals, MAX_TEXT_BYTES};
use crate::charset;
use crate::config::FeedConfig;
use crate::dedup::{self, Fingerprint, KeyMaker};
use crate::feed;
use crate::fetch::{FetchOutcome, Fetched, Validators, LARGE_BODY};
use crate::scheduler;
use crate::store::{Evidence, FeedStatus, NewItem};
use crate::text;

impl Pipeline {
    /// Fetches, parses and stores one feed's items.
    pub(super) async fn fetch_and_store(
        &self,
        feed: &FeedConfig,
        feed_id: i64,
        signals: &mut Signals,
    ) -> FeedOutcome {
        let (fetched, hash, failures) = match self.fetch_feed(feed, feed_id, signals).await {
            Ok(body) => body,
            Err(outcome) => return outcome,
        };
        let validators = fetched.validators.clone();
        let (parsed, doc) = match self.parse_feed(feed, feed_id, *fetched, failures).await {
            Ok(p) => p,
            Err(outcome) => return outcome,
        };
        if let Some(ttl) = parsed.ttl {
            signals.hint = Some(signals.hint.map_or(ttl, |h| h.max(ttl)));
        }
        if let Some(what) = parsed.repaired {
            warn!(repaired = what, "feed is malformed; repaired and parsed");
        }
        let items = new_items(feed, feed_id, parsed);
        let count = items.len();
        let new = match self.store_items(feed_id, items, doc).await {
            Ok(new) => new,
            Err(outcome) => return outcome,
        };
        match self
            .success(feed_id, FeedStatus::Ok, Some((validators, hash)))
            .await
        {
            failed @ FeedOutcome::Failed(_) => failed,
            _ => FeedOutcome::Fresh { items: count, new },
        }
    }

    /// The feed's new body to parse, its hash and the failures in a row so
    /// far; otherwise how the pass ended (not modified, held back, failed).
    async fn fetch_feed(
        &self,
        feed: &FeedConfig,
        feed_id: i64,
        signals: &mut Signals,
    ) -> Result<(Box<Fetched>, String, i64), FeedOutcome> {
        let state = blocking(&self.store, move |s| s.fetch_state(feed_id))
            .await
            .map_err(FeedOutcome::failed)?;
        if let Some(until) = state
            .blocked_until
            .filter(|u| *u > Utc::now() && !self.force)
        {
            return Err(FeedOutcome::Skipped { until });
        }
        let fetched = match self
            .fetcher
            .get(&feed.url, crate::fetch::Kind::Feed, Some(&state.validators))
            .await
        {
            // recorded by the pass's one visit after it (`after_feed`)
            Ok(FetchOutcome::NotModified) => return Err(FeedOutcome::NotModified),
            Ok(FetchOutcome::Fresh(f)) => f,
            Err(e) => {
                (signals.schedule, signals.network_error) = scheduler::outcome_of(&e, Utc::now());
                return Err(FeedOutcome::failed(e));
            }
        };
        signals.hint = fetched.max_age;
        if let Some(to) = &fetched.permanent_redirect {
            if to != &feed.url {
                signals.moved_to = Some(to.clone());
            }
        }
        let hash = text::hex(&Sha256::digest(&fetched.body));
        if state.body_hash.as_deref() == Some(hash.as_str()) {
            // Broken validators, same bytes: nothing to parse.
            let fresh = Some((fetched.validators, hash));
            return Err(self.success(feed_id, FeedStatus::Unchanged, fresh).await);
        }
        Ok((fetched, hash, state.failures))
    }

    /// Decodes and parses a body on a CPU slot, marked in the store first:
    /// should this process die parsing it, the next one finds the feed
    /// failed and held back instead of dying on it again. A body up to
    /// [`LARGE_BODY`] comes back as evidence for the versions it yields.
    async fn parse_feed(
        &self,
        feed: &FeedConfig,
        feed_id: i64,
        fetched: Fetched,
        failures: i64,
    ) -> Result<(feed::ParsedFeed, Option<Box<Evidence>>), FeedOutcome> {
        blocking(&self.store, move |s| {
            let now = Utc::now();
            s.mark_parsing(feed_id, now, now + scheduler::crash_backoff(failures))
        })
        .await
        .map_err(FeedOutcome::failed)?;
        let content_type = fetched.content_type;
        let (body, final_url) = (fetched.body, fetched.url);
        let (status, headers) = (fetched.status, fetched.headers);
        let _large = fetched.large; // held until the body is parsed
        let fetched_at = Utc::now();
        let parsed = self
            .cpu_bound(move || {
                let decoded = charset::decode_response(&body, content_type.as_deref());
                let parsed = feed::parse(&decoded.text, &final_url);
                let small = body.len() as u64 <= LARGE_BODY;
                let doc = small.then(|| {
                    Box::new(Evidence {
                        body,
                        url: final_url.to_string(),
                        status,
                        headers,
                        fetched_at,
                        sealed: None,
                    })
                });
                parsed.map(|p| (p, doc))
            })
            .await;
        match parsed {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(source)) => Err(FeedOutcome::failed(FeedError::Parse {
                url: feed.url.to_string(),
                source,
            })),
            Err(e) => Err(FeedOutcome::failed(FeedError::Crashed {
                url: feed.url.to_string(),
                detail: e.to_string(),
            })),
        }
    }

    /// Stores the items; articles that keep the feed's text are final now
    /// and linked into their stories. Returns how many were new.
    async fn store_items(
        &self,
        feed_id: i64,
        items: Vec<NewItem>,
        doc: Option<Box<Evidence>>,
    ) -> Result<usize, FeedOutcome> {
        let ingested = blocking(&self.store, move |s| {
            let ingested = s.ingest_with(feed_id, &items, Utc::now(), doc.as_deref())?;
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
        .await
        .map_err(FeedOutcome::failed)?;
        Ok(ingested.iter().filter(|i| i.new).count())
    }

    async fn success(
        &self,
        feed_id: i64,
        status: FeedStatus,
        fresh: Option<(Validators, String)>,
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
            Err(e) => FeedOutcome::failed(e),
        }
    }
}

/// The parsed items as the store takes them: identity key, site, language
/// (the feed's, else guessed from the item's own text), text capped.
fn new_items(feed: &FeedConfig, feed_id: i64, parsed: feed::ParsedFeed) -> Vec<NewItem> {
    let lang = feed.lang.clone().or(parsed.language.clone());
    let feed_site = dedup::site_of(&feed.url);
    let mut keys = KeyMaker::new(feed_id);
    parsed
        .items
        .into_iter()
        .map(|it| {
            let lang = match lang.as_deref() {
                Some(l) => text::primary_language(l),
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
        .collect()
}

/// One parsed item as the store takes it.
fn new_item(
    it: feed::Item,
    keys: &mut KeyMaker,
    feed_site: Option<&str>,
    lang: Option<&str>,
    scrape: bool,
) -> NewItem {
    let canonical = it.url.as_ref().map(dedup::canonical_url);
    let key = keys.key(
        canonical.as_ref(),
        it.guid.as_deref(),
        it.title.as_deref(),
        it.published,
        &it.text,
    );
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
