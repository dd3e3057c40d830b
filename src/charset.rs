//! Character-set decoding of feeds and pages into UTF-8.
//!
//! Owns: choosing the encoding of a body (BOM, then the HTTP `charset`, then
//! the XML prolog or HTML `<meta>`, then detection with chardetng) and
//! transcoding it with encoding_rs. Pure functions: no I/O.

use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes are searched for an in-document declaration.
const DECLARATION_WINDOW: usize = 4096;

/// A body decoded to UTF-8.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    /// The encoding that was used.
    pub encoding: &'static Encoding,
    /// Where the choice came from.
    pub source: Source,
    /// True when some bytes were not valid in that encoding.
    pub had_errors: bool,
}

/// Where the encoding of a body was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A byte-order mark.
    Bom,
    /// The HTTP `Content-Type` charset.
    Http,
    /// The XML prolog or an HTML `<meta>` declaration.
    Document,
    /// Guessed from the bytes.
    Detected,
    /// The bytes are valid UTF-8 with non-ASCII text, whatever was declared.
    Utf8,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Bom => "bom",
            Source::Http => "http",
            Source::Document => "document",
            Source::Detected => "detected",
            Source::Utf8 => "utf-8",
        }
    }
}

/// Extracts the `charset` parameter from a Content-Type header value.
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// Decodes a response body to UTF-8, with the charset of its
/// `Content-Type` header (if any) as the HTTP declaration.
pub fn decode_response(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    decode(bytes, content_type.and_then(charset_from_content_type))
}

/// Decodes `bytes` to UTF-8.
///
/// Order: BOM; the HTTP charset; the XML prolog's `encoding` or an HTML
/// `<meta charset>` / `http-equiv` declaration; detection. A declared legacy
/// encoding is overridden when the bytes are valid UTF-8 with non-ASCII text
/// (the common "UTF-8 labelled as ISO-8859-1" mistake), and a declared UTF-8
/// is skipped when the bytes are not valid UTF-8.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc,
            source: Source::Bom,
            had_errors,
        };
    }
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    let non_ascii = !bytes.is_ascii();
    if valid_utf8 && non_ascii {
        return finish(bytes, UTF_8, Source::Utf8);
    }
    let declared = [
        (http_charset.and_then(label_to_encoding), Source::Http),
        (declared_in_document(bytes), Source::Document),
    ];
    for (enc, source) in declared {
        let Some(enc) = enc else { continue };
        if enc == UTF_8 && !valid_utf8 {
            continue;
        }
        return finish(bytes, enc, source);
    }
    if valid_utf8 {
        return finish(bytes, UTF_8, Source::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let enc = detector.guess(None, chardetng::Utf8Detection::Allow);
    finish(bytes, enc, Source::Detected)
}

fn finish(bytes: &[u8], enc: &'static Encoding, source: Source) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc,
        source,
        had_errors,
    }
}

/// Maps a label to an encoding; UTF-16 labels make no sense for a body
/// without a BOM that we could read as ASCII, so they are treated as UTF-8.
fn label_to_encoding(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().as_bytes())?;
    Some(enc.output_encoding())
}

/// Looks for an XML prolog `encoding="…"`, `<meta charset="…">` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` near the start.
pub fn declared_in_document(bytes: &[u8]) -> Option<&'static Encoding> {
    let window = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let lower: Vec<u8> = window.iter().map(u8::to_ascii_lowercase).collect();
    // XML prolog
    let trimmed = lower
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if lower[trimmed..].starts_with(b"<?xml") {
        let end = find(&lower[trimmed..], b"?>").map_or(lower.len(), |e| trimmed + e);
        let prolog = &lower[trimmed..end];
        if let Some(pos) = find(prolog, b"encoding") {
            if let Some(label) = attr_value(&prolog[pos + 8..]) {
                if let Some(enc) = label_to_encoding(&String::from_utf8_lossy(label)) {
                    return Some(enc);
                }
            }
        }
    }
    // HTML <meta>
    let mut from = 0;
    while let Some(p) = find(&lower[from..], b"<meta") {
        let start = from + p + 5;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let label = attr_value(rest).or_else(|| {
                // inside content="text/html; charset=windows-1256"
                let rest = rest.strip_prefix(b"=")?;
                let len = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/'))
                    .unwrap_or(rest.len());
                Some(&rest[..len])
            });
            if let Some(enc) = label.and_then(|l| label_to_encoding(&String::from_utf8_lossy(l))) {
                return Some(enc);
            }
        }
        from = end;
    }
    None
}

