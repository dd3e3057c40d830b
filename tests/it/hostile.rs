//! The hostile-server suite: a local server that misbehaves on purpose,
//! polled by the real binary together with healthy feeds. Each case checks
//! that the poll ends in bounded time, the healthy feeds' articles are all
//! stored, the hostile feed's failure is in `rasad feeds` with a clear
//! reason, peak memory stays bounded, and nothing reaches a non-public
//! address.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::server::{Route, TestServer, Tripwire};

/// Misbehaviours a raw TCP server can show.
#[derive(Clone, Copy)]
enum Raw {
    /// Accepts and never answers.
    Silent,
    /// Sends headers, then one byte a second forever.
    Drip,
    /// Sends a chunked body that never ends.
    Endless,
}

/// A raw server on 127.0.0.2 with one misbehaviour for every connection.
fn raw_server(kind: Raw) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.2:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            std::thread::spawn(move || serve_raw(conn, kind));
        }
    });
    addr
}

fn serve_raw(mut conn: TcpStream, kind: Raw) {
    let mut buf = [0u8; 2048];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = conn.read(&mut buf);
    let deadline = Instant::now() + Duration::from_secs(60);
    match kind {
        Raw::Silent => {
            while Instant::now() < deadline && conn.read(&mut buf).map(|n| n > 0).unwrap_or(true) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Raw::Drip => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n");
            while Instant::now() < deadline && conn.write_all(b"<").is_ok() {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Raw::Endless => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n");
            let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
            while Instant::now() < deadline && conn.write_all(chunk.as_bytes()).is_ok() {}
        }
    }
}

/// Runs `rasad poll` in `dir`, sampling the child's peak resident memory.
fn poll_measured(dir: &std::path::Path) -> (std::process::Output, Duration, u64) {
    crate::measured(dir, &["poll", "-q"])
}

fn healthy_feed(s: &TestServer, name: &str) -> String {
    let items: String = (0..5)
        .map(|i| {
            let path = format!("/{name}/{i}");
            s.route(
                &path,
                Route::ok(
                    "text/html",
                    format!("<html><body><article><p>{name} article {i}: residents of Qamishli said on Sunday that prices of bread and fuel had risen sharply after the closure of the crossing.</p><p>Second paragraph of {name} {i}, long enough to be a paragraph of a real article body.</p></article></body></html>"),
                ),
            );
            format!("<item><title>{name} {i}</title><link>{}</link><guid>{name}-{i}</guid></item>", s.url(&path))
        })
        .collect();
    let feed =
        format!("<rss version=\"2.0\"><channel><title>{name}</title>{items}</channel></rss>");
    s.route(
        &format!("/{name}.xml"),
        Route::ok("application/rss+xml", feed),
    );
    s.url(&format!("/{name}.xml"))
}

struct Case {
    name: &'static str,
    /// The hostile feed's URL.
    url: String,
    /// Words expected in the feed's error in `rasad feeds` (any of them).
    reason: &'static [&'static str],
}

/// Feeds that fail in every way a server can make them fail, each with the
/// words its error must carry; the routes are set on `s`.
fn failing_feeds(s: &TestServer, secret: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name: &'static str, route: Option<Route>, reason: &'static [&'static str]| {
        if let Some(r) = route {
            s.route(&format!("/h/{name}"), r);
        }
        cases.push(Case {
            name,
            url: s.url(&format!("/h/{name}")),
            reason,
        });
    };
    add("e500", Some(Route::status(500)), &["HTTP 500"]);
    add("e404", Some(Route::status(404)), &["HTTP 404"]);
    add("e410", Some(Route::status(410)), &["HTTP 410"]);
    add(
        "e429",
        Some(Route::status(429).header("retry-after", "120")),
        &["HTTP 429", "Retry-After: 120"],
    );
    add(
        "loop",
        Some(Route::status(302).header("location", "/h/loop")),
        &["redirects"],
    );
    for i in 0..20 {
        s.route(
            &format!("/h/chain{i}"),
            Route::status(301).header("location", &format!("/h/chain{}", i + 1)),
        );
    }
    add("chain0", None, &["redirects"]);
    let mut big = b"<rss version=\"2.0\"><channel><title>big</title>".to_vec();
    big.extend(std::iter::repeat_n(b' ', 30 * 1024 * 1024));
    add(
        "big",
        Some(Route::ok("application/rss+xml", big)),
        &["limit"],
    );
    let mut bomb = b"<rss version=\"2.0\"><channel><title>bomb</title>".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 200 * 1024 * 1024));
    let bomb = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&bomb).expect("gzip");
        enc.finish().expect("gzip")
    };
    add(
        "bomb",
        Some(Route::ok("application/rss+xml", bomb).header("content-encoding", "gzip")),
        &["limit"],
    );
    add(
        "malformed",
        Some(Route::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><item><title>a</title></channel>",
        )),
        &["malformed", "not a feed"],
    );
    add(
        "html",
        Some(Route::ok(
            "text/html",
            "<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>",
        )),
        &["HTML page"],
    );
    s.route(
        "/h/to-private-feed",
        Route::status(301).header("location", secret),
    );
    add("to-private-feed", None, &["refused"]);
    cases
}

