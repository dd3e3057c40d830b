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
    /// Which method found the body: `rule`, `scored`, `json-ld`.
    pub method: &'static str,
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
    let meta = Meta::read(&doc, &pre.json_ld);
    let analysis = Analysis::new(&doc, rules, url);
    let mut found: Option<(render::Body, &'static str)> = None;

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
            .map(|t| (t, "rule"));
    }
    if found.is_none() {
        found = analysis
            .best_text(meta.title.as_deref())
            .filter(|b| visible_len(&b.text) >= MIN_BODY_CHARS)
            .map(|t| (t, "scored"));
    }
    // The page's own structured data says how long the article is: when the
    // DOM gave much less, trust the structured body.
    if let Some(ld) = meta.ld_body.as_deref() {
        let ld_len = visible_len(ld);
        let dom_len = found.as_ref().map_or(0, |(b, _)| visible_len(&b.text));
        if ld_len >= MIN_BODY_CHARS * 2 && (dom_len as f64) < ld_len as f64 * 0.6 {
            let blocks = ld
                .lines()
                .map(|l| render::Block {
                    kind: "p",
                    text: l.to_string(),
                    html: {
                        let mut h = String::new();
                        render::escape(l, &mut h);
                        h
                    },
                })
                .collect();
            found = Some((render::finish_blocks(blocks, None), "json-ld"));
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
    ld_body: Option<String>,
}

impl Meta {
    fn read(doc: &Html, json_ld: &[String]) -> Meta {
        let mut m = Meta::default();
        let meta_content = |names: &[&str]| -> Option<String> {
            let sel = Selector::parse("meta").ok()?;
            doc.select(&sel).find_map(|e| {
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
        };
        m.title = meta_content(&["og:title", "twitter:title"]).or_else(|| {
            let sel = Selector::parse("title").ok()?;
            doc.select(&sel)
                .map(|t| collapse_ws(&t.text().collect::<String>()))
                .find(|t| !t.is_empty())
        });
        m.author = meta_content(&["author", "article:author", "byl", "dc.creator"])
            .filter(|a| !a.starts_with("http"));
        m.published = meta_content(&[
            "article:published_time",
            "og:published_time",
            "datePublished",
            "pubdate",
            "publishdate",
            "dc.date",
            "date",
        ]);
        m.lang = doc
            .root_element()
            .value()
            .attr("lang")
            .or(doc.root_element().value().attr("xml:lang"))
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty() && l.len() <= 16)
            .or_else(|| meta_content(&["og:locale", "language", "content-language"]));
        {
            for raw in json_ld {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.trim()) else {
                    continue;
                };
                let mut ld = LdFields::default();
                ld.walk(&v, 0);
                if m.ld_body.is_none() {
                    m.ld_body = ld.body.map(|b| fragment_text(&b)).filter(|b| !b.is_empty());
                }
                if m.author.is_none() {
                    m.author = ld.author;
                }
                if m.published.is_none() {
                    m.published = ld.published;
                }
                if m.title.is_none() {
                    m.title = ld.headline;
                }
            }
        }
        if m.published.is_none() {
            if let Ok(sel) = Selector::parse("time[datetime]") {
                m.published = doc
                    .select(&sel)
                    .filter_map(|t| t.value().attr("datetime"))
                    .map(str::trim)
                    .find(|d| d.len() >= 10)
                    .map(str::to_string);
            }
        }
        m
    }
}

#[derive(Default)]
struct LdFields {
    body: Option<String>,
    author: Option<String>,
    published: Option<String>,
    headline: Option<String>,
}

impl LdFields {
    fn walk(&mut self, v: &serde_json::Value, depth: usize) {
        use serde_json::Value;
        if depth > 8 {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.walk(i, depth + 1)),
            Value::Object(map) => {
                let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
                if self.body.is_none() {
                    self.body = s("articleBody").or_else(|| s("text").filter(|t| t.len() > 400));
                }
                if self.published.is_none() {
                    self.published = s("datePublished");
                }
                if self.headline.is_none() {
                    self.headline = s("headline").map(|h| collapse_ws(&h));
                }
                if self.author.is_none() {
                    self.author = match map.get("author") {
                        Some(Value::String(a)) => Some(a.clone()),
                        Some(Value::Object(o)) => {
                            o.get("name").and_then(Value::as_str).map(str::to_string)
                        }
                        Some(Value::Array(a)) => a.iter().find_map(|x| {
                            x.get("name")
                                .and_then(Value::as_str)
                                .or(x.as_str())
                                .map(str::to_string)
                        }),
                        _ => None,
                    };
                }
                for (k, child) in map {
                    if k == "@graph" || k == "mainEntity" || k == "mainEntityOfPage" {
                        self.walk(child, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
