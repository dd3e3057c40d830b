//! Article extraction: page HTML → clean body text.
//!
//! Owns: site rules (`article_selector` / `remove` from feeds.toml) first,
//! then a general content-scoring extractor; removal of navigation, share,
//! related and comment blocks and known boilerplate lines. A pure function
//! of (html, url, rules): no I/O, so it is fast to test and to benchmark.

use std::collections::HashSet;

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::config::SiteRules;

/// Shortest body (in characters) that counts as an extracted article.
const MIN_BODY_CHARS: usize = 80;

/// The result of extracting one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    /// Body text: one paragraph per line.
    pub text: String,
    /// Which method found the body: `rule`, `known`, `scored`.
    pub method: &'static str,
}

/// Why a page gave no article.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no article body found in the page")]
    NoBody,
}

/// Elements never part of an article body.
const SKIP_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "canvas", "nav", "footer", "aside", "form",
    "iframe", "button", "select", "input", "textarea", "menu", "object", "embed", "head", "title",
    "meta", "link", "figure", "video", "audio", "map",
];

/// Elements that start a new line in the text.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "dd",
    "dt",
    "dl",
    "hr",
    "main",
    "figcaption",
    "address",
    "td",
    "th",
];

/// class/id fragments that mark boilerplate blocks.
const BOILERPLATE_HINTS: &[&str] = &[
    "share",
    "sharing",
    "social",
    "related",
    "comment",
    "sidebar",
    "widget",
    "newsletter",
    "breadcrumb",
    "navigation",
    "navbar",
    "menu",
    "footer",
    "advert",
    "promo",
    "subscribe",
    "cookie",
    "popup",
    "modal",
    "author-box",
    "author-bio",
    "tags",
    "tag-list",
    "post-meta",
    "entry-meta",
    "jp-relatedposts",
    "sharedaddy",
    "yarpp",
    "read-more",
    "readmore",
    "more-stories",
    "recommended",
    "outbrain",
    "taboola",
    "print",
    "pagination",
];

/// Lines that are boilerplate wherever they appear (Arabic, Kurdish, English).
const BOILERPLATE_LINES: &[&str] = &[
    "التعليقات مغلقة",
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "إقرأ أيضا",
    "اقرأ المزيد",
    "شارك هذا",
    "شارك المقال",
    "تابعونا على",
    "جميع الحقوق محفوظة",
    "Comments are closed",
    "Read also",
    "Read more",
    "Share this",
    "All rights reserved",
    "Bixwîne",
    "Herwiha bixwînin",
];

/// Known article containers, tried in order when no site rule applies.
const KNOWN_SELECTORS: &[&str] = &[
    "[itemprop=\"articleBody\"]",
    ".entry-content",
    ".post-content",
    ".article-content",
    ".article-body",
    ".story-body",
    ".td-post-content",
    "article",
];

/// Extracts the article body from `html`. `url` is the page's address (for
/// future per-site behaviour); `rules` are the feed's site rules.
pub fn extract(
    html: &str,
    _url: Option<&Url>,
    rules: &SiteRules,
) -> Result<Extracted, ExtractError> {
    let doc = Html::parse_document(html);
    let mut removed: HashSet<ego_tree::NodeId> = HashSet::new();
    for sel in rules.remove.iter().filter_map(|s| Selector::parse(s).ok()) {
        removed.extend(doc.select(&sel).map(|e| e.id()));
    }
    let title = page_title(&doc);
    let ctx = Ctx { removed: &removed };

    if let Some(sel) = rules
        .article_selector
        .as_deref()
        .and_then(|s| Selector::parse(s).ok())
    {
        let best = doc
            .select(&sel)
            .map(|e| ctx.render(e, false))
            .max_by_key(|t| t.chars().count());
        if let Some(text) = best.filter(|t| t.chars().count() >= MIN_BODY_CHARS) {
            return Ok(Extracted {
                title,
                text,
                method: "rule",
            });
        }
    }
    for s in KNOWN_SELECTORS {
        let Ok(sel) = Selector::parse(s) else {
            continue;
        };
        let best = doc
            .select(&sel)
            .filter(|e| !ctx.is_boilerplate(e))
            .map(|e| ctx.render(e, true))
            .max_by_key(|t| t.chars().count());
        if let Some(text) = best.filter(|t| t.chars().count() >= MIN_BODY_CHARS * 2) {
            return Ok(Extracted {
                title,
                text,
                method: "known",
            });
        }
    }
    let root = ctx.best_scored(&doc).ok_or(ExtractError::NoBody)?;
    let text = ctx.render(root, true);
    if text.chars().count() < MIN_BODY_CHARS {
        return Err(ExtractError::NoBody);
    }
    Ok(Extracted {
        title,
        text,
        method: "scored",
    })
}

