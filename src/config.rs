//! The configuration file (`feeds.toml`): its schema, defaults and validation.
//!
//! Owns: turning the text of the file into one checked [`Config`]. Every problem
//! is reported as a [`ConfigIssue`] naming the file, the line and the key, so
//! `rasad check-config` can print all of them at once. Nothing else in the
//! program reads the file.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// Largest config file we accept; a feeds.toml with thousands of feeds is far smaller.
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// The checked configuration, shared read-only by every part of the program.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// Database file from the `db` key, resolved against the config's folder.
    pub db: Option<PathBuf>,
    pub defaults: Defaults,
    pub fetch: FetchConfig,
    pub store: StoreConfig,
    pub feeds: Vec<FeedConfig>,
    /// Problems that do not stop rasad (e.g. a very short interval).
    pub warnings: Vec<ConfigIssue>,
}

#[derive(Debug, Clone)]
pub struct Defaults {
    pub interval: Duration,
    pub lang: Option<String>,
    pub scrape: bool,
}

#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Total time for one request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests in flight to one host at once.
    pub max_per_host: usize,
    /// Requests in flight overall.
    pub max_concurrency: usize,
    /// Least time between the starts of two requests to one host.
    pub host_gap: Duration,
    pub max_feed_bytes: u64,
    pub max_page_bytes: u64,
    pub user_agent: String,
    /// Networks exempt from the non-public address guard.
    pub allow_networks: Vec<IpNet>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_per_host: 2,
            max_concurrency: 32,
            host_gap: Duration::from_millis(250),
            max_feed_bytes: 20 * 1024 * 1024,
            max_page_bytes: 5 * 1024 * 1024,
            user_agent: default_user_agent(),
            allow_networks: Vec::new(),
        }
    }
}

pub fn default_user_agent() -> String {
    format!(
        "rasad/{} (news monitor; +https://github.com/rasad-monitor/rasad)",
        env!("CARGO_PKG_VERSION")
    )
}

/// `[store]`: bounds on what the database may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Largest database file; reaching it behaves like a full disk.
    pub max_db_size: u64,
}

/// Default `[store] max_db_size`: 10 GiB.
pub const DEFAULT_MAX_DB_SIZE: u64 = 10 * 1024 * 1024 * 1024;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_db_size: DEFAULT_MAX_DB_SIZE,
        }
    }
}

/// One `[[feed]]` entry, with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    pub name: String,
    pub url: Url,
    pub lang: Option<String>,
    pub interval: Duration,
    /// false: keep the feed's own text and fetch no article pages.
    pub scrape: bool,
    pub rules: SiteRules,
}

/// Site-specific extraction rules: CSS selectors, already checked to parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteRules {
    pub article_selector: Option<String>,
    pub remove: Vec<String>,
}

/// One problem found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// The key concerned, e.g. `feed[3].url`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All problems of a config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

// ---- raw schema, as written in the file ----------------------------------

#[derive(Deserialize)]
struct RawConfig {
    db: Option<Spanned<String>>,
    #[serde(default)]
    defaults: Option<RawDefaults>,
    #[serde(default)]
    fetch: Option<RawFetch>,
    #[serde(default)]
    store: Option<RawStore>,
    #[serde(default)]
    feed: Vec<RawFeed>,
}

#[derive(Deserialize)]
struct RawStore {
    max_db_size: Option<Spanned<SizeValue>>,
}

#[derive(Deserialize)]
struct RawDefaults {
    interval: Option<Spanned<String>>,
    lang: Option<String>,
    scrape: Option<bool>,
}

#[derive(Deserialize)]
struct RawFetch {
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_per_host: Option<Spanned<i64>>,
    max_concurrency: Option<Spanned<i64>>,
    host_gap: Option<Spanned<String>>,
    max_feed_size: Option<Spanned<SizeValue>>,
    max_page_size: Option<Spanned<SizeValue>>,
    user_agent: Option<Spanned<String>>,
    #[serde(default)]
    allow_networks: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(i64),
    Text(String),
}

