//! Unit tests of the config: schema, values and messages.

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

#[test]
fn web_listen_token_and_reach() {
    let feed = "[[feed]]\nname = \"a\"\nurl = \"https://example.org/rss\"\n";
    let c = parse(feed).unwrap();
    assert_eq!(c.web.listen, Some(DEFAULT_WEB_LISTEN));
    assert_eq!(c.web.token, None);
    let c = parse(&format!("[web]\nlisten = \"\"\n{feed}")).unwrap();
    assert_eq!(c.web.listen, None);
    let c = parse(&format!(
        "[web]\nlisten = \"0.0.0.0:9000\"\ntoken = \"0123456789abcdef-long\"\n{feed}"
    ))
    .unwrap();
    assert_eq!(c.web.listen, Some("0.0.0.0:9000".parse().unwrap()));
    assert_eq!(c.web.token.as_deref(), Some("0123456789abcdef-long"));
    // beyond loopback without a token: refused, at the line of `listen`
    let e = parse(&format!("[web]\nlisten = \"0.0.0.0:9000\"\n{feed}")).unwrap_err();
    assert_eq!(e.issues[0].line, Some(2));
    assert_eq!(e.issues[0].key.as_deref(), Some("web.listen"));
    assert!(e.issues[0].message.contains("token"), "{e}");
    for bad in [
        "listen = \"localhost\"",
        "token = \"short\"",
        "lisen = \"x\"",
    ] {
        let e = parse(&format!("[web]\n{bad}\n{feed}")).unwrap_err();
        assert_eq!(e.issues[0].line, Some(2), "{bad}: {e}");
    }
    let e = parse(&format!(
        "[web]\ntoken_file = \"/nonexistent/token\"\n{feed}"
    ))
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/token"), "{e}");
}

#[test]
fn recheck_schedule_budget_and_raw_size() {
    let feed = "[[feed]]\nname = \"a\"\nurl = \"https://example.org/rss\"\n";
    let c = parse(feed).unwrap();
    assert_eq!(c.recheck, RecheckConfig::default());
    assert_eq!(c.recheck.schedule.len(), 6);
    assert_eq!(c.store.max_raw_size, DEFAULT_MAX_RAW_SIZE);
    let c = parse(&format!(
        "[recheck]\nschedule = [\"5s\", \"1h\"]\nstop_after = \"30d\"\nper_site_hour = 10\n[store]\nmax_raw_size = \"100MiB\"\n{feed}"
    ))
    .unwrap();
    assert_eq!(
        c.recheck.schedule,
        vec![Duration::from_secs(5), Duration::from_secs(3600)]
    );
    assert_eq!(c.recheck.stop_after, Duration::from_secs(30 * 86_400));
    assert_eq!(c.recheck.per_site_hour, 10);
    assert_eq!(c.store.max_raw_size, 100 * 1024 * 1024);
    // a short step is allowed, with a warning at its line
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(c.warnings[0].line, Some(2));
    let off = parse(&format!("[recheck]\nschedule = []\n{feed}")).unwrap();
    assert!(off.recheck.schedule.is_empty());
    for bad in [
        "schedule = [\"1d\", \"1h\"]",
        "schedule = [\"often\"]",
        "per_site_hour = 0",
        "stop_after = \"soon\"",
        "schedul = []",
    ] {
        let e = parse(&format!("[recheck]\n{bad}\n{feed}")).unwrap_err();
        assert_eq!(e.issues[0].line, Some(2), "{bad}: {e}");
    }
}

#[test]
fn watches_checked_with_line_and_key() {
    let feed =
        "[[feed]]\nname = \"North Press Agency (نورث برس)\"\nurl = \"https://example.org/rss\"\n";
    let c = parse(&format!(
        "{feed}[[watch]]\nname = \"kobani\"\nquery = \"كوباني OR Kobani OR Kobanê\"\nplaces = [\"Kobanê\", \"رأس العين\"]\n\
         feeds = [\"North Press Agency (نورث برس)\"]\nlang = [\"ar\", \"KU\"]\nwebhook = \"https://hooks.example.org/rasad\"\n\
         secret = \"s\"\nntfy = \"https://ntfy.example.org/kobani\"\ndigest = \"30m\"\n\
         [[watch]]\nname = \"outlets\"\nkind = \"silence\"\nwebhook = \"http://127.0.0.1:9000/x\"\n"
    ))
    .unwrap();
    let w = &c.watches[0];
    assert_eq!(w.name, "kobani");
    assert_eq!(w.kind, WatchKind::Articles);
    assert_eq!(
        w.places,
        vec!["kobani".to_string(), "ras_al_ain".to_string()]
    );
    assert_eq!(w.lang, vec!["ar".to_string(), "ku".to_string()]);
    assert_eq!(w.digest, Some(Duration::from_secs(1800)));
    assert!(w.query.as_ref().is_some_and(|(_, fts)| fts.contains("OR")));
    assert_eq!(c.watches[1].kind, WatchKind::Silence);
    for (bad, line) in [
        ("name = \"Kobani Watch\"\nplaces = [\"kobani\"]", 5),
        ("name = \"w\"\nplaces = [\"Atlantis\"]", 6),
        ("name = \"w\"\nfeeds = [\"Nobody\"]", 6),
        ("name = \"w\"\nquery = \"x\"\nwebhook = \"ftp://x\"", 7),
        ("name = \"w\"\nquery = \"x\"\nkind = \"alerts\"", 7),
        ("name = \"w\"", 5),
        ("name = \"w\"\nquery = \"x\"\nsecret = \"s\"", 7),
        ("name = \"w\"\nquery = \"x\"\nwebhok = \"x\"", 7),
    ] {
        let e = parse(&format!("{feed}[[watch]]\n{bad}\n")).unwrap_err();
        assert_eq!(e.issues[0].line, Some(line), "{bad}: {e}");
    }
    let e = parse(&format!(
        "{feed}[[watch]]\nname = \"w\"\nquery = \"x\"\n[[watch]]\nname = \"w\"\nquery = \"y\"\n"
    ))
    .unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
}
