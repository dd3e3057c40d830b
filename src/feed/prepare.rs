//! One streaming pass over a feed document before feed-rs sees it.
//!
//! Owns: cutting a document at the item cap (XML and JSON Feed), so a feed
//! of millions of tiny items never becomes millions of parsed entries; and
//! the Atom repairs feedparser makes: Atom 0.3 read as Atom 1.0 (its
//! namespace and element names), `type` values feed-rs refuses degraded to
//! `text` (or mapped: `text/plain` → `text`, `text/html` → `html`,
//! `application/xhtml+xml` → `xhtml`), and `mode="base64"` content decoded.
//! Everything else is left byte for byte as it was.

use std::borrow::Cow;

use base64::Engine;
use quick_xml::events::{BytesStart, Event};

const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// Atom 0.3 element names and their Atom 1.0 counterparts.
const ATOM_03_NAMES: &[(&str, &str)] = &[
    ("issued", "published"),
    ("modified", "updated"),
    ("tagline", "subtitle"),
    ("copyright", "rights"),
];

/// Atom elements whose `type` attribute feed-rs reads.
const TEXT_CONSTRUCTS: &[&str] = &[
    "title",
    "subtitle",
    "summary",
    "content",
    "rights",
    "tagline",
    "copyright",
];

/// What the pass did, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Prepared {
    /// Items past the cap were cut.
    pub cut: bool,
    /// Atom repairs were made (0.3 read as 1.0, types, base64).
    pub repaired: bool,
}

/// Prepares `text` for feed-rs, keeping at most `max_items` items.
pub fn prepare(text: &str, max_items: usize) -> (Cow<'_, str>, Prepared) {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => cap_json_items(text, max_items),
        Some(b'<') => prepare_xml(text, max_items),
        _ => (Cow::Borrowed(text), Prepared::default()),
    }
}

/// A replacement of `text[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    with: String,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The state of one pass over a feed document.
struct Scan {
    edits: Vec<Edit>,
    /// Open elements, by qualified name.
    stack: Vec<String>,
    atom: bool,
    atom03: bool,
    items: usize,
    max_items: usize,
}

impl Scan {
    /// Counts an item that just ended; true when the cap is reached.
    fn item_ended(&mut self, name: &str) -> bool {
        if matches!(name, "item" | "entry") && self.stack.len() <= 3 {
            self.items += 1;
            return self.items >= self.max_items;
        }
        false
    }

    /// A start or empty tag at `text[start..end]`; true when the item cap
    /// is reached. A base64 Atom element is decoded and passed over whole.
    fn start_tag(
        &mut self,
        text: &str,
        reader: &mut quick_xml::Reader<&[u8]>,
        e: &BytesStart,
        (start, end): (usize, usize),
    ) -> bool {
        let empty = text.get(start..end).is_some_and(|t| t.ends_with("/>"));
        let qname = e.name().as_ref().to_string();
        let name = local(&qname).to_string();
        if self.stack.is_empty() && !self.atom {
            self.atom = name == "feed";
            self.atom03 = self.atom && e.attributes().flatten().any(|a| a.value.trim() == ATOM_03);
        }
        if end - start > MAX_TAG_BYTES {
            // a tag of a million attributes: keep the first few
            self.edits.push(Edit {
                start,
                end,
                with: slim_tag(e, &qname, empty),
            });
        } else if self.atom {
            if let Some(edit) = atom_start_tag(e, &qname, &name, self.atom03, empty, (start, end)) {
                // base64 content: decode and replace the whole element
                let base64 = is_base64(e);
                self.edits.push(edit);
                if base64 && !empty {
                    if let Some(edit) = decode_base64_element(text, reader, end) {
                        self.edits.push(edit);
                    }
                    return false;
                }
            }
        }
        if empty {
            self.item_ended(&name)
        } else {
            self.stack.push(qname);
            false
        }
    }

    /// An end tag at `text[start..end]`; true when the item cap is reached.
    fn end_tag(&mut self, qname: &str, (start, end): (usize, usize)) -> bool {
        if self.atom03 {
            if let Some(new) = renamed_03(local(qname)) {
                self.edits.push(Edit {
                    start,
                    end,
                    with: format!("</{}>", with_prefix(qname, new)),
                });
            }
        }
        self.stack.pop();
        self.item_ended(local(qname))
    }

