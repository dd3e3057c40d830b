//! After a feed's pass: its new articles shown to the watches (matches
//! queued as deliveries), its outlet judged (silence, unreachable,
//! recovered); and the delivery pass that sends what is due — never in
//! the way of polling (its own task in the daemon, bounded requests).

use chrono::Utc;
use tracing::{info, warn};

use super::{blocking, Pipeline};
use crate::alerts::silence::{self, Feeds, OutletState};
use crate::alerts::{Candidate, Doc, Watches};
use crate::config::{FeedConfig, WatchConfig, WatchKind};
use crate::fetch::Poster;
use crate::store::{DeliveryRow, Store, StoreError};

/// New articles looked at per feed pass at most (the rest next time).
const WATCH_BATCH: usize = 500;
/// Deliveries sent per pass at most.
const DELIVERY_BATCH: usize = 50;

impl Pipeline {
    /// Shows the feed's new articles (text final, indexed) to the watches.
    pub(super) async fn watch_articles(&self, feed_id: i64) {
        let watches = std::sync::Arc::clone(&self.watches);
        let done = blocking(&self.store, move |s| {
            watch_new(s, &watches, feed_id, WATCH_BATCH, Utc::now())
        })
        .await;
        if let Err(e) = done {
            warn!(error = %e, "cannot show new articles to the watches");
        }
    }

    /// Judges the outlet of `feed` and queues its state's change for the
    /// silence watches.
    pub(super) async fn judge_outlet(&self, feed: &FeedConfig) {
        let Some(site) = crate::dedup::site_of(&feed.url) else {
            return;
        };
        let config = std::sync::Arc::clone(&self.config);
        let force = self.force;
        let done = blocking(&self.store, move |s| judge(s, &config, &site, force)).await;
        if let Err(e) = done {
            warn!(error = %e, "cannot judge the outlet's activity");
        }
    }

    /// Sends the deliveries that are due; how many were acknowledged.
    pub async fn deliver_due(&self, poster: &Poster) -> usize {
        let rows = match blocking(&self.store, |s| {
            s.due_deliveries(Utc::now(), DELIVERY_BATCH)
        })
        .await
        {
            Ok(r) => r,
            Err(e) => {
                warn!(error = %e, "cannot list deliveries");
                return 0;
            }
        };
        let mut sent = 0;
        let mut done_digests = std::collections::HashSet::new();
        for row in rows {
            let Some(w) = self.config.watches.iter().find(|w| w.name == row.watch) else {
                let ids = vec![row.id];
                let next = Utc::now() + chrono::Duration::days(1);
                let _ = blocking(&self.store, move |s| {
                    s.delivery_failed(&ids, "no such watch in the config any more", next)
                })
                .await;
                continue;
            };
            let batch = if w.digest.is_some() {
                if !done_digests.insert((row.watch.clone(), row.target.clone())) {
                    continue;
                }
                let (watch, target) = (row.watch.clone(), row.target.clone());
                match blocking(&self.store, move |s| s.pending_deliveries(&watch, &target)).await {
                    Ok(all) => all,
                    Err(_) => vec![row],
                }
            } else {
                vec![row]
            };
            sent += self.send(poster, w, batch).await;
        }
        sent
    }

