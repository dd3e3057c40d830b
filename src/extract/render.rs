//! Turns the chosen elements into blocks of text and sanitized HTML, then
//! filters the blocks (boilerplate lines, the repeated title, promotions and
//! credits at the edges) and joins them.
//!
//! The HTML keeps only structure a reader needs: paragraphs, headings, list
//! items, quotes, preformatted text, emphasis and http(s) links with
//! `rel="nofollow noopener"`. No attributes but `href`, no scripts, styles,
//! event handlers, images or tracking pixels.

use url::Url;

use super::collapse_ws;
use super::hints::{BOILERPLATE_EXACT, BOILERPLATE_LINES, EDGE_JUNK};
use super::template::Template;

/// One paragraph-like piece of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    pub html: String,
    /// The language the page gave this block (its own `lang` or that of
    /// an enclosing block), when it is a well-formed tag.
    pub lang: Option<String>,
}

/// The finished body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub text: String,
    pub html: String,
    /// The blocks it was joined from.
    pub blocks: Vec<Block>,
}

impl Body {
    /// The body without the outlet's template lines, and how many went.
    pub fn without(&self, template: &Template) -> (Body, usize) {
        let kept: Vec<Block> = self
            .blocks
            .iter()
            .filter(|b| !template.holds(&b.text))
            .cloned()
            .collect();
        let dropped = self.blocks.len() - kept.len();
        (join(kept), dropped)
    }

    /// Its lines, as blocks.
    pub fn lines(&self) -> Vec<&str> {
        self.blocks.iter().map(|b| b.text.as_str()).collect()
    }
}

/// Accumulates blocks while the DOM is walked.
pub struct Writer<'u> {
    base: Option<&'u Url>,
    blocks: Vec<Block>,
    /// Open blocks: their kind and language.
    kinds: Vec<(BlockKind, Option<String>)>,
    text: String,
    html: String,
    /// Open inline elements (output tag, opening markup).
    inline: Vec<(&'static str, String)>,
}

/// What a block is, which is the tag it is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    P,
    /// A heading, level 2 to 6 (`h1` becomes `h2`: the title is the page's).
    Heading(u8),
    Li,
    Blockquote,
    Pre,
}

impl BlockKind {
    /// The block a source element becomes.
    fn of(name: &str) -> BlockKind {
        match name {
            "h1" | "h2" => BlockKind::Heading(2),
            "h3" => BlockKind::Heading(3),
            "h4" => BlockKind::Heading(4),
            "h5" => BlockKind::Heading(5),
            "h6" => BlockKind::Heading(6),
            "li" | "dd" | "dt" => BlockKind::Li,
            "blockquote" => BlockKind::Blockquote,
            "pre" => BlockKind::Pre,
            _ => BlockKind::P,
        }
    }

    /// The output tag.
    pub fn tag(self) -> &'static str {
        match self {
            BlockKind::P => "p",
            BlockKind::Heading(2) => "h2",
            BlockKind::Heading(3) => "h3",
            BlockKind::Heading(4) => "h4",
            BlockKind::Heading(5) => "h5",
            BlockKind::Heading(_) => "h6",
            BlockKind::Li => "li",
            BlockKind::Blockquote => "blockquote",
            BlockKind::Pre => "pre",
        }
    }
}

pub use crate::text::escape_markup as escape;