#[derive(Deserialize)]
struct RawFeed {
    name: Spanned<String>,
    url: Spanned<String>,
    lang: Option<String>,
    interval: Option<Spanned<String>>,
    scrape: Option<bool>,
    article_selector: Option<Spanned<String>>,
    #[serde(default)]
    remove: Vec<Spanned<String>>,
}

// ---- loading ---------------------------------------------------------------

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let issue = |message: String| ConfigError {
            issues: vec![ConfigIssue {
                file: path.to_path_buf(),
                line: None,
                key: None,
                message,
            }],
        };
        let meta = std::fs::metadata(path).map_err(|e| issue(format!("cannot read: {e}")))?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(issue(format!(
                "file is {} bytes, more than the {} accepted",
                meta.len(),
                MAX_CONFIG_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| issue(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| issue(format!("not UTF-8 text ({e})")))?;
        Config::parse(&text, path)
    }

    /// Checks `text` as if it were the content of `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut v = Validator {
            file: path.to_path_buf(),
            text,
            issues: Vec::new(),
            warnings: Vec::new(),
        };
        // Keys rasad does not know are collected, not fatal, so every
        // problem of the file is reported at once.
        let mut unknown: Vec<Vec<PathSeg>> = Vec::new();
        let parsed = toml::Deserializer::parse(text)
            .and_then(|de| serde_ignored::deserialize(de, |path| unknown.push(segments(&path))));
        let raw: RawConfig = match parsed {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map(|s| v.line_of(s.start));
                let key = e.span().and_then(|s| key_at(text, s));
                return Err(ConfigError {
                    issues: vec![ConfigIssue {
                        file: path.to_path_buf(),
                        line,
                        key,
                        message: friendly(e.message().trim()),
                    }],
                });
            }
        };
        let config = v.check(raw);
        v.unknown_keys(&unknown);
        v.issues.sort_by_key(|i| i.line);
        if v.issues.is_empty() {
            let mut config = config;
            config.warnings = v.warnings;
            Ok(config)
        } else {
            Err(ConfigError { issues: v.issues })
        }
    }

    /// The database file: `--db` wins, then the `db` key, then `./rasad.db`.
    pub fn db_path(&self, cli: Option<&Path>) -> PathBuf {
        cli.map(Path::to_path_buf)
            .or_else(|| self.db.clone())
            .unwrap_or_else(|| PathBuf::from("rasad.db"))
    }
}

/// The key name written at a span, for errors that only give a span.
fn key_at(text: &str, span: Range<usize>) -> Option<String> {
    // a value's span: the key is before the `=` on its line
    let line_start = text.get(..span.start)?.rfind('\n').map_or(0, |p| p + 1);
    let before = text.get(line_start..span.start)?;
    let s = match before.split_once('=') {
        Some((k, _)) => k,
        None => text.get(span)?,
    }
    .trim();
    let key = s.split(['=', '\n']).next()?.trim().trim_matches('"');
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| key.to_string())
}

struct Validator<'a> {
    file: PathBuf,
    text: &'a str,
    issues: Vec<ConfigIssue>,
    warnings: Vec<ConfigIssue>,
}

