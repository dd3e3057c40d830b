//! One byte-level pass over a page before it is parsed.
//!
//! It reads markup the way the HTML5 tokenizer does wherever it decides
//! what is text: comments (`<!-->`, `--!>`), script data with its escaped
//! and double-escaped states (a script that writes `"<script>…</script>"`
//! inside `<!--` does not end there), end tags only when the name ends,
//! quotes only where an attribute value starts, raw-text elements. A
//! property test compares the text shown after prescan + parse with plain
//! parsing.
//!
//! - Removes what can never be article text and costs the parser most of
//!   its time on modern pages: `<script>`, `<style>`, `<svg>`, `<template>`,
//!   `<noscript>` elements, comments, images and `<link>`s, and attributes
//!   the extractor never reads from long tags. JSON-LD scripts are kept
//!   aside for the metadata reader.
//! - Bounds element nesting: html5ever checks scopes by walking its stack of
//!   open elements, so 100,000 nested `<div>`s cost quadratic time (minutes).
//!   Real pages nest a few dozen levels; start tags beyond [`MAX_DEPTH`] (and
//!   their end tags) are dropped, keeping their text.
//! - Bounds what html5ever rebuilds: every unclosed formatting element
//!   (`<b>`, `<font>`, `<a>` …) is re-created in each new block, so a page
//!   of 60,000 unclosed `<b id=N>` followed by 200,000 `x<p>` builds
//!   billions of nodes (gigabytes in seconds). At most
//!   [`MAX_OPEN_FORMATTING`] formatting elements stay open, and at most
//!   [`MAX_TAGS`] start tags reach the parser; further ones are dropped with
//!   their end tags, keeping their text.

use std::borrow::Cow;
use std::collections::HashMap;

/// Deepest nesting passed to the parser.
pub const MAX_DEPTH: usize = 400;
/// Most formatting elements open at once (real pages: a handful).
pub const MAX_OPEN_FORMATTING: usize = 6;
/// Most start tags passed to the parser (a 5 MiB news page has ~30,000).
pub const MAX_TAGS: usize = 100_000;

/// The HTML5 parser's formatting elements (the "list of active formatting
/// elements").
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "frame",
];
/// Elements removed with their content.
const DROPPED: &[&str] = &["script", "style", "svg", "template", "noscript"];
/// Elements whose content is raw text up to their end tag (kept).
const RAW: &[&str] = &[
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "iframe",
    "noembed",
    "noframes",
];
/// Elements the parser closes implicitly; they never build deep stacks.
const IMPLIED: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "rb",
    "rt", "rp", "rtc", "colgroup",
];

/// The page ready for the parser.
pub struct Prescanned<'a> {
    pub html: Cow<'a, str>,
    /// Contents of `<script type="application/ld+json">` elements.
    pub json_ld: Vec<String>,
    /// The `href` of `<link rel="canonical">`, as written.
    pub canonical: Option<String>,
}