impl<'u> Writer<'u> {
    pub fn new(base: Option<&'u Url>) -> Writer<'u> {
        Writer {
            base,
            blocks: Vec::new(),
            kinds: Vec::new(),
            text: String::new(),
            html: String::new(),
            inline: Vec::new(),
        }
    }

    fn kind(&self) -> BlockKind {
        self.kinds.last().map_or(BlockKind::P, |(k, _)| *k)
    }

    fn lang(&self) -> Option<String> {
        self.kinds.last().and_then(|(_, l)| l.clone())
    }

    /// Ends the current block, if it has text.
    pub fn flush(&mut self) {
        let text = collapse_ws(&self.text);
        if !text.is_empty() {
            let mut html = std::mem::take(&mut self.html);
            for (tag, _) in self.inline.iter().rev() {
                html.push_str("</");
                html.push_str(tag);
                html.push('>');
            }
            self.blocks.push(Block {
                kind: self.kind(),
                text,
                html: collapse_ws(&html),
                lang: self.lang(),
            });
        }
        self.text.clear();
        self.html.clear();
        for (_, open) in &self.inline {
            self.html.push_str(open);
        }
    }

    /// Opens a block element; `lang` is its attribute, if any (an
    /// enclosing block's language holds otherwise).
    pub fn open_block(&mut self, name: &str, lang: Option<&str>) {
        self.flush();
        let lang = lang.and_then(lang_tag).or_else(|| self.lang());
        self.kinds.push((BlockKind::of(name), lang));
    }

    pub fn close_block(&mut self) {
        self.flush();
        self.kinds.pop();
    }

    pub fn line_break(&mut self) {
        self.flush();
    }

    pub fn text(&mut self, t: &str) {
        self.text.push_str(t);
        escape(t, &mut self.html);
    }

    /// Opens an inline element; returns whether it produced markup (so the
    /// caller closes it).
    pub fn open_inline(&mut self, name: &str, href: Option<&str>) -> bool {
        let (tag, open) = match name {
            "strong" | "b" => ("strong", "<strong>".to_string()),
            "em" | "i" => ("em", "<em>".to_string()),
            "a" => {
                let target = href.and_then(|h| {
                    let h = h.trim();
                    match self.base {
                        Some(b) => b.join(h).ok(),
                        None => Url::parse(h).ok(),
                    }
                });
                match target.filter(|u| matches!(u.scheme(), "http" | "https")) {
                    Some(u) => {
                        let mut open = String::from("<a href=\"");
                        escape(u.as_str(), &mut open);
                        open.push_str("\" rel=\"nofollow noopener\">");
                        ("a", open)
                    }
                    None => return false,
                }
            }
            _ => return false,
        };
        self.html.push_str(&open);
        self.inline.push((tag, open));
        true
    }

    pub fn close_inline(&mut self) {
        if let Some((tag, _)) = self.inline.pop() {
            self.html.push_str("</");
            self.html.push_str(tag);
            self.html.push('>');
        }
    }

    /// Filters and joins the blocks.
    pub fn finish(mut self, title: Option<&str>) -> Body {
        self.flush();
        finish_blocks(self.blocks, title)
    }
}

/// Drops boilerplate, the repeated title, shortcodes, and promotions,
/// credits and datelines at the edges; joins text and HTML.
pub fn finish_blocks(mut blocks: Vec<Block>, title: Option<&str>) -> Body {
    let title = title.map(collapse_ws);
    // A boilerplate heading near the end ("Tags", "Related", "Share")
    // starts the boilerplate section: it and what follows go.
    let tail_start = blocks.len().saturating_sub(4);
    if let Some(pos) = blocks[tail_start..]
        .iter()
        .position(|b| b.text.chars().count() < 40 && is_boilerplate_heading(&b.text))
    {
        if tail_start + pos > 0 {
            blocks.truncate(tail_start + pos);
        }
    }
    let mut kept: Vec<Block> = Vec::new();
    for b in blocks {
        if is_boilerplate_line(&b.text) || is_shortcode(&b.text) {
            continue;
        }
        // the title repeated at the top of the body
        if kept.len() < 3
            && title.as_deref().is_some_and(|t| {
                t == b.text || (b.text.chars().count() >= 15 && t.contains(b.text.as_str()))
            })
        {
            continue;
        }
        kept.push(b);
    }
    // Promotions and credits cling to the edges of the body.
    while kept.len() > 1 && kept.last().is_some_and(|b| is_edge_junk(&b.text)) {
        kept.pop();
    }
    // A credit or dateline near the top ends the caption block above it.
    let head = kept
        .iter()
        .take(3)
        .rposition(|b| is_edge_junk(&b.text) || is_dateline(&b.text))
        .map_or(0, |p| p + 1);
    if head < kept.len() {
        kept.drain(..head);
    }
    join(kept)
}

/// Joins blocks into text (a line each) and HTML.
fn join(kept: Vec<Block>) -> Body {
    let text = kept
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut html = String::new();
    let mut in_list = false;
    for b in &kept {
        if b.kind == BlockKind::Li && !in_list {
            html.push_str("<ul>\n");
            in_list = true;
        } else if b.kind != BlockKind::Li && in_list {
            html.push_str("</ul>\n");
            in_list = false;
        }
        // each block finds its own direction: an English paragraph in an
        // Arabic article reads left to right
        html.push('<');
        html.push_str(b.kind.tag());
        // `dir="auto"` rather than the page's own `dir`: pages mark their
        // whole body rtl, English paragraphs included
        html.push_str(" dir=\"auto\"");
        if let Some(l) = &b.lang {
            html.push_str(" lang=\"");
            html.push_str(l);
            html.push('"');
        }
        html.push('>');
        html.push_str(&b.html);
        html.push_str("</");
        html.push_str(b.kind.tag());
        html.push_str(">\n");
    }
    if in_list {
        html.push_str("</ul>\n");
    }
    Body {
        text,
        html,
        blocks: kept,
    }
}

/// A language attribute as a well-formed BCP 47-like tag (`ar`, `en-GB`,
/// `ckb`, `ku-Latn`), lowercase primary subtag; anything else is dropped.
fn lang_tag(raw: &str) -> Option<String> {
    let t = raw.trim();
    let ok = !t.is_empty()
        && t.len() <= 20
        && t.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && t.split('-')
            .next()
            .is_some_and(|p| p.len() >= 2 && p.bytes().all(|b| b.is_ascii_alphabetic()));
    ok.then(|| t.to_string())
}

pub(super) fn is_boilerplate_line(line: &str) -> bool {
    if line.chars().count() >= 120 {
        return false;
    }
    let lower = line.to_lowercase();
    let bare = lower.trim_end_matches([':', '.', '…', ' ', '!']);
    BOILERPLATE_EXACT.contains(&bare) || boilerplate_starts().iter().any(|b| lower.starts_with(b))
}

/// [`BOILERPLATE_LINES`] in lowercase, computed once.
fn boilerplate_starts() -> &'static [String] {
    static LOWER: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LOWER.get_or_init(|| BOILERPLATE_LINES.iter().map(|b| b.to_lowercase()).collect())
}

