//! One byte-level pass over a page before it is parsed.
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
const RAW: &[&str] = &["textarea", "title", "xmp", "plaintext"];
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
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of html already copied to out
    let mut json_ld = Vec::new();
    let mut canonical = None;
    let mut depth = 0usize;
    let mut formatting = 0usize;
    let mut tags = 0usize;
    // dropped start tags by name, so their end tags can be dropped too
    let mut excess: HashMap<String, usize> = HashMap::new();
    let cut = |out: &mut Option<String>, copied: &mut usize, from: usize, to: usize| {
        let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
        o.push_str(&html[*copied..from]);
        *copied = to;
    };
    let mut i = 0;
    while let Some(p) = memchr(b'<', &bytes[i..]) {
        let start = i + p;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            let end = find(&rest[4..], b"-->").map_or(bytes.len(), |e| start + 4 + e + 3);
            cut(&mut out, &mut copied, start, end);
            i = end;
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = memchr(b'>', rest).map_or(bytes.len(), |e| start + e + 1);
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = start + if closing { 2 } else { 1 };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
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
        if !closing && DROPPED.contains(&name) {
            let content_end = if self_closing {
                end
            } else {
                find_end_tag(&bytes[end..], name.as_bytes()).map_or(bytes.len(), |e| end + e)
            };
            let element_end =
                memchr(b'>', &bytes[content_end..]).map_or(bytes.len(), |e| content_end + e + 1);
            if name == "script" {
                let tag = html[start..end].to_ascii_lowercase();
                if tag.contains("ld+json") {
                    json_ld.push(html[end..content_end].to_string());
                }
            }
            cut(&mut out, &mut copied, start, element_end);
            i = element_end;
            continue;
        }
        if !closing && RAW.contains(&name) {
            i = find_end_tag(&bytes[end..], name.as_bytes()).map_or(bytes.len(), |e| end + e);
            continue;
        }
        if !closing && name == "link" && canonical.is_none() {
            canonical = canonical_href(&html[start..end]);
        }
        if !closing && matches!(name, "img" | "source" | "link" | "track" | "param" | "area") {
            // void elements without text: nothing for the extractor
            cut(&mut out, &mut copied, start, end);
            i = end;
            continue;
        }
        let counted = !VOID.contains(&name) && !IMPLIED.contains(&name);
        let is_formatting = FORMATTING.contains(&name);
        let mut drop = false;
        if closing {
            if counted {
                if let Some(n) = excess.get_mut(name).filter(|n| **n > 0) {
                    *n -= 1;
                    drop = true;
                } else {
                    depth = depth.saturating_sub(1);
                    if is_formatting {
                        formatting = formatting.saturating_sub(1);
                    }
                }
            }
        } else if tags >= MAX_TAGS
            || (counted && !self_closing && depth >= MAX_DEPTH)
            || (is_formatting && !self_closing && formatting >= MAX_OPEN_FORMATTING)
        {
            if counted && !self_closing {
                *excess.entry(name.to_string()).or_default() += 1;
            }
            drop = true;
        } else {
            tags += 1;
            if counted && !self_closing {
                depth += 1;
                if is_formatting {
                    formatting += 1;
                }
            }
        }
        if drop {
            cut(&mut out, &mut copied, start, end);
        } else if !closing && end - start > 80 {
            // Long start tags are mostly srcset, data-* and tracking
            // attributes the extractor never reads; the parser would copy them.
            if let Some(slim) = slim_tag(&html[start..end], name_len + 1) {
                cut(&mut out, &mut copied, start, end);
                if let Some(o) = out.as_mut() {
                    o.push_str(&slim);
                }
            }
        }
        i = end;
    }
    let html = match out {
        Some(mut o) => {
            o.push_str(&html[copied.min(html.len())..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    };
    Prescanned {
        html,
        json_ld,
        canonical,
    }
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
/// skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (k, &b) in bytes[from..].iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return from + k + 1,
            None => {}
        }
    }
    bytes.len()
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Position of `</name` (any case) in `hay`.
fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&hay[from..], b"</") {
        let at = from + p;
        let after = at + 2;
        if hay.len() - after >= name.len()
            && hay[after..after + name.len()].eq_ignore_ascii_case(name)
        {
            return Some(at);
        }
        from = after;
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
}
