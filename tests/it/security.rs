//! No page, feed or export can take rasad down or turn it against its user:
//! memory bombs for the parsers, a crash while parsing, hostile cells and
//! escape sequences, symlinks, slow redirects, Retry-After, several
//! processes on one database, and the per-host cap. Peak memory is sampled
//! from /proc with generous margins; times are for the bench, not here.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::server::{Route, TestServer};
use super::{measured, ok, page, rasad, rasad_command, rss_item, text, P1, P2, P3};

const MB: u64 = 1024;

fn config(dir: &Path, extra: &str, feeds: &[(&str, String)]) {
    let mut c =
        format!("[web]\nlisten = \"127.0.0.1:0\"\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n{extra}\n");
    for (name, url) in feeds {
        c.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    std::fs::write(dir.join("feeds.toml"), c).expect("config");
}

/// The config written by [`config`], with feeds that keep their own text
/// (no page is fetched).
fn text_only(dir: &Path) {
    let path = dir.join("feeds.toml");
    let c = std::fs::read_to_string(&path).expect("config");
    std::fs::write(path, format!("[defaults]\nscrape = false\n{c}")).expect("config");
}

fn rss(items: &str) -> String {
    format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

/// 24,000 unclosed `<b id=N>` then 200,000 `x<p>`: html5ever re-creates
/// every open formatting element in each paragraph.
fn formatting_bomb() -> String {
    let mut s = String::from("<html><body>");
    for n in 0..24_000 {
        s.push_str(&format!("<b id={n}>"));
    }
    s.push_str(&"x<p>".repeat(200_000));
    s
}

fn rows(dir: &Path) -> Vec<Value> {
    ok(rasad(dir, &["export"]))
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn parser_bombs_cost_bounded_memory() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    s.route("/bomb.html", Route::ok("text/html", formatting_bomb()));
    let summary_bomb = format!(
        "<item><title>summary bomb</title><guid>s1</guid><description><![CDATA[{}]]></description></item>",
        formatting_bomb()
    );
    s.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            rss(&format!(
                "{}{summary_bomb}",
                rss_item("bomb page", &s.url("/bomb.html"), "b1", "teaser")
            )),
        ),
    );
    // ~19 MB of empty RSS items and of empty JSON Feed items
    let empty_items = rss(&"<item/>".repeat(19 * 1024 * 1024 / 7));
    s.route("/items.xml", Route::ok("application/rss+xml", empty_items));
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"j\",\"items\":[{}]}}",
        vec!["{}"; 19 * 1024 * 1024 / 3].join(",")
    );
    s.route("/items.json", Route::ok("application/feed+json", json));
    // one item with a huge array, one element with a huge attribute list
    let tags = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"j\",\"items\":[{{\"id\":\"1\",\"content_text\":\"t\",\"tags\":[{}]}}]}}",
        vec!["\"a\""; 19 * 1024 * 1024 / 4].join(",")
    );
    s.route("/tags.json", Route::ok("application/feed+json", tags));
    let attrs: String = (0..19 * 1024 * 1024 / 12)
        .map(|i| format!(" a{i}=\"1\""))
        .collect();
    let attrs = rss(&format!(
        "<item><title{attrs}>attrs</title><guid>a</guid></item>"
    ));
    s.route("/attrs.xml", Route::ok("application/rss+xml", attrs));
    config(
        dir.path(),
        "",
        &[
            ("bombs", s.url("/feed")),
            ("items", s.url("/items.xml")),
            ("json", s.url("/items.json")),
            ("tags", s.url("/tags.json")),
            ("attrs", s.url("/attrs.xml")),
        ],
    );
    // each hostile feed on its own: the bound is per page and per feed
    let mut logs = String::new();
    for feed in ["bombs", "items", "json", "tags", "attrs"] {
        let (out, took, peak) = measured(dir.path(), &["poll", "--feed", feed]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        println!(
            "parser bombs, feed {feed}: poll {:.2} s, peak RSS {} MB",
            took.as_secs_f64(),
            peak / MB
        );
        assert!(peak < 200 * MB, "{feed}: peak RSS {} MB", peak / MB);
        logs.push_str(&stderr);
    }
    let rows = rows(dir.path());
    let titled = |t: &str| rows.iter().any(|r| r["title"] == t);
    assert!(
        titled("bomb page") && titled("summary bomb"),
        "both items stored"
    );
    assert!(titled("attrs"), "the item with a huge tag is stored");
    assert!(
        rows.iter().any(|r| r["feed"] == "tags"),
        "the item with a huge array is stored"
    );
    let from_items = rows.iter().filter(|r| r["feed"] == "items").count();
    assert_eq!(from_items, 5000, "the item cap holds");
    assert!(logs.contains("cap"), "the cut is logged: {logs}");
}

