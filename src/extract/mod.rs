//! Article extraction: page HTML → clean body text and metadata.
//!
//! Owns: site rules (`article_selector` / `remove` from feeds.toml) first,
//! then a general content-scoring extractor (text and link density,
//! paragraph clustering, class/id hints, sibling merging, conditional
//! cleaning of the chosen block), with the page's JSON-LD `articleBody` as a
//! check on recall; removal of boilerplate lines in Arabic, Kurdish and
//! English. A pure function of (html, url, rules): no I/O.

mod hints;
mod prescan;
mod render;
mod score;

use scraper::{Html, Selector};
use url::Url;

use crate::config::SiteRules;

pub use score::Analysis;

/// Shortest body (in non-space characters) that counts as an article.
const MIN_BODY_CHARS: usize = 60;

/// The result of extracting one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    pub author: Option<String>,
    /// Publication time as the page states it (ISO 8601 where the page uses it).
    pub published: Option<String>,
    /// Language from `<html lang>` or meta tags, else guessed from the text.
    pub lang: Option<String>,
    /// Body text: one paragraph, heading or list item per line.
    pub text: String,
    /// The same body as sanitized HTML (paragraphs, headings, lists, quotes,
    /// emphasis, http(s) links; nothing else).
    pub html: String,
    /// Which method found the body.
    pub method: Method,
}

/// How the body was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The feed's `article_selector`.
    Rule,
    /// Content scoring over the DOM.
    Scored,
    /// The page's own JSON-LD `articleBody`, longer than what the DOM gave.
    JsonLd,
    /// Low confidence: the best candidate without cleaning, because the
    /// cleaned body came out too short.
    Fallback,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Rule => "rule",
            Method::Scored => "scored",
            Method::JsonLd => "json-ld",
            Method::Fallback => "fallback",
        }
    }
}

/// Why a page gave no article.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no article body found in the page")]
    NoBody,
}

/// Extracts the article from `html`. `url` is the page's address; `rules`
/// are the feed's site rules.
pub fn extract(
    html: &str,
    url: Option<&Url>,
    rules: &SiteRules,
) -> Result<Extracted, ExtractError> {
    let pre = prescan::prescan(html);
    let doc = Html::parse_document(&pre.html);
    let meta = Meta::read(&doc, &pre.json_ld, pre.canonical.as_deref(), url);
    let analysis = Analysis::new(&doc, rules, url);
    let mut found: Option<(render::Body, Method)> = None;

    if let Some(sel) = rules
        .article_selector
        .as_deref()
        .and_then(|s| Selector::parse(s).ok())
    {
        found = doc
            .select(&sel)
            .map(|e| analysis.render_rule(e))
            .max_by_key(|b| visible_len(&b.text))
            .filter(|b| visible_len(&b.text) >= MIN_BODY_CHARS)
            .map(|t| (t, Method::Rule));
    }
    if found.is_none() {
        found = analysis
            .best_text(meta.title.as_deref())
            .filter(|b| visible_len(&b.text) >= MIN_BODY_CHARS)
            .map(|t| (t, Method::Scored));
    }
    if found.is_none() {
        // never nothing from a page that shows paragraphs of text
        found = analysis
            .fallback_text(meta.title.as_deref())
            .filter(|b| visible_len(&b.text) >= MIN_BODY_CHARS)
            .map(|t| (t, Method::Fallback));
    }
    // The page's own structured data says how long the article is: when the
    // DOM gave much less, trust the structured body.
    // The structured body counts only when it is this page's (see
    // `Meta::read`) and says what the page shows.
    if let Some(ld) = meta.ld_body.as_deref() {
        let ld_len = visible_len(ld);
        let dom_len = found.as_ref().map_or(0, |(b, _)| visible_len(&b.text));
        if ld_len >= MIN_BODY_CHARS * 2
            && (dom_len as f64) < ld_len as f64 * 0.6
            && agrees_with_page(ld, found.as_ref().map(|(b, _)| b.text.as_str()), &doc)
        {
            let blocks = ld
                .lines()
                .map(|l| render::Block {
                    kind: render::BlockKind::P,
                    lang: None,
                    text: l.to_string(),
                    html: {
                        let mut h = String::new();
                        render::escape(l, &mut h);
                        h
                    },
                })
                .collect();
            found = Some((render::finish_blocks(blocks, None), Method::JsonLd));
        }
    }
    let (body, method) = found.ok_or(ExtractError::NoBody)?;
    let lang = meta
        .lang
        .or_else(|| crate::text::guess_language(&body.text).map(str::to_string));
    Ok(Extracted {
        title: meta.title,
        author: meta.author,
        published: meta.published,
        lang,
        text: body.text,
        html: body.html,
        method,
    })
}

