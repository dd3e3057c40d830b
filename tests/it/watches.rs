//! Watches and silence end to end: the real daemon (and poll), a real
//! webhook receiver on loopback that can be down, a SIGHUP that adds a
//! watch, and outlets whose history says they publish daily.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::server::{Route, TestServer};
use super::{ok, page, rasad, rasad_command, rss_item, P1, P2};

const KOBANI: &str = "وقال مسؤولون في مدينة كوباني إن المساعدات الإنسانية وصلت إلى المخيمات بعد أسابيع من الانتظار، وسط نقص حاد في الوقود والأدوية.";
const RAQQA: &str = "وفي مدينة الرقة، أعلنت الإدارة المحلية عن افتتاح ثلاث مدارس جديدة في الأحياء الشرقية بعد ترميمها، بحضور عشرات الأهالي.";
const SECRET: &str = "a-long-shared-secret-for-hooks";

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A webhook receiver on a fixed loopback port that can be stopped and
/// started again on the same port.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Got>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port()
    }

    fn new(port: u16) -> Receiver {
        Receiver {
            port,
            got: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        }
    }

    fn start(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind the receiver");
        self.stop.store(false, Ordering::SeqCst);
        let (got, stop) = (Arc::clone(&self.got), Arc::clone(&self.stop));
        self.thread = Some(std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    if let Some(g) = read_post(c) {
                        got.lock().expect("got").push(g);
                    }
                }
            }
        }));
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn posts(&self, path: &str) -> Vec<Got> {
        self.got
            .lock()
            .expect("got")
            .iter()
            .filter(|g| g.path == path)
            .cloned()
            .collect()
    }

    fn wait_for(&self, path: &str, n: usize, what: &str) -> Vec<Got> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let posts = self.posts(path);
            if posts.len() >= n {
                return posts;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: {} posts to {path}",
                posts.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.halt();
    }
}

fn read_post(mut c: TcpStream) -> Option<Got> {
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut r = BufReader::new(c.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let path = line.split(' ').nth(1)?.to_string();
    let mut headers = HashMap::new();
    loop {
        line.clear();
        r.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    Some(Got {
        path,
        headers,
        body,
    })
}

fn json(g: &Got) -> Value {
    serde_json::from_slice(&g.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&g.body)))
}

fn signed(g: &Got) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(&g.body);
    let want = format!("sha256={}", rasad::text::hex(&mac.finalize().into_bytes()));
    g.headers.get("x-rasad-signature") == Some(&want)
}

fn feed(s: &TestServer, items: &[(&str, &str, &str)]) {
    let body: String = items
        .iter()
        .map(|(t, path, guid)| rss_item(t, &s.url(path), guid, t))
        .collect();
    s.route(
        "/rss.xml",
        Route::ok(
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>نورث برس</title>{body}</channel></rss>"),
        ),
    );
}

fn watch_config(s: &TestServer, hook: &Receiver, extra: &str) -> String {
    format!(
        "db = \"rasad.db\"\n[web]\nlisten = \"\"\n[defaults]\ninterval = \"1s\"\n\
         [fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n\
         [[feed]]\nname = \"North Press\"\nurl = \"{}\"\nlang = \"ar\"\n\
         [[watch]]\nname = \"kobani\"\nplaces = [\"Kobanê\"]\nwebhook = \"{}\"\nsecret = \"{SECRET}\"\nntfy = \"{}\"\n{extra}",
        s.url("/rss.xml"),
        hook.url("/hook"),
        hook.url("/ntfy/kobani"),
    )
}