#[test]
fn a_process_that_dies_parsing_a_page_backs_it_off() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    // a page that takes a while to parse (bounded, but long enough to be killed in)
    let mut heavy = String::from("<html><body>");
    for i in 0..60_000 {
        heavy.push_str(&format!(
            "<div class=c{i}><p>paragraph {i} of a long page</p></div>"
        ));
    }
    s.route("/heavy.html", Route::ok("text/html", heavy));
    s.route(
        "/ok.html",
        Route::ok("text/html", page("عنوان", &[P1, P2], None)),
    );
    s.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            rss(&format!(
                "{}{}",
                rss_item("heavy", &s.url("/heavy.html"), "h", "teaser"),
                rss_item("fine", &s.url("/ok.html"), "o", "teaser")
            )),
        ),
    );
    config(dir.path(), "max_per_host = 1", &[("f", s.url("/feed"))]);
    let mut child = rasad_command(dir.path(), &["poll", "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while s.requests_for("/heavy.html").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "page never requested"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL while the page is read
    let _ = child.wait();
    // the next poll completes and leaves the page alone
    ok(rasad(dir.path(), &["poll"]));
    assert_eq!(
        s.requests_for("/heavy.html").len(),
        1,
        "backed off, not read again"
    );
    let feeds = ok(rasad(dir.path(), &["feeds"]));
    assert!(
        feeds.contains("rasad stopped while reading this page"),
        "{feeds}"
    );
    let rows = rows(dir.path());
    let heavy = rows.iter().find(|r| r["title"] == "heavy").expect("stored");
    assert_eq!(heavy["text"], "teaser", "the feed text is kept meanwhile");
    // forced, it is read
    ok(rasad(dir.path(), &["poll", "--force"]));
    assert_eq!(s.requests_for("/heavy.html").len(), 2);
}

#[test]
fn csv_cells_are_never_formulas() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    let item = "<item><title>=HYPERLINK(\"http://evil.example\",\"click\")</title><guid>g</guid>\
<description>=cmd|' /C calc'!A0</description><author>@SUM(1)</author></item>\
<item><title>+1+1 الحسكة</title><guid>g2</guid><description>-2+3</description></item>";
    s.route("/feed", Route::ok("application/rss+xml", rss(item)));
    config(dir.path(), "", &[("f", s.url("/feed"))]);
    text_only(dir.path());
    ok(rasad(dir.path(), &["poll"]));
    for args in [
        &["export", "--format", "csv"][..],
        &["export", "--format", "csv", "--excel"],
    ] {
        let out = ok(rasad(dir.path(), args));
        let mut cells = Vec::new();
        let mut rdr = out.trim_start_matches('\u{feff}');
        // split records and fields (quoted fields may hold commas)
        while !rdr.is_empty() {
            let (cell, rest) = if let Some(r) = rdr.strip_prefix('"') {
                let mut end = 0;
                let b = r.as_bytes();
                while end < b.len() {
                    if b[end] == b'"' && b.get(end + 1) == Some(&b'"') {
                        end += 2;
                    } else if b[end] == b'"' {
                        break;
                    } else {
                        end += 1;
                    }
                }
                (r[..end].replace("\"\"", "\""), &r[(end + 1).min(r.len())..])
            } else {
                let end = rdr.find([',', '\r']).unwrap_or(rdr.len());
                (rdr[..end].to_string(), &rdr[end..])
            };
            cells.push(cell);
            rdr = rest.trim_start_matches(',').trim_start_matches("\r\n");
        }
        for c in &cells {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {c:?} in {args:?}"
            );
        }
        assert!(
            cells
                .iter()
                .any(|c| c == "'=HYPERLINK(\"http://evil.example\",\"click\")"),
            "{cells:?}"
        );
        assert!(cells.iter().any(|c| c == "'+1+1 الحسكة"));
    }
}