impl Validator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn issue(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ConfigIssue {
        ConfigIssue {
            file: self.file.clone(),
            line: Some(self.line_of(span.start)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let issue = self.issue(span, key, message);
        self.issues.push(issue);
    }

    fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match parse_duration(value.get_ref()) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.error(value.span(), key, msg);
                None
            }
        }
    }

    fn size(&mut self, value: &Spanned<SizeValue>, key: &str) -> Option<u64> {
        let parsed = match value.get_ref() {
            SizeValue::Bytes(n) if *n > 0 => Ok(*n as u64),
            SizeValue::Bytes(n) => Err(BadValue(format!("size must be positive, got {n}"))),
            SizeValue::Text(s) => parse_size(s),
        };
        match parsed {
            Ok(n) => Some(n),
            Err(msg) => {
                self.error(value.span(), key, msg);
                None
            }
        }
    }

    fn count(&mut self, value: &Spanned<i64>, key: &str, max: i64) -> Option<usize> {
        let n = *value.get_ref();
        if (1..=max).contains(&n) {
            Some(n as usize)
        } else {
            self.error(
                value.span(),
                key,
                format!("must be between 1 and {max}, got {n}"),
            );
            None
        }
    }

    fn check(&mut self, raw: RawConfig) -> Config {
        let base_dir = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let db = raw.db.as_ref().and_then(|db| {
            let value = db.get_ref().trim();
            if value.is_empty() {
                self.error(db.span(), "db", "must not be empty");
                None
            } else if let Some((scheme, _)) = value.split_once("://") {
                self.error(
                    db.span(),
                    "db",
                    format!(
                        "{scheme}:// databases are not supported (yet): write the path of an SQLite file, e.g. db = \"/var/lib/rasad/rasad.db\""
                    ),
                );
                None
            } else {
                Some(base_dir.join(db.get_ref()))
            }
        });

        let mut defaults = Defaults {
            interval: Duration::from_secs(30 * 60),
            lang: None,
            scrape: true,
        };
        if let Some(d) = raw.defaults {
            if let Some(i) = &d.interval {
                if let Some(dur) = self.duration(i, "defaults.interval") {
                    self.check_interval(i, "defaults.interval", dur);
                    defaults.interval = dur;
                }
            }
            defaults.lang = d.lang;
            defaults.scrape = d.scrape.unwrap_or(true);
        }

        let mut fetch = FetchConfig::default();
        if let Some(f) = raw.fetch {
            if let Some(v) = &f.timeout {
                if let Some(d) = self.duration(v, "fetch.timeout") {
                    fetch.timeout = d;
                }
            }
            if let Some(v) = &f.connect_timeout {
                if let Some(d) = self.duration(v, "fetch.connect_timeout") {
                    fetch.connect_timeout = d;
                }
            }
            if let Some(v) = &f.max_per_host {
                if let Some(n) = self.count(v, "fetch.max_per_host", 64) {
                    fetch.max_per_host = n;
                }
            }
            if let Some(v) = &f.max_concurrency {
                if let Some(n) = self.count(v, "fetch.max_concurrency", 4096) {
                    fetch.max_concurrency = n;
                }
            }
            if let Some(v) = &f.host_gap {
                match parse_duration(v.get_ref()) {
                    Ok(d) => fetch.host_gap = d,
                    // "0s" turns the gap off; parse_duration refuses zero
                    Err(_) if v.get_ref().trim().trim_end_matches(['s', 'm']).trim() == "0" => {
                        fetch.host_gap = Duration::ZERO
                    }
                    Err(msg) => self.error(v.span(), "fetch.host_gap", msg),
                }
            }
            if let Some(v) = &f.max_feed_size {
                if let Some(n) = self.size(v, "fetch.max_feed_size") {
                    fetch.max_feed_bytes = n;
                }
            }
            if let Some(v) = &f.max_page_size {
                if let Some(n) = self.size(v, "fetch.max_page_size") {
                    fetch.max_page_bytes = n;
                }
            }
            if let Some(v) = &f.user_agent {
                let ua = v.get_ref().trim();
                if ua.is_empty() || ua.chars().any(|c| c.is_control()) {
                    self.error(
                        v.span(),
                        "fetch.user_agent",
                        "must be non-empty printable text",
                    );
                } else {
                    fetch.user_agent = ua.to_string();
                }
            }
            for net in &f.allow_networks {
                match parse_network(net.get_ref()) {
                    Ok(n) => fetch.allow_networks.push(n),
                    Err(msg) => self.error(net.span(), "fetch.allow_networks", msg),
                }
            }
        }

        let mut feeds = Vec::with_capacity(raw.feed.len());
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, f) in raw.feed.into_iter().enumerate() {
            let key = |k: &str| format!("feed[{}].{k}", i + 1);
            let name = f.name.get_ref().trim().to_string();
            if name.is_empty() {
                self.error(f.name.span(), &key("name"), "must not be empty");
            } else if name.chars().any(crate::text::is_control) {
                self.error(
                    f.name.span(),
                    &key("name"),
                    "holds control characters (such as ESC); write the name in plain text",
                );
            } else if name.chars().count() > 200 {
                self.error(
                    f.name.span(),
                    &key("name"),
                    "is longer than 200 characters; write a shorter name",
                );
            } else if let Some(first_line) = names.get(&name.to_lowercase()) {
                let first_line = *first_line;
                self.error(
                    f.name.span(),
                    &key("name"),
                    format!("duplicate feed name {name:?} (first used on line {first_line})"),
                );
            } else {
                names.insert(name.to_lowercase(), self.line_of(f.name.span().start));
            }
            let url = match Url::parse(f.url.get_ref().trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
                Ok(u) => {
                    self.error(
                        f.url.span(),
                        &key("url"),
                        format!("only http and https URLs with a host can be polled, got {u}"),
                    );
                    None
                }
                Err(e) => {
                    self.error(
                        f.url.span(),
                        &key("url"),
                        format!("invalid URL {:?}: {e}", f.url.get_ref()),
                    );
                    None
                }
            };
            let interval = match &f.interval {
                Some(i) => self.duration(i, &key("interval")).inspect(|&d| {
                    self.check_interval(i, &key("interval"), d);
                }),
                None => Some(defaults.interval),
            };
            let mut rules = SiteRules::default();
            if let Some(sel) = &f.article_selector {
                if let Err(msg) = check_selector(sel.get_ref()) {
                    self.error(sel.span(), &key("article_selector"), msg);
                } else {
                    rules.article_selector = Some(sel.get_ref().clone());
                }
            }
            for sel in &f.remove {
                if let Err(msg) = check_selector(sel.get_ref()) {
                    self.error(sel.span(), &key("remove"), msg);
                } else {
                    rules.remove.push(sel.get_ref().clone());
                }
            }
            let lang = f.lang.or_else(|| defaults.lang.clone());
            if let (Some(url), Some(interval)) = (url, interval) {
                feeds.push(FeedConfig {
                    name,
                    url,
                    lang,
                    interval,
                    scrape: f.scrape.unwrap_or(defaults.scrape),
                    rules,
                });
            }
        }

        let mut store = StoreConfig::default();
        if let Some(max) = raw.store.as_ref().and_then(|s| s.max_db_size.as_ref()) {
            if let Some(n) = self.size(max, "store.max_db_size") {
                store.max_db_size = n;
            }
        }
        Config {
            path: self.file.clone(),
            db,
            defaults,
            fetch,
            store,
            feeds,
            warnings: Vec::new(),
        }
    }

    /// One issue per key rasad does not know, at its line, with the keys
    /// that place takes.
    fn unknown_keys(&mut self, unknown: &[Vec<PathSeg>]) {
        let doc = toml_edit::Document::parse(self.text).ok();
        for path in unknown {
            let shown = show_path(path);
            let (place, known) = match path.first() {
                Some(PathSeg::Key(k)) if k == "feed" && path.len() > 2 => ("[[feed]]", FEED_KEYS),
                Some(PathSeg::Key(k)) if k == "fetch" && path.len() > 1 => ("[fetch]", FETCH_KEYS),
                Some(PathSeg::Key(k)) if k == "defaults" && path.len() > 1 => {
                    ("[defaults]", DEFAULTS_KEYS)
                }
                Some(PathSeg::Key(k)) if k == "store" && path.len() > 1 => ("[store]", STORE_KEYS),
                _ => ("the top level", TOP_KEYS),
            };
            let name = match path.last() {
                Some(PathSeg::Key(k)) => k.clone(),
                _ => shown.clone(),
            };
            let hint = closest(&name, known)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            let message = format!(
                "unknown key `{name}`: {hint}{place} takes {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let line = doc
                .as_ref()
                .and_then(|d| span_of(d, path))
                .map(|s| self.line_of(s.start));
            self.issues.push(ConfigIssue {
                file: self.file.clone(),
                line,
                key: Some(shown),
                message,
            });
        }
    }

    fn check_interval(&mut self, value: &Spanned<String>, key: &str, d: Duration) {
        if d < Duration::from_secs(60) {
            let w = self.issue(
                value.span(),
                key,
                format!(
                    "interval {:?} is under one minute: fine for tests, impolite to real servers",
                    value.get_ref()
                ),
            );
            self.warnings.push(w);
        }
    }
}

