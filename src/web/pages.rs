//! The reader's HTML pages: stories (the front page), a story, an article,
//! search, places, outlets, feeds; and any list as a download.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};

use super::html::{self, page, when, Ui};
use super::params::{self, View};
use super::{Reader, WebError};
use crate::store::{ArticleRow, Filter, StoryRow};

pub fn routes() -> Router<Arc<Reader>> {
    Router::new()
        .route("/", get(front))
        .route("/story/{id}", get(story))
        .route("/article/{id}", get(article))
        .route("/search", get(search))
        .route("/places", get(places))
        .route("/place/{name}", get(place))
        .route("/outlets", get(outlets))
        .route("/outlet/{site}", get(outlet))
        .route("/feeds", get(feeds))
        .route("/watch/{file}", get(watch_feed))
}

/// `/watch/NAME.atom`: the articles a watch matched, newest last, as Atom.
async fn watch_feed(State(r): State<Arc<Reader>>, Path(file): Path<String>) -> Page {
    let name = file
        .strip_suffix(".atom")
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
        .ok_or_else(|| {
            WebError::NotFound(format!("no watch feed {file:?}: write /watch/NAME.atom"))
        })?;
    let filter = Filter {
        watch: Some(name.to_string()),
        ..Filter::default()
    };
    super::api::download(&r, filter, super::params::Download::Atom).await
}

/// Stories per page on the front page; articles per page elsewhere.
const STORIES_PER_PAGE: usize = 50;
const ARTICLES_PER_PAGE: usize = 30;

type Page = Result<Response, WebError>;

/// The front page: stories of the window (24 h unless `since` says
/// otherwise), the one seen last first.
async fn front(State(r): State<Arc<Reader>>, ui: Ui, RawQuery(q): RawQuery) -> Page {
    let mut view = View::parse(
        q.as_deref(),
        chrono::Utc::now(),
        Some("24h"),
        STORIES_PER_PAGE,
    )?;
    view.seen = true;
    if let Some(d) = view.download {
        return super::api::download(&r, view.filter(), d).await;
    }
    let v = view.clone();
    let (stories, more) = r
        .read(move |s| {
            let mut ids = s.story_ids(&v.filter(), v.limit + 1, v.offset())?;
            let more = ids.len() > v.limit;
            ids.truncate(v.limit);
            Ok((s.stories(&ids)?, more))
        })
        .await?;
    let body = html! {
        h1 { (ui.t("Stories")) }
        (html::filters(ui, "/", &view, false))
        @if stories.is_empty() { p.muted { (ui.t("No stories in this window.")) } }
        ol.list { @for s in &stories { (story_item(ui, s)) } }
        (html::pager(ui, "/", &view, more))
        (html::downloads(ui, "/", &view))
    };
    Ok(page(ui, ui.t("Stories"), None, body).into_response())
}

/// One story in the front page's list.
fn story_item(ui: Ui, s: &StoryRow) -> Markup {
    let first = s.articles.first();
    let mut langs: Vec<&str> = s
        .articles
        .iter()
        .filter_map(|a| a.lang.as_deref())
        .collect();
    langs.sort_unstable();
    langs.dedup();
    let mut places: Vec<String> = Vec::new();
    for p in s.articles.iter().flat_map(|a| &a.places) {
        if !places.contains(p) {
            places.push(p.clone());
        }
    }
    let lang = first.and_then(|a| a.lang.as_deref());
    html! {
        li {
            a.title href={ "/story/" (s.story_id) } dir="auto" lang=[lang] {
                (s.title.as_deref().unwrap_or("(no title)"))
            }
            div.meta {
                strong { (ui.outlets(s.outlets.len().max(1))) }
                " · " span.first { (ui.t("first")) ": " (s.first_outlet.as_deref().unwrap_or("?")) }
                " " (when(&s.first_seen))
                @for l in &langs { " " span.tag { (l) } }
                " " (html::place_tags(&places))
            }
        }
    }
}