fn run(dir: &Path) -> std::process::Child {
    rasad_command(dir, &["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("daemon")
}

fn term(mut child: std::process::Child) {
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "the daemon did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_watched_place_is_delivered_once_signed_retried_and_reloaded() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.1");
    let mut hook = Receiver::new(Receiver::free_port());
    hook.start();
    s.route(
        "/news/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("مساعدات إلى كوباني", &[KOBANI, P2], None),
        ),
    );
    s.route(
        "/news/2",
        Route::ok(
            "text/html; charset=utf-8",
            page("اشتباكات في دير الزور", &[P1, P2], None),
        ),
    );
    feed(
        &s,
        &[
            ("مساعدات إلى كوباني", "/news/1", "n1"),
            ("اشتباكات في دير الزور", "/news/2", "n2"),
        ],
    );
    std::fs::write(dir.path().join("feeds.toml"), watch_config(&s, &hook, "")).expect("config");
    let daemon = run(dir.path());

    // exactly one delivery per endpoint, signed, with the export's fields
    let posts = hook.wait_for("/hook", 1, "the first match");
    let ntfy = hook.wait_for("/ntfy/kobani", 1, "the ntfy post");
    std::thread::sleep(Duration::from_secs(3)); // several more polls
    assert_eq!(hook.posts("/hook").len(), 1, "once per article and watch");
    assert_eq!(hook.posts("/ntfy/kobani").len(), 1);
    let v = json(&posts[0]);
    assert!(signed(&posts[0]), "{:?}", posts[0].headers);
    assert_eq!(v["watch"], "kobani");
    assert_eq!(v["event"], "article");
    assert_eq!(v["article"]["title"], "مساعدات إلى كوباني");
    assert!(v["article"]["text"]
        .as_str()
        .is_some_and(|t| t.contains(KOBANI)));
    assert!(v["article"]["url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/news/1")));
    assert!(v["story"]["articles"].is_array());
    let n = String::from_utf8_lossy(&ntfy[0].body).into_owned();
    assert!(
        n.contains("مساعدات إلى كوباني") && n.contains("/news/1"),
        "{n}"
    );
    assert_eq!(
        ntfy[0].headers.get("title").map(String::as_str),
        Some("rasad kobani: article")
    );
    let tags = ntfy[0].headers.get("tags").cloned().unwrap_or_default();
    assert!(tags.split(',').any(|t| t == "kobani"), "{tags}");

    // the receiver down: retried; the daemon restarted; delivered once after
    hook.halt();
    s.route(
        "/news/3",
        Route::ok(
            "text/html; charset=utf-8",
            page("الوقود في كوباني", &[P2, KOBANI], None),
        ),
    );
    feed(
        &s,
        &[
            ("مساعدات إلى كوباني", "/news/1", "n1"),
            ("اشتباكات في دير الزور", "/news/2", "n2"),
            ("الوقود في كوباني", "/news/3", "n3"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let w = ok(rasad(dir.path(), &["watches"]));
        if w.contains("HTTP") || w.contains("connect") {
            break; // a failed attempt is on record
        }
        assert!(
            Instant::now() < deadline,
            "no failed delivery recorded:\n{w}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    term(daemon);
    hook.start();
    let daemon = run(dir.path());
    let posts = hook.wait_for("/hook", 2, "the delivery after the restart");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        hook.posts("/hook").len(),
        2,
        "delivered once, after the restart"
    );
    let v = json(&posts[1]);
    assert_eq!(v["article"]["title"], "الوقود في كوباني");
    assert!(signed(&posts[1]));

    // a watch added by SIGHUP starts matching
    let raqqa = format!(
        "[[watch]]\nname = \"raqqa\"\nquery = \"رقة OR Raqqa\"\nwebhook = \"{}\"\n",
        hook.url("/raqqa")
    );
    std::fs::write(
        dir.path().join("feeds.toml"),
        watch_config(&s, &hook, &raqqa),
    )
    .expect("config");
    let pid = daemon.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status();
    std::thread::sleep(Duration::from_millis(500));
    s.route(
        "/news/4",
        Route::ok(
            "text/html; charset=utf-8",
            page("مدارس في الرقة", &[RAQQA, P2], None),
        ),
    );
    feed(
        &s,
        &[
            ("الوقود في كوباني", "/news/3", "n3"),
            ("مدارس في الرقة", "/news/4", "n4"),
        ],
    );
    let got = hook.wait_for("/raqqa", 1, "the watch added by SIGHUP");
    let v = json(&got[0]);
    assert_eq!(
        (v["watch"].as_str(), v["article"]["title"].as_str()),
        (Some("raqqa"), Some("مدارس في الرقة"))
    );
    assert!(
        !got[0].headers.contains_key("x-rasad-signature"),
        "no secret, no signature"
    );
    term(daemon);
    let w = ok(rasad(dir.path(), &["watches"]));
    assert!(w.contains("kobani") && w.contains("raqqa"), "{w}");
    let atom = ok(rasad(
        dir.path(),
        &["export", "--watch", "kobani", "--format", "atom"],
    ));
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("atom");
    assert_eq!(feed.entries.len(), 2, "{atom}");
}

/// Items every hour for six weeks up to `quiet_hours` ago, written into
/// the activity series as the outlet's history.
fn seed_history(db: &Path, site: &str, quiet_hours: i64) {
    let c = rusqlite::Connection::open(db).expect("db");
    let now_h = chrono::Utc::now().timestamp() / 3600;
    for h in now_h - 6 * 168..now_h - quiet_hours {
        c.execute(
            "INSERT OR REPLACE INTO activity (site, feed_id, hour, items) VALUES (?1, 1, ?2, 2)",
            rusqlite::params![site, h],
        )
        .expect("seed");
    }
}

#[test]
fn silent_unreachable_and_a_local_outage_told_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    let quiet = TestServer::start("127.0.0.1");
    let failing = TestServer::start("127.0.0.2");
    let mut hook = Receiver::new(Receiver::free_port());
    hook.start();
    quiet.route(
        "/news/1",
        Route::ok(
            "text/html; charset=utf-8",
            page("خبر قديم", &[P1, P2], None),
        ),
    );
    feed(&quiet, &[("خبر قديم", "/news/1", "q1")]);
    failing.route("/rss.xml", Route::status(500));
    let config = format!(
        "db = \"rasad.db\"\n[web]\nlisten = \"\"\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\nhost_gap = \"0s\"\n\
         [[feed]]\nname = \"Quiet\"\nurl = \"{}\"\n[[feed]]\nname = \"Failing\"\nurl = \"{}\"\n\
         [[watch]]\nname = \"outlets\"\nkind = \"silence\"\nwebhook = \"{}\"\n",
        quiet.url("/rss.xml"),
        failing.url("/rss.xml"),
        hook.url("/silence")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("config");
    ok(rasad(dir.path(), &["poll"]));
    // both publish two items an hour — until 13 hours ago
    for site in ["127.0.0.1", "127.0.0.2"] {
        seed_history(&dir.path().join("rasad.db"), site, 13);
    }
    ok(rasad(dir.path(), &["poll", "--force"]));
    let posts = hook.wait_for("/silence", 2, "silence and unreachable");
    let events: Vec<(String, String)> = posts
        .iter()
        .map(json)
        .map(|v| {
            (
                v["outlet"]["site"].as_str().unwrap_or("").to_string(),
                v["event"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        events.contains(&("127.0.0.1".into(), "silence".into())),
        "{events:?}"
    );
    assert!(
        events.contains(&("127.0.0.2".into(), "unreachable".into())),
        "{events:?}"
    );
    assert!(
        !events.contains(&("127.0.0.2".into(), "silence".into())),
        "a failing feed is not silence: {events:?}"
    );
    let table = ok(rasad(dir.path(), &["outlets"]));
    let state = |site: &str| {
        table
            .lines()
            .find(|l| l.starts_with(site))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(state("127.0.0.1"), "silent", "{table}");
    assert_eq!(state("127.0.0.2"), "unreachable", "{table}");

    // every feed failing with network errors: the local network, neither
    let dir2 = tempfile::tempdir().expect("tmp");
    let closed = |_: u8| format!("http://127.0.0.1:{}/rss.xml", Receiver::free_port());
    let config = format!(
        "db = \"rasad.db\"\n[web]\nlisten = \"\"\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n\
         [[feed]]\nname = \"A\"\nurl = \"{}\"\n[[feed]]\nname = \"B\"\nurl = \"{}\"\n\
         [[watch]]\nname = \"outlets\"\nkind = \"silence\"\nwebhook = \"{}\"\n",
        closed(1),
        closed(2),
        hook.url("/outage")
    );
    std::fs::write(dir2.path().join("feeds.toml"), config).expect("config");
    ok(rasad(dir2.path(), &["poll"]));
    seed_history(&dir2.path().join("rasad.db"), "127.0.0.1", 13);
    ok(rasad(dir2.path(), &["poll", "--force"]));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        hook.posts("/outage").is_empty(),
        "{:?}",
        hook.posts("/outage")
    );
    let table = ok(rasad(dir2.path(), &["outlets"]));
    let row = table
        .lines()
        .find(|l| l.starts_with("127.0.0.1"))
        .expect("the outlet's row");
    assert!(row.contains("unknown"), "{table}");
}