    /// The document with the edits applied, cut at `cut_at` with what was
    /// open there closed, innermost first.
    fn rewrite(&self, text: &str, cut_at: Option<usize>) -> String {
        let keep = cut_at.unwrap_or(text.len());
        let mut out = String::with_capacity(keep + 64);
        let mut at = 0;
        for e in self.edits.iter().filter(|e| e.end <= keep) {
            if e.start < at {
                continue;
            }
            out.push_str(&text[at..e.start]);
            out.push_str(&e.with);
            at = e.end;
        }
        out.push_str(&text[at..keep]);
        if cut_at.is_some() {
            for name in self.stack.iter().rev() {
                let name = if self.atom03 {
                    renamed_03(local(name)).map_or(name.clone(), |n| with_prefix(name, n))
                } else {
                    name.clone()
                };
                out.push_str("</");
                out.push_str(&name);
                out.push('>');
            }
        }
        out
    }
}

fn prepare_xml(text: &str, max_items: usize) -> (Cow<'_, str>, Prepared) {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut scan = Scan {
        edits: Vec::new(),
        stack: Vec::new(),
        atom: false,
        atom03: false,
        items: 0,
        max_items,
    };
    let mut cut_at: Option<usize> = None;
    loop {
        let start = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(_) => break, // feed-rs reports it; the edits so far are sound
        };
        let end = reader.buffer_position() as usize;
        let capped = match event {
            Event::Start(e) | Event::Empty(e) => {
                scan.start_tag(text, &mut reader, &e, (start, end))
            }
            Event::End(e) => scan.end_tag(e.name().as_ref(), (start, end)),
            Event::Eof => break,
            _ => false,
        };
        if capped {
            cut_at = Some(end);
            break;
        }
    }
    let info = Prepared {
        cut: cut_at.is_some(),
        repaired: !scan.edits.is_empty(),
    };
    if scan.edits.is_empty() && !info.cut {
        return (Cow::Borrowed(text), info);
    }
    (Cow::Owned(scan.rewrite(text, cut_at)), info)
}

/// Longest start tag passed on whole; feed elements carry a few short
/// attributes.
const MAX_TAG_BYTES: usize = 8 * 1024;
/// Attributes kept of a longer one.
const MAX_ATTRIBUTES: usize = 32;

fn slim_tag(e: &BytesStart, qname: &str, empty: bool) -> String {
    let mut tag = format!("<{qname}");
    for a in e
        .attributes()
        .with_checks(false)
        .flatten()
        .take(MAX_ATTRIBUTES)
    {
        let v = a.value.chars().take(2048).collect::<String>();
        let q = if v.contains('"') { '\'' } else { '"' };
        tag.push_str(&format!(" {}={q}{v}{q}", a.key.as_ref()));
    }
    tag.push_str(if empty { "/>" } else { ">" });
    tag
}

fn renamed_03(local: &str) -> Option<&'static str> {
    ATOM_03_NAMES
        .iter()
        .find(|(old, _)| *old == local)
        .map(|(_, new)| *new)
}

fn with_prefix(qname: &str, local: &str) -> String {
    match qname.rsplit_once(':') {
        Some((prefix, _)) => format!("{prefix}:{local}"),
        None => local.to_string(),
    }
}

fn is_base64(e: &BytesStart) -> bool {
    e.attributes()
        .flatten()
        .any(|a| a.key.as_ref() == "mode" && a.value.trim().eq_ignore_ascii_case("base64"))
}