/// Reads `= "value"` / `='value'` / `=value` at the start of `s`.
fn attr_value(s: &[u8]) -> Option<&[u8]> {
    let s = trim_start(s);
    let s = trim_start(s.strip_prefix(b"=")?);
    match s.first()? {
        q @ (b'"' | b'\'') => {
            let rest = &s[1..];
            let end = rest.iter().position(|b| b == q)?;
            Some(&rest[..end])
        }
        _ => {
            let end = s
                .iter()
                .position(|b| {
                    b.is_ascii_whitespace() || matches!(b, b'>' | b';' | b'/' | b'?' | b'"' | b'\'')
                })
                .unwrap_or(s.len());
            (end > 0).then(|| &s[..end])
        }
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1256;

    const ARABIC: &str = "الحسكة والقامشلي: اجتماع لمجلس دير الزور المدني";

    fn cp1256(s: &str) -> Vec<u8> {
        WINDOWS_1256.encode(s).0.into_owned()
    }

    #[test]
    fn http_charset_wins_for_legacy_bytes() {
        let d = decode(&cp1256(ARABIC), Some("windows-1256"));
        assert_eq!(d.text, ARABIC);
        assert_eq!(d.source, Source::Http);
    }

    #[test]
    fn xml_prolog_declaration() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss><t>".to_vec();
        body.extend(cp1256(ARABIC));
        body.extend(b"</t></rss>");
        let d = decode(&body, None);
        assert!(d.text.contains(ARABIC), "{}", d.text);
        assert_eq!(d.source, Source::Document);
    }

    #[test]
    fn html_meta_http_equiv() {
        let mut body = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\"></head><body>".to_vec();
        body.extend(cp1256(ARABIC));
        let d = decode(&body, Some(""));
        assert!(d.text.contains(ARABIC));
        assert_eq!(d.source, Source::Document, "found in the meta, not guessed");
        let mut body = b"<meta charset=windows-1256><p>".to_vec();
        body.extend(cp1256(ARABIC));
        assert!(decode(&body, None).text.contains(ARABIC));
    }

    #[test]
    fn detection_without_any_label() {
        let text =
            format!("<p>{ARABIC}. {ARABIC}. قوات سوريا الديمقراطية في ريف الرقة الشمالي</p>");
        let d = decode(&cp1256(&text), None);
        assert_eq!(d.text, text);
        assert_eq!(d.source, Source::Detected);
    }

    #[test]
    fn utf8_mislabelled_as_latin1() {
        let d = decode(ARABIC.as_bytes(), Some("iso-8859-1"));
        assert_eq!(d.text, ARABIC);
    }

    #[test]
    fn declared_utf8_but_legacy_bytes() {
        let text = format!("{ARABIC} — {ARABIC}");
        let d = decode(&cp1256(&text), Some("utf-8"));
        assert_eq!(d.text, text);
    }

    #[test]
    fn bom() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend(ARABIC.as_bytes());
        assert_eq!(decode(&b, Some("windows-1252")).text, ARABIC);
    }

    #[test]
    fn content_type_parameter() {
        assert_eq!(
            charset_from_content_type("text/xml; Charset=\"windows-1256\""),
            Some("windows-1256")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
    }
}