/// Plain text of an HTML fragment (a feed's summary or content).
pub fn fragment_text(fragment: &str) -> String {
    if !fragment.contains(['<', '&']) {
        return collapse_lines(fragment);
    }
    let doc = Html::parse_fragment(&prescan::prescan(fragment).html);
    score::render_plain(&doc)
}

/// Non-whitespace characters: the length measure used throughout.
pub(crate) fn visible_len(s: &str) -> usize {
    // count UTF-8 lead bytes that are not ASCII whitespace (vectorizes;
    // non-ASCII spaces such as U+00A0 count as characters, which is harmless)
    s.bytes()
        .filter(|&b| (b & 0xC0) != 0x80 && !b.is_ascii_whitespace())
        .count()
}

pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

pub(crate) fn collapse_lines(s: &str) -> String {
    s.lines()
        .map(collapse_ws)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Page metadata: title, author, date, language and JSON-LD body.
#[derive(Debug, Default)]
struct Meta {
    title: Option<String>,
    author: Option<String>,
    published: Option<String>,
    lang: Option<String>,
    /// The `articleBody` of the JSON-LD article that is this page, with a
    /// check still to come: its text must agree with what the DOM shows.
    ld_body: Option<String>,
}

impl Meta {
    fn read(doc: &Html, json_ld: &[String], canonical: Option<&str>, url: Option<&Url>) -> Meta {
        let head = Head { doc };
        let og_title = head.meta(&["og:title", "twitter:title"]);
        let doc_title = head.texts("title").into_iter().next();
        let h1s = head.texts("h1");
        let site_name = head.meta(&["og:site_name", "application-name"]);
        // What this page is known as: its URLs and its titles.
        let page = PageIds::of(
            url,
            [canonical.map(str::to_string), head.meta(&["og:url"])],
            og_title.iter().chain(doc_title.iter()).chain(h1s.iter()),
        );
        let articles = LdArticle::collect(json_ld);
        // The JSON-LD article that is this page: by URL or id first, then
        // by headline. Another page's article (a widget, a "next article"
        // preload, a list) lends this page nothing.
        let this = articles
            .iter()
            .find(|a| a.has_id_of(&page, url))
            .or_else(|| articles.iter().find(|a| a.has_headline_of(&page)));
        // Without one, an article that names no page at all may still give
        // author and date when it is the only one.
        let anonymous = match articles.as_slice() {
            [only] if only.ids.is_empty() => Some(only),
            _ => None,
        };
        let title = og_title
            .or_else(|| this.and_then(|a| a.headline.clone()))
            .or_else(|| {
                // an h1 the document title repeats is the headline without
                // the site's name
                let t = doc_title.as_deref()?;
                h1s.iter()
                    .find(|h| h.chars().count() >= 10 && t.contains(h.as_str()))
                    .cloned()
            })
            .or(doc_title)
            .map(|t| strip_site_name(&t, site_name.as_deref()));
        let author = head
            .meta(&["author", "article:author", "byl", "dc.creator"])
            .filter(|a| !a.starts_with("http"))
            .or_else(|| this.or(anonymous).and_then(|a| a.author.clone()));
        let published = head
            .meta(&[
                "article:published_time",
                "og:published_time",
                "datePublished",
                "pubdate",
                "publishdate",
                "dc.date",
                "date",
            ])
            .or_else(|| this.or(anonymous).and_then(|a| a.published.clone()))
            .or_else(|| head.time_datetime());
        Meta {
            title,
            author,
            published,
            lang: head.lang(),
            ld_body: this
                .and_then(|a| a.body.as_deref())
                .map(fragment_text)
                .filter(|b| !b.is_empty()),
        }
    }
}

impl PageIds {
    /// The page's own URL and the ones it names (relative ones against it),
    /// with its titles, each in the form they are compared in.
    fn of<'t>(
        url: Option<&Url>,
        named: [Option<String>; 2],
        titles: impl Iterator<Item = &'t String>,
    ) -> PageIds {
        PageIds {
            urls: url
                .cloned()
                .into_iter()
                .chain(named.into_iter().flatten().filter_map(|u| match url {
                    Some(base) => base.join(&u).ok(),
                    None => Url::parse(&u).ok(),
                }))
                .map(|u| same_page_form(&u))
                .collect(),
            titles: titles
                .map(|t| crate::text::normalize(t))
                .filter(|t| !t.is_empty())
                .collect(),
        }
    }
}