/// The start tag rewritten for feed-rs, when it needs to be: Atom 0.3
/// names and namespace, a `type` it can read, no `mode`.
fn atom_start_tag(
    e: &BytesStart,
    qname: &str,
    name: &str,
    atom03: bool,
    empty: bool,
    (start, end): (usize, usize),
) -> Option<Edit> {
    let new_name = if atom03 { renamed_03(name) } else { None };
    let text_construct = TEXT_CONSTRUCTS.contains(&name);
    let mut changed = new_name.is_some();
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut mode: Option<String> = None;
    let mut kind: Option<String> = None;
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref().to_string();
        let value = a.value.to_string();
        if atom03 && value.trim() == ATOM_03 {
            attrs.push((key, ATOM_10.to_string()));
            changed = true;
        } else if text_construct && key == "mode" {
            mode = Some(value.trim().to_ascii_lowercase());
            changed = true;
        } else if text_construct && key == "type" {
            kind = Some(value);
        } else {
            attrs.push((key, value));
        }
    }
    if text_construct {
        let raw = kind.clone().unwrap_or_default();
        let t = raw.trim().to_ascii_lowercase();
        let base64 = mode.as_deref() == Some("base64");
        let mapped = if base64 {
            // decoded below into plain text, or HTML when it was HTML
            if t.contains("html") {
                "html"
            } else {
                "text"
            }
        } else {
            match t.as_str() {
                "text" | "html" | "xhtml" if kind.is_some() => t.as_str(),
                "" if kind.is_none() && !atom03 => "",
                "" if kind.is_none() => "text",
                "text/html" => "html",
                "application/xhtml+xml" if atom03 && mode.as_deref() != Some("escaped") => "xhtml",
                "application/xhtml+xml" => "html",
                _ if atom03 && t.contains("html") => "html",
                _ => "text",
            }
        };
        if !mapped.is_empty() {
            if kind.as_deref() != Some(mapped) {
                changed = true;
            }
            attrs.push(("type".into(), mapped.into()));
        }
    }
    if !changed {
        return None;
    }
    let mut tag = String::from("<");
    tag.push_str(&new_name.map_or(qname.to_string(), |n| with_prefix(qname, n)));
    for (k, v) in attrs {
        let q = if v.contains('"') { '\'' } else { '"' };
        tag.push(' ');
        tag.push_str(&k);
        tag.push('=');
        tag.push(q);
        tag.push_str(&v);
        tag.push(q);
    }
    tag.push_str(if empty { "/>" } else { ">" });
    Some(Edit {
        start,
        end,
        with: tag,
    })
}