/// A raw server answering every request with `head` (status line and
/// headers) and `body`.
fn raw(head: &'static str, body: &'static str) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.3:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut conn in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                format!(
                    "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    addr
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    let esc = "\u{1b}[2J\u{1b}]0;owned\u{7}";
    let item = format!(
        "<item><title>الحسكة {esc} Hasakah</title><guid>e</guid><description>Hasakah {esc} text</description></item>"
    );
    s.route("/feed", Route::ok("application/rss+xml", rss(&item)));
    let bad = raw("HTTP/1.1 500 \u{1b}[31mBroken\u{1b}[0m", "x");
    std::fs::write(
        dir.path().join("feeds.toml"),
        format!(
            "[defaults]\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n\
[[feed]]\nname = \"f \\u001b[2J\\u0007\"\nurl = \"{}\"\n[[feed]]\nname = \"bad\"\nurl = \"http://{bad}/feed\"\n",
            s.url("/feed")
        ),
    )
    .expect("config");
    let mut printed = Vec::new();
    let refused = rasad(dir.path(), &["check-config"]);
    assert!(!refused.status.success(), "a name with ESC is refused");
    printed.extend_from_slice(&refused.stderr);
    std::fs::write(
        dir.path().join("feeds.toml"),
        format!(
            "[defaults]\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n\
[[feed]]\nname = \"f\"\nurl = \"{}\"\n[[feed]]\nname = \"bad\"\nurl = \"http://{bad}/feed\"\n",
            s.url("/feed")
        ),
    )
    .expect("config");
    for args in [
        &["poll"][..],
        &["feeds"],
        &["search", "Hasakah"],
        &["search", "الحسكة"],
        &["export", "--format", "csv"],
    ] {
        let out = rasad(dir.path(), args);
        printed.extend_from_slice(&out.stdout);
        printed.extend_from_slice(&out.stderr);
    }
    let shown = String::from_utf8_lossy(&printed);
    assert!(shown.contains("Hasakah"), "{shown}");
    let escs = printed.iter().filter(|&&b| b == 0x1b || b == 0x07).count();
    assert_eq!(escs, 0, "ESC/BEL bytes reached the terminal:\n{shown}");
}

#[test]
fn outputs_never_follow_a_planted_symlink() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    s.route(
        "/feed",
        Route::ok(
            "application/rss+xml",
            rss("<item><title>t</title><guid>g</guid><description>نص</description></item>"),
        ),
    );
    config(dir.path(), "", &[("f", s.url("/feed"))]);
    text_only(dir.path());
    ok(rasad(dir.path(), &["poll"]));
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").expect("victim");
    for (file, format) in [("x.csv", "csv"), ("x.jsonl", "jsonl"), ("x.opml", "opml")] {
        let out = dir.path().join(file);
        std::os::unix::fs::symlink(&victim, &out).expect("symlink");
        ok(rasad(
            dir.path(),
            &["export", "--format", format, "-o", file],
        ));
        assert_eq!(
            std::fs::read_to_string(&victim).expect("read"),
            "precious",
            "{file}"
        );
        let meta = std::fs::symlink_metadata(&out).expect("meta");
        assert!(
            !meta.file_type().is_symlink(),
            "{file} replaced, not followed"
        );
        assert!(std::fs::metadata(&out).expect("meta").len() > 0);
    }
    let partials = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .count();
    assert_eq!(partials, 0);
}

#[test]
fn extract_out_dir_keeps_dotted_names_apart() {
    // whole stems, and two inputs never share an output
    let dir = tempfile::tempdir().expect("tmp");
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(pages.join("again")).expect("dirs");
    let html = page("t", &[P1, P2, P3], None);
    for name in [
        "20111215_www.bbc.co.uk_aaa.html",
        "20111215_www.bbc.co.uk_bbb.html",
        "a.b.html",
    ] {
        std::fs::write(pages.join(name), &html).expect("page");
    }
    let out_dir = dir.path().join("out");
    ok(rasad(
        dir.path(),
        &[
            "extract",
            "--out-dir",
            "out",
            "pages/20111215_www.bbc.co.uk_aaa.html",
            "pages/20111215_www.bbc.co.uk_bbb.html",
            "pages/a.b.html",
        ],
    ));
    let mut made: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            "20111215_www.bbc.co.uk_aaa.txt",
            "20111215_www.bbc.co.uk_bbb.txt",
            "a.b.txt"
        ]
    );
    std::fs::write(pages.join("again/a.b.html"), &html).expect("page");
    let o = rasad(
        dir.path(),
        &[
            "extract",
            "--out-dir",
            "out2",
            "pages/a.b.html",
            "pages/again/a.b.html",
        ],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("would both be written"),
        "{}",
        text(&o).1
    );
    assert!(!dir.path().join("out2").exists(), "nothing written");
}

