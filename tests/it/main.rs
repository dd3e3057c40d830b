//! End-to-end tests: the real `rasad` binary against a real HTTP server on
//! loopback and a database in a temp folder.

mod daemon;
mod dedup_set;
mod hostile;
#[path = "../support/lcg.rs"]
mod lcg;
mod props;
mod provenance;
mod security;
mod server;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use encoding_rs::WINDOWS_1256;
use serde_json::Value;
use server::{Route, TestServer, Tripwire};

/// The real binary, to run in `dir` with `args`, with the environment every
/// test gives it (no config or log level from outside, no colours).
fn rasad_command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rasad"));
    c.current_dir(dir)
        .args(args)
        .env_remove("RASAD_CONFIG")
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RASAD_DB_MAX_PAGES")
        .env("NO_COLOR", "1");
    c
}

/// Runs the real binary in `dir` with `args`.
fn rasad(dir: &Path, args: &[&str]) -> Output {
    rasad_command(dir, args).output().expect("run rasad")
}

/// Runs the real binary, sampling its peak resident memory (KiB) from /proc.
fn measured(dir: &Path, args: &[&str]) -> (Output, std::time::Duration, u64) {
    use std::time::{Duration, Instant};
    let start = Instant::now();
    let mut child = rasad_command(dir, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let mut peak_kib = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kib: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak_kib = peak_kib.max(kib);
                }
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "rasad did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    (out, start.elapsed(), peak_kib)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(o: Output) -> String {
    let (out, err) = text(&o);
    assert!(
        o.status.success(),
        "rasad failed: {}\nstdout:\n{out}\nstderr:\n{err}",
        o.status
    );
    out
}

fn cp1256(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1256.encode(s);
    assert!(!unmappable, "test text must fit windows-1256");
    bytes.into_owned()
}

const P1: &str = "قالت مصادر محلية لنورث برس إن اشتباكات اندلعت مساء الأحد بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، ما أدى إلى مقتل شخصين وإصابة ثلاثة آخرين.";
const P2: &str = "وأضافت المصادر أن القوات استقدمت تعزيزات عسكرية إلى بلدة ذيبان، وفرضت حظراً للتجوال حتى إشعار آخر، فيما لم يصدر أي تعليق رسمي حتى الآن.";
const P3: &str = "وفي مدينة الحسكة، قال مسؤول في الإدارة الذاتية إن محطة علوك لا تزال متوقفة عن العمل منذ أسبوعين، ما يهدد أكثر من مليون شخص بالعطش.";
const EN1: &str = "Residents of Qamishli said on Sunday that prices of bread and fuel had risen sharply after the closure of the Semalka crossing with the Kurdistan Region.";
const EN2: &str = "Local officials in Hasakah told reporters that the administration was negotiating with traders to keep bakeries supplied through the winter months.";
const KU1: &str = "Li Kobanê û Serêkaniyê, malbatên koçber dibêjin ku alîkariya mirovî ya ku gihîştiye kampan têrê nake û zivistan nêzîk dibe.";

/// A WordPress-like article page with the boilerplate the extractor must drop.
fn page(title: &str, paragraphs: &[&str], meta_charset: Option<&str>) -> String {
    let meta = meta_charset
        .map(|c| format!("<meta http-equiv=\"Content-Type\" content=\"text/html; charset={c}\">"))
        .unwrap_or_default();
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html dir=\"rtl\"><head>{meta}<title>{title}</title></head><body>\
<header><nav><ul><li><a href=\"/\">الرئيسية</a></li><li><a href=\"/c\">أخبار</a></li></ul></nav></header>\
<main><article><h1 class=\"entry-title\">{title}</h1><div class=\"entry-content\">\n{body}\
<div class=\"sharedaddy\"><h3>شارك هذا:</h3><a href=\"#\">فيسبوك</a></div>\
<p>التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة.</p></div></article>\
<aside class=\"related\"><h3>أخبار ذات صلة</h3><ul><li><a href=\"/x\">خبر آخر عن الرقة</a></li></ul></aside></main>\
<footer>جميع الحقوق محفوظة © 2025</footer></body></html>"
    )
}

fn rss_item(title: &str, link: &str, guid: &str, desc: &str) -> String {
    format!(
        "<item><title>{title}</title><link>{link}</link><guid isPermaLink=\"false\">{guid}</guid>\
<pubDate>Mon, 03 Nov 2025 10:00:00 +0300</pubDate><description><![CDATA[<p>{desc}</p>]]></description></item>"
    )
}

