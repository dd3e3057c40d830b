//! Collecting: polls, validators, byte caps, syndication and exact repeats,
//! the daemon's clean stop, and a foreign database left alone.

use super::*;

/// Second poll: conditional GET answered with 304, nothing new, failed
/// pages waiting for their backoff, good pages not fetched again.
fn second_poll_is_conditional_and_fetches_nothing_again(w: &World) {
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
    let mut feeds: Vec<&str> = strs(&a1["feeds"], "feeds");
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

    second_poll_is_conditional_and_fetches_nothing_again(&w);
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

/// Three outlets: A with a story and an exact repeat of it under another
/// URL, B with a syndicated copy (prefix, a paragraph dropped, diacritics),
/// C with another story from the same template; each with its feed.
fn syndication_world(a: &TestServer, b: &TestServer, c: &TestServer) {
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
                a,
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
            feed(b, &[("عاجل: اشتباكات في ذيبان", "/ar/2025/syndicated")]),
        ),
    );
    c.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            feed(c, &[("اشتباكات في تل تمر", "/2025/other")]),
        ),
    );
}

#[test]
fn syndicated_copies_share_a_story_and_exact_repeats_merge() {
    let dir = tempfile::tempdir().expect("tmp");
    // three outlets on their own loopback addresses
    let a = TestServer::start("127.0.0.2");
    let b = TestServer::start("127.0.0.3");
    let c = TestServer::start("127.0.0.4");
    syndication_world(&a, &b, &c);
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

/// An outlet that leaks its "about us" paragraph, naming a place, into
/// every article's container.
const ABOUT: &str = "شبكة الخابور الإخبارية منصة مستقلة مقرها القامشلي، تغطي أخبار الجزيرة السورية منذ عام ٢٠١٥ بفريق من المراسلين المحليين.";

#[test]
fn an_outlets_template_is_learned_from_its_pages_and_left_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.1");
    let own = |i: usize| {
        (
            format!("قال ناشطون في مدينة الرقة إن الحادثة رقم {i} وقعت قرب دوار النعيم، وإن فرق الدفاع المدني وصلت بعد ساعة."),
            format!("وأضافوا أن {i} من السكان أصيبوا بجروح طفيفة، فيما أغلقت الطرق المؤدية إلى السوق حتى المساء."),
        )
    };
    for i in 0..8 {
        let (a, b) = own(i);
        s.route(
            &format!("/n/{i}"),
            Route::ok(
                "text/html; charset=utf-8",
                page(&format!("حادثة رقم {i} في الرقة"), &[&a, &b, ABOUT], None),
            ),
        );
    }
    let feed = |n: usize| {
        let items: String = (0..n)
            .map(|i| {
                rss_item(
                    &format!("حادثة رقم {i} في الرقة"),
                    &s.url(&format!("/n/{i}")),
                    &format!("g{i}"),
                    "موجز",
                )
            })
            .collect();
        format!("<rss version=\"2.0\"><channel><title>x</title>{items}</channel></rss>")
    };
    s.route("/feed", Route::ok("application/rss+xml", feed(6)));
    let config = format!(
        "[fetch]\nallow_networks = [\"127.0.0.0/24\"]\n[[feed]]\nname = \"Khabour\"\nurl = \"{}\"\n",
        s.url("/feed")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    ok(rasad(dir.path(), &["poll"]));
    s.route("/feed", Route::ok("application/rss+xml", feed(8)));
    ok(rasad(dir.path(), &["poll"]));
    let out = ok(rasad(dir.path(), &["export", "--format", "jsonl"]));
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 8);
    let row = |i: usize| {
        rows.iter()
            .find(|r| {
                r["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(&format!("/n/{i}")))
            })
            .expect("row")
    };
    // the first pages of an outlet cannot tell its template from its text
    assert!(row(0)["text"].as_str().expect("text").contains(ABOUT));
    for i in [6, 7] {
        let r = row(i);
        let (a, b) = own(i);
        assert_eq!(r["text"], format!("{a}\n{b}"), "{r:#}");
        assert_eq!(r["extraction"], "ok");
        let places: Vec<&str> = strs(&r["places"], "places");
        assert!(!places.iter().any(|p| p.contains("Qamishli")), "{places:?}");
        assert!(places.iter().any(|p| p.contains("Raqqa")), "{places:?}");
    }
}
