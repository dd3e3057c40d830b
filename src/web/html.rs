//! The pieces every page is made of: the frame (header, search box,
//! shortcuts help), the interface's words in English or Arabic, times and
//! lags, lists of articles, downloads and pagers. maud escapes every value.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::assets;
use super::params::{Download, View};
use crate::store::ArticleRow;

/// The interface's language, from the browser's Accept-Language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ui {
    En,
    Ar,
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Ui, Self::Rejection> {
        let first = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Ok(if first.starts_with("ar") || first.starts_with("ckb") {
            Ui::Ar
        } else {
            Ui::En
        })
    }
}

impl Ui {
    pub fn lang(self) -> &'static str {
        match self {
            Ui::En => "en",
            Ui::Ar => "ar",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Ui::En => "ltr",
            Ui::Ar => "rtl",
        }
    }

    /// "1 outlet", "3 outlets", "منفذان"…
    pub fn outlets(self, n: usize) -> String {
        match (self, n) {
            (Ui::En, 1) => "1 outlet".into(),
            (Ui::En, n) => format!("{n} outlets"),
            (Ui::Ar, 1) => "منفذ واحد".into(),
            (Ui::Ar, 2) => "منفذان".into(),
            (Ui::Ar, n) if (3..=10).contains(&n) => format!("{n} منافذ"),
            (Ui::Ar, n) => format!("{n} منفذاً"),
        }
    }

    /// The interface's word for `key` (the English word is the key).
    pub fn t(self, key: &'static str) -> &'static str {
        if self == Ui::En {
            return key;
        }
        match key {
            "Stories" => "القصص",
            "Search" => "بحث",
            "Places" => "الأماكن",
            "Outlets" => "المنافذ",
            "Feeds" => "الخلاصات",
            "first" => "الأول",
            "Outlet" => "المنفذ",
            "articles" => "مقالات",
            "Language" => "اللغة",
            "Place" => "المكان",
            "Since" => "منذ",
            "Until" => "حتى",
            "Filter" => "تصفية",
            "Next" => "التالي",
            "Previous" => "السابق",
            "No stories in this window." => "لا قصص في هذه الفترة.",
            "No articles." => "لا مقالات.",
            "Download" => "تنزيل",
            "Original" => "الأصل",
            "Sightings" => "المشاهدات",
            "Articles per day, 30 days" => "المقالات يومياً، 30 يوماً",
            _ => key,
        }
    }
}

/// A whole page: the frame around `body`.
pub fn page(ui: Ui, title: &str, q: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(ui.lang()) dir=(ui.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title dir="auto" { (title) " · rasad" }
                link rel="stylesheet" href=(assets::css_href());
                script src=(assets::js_href()) defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "rasad رصد" }
                    nav {
                        a href="/" { (ui.t("Stories")) }
                        a href="/search" { (ui.t("Search")) }
                        a href="/places" { (ui.t("Places")) }
                        a href="/outlets" { (ui.t("Outlets")) }
                        a href="/feeds" { (ui.t("Feeds")) }
                    }
                    form action="/search" method="get" role="search" {
                        input type="search" name="q" dir="auto" value=[q] aria-label=(ui.t("Search"));
                        " "
                        button type="submit" { (ui.t("Search")) }
                    }
                }
                main { (body) }
                div #help hidden {
                    strong { "Keys" } br;
                    "j / k: next / previous" br;
                    "o: open" br;
                    "/: search" br;
                    "?: this help"
                }
            }
        }
    }
}

/// A page saying what was wrong with the request.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    page(
        Ui::En,
        title,
        None,
        html! {
            h1 { (status.as_u16()) " " (title) }
            p.error dir="auto" { (message) }
            p { a href="/" { "Back to the stories" } }
        },
    )
}

/// The login form (when `[web] token` is set).
pub fn login_page(next: &str, message: Option<&str>) -> Markup {
    page(
        Ui::En,
        "Log in",
        None,
        html! {
            h1 { "Log in" }
            @if let Some(m) = message { p.error { (m) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { "Token " input type="password" name="token" autocomplete="current-password" required; }
                " "
                button type="submit" { "Log in" }
            }
        },
    )
}

/// A link to somewhere outside: only http(s) URLs become links (a
/// `javascript:` or `data:` URL from a feed is shown, never followed).
pub fn safe_href(url: &str) -> &str {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => url,
        _ => "#",
    }
}

/// `2025-11-03T10:04:00Z` as `2025-11-03 10:04 UTC`.
pub fn when(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => ts.to_string(),
    }
}