/// Plain text of an HTML fragment (a feed's summary or content).
pub fn fragment_text(fragment: &str) -> String {
    if !fragment.contains(['<', '&']) {
        return collapse_lines(fragment);
    }
    let doc = Html::parse_fragment(fragment);
    let removed = HashSet::new();
    let ctx = Ctx { removed: &removed };
    ctx.render(doc.root_element(), false)
}

fn page_title(doc: &Html) -> Option<String> {
    let og = Selector::parse("meta[property=\"og:title\"]").ok()?;
    if let Some(t) = doc
        .select(&og)
        .filter_map(|m| m.value().attr("content"))
        .map(collapse_ws)
        .find(|t| !t.is_empty())
    {
        return Some(t);
    }
    let h1 = Selector::parse("h1").ok()?;
    doc.select(&h1)
        .map(|h| collapse_ws(&h.text().collect::<String>()))
        .find(|t| !t.is_empty())
}

struct Ctx<'a> {
    removed: &'a HashSet<ego_tree::NodeId>,
}

impl Ctx<'_> {
    fn is_boilerplate(&self, e: &ElementRef) -> bool {
        let v = e.value();
        let mut hint = String::new();
        if let Some(c) = v.attr("class") {
            hint.push_str(c);
        }
        if let Some(i) = v.attr("id") {
            hint.push(' ');
            hint.push_str(i);
        }
        if hint.is_empty() {
            return false;
        }
        let hint = hint.to_ascii_lowercase();
        // "entry-content" and "article-body" must never be mistaken for boilerplate
        if hint.contains("content") || hint.contains("article-body") {
            return false;
        }
        BOILERPLATE_HINTS.iter().any(|h| hint.contains(h))
            || v.attr("role")
                .is_some_and(|r| matches!(r, "navigation" | "complementary" | "banner"))
    }

    fn skip(&self, e: &ElementRef, hints: bool) -> bool {
        self.removed.contains(&e.id())
            || SKIP_TAGS.contains(&e.value().name())
            || e.value().attr("hidden").is_some()
            || (hints && self.is_boilerplate(e))
    }

    /// Renders the text under `root`, one block per line, without skipped
    /// elements and boilerplate lines.
    fn render(&self, root: ElementRef, hints: bool) -> String {
        let mut out = String::new();
        self.walk(*root, hints, &mut out);
        let lines: Vec<String> = out
            .lines()
            .map(collapse_ws)
            .filter(|l| !l.is_empty())
            .filter(|l| !is_boilerplate_line(l))
            .collect();
        lines.join("\n")
    }

    fn walk(&self, node: NodeRef<Node>, hints: bool, out: &mut String) {
        for child in node.children() {
            match child.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(el) => {
                    let Some(e) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if self.skip(&e, hints) {
                        continue;
                    }
                    let block = BLOCK_TAGS.contains(&el.name());
                    if block {
                        out.push('\n');
                    }
                    self.walk(child, hints, out);
                    if block {
                        out.push('\n');
                    }
                }
                _ => {}
            }
        }
    }

    /// The element whose paragraphs hold the most text, discounting links.
    fn best_scored<'d>(&self, doc: &'d Html) -> Option<ElementRef<'d>> {
        let p = Selector::parse("p, pre, blockquote").ok()?;
        let mut scores: std::collections::HashMap<ego_tree::NodeId, f64> = Default::default();
        for para in doc.select(&p) {
            if para
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| self.skip(&a, true))
            {
                continue;
            }
            let text: String = para.text().collect();
            let len = collapse_ws(&text).chars().count() as f64;
            if len < 25.0 {
                continue;
            }
            let a = Selector::parse("a").ok()?;
            let link_len: usize = para
                .select(&a)
                .map(|l| l.text().map(|t| t.chars().count()).sum::<usize>())
                .sum();
            let score = len * (1.0 - (link_len as f64 / len.max(1.0)).min(1.0));
            let mut parent = para.parent();
            let mut weight = 1.0;
            for _ in 0..2 {
                let Some(pn) = parent else { break };
                if pn.value().is_element() {
                    *scores.entry(pn.id()).or_default() += score * weight;
                }
                weight /= 2.0;
                parent = pn.parent();
            }
        }
        let best = scores.into_iter().max_by(|a, b| a.1.total_cmp(&b.1))?.0;
        doc.tree.get(best).and_then(ElementRef::wrap)
    }
}