/// A feed whose links (and a redirect) point at addresses that must never
/// be contacted: the trip wire, cloud metadata, ::1, `localhost.`.
fn private_links_feed(s: &TestServer, trip: &Tripwire, secret: &str) -> String {
    let private_links = format!(
        "<rss version=\"2.0\"><channel><title>p</title>\
         <item><title>p1</title><link>{secret}</link></item>\
         <item><title>p2</title><link>http://169.254.169.254/latest/meta-data/</link></item>\
         <item><title>p3</title><link>http://[::1]:{}/x</link></item>\
         <item><title>p4</title><link>http://localhost.:{}/x</link></item>\
         <item><title>p5</title><link>{}</link></item></channel></rss>",
        trip.addr.port(),
        trip.addr.port(),
        s.url("/h/to-private")
    );
    s.route(
        "/h/to-private",
        Route::status(302).header("location", secret),
    );
    s.route(
        "/h/private.xml",
        Route::ok("application/rss+xml", private_links),
    );
    s.url("/h/private.xml")
}

/// An ordinary feed whose article page is a gzip bomb: the item stays,
/// with its feed text.
fn page_bomb_feed(s: &TestServer) -> String {
    let mut page_bomb = b"<html><body><p>".to_vec();
    page_bomb.extend(std::iter::repeat_n(b'a', 100 * 1024 * 1024));
    let page_bomb = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&page_bomb).expect("gzip");
        enc.finish().expect("gzip")
    };
    s.route(
        "/h/page-bomb",
        Route::ok("text/html", page_bomb).header("content-encoding", "gzip"),
    );
    s.route(
        "/h/pagebomb.xml",
        Route::ok(
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>pb</title><item><title>page bomb</title><link>{}</link><description>feed text survives</description></item></channel></rss>", s.url("/h/page-bomb")),
        ),
    );
    s.url("/h/pagebomb.xml")
}

/// A feed whose items link to a PDF and to a JPEG that calls itself
/// text/html: both items stay, each page failing with what it was.
fn not_pages_feed(s: &TestServer) -> String {
    s.route(
        "/h/report.pdf",
        Route::ok(
            "application/pdf",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>".to_vec(),
        ),
    );
    s.route(
        "/h/photo",
        Route::ok("text/html", b"\xFF\xD8\xFF\xE0\x00\x10JFIF".to_vec()),
    );
    s.route(
        "/h/notpages.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>np</title>\
                 <item><title>تقرير الحسكة</title><link>{}</link><description>تقرير عن المياه في الحسكة</description></item>\
                 <item><title>صورة من القامشلي</title><link>{}</link><description>صورة</description></item>\
                 </channel></rss>",
                s.url("/h/report.pdf"),
                s.url("/h/photo")
            ),
        ),
    );
    s.url("/h/notpages.xml")
}

