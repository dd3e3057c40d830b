//! The page stage: fetch each claimed page, extract its article, save it,
//! then settle it (merged into an older exact repeat of its site, else
//! linked into the story of a near-duplicate).

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use futures_util::StreamExt;
use tracing::{warn, Instrument};
use url::Url;

use super::{blocking, PageError, Pipeline, MAX_PAGES_PER_FEED, MAX_TEXT_BYTES};
use crate::charset;
use crate::config::FeedConfig;
use crate::dedup::Fingerprint;
use crate::extract;
use crate::feed;
use crate::fetch::{FetchOutcome, Fetched, Kind};
use crate::store::{Evidence, PageJob, PageResult, Store, StoreError};
use crate::text;

impl Pipeline {
    /// Fetches and extracts the pages of this feed's pending articles, and of
    /// failed ones whose retry time has come.
    pub(super) async fn fetch_pages(&self, feed: &FeedConfig, feed_id: i64) -> (usize, usize) {
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
        // no more than the host's connections: a page never waits for one
        let concurrency = self.config.fetch.max_per_host.max(1);
        futures_util::stream::iter(jobs)
            .for_each_concurrent(concurrency, |job| async move {
                // a page's body exists only while it holds a place: fetched
                // pages never pile up waiting for the CPU
                let _place = self.slots.pages.acquire().await;
                let span = tracing::info_span!("page", url = %job.url);
                // boxed: a page waiting for its place is a few words, not the
                // whole state of a fetch and an extraction
                // a body over LARGE_BODY keeps its place until it is saved
                let (result, _large) = Box::pin(self.fetch_page(feed, &job))
                    .instrument(span.clone())
                    .await;
                let ok = matches!(result, PageResult::Ok { .. });
                if let PageResult::Failed { error } = &result {
                    span.in_scope(
                        || warn!(error = %text::printable(error), "page failed; feed text kept"),
                    );
                }
                let id = job.article_id;
                let job = job.clone();
                let first_check = self.first_check();
                match blocking(&self.store, move |s| {
                    let still_there = s.save_extraction(&job, &result, Utc::now(), first_check)?;
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

    async fn fetch_page(&self, feed: &FeedConfig, job: &PageJob) -> (PageResult, Option<Permit>) {
        let fetched = match self.fetch_raw(job).await {
            Ok(f) => f,
            Err(e) => return (failed(e), None),
        };
        let (result, evidence, large) = self.extract_fetched(feed, fetched).await;
        match result {
            Ok(e) => (page_result(e, evidence), large),
            Err(e) => (failed(e), None),
        }
    }

    /// Fetches a page (redirects followed): the last response.
    pub(super) async fn fetch_raw(&self, job: &PageJob) -> Result<Box<Fetched>, PageError> {
        let url = Url::parse(&job.url).map_err(|source| PageError::BadUrl {
            url: job.url.clone(),
            source,
        })?;
        match self.fetcher.get(&url, Kind::Page, None).await? {
            FetchOutcome::Fresh(f) => Ok(f),
            FetchOutcome::NotModified => Err(PageError::NotModified {
                url: url.to_string(),
            }),
        }
    }

    /// Extracts a fetched page on a CPU slot; the body comes back as
    /// evidence either way, with the place a large body holds (keep it
    /// until the evidence is saved).
    pub(super) async fn extract_fetched(
        &self,
        feed: &FeedConfig,
        fetched: Box<Fetched>,
    ) -> (
        Result<extract::Extracted, PageError>,
        Box<Evidence>,
        Option<Permit>,
    ) {
        let Fetched {
            url: page_url,
            status,
            content_type,
            body,
            headers,
            large,
            ..
        } = *fetched;
        let rules = feed.rules.clone();
        let shown = page_url.to_string();
        let fetched_at = Utc::now();
        let url = shown.clone();
        let res = self
            .cpu_bound(move || {
                let extracted =
                    extract::check_page(content_type.as_deref(), &body).and_then(|()| {
                        let decoded = charset::decode_response(&body, content_type.as_deref());
                        extract::extract(&decoded.text, Some(&page_url), &rules)
                    });
                // hashed and compressed here, in parallel, not under the
                // database's lock
                let mut evidence = Box::new(Evidence {
                    body,
                    url,
                    status,
                    headers,
                    fetched_at,
                    sealed: None,
                });
                evidence.seal();
                (extracted, evidence)
            })
            .await;
        let (result, evidence) = match res {
            Ok((r, evidence)) => (
                r.map_err(|source| PageError::Extract {
                    url: shown.clone(),
                    source,
                }),
                evidence,
            ),
            Err(e) => (
                Err(PageError::Crashed {
                    url: shown.clone(),
                    detail: e.to_string(),
                }),
                Box::new(Evidence {
                    body: Vec::new(),
                    url: shown,
                    status,
                    headers: Vec::new(),
                    fetched_at,
                    sealed: None,
                }),
            ),
        };
        (result, evidence, large)
    }
}

/// The place of a body over [`crate::fetch::LARGE_BODY`].
pub(super) type Permit = tokio::sync::OwnedSemaphorePermit;

fn failed(e: PageError) -> PageResult {
    PageResult::Failed {
        error: e.to_string(),
    }
}

/// What the store keeps of an extracted page.
pub(super) fn page_result(e: extract::Extracted, evidence: Box<Evidence>) -> PageResult {
    let clean =
        |s: String| text::truncate_bytes(text::strip_controls(&s).into_owned(), MAX_TEXT_BYTES);
    PageResult::Ok {
        published: e.published.as_deref().and_then(feed::parse_date),
        lang: e.lang.as_deref().and_then(text::primary_language),
        text: clean(e.text),
        html: clean(e.html),
        title: e.title.map(clean),
        author: e.author.map(clean),
        evidence: Some(evidence),
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