/// Cleans `html` as described in the module docs.
pub fn prescan(html: &str) -> Prescanned<'_> {
    let bytes = html.as_bytes();
    let mut p = Pass {
        html,
        out: None,
        copied: 0,
        json_ld: Vec::new(),
        canonical: None,
        depth: 0,
        formatting: 0,
        tags: 0,
        excess: HashMap::new(),
    };
    let mut i = 0;
    while let Some(found) = memchr(b'<', &bytes[i..]) {
        i = p.markup(i + found);
    }
    let html = match p.out {
        Some(mut o) => {
            o.push_str(&html[p.copied.min(html.len())..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    };
    Prescanned {
        html,
        json_ld: p.json_ld,
        canonical: p.canonical,
    }
}

/// The state of one pass.
struct Pass<'a> {
    html: &'a str,
    /// The cleaned page, once anything was cut.
    out: Option<String>,
    /// Bytes of `html` already copied to `out` (or cut).
    copied: usize,
    json_ld: Vec<String>,
    canonical: Option<String>,
    depth: usize,
    formatting: usize,
    tags: usize,
    /// Dropped start tags by name, so their end tags can be dropped too.
    excess: HashMap<String, usize>,
}

impl Pass<'_> {
    /// Leaves `html[from..to]` out of the result.
    fn cut(&mut self, from: usize, to: usize) {
        let html = self.html;
        let o = self
            .out
            .get_or_insert_with(|| String::with_capacity(html.len() / 2));
        o.push_str(&html[self.copied..from]);
        // a `<` of text before the cut must not start a tag with what follows
        if o.ends_with('<') {
            o.pop();
            o.push_str("&lt;");
        }
        self.copied = to;
    }

    /// Reads the markup that starts with the `<` at `start`, the way the
    /// HTML tokenizer does; returns where to go on.
    fn markup(&mut self, start: usize) -> usize {
        let bytes = self.html.as_bytes();
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            let end = start + comment_len(rest);
            self.cut(start, end);
            return end;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            // doctype, CDATA or a bogus comment: up to the next `>`
            return memchr(b'>', rest).map_or(bytes.len(), |e| start + e + 1);
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = start + if closing { 2 } else { 1 };
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return match (closing, bytes.get(name_start)) {
                // `</>` is dropped by the tokenizer, `</` + other a comment to `>`
                (true, Some(b'>')) => name_start + 1,
                (true, Some(_)) => memchr(b'>', rest).map_or(bytes.len(), |e| start + e + 1),
                _ => start + 1, // text
            };
        }
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>'))
            .count();
        // lowercase the name without allocating; no name we look for is long
        let mut buf = [0u8; 16];
        let raw = &bytes[name_start..name_start + name_len];
        let name = if raw.len() <= buf.len() {
            for (d, s) in buf.iter_mut().zip(raw) {
                *d = s.to_ascii_lowercase();
            }
            std::str::from_utf8(&buf[..raw.len()]).unwrap_or("-")
        } else {
            "-long-"
        };
        let end = tag_end(bytes, name_start + name_len);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        if closing {
            return self.end_tag(name, start, end);
        }
        if DROPPED.contains(&name) {
            return self.dropped_element(name, start, end, self_closing);
        }
        if RAW.contains(&name) {
            let content = &bytes[end..];
            return match name {
                "plaintext" => bytes.len(),
                _ => find_end_tag(content, name.as_bytes()).map_or(bytes.len(), |e| end + e),
            };
        }
        if name == "link" && self.canonical.is_none() {
            self.canonical = canonical_href(&self.html[start..end]);
        }
        if matches!(name, "img" | "source" | "link" | "track" | "param" | "area") {
            // void elements without text: nothing for the extractor
            self.cut(start, end);
            return end;
        }
        self.start_tag(name, name_len, start, end, self_closing);
        end
    }

    /// A script, style, svg, template or noscript element: gone with its
    /// content (a JSON-LD script kept aside).
    fn dropped_element(
        &mut self,
        name: &str,
        start: usize,
        end: usize,
        self_closing: bool,
    ) -> usize {
        let bytes = self.html.as_bytes();
        // `/>` ends only foreign elements; `<script/>` is an open script
        let closed = name == "svg" && self_closing;
        let content_end = if closed {
            end
        } else if name == "script" {
            script_end(&bytes[end..]).map_or(bytes.len(), |e| end + e)
        } else {
            find_end_tag(&bytes[end..], name.as_bytes()).map_or(bytes.len(), |e| end + e)
        };
        let element_end = if closed {
            end
        } else {
            tag_end(bytes, (content_end + 2 + name.len()).min(bytes.len()))
        };
        if name == "script" {
            let tag = self.html[start..end].to_ascii_lowercase();
            if tag.contains("ld+json") {
                self.json_ld.push(self.html[end..content_end].to_string());
            }
        }
        self.cut(start, element_end);
        element_end
    }

    /// An end tag: dropped when its start tag was.
    fn end_tag(&mut self, name: &str, start: usize, end: usize) -> usize {
        if VOID.contains(&name) || IMPLIED.contains(&name) {
            return end;
        }
        if let Some(n) = self.excess.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            self.cut(start, end);
        } else {
            self.depth = self.depth.saturating_sub(1);
            if FORMATTING.contains(&name) {
                self.formatting = self.formatting.saturating_sub(1);
            }
        }
        end
    }

    /// A start tag: counted against the bounds, dropped beyond them, its
    /// unused attributes dropped when it is long.
    fn start_tag(
        &mut self,
        name: &str,
        name_len: usize,
        start: usize,
        end: usize,
        self_closing: bool,
    ) {
        let counted = !VOID.contains(&name) && !IMPLIED.contains(&name) && !self_closing;
        let is_formatting = FORMATTING.contains(&name);
        if self.tags >= MAX_TAGS
            || (counted && self.depth >= MAX_DEPTH)
            || (is_formatting && counted && self.formatting >= MAX_OPEN_FORMATTING)
        {
            if counted {
                *self.excess.entry(name.to_string()).or_default() += 1;
            }
            self.cut(start, end);
            return;
        }
        self.tags += 1;
        if counted {
            self.depth += 1;
            if is_formatting {
                self.formatting += 1;
            }
        }
        if end - start > 80 {
            // Long start tags are mostly srcset, data-* and tracking
            // attributes the extractor never reads; the parser would copy them.
            if let Some(slim) = slim_tag(&self.html[start..end], name_len + 1) {
                self.cut(start, end);
                if let Some(o) = self.out.as_mut() {
                    o.push_str(&slim);
                }
            }
        }
    }
}

