//! The configuration file (`feeds.toml`): its schema, defaults and validation.
//!
//! Owns: turning the text of the file into one checked [`Config`]. Every problem
//! is reported as a [`ConfigIssue`] naming the file, the line and the key, so
//! `rasad check-config` can print all of them at once. Nothing else in the
//! program reads the file.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod edit;
mod keys;
mod validate;
mod values;
mod watch;

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
    pub web: WebConfig,
    pub recheck: RecheckConfig,
    pub feeds: Vec<FeedConfig>,
    /// `[[watch]]`: what to be told about, and where.
    pub watches: Vec<WatchConfig>,
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
    /// Raw response bodies (evidence) kept at most, compressed; the oldest
    /// are pruned first, their hashes kept.
    pub max_raw_size: u64,
}

/// Default `[store] max_raw_size`: 2 GiB.
pub const DEFAULT_MAX_RAW_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// `[recheck]`: when stored articles' pages are read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckConfig {
    /// Waits between re-checks, by the time since the article last
    /// changed (the longest step not longer than that time); empty: never.
    pub schedule: Vec<Duration>,
    /// No re-check once an article has not changed for this long.
    pub stop_after: Duration,
    /// Re-checks of one site's articles per hour at most.
    pub per_site_hour: usize,
}

impl Default for RecheckConfig {
    fn default() -> Self {
        let h = 3600;
        RecheckConfig {
            schedule: [15 * 60, h, 3 * h, 24 * h, 72 * h, 720 * h]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            stop_after: Duration::from_secs(365 * 24 * h),
            per_site_hour: 30,
        }
    }
}

/// Default `[store] max_db_size`: 10 GiB.
pub const DEFAULT_MAX_DB_SIZE: u64 = 10 * 1024 * 1024 * 1024;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_db_size: DEFAULT_MAX_DB_SIZE,
            max_raw_size: DEFAULT_MAX_RAW_SIZE,
        }
    }
}

/// `[web]`: the reader `rasad run` serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// Where to listen; `None` when `listen = ""` turns the reader off.
    pub listen: Option<std::net::SocketAddr>,
    /// Required of every request (bearer token or login cookie) when set.
    pub token: Option<String>,
}

/// Default `[web] listen`: loopback only.
pub const DEFAULT_WEB_LISTEN: std::net::SocketAddr = std::net::SocketAddr::V4(
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 8470),
);

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: Some(DEFAULT_WEB_LISTEN),
            token: None,
        }
    }
}

/// What a watch is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// New articles (and new outlets carrying a watched story) matching it.
    Articles,
    /// Outlets going silent, unreachable, and recovering.
    Silence,
}

/// One `[[watch]]`, checked: its query already in FTS5 form, its places as
/// gazetteer ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchConfig {
    /// Unique; `[a-z0-9_-]`, used in URLs and logs.
    pub name: String,
    pub kind: WatchKind,
    /// The search as written, and its FTS5 form.
    pub query: Option<(String, String)>,
    /// Place ids; an article must mention one of them.
    pub places: Vec<String>,
    /// Feed names; an article must have been seen in one of them.
    pub feeds: Vec<String>,
    /// Languages (`ar`, `ku`, …); an article must be in one of them.
    pub lang: Vec<String>,
    /// POST of the event as JSON, signed with `secret`.
    pub webhook: Option<Url>,
    pub secret: Option<String>,
    /// Plain-text POST in the style of ntfy.
    pub ntfy: Option<Url>,
    /// One delivery every this long with all matches, instead of one each.
    pub digest: Option<Duration>,
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
    web: Option<RawWeb>,
    #[serde(default)]
    recheck: Option<RawRecheck>,
    #[serde(default)]
    watch: Vec<RawWatch>,
    #[serde(default)]
    feed: Vec<RawFeed>,
}

#[derive(Deserialize)]
struct RawWeb {
    listen: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawStore {
    max_db_size: Option<Spanned<SizeValue>>,
    max_raw_size: Option<Spanned<SizeValue>>,
}

#[derive(Deserialize)]
struct RawWatch {
    name: Spanned<String>,
    query: Option<Spanned<String>>,
    #[serde(default)]
    places: Vec<Spanned<String>>,
    #[serde(default)]
    feeds: Vec<Spanned<String>>,
    #[serde(default)]
    lang: Vec<Spanned<String>>,
    webhook: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    ntfy: Option<Spanned<String>>,
    digest: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawRecheck {
    schedule: Option<Vec<Spanned<String>>>,
    stop_after: Option<Spanned<String>>,
    per_site_hour: Option<Spanned<i64>>,
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

pub use edit::add_opml_feeds;
use keys::{segments, PathSeg};
use validate::Validator;
pub use values::{parse_duration, parse_network, parse_size, BadValue};

#[cfg(test)]
mod tests;
