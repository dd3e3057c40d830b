//! Article extraction: page HTML → clean body text and metadata.
//!
//! Owns: site rules (`article_selector` / `remove` from feeds.toml) first,
//! then a general content-scoring extractor (text and link density,
//! paragraph clustering, class/id hints, sibling merging, conditional
//! cleaning of the chosen block), with the page's JSON-LD `articleBody` as a
//! check on recall; removal of boilerplate lines in Arabic, Kurdish and
//! English. A pure function of (html, url, rules): no I/O.

mod hints;
mod meta;
mod naming;
mod prescan;
mod render;
mod score;
pub mod template;

use scraper::{Html, Selector};
use url::Url;

use crate::config::SiteRules;
use meta::Meta;

pub use score::Analysis;
pub use template::{Learned, Ring, Template};

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
    /// Lines left out as the outlet's template.
    pub template_lines: usize,
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

/// Why a page gave no article: it was not a page of text at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    /// A PDF, an image, an archive: named by its media type.
    #[error("not an HTML page: {0}")]
    NotHtml(String),
    /// An HTML page that shows no paragraph of text.
    #[error("no text in the page")]
    NoText,
    /// Every candidate body was the outlet's template: text its other
    /// pages show too.
    #[error("only the outlet's template ({lines} lines its recent pages all show)")]
    OnlyTemplate { lines: usize },
}

/// Media types that are never a page of text.
const NOT_TEXT: &[&str] = &[
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/msword",
    "application/vnd.",
    "application/json",
    "application/javascript",
    "application/x-shockwave-flash",
];

/// What a body's first bytes say it is, when it is not text.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG", "image/png"),
    (b"\xFF\xD8\xFF", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1F\x8B", "application/gzip"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
];

/// Refuses a response that is not a page of text, by its `Content-Type`
/// or, whatever that says, by its first bytes ("%PDF-").
pub fn check_page(content_type: Option<&str>, body: &[u8]) -> Result<(), ExtractError> {
    if let Some(ct) = content_type {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if NOT_TEXT.iter().any(|t| essence.starts_with(t)) {
            return Err(ExtractError::NotHtml(essence));
        }
    }
    let riff_webp = body.len() >= 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP";
    match MAGIC.iter().find(|(m, _)| body.starts_with(m)) {
        Some((_, kind)) => Err(ExtractError::NotHtml((*kind).to_string())),
        None if riff_webp => Err(ExtractError::NotHtml("image/webp".to_string())),
        None => Ok(()),
    }
}

/// Extracts the article from `html`. `url` is the page's address; `rules`
/// are the feed's site rules.
pub fn extract(
    html: &str,
    url: Option<&Url>,
    rules: &SiteRules,
) -> Result<Extracted, ExtractError> {
    extract_with(html, url, rules, &Template::default(), false).0
}

/// Extracts the article with what is known of its outlet's template: lines
/// of the template leave the body, and a body made of them is passed over
/// for the next candidate (none: [`ExtractError::OnlyTemplate`]). Also
/// returns what the page teaches about the template, failure or not.
pub fn extract_learning(
    html: &str,
    url: Option<&Url>,
    rules: &SiteRules,
    template: &Template,
) -> (Result<Extracted, ExtractError>, Learned) {
    extract_with(html, url, rules, template, true)
}

/// The extraction; what the page teaches only when `learn` asks for it.
fn extract_with(
    html: &str,
    url: Option<&Url>,
    rules: &SiteRules,
    template: &Template,
    learn: bool,
) -> (Result<Extracted, ExtractError>, Learned) {
    let pre = prescan::prescan(html);
    let doc = Html::parse_document(&pre.html);
    let meta = Meta::read(&doc, &pre.json_ld, pre.canonical.as_deref(), url);
    let title = meta.title.as_deref();
    let none = Template::default();
    let analysis = Analysis::new(&doc, rules, url, title, &none);
    let found = choose(&doc, &analysis, &meta, rules);
    let page_key = title
        .map(str::to_string)
        .or_else(|| url.map(|u| u.path().to_string()))
        .unwrap_or_default();
    let mut learned = Learned::default();
    if learn {
        learned = Learned::new(&page_key);
        if let Some((b, _)) = &found {
            learned.add(&b.lines());
        }
    }
    let mut found = found.map(|(b, m)| (b, m, 0));
    if !template.is_empty() {
        if let Some((body, method, _)) = found.take() {
            let all = visible_len(&body.text);
            let (kept, dropped) = body.without(template);
            let left = visible_len(&kept.text);
            found = if dropped == 0 || (left * 2 >= all && left >= MIN_BODY_CHARS) {
                Some((kept, method, dropped))
            } else {
                // the first choice was mostly template: choose again with
                // the template's blocks counting for nothing
                let again = Analysis::new(&doc, rules, url, title, template);
                let second = choose(&doc, &again, &meta, rules).and_then(|(b, m)| {
                    let (kept, more) = b.without(template);
                    (visible_len(&kept.text) >= MIN_BODY_CHARS).then_some((kept, m, dropped + more))
                });
                if let (Some((b, _, _)), true) = (&second, learn) {
                    learned.add(&b.lines());
                }
                match second {
                    Some(s) => Some(s),
                    None => return (Err(ExtractError::OnlyTemplate { lines: dropped }), learned),
                }
            };
        }
    }
    let Some((body, method, template_lines)) = found else {
        return (Err(ExtractError::NoText), learned);
    };
    let lang = meta
        .lang
        .or_else(|| crate::text::guess_language(&body.text).map(str::to_string));
    let extracted = Extracted {
        title: meta.title,
        author: meta.author,
        published: meta.published,
        lang,
        text: body.text,
        html: body.html,
        method,
        template_lines,
    };
    (Ok(extracted), learned)
}

/// The body: the site rule's, else the scored block, else the best
/// candidate uncleaned; the page's JSON-LD body when the DOM gave much less.
fn choose(
    doc: &Html,
    analysis: &Analysis,
    meta: &Meta,
    rules: &SiteRules,
) -> Option<(render::Body, Method)> {
    let title = meta.title.as_deref();
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
            .best_text(title)
            .filter(|b| visible_len(&b.text) >= MIN_BODY_CHARS)
            .map(|t| (t, Method::Scored));
    }
    if found.is_none() {
        // never nothing from a page that shows paragraphs of text
        found = analysis
            .fallback_text(title)
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
            && agrees_with_page(ld, found.as_ref().map(|(b, _)| b.text.as_str()), doc)
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
    found
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