struct World {
    dir: tempfile::TempDir,
    server: TestServer,
    tripwire: Tripwire,
}

impl World {
    fn export(&self) -> Vec<Value> {
        let out = ok(rasad(self.dir.path(), &["export", "--format", "jsonl"]));
        out.lines()
            .map(|l| serde_json::from_str(l).expect("jsonl line"))
            .collect()
    }
}

/// Serves RSS 2.0, Atom, JSON Feed, two windows-1256 feeds and a broken one.
fn world() -> World {
    let dir = tempfile::tempdir().expect("tmp");
    let server = TestServer::start("127.0.0.1");
    let tripwire = Tripwire::start("127.0.1.1");
    let s = &server;
    let secret = format!("http://{}/secret", tripwire.addr);

    // RSS 2.0: a good page, a page that fails, a non-public link, a redirect to one.
    let rss = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>نورث برس</title><link>{}</link>{}{}{}{}</channel></rss>",
        s.url("/"),
        rss_item("اشتباكات في ريف دير الزور", "/news/1/?utm_source=rss", "np-1", "اشتباكات في ريف دير الزور الشرقي"),
        rss_item("انقطاع المياه في الحسكة", &s.url("/news/2"), "np-2", "نص الخلاصة من الموجز فقط"),
        rss_item("رابط داخلي", &secret, "np-3", "رابط إلى عنوان غير عام"),
        rss_item("تحويل", &s.url("/redirect"), "np-4", "تحويل إلى عنوان غير عام"),
    );
    s.route(
        "/rss.xml",
        Route::ok("application/rss+xml", rss).header("etag", "\"v1\""),
    );
    s.route(
        "/news/1/",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في ريف دير الزور", &[P1, P2], None),
        ),
    );
    s.route("/news/2", Route::status(500));
    s.route("/redirect", Route::status(302).header("location", &secret));

    // Atom with Last-Modified.
    let atom = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Hawar</title><id>urn:hawar</id><updated>2025-11-03T10:00:00Z</updated>\
<entry><id>urn:hawar:1</id><title>Bread prices rise in Qamishli</title><link rel=\"alternate\" href=\"{}\"/><updated>2025-11-03T10:00:00Z</updated><summary>Prices rise</summary></entry>\
<entry><id>urn:hawar:2</id><title>Kobanê</title><link rel=\"alternate\" href=\"/ku/1\"/><updated>2025-11-03T11:00:00Z</updated><summary>Kobanê</summary></entry></feed>",
        s.url("/en/1")
    );
    s.route(
        "/atom.xml",
        Route::ok("application/atom+xml", atom)
            .header("last-modified", "Mon, 03 Nov 2025 10:00:00 GMT"),
    );
    s.route(
        "/en/1",
        Route::ok(
            "text/html",
            page("Bread prices rise in Qamishli", &[EN1, EN2], None),
        ),
    );
    s.route(
        "/ku/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("Kobanê", &[KU1, KU1], None),
        ),
    );

    // JSON Feed, the same article as RSS item 1 under a tracking URL: stored once.
    let json = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"JSON","items":[{{"id":"j1","url":"{}","title":"اشتباكات في ريف دير الزور","content_html":"<p>x</p>"}},{{"id":"j2","url":"{}","title":"Hasakah water","content_text":"Water cuts"}}]}}"#,
        s.url("/news/1/?utm_source=json&fbclid=abc"),
        s.url("/en/2"),
    );
    s.route("/feed.json", Route::ok("application/feed+json", json));
    let en2 = page("Hasakah water", &[EN2, EN1], None)
        .replace("<html dir=\"rtl\">", "<html lang=\"en-GB\">")
        .replace(
            "<head>",
            "<head><meta property=\"article:published_time\" content=\"2025-11-02T08:30:00Z\">",
        );
    s.route("/en/2", Route::ok("text/html", en2));

    // windows-1256, charset only in the HTTP header (feed and page).
    let ar_header = format!(
        "<rss version=\"2.0\"><channel><title>عنب بلدي</title>{}</channel></rss>",
        rss_item("محطة علوك متوقفة", &s.url("/ar/1"), "ab-1", "محطة علوك")
    );
    s.route(
        "/ar-header.xml",
        Route::ok("text/xml; charset=windows-1256", cp1256(&ar_header)),
    );
    s.route(
        "/ar/1",
        Route::ok(
            "text/html; charset=windows-1256",
            cp1256(&page("محطة علوك متوقفة", &[P3, P1], None)),
        ),
    );

    // windows-1256, charset only in the XML prolog / the page's meta.
    let ar_prolog = format!(
        "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>دير الزور 24</title>{}</channel></rss>",
        rss_item("تعزيزات عسكرية إلى ذيبان", &s.url("/ar/2"), "dz-1", "تعزيزات")
    );
    s.route(
        "/ar-prolog.xml",
        Route::ok("application/xml", cp1256(&ar_prolog)),
    );
    s.route(
        "/ar/2",
        Route::ok(
            "text/html",
            cp1256(&page(
                "تعزيزات عسكرية إلى ذيبان",
                &[P2, P3],
                Some("windows-1256"),
            )),
        ),
    );

    // A malformed feed.
    s.route(
        "/broken.xml",
        Route::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>x</title><item><title>a</title></channel>",
        ),
    );

    let config = format!(
        r#"db = "rasad.db"
[defaults]
interval = "30m"
[fetch]
timeout = "10s"
max_per_host = 4
allow_networks = ["127.0.0.0/24"]

[[feed]]
name = "North Press"
url = "{}"
lang = "ar"

[[feed]]
name = "Hawar"
url = "{}"

[[feed]]
name = "JSON"
url = "{}"

[[feed]]
name = "Enab header"
url = "{}"
lang = "ar"

[[feed]]
name = "DEZ prolog"
url = "{}"
lang = "ar"

[[feed]]
name = "Broken"
url = "{}"
"#,
        s.url("/rss.xml"),
        s.url("/atom.xml"),
        s.url("/feed.json"),
        s.url("/ar-header.xml"),
        s.url("/ar-prolog.xml"),
        s.url("/broken.xml"),
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    World {
        dir,
        server,
        tripwire,
    }
}