fn check_selector(s: &str) -> Result<(), BadValue> {
    // the selector library's own messages can be unhelpful ("Unexpected
    // error occurred. Please report this to the developer"): say it plainly
    scraper::Selector::parse(s).map(|_| ()).map_err(|_| {
        BadValue(format!(
            "{s:?} is not a CSS selector rasad can use; write one such as \"div.entry-content\", \"article .story-body\" or \"#content p\""
        ))
    })
}

/// The TOML reader's message, with what to write instead where its words
/// are a type mismatch.
fn friendly(message: &str) -> String {
    let hint = if message.contains("expected i64") || message.contains("expected u64") {
        Some("write a whole number, e.g. 4")
    } else if message.contains("expected a boolean") {
        Some("write true or false")
    } else if message.contains("expected a string") {
        Some("write a quoted string, e.g. \"15m\"")
    } else if message.contains("expected a sequence") {
        Some("write a list, e.g. [\"a\", \"b\"]")
    } else if message.contains("missing field") {
        Some("every [[feed]] needs a name and a url")
    } else {
        None
    };
    match hint {
        Some(h) => format!("{message}: {h}"),
        None => message.to_string(),
    }
}

/// Why a value in the file cannot be used: rasad's own words, saying what
/// to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

impl From<String> for BadValue {
    fn from(s: String) -> BadValue {
        BadValue(s)
    }
}

