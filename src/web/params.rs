//! Query strings: the filters every list takes (`q`, `lang`, `place`,
//! `feed`, `site`, `since`, `until`, `page`, `limit`, `format`), read by
//! hand so that each bad value gets a message naming it.

use chrono::{DateTime, Utc};

use crate::places::Place;
use crate::store::Filter;

/// Longest search accepted.
const MAX_QUERY_CHARS: usize = 500;
/// Highest page number.
const MAX_PAGE: usize = 1_000;

/// A parameter the reader cannot use, and why.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct BadParam {
    pub name: &'static str,
    pub message: String,
}

fn bad(name: &'static str, message: impl Into<String>) -> BadParam {
    BadParam {
        name,
        message: message.into(),
    }
}

/// A download of a list, in the export's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    Atom,
    Csv,
    Jsonl,
}

impl Download {
    pub fn name(self) -> &'static str {
        match self {
            Download::Atom => "atom",
            Download::Csv => "csv",
            Download::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Download::Atom => "application/atom+xml; charset=utf-8",
            Download::Csv => "text/csv; charset=utf-8",
            Download::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }

    pub fn format(self) -> crate::export::Format {
        match self {
            Download::Atom => crate::export::Format::Atom,
            Download::Csv => crate::export::Format::Csv,
            Download::Jsonl => crate::export::Format::Jsonl,
        }
    }
}

/// The filters of one list, checked.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The search as typed.
    pub q: Option<String>,
    /// Its FTS5 form.
    pub fts: Option<String>,
    pub lang: Option<String>,
    pub place: Option<&'static Place>,
    pub feed: Option<String>,
    pub site: Option<String>,
    /// As typed (`24h`, `2025-11-03`), for links and forms.
    pub since_text: Option<String>,
    pub until_text: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// 1-based.
    pub page: usize,
    pub limit: usize,
    pub download: Option<Download>,
    /// The window is of first sightings (what came in), as on the front
    /// page, rather than of publication times.
    pub seen: bool,
}

impl View {
    /// Reads `raw` (the query string); `since` defaults to `default_since`.
    pub fn parse(
        raw: Option<&str>,
        now: DateTime<Utc>,
        default_since: Option<&str>,
        default_limit: usize,
    ) -> Result<View, BadParam> {
        let mut v = View {
            page: 1,
            limit: default_limit,
            since_text: default_since.map(str::to_string),
            ..View::default()
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        for (k, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.as_ref();
            match k.as_ref() {
                "q" => v.q = text(value),
                "lang" => v.lang = text(value).map(|l| l.to_ascii_lowercase()),
                "feed" => v.feed = text(value),
                "site" => v.site = text(value).map(|s| s.to_lowercase()),
                "place" => {
                    v.place = match text(value) {
                        Some(name) => Some(crate::places::lookup(&name).ok_or_else(|| {
                            bad("place", format!("no place named {name:?} in the gazetteer"))
                        })?),
                        None => None,
                    }
                }
                "since" => v.since_text = text(value),
                "until" => v.until_text = text(value),
                "page" => v.page = number("page", value, MAX_PAGE)?,
                "limit" => v.limit = number("limit", value, 1_000)?,
                "format" => {
                    v.download = match value {
                        "" | "html" => None,
                        "atom" => Some(Download::Atom),
                        "csv" => Some(Download::Csv),
                        "jsonl" => Some(Download::Jsonl),
                        other => {
                            return Err(bad(
                                "format",
                                format!("{other:?} is not atom, csv or jsonl"),
                            ))
                        }
                    }
                }
                _ => {}
            }
        }
        let time = |name: &'static str, t: &Option<String>| {
            t.as_deref()
                .map(|s| crate::export::parse_time_arg(s, now))
                .transpose()
                .map_err(|e| bad(name, e.to_string()))
        };
        v.since = time("since", &v.since_text)?;
        v.until = time("until", &v.until_text)?;
        if let Some(q) = &v.q {
            if q.chars().count() > MAX_QUERY_CHARS {
                return Err(bad(
                    "q",
                    format!("longer than {MAX_QUERY_CHARS} characters"),
                ));
            }
            v.fts = Some(
                crate::search::fts_query(q)
                    .ok_or_else(|| bad("q", format!("nothing to search for in {q:?}")))?,
            );
        }
        Ok(v)
    }

    /// The store's filter for this view (no paging).
    pub fn filter(&self) -> Filter {
        Filter {
            since: self.since,
            until: self.until,
            feeds: self.feed.iter().cloned().collect(),
            lang: self.lang.clone(),
            place: self.place.map(|p| p.id.clone()),
            query: self.fts.clone(),
            site: self.site.clone(),
            by_first_seen: self.seen,
            ..Filter::default()
        }
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.limit
    }

    /// The query string of this view with `page` and `format` replaced.
    pub fn link(&self, page: usize, format: Option<Download>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("q", self.q.clone()),
            ("lang", self.lang.clone()),
            ("place", self.place.map(|p| p.id.clone())),
            ("feed", self.feed.clone()),
            ("site", self.site.clone()),
            ("since", self.since_text.clone()),
            ("until", self.until_text.clone()),
        ];
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        if let Some(f) = format {
            q.append_pair("format", f.name());
        }
        let s = q.finish();
        if s.is_empty() {
            String::new()
        } else {
            format!("?{s}")
        }
    }
}

fn number(name: &'static str, value: &str, max: usize) -> Result<usize, BadParam> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(bad(
            name,
            format!("{value:?} is not a number from 1 to {max}"),
        )),
    }
}

/// An id in a path (`/article/12`).
pub fn id(name: &'static str, value: &str) -> Result<i64, BadParam> {
    value
        .parse::<i64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| bad(name, format!("{value:?} is not an id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_and_link_back() {
        let now = Utc::now();
        let v = View::parse(
            Some("q=%D8%AD%D8%B3%D9%83%D8%A9&place=Serêkaniyê&since=7d&page=2&format=csv"),
            now,
            Some("24h"),
            50,
        )
        .unwrap();
        assert_eq!(v.q.as_deref(), Some("حسكة"));
        assert_eq!(v.place.map(|p| p.id.as_str()), Some("ras_al_ain"));
        assert_eq!(v.since_text.as_deref(), Some("7d"));
        assert_eq!((v.page, v.offset()), (2, 50));
        assert_eq!(v.download, Some(Download::Csv));
        let again = View::parse(Some(&v.link(3, None)[1..]), now, None, 50).unwrap();
        assert_eq!(again.q, v.q);
        assert_eq!(again.page, 3);
        assert_eq!(again.place.map(|p| &p.id), v.place.map(|p| &p.id));
        for bad in [
            "page=0",
            "page=x",
            "since=yesterday",
            "place=Atlantis",
            "format=pdf",
            "q=%22%22",
        ] {
            let e = View::parse(Some(bad), now, None, 50).unwrap_err();
            assert!(bad.starts_with(e.name), "{bad}: {e}");
        }
        assert!(id("article", "-1").is_err());
        assert_eq!(id("article", "12").unwrap(), 12);
    }
}