fn by_title(rows: &[Value]) -> HashMap<String, Value> {
    rows.iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap_or_default().to_string(),
                r.clone(),
            )
        })
        .collect()
}

#[test]
fn poll_twice_then_export() {
    let w = world();
    let out = ok(rasad(w.dir.path(), &["poll"]));
    assert!(out.contains("5 ok"), "{out}");
    assert!(out.contains("1 failed"), "{out}");

    let rows = w.export();
    let titles = by_title(&rows);
    // 4 RSS + 2 Atom + 1 new JSON + 1 + 1 windows-1256; JSON's first item is RSS item 1 again.
    assert_eq!(rows.len(), 9, "{rows:#?}");
    assert_eq!(titles.len(), 9, "each item once");

    let a1 = &titles["اشتباكات في ريف دير الزور"];
    assert_eq!(a1["text"], format!("{P1}\n{P2}"));
    assert_eq!(a1["text_source"], "page");
    assert_eq!(a1["extraction"], "ok");
    assert_eq!(a1["url"], w.server.url("/news/1"));
    let mut feeds: Vec<&str> = a1["feeds"]
        .as_array()
        .expect("feeds")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    feeds.sort();
    assert_eq!(feeds, ["JSON", "North Press"]);
    assert_eq!(a1["urls"].as_array().expect("urls").len(), 3, "{a1:#}");
    assert_eq!(a1["published"], "2025-11-03T07:00:00Z");
    assert_eq!(a1["lang"], "ar");
    assert_eq!(a1["story_id"], a1["id"]);
    assert_eq!(a1["places"], serde_json::json!(["Deir ez-Zor", "Dhiban"]));

    // A page that returns 500 keeps the feed's own text, marked failed.
    let a2 = &titles["انقطاع المياه في الحسكة"];
    assert_eq!(a2["text"], "نص الخلاصة من الموجز فقط");
    assert_eq!(a2["text_source"], "feed");
    assert_eq!(a2["extraction"], "failed");

    // Non-public link and redirect: stored, refused, never contacted.
    for t in ["رابط داخلي", "تحويل"] {
        assert_eq!(titles[t]["extraction"], "failed", "{t}");
    }
    assert_eq!(w.tripwire.hits(), 0, "a request reached 127.0.1.1");
    assert_eq!(w.server.requests_for("/redirect").len(), 1);

    assert_eq!(
        titles["Bread prices rise in Qamishli"]["text"],
        format!("{EN1}\n{EN2}")
    );
    assert_eq!(titles["Kobanê"]["text"], format!("{KU1}\n{KU1}"));
    assert_eq!(
        titles["Kobanê"]["url"],
        w.server.url("/ku/1"),
        "relative link resolved"
    );
    let water = &titles["Hasakah water"];
    assert_eq!(water["text"], format!("{EN2}\n{EN1}"));
    // the feed gave no date or language: the page's own metadata fills them
    assert_eq!(water["published"], "2025-11-02T08:30:00Z");
    assert_eq!(water["lang"], "en");

    // windows-1256 feeds and pages come out as correct Arabic.
    let h = &titles["محطة علوك متوقفة"];
    assert_eq!(h["text"], format!("{P3}\n{P1}"));
    let p = &titles["تعزيزات عسكرية إلى ذيبان"];
    assert_eq!(p["text"], format!("{P2}\n{P3}"));
    assert_eq!(p["summary"], "تعزيزات");

    // The broken feed is reported with its reason; the others were not hurt.
    let feeds_out = ok(rasad(w.dir.path(), &["feeds"]));
    let broken = feeds_out
        .lines()
        .find(|l| l.starts_with("Broken"))
        .expect("row");
    assert!(
        broken.contains("malformed") || broken.contains("not a feed"),
        "{broken}"
    );

    // Second poll: conditional GET answered with 304, nothing new.
    let out = ok(rasad(w.dir.path(), &["poll"]));
    assert!(out.contains("new articles: 0"), "{out}");
    let rss = w.server.requests_for("/rss.xml");
    assert_eq!(rss.len(), 2);
    assert_eq!(
        rss[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(rss[1].status, 304);
    let atom = w.server.requests_for("/atom.xml");
    assert_eq!(
        atom[1].headers.get("if-modified-since").map(String::as_str),
        Some("Mon, 03 Nov 2025 10:00:00 GMT")
    );
    assert_eq!(atom[1].status, 304);
    assert!(rss[0]
        .headers
        .get("user-agent")
        .is_some_and(|u| u.starts_with("rasad/")));
    // Failed pages wait for their backoff; good pages are not fetched again.
    assert_eq!(w.server.requests_for("/news/2").len(), 1);
    assert_eq!(w.server.requests_for("/en/1").len(), 1);
    assert_eq!(w.export().len(), 9);
    assert_eq!(w.tripwire.hits(), 0);
}

#[test]
fn unchanged_body_without_validators_is_not_parsed_again() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll", "--feed", "JSON"]));
    let out = ok(rasad(w.dir.path(), &["poll", "--feed", "JSON"]));
    assert!(out.contains("0 ok, 1 not modified"), "{out}");
    assert_eq!(w.server.requests_for("/feed.json").len(), 2);
}

#[test]
fn export_csv_and_filters() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    let csv = ok(rasad(
        w.dir.path(),
        &["export", "--format", "csv", "--feed", "Hawar"],
    ));
    let mut lines = csv.split("\r\n");
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("id,story_id,url,urls,feed,feeds,outlet,title"),
        "{header}"
    );
    assert_eq!(csv.matches("Hawar").count(), 4, "{csv}"); // feed, feeds for two rows
    let out_file = w.dir.path().join("out.jsonl");
    ok(rasad(
        w.dir.path(),
        &[
            "export",
            "--until",
            "2000-01-01",
            "-o",
            out_file.to_str().expect("path"),
        ],
    ));
    assert_eq!(std::fs::read_to_string(&out_file).expect("file"), "");
    let all = ok(rasad(
        w.dir.path(),
        &[
            "export",
            "--since",
            "2025-11-03T11:00:00Z",
            "--feed",
            "Hawar",
        ],
    ));
    assert_eq!(all.lines().count(), 1, "{all}");
}