/// What the document says of itself outside its body: meta tags, titles,
/// `lang`, `<time datetime>`.
struct Head<'a> {
    doc: &'a Html,
}

impl Head<'_> {
    /// The first non-empty `content` of a meta tag with one of `names`
    /// (as property, name or itemprop).
    fn meta(&self, names: &[&str]) -> Option<String> {
        let sel = Selector::parse("meta").ok()?;
        self.doc.select(&sel).find_map(|e| {
            let v = e.value();
            let key = v
                .attr("property")
                .or(v.attr("name"))
                .or(v.attr("itemprop"))?;
            if names.iter().any(|n| key.eq_ignore_ascii_case(n)) {
                v.attr("content").map(collapse_ws).filter(|c| !c.is_empty())
            } else {
                None
            }
        })
    }

    /// The texts of the first four elements matching `css`.
    fn texts(&self, css: &str) -> Vec<String> {
        let Ok(sel) = Selector::parse(css) else {
            return Vec::new();
        };
        self.doc
            .select(&sel)
            .map(|t| collapse_ws(&t.text().collect::<String>()))
            .filter(|t| !t.is_empty())
            .take(4)
            .collect()
    }

    fn lang(&self) -> Option<String> {
        let root = self.doc.root_element().value();
        root.attr("lang")
            .or(root.attr("xml:lang"))
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty() && l.len() <= 16)
            .or_else(|| self.meta(&["og:locale", "language", "content-language"]))
    }

    /// The first `<time datetime>` that holds at least a date.
    fn time_datetime(&self) -> Option<String> {
        let sel = Selector::parse("time[datetime]").ok()?;
        self.doc
            .select(&sel)
            .filter_map(|t| t.value().attr("datetime"))
            .map(str::trim)
            .find(|d| d.len() >= 10)
            .map(str::to_string)
    }
}

/// A URL reduced to what names a page: canonical form without the scheme.
fn same_page_form(u: &Url) -> String {
    let c = crate::dedup::canonical_url(u);
    let s = c.as_str();
    s.split_once("://").map_or(s, |(_, rest)| rest).to_string()
}