#[test]
fn hostile_servers_cost_nothing_but_their_own_feed() {
    // only 127.0.0.2 is allowed: localhost (127.0.0.1, ::1) must be refused
    let s = TestServer::start("127.0.0.2");
    let trip = Tripwire::start("127.0.1.1");
    let secret = format!("http://{}/secret", trip.addr);
    let cases = failing_feeds(&s, &secret);
    let private = private_links_feed(&s, &trip, &secret);
    let pagebomb = page_bomb_feed(&s);
    let notpages = not_pages_feed(&s);
    let silent = raw_server(Raw::Silent);
    let drip = raw_server(Raw::Drip);
    let endless = raw_server(Raw::Endless);
    let mut config = String::from(
        "[defaults]\nscrape = true\n[fetch]\ntimeout = \"4s\"\nconnect_timeout = \"2s\"\nmax_per_host = 8\nhost_gap = \"0s\"\nallow_networks = [\"127.0.0.2/32\"]\n",
    );
    let mut healthy = Vec::new();
    for h in ["alpha", "beta", "gamma"] {
        let url = healthy_feed(&s, h);
        config.push_str(&format!("[[feed]]\nname = \"{h}\"\nurl = \"{url}\"\n"));
        healthy.push(h);
    }
    for c in &cases {
        config.push_str(&format!(
            "[[feed]]\nname = \"{}\"\nurl = \"{}\"\n",
            c.name, c.url
        ));
    }
    config.push_str(&format!(
        "[[feed]]\nname = \"private\"\nurl = \"{}\"\n",
        private
    ));
    config.push_str(&format!(
        "[[feed]]\nname = \"pagebomb\"\nurl = \"{}\"\n",
        pagebomb
    ));
    config.push_str(&format!(
        "[[feed]]\nname = \"notpages\"\nurl = \"{}\"\n",
        notpages
    ));
    for (name, addr) in [("silent", silent), ("drip", drip), ("endless", endless)] {
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"http://{addr}/feed\"\n"
        ));
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");

    let (out, took, peak_kib) = poll_measured(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(took < Duration::from_secs(60), "bounded time: {took:?}");
    assert!(peak_kib < 200 * 1024, "peak memory {peak_kib} KiB");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(trip.hits(), 0, "a request reached 127.0.1.1");

    let export = crate::rasad(dir.path(), &["export"]);
    let export = String::from_utf8_lossy(&export.stdout);
    for h in &healthy {
        for i in 0..5 {
            assert!(
                export.contains(&format!("\"title\":\"{h} {i}\"")),
                "{h} {i} stored"
            );
            assert!(
                export.contains(&format!("{h} article {i}: residents")),
                "{h} {i} page text"
            );
        }
    }
    assert!(export.contains("\"title\":\"page bomb\"") && export.contains("feed text survives"));
    // items pointing at private addresses are stored, their pages refused
    for p in ["p1", "p2", "p3", "p4", "p5"] {
        assert!(export.contains(&format!("\"title\":\"{p}\"")), "{p} stored");
    }

    // a PDF and an image are kept as items, their pages named for what they were
    let db = rusqlite::Connection::open(dir.path().join("rasad.db")).expect("db");
    for (title, why) in [
        ("تقرير الحسكة", "not an HTML page: application/pdf"),
        ("صورة من القامشلي", "not an HTML page: image/jpeg"),
    ] {
        let err: Option<String> = db
            .query_row(
                "SELECT extraction_error FROM articles WHERE title = ?1",
                [title],
                |r| r.get(0),
            )
            .expect(title);
        assert!(
            err.as_deref().is_some_and(|e| e.contains(why)),
            "{title}: {err:?}"
        );
    }

    feeds_table_names_every_failure(dir.path(), &cases, &healthy);
}

/// `rasad feeds` gives each failing feed its reason and every healthy feed
/// its five articles.
fn feeds_table_names_every_failure(dir: &std::path::Path, cases: &[Case], healthy: &[&str]) {
    let feeds = crate::rasad(dir, &["feeds"]);
    let table = String::from_utf8_lossy(&feeds.stdout);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"))
            .to_string()
    };
    for c in cases {
        let r = row(c.name);
        assert!(c.reason.iter().any(|w| r.contains(w)), "{}: {r}", c.name);
    }
    for (name, words) in [
        ("silent", &["timed out"][..]),
        ("drip", &["timed out"][..]),
        ("endless", &["limit", "timed out"][..]),
    ] {
        let r = row(name);
        assert!(words.iter().any(|w| r.contains(w)), "{name}: {r}");
    }
    for h in healthy {
        // the ITEMS column: every healthy feed stored its five articles
        let r = row(h);
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert_eq!(cols.get(3), Some(&"5"), "{r}");
    }
}