/// Length of the comment at the start of `rest` (which starts with `<!--`),
/// as the tokenizer reads it: `<!-->` and `<!--->` are whole comments, and
/// `-->` or `--!>` ends one; an unclosed one runs to the end.
fn comment_len(rest: &[u8]) -> usize {
    if rest.starts_with(b"<!-->") {
        return 5;
    }
    if rest.starts_with(b"<!--->") {
        return 6;
    }
    let mut from = 4;
    while let Some(p) = find(&rest[from..], b"--") {
        let at = from + p + 2;
        match rest.get(at) {
            Some(b'>') => return at + 1,
            Some(b'!') if rest.get(at + 1) == Some(&b'>') => return at + 2,
            _ => from = at - 1,
        }
    }
    rest.len()
}

/// Where the content of a script ends (the `<` of its end tag), following
/// the tokenizer's script data states: inside `<!--` a `<script` starts a
/// "double escaped" run in which `</script>` does not end the element.
fn script_end(content: &[u8]) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = 0;
    while i < content.len() {
        let rest = &content[i..];
        match state {
            State::Data => {
                if rest.starts_with(b"<!--") {
                    state = State::Escaped;
                    // `<!--` then `>` or `->`: the `-->` may share dashes
                    i += 2;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    return Some(i);
                }
            }
            State::Escaped => {
                if rest.starts_with(b"-->") {
                    state = State::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    return Some(i);
                }
                if rest.first() == Some(&b'<') && is_tag_named(&rest[1..], b"script") {
                    state = State::DoubleEscaped;
                    i += 7;
                    continue;
                }
            }
            State::DoubleEscaped => {
                if rest.starts_with(b"-->") {
                    state = State::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    state = State::Escaped;
                    i += 8;
                    continue;
                }
            }
        }
        i += 1;
    }
    None
}

/// The `href` of a `<link …>` tag whose `rel` is `canonical`.
fn canonical_href(tag: &str) -> Option<String> {
    let rel = attr_value(tag, "rel")?;
    if !rel
        .split_ascii_whitespace()
        .any(|r| r.eq_ignore_ascii_case("canonical"))
    {
        return None;
    }
    attr_value(tag, "href").map(str::to_string)
}

/// The value of attribute `name` in a start tag (quoted or not); a rough
/// reading that is enough for the few attributes taken before parsing.
fn attr_value<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let lower = tag.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(p) = lower[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        let before_ok =
            at > 0 && (b[at - 1].is_ascii_whitespace() || b[at - 1] == b'"' || b[at - 1] == b'\'');
        let mut j = at + name.len();
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if !before_ok || b.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let (start, end) = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = lower[j + 1..]
                    .find(q as char)
                    .map_or(b.len(), |e| j + 1 + e);
                (j + 1, end)
            }
            Some(_) => {
                let end = lower[j..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .map_or(b.len(), |e| j + e);
                (j, end)
            }
            None => return None,
        };
        return tag.get(start..end);
    }
    None
}

/// Attributes the extractor reads; all others are dropped from long tags.
const KEPT_ATTRS: &[&str] = &[
    "class",
    "id",
    "href",
    "hidden",
    "style",
    "lang",
    "xml:lang",
    "type",
    "property",
    "name",
    "content",
    "itemprop",
    "aria-hidden",
    "role",
    "http-equiv",
    "charset",
    "datetime",
    "dir",
];