#[test]
fn check_config_reports_bad_key_with_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        "[defaults]\ninterval = \"15m\"\n\n[[feed]]\nname = \"نورث برس\"\nurl = \"https://npasyria.com/feed/\"\nlnag = \"ar\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("feeds.toml:7"), "{err}");
    assert!(err.contains("lnag"), "{err}");
    assert!(err.contains("did you mean `lang`"), "{err}");

    // an unknown key is one problem among the others, all listed at once
    std::fs::write(
        &path,
        "[defaults]\nlangg = \"ar\"\n[fetch]\ntimeout = \"soon\"\n[[feed]]\nname = \"a\"\nurl = \"https://a.org/\"\narticle_selector = \"div[[[\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("feeds.toml:2: key `defaults.langg`"), "{err}");
    assert!(err.contains("feeds.toml:4: key `fetch.timeout`"), "{err}");
    assert!(
        err.contains("feeds.toml:8: key `feed[1].article_selector`"),
        "{err}"
    );
    assert!(!err.contains("report this to the developer"), "{err}");

    std::fs::write(
        &path,
        "[[feed]]\nname = \"a\"\nurl = \"https://a.org/\"\ninterval = \"soon\"\n[[feed]]\nname = \"a\"\nurl = \"::\"\n",
    )
    .expect("write");
    let o = rasad(dir.path(), &["check-config"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains("feeds.toml:4: key `feed[1].interval`"),
        "{err}"
    );
    assert!(err.contains("feeds.toml:6: key `feed[2].name`"), "{err}");
    assert!(err.contains("feeds.toml:7: key `feed[2].url`"), "{err}");

    // poll refuses to start on an invalid file, naming it
    let o = rasad(dir.path(), &["poll"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("feeds.toml:4"));
}

#[test]
fn shipped_config_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = ok(rasad(root, &["check-config", "-c", "feeds.toml"]));
    assert!(out.contains("ok"), "{out}");
}

#[test]
fn foreign_database_is_refused_untouched() {
    let w = world();
    let db = w.dir.path().join("rasad.db");
    std::fs::write(&db, b"this is not a database at all").expect("write");
    let o = rasad(w.dir.path(), &["poll"]);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("not a rasad database"),
        "{}",
        text(&o).1
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        b"this is not a database at all"
    );
    assert!(
        w.server.requests().is_empty(),
        "nothing fetched before the database was checked"
    );
}

