//! The web reader: the real binary (`serve`, `run`) over a database filled
//! by a real poll, asked over real HTTP on loopback.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::server::{Route, TestServer};
use super::{ok, page, rasad, rasad_command, rss_item, EN1, KU1, P1, P2, P3};

/// Arabic with «بالحسكة» (the search for «حسكة» must find it).
pub const BI_HASAKAH: &str = "وقال سكان بالحسكة إن أسعار الخبز والمحروقات ارتفعت بشكل كبير بعد إغلاق معبر سيمالكا مع إقليم كردستان، وسط مخاوف من شتاء قاس.";

/// One answer of the reader.
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// One HTTP/1.1 request over a fresh connection (chunked bodies decoded).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect to the reader");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let mut headers = HashMap::new();
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut raw = Vec::new();
    r.read_to_end(&mut raw).expect("body");
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        dechunk(&raw)
    } else {
        raw
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let Some(chunk) = raw.get(end + 2..end + 2 + size).filter(|_| size > 0) else {
            break;
        };
        out.extend_from_slice(chunk);
        raw = raw.get(end + 4 + size..).unwrap_or_default();
    }
    out
}

pub fn get(addr: &str, path: &str) -> Answer {
    request(addr, "GET", path, &[], b"")
}

/// `path` with its query string percent-encoded.
pub fn q(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// Two outlets on two addresses: an Arabic outlet (an article with an
/// English paragraph, one saying «بالحسكة», one in Kurmanji) and a second
/// outlet carrying the first article's text.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    /// The two outlets, served as long as the fixture lives.
    _outlets: (TestServer, TestServer),
}

pub fn fixture(extra_config: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let a = TestServer::start("127.0.0.1");
    let b = TestServer::start("127.0.0.2");
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>نورث برس</title>{}{}{}</channel></rss>",
        rss_item(
            "اشتباكات في ريف دير الزور والحسكة",
            &a.url("/news/1"),
            "np-1",
            "اشتباكات"
        ),
        rss_item("ارتفاع الأسعار بالحسكة", &a.url("/news/2"), "np-2", "الأسعار"),
        rss_item("Alîkarî li Kobanê", &a.url("/ku/1"), "np-3", "Kobanê"),
    );
    a.route("/rss.xml", Route::ok("application/rss+xml", rss));
    a.route(
        "/news/1",
        Route::ok(
            "text/html; charset=utf-8",
            page(
                "اشتباكات في ريف دير الزور والحسكة",
                &[P1, EN1, P2, P3],
                None,
            ),
        ),
    );
    a.route(
        "/news/2",
        Route::ok(
            "text/html; charset=utf-8",
            page("ارتفاع الأسعار بالحسكة", &[BI_HASAKAH, P2], None),
        ),
    );
    a.route(
        "/ku/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("Alîkarî li Kobanê", &[KU1, KU1], None).replace("dir=\"rtl\"", "lang=\"ku\""),
        ),
    );
    let copy = format!(
        "<rss version=\"2.0\"><channel><title>Copy</title>{}</channel></rss>",
        rss_item(
            "اشتباكات في دير الزور",
            &b.url("/copy/1"),
            "c-1",
            "اشتباكات"
        ),
    );
    b.route("/rss.xml", Route::ok("application/rss+xml", copy));
    b.route(
        "/copy/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في دير الزور", &[P1, EN1, P2, P3], None),
        ),
    );
    let config = format!(
        "db = \"rasad.db\"\n{extra_config}\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n\
         [[feed]]\nname = \"North Press\"\nurl = \"{}\"\nlang = \"ar\"\n\
         [[feed]]\nname = \"Copy\"\nurl = \"{}\"\nlang = \"ar\"\n",
        a.url("/rss.xml"),
        b.url("/rss.xml")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    // the outlet first, the copy after: who was first is known
    ok(rasad(dir.path(), &["poll", "--feed", "North Press"]));
    ok(rasad(dir.path(), &["poll", "--feed", "Copy"]));
    Fixture {
        dir,
        _outlets: (a, b),
    }
}