/// A story: every copy, who was first and how late the others were, and
/// the text of the chosen copy (`?a=ID`, else the first).
async fn story(
    State(r): State<Arc<Reader>>,
    ui: Ui,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Page {
    let id = params::id("story", &id)?;
    let chosen = q.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "a")
            .map(|(_, v)| v.into_owned())
    });
    let chosen = chosen.map(|a| params::id("a", &a)).transpose()?;
    let (story, copy) = r
        .read(move |s| {
            let story = s
                .stories(&[id])?
                .pop()
                .ok_or_else(|| WebError::NotFound(format!("no story {id}")))?;
            let pick = chosen.unwrap_or(story.articles.first().map_or(id, |a| a.id));
            if !story.articles.iter().any(|a| a.id == pick) {
                return Err(WebError::NotFound(format!(
                    "article {pick} is not in story {id}"
                )));
            }
            Ok((story, s.article(pick)?))
        })
        .await?;
    let title = story.title.clone().unwrap_or_else(|| format!("story {id}"));
    let body = html! {
        h1 dir="auto" { (title) }
        p.meta { (story.articles.len()) " " (ui.t("articles")) " · " (ui.outlets(story.outlets.len())) }
        table {
            thead { tr { th { (ui.t("Outlet")) } th { "Feed" } th { "Title" } th { "First seen" } th { "Published" } th { "Lag" } } }
            tbody {
                @for (i, a) in story.articles.iter().enumerate() {
                    tr {
                        td { @if let Some(site) = &a.site { a href={ "/outlet/" (site) } { (site) } } }
                        td dir="auto" { (a.feed) }
                        td {
                            a href={ "/story/" (id) "?a=" (a.id) } dir="auto" lang=[a.lang.as_deref()] { (a.title.as_deref().unwrap_or("(no title)")) }
                            " " a href={ "/article/" (a.id) } { "↗" }
                        }
                        td { (when(&a.first_seen)) }
                        td { (a.published.as_deref().map(when).unwrap_or_default()) }
                        td {
                            @if i == 0 { span.first { (ui.t("first")) } }
                            @else { (html::lag(&story.first_seen, &a.first_seen).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        @if let Some(a) = &copy {
            h2 dir="auto" { (a.site.as_deref().unwrap_or(&a.feed)) }
            (article_body(a))
        }
    };
    Ok(page(ui, &title, None, body).into_response())
}

/// The body of an article: its clean HTML, else its text.
fn article_body(a: &ArticleRow) -> Markup {
    let lang = a.lang.as_deref();
    html! {
        article.body lang=[lang] dir="auto" {
            @match a.html.as_deref().filter(|h| !h.trim().is_empty()) {
                Some(h) => (html::body_html(h)),
                None => (html::text_blocks(&a.text, lang)),
            }
        }
    }
}

/// An article: every field, every sighting, the body.
async fn article(State(r): State<Arc<Reader>>, ui: Ui, Path(id): Path<String>) -> Page {
    let id = params::id("article", &id)?;
    let (a, (versions, events)) = r
        .read(move |s| {
            let a = s
                .article(id)?
                .ok_or_else(|| WebError::NotFound(format!("no article {id}")))?;
            Ok((a, s.history(id)?))
        })
        .await?;
    let title = a.title.clone().unwrap_or_else(|| format!("article {id}"));
    let body = html! {
        h1 dir="auto" lang=[a.lang.as_deref()] { (title) }
        table.fields {
            tr { th { (ui.t("Outlet")) } td { @if let Some(site) = &a.site { a href={ "/outlet/" (site) } { (site) } } " (" (a.feed) ")" } }
            @if let Some(au) = &a.author { tr { th { "Author" } td dir="auto" { (au) } } }
            tr { th { "Published" } td { (a.published.as_deref().map(when).unwrap_or_else(|| "-".into())) } }
            tr { th { "First seen" } td { (when(&a.first_seen)) } }
            tr { th { (ui.t("Language")) } td { (a.lang.as_deref().unwrap_or("?")) } }
            tr { th { (ui.t("Places")) } td { (html::place_tags(&a.places)) } }
            tr { th { "Story" } td { a href={ "/story/" (a.story_id) } { "story " (a.story_id) } } }
            tr { th { "Text" } td { (a.text_source.as_str()) ", extraction " (a.extraction.as_str())
                @if let Some(e) = &a.extraction_error { ": " span.error dir="auto" { (e) } } } }
            tr { th { "Title from" } td { (a.title_source.as_str()) } }
            @if let Some(u) = &a.url { tr { th { (ui.t("Original")) } td { a href=(html::safe_href(u)) rel="noreferrer noopener" dir="ltr" { (u) } } } }
            tr { th { "SHA-256" } td { code { (a.content_hash) } } }
            tr { th { "Status" } td { (a.status.as_str()) " · " (a.versions) " versions" } }
        }
        (history(&a, &versions, &events))
        h2 { (ui.t("Sightings")) }
        table {
            thead { tr { th { "Feed" } th { "URL" } th { "Title given" } th { "First seen" } th { "Last seen" } } }
            tbody { @for s in &a.sightings { tr {
                td dir="auto" { (s.feed) }
                td { a href=(html::safe_href(&s.url)) rel="noreferrer noopener" dir="ltr" { (s.url) } }
                td dir="auto" { (s.title.as_deref().unwrap_or("")) }
                td { (when(&s.first_seen)) }
                td { (when(&s.last_seen)) }
            } } }
        }
        (article_body(&a))
    };
    Ok(page(ui, &title, None, body).into_response())
}

/// An article's versions and takedowns, when there is more than one
/// reading to show.
fn history(
    a: &ArticleRow,
    versions: &[crate::store::VersionRow],
    events: &[crate::store::EventRow],
) -> Markup {
    let short = |h: &Option<String>| {
        h.as_deref()
            .map_or("-".to_string(), |h| h.chars().take(16).collect())
    };
    html! {
        @if versions.len() > 1 || !events.is_empty() {
            h2 { "History" }
            table {
                thead { tr { th { "Seen" } th { "What" } th { "Title or reason" } th { "Raw SHA-256" } } }
                tbody {
                    @for v in versions { tr {
                        td { (when(&v.seen_at)) }
                        td { "version " (v.version) " · " (v.source.as_str()) @if let Some(f) = &v.feed { " " (f) } }
                        td dir="auto" { (v.title.as_deref().unwrap_or("")) }
                        td { code { (short(&v.sha256)) } }
                    } }
                    @for e in events { tr {
                        td { (when(&e.seen_at)) }
                        td.error { (e.event.as_str()) @if let Some(s) = e.status { " · HTTP " (s) } }
                        td dir="auto" { (e.detail.as_deref().unwrap_or("")) }
                        td { code { (short(&e.sha256)) } }
                    } }
                }
            }
            p.muted { "rasad history " (a.id) " shows the word-level changes; rasad evidence " (a.id) " -o DIR writes the proof." }
        }
    }
}

/// Search: the `rasad search` syntax, filters, snippets, pages.
async fn search(State(r): State<Arc<Reader>>, ui: Ui, RawQuery(q): RawQuery) -> Page {
    let view = View::parse(q.as_deref(), chrono::Utc::now(), None, ARTICLES_PER_PAGE)?;
    if let (Some(d), Some(_)) = (view.download, &view.fts) {
        return super::api::download(&r, view.filter(), d).await;
    }
    let (rows, more) = match view.fts {
        Some(_) => {
            let v = view.clone();
            r.read(move |s| ranked(s, &v)).await?
        }
        None => (Vec::new(), false),
    };
    let shown_q = view.q.as_deref();
    let body = html! {
        h1 { (ui.t("Search")) }
        (html::filters(ui, "/search", &view, true))
        @if shown_q.is_some() {
            @if rows.is_empty() { p.muted { (ui.t("No articles.")) } }
            ol.list { @for a in &rows { (html::article_item(a, shown_q)) } }
            (html::pager(ui, "/search", &view, more))
            (html::downloads(ui, "/search", &view))
        } @else {
            p.muted { "Words, \"quoted phrases\", AND / OR / NOT, word* for prefixes. «حسكة» finds الحسكة and بالحسكة." }
        }
    };
    Ok(page(ui, shown_q.unwrap_or(ui.t("Search")), shown_q, body).into_response())
}

/// One page of ranked results and whether another follows.
pub(super) fn ranked(
    s: &crate::store::Store,
    view: &View,
) -> Result<(Vec<ArticleRow>, bool), WebError> {
    let filter = Filter {
        rank: true,
        limit: Some(view.limit + 1),
        offset: view.offset(),
        ..view.filter()
    };
    let rows = collect(s, &filter)?;
    Ok(more(rows, view.limit))
}

/// The articles of `filter`, in memory (callers bound them by a limit).
pub(super) fn collect(
    s: &crate::store::Store,
    filter: &Filter,
) -> Result<Vec<ArticleRow>, WebError> {
    let mut rows = Vec::new();
    s.for_each_article(filter, |a| {
        rows.push(a);
        Ok(())
    })?;
    Ok(rows)
}

fn more(mut rows: Vec<ArticleRow>, limit: usize) -> (Vec<ArticleRow>, bool) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}

/// The newest articles of `view`, one page.
fn newest(s: &crate::store::Store, view: &View) -> Result<(Vec<ArticleRow>, bool), WebError> {
    let filter = Filter {
        newest_first: true,
        limit: Some(view.limit + 1),
        offset: view.offset(),
        ..view.filter()
    };
    Ok(more(collect(s, &filter)?, view.limit))
}

/// Every place of the gazetteer, with its articles.
async fn places(State(r): State<Arc<Reader>>, ui: Ui) -> Page {
    let counts = r.read(|s| Ok(s.place_counts()?)).await?;
    let mut all: Vec<_> = crate::places::all().iter().collect();
    all.sort_by_key(|p| std::cmp::Reverse(counts.get(&p.id).copied().unwrap_or(0)));
    let body = html! {
        h1 { (ui.t("Places")) }
        table {
            thead { tr { th { (ui.t("Place")) } th { "Governorate" } th.num { "Articles" } th { "Also" } } }
            tbody { @for p in all { tr {
                td { a href={ "/place/" (p.id) } dir="auto" { (p.name) } }
                td { (p.governorate) }
                td.num { (counts.get(&p.id).copied().unwrap_or(0)) }
                td.muted dir="auto" { (p.variants.iter().take(4).cloned().collect::<Vec<_>>().join(" · ")) }
            } } }
        }
    };
    Ok(page(ui, ui.t("Places"), None, body).into_response())
}

/// A place, under any of its names: its articles, newest first.
async fn place(
    State(r): State<Arc<Reader>>,
    ui: Ui,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Page {
    let p = crate::places::lookup(&name)
        .ok_or_else(|| WebError::NotFound(format!("no place named {name:?} in the gazetteer")))?;
    let mut view = View::parse(q.as_deref(), chrono::Utc::now(), None, ARTICLES_PER_PAGE)?;
    view.place = Some(p);
    if let Some(d) = view.download {
        return super::api::download(&r, view.filter(), d).await;
    }
    let v = view.clone();
    let (rows, more) = r.read(move |s| newest(s, &v)).await?;
    let path = format!("/place/{}", p.id);
    let body = html! {
        h1 dir="auto" { (p.name) }
        p.muted dir="auto" { (p.governorate) " · " (p.variants.join(" · ")) }
        (list_of(ui, &path, &view, &rows, more))
    };
    Ok(page(ui, &p.name, None, body).into_response())
}

/// A list of articles with its pager and downloads.
fn list_of(ui: Ui, path: &str, view: &View, rows: &[ArticleRow], more: bool) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (ui.t("No articles.")) } }
        ol.list { @for a in rows { (html::article_item(a, None)) } }
        (html::pager(ui, path, view, more))
        (html::downloads(ui, path, view))
    }
}

/// Every outlet (site) with articles.
async fn outlets(State(r): State<Arc<Reader>>, ui: Ui) -> Page {
    let sites = r.read(|s| Ok(s.sites()?)).await?;
    let body = html! {
        h1 { (ui.t("Outlets")) }
        table {
            thead { tr { th { (ui.t("Outlet")) } th.num { "Articles" } th { "Last seen" } } }
            tbody { @for s in &sites { tr {
                td { a href={ "/outlet/" (s.site) } { (s.site) } }
                td.num { (s.articles) }
                td { (when(&s.last_seen)) }
            } } }
        }
    };
    Ok(page(ui, ui.t("Outlets"), None, body).into_response())
}

/// An outlet: articles per day over 30 days, its feeds' health, its
/// newest articles.
async fn outlet(
    State(r): State<Arc<Reader>>,
    ui: Ui,
    Path(site): Path<String>,
    RawQuery(q): RawQuery,
) -> Page {
    let mut view = View::parse(q.as_deref(), chrono::Utc::now(), None, ARTICLES_PER_PAGE)?;
    view.site = Some(site.to_lowercase());
    if let Some(d) = view.download {
        return super::api::download(&r, view.filter(), d).await;
    }
    let v = view.clone();
    let (days, feeds, rows, more, judged) = r
        .read(move |s| {
            let site = v.site.clone().unwrap_or_default();
            let days = s.site_days(&site, 30, chrono::Utc::now())?;
            let feeds: Vec<_> = s
                .feed_health()?
                .into_iter()
                .filter(|f| site_of(&f.url).as_deref() == Some(site.as_str()))
                .collect();
            let (rows, more) = newest(s, &v)?;
            let judged = s.outlet_judged(&site)?;
            Ok((days, feeds, rows, more, judged))
        })
        .await?;
    if feeds.is_empty() && rows.is_empty() && days.iter().all(|(_, n)| *n == 0) {
        return Err(WebError::NotFound(format!("no outlet {site:?}")));
    }
    let path = format!("/outlet/{site}");
    let body = html! {
        h1 { (site) }
        @if let Some(j) = &judged {
            p.meta {
                strong { (j.state) } " since " (when(&j.since)) " · "
                (j.actual) " items in the last 12 h, " (format!("{:.1}", j.expected)) " expected from the same hours of the last 4 weeks"
                " · judged " (when(&j.checked_at))
            }
        }
        h2 { (ui.t("Articles per day, 30 days")) }
        (chart(&days))
        h2 { (ui.t("Feeds")) }
        (feed_table(&feeds))
        h2 { "Articles" }
        (list_of(ui, &path, &view, &rows, more))
    };
    Ok(page(ui, &site, None, body).into_response())
}

fn site_of(url: &str) -> Option<String> {
    crate::dedup::site_of(&url::Url::parse(url).ok()?)
}

/// Bars of articles per day, drawn on the server.
fn chart(days: &[(String, i64)]) -> Markup {
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (w, h, bar) = (days.len() * 14 + 30, 120usize, 10usize);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" width=(w) height=(h + 30) viewBox={ "0 0 " (w) " " (h + 30) } role="img" aria-label="articles per day" {
            text x="0" y="10" { (max) }
            @for (i, (day, n)) in days.iter().enumerate() {
                @let bh = (*n as usize * h) / max as usize;
                rect x=(30 + i * 14) y=(h - bh + 12) width=(bar) height=(bh.max(if *n > 0 { 1 } else { 0 })) {
                    title { (day) ": " (n) }
                }
                @if i % 7 == 0 { text x=(30 + i * 14) y=(h + 26) { (day.get(5..).unwrap_or(day)) } }
            }
        }
    }
}

