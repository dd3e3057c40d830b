//! The page stage: fetch each claimed page, extract its article, save it,
//! then settle it (merged into an older exact repeat of its site, else
//! linked into the story of a near-duplicate).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures_util::StreamExt;
use tracing::{warn, Instrument};
use url::Url;

use super::{blocking, PageError, Pipeline, MAX_PAGES_PER_FEED, MAX_TEXT_BYTES};
use crate::charset;
use crate::config::FeedConfig;
use crate::dedup::Fingerprint;
use crate::extract;
use crate::extract::template::outlet_of;
use crate::extract::{Learned, Ring, Template};
use crate::feed;
use crate::fetch::{FetchOutcome, Fetched, Kind};
use crate::store::{Evidence, PageJob, PageResult, PageSave, RingChange, TextDigest};
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
        let templates = self.templates_of(jobs.iter().map(|j| j.url.as_str())).await;
        let templates = &templates;
        let ok_count = AtomicUsize::new(0);
        let failed_count = AtomicUsize::new(0);
        let (ok_count, failed_count) = (&ok_count, &failed_count);
        // no more than the host's connections: a page never waits for one
        let concurrency = self.config.fetch.max_per_host.max(1);
        // the last `concurrency` pages take the connections the others
        // leave and close them: none idles after the burst
        // (unless another feed's pages on the same host go on after them);
        // with a gap between a host's requests they go one after another
        // over a connection or two, and only the last page closes
        let tail = if self.config.fetch.host_gap.is_zero() {
            concurrency
        } else {
            1
        };
        let unstarted = AtomicUsize::new(jobs.len());
        let unstarted = &unstarted;
        let bursts = Burst::begin(&self.bursts, &jobs);
        let bursts = &bursts;
        futures_util::stream::iter(jobs)
            .for_each_concurrent(concurrency, |job| async move {
                let kind = match unstarted.fetch_sub(1, Ordering::Relaxed) {
                    left if left <= tail && bursts.alone(&job.url) => Kind::LastPage,
                    _ => Kind::Page,
                };
                // a page's body exists only while it holds a place: fetched
                // pages never pile up waiting for the CPU
                let _place = self.slots.pages.acquire().await;
                let span = tracing::info_span!("page", url = %job.url);
                let outlet = Url::parse(&job.url).ok().and_then(|u| outlet_of(&u));
                let template = templates.get(outlet.as_deref());
                // boxed: a page waiting for its place is a few words, not the
                // whole state of a fetch and an extraction
                // a body over LARGE_BODY keeps its place until it is saved
                let (result, _large, learned, fp) =
                    Box::pin(self.fetch_page(feed, &job, kind, template))
                        .instrument(span.clone())
                        .await;
                let ok = matches!(result, PageResult::Ok { .. });
                if let PageResult::Failed { error } = &result {
                    span.in_scope(
                        || warn!(error = %text::printable(error), "page failed; feed text kept"),
                    );
                }
                // what the page showed joins its outlet's last pages
                let ring = outlet.zip(learned).map(|(outlet, learned)| {
                    let change: RingChange = Box::new(move |old: Option<Vec<u8>>| {
                        let mut ring = Ring::decode(old.as_deref().unwrap_or_default());
                        ring.push(learned.clone()).then(|| ring.encode())
                    });
                    (outlet, change)
                });
                let outlet = ring.as_ref().map(|(o, _)| o.clone());
                // saved, settled (merged or linked) and learnt from in one
                // transaction, with the other pages waiting to be saved
                let page = PageSave {
                    job: job.clone(),
                    result,
                    first_check: self.first_check(),
                    fp,
                    ring,
                };
                match self.writer.save(page).await.and_then(|r| Ok(r?)) {
                    Ok((_, ring)) => {
                        if let Some((outlet, ring)) = outlet.zip(ring) {
                            templates.set(outlet, Arc::new(Ring::decode(&ring).template()));
                        }
                        if ok {
                            ok_count.fetch_add(1, Ordering::Relaxed)
                        } else {
                            failed_count.fetch_add(1, Ordering::Relaxed)
                        }
                    }
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

    async fn fetch_page(
        &self,
        feed: &FeedConfig,
        job: &PageJob,
        kind: Kind,
        template: Arc<Template>,
    ) -> (
        PageResult,
        Option<Permit>,
        Option<Learned>,
        Option<(Fingerprint, Vec<i64>)>,
    ) {
        let fetched = match self.fetch_raw(job, kind).await {
            Ok(f) => f,
            Err(e) => return (failed(e), None, None, None),
        };
        let (result, evidence, large, learned, prepared) = self
            .extract_fetched(feed, fetched, template, TemplateUse::Strict)
            .await;
        let (digest, fp) = prepared.map(|p| (p.digest, p.fp)).unzip();
        match result {
            Ok(e) => (page_result(e, evidence, digest), large, learned, fp),
            Err(e) => (failed(e), None, learned, None),
        }
    }

    /// The templates of the outlets of these pages, as stored.
    pub(super) async fn templates_of<'u>(&self, urls: impl Iterator<Item = &'u str>) -> Templates {
        let mut outlets: Vec<String> = urls
            .filter_map(|u| Url::parse(u).ok())
            .filter_map(|u| outlet_of(&u))
            .collect();
        outlets.sort();
        outlets.dedup();
        let rings = if outlets.is_empty() {
            Ok(Vec::new())
        } else {
            blocking(&self.store, move |s| {
                let rings = s.template_rings(&outlets)?;
                Ok(rings
                    .into_iter()
                    .map(|(o, r)| (o, Arc::new(Ring::decode(&r).template())))
                    .collect())
            })
            .await
        };
        match rings {
            Ok(r) => Templates(Mutex::new(r)),
            Err(e) => {
                // a template is only a hint: pages are read without one
                warn!(error = %e, "cannot read the outlets' templates");
                Templates::default()
            }
        }
    }

    /// Fetches a page (redirects followed): the last response.
    pub(super) async fn fetch_raw(
        &self,
        job: &PageJob,
        kind: Kind,
    ) -> Result<Box<Fetched>, PageError> {
        let url = Url::parse(&job.url).map_err(|source| PageError::BadUrl {
            url: job.url.clone(),
            source,
        })?;
        match self.fetcher.get(&url, kind, None).await? {
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
        template: Arc<Template>,
        use_: TemplateUse,
    ) -> (
        Result<extract::Extracted, PageError>,
        Box<Evidence>,
        Option<Permit>,
        Option<Learned>,
        Option<Prepared>,
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
                let mut learned = None;
                let extracted =
                    extract::check_page(content_type.as_deref(), &body).and_then(|()| {
                        let decoded = charset::decode_response(&body, content_type.as_deref());
                        let (r, l) = extract::extract_learning(
                            &decoded.text,
                            Some(&page_url),
                            &rules,
                            &template,
                        );
                        learned = Some(l);
                        match r {
                            // a re-check never finds a page gone for its template
                            Err(extract::ExtractError::OnlyTemplate { .. })
                                if use_ == TemplateUse::Lenient =>
                            {
                                extract::extract(&decoded.text, Some(&page_url), &rules)
                            }
                            r => r,
                        }
                    });
                // the text's fingerprint and hashes, the body hashed and
                // compressed here, in parallel, not under the database's lock
                // (a re-check links nothing: no fingerprint); the text is
                // normalized once for the fingerprint and both hashes
                let mut extracted = extracted;
                let fp = match (&mut extracted, use_) {
                    (Ok(e), TemplateUse::Strict) => Some(prepare(e)),
                    _ => None,
                };
                let mut evidence = Box::new(Evidence {
                    body,
                    url,
                    status,
                    headers,
                    fetched_at,
                    sealed: None,
                });
                evidence.seal();
                (extracted, evidence, learned, fp)
            })
            .await;
        let (result, evidence, learned, fp) = match res {
            Ok((r, evidence, learned, fp)) => (
                r.map_err(|source| PageError::Extract {
                    url: shown.clone(),
                    source,
                }),
                evidence,
                learned,
                fp,
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
                None,
                None,
            ),
        };
        (result, evidence, large, learned, fp)
    }
}