/// Replaces the text of a base64 element (from `after_start` to its end
/// tag) with the decoded text, escaped for XML. Consumes the element.
fn decode_base64_element(
    text: &str,
    reader: &mut quick_xml::Reader<&[u8]>,
    after_start: usize,
) -> Option<Edit> {
    let mut depth = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event().ok()? {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => {
                let raw = text.get(after_start..before)?;
                let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(cleaned.as_bytes())
                    .or_else(|_| {
                        base64::engine::general_purpose::STANDARD_NO_PAD
                            .decode(cleaned.trim_end_matches('=').as_bytes())
                    })
                    .ok()?;
                let decoded = String::from_utf8_lossy(&bytes);
                return Some(Edit {
                    start: after_start,
                    end: before,
                    with: crate::text::escaped(&decoded),
                });
            }
            Event::End(_) => depth -= 1,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Most elements kept of any array or object inside a JSON Feed item
/// (tags, attachments, authors …): a real item has a handful.
const MAX_JSON_CHILDREN: usize = 1000;
/// Deepest nesting the scan keeps track of.
const MAX_JSON_DEPTH: usize = 256;

/// Cuts the top-level `items` array of a JSON Feed after `max` elements,
/// and any other array or object after [`MAX_JSON_CHILDREN`], by a byte
/// scan that builds nothing. The result is still JSON.
fn cap_json_items(text: &str, max: usize) -> (Cow<'_, str>, Prepared) {
    let b = text.as_bytes();
    // per open container: (is the top-level items array, children seen, cut from)
    let mut stack: Vec<(bool, usize, Option<usize>)> = Vec::new();
    let mut last_key: Option<(usize, usize)> = None;
    let mut skips: Vec<(usize, usize)> = Vec::new();
    let mut too_deep = 0usize;
    let mut i = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let s = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if stack.len() == 1 {
                    last_key = Some((s, i.min(b.len())));
                }
            }
            c @ (b'[' | b'{') => {
                if stack.len() >= MAX_JSON_DEPTH {
                    // deeper than any parser goes (serde_json stops at 128):
                    // counted, not stored
                    too_deep += 1;
                } else {
                    let items = c == b'['
                        && stack.len() == 1
                        && last_key.is_some_and(|(s, e)| &b[s..e] == b"items");
                    stack.push((items, 0, None));
                }
            }
            b']' | b'}' => {
                if too_deep > 0 {
                    too_deep -= 1;
                } else if let Some((_, _, Some(from))) = stack.pop() {
                    skips.push((from, i));
                }
            }
            b',' if too_deep > 0 => {}
            b',' => {
                let depth = stack.len();
                if let Some(top) = stack.last_mut() {
                    let limit = if top.0 { max } else { MAX_JSON_CHILDREN };
                    top.1 += 1;
                    if top.2.is_none() && top.1 >= limit && depth > 1 {
                        top.2 = Some(i);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if skips.is_empty() {
        return (Cow::Borrowed(text), Prepared::default());
    }
    // skips nest when an outer container was cut too: keep the outermost
    skips.sort_unstable();
    let mut out = String::with_capacity(text.len().min(1 << 20));
    let mut at = 0;
    for (from, to) in skips {
        if from < at {
            continue;
        }
        out.push_str(&text[at..from]);
        at = to;
    }
    out.push_str(&text[at..]);
    (
        Cow::Owned(out),
        Prepared {
            cut: true,
            repaired: false,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_items_past_the_cap_are_cut_and_the_document_closed() {
        let doc = format!(
            "<rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
            "<item><title>x</title></item><item/>".repeat(10)
        );
        let (out, info) = prepare(&doc, 5);
        assert!(info.cut);
        assert_eq!(out.matches("<item").count(), 5);
        assert!(out.ends_with("</channel></rss>"), "{out}");
        let (same, info) = prepare(&doc, 100);
        assert!(!info.cut);
        assert!(matches!(same, Cow::Borrowed(_)));
    }

    #[test]
    fn json_items_past_the_cap_are_cut() {
        let doc = format!(
            "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{}],\"x\":[1,2]}}",
            ["{\"id\":\"a,b]\",\"tags\":[1,2]}"; 10].join(",")
        );
        let (out, info) = prepare(&doc, 3);
        assert!(info.cut);
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(v["items"].as_array().map(Vec::len), Some(3));
        assert_eq!(v["x"][1], 2);
        let (_, info) = prepare(&doc, 10);
        assert!(!info.cut);
    }

    #[test]
    fn huge_tags_and_json_arrays_are_bounded() {
        let attrs: String = (0..5000).map(|i| format!(" a{i}=\"1\"")).collect();
        let doc = format!("<rss version=\"2.0\"><channel><title{attrs}>t</title></channel></rss>");
        let (out, _) = prepare(&doc, 10);
        assert!(out.len() < 1000, "{}", out.len());
        assert!(out.contains(">t</title>"));
        let doc = format!(
            "{{\"version\":\"1\",\"items\":[{{\"id\":\"1\",\"tags\":[{}],\"o\":{{{}}}}}]}}",
            vec!["\"a\""; 50_000].join(","),
            (0..5000)
                .map(|i| format!("\"k{i}\":1"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let (out, info) = prepare(&doc, 10);
        assert!(info.cut);
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(
            v["items"][0]["tags"].as_array().map(Vec::len),
            Some(MAX_JSON_CHILDREN)
        );
        assert_eq!(
            v["items"][0]["o"].as_object().map(|o| o.len()),
            Some(MAX_JSON_CHILDREN)
        );
        assert_eq!(v["items"][0]["id"], "1");
    }

    #[test]
    fn atom_03_becomes_atom_10() {
        let doc = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title mode=\"escaped\" type=\"text/html\">t</title>\
<entry><title>e</title><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified>\
<content type=\"text/plain\" mode=\"base64\">SGlzdG9yeSBvZiB0aGUgPGJsaW5rPiB0YWc=</content></entry></feed>";
        let (out, info) = prepare(doc, 10);
        assert!(info.repaired);
        assert!(out.contains(ATOM_10), "{out}");
        assert!(
            out.contains("<published>2004-01-01T00:00:00Z</published>"),
            "{out}"
        );
        assert!(
            out.contains("<updated>2004-01-02T00:00:00Z</updated>"),
            "{out}"
        );
        assert!(
            out.contains("<content type=\"text\">History of the &lt;blink&gt; tag</content>"),
            "{out}"
        );
    }

    #[test]
    fn unknown_types_degrade_to_text() {
        let doc = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title type=\"\">a</title>\
<summary type=\"application/octet-stream\">b</summary><content type=\"text/html\">&lt;p&gt;c</content></entry></feed>";
        let (out, _) = prepare(doc, 10);
        assert!(out.contains("<title type=\"text\">a</title>"), "{out}");
        assert!(out.contains("<summary type=\"text\">b</summary>"), "{out}");
        assert!(
            out.contains("<content type=\"html\">&lt;p&gt;c</content>"),
            "{out}"
        );
    }
}
