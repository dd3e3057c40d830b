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

mod attrs;
mod lexical;
#[cfg(test)]
mod tests;

use attrs::{canonical_href, slim_tag};
use lexical::{comment_len, find_end_tag, memchr, script_end, tag_end};

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