#[test]
fn daemon_polls_and_stops_cleanly_on_sigterm() {
    let w = world();
    let mut child = rasad_command(w.dir.path(), &["run", "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start daemon");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Wait until the first pass has fetched the pages of every feed.
    while w.server.requests_for("/ar/2").is_empty() || w.server.requests_for("/en/2").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "daemon did not poll in time"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "daemon did not stop in time"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "daemon exit {status}: {err}");
    let rows = w.export();
    assert_eq!(rows.len(), 9);
    assert_eq!(w.tripwire.hits(), 0);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

#[test]
fn byte_caps_hold_after_decompression_and_redirects_are_limited() {
    let w = world();
    let s = &w.server;
    // A feed that inflates from ~30 KB to 30 MiB, over the 20 MiB feed cap.
    let mut bomb = b"<rss version=\"2.0\"><channel><title>bomb</title>".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 30 * 1024 * 1024));
    let bomb = gzip(&bomb);
    assert!(bomb.len() < 100 * 1024);
    s.route(
        "/bomb.xml",
        Route::ok("application/rss+xml", bomb).header("content-encoding", "gzip"),
    );
    // A page that inflates past the 5 MiB page cap, and a chain of 6 redirects.
    let mut page_bomb = b"<html><body><p>".to_vec();
    page_bomb.extend(std::iter::repeat_n(b'a', 6 * 1024 * 1024));
    s.route(
        "/bomb.html",
        Route::ok("text/html", gzip(&page_bomb)).header("content-encoding", "gzip"),
    );
    for i in 0..6 {
        s.route(
            &format!("/hop{i}"),
            Route::status(302).header("location", &format!("/hop{}", i + 1)),
        );
    }
    s.route(
        "/hop6",
        Route::ok("text/html", page("hops", &[P1, P2], None)),
    );
    // Five redirects are fine.
    s.route("/five0", Route::status(301).header("location", "/hop2"));
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>t</title>{}{}{}</channel></rss>",
        rss_item(
            "bomb page",
            &s.url("/bomb.html"),
            "b1",
            "feed text of the bomb"
        ),
        rss_item("six hops", &s.url("/hop0"), "h6", "feed text of six hops"),
        rss_item(
            "five hops",
            &s.url("/five0"),
            "h5",
            "feed text of five hops"
        ),
    );
    s.route("/hostile.xml", Route::ok("application/rss+xml", rss));
    let config = format!(
        "[fetch]\nallow_networks = [\"127.0.0.0/24\"]\n[[feed]]\nname = \"bomb\"\nurl = \"{}\"\n[[feed]]\nname = \"hostile\"\nurl = \"{}\"\n",
        s.url("/bomb.xml"),
        s.url("/hostile.xml")
    );
    std::fs::write(w.dir.path().join("feeds.toml"), config).expect("config");
    let out = ok(rasad(w.dir.path(), &["poll"]));
    assert!(out.contains("1 ok, 0 not modified, 1 failed"), "{out}");
    let titles = by_title(&w.export());
    assert_eq!(titles["bomb page"]["extraction"], "failed");
    assert_eq!(titles["bomb page"]["text"], "feed text of the bomb");
    assert_eq!(titles["six hops"]["extraction"], "failed");
    // the page was read: its own title speaks for it; the feed's stays on the sighting
    assert_eq!(titles["hops"]["extraction"], "ok");
    assert_eq!(titles["hops"]["title_source"], "page");
    assert_eq!(titles["hops"]["sightings"][0]["title"], "five hops");
    assert_eq!(titles["hops"]["text"], format!("{P1}\n{P2}"));
    let feeds_out = ok(rasad(w.dir.path(), &["feeds"]));
    let bomb_row = feeds_out
        .lines()
        .find(|l| l.starts_with("bomb"))
        .expect("row");
    assert!(
        bomb_row.contains("larger than the 20971520-byte limit"),
        "{bomb_row}"
    );
}

