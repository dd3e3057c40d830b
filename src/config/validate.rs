//! Checking the file: every value of the raw schema validated, with the
//! file, line and key of each problem, and defaults applied.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::keys::{
    closest, show_path, span_of, PathSeg, DEFAULTS_KEYS, FEED_KEYS, FETCH_KEYS, RECHECK_KEYS,
    STORE_KEYS, TOP_KEYS, WATCH_KEYS, WEB_KEYS,
};
use super::values::{parse_duration, parse_network, parse_size, BadValue};
use super::*;

pub(super) struct Validator<'a> {
    pub(super) file: PathBuf,
    pub(super) text: &'a str,
    pub(super) issues: Vec<ConfigIssue>,
    pub(super) warnings: Vec<ConfigIssue>,
}

impl Validator<'_> {
    pub(super) fn line_of(&self, offset: usize) -> usize {
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

    pub(super) fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let issue = self.issue(span, key, message);
        self.issues.push(issue);
    }

    pub(super) fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
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

    pub(super) fn check(&mut self, raw: RawConfig) -> Config {
        let db = self.check_db(raw.db.as_ref());
        let defaults = self.check_defaults(raw.defaults);
        let fetch = self.check_fetch(raw.fetch);
        let feeds = self.check_feeds(raw.feed, &defaults);
        let store = self.check_store(raw.store.as_ref());
        let web = self.check_web(raw.web.as_ref());
        let recheck = self.check_recheck(raw.recheck.as_ref());
        let watches = self.check_watches(raw.watch, &feeds);
        Config {
            path: self.file.clone(),
            db,
            defaults,
            fetch,
            store,
            web,
            recheck,
            feeds,
            watches,
            warnings: Vec::new(),
        }
    }

    fn check_db(&mut self, db: Option<&Spanned<String>>) -> Option<PathBuf> {
        let base_dir = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        db.and_then(|db| {
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
        })
    }

    fn check_defaults(&mut self, raw: Option<RawDefaults>) -> Defaults {
        let mut defaults = Defaults {
            interval: Duration::from_secs(30 * 60),
            lang: None,
            scrape: true,
        };
        if let Some(d) = raw {
            if let Some(i) = &d.interval {
                if let Some(dur) = self.duration(i, "defaults.interval") {
                    self.check_interval(i, "defaults.interval", dur);
                    defaults.interval = dur;
                }
            }
            defaults.lang = d.lang;
            defaults.scrape = d.scrape.unwrap_or(true);
        }
        defaults
    }

    fn check_fetch(&mut self, raw: Option<RawFetch>) -> FetchConfig {
        let mut fetch = FetchConfig::default();
        if let Some(f) = raw {
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
        fetch
    }

    fn check_feeds(&mut self, raw: Vec<RawFeed>, defaults: &Defaults) -> Vec<FeedConfig> {
        let mut feeds = Vec::with_capacity(raw.len());
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, f) in raw.into_iter().enumerate() {
            let key = |k: &str| format!("feed[{}].{k}", i + 1);
            let name = self.check_feed_name(&f, &key("name"), &mut names);
            let url = self.check_feed_url(&f, &key("url"));
            let interval = match &f.interval {
                Some(i) => self.duration(i, &key("interval")).inspect(|&d| {
                    self.check_interval(i, &key("interval"), d);
                }),
                None => Some(defaults.interval),
            };
            let rules = self.check_rules(&f, &key);
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
        feeds
    }

    /// A feed's name: plain text, not too long, used once (case aside).
    fn check_feed_name(
        &mut self,
        f: &RawFeed,
        key: &str,
        names: &mut HashMap<String, usize>,
    ) -> String {
        let name = f.name.get_ref().trim().to_string();
        if name.is_empty() {
            self.error(f.name.span(), key, "must not be empty");
        } else if name.chars().any(crate::text::is_control) {
            self.error(
                f.name.span(),
                key,
                "holds control characters (such as ESC); write the name in plain text",
            );
        } else if name.chars().count() > 200 {
            self.error(
                f.name.span(),
                key,
                "is longer than 200 characters; write a shorter name",
            );
        } else if let Some(first_line) = names.get(&name.to_lowercase()) {
            let first_line = *first_line;
            self.error(
                f.name.span(),
                key,
                format!("duplicate feed name {name:?} (first used on line {first_line})"),
            );
        } else {
            names.insert(name.to_lowercase(), self.line_of(f.name.span().start));
        }
        name
    }

    /// A feed's URL: http or https, with a host.
    fn check_feed_url(&mut self, f: &RawFeed, key: &str) -> Option<Url> {
        match Url::parse(f.url.get_ref().trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            Ok(u) => {
                self.error(
                    f.url.span(),
                    key,
                    format!("only http and https URLs with a host can be polled, got {u}"),
                );
                None
            }
            Err(e) => {
                self.error(
                    f.url.span(),
                    key,
                    format!("invalid URL {:?}: {e}", f.url.get_ref()),
                );
                None
            }
        }
    }

    /// A feed's site rules: selectors that parse.
    fn check_rules(&mut self, f: &RawFeed, key: &dyn Fn(&str) -> String) -> SiteRules {
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
        rules
    }

    fn check_store(&mut self, raw: Option<&RawStore>) -> StoreConfig {
        let mut store = StoreConfig::default();
        if let Some(max) = raw.and_then(|s| s.max_db_size.as_ref()) {
            if let Some(n) = self.size(max, "store.max_db_size") {
                store.max_db_size = n;
            }
        }
        if let Some(max) = raw.and_then(|s| s.max_raw_size.as_ref()) {
            if let Some(n) = self.size(max, "store.max_raw_size") {
                store.max_raw_size = n;
            }
        }
        store
    }

    /// `[recheck]`: a schedule of durations (short ones with a warning),
    /// when to stop, a budget per site.
    fn check_recheck(&mut self, raw: Option<&RawRecheck>) -> RecheckConfig {
        let mut r = RecheckConfig::default();
        let Some(raw) = raw else { return r };
        if let Some(steps) = &raw.schedule {
            let mut schedule = Vec::new();
            for s in steps {
                if let Some(d) = self.duration(s, "recheck.schedule") {
                    self.check_interval(s, "recheck.schedule", d);
                    schedule.push(d);
                }
            }
            if schedule.windows(2).any(|w| w[0] > w[1]) {
                if let Some(first) = steps.first() {
                    self.error(first.span(), "recheck.schedule", "the steps must grow: write them shortest first, e.g. [\"15m\", \"1h\", \"1d\"]");
                }
            }
            r.schedule = schedule;
        }
        if let Some(s) = &raw.stop_after {
            if let Some(d) = self.duration(s, "recheck.stop_after") {
                r.stop_after = d;
            }
        }
        if let Some(n) = &raw.per_site_hour {
            if let Some(n) = self.count(n, "recheck.per_site_hour", 3600) {
                r.per_site_hour = n;
            }
        }
        r
    }

    /// `[web]`: an address (or "" for off); a token, inline or from a file
    /// beside the config; a listener beyond loopback only with a token.
    fn check_web(&mut self, raw: Option<&RawWeb>) -> WebConfig {
        let mut web = WebConfig::default();
        let Some(raw) = raw else { return web };
        if let Some(listen) = &raw.listen {
            let text = listen.get_ref().trim();
            web.listen = if text.is_empty() {
                None
            } else {
                match text.parse::<std::net::SocketAddr>() {
                    Ok(addr) => Some(addr),
                    Err(_) => {
                        self.error(
                            listen.span(),
                            "web.listen",
                            format!("{text:?} is not an address: write 127.0.0.1:8470, [::1]:8470, or \"\" for no reader"),
                        );
                        None
                    }
                }
            };
        }
        let token = match (&raw.token, &raw.token_file) {
            (Some(t), Some(_)) => {
                self.error(t.span(), "web.token", "set token or token_file, not both");
                None
            }
            (Some(t), None) => Some((t.span(), "web.token", t.get_ref().trim().to_string())),
            (None, Some(f)) => self.token_file(f).map(|t| (f.span(), "web.token_file", t)),
            (None, None) => None,
        };
        if let Some((span, key, token)) = token {
            if token.chars().count() < 16
                || token.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                self.error(
                    span,
                    key,
                    "the token must be at least 16 characters, without spaces",
                );
            } else {
                web.token = Some(token);
            }
        }
        let token_given = raw.token.is_some() || raw.token_file.is_some();
        if let (Some(addr), false, Some(listen)) = (web.listen, token_given, &raw.listen) {
            if !addr.ip().is_loopback() {
                self.error(
                    listen.span(),
                    "web.listen",
                    format!("{addr} is reachable beyond this machine: set [web] token or token_file first"),
                );
            }
        }
        web
    }

    /// The token in `token_file` (relative to the config's folder).
    fn token_file(&mut self, f: &Spanned<String>) -> Option<String> {
        let base = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = base.join(f.get_ref().trim());
        let read = std::fs::File::open(&path).and_then(|file| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(file, 4096), &mut text)?;
            Ok(text)
        });
        match read {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) => {
                self.error(
                    f.span(),
                    "web.token_file",
                    format!("cannot read {}: {e}", path.display()),
                );
                None
            }
        }
    }

    /// One issue per key rasad does not know, at its line, with the keys
    /// that place takes.
    pub(super) fn unknown_keys(&mut self, unknown: &[Vec<PathSeg>]) {
        let doc = toml_edit::Document::parse(self.text).ok();
        for path in unknown {
            let shown = show_path(path);
            let (place, known) = match path.first() {
                Some(PathSeg::Key(k)) if k == "feed" && path.len() > 2 => ("[[feed]]", FEED_KEYS),
                Some(PathSeg::Key(k)) if k == "watch" && path.len() > 2 => {
                    ("[[watch]]", WATCH_KEYS)
                }
                Some(PathSeg::Key(k)) if k == "fetch" && path.len() > 1 => ("[fetch]", FETCH_KEYS),
                Some(PathSeg::Key(k)) if k == "defaults" && path.len() > 1 => {
                    ("[defaults]", DEFAULTS_KEYS)
                }
                Some(PathSeg::Key(k)) if k == "store" && path.len() > 1 => ("[store]", STORE_KEYS),
                Some(PathSeg::Key(k)) if k == "web" && path.len() > 1 => ("[web]", WEB_KEYS),
                Some(PathSeg::Key(k)) if k == "recheck" && path.len() > 1 => {
                    ("[recheck]", RECHECK_KEYS)
                }
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
