//! Feed parsing: decoded feed text → [`Item`]s, with feed-rs.
//!
//! Owns: RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs; containing
//! its panics; repairing what is safely repairable (a stale or second XML
//! declaration, a stray `&`); resolving relative links; reading dates that
//! feed-rs cannot (Arabic month names, Arabic-Indic digits, `2025-11-03 10:00:00`).

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use tracing::warn;
use url::Url;

use crate::extract;

mod date;
mod prepare;

pub use date::parse_date;

/// Largest number of items taken from one feed document.
const MAX_ITEMS: usize = 5000;
/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 2000;

/// One entry of a feed, as the feed describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The feed's own id/guid, if it gave one.
    pub guid: Option<String>,
    /// The article link, absolute.
    pub url: Option<Url>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Plain text of the feed's summary or content (the longer one).
    pub text: String,
}

/// A parsed feed document.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub language: Option<String>,
    pub items: Vec<Item>,
    /// The feed's `<ttl>`: how long it may be cached.
    pub ttl: Option<std::time::Duration>,
    /// What had to be repaired before it parsed, if anything.
    pub repaired: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
    #[error("the feed parser crashed on this document ({0})")]
    Panicked(String),
}

/// Parses the decoded text of a feed fetched from `feed_url`.
pub fn parse(text: &str, feed_url: &Url) -> Result<ParsedFeed, ParseError> {
    let text = text.trim_start_matches('\u{feff}');
    let declared = normalize_declarations(text);
    // cut at the item cap and make Atom readable before feed-rs builds anything
    let (prepared, what) = prepare::prepare(&declared, MAX_ITEMS);
    if what.cut {
        warn!(
            max = MAX_ITEMS,
            "feed has more items than the cap; the rest is ignored"
        );
    }
    let first = parse_once(&prepared, feed_url);
    let err = match first {
        Ok(mut feed) => {
            // RSS 1.0/2.0 syndication module: a hint feed-rs does not read
            if let Some(period) = update_period(&prepared) {
                feed.ttl = Some(feed.ttl.map_or(period, |t| t.max(period)));
            }
            return Ok(feed);
        }
        Err(e) => e,
    };
    if looks_like_html(&prepared) {
        return Err(ParseError::NotAFeed(
            "an HTML page was served instead of a feed".into(),
        ));
    }
    if let Cow::Owned(repaired) = escape_stray_ampersands(&prepared) {
        if let Ok(mut feed) = parse_once(&repaired, feed_url) {
            feed.repaired = Some("unescaped '&' characters");
            return Ok(feed);
        }
    }
    Err(err)
}

fn parse_once(text: &str, feed_url: &Url) -> Result<ParsedFeed, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(parse_date)
        .build();
    let result = catch_unwind(AssertUnwindSafe(|| parser.parse(text.as_bytes())));
    let feed = match result {
        Ok(Ok(feed)) => feed,
        Ok(Err(feed_rs::parser::ParseFeedError::ParseError(kind))) => {
            let msg = kind.to_string();
            return Err(if msg.contains("no feed root") || msg.contains("root") {
                ParseError::NotAFeed(msg)
            } else {
                ParseError::Malformed(msg)
            });
        }
        Ok(Err(e)) => return Err(ParseError::Malformed(e.to_string())),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            return Err(ParseError::Panicked(msg.chars().take(200).collect()));
        }
    };
    // Atom says what its text is: `text` stays literal, never read as HTML
    let typed = feed.feed_type == feed_rs::model::FeedType::Atom;
    let items = feed
        .entries
        .into_iter()
        .take(MAX_ITEMS)
        .map(|e| convert_entry(e, feed_url, typed))
        .collect();
    Ok(ParsedFeed {
        title: feed.title.map(|t| clean_line(&t.content)),
        language: feed.language,
        ttl: feed
            .ttl
            .map(|m| std::time::Duration::from_secs(u64::from(m).min(7 * 1440) * 60)),
        items,
        repaired: None,
    })
}

/// Plain text of a feed text value: markup read as HTML, unless the feed
/// (Atom) said the value is plain text. Numeric references to C1 controls
/// are read as windows-1252, as browsers and feedparser do.
fn text_of(content: &str, media: &impl std::fmt::Display, typed: bool) -> String {
    let plain = typed && media.to_string().starts_with("text/plain");
    let text = if plain {
        extract::collapse_lines(content)
    } else {
        extract::fragment_text(content)
    };
    crate::text::strip_controls(&c1_as_windows_1252(text)).into_owned()
}