/// How long after `first` `this` came: `+12 min`, `+3 h 5 min`, `+2 d 4 h`.
pub fn lag(first: &str, this: &str) -> Option<String> {
    let a = chrono::DateTime::parse_from_rfc3339(first).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(this).ok()?;
    let m = (b - a).num_minutes();
    Some(match m {
        m if m < 1 => "+0 min".into(),
        m if m < 60 => format!("+{m} min"),
        m if m < 24 * 60 => match m % 60 {
            0 => format!("+{} h", m / 60),
            r => format!("+{} h {r} min", m / 60),
        },
        m => match (m / 60) % 24 {
            0 => format!("+{} d", m / 1440),
            h => format!("+{} d {h} h", m / 1440),
        },
    })
}

/// The stored body HTML (the extractor's own, already sanitized) with
/// every block finding its own direction.
pub fn body_html(html: &str) -> PreEscaped<String> {
    let mut out = html.to_string();
    for tag in ["p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"] {
        out = out.replace(&format!("<{tag}>"), &format!("<{tag} dir=\"auto\">"));
    }
    PreEscaped(out)
}

/// A plain text shown as paragraphs, each with its own direction.
pub fn text_blocks(text: &str, lang: Option<&str>) -> Markup {
    html! {
        @for line in text.lines().filter(|l| !l.trim().is_empty()) {
            p dir="auto" lang=[lang] { (line) }
        }
    }
}

/// A snippet with its matches marked (`[word]` from `search::snippet`).
pub fn snippet(s: &str) -> Markup {
    html! {
        @for (i, part) in s.split('[').enumerate() {
            @if i == 0 {
                (part)
            } @else if let Some((hit, rest)) = part.split_once(']') {
                mark { (hit) } (rest)
            } @else {
                "[" (part)
            }
        }
    }
}

/// Links to the place pages of `names` (display names of places).
pub fn place_tags(names: &[String]) -> Markup {
    html! {
        @for name in names {
            @let id = crate::places::lookup(name).map(|p| p.id.clone()).unwrap_or_else(|| name.clone());
            a.tag href={ "/place/" (id) } dir="auto" { (name) }
        }
    }
}

/// One article in a list.
pub fn article_item(a: &ArticleRow, snippet_of: Option<&str>) -> Markup {
    let lang = a.lang.as_deref();
    html! {
        li {
            a.title href={ "/article/" (a.id) } dir="auto" lang=[lang] {
                (a.title.as_deref().unwrap_or("(no title)"))
            }
            div.meta {
                @if let Some(site) = &a.site { a href={ "/outlet/" (site) } { (site) } " · " }
                (when(a.published.as_deref().unwrap_or(&a.first_seen)))
                @if let Some(l) = lang { " · " span.tag { (l) } }
                " " (place_tags(&a.places))
                @if a.story_id != a.id { " · " a href={ "/story/" (a.story_id) } { "story" } }
            }
            @if let Some(q) = snippet_of {
                p dir="auto" lang=[lang] { (snippet(&crate::search::snippet(&a.text, q, 30))) }
            }
        }
    }
}

/// The same view as Atom, CSV and JSON Lines.
pub fn downloads(ui: Ui, path: &str, view: &View) -> Markup {
    html! {
        div.downloads {
            (ui.t("Download")) ": "
            @for d in [Download::Atom, Download::Csv, Download::Jsonl] {
                a href={ (path) (view.link(1, Some(d))) } { (d.name()) }
            }
        }
    }
}

/// Previous and next pages of a list.
pub fn pager(ui: Ui, path: &str, view: &View, has_next: bool) -> Markup {
    html! {
        nav.pager {
            @if view.page > 1 {
                a rel="prev" href={ (path) (view.link(view.page - 1, None)) } { "← " (ui.t("Previous")) }
            }
            @if has_next {
                a rel="next" href={ (path) (view.link(view.page + 1, None)) } { (ui.t("Next")) " →" }
            }
        }
    }
}

/// The filter form of a list.
pub fn filters(ui: Ui, path: &str, view: &View, with_query: bool) -> Markup {
    html! {
        form.filters method="get" action=(path) {
            @if with_query {
                label { (ui.t("Search")) input type="search" name="q" dir="auto" value=[view.q.as_deref()] autofocus; }
            }
            label { (ui.t("Outlet")) input name="site" size="14" value=[view.site.as_deref()]; }
            label { (ui.t("Language")) input name="lang" size="4" value=[view.lang.as_deref()]; }
            label { (ui.t("Place")) input name="place" size="12" dir="auto" value=[view.place.map(|p| p.name.as_str())]; }
            label { (ui.t("Since")) input name="since" size="10" value=[view.since_text.as_deref()]; }
            label { (ui.t("Until")) input name="until" size="10" value=[view.until_text.as_deref()]; }
            button type="submit" { (ui.t("Filter")) }
        }
    }
}