#[test]
fn repairable_and_mislabelled_feeds_still_parse() {
    let s = TestServer::start("127.0.0.1");
    let arabic = "الحسكة والقامشلي";
    let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(arabic);
    let mut declared_latin1 = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>x</title><item><title>".to_vec();
    declared_latin1.extend(arabic.as_bytes()); // says Latin-1, sends UTF-8
    declared_latin1.extend(b"</title><link>http://127.0.0.1:9/a</link></item></channel></rss>");
    let mut declared_utf8 = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>x</title><item><title>".to_vec();
    declared_utf8.extend(cp1256.iter().copied().cycle().take(cp1256.len() * 3)); // says UTF-8, sends windows-1256
    declared_utf8.extend(b"</title><link>http://127.0.0.1:9/b</link></item></channel></rss>");
    s.route("/latin1.xml", Route::ok("application/xml", declared_latin1));
    s.route(
        "/utf8.xml",
        Route::ok("text/xml; charset=utf-8", declared_utf8),
    );
    s.route("/decl.xml", Route::ok("application/xml", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>d</title><?xml version=\"1.0\" encoding=\"UTF-8\"?><item><title>second declaration</title><link>http://127.0.0.1:9/c</link></item></channel></rss>"));
    s.route("/amp.xml", Route::ok("application/xml", "<rss version=\"2.0\"><channel><title>Q & A</title><item><title>Raqqa & Hasakah</title><link>http://127.0.0.1:9/d?a=1&b=2</link></item></channel></rss>"));
    let nested = format!(
        "<html><body>{}<p>deep</p></body></html>",
        "<div>".repeat(100_000)
    );
    s.route("/nested", Route::ok("text/html", nested));
    s.route("/nested.xml", Route::ok("application/rss+xml", format!("<rss version=\"2.0\"><channel><title>n</title><item><title>nested page</title><link>{}</link></item></channel></rss>", s.url("/nested"))));
    let dir = tempfile::tempdir().expect("tmp");
    let mut cfg = String::from("[defaults]\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.1/32\"]\nhost_gap = \"0s\"\n");
    for n in ["latin1", "utf8", "decl", "amp"] {
        cfg.push_str(&format!(
            "[[feed]]\nname = \"{n}\"\nurl = \"{}\"\n",
            s.url(&format!("/{n}.xml"))
        ));
    }
    cfg.push_str(&format!(
        "[[feed]]\nname = \"nested\"\nurl = \"{}\"\nscrape = true\n",
        s.url("/nested.xml")
    ));
    std::fs::write(dir.path().join("feeds.toml"), cfg).expect("config");
    let (out, took, _) = poll_measured(dir.path());
    assert!(out.status.success());
    assert!(took < Duration::from_secs(30), "{took:?}");
    let export = crate::rasad(dir.path(), &["export"]);
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(
        export.contains(&format!("\"title\":\"{arabic}\"")),
        "{export}"
    );
    assert!(
        export.contains(&format!("\"title\":\"{}\"", arabic.repeat(3))),
        "{export}"
    );
    assert!(export.contains("second declaration"));
    assert!(export.contains("Raqqa & Hasakah"));
    assert!(export.contains("nested page"));
}

fn integrity(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check")
}

