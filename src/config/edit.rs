//! Editing the file: the feeds of an OPML document added to feeds.toml
//! with toml_edit (comments and order kept), duplicates by URL or name
//! skipped, and the result checked as a config before it replaces the file.

use std::path::Path;

use super::Config;

/// Why the file could not be edited; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {detail}")]
    Toml { path: String, detail: String },
    #[error("{path}: `feed` is not an array of tables")]
    NotFeeds { path: String },
    #[error("the result would not be a valid config, nothing written:\n{0}")]
    Invalid(super::ConfigError),
    #[error(transparent)]
    Write(#[from] crate::atomic::AtomicError<std::io::Error>),
}

/// What [`add_opml_feeds`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    pub skipped: usize,
    /// Feeds left out for a URL that is not http(s): (name, url).
    pub not_http: Vec<(String, String)>,
}

/// Adds `feeds` (name, URL, language) to the config file at `path`.
pub fn add_opml_feeds(
    path: &Path,
    feeds: Vec<(String, String, Option<String>)>,
) -> Result<Added, EditError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EditError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| EditError::Toml {
                path: shown.clone(),
                detail: e.to_string(),
            })?;
    let mut seen: Vec<(String, String)> = doc
        .get("feed")
        .and_then(|f| f.as_array_of_tables())
        .map(|a| {
            a.iter()
                .map(|t| {
                    let get = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                    (get("name").to_lowercase(), get("url"))
                })
                .collect()
        })
        .unwrap_or_default();
    if doc.get("feed").is_none() {
        doc.insert(
            "feed",
            toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()),
        );
    }
    let Some(list) = doc.get_mut("feed").and_then(|f| f.as_array_of_tables_mut()) else {
        return Err(EditError::NotFeeds { path: shown });
    };
    let mut done = Added::default();
    for (name, url, lang) in feeds {
        if url::Url::parse(&url).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
            done.not_http.push((name, url));
            done.skipped += 1;
            continue;
        }
        if seen
            .iter()
            .any(|(n, u)| *u == url || *n == name.to_lowercase())
        {
            done.skipped += 1;
            continue;
        }
        let mut t = toml_edit::Table::new();
        t.insert("name", toml_edit::value(name.clone()));
        t.insert("url", toml_edit::value(url.clone()));
        if let Some(l) = lang {
            t.insert("lang", toml_edit::value(l));
        }
        list.push(t);
        seen.push((name.to_lowercase(), url));
        done.added += 1;
    }
    let new_text = doc.to_string();
    // refuse to write a file rasad itself would reject
    Config::parse(&new_text, path).map_err(EditError::Invalid)?;
    crate::atomic::write_file(path, |w| std::io::Write::write_all(w, new_text.as_bytes()))?;
    Ok(done)
}