/// The hosts a pass reads pages from, each with the feeds reading it now.
pub(super) type Bursts = Mutex<HashMap<String, usize>>;

/// One feed's pages in flight, counted on their hosts while it lives.
struct Burst<'a> {
    all: &'a Bursts,
    hosts: Vec<String>,
}

impl<'a> Burst<'a> {
    fn begin(all: &'a Bursts, jobs: &[PageJob]) -> Burst<'a> {
        let mut hosts: Vec<String> = jobs.iter().filter_map(|j| host_of(&j.url)).collect();
        hosts.sort();
        hosts.dedup();
        let mut map = all.lock().unwrap_or_else(|p| p.into_inner());
        for h in &hosts {
            *map.entry(h.clone()).or_default() += 1;
        }
        Burst { all, hosts }
    }

    /// Whether this feed alone reads pages from `url`'s host now.
    fn alone(&self, url: &str) -> bool {
        let Some(host) = host_of(url) else {
            return false;
        };
        let map = self.all.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&host).is_some_and(|&n| n <= 1)
    }
}

impl Drop for Burst<'_> {
    fn drop(&mut self) {
        let mut map = self.all.lock().unwrap_or_else(|p| p.into_inner());
        for h in &self.hosts {
            if let Some(n) = map.get_mut(h) {
                *n -= 1;
                if *n == 0 {
                    map.remove(h);
                }
            }
        }
    }
}