/// A running reader process and its address.
pub struct Served {
    pub child: Child,
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rasad ARGS` in `dir` and waits for the reader's address in its log.
pub fn serve(dir: &Path, args: &[&str]) -> Served {
    let mut child = rasad_command(dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rasad");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://127.0.0.1:") {
                let addr = line[i + 7..]
                    .trim_end_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the reader's address in the log");
    Served { child, addr }
}

fn ids(f: &Fixture) -> Vec<Value> {
    let out = ok(rasad(f.dir.path(), &["export"]));
    out.lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect()
}

fn by_title<'a>(rows: &'a [Value], title: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["title"] == title)
        .unwrap_or_else(|| panic!("no {title:?} in {rows:?}"))
}

/// Headers every answer carries.
fn assert_guarded(a: &Answer) {
    let csp = a.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(a.header("x-content-type-options"), "nosniff");
    assert_eq!(a.header("referrer-policy"), "no-referrer");
}

#[test]
fn reader_pages_over_a_polled_database() {
    let f = fixture("");
    let rows = ids(&f);
    let first = by_title(&rows, "اشتباكات في ريف دير الزور والحسكة");
    let copy = by_title(&rows, "اشتباكات في دير الزور");
    assert_eq!(
        first["story_id"], copy["story_id"],
        "the copy is in the story: {rows:?}"
    );
    let story = first["story_id"].as_i64().expect("story id");
    let s = serve(f.dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    let addr = s.addr.as_str();

    let front = get(addr, "/");
    assert_eq!(front.status, 200, "{}", front.text());
    assert_guarded(&front);
    let html = front.text();
    assert!(html.len() < 100 * 1024);
    assert!(html.contains(&format!("/story/{story}")), "{html}");
    assert!(
        html.contains("2 outlets"),
        "two outlets carried the story: {html}"
    );
    assert!(html.contains("dir=\"auto\""));
    // Arabic chrome for an Arabic browser
    let ar = request(
        addr,
        "GET",
        "/",
        &[("Accept-Language", "ar-SY,ar;q=0.9,en;q=0.5")],
        b"",
    );
    assert!(
        ar.text().contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        ar.text()
    );
    assert!(ar.text().contains("منفذان"), "{}", ar.text());
    // the stylesheet under a hashed name, cached for good
    let css = html
        .split("href=\"/static/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("css link");
    let asset = get(addr, &format!("/static/{css}"));
    assert_eq!(asset.status, 200);
    assert!(asset.header("content-type").starts_with("text/css"));
    assert!(asset.header("cache-control").contains("immutable"));

    // the story: both copies, the first marked, the lag of the other
    let page = get(addr, &format!("/story/{story}")).text();
    assert!(
        page.contains("127.0.0.1") && page.contains("127.0.0.2"),
        "{page}"
    );
    assert!(page.contains("class=\"first\""), "{page}");
    assert!(page.contains("+0 min") || page.contains("+1 min"), "{page}");
    let other = get(addr, &format!("/story/{story}?a={}", copy["id"])).text();
    assert!(other.contains(P2));
    assert_eq!(get(addr, &format!("/story/{story}?a=999999")).status, 404);

    // the article: fields, sightings, body with a direction per block
    let art = get(addr, &format!("/article/{}", first["id"])).text();
    for part in [
        "North Press",
        "/news/1",
        "Sightings",
        "extraction ok",
        P1,
        EN1,
    ] {
        assert!(art.contains(part), "{part} missing: {art}");
    }
    assert!(art.contains(&format!("<p dir=\"auto\">{EN1}</p>")), "{art}");
    assert!(!art.contains("التعليقات مغلقة"), "{art}");

    // search: «حسكة» finds الحسكة and بالحسكة, with the match marked
    let found = get(addr, &q("/search", &[("q", "حسكة")]));
    assert_eq!(found.status, 200, "{:?}", found.headers);
    let found = found.text();
    assert!(
        found.contains("ارتفاع الأسعار بالحسكة")
            && found.contains("اشتباكات في ريف دير الزور والحسكة"),
        "{} bytes: {found}",
        found.len()
    );
    assert!(found.contains("<mark>"), "{found}");
    let none = get(addr, &q("/search", &[("q", "حسكة"), ("lang", "en")])).text();
    assert!(!none.contains("بالحسكة</a>"), "{none}");

    // places under any name; outlets; feeds
    let arabic = url::Url::parse("http://x/place/رأس العين").expect("url");
    let place = get(addr, arabic.path()).text();
    assert!(place.contains("Ras al-Ain"), "{place}");
    let kobani = get(addr, "/place/Koban%C3%AA");
    assert_eq!(kobani.status, 200);
    assert!(
        kobani.text().contains("Alîkarî li Kobanê"),
        "{}",
        kobani.text()
    );
    assert!(get(addr, "/places").text().contains("Kobani"));
    assert!(get(addr, "/outlets").text().contains("127.0.0.2"));
    let outlet = get(addr, "/outlet/127.0.0.1").text();
    assert!(
        outlet.contains("<svg") && outlet.contains("North Press") && outlet.contains("<rect"),
        "{outlet}"
    );
    assert!(get(addr, "/feeds").text().contains("Copy"));

    // every list as Atom, CSV and JSON Lines
    let csv = get(addr, "/?format=csv");
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.text().starts_with("id,"), "{}", csv.text());
    let jsonl = get(addr, &q("/search", &[("q", "حسكة"), ("format", "jsonl")])).text();
    assert_eq!(jsonl.lines().count(), 3, "{jsonl}");
    // a watch's feed (no watch matched anything here: an empty feed)
    let watch = get(addr, "/watch/kobani.atom");
    assert_eq!(watch.status, 200);
    assert!(feed_rs::parser::parse(&watch.body[..]).is_ok_and(|f| f.entries.is_empty()));
    assert_eq!(get(addr, "/watch/Kobani").status, 404);
    let atom = get(addr, "/place/kobani?format=atom");
    let feed = feed_rs::parser::parse(&atom.body[..]).expect("Atom");
    assert_eq!(feed.entries.len(), 1);

    // bad input: a 4xx page saying what was wrong
    for (path, status, says) in [
        ("/article/999999", 404, "no article 999999"),
        ("/article/abc", 400, "article"),
        ("/story/0", 400, "story"),
        ("/?since=yesterday", 400, "since"),
        ("/search?page=0&q=x", 400, "page"),
        ("/place/Atlantis", 404, "Atlantis"),
        ("/nowhere", 404, "no such page"),
    ] {
        let a = get(addr, path);
        assert_eq!(a.status, status, "{path}: {}", a.text());
        assert!(a.text().contains(says), "{path}: {}", a.text());
        assert_guarded(&a);
    }
    // read-only: nothing but GET (and the login form)
    assert_eq!(request(addr, "POST", "/", &[], b"x").status, 405);
    assert_eq!(
        request(
            addr,
            "DELETE",
            &format!("/article/{}", first["id"]),
            &[],
            b""
        )
        .status,
        405
    );
}

#[test]
fn reader_api_speaks_the_export_fields() {
    let f = fixture("");
    let rows = ids(&f);
    let first = by_title(&rows, "اشتباكات في ريف دير الزور والحسكة");
    let s = serve(f.dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    let addr = s.addr.as_str();

    let found = get(
        addr,
        &q("/api/v1/search", &[("q", "حسكة"), ("limit", "10")]),
    );
    assert_eq!(found.status, 200);
    assert!(found.header("content-type").starts_with("application/json"));
    let results = found.json()["results"]
        .as_array()
        .cloned()
        .expect("results");
    // the two articles saying الحسكة and بالحسكة, and the syndicated copy
    assert_eq!(results.len(), 3, "{results:?}");
    for r in &results {
        assert!(
            r["score"].as_f64().is_some() && r["snippet"].as_str().is_some_and(|s| s.contains('['))
        );
        for field in [
            "id",
            "story_id",
            "url",
            "feed",
            "site",
            "title",
            "first_seen",
            "lang",
            "text",
            "places",
            "sightings",
        ] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
    let stories = get(addr, "/api/v1/stories?since=24h").json();
    let list = stories["stories"].as_array().cloned().expect("stories");
    let story = list
        .iter()
        .find(|s| s["story_id"] == first["story_id"])
        .expect("the story");
    assert_eq!(story["articles"].as_array().map(Vec::len), Some(2));
    assert_eq!(story["first_outlet"], "127.0.0.1", "{story}");
    let one = get(addr, &format!("/api/v1/stories/{}", first["story_id"])).json();
    assert_eq!(one["outlets"].as_array().map(Vec::len), Some(2));
    let art = get(addr, &format!("/api/v1/articles/{}", first["id"])).json();
    assert_eq!(art["title"], first["title"]);
    assert_eq!(art["text"], first["text"]);
    assert!(art["html"]
        .as_str()
        .is_some_and(|h| h.contains("dir=\"auto\"")));
    let feeds = get(addr, "/api/v1/feeds").json();
    assert_eq!(feeds["feeds"].as_array().map(Vec::len), Some(2));

    for (path, status) in [
        ("/api/v1/articles/abc", 400),
        ("/api/v1/articles/424242", 404),
        ("/api/v1/stories/424242", 404),
        ("/api/v1/search", 400),
        ("/api/v1/search?q=x&until=never", 400),
        ("/api/v1/nothing", 404),
    ] {
        let a = get(addr, path);
        assert_eq!(a.status, status, "{path}");
        assert!(
            a.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}"
        );
    }
}

#[test]
fn reader_token_is_required_when_set() {
    let token = "s3cret-token-for-the-reader";
    let f = fixture(&format!(
        "[web]\nlisten = \"127.0.0.1:0\"\ntoken = \"{token}\""
    ));
    let s = serve(f.dir.path(), &["serve"]);
    let addr = s.addr.as_str();
    let front = get(addr, "/");
    assert_eq!(front.status, 303, "{}", front.text());
    assert!(front.header("location").starts_with("/login?next=%2F"));
    assert_eq!(get(addr, "/login").status, 200);
    let api = get(addr, "/api/v1/feeds");
    assert_eq!(api.status, 401);
    assert_eq!(api.header("www-authenticate"), "Bearer");
    let bearer = format!("Bearer {token}");
    let with = request(
        addr,
        "GET",
        "/api/v1/feeds",
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(with.status, 200);
    let wrong = request(
        addr,
        "GET",
        "/api/v1/feeds",
        &[("Authorization", "Bearer not-the-token-at-all")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let bad = request(addr, "POST", "/login", &form, b"token=nope&next=%2Ffeeds");
    assert_eq!(bad.status, 401);
    let body = format!("token={token}&next=%2Ffeeds");
    let good = request(addr, "POST", "/login", &form, body.as_bytes());
    assert_eq!(good.status, 303);
    assert_eq!(good.header("location"), "/feeds");
    let cookie = good
        .header("set-cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.starts_with("rasad_session=") && !cookie.contains(token),
        "{cookie}"
    );
    assert!(good.header("set-cookie").contains("HttpOnly"));
    let feeds = request(addr, "GET", "/feeds", &[("Cookie", &cookie)], b"");
    assert_eq!(feeds.status, 200);
    assert!(feeds.text().contains("North Press"));
    // never sent elsewhere after logging in
    let away = request(
        addr,
        "POST",
        "/login",
        &form,
        format!("token={token}&next=%2F%2Fevil.example").as_bytes(),
    );
    assert_eq!(away.header("location"), "/");
}

#[test]
fn run_serves_the_reader_beside_polling() {
    let f = fixture("[web]\nlisten = \"127.0.0.1:0\"");
    let mut s = serve(f.dir.path(), &["run"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = get(&s.addr, "/api/v1/feeds");
        if a.status == 200 && a.json()["feeds"].as_array().is_some_and(|f| f.len() == 2) {
            break;
        }
        assert!(Instant::now() < deadline, "{}", a.text());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(get(&s.addr, "/").text().contains("outlets"));
    let pid = s.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "the daemon did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}