fn is_boilerplate_line(line: &str) -> bool {
    line.chars().count() < 120 && BOILERPLATE_LINES.iter().any(|b| line.starts_with(b))
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collapse_lines(s: &str) -> String {
    s.lines()
        .map(collapse_ws)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "قالت مصادر محلية لنورث برس إن اشتباكات اندلعت مساء الأحد بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، ما أدى إلى مقتل شخصين.";
    const BODY2: &str = "وأضافت المصادر أن القوات استقدمت تعزيزات عسكرية إلى بلدة ذيبان، وفرضت حظراً للتجوال حتى إشعار آخر.";

    fn page() -> String {
        format!(
            r#"<html><head><title>x</title><meta property="og:title" content="اشتباكات في ريف دير الزور"></head>
<body><nav><a href="/">الرئيسية</a><a href="/news">أخبار</a></nav>
<div class="main"><article><h1>اشتباكات</h1><div class="entry-content"><p>{BODY}</p><p>{BODY2}</p>
<div class="sharedaddy">شارك هذا: فيسبوك تويتر</div>
<p>التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة.</p></div>
<div class="related-posts"><p>خبر آخر عن الرقة والحسكة والقامشلي في الشمال السوري اليوم</p></div></article></div>
<footer>جميع الحقوق محفوظة</footer></body></html>"#
        )
    }

    #[test]
    fn wordpress_entry_content_without_boilerplate() {
        let e = extract(&page(), None, &SiteRules::default()).expect("body");
        assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
        assert_eq!(e.title.as_deref(), Some("اشتباكات في ريف دير الزور"));
    }

    #[test]
    fn site_rules_win() {
        let rules = SiteRules {
            article_selector: Some("div.main".into()),
            remove: vec!["h1".into(), ".related-posts".into()],
        };
        let e = extract(&page(), None, &rules).expect("body");
        assert_eq!(e.method, "rule");
        assert!(e.text.starts_with(BODY), "{}", e.text);
        assert!(!e.text.contains("خبر آخر"));
    }

    #[test]
    fn scoring_without_known_containers() {
        let html = format!(
            "<body><div id=a><a href=/x>one</a> <a href=/y>two</a></div><div id=b><p>{BODY}</p><p>{BODY2}</p></div><div class=comments><p>{BODY2} تعليق</p></div></body>"
        );
        let e = extract(&html, None, &SiteRules::default()).expect("body");
        assert_eq!(e.method, "scored");
        assert_eq!(e.text, format!("{BODY}\n{BODY2}"));
    }

    #[test]
    fn empty_page_has_no_body() {
        assert_eq!(
            extract(
                "<html><body><nav>x</nav></body></html>",
                None,
                &SiteRules::default()
            ),
            Err(ExtractError::NoBody)
        );
    }

    #[test]
    fn fragments() {
        assert_eq!(
            fragment_text("<p>Hesekê &amp; Qamişlo</p><p>Kobanî</p>"),
            "Hesekê & Qamişlo\nKobanî"
        );
        assert_eq!(fragment_text("  plain   text "), "plain text");
    }
}