fn count_articles(dir: &std::path::Path) -> usize {
    let out = crate::rasad(dir, &["export"]);
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn a_full_disk_loses_nothing_and_polling_resumes() {
    let s = TestServer::start("127.0.0.1");
    let mut cfg = String::from("[defaults]\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.1/32\"]\nhost_gap = \"0s\"\n");
    let body = "نص طويل عن الحسكة والقامشلي ودير الزور والرقة وكوباني. ".repeat(40);
    for f in 0..6 {
        let items: String = (0..40)
            .map(|i| format!("<item><title>خبر {f}-{i}</title><link>http://127.0.0.1:9/{f}/{i}</link><description>{body} {f}-{i}</description></item>"))
            .collect();
        s.route(
            &format!("/f{f}.xml"),
            Route::ok(
                "application/rss+xml",
                format!("<rss version=\"2.0\"><channel><title>f{f}</title>{items}</channel></rss>"),
            ),
        );
        cfg.push_str(&format!(
            "[[feed]]\nname = \"f{f}\"\nurl = \"{}\"\n",
            s.url(&format!("/f{f}.xml"))
        ));
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("feeds.toml"), cfg).expect("config");
    // a database capped at ~1 MiB fills up part way through the poll
    let full = crate::rasad_command(dir.path(), &["poll"])
        .env("RASAD_DB_MAX_PAGES", "260")
        .output()
        .expect("poll");
    let err = String::from_utf8_lossy(&full.stderr);
    assert!(err.contains("disk is full"), "a clear error: {err}");
    let db = dir.path().join("rasad.db");
    assert_eq!(integrity(&db), "ok");
    let partial = count_articles(dir.path());
    assert!(partial < 240, "the cap was reached ({partial} stored)");
    // space returns: the next poll stores the rest, nothing twice
    let out = crate::rasad(dir.path(), &["poll"]);
    assert!(out.status.success());
    assert_eq!(count_articles(dir.path()), 240);
    assert_eq!(integrity(&db), "ok");
}

/// Articles in a database as (url, title, text), read directly.
fn articles(db: &std::path::Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut st = conn
        .prepare(
            "SELECT COALESCE(a.url, a.key), COALESCE(a.title, ''), t.text
             FROM articles a JOIN article_texts t ON t.article_id = a.id ORDER BY 1",
        )
        .expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn crash_world(s: &TestServer, dir: &std::path::Path) {
    let mut cfg = String::from("[defaults]\nscrape = true\n[fetch]\nallow_networks = [\"127.0.0.1/32\"]\nhost_gap = \"0s\"\nmax_per_host = 16\n");
    for f in 0..20 {
        let items: String = (0..40)
            .map(|i| {
                let path = format!("/c{f}/{i}");
                format!("<item><title>story {f}-{i}</title><link>{}</link><guid>{f}-{i}</guid><description>teaser {f}-{i}</description></item>", s.url(&path))
            })
            .collect();
        s.route(
            &format!("/c{f}.xml"),
            Route::ok(
                "application/rss+xml",
                format!("<rss version=\"2.0\"><channel><title>c{f}</title>{items}</channel></rss>"),
            ),
        );
        cfg.push_str(&format!(
            "[[feed]]\nname = \"c{f}\"\nurl = \"{}\"\n",
            s.url(&format!("/c{f}.xml"))
        ));
    }
    std::fs::write(dir.join("feeds.toml"), cfg).expect("config");
}

#[test]
fn kill_9_at_random_moments_never_corrupts_or_loses_committed_articles() {
    let s = TestServer::start("127.0.0.1");
    for f in 0..20 {
        for i in 0..40 {
            s.route(
                &format!("/c{f}/{i}"),
                Route::ok("text/html", format!("<html><body><article><p>Body of story {f}-{i}: residents of Hasakah and Qamishli said prices rose again this week, officials said.</p><p>A second paragraph for story {f}-{i}, long enough to count as article text.</p></article></body></html>")),
            );
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    crash_world(&s, dir.path());
    let db = dir.path().join("rasad.db");
    let mut rng = crate::lcg::Lcg(0x5eed_2025);
    let mut next = || rng.next();
    let mut committed: Vec<(String, String, String)> = Vec::new();
    for round in 0..24 {
        if round % 6 == 5 {
            // a poll that completes: what it reports must survive every later kill
            let out = crate::rasad(dir.path(), &["poll", "-q"]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            committed = articles(&db);
            continue;
        }
        let mut child = crate::rasad_command(dir.path(), &["poll", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(30 + next() % 900));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if db.exists() {
            assert_eq!(integrity(&db), "ok", "round {round}");
            let now = articles(&db);
            for a in &committed {
                assert!(
                    now.iter().any(|b| b.0 == a.0),
                    "round {round}: lost {}",
                    a.0
                );
            }
        }
    }
    // one last uninterrupted poll equals a run that was never killed (forced:
    // feeds and pages a killed process was reading are held back for a while,
    // so that one that kills it cannot do so in a loop)
    let out = crate::rasad(dir.path(), &["poll", "-q", "--force"]);
    assert!(out.status.success());
    let clean = tempfile::tempdir().expect("tmp");
    crash_world(&s, clean.path());
    let out = crate::rasad(clean.path(), &["poll", "-q"]);
    assert!(out.status.success());
    let killed = articles(&db);
    let never = articles(&clean.path().join("rasad.db"));
    assert_eq!(killed.len(), 800, "no duplicates, nothing missing");
    assert_eq!(killed, never);
}