    /// One POST (a delivery, or a digest of several); its outcome saved.
    async fn send(&self, poster: &Poster, w: &WatchConfig, batch: Vec<DeliveryRow>) -> usize {
        let Some(first) = batch.first() else { return 0 };
        let (url, target, attempts) = (first.url.clone(), first.target.clone(), first.attempts);
        let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
        let (body, headers) = render(w, &target, &batch);
        let outcome = match url::Url::parse(&url) {
            Ok(u) => poster.post(&u, &headers, body).await,
            Err(e) => Err(crate::fetch::FetchError::Other {
                url: url.clone(),
                detail: e.to_string(),
            }),
        };
        let n = ids.len();
        let now = Utc::now();
        let saved = match outcome {
            Ok(status) if (200..300).contains(&status) => {
                info!(watch = %w.name, target = %target, items = n, "delivered");
                blocking(&self.store, move |s| s.delivered(&ids, now))
                    .await
                    .map(|_| n)
            }
            other => {
                let error = match other {
                    Ok(status) => format!("{url}: HTTP {status}"),
                    Err(e) => e.to_string(),
                };
                warn!(watch = %w.name, error = %error, "delivery failed; retried later");
                let wait = chrono::Duration::seconds(1i64 << attempts.clamp(0, 10))
                    .min(chrono::Duration::minutes(15));
                blocking(&self.store, move |s| {
                    s.delivery_failed(&ids, &error, now + wait)
                })
                .await
                .map(|_| 0)
            }
        };
        saved.unwrap_or_else(|e| {
            warn!(error = %e, "cannot record a delivery");
            0
        })
    }
}

/// Shows up to `limit` of the feed's new articles (text final, indexed)
/// to `watches`, queues what they match and marks them seen; the articles
/// and the matches.
pub fn watch_new(
    s: &Store,
    watches: &Watches,
    feed_id: i64,
    limit: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    if watches.is_empty() {
        let n = s.mark_all_watched(feed_id)?;
        return Ok((n, 0));
    }
    let list = s.unwatched(feed_id, limit)?;
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut matched = 0;
    for a in &list {
        let doc = Doc::new(&a.title, &a.text);
        let c = Candidate {
            doc: &doc,
            places: &a.places,
            feeds: &a.feeds,
            lang: a.lang.as_deref(),
        };
        let hits = watches.matching(&c);
        if hits.is_empty() {
            continue;
        }
        let Some(row) = s.article(a.id)? else {
            continue;
        };
        let story = s.stories(&[a.story_id])?.pop();
        for w in hits {
            if let Some(event) = s.record_match(w, &row, story.as_ref(), now)? {
                info!(watch = %w.name, article = a.id, event, "watch matched");
                matched += 1;
            }
        }
    }
    s.mark_watched(&ids)?;
    Ok((ids.len(), matched))
}

/// The body and headers of a delivery: the JSON as queued (signed) for a
/// webhook, a line of text per item for ntfy; a digest wraps the items.
fn render(
    w: &WatchConfig,
    target: &str,
    batch: &[DeliveryRow],
) -> (Vec<u8>, Vec<(&'static str, String)>) {
    let items: Vec<serde_json::Value> = batch
        .iter()
        .map(|r| serde_json::from_str(&r.payload).unwrap_or_default())
        .collect();
    let event = if w.digest.is_some() {
        "digest"
    } else {
        batch.first().map_or("article", |r| r.event.as_str())
    };
    if target == "ntfy" {
        let mut text = String::new();
        let mut tags: Vec<String> = Vec::new();
        let mut click = None;
        for v in &items {
            let (title, url) = match (v.get("article"), v.get("outlet")) {
                (Some(a), _) if !a.is_null() => (
                    a["title"].as_str().unwrap_or("(no title)").to_string(),
                    a["url"].as_str().map(str::to_string),
                ),
                (_, Some(o)) => (
                    format!(
                        "{}: {}",
                        o["site"].as_str().unwrap_or("?"),
                        v["event"].as_str().unwrap_or("")
                    ),
                    None,
                ),
                _ => (v["event"].as_str().unwrap_or("").to_string(), None),
            };
            text.push_str(&title);
            if let Some(u) = &url {
                text.push('\n');
                text.push_str(u);
                click.get_or_insert(u.clone());
            }
            text.push('\n');
            for p in v["article"]["places"].as_array().into_iter().flatten() {
                if let Some(id) = p
                    .as_str()
                    .and_then(crate::places::lookup)
                    .map(|p| p.id.clone())
                {
                    if !tags.contains(&id) {
                        tags.push(id);
                    }
                }
            }
        }
        let mut headers = vec![("title", format!("rasad {}: {event}", w.name))];
        if !tags.is_empty() {
            headers.push(("tags", tags.join(",")));
        }
        if let Some(c) = click {
            headers.push(("click", c));
        }
        return (text.into_bytes(), headers);
    }
    let body = if w.digest.is_some() {
        serde_json::json!({"watch": w.name, "event": "digest", "items": items}).to_string()
    } else {
        batch.first().map(|r| r.payload.clone()).unwrap_or_default()
    };
    let mut headers = vec![
        ("content-type", "application/json".to_string()),
        ("x-rasad-event", event.to_string()),
    ];
    if let Some(secret) = &w.secret {
        headers.push((
            "x-rasad-signature",
            crate::alerts::signature(secret, body.as_bytes()),
        ));
    }
    (body.into_bytes(), headers)
}

/// An outlet as judged now: its state and numbers, and its feeds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutletReport {
    pub site: String,
    #[serde(flatten)]
    pub judgement: silence::Judgement,
    pub feeds: Vec<String>,
    /// Since when it has been in the state last recorded.
    pub since: Option<String>,
}

