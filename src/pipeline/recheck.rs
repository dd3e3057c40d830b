//! Re-checks: stored articles' pages read again on a decaying schedule
//! (`[recheck]`), within a per-site budget, after the feed's new pages; a
//! page that says something else is a new version, a page gone (404/410, a
//! redirect to the home or a section, no article any more) a takedown, a
//! page back a restore.

use chrono::Utc;
use futures_util::StreamExt;
use tracing::{info, warn, Instrument};
use url::Url;

use std::sync::Arc;

use super::page_stage::{page_result, Permit, TemplateUse};
use super::{blocking, PageError, Pipeline};
use crate::config::FeedConfig;
use crate::extract::template::outlet_of;
use crate::extract::Template;
use crate::fetch::{FetchError, Kind};
use crate::store::{RecheckJob, RecheckOutcome};

/// Re-checks of one feed per pass at most (the per-site budget may allow
/// fewer).
const MAX_RECHECKS_PER_PASS: usize = 50;

/// Titles of "not found" pages, normalized (`text::normalize`), in the
/// languages rasad reads.
const NOT_FOUND_TITLES: &[&str] = &[
    "404",
    "not found",
    "page not found",
    "page introuvable",
    "الصفحة غير موجوده",
    "الصفحه غير موجوده",
    "الصفحه المطلوبه غير موجوده",
    "لم يتم العثور على الصفحه",
    "خطا 404",
    "rupel nehat ditin",
    "rûpel nehat dîtin",
    "rûpel tune",
    "پەڕە نەدۆزرایەوە",
    "sayfa bulunamadı",
];

impl Pipeline {
    /// When a first extraction's article is checked again.
    pub(super) fn first_check(&self) -> Option<chrono::DateTime<Utc>> {
        let r = &self.config.recheck;
        crate::scheduler::recheck_wait(&r.schedule, r.stop_after, chrono::Duration::zero())
            .map(|w| Utc::now() + w)
    }

    /// Re-checks this feed's articles whose time has come; how many.
    pub(super) async fn recheck_pages(&self, feed: &FeedConfig, feed_id: i64) -> usize {
        if self.config.recheck.schedule.is_empty() {
            return 0;
        }
        let per_hour = self.config.recheck.per_site_hour;
        let jobs = match blocking(&self.store, move |s| {
            s.claim_rechecks(feed_id, Utc::now(), MAX_RECHECKS_PER_PASS, per_hour)
        })
        .await
        {
            Ok(j) => j,
            Err(e) => {
                warn!(error = %e, "cannot list re-checks");
                return 0;
            }
        };
        let n = jobs.len();
        let templates = self.templates_of(jobs.iter().map(|j| j.url.as_str())).await;
        let templates = &templates;
        futures_util::stream::iter(jobs)
            .for_each_concurrent(self.config.fetch.max_per_host.max(1), |job| async move {
                let _place = self.slots.pages.acquire().await;
                let span = tracing::info_span!("recheck", url = %job.url);
                let outlet = Url::parse(&job.url).ok().and_then(|u| outlet_of(&u));
                let template = self
                    .recheck_template(&job, templates.get(outlet.as_deref()))
                    .await;
                // a body over LARGE_BODY keeps its place until it is saved
                let (outcome, _large) = Box::pin(self.recheck(feed, &job, template))
                    .instrument(span.clone())
                    .await;
                match &outcome {
                    RecheckOutcome::Gone { detail, .. } => {
                        span.in_scope(|| info!(detail = %detail, "article taken down"))
                    }
                    RecheckOutcome::Unreachable { error } => {
                        span.in_scope(|| warn!(error = %error, "re-check failed"))
                    }
                    RecheckOutcome::Read(_) => {}
                }
                let r = self.config.recheck.clone();
                if let Err(e) = blocking(&self.store, move |s| {
                    s.save_recheck(&job, &outcome, Utc::now(), |since| {
                        crate::scheduler::recheck_wait(&r.schedule, r.stop_after, since)
                    })
                })
                .await
                {
                    warn!(error = %e, "cannot save the re-check");
                }
            })
            .await;
        n
    }

    /// The outlet's template less what the stored article says: a re-check
    /// strips only the template lines the stored text does not have, so a
    /// line learned after the article was saved never makes it "changed".
    async fn recheck_template(&self, job: &RecheckJob, template: Arc<Template>) -> Arc<Template> {
        if template.is_empty() {
            return template;
        }
        let id = job.article_id;
        match blocking(&self.store, move |s| s.article_text(id)).await {
            Ok(Some(text)) => Arc::new(template.without(&text)),
            // nothing to compare with: read the page without a template
            Ok(None) | Err(_) => Arc::default(),
        }
    }