/// The health table of `rasad feeds`.
fn feed_table(feeds: &[crate::store::FeedHealth]) -> Markup {
    let now = crate::store::ts(chrono::Utc::now());
    html! {
        table {
            thead { tr { th { "Feed" } th { "Last success" } th { "Next poll" } th.num { "Items" } th.num { "Fails" } th.num { "Pages failed" } th { "Last error" } } }
            tbody { @for f in feeds { tr {
                td dir="auto" { (f.name) br; a.muted href=(html::safe_href(&f.url)) rel="noreferrer noopener" dir="ltr" { (f.url) } }
                td { (f.last_success.as_deref().map(when).unwrap_or_else(|| "never".into())) }
                td { @match (&f.held_until, f.disabled) {
                    (Some(u), _) if u.as_str() > now.as_str() => { "held until " (when(u)) }
                    (_, true) => { "disabled" }
                    _ => { (f.next_poll.as_deref().map(when).unwrap_or_else(|| "-".into())) }
                } }
                td.num { (f.articles) }
                td.num { (f.consecutive_failures) }
                td.num { (f.pages_failed) }
                td dir="auto" { (f.last_error.as_deref().or(f.last_page_error.as_deref()).unwrap_or("")) }
            } } }
        }
    }
}

/// Every feed's health.
async fn feeds(State(r): State<Arc<Reader>>, ui: Ui) -> Page {
    let feeds = r.read(|s| Ok(s.feed_health()?)).await?;
    let body = html! {
        h1 { (ui.t("Feeds")) }
        (feed_table(&feeds))
    };
    Ok(page(ui, ui.t("Feeds"), None, body).into_response())
}