/// Every outlet of the config's feeds, judged at `now` (nothing written).
pub fn outlets(
    s: &Store,
    config: &crate::config::Config,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<OutletReport>, StoreError> {
    let mut sites: Vec<String> = config
        .feeds
        .iter()
        .filter_map(|f| crate::dedup::site_of(&f.url))
        .collect();
    sites.sort();
    sites.dedup();
    let failures = s.feed_failures()?;
    let names = configured(config);
    sites
        .into_iter()
        .map(|site| {
            let (judgement, feeds) = assess(s, &names, &failures, &site, now)?;
            let since = s.outlet_state(&site)?.map(|(_, since)| since);
            Ok(OutletReport {
                site,
                judgement,
                feeds,
                since,
            })
        })
        .collect()
}

/// Each feed's name, site and failures in a row (`Store::feed_failures`).
type Failures = [(String, Option<String>, i64)];

/// Judges `site` at `now` from its activity and its feeds' failures (of
/// the configured feeds only).
fn assess(
    s: &Store,
    configured: &std::collections::HashSet<&str>,
    failures: &Failures,
    site: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(silence::Judgement, Vec<String>), StoreError> {
    let live: Vec<_> = failures
        .iter()
        .filter(|(name, _, _)| configured.contains(name.as_str()))
        .collect();
    let mine: Vec<_> = live
        .iter()
        .filter(|(_, s, _)| s.as_deref() == Some(site))
        .collect();
    let all_failing = live.len() > 1 && live.iter().all(|(_, _, f)| *f > 0);
    let feeds = if all_failing {
        Feeds::LocalOutage
    } else if !mine.is_empty() && mine.iter().all(|(_, _, f)| *f > 0) {
        Feeds::Failing
    } else {
        Feeds::Answering
    };
    let p = silence::POLICY;
    let from = now.timestamp().div_euclid(3600) - (p.weeks + 1) * 7 * 24;
    let (counts, first) = s.activity(site, from)?;
    let j = silence::judge(&counts, first, now, feeds, &p);
    Ok((j, mine.iter().map(|(n, _, _)| n.clone()).collect()))
}

fn configured(config: &crate::config::Config) -> std::collections::HashSet<&str> {
    config.feeds.iter().map(|f| f.name.as_str()).collect()
}

/// How often an outlet is judged at most: its state moves over hours, and
/// a 304 every minute must cost next to nothing.
const JUDGE_EVERY: chrono::Duration = chrono::Duration::minutes(10);

/// Judges `site` now (unless judged lately and not `force`d) and queues
/// the change of its state, if any.
pub(super) fn judge(
    s: &Store,
    config: &crate::config::Config,
    site: &str,
    force: bool,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let lately = !force
        && s.outlet_judged(site)?.is_some_and(|j| {
            chrono::DateTime::parse_from_rfc3339(&j.checked_at)
                .is_ok_and(|t| now - t.with_timezone(&Utc) < JUDGE_EVERY)
        });
    if lately {
        return Ok(());
    }
    let failures = s.feed_failures()?;
    let (j, feed_names) = assess(s, &configured(config), &failures, site, now)?;
    let p = silence::POLICY;
    let before = s
        .outlet_state(site)?
        .and_then(|(st, _)| OutletState::from_text(&st))
        .unwrap_or(OutletState::Unknown);
    s.set_outlet_state(site, j.state.as_str(), j.expected, j.actual, now)?;
    let Some(event) = before.event_to(j.state) else {
        return Ok(());
    };
    info!(
        site,
        event,
        expected = j.expected,
        actual = j.actual,
        "outlet state changed"
    );
    let payload = serde_json::json!({
        "event": event,
        "outlet": {
            "site": site,
            "state": j.state,
            "expected": j.expected,
            "actual": j.actual,
            "daily": j.daily,
            "window_hours": p.window_hours,
            "feeds": feed_names,
        },
    });
    for w in config
        .watches
        .iter()
        .filter(|w| w.kind == WatchKind::Silence)
    {
        if !w.feeds.is_empty() && !w.feeds.iter().any(|f| feed_names.contains(f)) {
            continue;
        }
        let mut body = payload.clone();
        body["watch"] = w.name.clone().into();
        s.queue_event(w, event, &body, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(digest: Option<std::time::Duration>) -> WatchConfig {
        WatchConfig {
            name: "kobani".into(),
            kind: WatchKind::Articles,
            query: None,
            places: vec!["kobani".into()],
            feeds: Vec::new(),
            lang: Vec::new(),
            webhook: url::Url::parse("http://127.0.0.1:9/hook").ok(),
            secret: Some("k".into()),
            ntfy: url::Url::parse("http://127.0.0.1:9/ntfy").ok(),
            digest,
        }
    }

    fn row(id: i64, title: &str) -> DeliveryRow {
        let payload = serde_json::json!({
            "watch": "kobani", "event": "article",
            "article": {"title": title, "url": format!("https://x.org/{id}"), "places": ["Kobani (Ayn al-Arab)"]},
        });
        DeliveryRow {
            id,
            watch: "kobani".into(),
            target: "webhook".into(),
            url: "http://127.0.0.1:9/hook".into(),
            event: "article".into(),
            payload: payload.to_string(),
            attempts: 0,
        }
    }

    #[test]
    fn bodies_are_signed_and_digests_carry_every_item() {
        let one = [row(1, "مساعدات إلى كوباني")];
        let (body, headers) = render(&watch(None), "webhook", &one);
        assert_eq!(body, one[0].payload.as_bytes(), "the body as queued");
        let sig = headers
            .iter()
            .find(|(k, _)| *k == "x-rasad-signature")
            .map(|(_, v)| v.clone());
        assert_eq!(sig, Some(crate::alerts::signature("k", &body)));
        let both = [row(1, "مساعدات إلى كوباني"), row(2, "الوقود في كوباني")];
        let (body, headers) = render(
            &watch(Some(std::time::Duration::from_secs(1800))),
            "webhook",
            &both,
        );
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["event"], "digest");
        assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
        assert!(headers
            .iter()
            .any(|(k, v)| *k == "x-rasad-event" && v == "digest"));
        let (text, headers) = render(&watch(None), "ntfy", &both);
        let text = String::from_utf8(text).expect("utf-8");
        assert!(
            text.contains("مساعدات إلى كوباني\nhttps://x.org/1"),
            "{text}"
        );
        assert!(
            headers.contains(&("tags", "kobani".to_string())),
            "{headers:?}"
        );
        assert!(headers.contains(&("click", "https://x.org/1".to_string())));
    }
}