fn host_of(url: &str) -> Option<String> {
    Url::parse(url).ok()?.host_str().map(str::to_string)
}

/// How a page's extraction takes its outlet's template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemplateUse {
    /// A new page: a body that is only the template is no article.
    Strict,
    /// A re-check: a page that shows only the template is read without it
    /// (its article is not gone for that).
    Lenient,
}

/// The templates of the outlets a pass reads, kept up to date as its pages
/// teach them.
#[derive(Default)]
pub(super) struct Templates(Mutex<Vec<(String, Arc<Template>)>>);

impl Templates {
    pub(super) fn get(&self, outlet: Option<&str>) -> Arc<Template> {
        let Some(outlet) = outlet else {
            return Arc::default();
        };
        let t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        t.iter()
            .find(|(o, _)| o == outlet)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    pub(super) fn set(&self, outlet: String, template: Arc<Template>) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match t.iter_mut().find(|(o, _)| *o == outlet) {
            Some(slot) => slot.1 = template,
            None => t.push((outlet, template)),
        }
    }
}

/// The place of a body over [`crate::fetch::LARGE_BODY`].
pub(super) type Permit = tokio::sync::OwnedSemaphorePermit;

fn failed(e: PageError) -> PageResult {
    PageResult::Failed {
        error: e.to_string(),
    }
}

/// A text as the store keeps it: no control characters, at most
/// [`MAX_TEXT_BYTES`].
fn clean(s: String) -> String {
    let s = match text::strip_controls(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(o) => o,
    };
    text::truncate_bytes(s, MAX_TEXT_BYTES)
}

/// What a page read brings for its save, made on the CPU slot: its text and
/// title cleaned as stored, their hashes, the text's fingerprint and band
/// keys.
pub(super) struct Prepared {
    pub digest: TextDigest,
    pub fp: (Fingerprint, Vec<i64>),
}

/// Cleans `e`'s text and title as they will be stored and makes their
/// [`Prepared`] from one normalization.
fn prepare(e: &mut extract::Extracted) -> Prepared {
    e.text = clean(std::mem::take(&mut e.text));
    e.title = e.title.take().map(clean);
    let lines = text::normalized_lines(&e.text);
    let fp = Fingerprint::of_lines(&lines);
    let bands = fp.band_keys();
    Prepared {
        digest: TextDigest::of_normalized(e.title.as_deref(), &text::join_lines(&lines)),
        fp: (fp, bands),
    }
}

/// What the store keeps of an extracted page (with its digest, when
/// prepared).
pub(super) fn page_result(
    e: extract::Extracted,
    evidence: Box<Evidence>,
    digest: Option<TextDigest>,
) -> PageResult {
    PageResult::Ok {
        published: e.published.as_deref().and_then(feed::parse_date),
        lang: e.lang.as_deref().and_then(text::primary_language),
        text: clean(e.text),
        html: clean(e.html),
        title: e.title.map(clean),
        author: e.author.map(clean),
        evidence: Some(evidence),
        digest,
    }
}