/// `tag` (`<name …>`) with only [`KEPT_ATTRS`]; `None` when nothing would go.
fn slim_tag(tag: &str, name_end: usize) -> Option<String> {
    let b = tag.as_bytes();
    if !tag.ends_with('>') || name_end >= b.len() {
        return None; // unterminated: leave it to the parser
    }
    let close = if tag.ends_with("/>") {
        b.len() - 2
    } else {
        b.len() - 1
    };
    let mut out = String::with_capacity(tag.len());
    out.push_str(&tag[..name_end]);
    let mut dropped = false;
    let mut i = name_end;
    while i < close {
        while i < close && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < close && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'/') {
            i += 1;
        }
        if i == name_start {
            break;
        }
        let attr_name = &tag[name_start..i];
        let mut j = i;
        while j < close && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < close && b[j] == b'=' {
            j += 1;
            while j < close && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < close && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                j += 1;
                while j < close && b[j] != q {
                    j += 1;
                }
                j = (j + 1).min(close);
            } else {
                while j < close && !b[j].is_ascii_whitespace() {
                    j += 1;
                }
            }
            i = j;
        }
        if KEPT_ATTRS.iter().any(|k| attr_name.eq_ignore_ascii_case(k)) {
            out.push(' ');
            out.push_str(&tag[name_start..i]);
        } else {
            dropped = true;
        }
    }
    out.push_str(&tag[close..]);
    dropped.then_some(out)
}

/// Index just past the `>` that ends a tag whose name ends at `from`,
/// read with the tokenizer's attribute states: quotes count only where an
/// attribute value starts, so `<p class=a'b>` ends at its `>`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    #[derive(Clone, Copy)]
    enum At {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Quoted(u8),
        Unquoted,
    }
    let mut at = At::BeforeName;
    for (k, &b) in bytes[from..].iter().enumerate() {
        let space = matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        at = match (at, b) {
            (At::Quoted(q), _) if b == q => At::BeforeName,
            (At::Quoted(q), _) => At::Quoted(q),
            (_, b'>') => return from + k + 1,
            (At::BeforeValue, b'"' | b'\'') => At::Quoted(b),
            (At::BeforeValue, _) if space => At::BeforeValue,
            (At::BeforeValue, _) => At::Unquoted,
            (At::Unquoted, _) if space => At::BeforeName,
            (At::Unquoted, _) => At::Unquoted,
            (At::Name | At::AfterName, b'=') => At::BeforeValue,
            (At::Name | At::AfterName, _) if space => At::AfterName,
            (_, b'/') => At::BeforeName,
            (At::BeforeName, _) if space => At::BeforeName,
            _ => At::Name,
        };
    }
    bytes.len()
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// True when `s` starts with `name` (any case) followed by whitespace,
/// `/` or `>`: what makes `<name` or `</name` a tag of that name.
fn is_tag_named(s: &[u8], name: &[u8]) -> bool {
    s.len() > name.len()
        && s[..name.len()].eq_ignore_ascii_case(name)
        && matches!(
            s[name.len()],
            b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'
        )
}

/// True when `s` starts with the end tag `</name`.
fn is_end_tag(s: &[u8], name: &[u8]) -> bool {
    s.starts_with(b"</") && is_tag_named(&s[2..], name)
}

