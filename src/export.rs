//! Export of stored articles: JSON Lines and CSV (RFC 4180).
//!
//! Owns: the output formats of the data contract in design.md. Reads the
//! store only, through [`Store::for_each_article`], one row at a time.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::{ArticleRow, Filter, Store, StoreError};

/// Output formats of `rasad export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    /// Atom 1.0: any feed reader can subscribe to a filtered view.
    Atom,
    /// OPML 2.0 of the configured feeds (see [`write_opml`]).
    Opml,
}

/// Writes one JSON line per story (syndicated copies grouped) with an
/// article matching `filter`; returns how many.
pub fn export_stories(
    store: &Store,
    filter: &Filter,
    out: &mut dyn Write,
) -> Result<usize, StoreError> {
    let n = store.for_each_story(filter, |story| {
        serde_json::to_writer(&mut *out, &story).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    })?;
    out.flush().map_err(|e| io_err(store, e))?;
    Ok(n)
}

/// Writes one JSON line per version of every article matching `filter`
/// (`{"article_id", "version", "seen_at", "title", "text", "source",
/// "feed", "url", "sha256"}`); returns how many.
pub fn export_versions(
    store: &Store,
    filter: &Filter,
    out: &mut dyn Write,
) -> Result<usize, StoreError> {
    let mut ids = Vec::new();
    store.for_each_article(filter, |a| {
        ids.push(a.id);
        Ok(())
    })?;
    let mut n = 0;
    for id in ids {
        let (versions, _) = store.history(id)?;
        for v in versions {
            let mut line = serde_json::to_value(&v).map_err(|e| io_err(store, e.into()))?;
            if let Some(o) = line.as_object_mut() {
                o.insert("article_id".into(), id.into());
            }
            serde_json::to_writer(&mut *out, &line).map_err(|e| io_err(store, e.into()))?;
            out.write_all(b"\n").map_err(|e| io_err(store, e))?;
            n += 1;
        }
    }
    out.flush().map_err(|e| io_err(store, e))?;
    Ok(n)
}

use crate::text::escaped as xml_escape;

fn write_atom_head(out: &mut dyn Write, now: chrono::DateTime<chrono::Utc>) -> std::io::Result<()> {
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>rasad</title>\n<id>urn:rasad:export</id>\n<updated>{}</updated>\n\
         <author><name>rasad</name></author>\n<generator version=\"{}\">rasad</generator>\n",
        crate::store::ts(now),
        env!("CARGO_PKG_VERSION")
    )
}

fn write_atom_entry(out: &mut dyn Write, r: &ArticleRow) -> std::io::Result<()> {
    let lang = r
        .lang
        .as_deref()
        .map(|l| format!(" xml:lang=\"{}\"", xml_escape(l)))
        .unwrap_or_default();
    writeln!(out, "<entry{lang}>")?;
    writeln!(out, "<id>urn:rasad:article:{}</id>", r.id)?;
    writeln!(
        out,
        "<title>{}</title>",
        xml_escape(r.title.as_deref().unwrap_or("(untitled)"))
    )?;
    writeln!(out, "<updated>{}</updated>", xml_escape(&r.first_seen))?;
    if let Some(p) = &r.published {
        writeln!(out, "<published>{}</published>", xml_escape(p))?;
    }
    let author = r
        .author
        .as_deref()
        .or(r.outlet.as_deref())
        .unwrap_or(&r.feed);
    writeln!(out, "<author><name>{}</name></author>", xml_escape(author))?;
    if let Some(u) = &r.url {
        writeln!(out, "<link rel=\"alternate\" href=\"{}\"/>", xml_escape(u))?;
    }
    for p in &r.places {
        writeln!(out, "<category term=\"{}\"/>", xml_escape(p))?;
    }
    if !r.summary.is_empty() {
        writeln!(out, "<summary>{}</summary>", xml_escape(&r.summary))?;
    }
    match r.html.as_deref().filter(|h| !h.is_empty()) {
        Some(html) => writeln!(out, "<content type=\"html\">{}</content>", xml_escape(html))?,
        None => writeln!(
            out,
            "<content type=\"text\">{}</content>",
            xml_escape(&r.text)
        )?,
    }
    writeln!(out, "</entry>")
}

/// OPML 2.0 of `feeds`, for other feed readers.
pub fn write_opml(feeds: &[crate::config::FeedConfig], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head><title>rasad feeds</title></head>\n<body>"
    )?;
    for f in feeds {
        let lang = f
            .lang
            .as_deref()
            .map(|l| format!(" language=\"{}\"", xml_escape(l)))
            .unwrap_or_default();
        writeln!(
            out,
            "<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{lang}/>",
            xml_escape(&f.name),
            xml_escape(f.url.as_str())
        )?;
    }
    writeln!(out, "</body>\n</opml>")?;
    out.flush()
}

/// Why an OPML document could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not valid OPML at byte {at}: {detail}")]
pub struct OpmlError {
    pub at: u64,
    pub detail: String,
}

/// A `--since`/`--until` value rasad cannot read.
#[derive(Debug, thiserror::Error)]
#[error("bad time {0:?}: write 2025-11-03, 2025-11-03T10:00:00Z or an age such as 24h or 7d")]
pub struct TimeArgError(pub String);

