//! End-to-end tests: the real `rasad` binary against a real HTTP server on
//! loopback and a database in a temp folder.

mod browser;
mod collect;
mod commands;
mod daemon;
mod dedup_set;
mod hostile;
#[path = "../support/lcg.rs"]
mod lcg;
mod props;
mod provenance;
mod reader;
mod security;
mod server;
mod versions;
mod watches;

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

/// The strings of a JSON array (an export's `feeds`, `places`, …).
fn strs<'v>(v: &'v Value, what: &str) -> Vec<&'v str> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
        .iter()
        .filter_map(Value::as_str)
        .collect()
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
[web]
listen = "127.0.0.1:0"
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