/// Position of the end tag `</name` (any case) in `hay`.
fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&hay[from..], b"</") {
        let at = from + p;
        if is_end_tag(&hay[at..], name) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_comments_go_json_ld_is_kept() {
        let html = "<html><head><style>p{}</style><script>if (a<b) { x = '</div>'; }</SCRIPT>\
<script type=\"application/ld+json\">{\"articleBody\":\"نص\"}</script></head>\
<body><!-- <p>old</p> --><p title=\"a>b\">الحسكة</p><svg><g><text>x</text></g></svg></body></html>";
        let p = prescan(html);
        assert_eq!(
            p.html,
            "<html><head></head><body><p title=\"a>b\">الحسكة</p></body></html>"
        );
        assert_eq!(p.json_ld, vec!["{\"articleBody\":\"نص\"}".to_string()]);
    }

    #[test]
    fn long_tags_lose_unused_attributes() {
        let html = "<img src=x.jpg><div class=\"wp-image\" srcset=\"a.jpg 300w, b.jpg 600w, c.jpg 900w, d.jpg 1200w\" data-x='1>2' alt=x><a href=/k title='Kobanê' data-track=\"yes please track this, and this, and that\">K</a>";
        assert_eq!(
            prescan(html).html,
            "<div class=\"wp-image\"><a href=/k>K</a>"
        );
    }

    #[test]
    fn plain_pages_are_borrowed() {
        let html = "<div><p>x<p>y</div>";
        assert!(matches!(prescan(html).html, Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_and_text_kept() {
        let n = 5000;
        let html = format!(
            "{}<b>نص</b>{}",
            "<div class=\"a>b\">".repeat(n),
            "</div>".repeat(n)
        );
        let out = prescan(&html).html;
        assert_eq!(out.matches("<div").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("نص"));
    }

    #[test]
    fn unterminated_constructs_do_not_panic() {
        for s in [
            "<script>",
            "<!--",
            "<div",
            "<",
            "</",
            "<a href='",
            "<style>x</sty",
            "<?xml",
        ] {
            let _ = prescan(s);
        }
    }

    #[test]
    fn unclosed_formatting_elements_are_bounded() {
        let mut html = String::from("<html><body>");
        for n in 0..20_000 {
            html.push_str(&format!("<b id={n}>"));
        }
        html.push_str(&"x<p>".repeat(50_000));
        let p = prescan(&html);
        assert_eq!(p.html.matches("<b ").count(), MAX_OPEN_FORMATTING);
        assert_eq!(p.html.matches("x").count(), 50_000, "text kept");
        // closed ones do not count against the bound
        let ok = "<p><b>a</b><i>b</i></p>".repeat(1000);
        assert_eq!(prescan(&ok).html, ok);
    }

    #[test]
    fn tags_beyond_the_budget_are_dropped_and_text_kept() {
        let html = "<span>w</span>".repeat(MAX_TAGS + 10);
        let p = prescan(&html);
        assert_eq!(p.html.matches("<span>").count(), MAX_TAGS);
        assert_eq!(p.html.matches("</span>").count(), MAX_TAGS);
        assert_eq!(p.html.matches('w').count(), MAX_TAGS + 10);
    }

    /// The text a browser shows: every text node outside the elements
    /// prescan drops, whitespace collapsed.
    fn shown(html: &str) -> String {
        use ego_tree::iter::Edge;
        use scraper::Node;
        let doc = scraper::Html::parse_document(html);
        let mut out = String::new();
        let mut skip = 0usize;
        for edge in doc.tree.root().traverse() {
            match edge {
                Edge::Open(n) => match n.value() {
                    Node::Element(e) if skip > 0 || DROPPED.contains(&e.name()) => skip += 1,
                    Node::Text(t) if skip == 0 => out.push_str(t),
                    _ => {}
                },
                Edge::Close(n) if n.value().is_element() && skip > 0 => skip -= 1,
                Edge::Close(_) => {}
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Pieces of markup where a byte scanner and the HTML tokenizer can
    /// disagree: scripts that build HTML in strings, comments inside
    /// scripts, quotes in unquoted values, bogus comments, raw text.
    /// (`svg` and `template` are left out: foreign content and template
    /// contents follow tree rules that dropping them whole approximates.)
    const PIECES: &[&str] = &[
        "<script>",
        "</script>",
        "<script type=\"text/javascript\">",
        "<SCRIPT>",
        "</script >",
        "</scripts>",
        "<script/>",
        "<!--",
        "-->",
        "--!>",
        "<!-->",
        "<!--->",
        "-",
        "<",
        ">",
        "'",
        "\"",
        "=",
        " ",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<div class=a'b>",
        "<div title=\"a>b\">",
        "<p =x>",
        "<style>",
        "</style>",
        "<title>",
        "</title>",
        "<textarea>",
        "</textarea>",
        "<iframe>",
        "</iframe>",
        "<noscript>",
        "</noscript>",
        "<!DOCTYPE html>",
        "<?x?>",
        "<![CDATA[",
        "]]>",
        "</",
        "</ ",
        "</>",
        "<a href=x>",
        "</a>",
        "<img src=x>",
        "<br/>",
        "t += \"<td>\";",
        "document.write(\"<script src=x></script>\");",
        "text",
        "نص الخبر",
        "Qamişlo",
        "٢٠٢٦",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]
        #[test]
        fn prescan_then_parse_shows_what_the_parser_shows(
            picks in proptest::collection::vec(0..PIECES.len(), 0..40)
        ) {
            let html: String = picks.iter().map(|&i| PIECES[i]).collect();
            let p = prescan(&html);
            proptest::prop_assert_eq!(shown(&p.html), shown(&html), "page: {:?}\nprescanned: {:?}", html, p.html);
        }
    }
}
