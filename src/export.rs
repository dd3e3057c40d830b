//! Export of stored articles: JSON Lines and CSV (RFC 4180).
//!
//! Owns: the output formats of the data contract in design.md. Reads the
//! store only, through [`Store::for_each_article`], one row at a time.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::{ArticleRow, Filter, Store, StoreError};

/// Output formats of `rasad export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
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
];

/// How to write an export.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub format: Format,
    /// CSV only: start with a UTF-8 BOM so Excel reads Arabic right.
    pub excel: bool,
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
    let n = store.for_each_article(filter, |row| match format {
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }
        Format::Csv => write_csv_row(out, &row),
    })?;
    out.flush().map_err(|e| io_err(store, e))?;
    Ok(n)
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
        r.text_source.clone(),
        r.extraction.clone(),
        r.places.join("|"),
        r.content_hash.clone(),
    ];
    write_csv_record(out, fields.iter().map(String::as_str))
}

/// One RFC 4180 record: fields with `,` `"` CR or LF are quoted, quotes doubled, CRLF ends it.
fn write_csv_record<'a>(
    out: &mut dyn Write,
    fields: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    for (i, f) in fields.enumerate() {
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
pub fn parse_time_arg(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
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
        let age = chrono::Duration::from_std(age).map_err(|e| e.to_string())?;
        return Ok(now - age);
    }
    Err(format!(
        "bad time {s:?}: write 2025-11-03, 2025-11-03T10:00:00Z or an age such as 24h or 7d"
    ))
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
