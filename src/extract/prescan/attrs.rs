//! Attributes read or dropped before parsing: the canonical link, and long
//! start tags slimmed to the attributes the extractor reads.

/// The `href` of a `<link …>` tag whose `rel` is `canonical`.
pub(super) fn canonical_href(tag: &str) -> Option<String> {
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
pub(super) fn attr_value<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
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
pub(super) fn slim_tag(tag: &str, name_end: usize) -> Option<String> {
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
