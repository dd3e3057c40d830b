//! Versions, takedowns and evidence end to end: a real server whose pages
//! change between polls, the real binary with a re-check schedule of a
//! second, and the bundle checked (and caught after one byte is changed).

use std::time::Duration;

use serde_json::Value;

use super::server::{Route, TestServer};
use super::{ok, page, rasad, rss_item, text, P2, P3};

const FIRST: &str = "قالت مصادر محلية إن ثلاثة أشخاص قتلوا مساء الأحد في اشتباكات بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، وأصيب آخرون.";
const EDITED: &str = "قالت مصادر محلية إن خمسة أشخاص قتلوا مساء الأحد في اشتباكات بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، وأصيب آخرون.";
/// The edited paragraph with tashkeel added: not a change.
const VOWELLED: &str = "قالَت مصادرُ محلية إن خمسة أشخاصٍ قُتلوا مساء الأحد في اشتباكات بين قوات سوريا الديمقراطية ومسلحين في ريف دير الزور الشرقي، وأصيب آخرون.";
const ADDED: &str = "وأكد مسؤول في مجلس دير الزور المدني أن فرق الإسعاف نقلت الجرحى إلى مستشفى الكسرة، وأن الاشتباكات توقفت صباح الاثنين.";

fn html(title: &str, paragraphs: &[&str]) -> Route {
    Route::ok("text/html; charset=utf-8", page(title, paragraphs, None))
}