/// Removes a site name written before or after the headline
/// ("Headline - Site", "Site | Headline").
fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) else {
        return title.to_string();
    };
    for sep in [
        " - ", " | ", " – ", " — ", " :: ", " « ", " » ", " · ", " : ",
    ] {
        if let Some(head) = title.strip_suffix(site).and_then(|t| t.strip_suffix(sep)) {
            if !head.trim().is_empty() {
                return head.trim().to_string();
            }
        }
        if let Some(tail) = title.strip_prefix(site).and_then(|t| t.strip_prefix(sep)) {
            if !tail.trim().is_empty() {
                return tail.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// How this page is known: its URL forms and normalized titles.
struct PageIds {
    urls: Vec<String>,
    titles: Vec<String>,
}

/// One article-like object of the page's JSON-LD, with only its own fields.
#[derive(Debug, Default)]
struct LdArticle {
    /// `url`, `@id` and `mainEntityOfPage` values, as written.
    ids: Vec<String>,
    headline: Option<String>,
    body: Option<String>,
    author: Option<String>,
    published: Option<String>,
}

/// Most JSON-LD objects read from one page.
const MAX_LD_ARTICLES: usize = 64;

impl LdArticle {
    fn collect(json_ld: &[String]) -> Vec<LdArticle> {
        let mut out = Vec::new();
        for raw in json_ld {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.trim()) {
                Self::walk(&v, 0, &mut out);
            }
        }
        out
    }

    fn walk(v: &serde_json::Value, depth: usize, out: &mut Vec<LdArticle>) {
        use serde_json::Value;
        if depth > 8 || out.len() >= MAX_LD_ARTICLES {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| Self::walk(i, depth + 1, out)),
            Value::Object(map) => {
                let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
                let typed = match map.get("@type") {
                    Some(Value::String(t)) => is_article_type(t),
                    Some(Value::Array(ts)) => {
                        ts.iter().filter_map(Value::as_str).any(is_article_type)
                    }
                    _ => false,
                };
                let body = s("articleBody").or_else(|| s("text").filter(|t| t.len() > 400));
                if typed || body.is_some() {
                    let mut ids: Vec<String> = ["url", "@id"].iter().filter_map(|k| s(k)).collect();
                    match map.get("mainEntityOfPage") {
                        Some(Value::String(u)) => ids.push(u.clone()),
                        Some(Value::Object(o)) => ids.extend(
                            ["@id", "url"]
                                .iter()
                                .filter_map(|k| o.get(*k).and_then(Value::as_str))
                                .map(str::to_string),
                        ),
                        _ => {}
                    }
                    out.push(LdArticle {
                        ids,
                        headline: s("headline").or_else(|| s("name")).map(|h| collapse_ws(&h)),
                        body,
                        author: ld_author(map.get("author")),
                        published: s("datePublished"),
                    });
                }
                for (k, child) in map {
                    if matches!(child, Value::Object(_) | Value::Array(_)) && k != "author" {
                        Self::walk(child, depth + 1, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// Names this page by one of its URLs (fragments such as `#article`
    /// on the page's own URL count).
    fn has_id_of(&self, page: &PageIds, base: Option<&Url>) -> bool {
        self.ids.iter().any(|id| {
            let parsed = match base {
                Some(b) => b.join(id).ok(),
                None => Url::parse(id).ok(),
            };
            parsed
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .is_some_and(|u| page.urls.contains(&same_page_form(&u)))
        })
    }

    /// Its headline is the page's title (or one contains the other, as a
    /// title with the site's name contains the headline).
    fn has_headline_of(&self, page: &PageIds) -> bool {
        let Some(h) = self.headline.as_deref().map(crate::text::normalize) else {
            return false;
        };
        if h.chars().count() < 4 {
            return false;
        }
        page.titles.iter().any(|t| {
            t == &h
                || (h.chars().count() >= 15 && t.contains(&h))
                || (t.chars().count() >= 15 && h.contains(t.as_str()))
        })
    }
}

fn is_article_type(t: &str) -> bool {
    let t = t.rsplit('/').next().unwrap_or(t);
    t.ends_with("Article") || matches!(t, "BlogPosting" | "Report" | "LiveBlogPosting" | "Posting")
}

fn ld_author(v: Option<&serde_json::Value>) -> Option<String> {
    use serde_json::Value;
    match v? {
        Value::String(a) => Some(a.clone()),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => a.iter().find_map(|x| {
            x.get("name")
                .and_then(Value::as_str)
                .or(x.as_str())
                .map(str::to_string)
        }),
        _ => None,
    }
    .map(|a| collapse_ws(&a))
    .filter(|a| !a.is_empty())
}

/// Whether a structured body agrees with what the page shows. When the
/// DOM gave a body, most of it must be in the structured one (a page may
/// show less than its structured body, as truncated and paywalled pages
/// do, but not something else); when it gave none, the structured body's
/// opening must be on the page. A page that shows almost no text (rendered
/// by script) has nothing to contradict it.
fn agrees_with_page(ld_body: &str, dom_body: Option<&str>, doc: &Html) -> bool {
    use std::collections::HashSet;
    let ld = crate::text::normalize(ld_body);
    let ld_words: Vec<&str> = crate::text::words(&ld).collect();
    let share_in = |needle: &[&str], hay: &[&str]| -> f64 {
        let grams: HashSet<&[&str]> = hay.windows(4).collect();
        let total = needle.windows(4).count();
        if total == 0 {
            return 0.0;
        }
        needle.windows(4).filter(|w| grams.contains(w)).count() as f64 / total as f64
    };
    if let Some(dom) = dom_body {
        let dom = crate::text::normalize(dom);
        let dom_words: Vec<&str> = crate::text::words(&dom).take(400).collect();
        if dom_words.len() >= 8 {
            return share_in(&dom_words, &ld_words) >= 0.5;
        }
    }
    let shown = crate::text::normalize(&doc.root_element().text().collect::<String>());
    let shown_words: Vec<&str> = crate::text::words(&shown).collect();
    if shown_words.len() < 40 {
        return true;
    }
    let opening = &ld_words[..ld_words.len().min(16)];
    share_in(opening, &shown_words) >= 0.5
}

#[cfg(test)]
mod tests;