/// A short line that is exactly a boilerplate section title.
fn is_boilerplate_heading(line: &str) -> bool {
    let lower = line.to_lowercase();
    let bare = lower.trim_end_matches([':', '.', '…', ' ', '!']);
    // ad markers also sit between paragraphs: they never end the body
    !matches!(
        bare,
        "advert" | "advertisement" | "ad" | "sponsored" | "إعلان" | "reklam"
    ) && BOILERPLATE_EXACT.contains(&bare)
}

/// An unrendered WordPress shortcode line: `[button …]Text[/button]`.
fn is_shortcode(line: &str) -> bool {
    line.starts_with('[') && line.ends_with(']') && line.contains("[/")
}

/// A short line that only states a date, time or byline.
fn is_dateline(line: &str) -> bool {
    let n = line.chars().count();
    if n > 80 {
        return false;
    }
    let lower = line.to_lowercase();
    let has_year = line.as_bytes().windows(4).any(|w| {
        (w.starts_with(b"19") || w.starts_with(b"20")) && w.iter().all(u8::is_ascii_digit)
    });
    let byline = ["by ", "von ", "por ", "par ", "بقلم", "كتب "]
        .iter()
        .any(|b| lower.starts_with(b));
    let digits = line.chars().filter(char::is_ascii_digit).count();
    has_year && (byline || digits * 100 / n.max(1) >= 15 || line.contains(':'))
}

/// A short line at the start or end of the body that promotes something
/// (newsletter, social accounts) or credits a photo.
fn is_edge_junk(line: &str) -> bool {
    if line.chars().count() > 250 {
        return false;
    }
    let lower = line.to_lowercase();
    EDGE_JUNK.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_sanitized_and_structured() {
        let base = Url::parse("https://npasyria.com/2025/11/x/").expect("url");
        let mut w = Writer::new(Some(&base));
        // a hostile attribute is no language
        w.open_block("h2", Some("\" onmouseover=\"x"));
        w.text("عنوان <فرعي>");
        w.close_block();
        w.open_block("p", Some("ar"));
        w.text("نص ");
        assert!(w.open_inline("a", Some("/tag/الحسكة\" onclick=\"x")));
        w.text("الحسكة");
        w.close_inline();
        assert!(!w.open_inline("a", Some("javascript:alert(1)")));
        w.text(" و");
        w.open_inline("b", None);
        w.text("القامشلي");
        w.close_inline();
        w.close_block();
        w.open_block("li", None);
        w.text("كوباني");
        w.close_block();
        w.open_block("li", None);
        w.text("الرقة");
        w.close_block();
        let body = w.finish(None);
        assert_eq!(
            body.text,
            "عنوان <فرعي>\nنص الحسكة والقامشلي\nكوباني\nالرقة"
        );
        assert!(
            body.html.starts_with(
                "<h2 dir=\"auto\">عنوان &lt;فرعي&gt;</h2>\n<p dir=\"auto\" lang=\"ar\">نص <a href=\"https://npasyria.com/tag/"
            ),
            "{}",
            body.html
        );
        assert!(
            body.html
                .contains("rel=\"nofollow noopener\">الحسكة</a> و<strong>القامشلي</strong></p>"),
            "{}",
            body.html
        );
        assert!(
            body.html.ends_with(
                "<ul>\n<li dir=\"auto\">كوباني</li>\n<li dir=\"auto\">الرقة</li>\n</ul>\n"
            ),
            "{}",
            body.html
        );
        assert!(!body.html.contains("onclick=\""), "{}", body.html);
        assert!(!body.html.contains("javascript"));
    }

    #[test]
    fn a_tail_heading_ends_the_body_but_an_ad_marker_does_not() {
        let block = |t: &str| Block {
            kind: BlockKind::P,
            text: t.into(),
            html: t.into(),
            lang: None,
        };
        let body = finish_blocks(
            vec![
                block("First paragraph of the story, with enough words in it."),
                block("Advertisement"),
                block("Second paragraph of the story, after the ad."),
                block("Tags"),
                block("Hasakah, Qamishli, water, bread"),
            ],
            None,
        );
        assert_eq!(
            body.text,
            "First paragraph of the story, with enough words in it.\nSecond paragraph of the story, after the ad."
        );
    }

    #[test]
    fn edges_and_boilerplate() {
        let block = |t: &str| Block {
            kind: BlockKind::P,
            text: t.into(),
            html: t.into(),
            lang: None,
        };
        let body = finish_blocks(
            vec![
                block("Photo: AFP"),
                block("Body one, long enough to be a paragraph of an article."),
                block("Comments are closed."),
                block("Body two."),
                block("Follow us on Twitter"),
            ],
            None,
        );
        assert_eq!(
            body.text,
            "Body one, long enough to be a paragraph of an article.\nBody two."
        );
    }
}