#[test]
fn the_timeout_bounds_a_whole_redirect_chain() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    for i in 0..5 {
        s.route(
            &format!("/hop{i}"),
            Route::status(302)
                .header("location", &format!("/hop{}", i + 1))
                .delay(Duration::from_millis(800)),
        );
    }
    s.route("/hop5", Route::ok("application/rss+xml", rss("")));
    config(dir.path(), "timeout = \"2s\"", &[("slow", s.url("/hop0"))]);
    let started = Instant::now();
    ok(rasad(dir.path(), &["poll"]));
    let took = started.elapsed();
    println!(
        "slow redirect chain under timeout = 2s: poll took {:.2} s",
        took.as_secs_f64()
    );
    let feeds = ok(rasad(dir.path(), &["feeds"]));
    assert!(feeds.contains("timed out"), "{feeds}");
    assert!(s.requests_for("/hop5").is_empty(), "the chain was cut");
}

#[test]
fn retry_after_holds_later_polls_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    s.route("/feed", Route::status(429).header("retry-after", "3600"));
    config(dir.path(), "", &[("busy", s.url("/feed"))]);
    ok(rasad(dir.path(), &["poll"]));
    let second = ok(rasad(dir.path(), &["poll"]));
    assert_eq!(s.requests_for("/feed").len(), 1, "the second poll waited");
    assert!(second.contains("skipped: 1 held back"), "{second}");
    let feeds = ok(rasad(dir.path(), &["feeds"]));
    assert!(feeds.contains("held until"), "{feeds}");
    ok(rasad(dir.path(), &["poll", "--force"]));
    assert_eq!(s.requests_for("/feed").len(), 2, "--force fetches it");
}

fn news_world(s: &TestServer, feeds: usize, items: usize) -> Vec<(String, String)> {
    let mut list = Vec::new();
    for f in 0..feeds {
        let mut xml = String::new();
        for i in 0..items {
            let path = format!("/f{f}/{i}");
            s.route(
                &path,
                Route::ok(
                    "text/html",
                    page(
                        &format!("خبر {f}-{i}"),
                        &[&format!("{P1} ({f}-{i})"), P2],
                        None,
                    ),
                )
                .delay(Duration::from_millis(20)),
            );
            xml.push_str(&rss_item(
                &format!("خبر {f}-{i}"),
                &s.url(&path),
                &path,
                "موجز",
            ));
        }
        s.route(
            &format!("/feed{f}"),
            Route::ok("application/rss+xml", rss(&xml)),
        );
        list.push((format!("feed{f}"), s.url(&format!("/feed{f}"))));
    }
    list
}

#[test]
fn several_processes_share_one_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    let feeds = news_world(&s, 3, 10);
    let named: Vec<(&str, String)> = feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    config(dir.path(), "", &named);
    let spawn = || {
        rasad_command(dir.path(), &["poll"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    // two polls started together on a fresh file
    let dir2 = tempfile::tempdir().expect("tmp");
    config(dir2.path(), "", &named);
    let two: Vec<_> = (0..2)
        .map(|_| {
            rasad_command(dir2.path(), &["poll"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in two {
        let out = c.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(rows(dir2.path()).len(), 30, "nothing twice");
    // a poll and exports beside a running daemon
    let mut daemon = rasad_command(dir.path(), &["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("daemon");
    std::thread::sleep(Duration::from_millis(300));
    let poll = spawn();
    for _ in 0..5 {
        let out = rasad(dir.path(), &["export"]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let out = poll.wait_with_output().expect("poll");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let status = daemon.wait().expect("daemon");
    assert!(status.success(), "daemon exit {status}");
    let rows = rows(dir.path());
    assert_eq!(rows.len(), 30, "nothing twice");
}

#[test]
fn max_per_host_counts_every_request_to_a_host() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.2");
    let feeds = news_world(&s, 3, 12);
    let named: Vec<(&str, String)> = feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    config(dir.path(), "max_per_host = 2", &named);
    ok(rasad(dir.path(), &["poll"]));
    let c = s.counts();
    println!("max_per_host = 2: {} connections in all, at most {} open and {} requests in flight at once", c.connections, c.max_open, c.max_in_flight);
    assert_eq!(rows(dir.path()).len(), 36);
    // requests: never more than two at once, feeds and pages together
    assert!(c.max_in_flight <= 2, "{c:?}");
    // connections: never more than two open at once, and reused (36 pages
    // and 3 feeds over a handful, not one per request)
    assert!(c.max_open <= 2, "{c:?}");
    assert!(c.connections <= 2, "{c:?}");
}