fn poll(dir: &std::path::Path) {
    // the re-check schedule is one second; timestamps have seconds
    std::thread::sleep(Duration::from_millis(2100));
    ok(rasad(dir, &["poll"]));
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn versions_takedowns_restores_and_a_bundle_that_holds() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.1");
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>دير الزور 24</title>{}{}</channel></rss>",
        rss_item(
            "اشتباكات في ريف دير الزور",
            &s.url("/news/1"),
            "a-1",
            "اشتباكات"
        ),
        rss_item(
            "انقطاع المياه في الحسكة",
            &s.url("/news/2"),
            "a-2",
            "المياه"
        ),
    );
    s.route("/rss.xml", Route::ok("application/rss+xml", rss));
    s.route("/", html("الرئيسية", &[P2, P3]));
    s.route("/news/1", html("اشتباكات في ريف دير الزور", &[FIRST, P2]));
    s.route("/news/2", html("انقطاع المياه في الحسكة", &[P3, P2]));
    let config = format!(
        "db = \"rasad.db\"\n[web]\nlisten = \"\"\n[recheck]\nschedule = [\"1s\"]\nstop_after = \"1h\"\nper_site_hour = 1000\n\
         [fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n\
         [[feed]]\nname = \"DEZ 24\"\nurl = \"{}\"\nlang = \"ar\"\n",
        s.url("/rss.xml")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    let d = dir.path();
    ok(rasad(d, &["poll"]));

    // retitled; a figure edited; a paragraph added; tashkeel added (no
    // change); gone (404); back
    s.route("/news/1", html("مقتل ثلاثة في ريف دير الزور", &[FIRST, P2]));
    poll(d);
    s.route("/news/1", html("مقتل ثلاثة في ريف دير الزور", &[EDITED, P2]));
    poll(d);
    s.route(
        "/news/1",
        html("مقتل ثلاثة في ريف دير الزور", &[EDITED, P2, ADDED]),
    );
    poll(d);
    s.route(
        "/news/1",
        html("مقتل ثلاثة في ريف دير الزور", &[VOWELLED, P2, ADDED]),
    );
    // the other article now sends its readers to the home page
    s.route("/news/2", Route::status(301).header("location", "/"));
    poll(d);
    s.route("/news/1", Route::status(404));
    poll(d);
    poll(d); // still gone: no second event
    s.route(
        "/news/1",
        html("مقتل ثلاثة في ريف دير الزور", &[VOWELLED, P2, ADDED]),
    );
    poll(d);

    let rows = lines(&ok(rasad(d, &["export"])));
    let one = rows
        .iter()
        .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with("/news/1")))
        .expect("article 1");
    let two = rows
        .iter()
        .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with("/news/2")))
        .expect("article 2");
    let id = one["id"].to_string();
    let history = lines(&ok(rasad(d, &["history", &id, "--json"])));
    let versions: Vec<&Value> = history
        .iter()
        .filter(|h| h.get("version").is_some())
        .collect();
    let events: Vec<&Value> = history
        .iter()
        .filter(|h| h.get("event").is_some())
        .collect();
    let page_versions: Vec<&&Value> = versions.iter().filter(|v| v["source"] == "page").collect();
    assert_eq!(
        versions.len(),
        5,
        "feed, first page, retitle, figure, paragraph: {history:#?}"
    );
    assert_eq!(versions[0]["source"], "feed");
    assert_eq!(page_versions.len(), 4, "{history:#?}");
    assert_eq!(page_versions[0]["title"], "اشتباكات في ريف دير الزور");
    assert_eq!(page_versions[1]["title"], "مقتل ثلاثة في ريف دير الزور");
    assert!(page_versions[1]["text"]
        .as_str()
        .is_some_and(|t| t.contains(FIRST)));
    assert!(page_versions[2]["text"]
        .as_str()
        .is_some_and(|t| t.contains(EDITED)));
    assert!(page_versions[3]["text"]
        .as_str()
        .is_some_and(|t| t.contains(ADDED)));
    assert!(
        page_versions
            .iter()
            .all(|v| v["sha256"].as_str().is_some_and(|h| h.len() == 64)),
        "raw kept: {history:#?}"
    );
    let kinds: Vec<(&str, Option<u64>)> = events
        .iter()
        .map(|e| (e["event"].as_str().unwrap_or(""), e["status"].as_u64()))
        .collect();
    assert_eq!(
        kinds,
        vec![("removed", Some(404)), ("restored", Some(200))],
        "{history:#?}"
    );
    assert_eq!(one["status"], "changed");
    assert_eq!(one["versions"], 5);
    // the redirect to the home page is a takedown too
    let h2 = lines(&ok(rasad(
        d,
        &["history", &two["id"].to_string(), "--json"],
    )));
    let gone: Vec<&Value> = h2.iter().filter(|h| h["event"] == "removed").collect();
    assert_eq!(gone.len(), 1, "{h2:#?}");
    assert!(
        gone[0]["url"].as_str().is_some_and(|u| u.ends_with('/')),
        "{h2:#?}"
    );
    assert_eq!(two["status"], "removed");

    // the word diff names the edited figure, on Arabic text
    let shown = ok(rasad(d, &["history", &id]));
    assert!(shown.contains("[-ثلاثة-] {+خمسة+}"), "{shown}");
    assert!(
        shown.contains("removed") && shown.contains("HTTP 404"),
        "{shown}"
    );
    let all = lines(&ok(rasad(d, &["export", "--versions"])));
    assert_eq!(
        all.iter().filter(|v| v["article_id"] == one["id"]).count(),
        5
    );

    // the bundle verifies; one byte changed and it does not
    let bundle = d.join("bundle");
    ok(rasad(
        d,
        &["evidence", &id, "-o", bundle.to_str().expect("path")],
    ));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).expect("manifest"))
            .expect("json");
    let files = manifest["files"].as_array().expect("files");
    assert!(
        files.iter().filter(|f| f["kind"] == "raw").count() >= 4,
        "{manifest:#}"
    );
    assert!(files
        .iter()
        .all(|f| f["sha256"].as_str().is_some_and(|h| h.len() == 64)));
    assert!(bundle.join("README.txt").exists());
    let v = rasad(d, &["verify", bundle.to_str().expect("path")]);
    assert!(v.status.success(), "{:?}", text(&v));
    let raw = files
        .iter()
        .find(|f| f["kind"] == "raw")
        .and_then(|f| f["path"].as_str())
        .expect("a raw file");
    let mut bytes = std::fs::read(bundle.join(raw)).expect("raw");
    // the raw body is the page as served
    assert!(String::from_utf8_lossy(&bytes).contains("<html"));
    bytes[10] ^= 1;
    std::fs::write(bundle.join(raw), bytes).expect("tamper");
    let v = rasad(d, &["verify", bundle.to_str().expect("path")]);
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v).0.contains("ALTERED"), "{:?}", text(&v));
    // a bundle is never written over another
    let again = rasad(d, &["evidence", &id, "-o", bundle.to_str().expect("path")]);
    assert!(!again.status.success());
}