impl From<&str> for BadValue {
    fn from(s: &str) -> BadValue {
        BadValue(s.to_string())
    }
}

impl From<BadValue> for String {
    fn from(b: BadValue) -> String {
        b.0
    }
}

/// The keys each place of the file takes (for messages about unknown ones).
const TOP_KEYS: &[&str] = &["db", "defaults", "fetch", "store", "feed"];
const DEFAULTS_KEYS: &[&str] = &["interval", "lang", "scrape"];
const FETCH_KEYS: &[&str] = &[
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
const STORE_KEYS: &[&str] = &["max_db_size"];
const FEED_KEYS: &[&str] = &[
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
enum PathSeg {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path) -> Vec<PathSeg> {
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
fn show_path(path: &[PathSeg]) -> String {
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
fn span_of(doc: &toml_edit::Document<&str>, path: &[PathSeg]) -> Option<Range<usize>> {
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
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
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

/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, BadValue> {
    let text = s.trim();
    if text.is_empty() {
        return Err("empty duration; write e.g. \"30s\", \"15m\", \"2h\"".into());
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut saw_unit = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c == ' ' {
            continue;
        }
        let mut unit = String::from(c);
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let mult = match unit.as_str() {
            "ms" => 1,
            "s" | "sec" | "secs" => 1000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            _ => {
                return Err(BadValue::from(format!(
                    "bad duration {s:?}: unknown unit {unit:?} (use ms, s, m, h or d)"
                )))
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("bad duration {s:?}: a number must come before {unit:?}"))?;
        num.clear();
        total = n
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("bad duration {s:?}: too large"))?;
        saw_unit = true;
    }
    if !num.is_empty() || !saw_unit {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: every number needs a unit, e.g. \"30s\", \"15m\", \"2h\""
        )));
    }
    if total == 0 {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: must be more than zero"
        )));
    }
    if total > 366 * 86_400_000 {
        return Err(BadValue::from(format!(
            "bad duration {s:?}: longer than a year"
        )));
    }
    Ok(Duration::from_millis(total))
}

/// Parses sizes such as `5MiB`, `512 KB`, `20M`, `1000`.
pub fn parse_size(s: &str) -> Result<u64, BadValue> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?}: write e.g. \"5MiB\" or a number of bytes"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(BadValue::from(format!(
                "bad size {s:?}: unknown unit {other:?}"
            )))
        }
    };
    let bytes = n * mult;
    if !(1.0..=(16.0 * 1024.0 * 1024.0 * 1024.0)).contains(&bytes) {
        return Err(BadValue::from(format!(
            "bad size {s:?}: must be between 1 byte and 16 GiB"
        )));
    }
    Ok(bytes as u64)
}

