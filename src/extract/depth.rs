//! Bounds element nesting before parsing.
//!
//! html5ever checks element scopes by walking its stack of open elements, so
//! a page of 100,000 nested `<div>`s costs quadratic time (minutes). Real
//! pages nest a few dozen levels; start tags beyond [`MAX_DEPTH`] (and as
//! many unmatched end tags) are dropped before the parser sees them, keeping
//! their text.

use std::borrow::Cow;

/// Deepest nesting passed to the parser.
pub const MAX_DEPTH: usize = 400;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "frame",
];
/// Elements whose content is raw text up to their end tag.
const RAW: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "noscript",
    "plaintext",
];
/// Elements the parser closes implicitly; they never build deep stacks.
const IMPLIED: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "rb",
    "rt", "rp", "rtc", "colgroup",
];

/// Returns `html` with nesting bounded to [`MAX_DEPTH`]; borrowed when it
/// already is.
pub fn limit_depth(html: &str) -> Cow<'_, str> {
    // Cheap exit: fewer tags than the limit cannot nest deeper than it.
    if html.bytes().filter(|&b| b == b'<').count() <= MAX_DEPTH {
        return Cow::Borrowed(html);
    }
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of html already copied to out
    let mut depth = 0usize;
    // dropped start tags by name, so their end tags can be dropped too
    let mut excess: std::collections::HashMap<String, usize> = Default::default();
    let mut i = 0;
    while let Some(p) = memchr(b'<', &bytes[i..]) {
        let start = i + p;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            i = find(rest, b"-->").map_or(bytes.len(), |e| start + e + 3);
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
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(bytes, name_start + name_len);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        let mut drop = false;
        if closing {
            if !VOID.contains(&name.as_str()) && !IMPLIED.contains(&name.as_str()) {
                if let Some(n) = excess.get_mut(&name).filter(|n| **n > 0) {
                    *n -= 1;
                    drop = true;
                } else {
                    depth = depth.saturating_sub(1);
                }
            }
        } else if RAW.contains(&name.as_str()) {
            // skip to the matching end tag; raw content never nests
            let close = format!("</{name}");
            let after = find_ci(&bytes[end..], close.as_bytes()).map_or(bytes.len(), |e| end + e);
            i = after;
            continue;
        } else if !VOID.contains(&name.as_str())
            && !IMPLIED.contains(&name.as_str())
            && !self_closing
        {
            if depth >= MAX_DEPTH {
                *excess.entry(name).or_default() += 1;
                drop = true;
            } else {
                depth += 1;
            }
        }
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..start]);
            copied = end;
        }
        i = end;
    }
    match out {
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    }
}

/// Index just past the `>` that ends a tag starting before `from`, skipping
/// quoted attribute values.
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
    hay.iter().position(|&b| b == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_pages_are_untouched() {
        let html = "<html><body><div><p>الحسكة<p>x</div><script>if (a<b) {}</script></body></html>";
        assert!(matches!(limit_depth(html), Cow::Borrowed(_)));
        let many = "<p>x</p>".repeat(1000);
        assert!(matches!(limit_depth(&many), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_and_text_kept() {
        let n = 5000;
        let html = format!(
            "{}<b>نص</b>{}",
            "<div class=\"a>b\">".repeat(n),
            "</div>".repeat(n)
        );
        let out = limit_depth(&html);
        assert_eq!(out.matches("<div").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("نص"));
    }
}