/// Feeds listed in an OPML document: (title, xmlUrl, language).
pub fn read_opml(xml: &str) -> Result<Vec<(String, String, Option<String>)>, OpmlError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut feeds = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == "outline" => {
                let mut title = None;
                let mut text = None;
                let mut url = None;
                let mut lang = None;
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| OpmlError {
                            at: reader.buffer_position(),
                            detail: format!("bad attribute: {err}"),
                        })?
                        .trim()
                        .to_string();
                    match a.key.as_ref() {
                        "title" => title = Some(v),
                        "text" => text = Some(v),
                        "xmlUrl" => url = Some(v),
                        "language" => lang = Some(v),
                        _ => {}
                    }
                }
                if let Some(url) = url.filter(|u| !u.is_empty()) {
                    let name = title
                        .or(text)
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| url.clone());
                    feeds.push((name, url, lang.filter(|l| !l.is_empty())));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(OpmlError {
                    at: reader.buffer_position(),
                    detail: e.to_string(),
                })
            }
            _ => {}
        }
    }
    Ok(feeds)
}

/// CSV columns, in order: the fields of the data contract.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "story_id",
    "url",
    "urls",
    "feed",
    "feeds",
    "outlet",
    "title",
    "author",
    "published",
    "first_seen",
    "lang",
    "summary",
    "text",
    "text_source",
    "extraction",
    "places",
    "content_hash",
    "status",
    "versions",
];

/// How to write an export.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub format: Format,
    /// CSV only: start with a UTF-8 BOM so Excel reads Arabic right.
    pub excel: bool,
    /// Show a running count on stderr (for a terminal, when writing a file).
    pub progress: bool,
}

/// Writes every article matching `filter` to `out`; returns how many.
pub fn export(
    store: &Store,
    filter: &Filter,
    options: &Options,
    out: &mut dyn Write,
) -> Result<usize, StoreError> {
    let format = options.format;
    if format == Format::Csv && options.excel {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| io_err(store, e))?;
    }
    if format == Format::Csv {
        write_csv_record(out, CSV_COLUMNS.iter().copied()).map_err(|e| io_err(store, e))?;
    }
    if format == Format::Atom {
        write_atom_head(out, chrono::Utc::now()).map_err(|e| io_err(store, e))?;
    }
    let mut written = 0usize;
    let n = store.for_each_article(filter, |row| {
        written += 1;
        if options.progress && written % 5_000 == 0 {
            eprint!("\r{written} articles exported");
        }
        write_row(out, format, &row)
    })?;
    if options.progress && written >= 5_000 {
        eprintln!("\r{written} articles exported");
    }
    if format == Format::Atom {
        out.write_all(b"</feed>\n").map_err(|e| io_err(store, e))?;
    }
    out.flush().map_err(|e| io_err(store, e))?;
    Ok(n)
}

fn write_row(out: &mut dyn Write, format: Format, row: &ArticleRow) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, row).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }
        Format::Csv => write_csv_row(out, row),
        Format::Atom => write_atom_entry(out, row),
        Format::Opml => Ok(()),
    }
}

fn io_err(store: &Store, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: store.path().to_path_buf(),
        what: "writing the export failed",
        source,
    }
}

fn write_csv_row(out: &mut dyn Write, r: &ArticleRow) -> std::io::Result<()> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let fields = [
        r.id.to_string(),
        r.story_id.to_string(),
        opt(&r.url),
        r.urls.join("|"),
        r.feed.clone(),
        r.feeds.join("|"),
        opt(&r.outlet),
        opt(&r.title),
        opt(&r.author),
        opt(&r.published),
        r.first_seen.clone(),
        opt(&r.lang),
        r.summary.clone(),
        r.text.clone(),
        r.text_source.as_str().to_string(),
        r.extraction.as_str().to_string(),
        r.places.join("|"),
        r.content_hash.clone(),
        r.status.as_str().to_string(),
        r.versions.to_string(),
    ];
    write_csv_record(out, fields.iter().map(|f| neutralize_formula(f)))
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// CR, or their full-width forms first) gets a leading `'` (OWASP's advice
/// against CSV injection), so it is shown as the text it is.
fn neutralize_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            std::borrow::Cow::Owned(format!("'{cell}"))
        }
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// One RFC 4180 record: fields with `,` `"` CR or LF are quoted, quotes doubled, CRLF ends it.
fn write_csv_record<S: AsRef<str>>(
    out: &mut dyn Write,
    fields: impl Iterator<Item = S>,
) -> std::io::Result<()> {
    for (i, f) in fields.enumerate() {
        let f = f.as_ref();
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.write_all(b"\"")?;
            out.write_all(f.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

/// Reads a time for `--since`/`--until`: RFC 3339, a date (`2025-11-03`,
/// midnight UTC), or an age before `now` (`24h`, `7d`).
pub fn parse_time_arg(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, TimeArgError> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(dt.and_utc());
        }
    }
    if let Ok(age) = crate::config::parse_duration(t) {
        if let Some(t) = chrono::Duration::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
        {
            return Ok(t);
        }
    }
    Err(TimeArgError(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut out = Vec::new();
        write_csv_record(
            &mut out,
            ["a", "ب,ج", "say \"hi\"", "two\nlines"].into_iter(),
        )
        .expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "a,\"ب,ج\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formulas_are_shown_not_run() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "＝1+1",
        ] {
            assert_eq!(neutralize_formula(cell), format!("'{cell}"));
        }
        assert_eq!(neutralize_formula("الحسكة = مدينة"), "الحسكة = مدينة");
        assert_eq!(neutralize_formula("42"), "42");
    }

    #[test]
    fn time_args() {
        let now = DateTime::parse_from_rfc3339("2025-11-10T00:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(
            parse_time_arg("7d", now).expect("age"),
            DateTime::parse_from_rfc3339("2025-11-03T00:00:00Z").expect("t")
        );
        assert_eq!(
            parse_time_arg("2025-11-03", now).expect("date"),
            DateTime::parse_from_rfc3339("2025-11-03T00:00:00Z").expect("t")
        );
        assert!(parse_time_arg("yesterday", now).is_err());
    }
}