/// U+0080–U+009F (never text; `&#146;` in a feed means ’) → windows-1252.
fn c1_as_windows_1252(s: String) -> String {
    if !s.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return s;
    }
    s.chars()
        .map(|c| {
            if ('\u{80}'..='\u{9f}').contains(&c) {
                let byte = [c as u32 as u8];
                let (mapped, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
                mapped.chars().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn convert_entry(e: feed_rs::model::Entry, feed_url: &Url, typed: bool) -> Item {
    let guid = Some(e.id.trim().to_string()).filter(|g| !g.is_empty());
    // Prefer rel="alternate" (Atom) or the first link without a rel.
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .map(|l| l.href.trim().to_string());
    let url = link
        .and_then(|l| feed_url.join(&l).ok())
        .or_else(|| {
            // RSS guids with isPermaLink are often the only link
            guid.as_deref()
                .filter(|g| g.starts_with("http://") || g.starts_with("https://"))
                .and_then(|g| Url::parse(g).ok())
        })
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let title = e
        .title
        .map(|t| clean_line(&text_of(&t.content, &t.content_type, typed)))
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(MAX_TITLE_CHARS).collect());
    let author = e
        .authors
        .first()
        .and_then(|a| a.name.as_deref().map(clean_line))
        .filter(|a| !a.is_empty());
    let summary = e
        .summary
        .map(|s| text_of(&s.content, &s.content_type, typed))
        .unwrap_or_default();
    let content = e
        .content
        .and_then(|c| {
            let body = c.body?;
            Some(text_of(&body, &c.content_type, typed))
        })
        .unwrap_or_default();
    let text = if content.chars().count() > summary.chars().count() {
        content
    } else {
        summary
    };
    Item {
        guid,
        url,
        title,
        author,
        published: e.published.or(e.updated),
        text,
    }
}

/// One line of text: whitespace collapsed, control characters (ESC …) out.
fn clean_line(s: &str) -> String {
    crate::text::strip_controls(&s.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

/// `<sy:updatePeriod>` / `<sy:updateFrequency>`: how often the publisher
/// says the feed changes.
fn update_period(xml: &str) -> Option<std::time::Duration> {
    let mut end = xml.len().min(16 * 1024);
    while !xml.is_char_boundary(end) {
        end -= 1;
    }
    let head = &xml[..end];
    let value = |tag: &str| -> Option<&str> {
        let open = format!("<sy:{tag}>");
        let start = head.find(&open)? + open.len();
        let end = head[start..].find('<')? + start;
        Some(head[start..end].trim())
    };
    let unit = match value("updatePeriod")?.to_ascii_lowercase().as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let freq = value("updateFrequency")
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|&f| f > 0)
        .unwrap_or(1);
    Some(std::time::Duration::from_secs(
        (unit / freq).min(7 * 86_400),
    ))
}

/// After transcoding, the document is UTF-8 whatever its prolog says: rewrite
/// the prolog, and drop any further `<?xml …?>` declarations (one of those
/// makes quick-xml panic).
fn normalize_declarations(text: &str) -> Cow<'_, str> {
    let body = text.trim_start();
    if !body.starts_with('<') {
        return Cow::Borrowed(text); // JSON Feed or junk
    }
    if !text.contains("<?xml") {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = body;
    if rest.starts_with("<?xml") {
        match rest.find("?>") {
            Some(end) => {
                out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
                rest = &rest[end + 2..];
            }
            None => return Cow::Borrowed(body),
        }
    }
    while let Some(pos) = find_declaration(rest) {
        out.push_str(&rest[..pos]);
        match rest[pos..].find("?>") {
            Some(end) => rest = &rest[pos + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Finds `<?xml` followed by whitespace (not `<?xml-stylesheet`).
fn find_declaration(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = s[from..].find("<?xml") {
        let at = from + p;
        match s.as_bytes().get(at + 5) {
            Some(b) if b.is_ascii_whitespace() || *b == b'?' => return Some(at),
            _ => from = at + 5,
        }
    }
    None
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Replaces `&` that does not start an entity or character reference with
/// `&amp;`. Text without such ampersands is returned as is.
pub fn escape_stray_ampersands(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut i = 0;
    while let Some(p) = text[i..].find('&') {
        let at = i + p;
        if !starts_reference(&bytes[at + 1..]) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            o.push_str(&text[last..at]);
            o.push_str("&amp;");
            last = at + 1;
        }
        i = at + 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[last..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

fn starts_reference(after: &[u8]) -> bool {
    let end = after.iter().take(34).position(|&b| b == b';');
    let Some(end) = end else { return false };
    let name = &after[..end];
    match name {
        [b'#', b'x' | b'X', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
        [b'#', dec @ ..] => !dec.is_empty() && dec.iter().all(u8::is_ascii_digit),
        _ => {
            !name.is_empty()
                && name[0].is_ascii_alphabetic()
                && name.iter().all(u8::is_ascii_alphanumeric)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use chrono::TimeZone;

    fn base() -> Url {
        Url::parse("https://example.org/feed/").expect("url")
    }

    #[test]
    fn rss_with_relative_links_and_html_summary() {
        let xml = r#"<?xml version="1.0" encoding="windows-1256"?>
<rss version="2.0"><channel><title>نورث برس</title>
<item><title>اشتباكات في ريف &lt;b&gt;دير الزور&lt;/b&gt;</title><link>/2025/11/a-1/</link>
<guid isPermaLink="false">p=101</guid><pubDate>2025-11-03 10:00:00</pubDate>
<description>&lt;p&gt;قالت مصادر محلية إن &lt;a href="/x"&gt;اشتباكات&lt;/a&gt; اندلعت.&lt;/p&gt;</description></item>
</channel></rss>"#;
        let f = parse(xml, &base()).expect("parses");
        assert_eq!(f.items.len(), 1);
        let it = &f.items[0];
        assert_eq!(
            it.url.as_ref().map(Url::as_str),
            Some("https://example.org/2025/11/a-1/")
        );
        assert_eq!(it.title.as_deref(), Some("اشتباكات في ريف دير الزور"));
        assert_eq!(it.text, "قالت مصادر محلية إن اشتباكات اندلعت.");
        assert_eq!(it.guid.as_deref(), Some("p=101"));
        assert!(it.published.is_some());
    }

    #[test]
    fn second_declaration_does_not_panic() {
        let xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><?xml version=\"1.0\" encoding=\"UTF-8\"?><item><title>a</title><link>https://example.org/a</link></item></channel></rss>";
        let f = parse(xml, &base()).expect("repaired");
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn stray_ampersand_is_repaired() {
        let xml = "<rss version=\"2.0\"><channel><title>Q & A</title><item><title>Raqqa & Hasakah</title><link>https://example.org/a?x=1&y=2</link></item></channel></rss>";
        let f = parse(xml, &base()).expect("repaired");
        assert_eq!(f.items[0].title.as_deref(), Some("Raqqa & Hasakah"));
        assert_eq!(
            f.items[0].url.as_ref().map(Url::as_str),
            Some("https://example.org/a?x=1&y=2")
        );
        assert!(f.repaired.is_some());
        assert_eq!(
            escape_stray_ampersands("a &amp; b &#1575; &#x627;"),
            "a &amp; b &#1575; &#x627;"
        );
    }

    #[test]
    fn ttl_and_syndication_hints() {
        let xml = "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>t</title><ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency><item><title>a</title><link>https://example.org/a</link></item></channel></rss>";
        let f = parse(xml, &base()).expect("parses");
        assert_eq!(f.ttl, Some(std::time::Duration::from_secs(3600)));
        let xml = xml.replace("<sy:updatePeriod>hourly</sy:updatePeriod>", "");
        assert_eq!(
            parse(&xml, &base()).expect("parses").ttl,
            Some(std::time::Duration::from_secs(1800))
        );
    }

    #[test]
    fn long_arabic_feed_with_hints() {
        // found by the end-to-end benchmark: the hint scan cut the document
        // inside a multi-byte character
        let items: String = (0..200)
            .map(|i| format!("<item><title>الإنسانية الشتاء وسط اشتباكات {i}</title><link>https://example.org/{i}</link></item>"))
            .collect();
        let xml = format!("<rss version=\"2.0\"><channel><title>t</title>{items}<sy:updatePeriod>daily</sy:updatePeriod></channel></rss>");
        for cut in 16_380..16_390 {
            let mut doc = xml.clone();
            // shift the text so a multi-byte character straddles 16 KiB
            doc.insert_str(0, &" ".repeat(cut % 7));
            assert!(parse(&doc, &base()).is_ok());
        }
    }

    #[test]
    fn html_is_not_a_feed() {
        let err = parse("<!DOCTYPE html><html><body>hi</body></html>", &base()).unwrap_err();
        assert!(matches!(err, ParseError::NotAFeed(_)), "{err}");
        assert!(parse("garbage", &base()).is_err());
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>
<entry><id>tag:1</id><title>Kobanê</title><link rel="alternate" href="https://example.org/k"/><updated>2025-11-03T10:00:00Z</updated><content type="html">&lt;p&gt;Li Kobanê&lt;/p&gt;</content></entry></feed>"#;
        let f = parse(atom, &base()).expect("atom");
        assert_eq!(f.items[0].text, "Li Kobanê");
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","url":"https://example.org/j","title":"Qamişlo","content_text":"Nûçe"}]}"#;
        let f = parse(json, &base()).expect("json");
        assert_eq!(f.items[0].title.as_deref(), Some("Qamişlo"));
        assert_eq!(f.items[0].text, "Nûçe");
    }

    // The cases of feedparser's own well-formed and encoding tests that
    // feed-rs alone gets wrong.
    fn atom(entry: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>\
<entry><id>urn:1</id><title>first</title><link href=\"https://example.org/1\"/>{entry}</entry>\
<entry><id>urn:2</id><title>second</title><link href=\"https://example.org/2\"/></entry></feed>"
        )
    }

    #[test]
    fn unknown_or_empty_types_degrade_to_text() {
        for t in ["application/octet-stream", "", "foo", "text/x-unknown"] {
            let f = parse(
                &atom(&format!(
                    "<summary type=\"{t}\">plain &amp; simple</summary>"
                )),
                &base(),
            )
            .unwrap_or_else(|e| panic!("type {t:?}: {e}"));
            assert_eq!(f.items.len(), 2, "type {t:?}");
            assert_eq!(f.items[0].text, "plain & simple");
        }
    }

    #[test]
    fn text_types_stay_literal() {
        let f = parse(
            &atom("<content type=\"text/plain\">History of the &lt;blink&gt; tag</content>"),
            &base(),
        )
        .expect("parse");
        assert_eq!(f.items[0].text, "History of the <blink> tag");
        let f = parse(
            &atom("<summary type=\"text\">a &lt;b&gt; c</summary>"),
            &base(),
        )
        .expect("parse");
        assert_eq!(f.items[0].text, "a <b> c");
        // html is still read as HTML
        let f = parse(
            &atom("<summary type=\"html\">&lt;p&gt;a &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</summary>"),
            &base(),
        )
        .expect("parse");
        assert_eq!(f.items[0].text, "a bold");
    }

    #[test]
    fn base64_content_is_decoded() {
        // "History of the <blink> tag" and an Arabic line
        let f = parse(
            &atom("<content type=\"text/plain\" mode=\"base64\">SGlzdG9yeSBvZiB0aGUgPGJsaW5rPiB0YWc=</content>"),
            &base(),
        )
        .expect("parse");
        assert_eq!(f.items[0].text, "History of the <blink> tag");
        let arabic = "اشتباكات في الحسكة";
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("<p>{arabic}</p>"));
        let f = parse(
            &atom(&format!(
                "<content type=\"text/html\" mode=\"base64\">{b64}</content>"
            )),
            &base(),
        )
        .expect("parse");
        assert_eq!(f.items[0].text, arabic);
    }

    #[test]
    fn atom_0_3_is_read() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\" xml:lang=\"ar\"><title>قديم</title>\
<link rel=\"alternate\" type=\"text/html\" href=\"https://example.org/\"/><modified>2025-11-03T10:00:00Z</modified>\
<entry><title>اشتباكات في الحسكة</title><link rel=\"alternate\" type=\"text/html\" href=\"https://example.org/a/1\"/>\
<id>tag:example.org,2025:1</id><issued>2025-11-03T10:00:00Z</issued><modified>2025-11-03T11:00:00Z</modified>\
<summary type=\"text/plain\">ملخص</summary>\
<content type=\"text/html\" mode=\"escaped\">&lt;p&gt;نص الخبر&lt;/p&gt;</content></entry>\
<entry><title>Kobanê</title><link rel=\"alternate\" type=\"text/html\" href=\"https://example.org/a/2\"/>\
<id>tag:example.org,2025:2</id><issued>2025-11-04T10:00:00Z</issued></entry></feed>";
        let f = parse(doc, &base()).expect("parse");
        assert_eq!(f.items.len(), 2);
        let first = &f.items[0];
        assert_eq!(first.title.as_deref(), Some("اشتباكات في الحسكة"));
        assert_eq!(
            first.url.as_ref().map(Url::as_str),
            Some("https://example.org/a/1")
        );
        assert_eq!(
            first.published,
            Utc.with_ymd_and_hms(2025, 11, 3, 10, 0, 0).single()
        );
        assert_eq!(first.text, "نص الخبر");
    }

    #[test]
    fn latin_1_labels_read_as_windows_1252() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>t</title>\
<item><title>It".to_vec();
        bytes.push(0x92);
        bytes
            .extend_from_slice(b"s here</title><link>https://example.org/1</link><description>caf");
        bytes.push(0xe9);
        bytes.extend_from_slice(b" &#146; &#x93;q&#x94;</description></item></channel></rss>");
        for http in [None, Some("iso-8859-1"), Some("latin1")] {
            let decoded = crate::charset::decode(&bytes, http);
            let f = parse(&decoded.text, &base()).expect("parse");
            assert_eq!(
                f.items[0].title.as_deref(),
                Some("It\u{2019}s here"),
                "{http:?}"
            );
            assert_eq!(
                f.items[0].text, "caf\u{e9} \u{2019} \u{201c}q\u{201d}",
                "{http:?}"
            );
        }
    }
}