#[test]
fn extract_out_dir_writes_one_file_per_input() {
    let dir = tempfile::tempdir().expect("tmp");
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).expect("mkdir");
    std::fs::write(
        pages.join("ar.html"),
        cp1256(&page("محطة علوك", &[P3, P1], Some("windows-1256"))),
    )
    .expect("write");
    std::fs::write(pages.join("en.html"), page("Bread", &[EN1, EN2], None)).expect("write");
    std::fs::write(
        pages.join("empty.html"),
        "<html><body><nav>x</nav></body></html>",
    )
    .expect("write");
    let o = rasad(
        dir.path(),
        &[
            "extract",
            "--out-dir",
            "out",
            "pages/ar.html",
            "pages/en.html",
            "pages/empty.html",
        ],
    );
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(
        text(&o).1.contains("empty.html"),
        "the page without a body is named"
    );
    let read =
        |n: &str| std::fs::read_to_string(dir.path().join("out").join(n)).expect("output file");
    assert_eq!(read("ar.txt"), format!("{P3}\n{P1}"));
    assert_eq!(read("en.txt"), format!("{EN1}\n{EN2}"));
    assert_eq!(read("empty.txt"), "");
    let json = ok(rasad(dir.path(), &["extract", "--json", "pages/ar.html"]));
    let v: Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["encoding"], "windows-1256");
    assert_eq!(v["title"], "محطة علوك");
}

#[test]
fn syndicated_copies_share_a_story_and_exact_repeats_merge() {
    let dir = tempfile::tempdir().expect("tmp");
    // three outlets on their own loopback addresses
    let a = TestServer::start("127.0.0.2");
    let b = TestServer::start("127.0.0.3");
    let c = TestServer::start("127.0.0.4");
    let original = [P1, P2, P3];
    a.route(
        "/news/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في ذيبان", &original, None),
        ),
    );
    // the same text under another URL of the same outlet: an exact repeat
    a.route(
        "/category/news/1-copy",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في ذيبان", &original, None),
        ),
    );
    // another outlet: «عاجل:» prefix, a paragraph dropped, diacritics, Arabic-Indic digits
    let edited = format!("عاجل: {}", P1.replace("قالت", "قَالَتْ"));
    b.route(
        "/ar/2025/syndicated",
        Route::ok(
            "text/html; charset=utf-8",
            page("عاجل: اشتباكات في ذيبان", &[&edited, P3], None),
        ),
    );
    // a third outlet: a different story written from the same template
    let template = P1
        .replace("دير الزور", "الحسكة")
        .replace("شخصين", "خمسة أشخاص")
        .replace("ثلاثة", "سبعة");
    let other2 = P2.replace("ذيبان", "تل تمر");
    c.route(
        "/2025/other",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في تل تمر", &[&template, &other2], None),
        ),
    );
    let feed = |s: &TestServer, items: &[(&str, &str)]| {
        let body: String = items
            .iter()
            .map(|(t, path)| rss_item(t, &s.url(path), path, "موجز"))
            .collect();
        format!("<rss version=\"2.0\"><channel><title>x</title>{body}</channel></rss>")
    };
    a.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            feed(
                &a,
                &[
                    ("اشتباكات في ذيبان", "/news/1"),
                    ("نسخة", "/category/news/1-copy"),
                ],
            ),
        ),
    );
    b.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            feed(&b, &[("عاجل: اشتباكات في ذيبان", "/ar/2025/syndicated")]),
        ),
    );
    c.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            feed(&c, &[("اشتباكات في تل تمر", "/2025/other")]),
        ),
    );
    let config = format!(
        "[fetch]\nallow_networks = [\"127.0.0.0/24\"]\n[[feed]]\nname = \"A\"\nurl = \"{}\"\n[[feed]]\nname = \"B\"\nurl = \"{}\"\n[[feed]]\nname = \"C\"\nurl = \"{}\"\n",
        a.url("/feed"),
        b.url("/feed"),
        c.url("/feed")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    // B and C first, then A: "first seen" must follow the polls, not the ids
    ok(rasad(dir.path(), &["poll", "--feed", "A"]));
    ok(rasad(dir.path(), &["poll", "--feed", "B", "--feed", "C"]));
    let out = ok(rasad(dir.path(), &["export"]));
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 3, "the exact repeat merged: {rows:#?}");
    let by_host = |host: &str| {
        rows.iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.contains(host)))
            .expect("row")
            .clone()
    };
    let (ra, rb, rc) = (
        by_host("127.0.0.2"),
        by_host("127.0.0.3"),
        by_host("127.0.0.4"),
    );
    assert_eq!(
        ra["urls"].as_array().expect("urls").len(),
        2,
        "both URLs kept: {ra:#}"
    );
    assert_ne!(
        ra["id"], rb["id"],
        "the syndicated copy stays its own article"
    );
    assert_eq!(ra["story_id"], rb["story_id"], "…in the same story");
    assert_ne!(
        rc["story_id"], ra["story_id"],
        "the template story is another story"
    );

    let stories = ok(rasad(dir.path(), &["export", "--stories"]));
    let stories: Vec<Value> = stories
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(stories.len(), 2);
    let s = stories
        .iter()
        .find(|s| s["story_id"] == ra["story_id"])
        .expect("story");
    assert_eq!(s["articles"].as_array().expect("articles").len(), 2);
    assert_eq!(s["first_feed"], "A");
    assert_eq!(s["outlets"], serde_json::json!(["127.0.0.2", "127.0.0.3"]));

    // polling again adds nothing
    let again = ok(rasad(dir.path(), &["poll"]));
    assert!(again.contains("new articles: 0"), "{again}");
    assert_eq!(ok(rasad(dir.path(), &["export"])).lines().count(), 3);
}