/// Parses a CIDR (`127.0.0.0/24`, `fd00::/8`) or a single address.
pub fn parse_network(s: &str) -> Result<IpNet, BadValue> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    t.parse::<std::net::IpAddr>().map(IpNet::from).map_err(|_| {
        BadValue(format!(
            "bad network {s:?}: write a CIDR such as \"127.0.0.0/24\""
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/rasad/feeds.toml"))
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2 h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("15").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("5MiB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_size("512 KB"), Ok(512 * 1024));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn full_config_with_arabic_names() {
        let c = parse(
            r#"
db = "data/rasad.db"
[defaults]
interval = "20m"
[fetch]
timeout = "10s"
max_per_host = 3
max_page_size = "2MiB"
allow_networks = ["127.0.0.0/24"]
[[feed]]
name = "نورث برس"
url = "https://npasyria.com/feed/"
lang = "ar"
article_selector = ".entry-content"
remove = [".sharedaddy"]
[[feed]]
name = "Rudaw (سۆرانی)"
url = "https://www.rudaw.net/sorani/rss"
interval = "1h"
scrape = false
"#,
        )
        .expect("valid");
        assert_eq!(c.db, Some(PathBuf::from("/etc/rasad/data/rasad.db")));
        assert_eq!(c.feeds.len(), 2);
        assert_eq!(c.feeds[0].interval, Duration::from_secs(1200));
        assert_eq!(c.feeds[1].interval, Duration::from_secs(3600));
        assert!(!c.feeds[1].scrape);
        assert_eq!(c.fetch.max_per_host, 3);
        assert_eq!(c.fetch.max_page_bytes, 2 * 1024 * 1024);
        assert_eq!(c.fetch.allow_networks.len(), 1);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = parse("[fetch]\ntimeout = \"5s\"\ntimeuot = \"5s\"\n").unwrap_err();
        let issue = &err.issues[0];
        assert_eq!(issue.line, Some(3), "{err}");
        assert!(err.to_string().contains("timeuot"), "{err}");
        assert!(
            err.to_string().starts_with("/etc/rasad/feeds.toml:3"),
            "{err}"
        );
    }

    #[test]
    fn all_semantic_errors_are_reported_with_lines() {
        let text = "[[feed]]\nname = \"A\"\nurl = \"not a url\"\n\n[[feed]]\nname = \"a\"\nurl = \"ftp://x.org/f\"\ninterval = \"10 parsecs\"\n\n[[feed]]\nname = \"B\"\nurl = \"https://b.org/\"\narticle_selector = \"div[\"\n";
        let err = parse(text).unwrap_err();
        let lines: Vec<_> = err.issues.iter().map(|i| (i.line, i.key.clone())).collect();
        assert!(
            lines.contains(&(Some(3), Some("feed[1].url".into()))),
            "{err}"
        );
        assert!(
            lines.contains(&(Some(6), Some("feed[2].name".into()))),
            "{err}"
        );
        assert!(
            lines.contains(&(Some(7), Some("feed[2].url".into()))),
            "{err}"
        );
        assert!(
            lines.contains(&(Some(8), Some("feed[2].interval".into()))),
            "{err}"
        );
        assert!(
            lines.contains(&(Some(13), Some("feed[3].article_selector".into()))),
            "{err}"
        );
    }

    #[test]
    fn short_interval_is_a_warning() {
        let c = parse("[[feed]]\nname = \"t\"\nurl = \"http://127.0.0.1/\"\ninterval = \"5s\"\n")
            .expect("valid");
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, Some(4));
    }

    #[test]
    fn bad_network() {
        let err = parse("[fetch]\nallow_networks = [\"10.0.0.0/33\"]\n").unwrap_err();
        assert_eq!(err.issues[0].line, Some(2));
    }
}
