//! Keys rasad does not know: where they are written and which keys that
//! place takes (with the nearest one), so an unknown key is one problem
//! among the others, never the end of the check.

use std::ops::Range;

/// The keys each place of the file takes (for messages about unknown ones).
pub(super) const TOP_KEYS: &[&str] = &[
    "db", "defaults", "fetch", "store", "web", "recheck", "feed", "watch",
];
pub(super) const WATCH_KEYS: &[&str] = &[
    "name", "query", "places", "feeds", "lang", "webhook", "secret", "ntfy", "digest", "kind",
];
pub(super) const RECHECK_KEYS: &[&str] = &["schedule", "stop_after", "per_site_hour"];
pub(super) const WEB_KEYS: &[&str] = &["listen", "token", "token_file"];
pub(super) const DEFAULTS_KEYS: &[&str] = &["interval", "lang", "scrape"];
pub(super) const FETCH_KEYS: &[&str] = &[
    "timeout",
    "connect_timeout",
    "max_per_host",
    "max_concurrency",
    "host_gap",
    "max_feed_size",
    "max_page_size",
    "user_agent",
    "allow_networks",
];
pub(super) const STORE_KEYS: &[&str] = &["max_db_size", "max_raw_size"];
pub(super) const FEED_KEYS: &[&str] = &[
    "name",
    "url",
    "lang",
    "interval",
    "scrape",
    "article_selector",
    "remove",
];

/// One step of a path into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PathSeg {
    Key(String),
    Index(usize),
}

pub(super) fn segments(path: &serde_ignored::Path) -> Vec<PathSeg> {
    use serde_ignored::Path;
    let mut out = match path {
        Path::Root => return Vec::new(),
        Path::Seq { parent, .. }
        | Path::Map { parent, .. }
        | Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    };
    match path {
        Path::Seq { index, .. } => out.push(PathSeg::Index(*index)),
        Path::Map { key, .. } => out.push(PathSeg::Key(key.clone())),
        _ => {}
    }
    out
}

/// `feed[3].langg` (1-based, as the other messages count feeds).
pub(super) fn show_path(path: &[PathSeg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{}]", i + 1)),
        }
    }
    s
}

/// Where the key at `path` is written.
pub(super) fn span_of(doc: &toml_edit::Document<&str>, path: &[PathSeg]) -> Option<Range<usize>> {
    let mut table: &dyn toml_edit::TableLike = doc.as_table();
    let mut item: Option<&toml_edit::Item> = None;
    let mut span = None;
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if let Some(it) = item.take() {
                    table = it.as_table_like()?;
                }
                let (key, next) = table.get_key_value(k)?;
                span = key.span();
                item = Some(next);
            }
            PathSeg::Index(i) => {
                let tables = item.take()?.as_array_of_tables()?;
                table = tables.get(*i)?;
            }
        }
    }
    span
}

/// The known key nearest to `name` by edit distance, when near enough.
pub(super) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let distance = |a: &str, b: &str| -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != *cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    };
    known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}