#[test]
fn search_places_and_filters() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    // a bare word finds its prefixed and diacritized forms: P3 says «وفي مدينة الحسكة»
    let out = ok(rasad(w.dir.path(), &["search", "حسكة"]));
    assert!(out.contains("محطة علوك متوقفة"), "{out}");
    assert!(out.contains("[الحسكة"), "the match is highlighted: {out}");
    let json = ok(rasad(
        w.dir.path(),
        &["search", "--json", "\"ريف دير الزور\""],
    ));
    let hits: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(h["score"].as_f64().is_some_and(|s| s > 0.0), "{h}");
        assert!(
            h["snippet"].as_str().is_some_and(|s| s.contains('[')),
            "{h}"
        );
    }
    let none = ok(rasad(w.dir.path(), &["search", "حسكة NOT علوك"]));
    assert!(!none.contains("محطة علوك"), "{none}");
    // places under any of their names
    let by_kurdish = ok(rasad(w.dir.path(), &["export", "--place", "Hesekê"]));
    let by_arabic = ok(rasad(w.dir.path(), &["export", "--place", "الحسكة"]));
    assert_eq!(by_kurdish, by_arabic);
    assert!(by_kurdish.contains("Al-Hasakah"), "{by_kurdish}");
    let o = rasad(w.dir.path(), &["export", "--place", "Atlantis"]);
    assert!(!o.status.success() && text(&o).1.contains("unknown place"));
    // language and query filters
    let en = ok(rasad(
        w.dir.path(),
        &["export", "--lang", "ar", "--query", "Qamishli"],
    ));
    assert_eq!(en.lines().count(), 0, "{en}");
    let q = ok(rasad(w.dir.path(), &["export", "--query", "Qamishli"]));
    assert!(q.lines().count() >= 1);
    // CSV for Excel starts with the BOM
    let o = rasad(w.dir.path(), &["export", "--format", "csv", "--excel"]);
    assert!(o.stdout.starts_with("\u{feff}id,story_id".as_bytes()));
}