    /// Reads one article's page again and says what became of it.
    async fn recheck(
        &self,
        feed: &FeedConfig,
        job: &RecheckJob,
        template: Arc<Template>,
    ) -> (RecheckOutcome, Option<Permit>) {
        let fetched = match self.fetch_raw(job, Kind::Page).await {
            Ok(f) => f,
            Err(PageError::Fetch(FetchError::Status { status, url, .. }))
                if matches!(status, 404 | 410) =>
            {
                let gone = RecheckOutcome::Gone {
                    status: Some(status),
                    detail: format!("HTTP {status}"),
                    url,
                    evidence: None,
                };
                return (gone, None);
            }
            Err(e) => {
                let error = e.to_string();
                return (RecheckOutcome::Unreachable { error }, None);
            }
        };
        let final_url = fetched.url.clone();
        let status = fetched.status;
        let moved_up =
            Url::parse(&job.url).is_ok_and(|asked| left_for_a_section(&asked, &final_url));
        let (extracted, evidence, large, _, _) = self
            .extract_fetched(feed, fetched, template, TemplateUse::Lenient)
            .await;
        let detail = match extracted {
            _ if moved_up => format!("redirected to {final_url}"),
            Ok(e) if e.title.as_deref().is_some_and(is_not_found_title) => {
                format!("a \"not found\" page: {}", e.title.unwrap_or_default())
            }
            Ok(e) => return (RecheckOutcome::Read(page_result(e, evidence, None)), large),
            Err(PageError::Extract { source, .. }) => {
                format!("the page has no article any more ({source})")
            }
            Err(e) => {
                let error = e.to_string();
                return (RecheckOutcome::Unreachable { error }, None);
            }
        };
        let gone = RecheckOutcome::Gone {
            status: Some(status),
            detail,
            url: final_url.to_string(),
            evidence: Some(evidence),
        };
        (gone, large)
    }
}

/// Whether a request for the article `asked` ended on its site's home or a
/// section page: another URL whose path is the root or a proper prefix of
/// the article's path (`/news/2025/11/x` → `/`, `/news/`).
pub fn left_for_a_section(asked: &Url, ended: &Url) -> bool {
    let segments = |u: &Url| -> Vec<String> {
        u.path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (a, e) = (segments(asked), segments(ended));
    let same_site = crate::dedup::site_of(asked) == crate::dedup::site_of(ended);
    same_site && e.len() < a.len() && a.starts_with(&e) && e.len() <= 1
        || same_site && e.is_empty() && !a.is_empty()
}

/// Whether a page's title says it is a "not found" page: one of its parts
/// (between `|`, `-`, `:`, `·`, dashes) is such a phrase.
pub fn is_not_found_title(title: &str) -> bool {
    let t = crate::text::normalize(title);
    t.split(['|', '-', ':', '·', '–', '—', '«', '»'])
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .any(|part| {
            NOT_FOUND_TITLES.iter().any(|p| {
                crate::text::normalize(p)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    == part
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_to_the_home_or_a_section_is_a_takedown() {
        let u = |s: &str| Url::parse(s).unwrap();
        let article = u("https://npasyria.com/news/2025/11/ras-al-ain-water/");
        assert!(left_for_a_section(&article, &u("https://npasyria.com/")));
        assert!(left_for_a_section(
            &article,
            &u("https://www.npasyria.com/news/")
        ));
        assert!(!left_for_a_section(
            &article,
            &u("https://npasyria.com/news/2025/11/ras-al-ain-water-2/")
        ));
        assert!(!left_for_a_section(
            &article,
            &u("https://npasyria.com/en/news/2025/11/x/")
        ));
        assert!(
            !left_for_a_section(&article, &u("https://other.example/")),
            "another site is a move, not a takedown"
        );
        assert!(!left_for_a_section(
            &u("https://npasyria.com/"),
            &u("https://npasyria.com/")
        ));
    }

    #[test]
    fn not_found_titles_in_every_language() {
        for t in [
            "404 - Page not found",
            "Page Not Found | North Press",
            "الصفحة غير موجودة – نورث برس",
            "خطأ 404",
            "Rûpel nehat dîtin",
        ] {
            assert!(is_not_found_title(t), "{t}");
        }
        for t in [
            "Water cuts in Hasakah",
            "مقتل 4 أشخاص في دير الزور",
            "Found: 404 families return to Kobani",
        ] {
            assert!(!is_not_found_title(t), "{t}");
        }
    }
}