#[test]
fn atom_export_round_trips_through_a_feed_parser() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll"]));
    let rows = w.export();
    let atom = ok(rasad(w.dir.path(), &["export", "--format", "atom"]));
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("valid Atom");
    assert_eq!(feed.entries.len(), rows.len());
    for (entry, row) in feed.entries.iter().zip(&rows) {
        assert_eq!(entry.id, format!("urn:rasad:article:{}", row["id"]));
        assert_eq!(
            entry.title.as_ref().map(|t| t.content.as_str()),
            row["title"].as_str()
        );
        assert_eq!(
            entry.links.first().map(|l| l.href.as_str()),
            row["url"].as_str()
        );
        assert!(entry.updated.is_some());
        assert!(!entry.authors.is_empty());
        if let Some(lang) = row["lang"].as_str() {
            // feed-rs does not surface xml:lang on entries: check the document
            let needle = format!(
                "<entry xml:lang=\"{lang}\">\n<id>urn:rasad:article:{}</id>",
                row["id"]
            );
            assert!(atom.contains(&needle), "{needle}");
        }
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        if row["extraction"] == "ok" {
            // the clean body HTML, paragraph per paragraph
            let first = row["text"]
                .as_str()
                .and_then(|t| t.lines().next())
                .expect("text");
            assert!(body.contains(&format!("<p>{first}</p>")), "{body}");
        }
        let cats: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
        let places: Vec<&str> = row["places"]
            .as_array()
            .expect("places")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(cats, places);
    }
}

#[test]
fn opml_export_and_import_keep_the_config_readable() {
    let w = world();
    let opml = ok(rasad(w.dir.path(), &["export", "--format", "opml"]));
    assert_eq!(opml.matches("<outline").count(), 6, "{opml}");
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("feeds.toml");
    let original = "# my feeds — تعليق\ndb = \"r.db\"\n\n[[feed]]  # kept\nname = \"North Press\"\nurl = \"https://npasyria.com/feed/\"\nlang = \"ar\"\n";
    std::fs::write(&cfg, original).expect("config");
    let import = "<?xml version=\"1.0\"?><opml version=\"2.0\"><body>\
<outline text=\"Kurdistan24\" type=\"rss\" xmlUrl=\"https://www.kurdistan24.net/en/rss.xml\" language=\"en\"/>\
<outline text=\"Again\" xmlUrl=\"https://npasyria.com/feed/\"/>\
<outline text=\"Group\"><outline title=\"روداو\" xmlUrl=\"https://www.rudaw.net/arabic/rss\"/></outline>\
<outline text=\"bad\" xmlUrl=\"javascript:alert(1)\"/></body></opml>";
    std::fs::write(dir.path().join("in.opml"), import).expect("opml");
    let out = ok(rasad(dir.path(), &["import-opml", "in.opml"]));
    assert!(out.contains("2 feeds added, 2 skipped"), "{out}");
    let after = std::fs::read_to_string(&cfg).expect("config");
    assert!(
        after.starts_with(original),
        "comments and order kept:\n{after}"
    );
    assert!(after.contains("name = \"روداو\""), "{after}");
    assert!(ok(rasad(dir.path(), &["check-config"])).contains("ok, 3 feeds"));
    // importing again adds nothing
    let again = ok(rasad(dir.path(), &["import-opml", "in.opml"]));
    assert!(again.contains("0 feeds added"), "{again}");
}

#[test]
fn bad_arguments_are_named_and_nothing_is_written() {
    let w = world();
    ok(rasad(w.dir.path(), &["poll", "--feed", "JSON"]));
    let before = std::fs::read(w.dir.path().join("rasad.db")).expect("db");
    for (args, named) in [
        (
            &["export", "--since", "yesterday", "-o", "out.jsonl"][..],
            "yesterday",
        ),
        (
            &["export", "--place", "Atlantis", "-o", "out.jsonl"][..],
            "Atlantis",
        ),
        (
            &["export", "--format", "csv", "--stories", "-o", "out.jsonl"][..],
            "--stories",
        ),
        (&["export", "--format", "xml"][..], "xml"),
        (&["search", "   "][..], "nothing to search"),
        (&["poll", "--feed", "No Such Feed"][..], "No Such Feed"),
        (&["extract", "--url", "not a url", "x.html"][..], "--url"),
        (&["--log-format", "yaml", "feeds"][..], "yaml"),
    ] {
        let o = rasad(w.dir.path(), args);
        assert!(!o.status.success(), "{args:?} must fail");
        let (_, err) = text(&o);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(
            !w.dir.path().join("out.jsonl").exists(),
            "{args:?} wrote a file"
        );
    }
    assert_eq!(
        std::fs::read(w.dir.path().join("rasad.db")).expect("db"),
        before
    );
}
