//! The real binary in `run` mode against a local server with short
//! intervals: schedules, backoff, Retry-After, SIGHUP reloads, systemd
//! notifications on a test NOTIFY_SOCKET, and a clean SIGTERM.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::{Route, TestServer};

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

fn rss(title: &str) -> String {
    format!("<rss version=\"2.0\"><channel><title>{title}</title><item><title>{title} item</title><link>http://127.0.0.1:9/{title}</link></item></channel></rss>")
}

/// systemd's side: a datagram socket collecting notifications.
struct NotifySocket {
    path: std::path::PathBuf,
    messages: Arc<Mutex<Vec<String>>>,
}

impl NotifySocket {
    fn bind(path: &std::path::Path) -> NotifySocket {
        let sock = UnixDatagram::bind(path).expect("bind notify socket");
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let messages: Arc<Mutex<Vec<String>>> = Arc::default();
        let m = messages.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                if let Ok(n) = sock.recv(&mut buf) {
                    m.lock()
                        .expect("msgs")
                        .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                }
            }
        });
        NotifySocket {
            path: path.to_path_buf(),
            messages,
        }
    }

    /// Every notification so far, one line each.
    fn messages(&self) -> String {
        self.messages.lock().expect("msgs").join("\n")
    }
}

/// SIGTERM, then the exit status within the stop bound and what the daemon
/// wrote to stderr.
fn stop(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    signal(child.id(), "-TERM");
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "no clean stop within the bound"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    (status, err)
}

/// The database was left clean, with the feeds' state readable.
fn state_is_readable_after_the_stop(dir: &std::path::Path) {
    let out = crate::rasad(dir, &["--db", "rasad.db", "feeds"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("NEXT POLL"), "{table}");
    let fail_row = table
        .lines()
        .find(|l| l.starts_with("fail"))
        .expect("fail row");
    assert!(fail_row.contains("HTTP 500"), "{fail_row}");
    let export = crate::rasad(dir, &["--db", "rasad.db", "export"]);
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(
        export.contains("ok item") && export.contains("new item"),
        "{export}"
    );
}

/// A failing feed backs off (the gaps between its requests grow),
/// Retry-After is honoured, the healthy feed is polled on schedule and
/// conditionally.
fn schedules_hold(s: &TestServer) {
    wait_until(
        "three polls of the failing feed",
        Duration::from_secs(15),
        || s.requests_for("/fail.xml").len() >= 3,
    );
    let fail = s.requests_for("/fail.xml");
    let gap1 = fail[1].at - fail[0].at;
    let gap2 = fail[2].at - fail[1].at;
    assert!(
        gap2 > gap1 + Duration::from_millis(500),
        "backoff: {gap1:?} then {gap2:?}"
    );
    // Retry-After: 3 is honoured.
    let limited = s.requests_for("/limited.xml");
    assert!(limited.len() >= 2, "{}", limited.len());
    assert!(limited[1].at - limited[0].at >= Duration::from_millis(2900));
    // The healthy feed is polled on schedule, conditionally.
    let ok_polls = s.requests_for("/ok.xml");
    assert!(ok_polls.len() >= 3, "{}", ok_polls.len());
    assert_eq!(ok_polls[2].status, 304);
}

/// SIGHUP with `new_config` (one feed added, one removed) takes effect; a
/// SIGHUP with an invalid file is refused and the daemon keeps running.
fn reloads_apply_and_a_bad_file_is_refused(
    s: &TestServer,
    cfg: &std::path::Path,
    new_config: &str,
    child: &mut std::process::Child,
) {
    let pid = child.id();
    // SIGHUP: one feed added, one removed.
    std::fs::write(cfg, new_config).expect("config");
    signal(pid, "-HUP");
    wait_until("the added feed", Duration::from_secs(5), || {
        !s.requests_for("/new.xml").is_empty()
    });
    let limited_then = s.requests_for("/limited.xml").len();
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(
        s.requests_for("/limited.xml").len(),
        limited_then,
        "a removed feed stops"
    );

    // An invalid file is refused; the daemon keeps running.
    std::fs::write(cfg, "[[feed]]\nname = 1\n").expect("config");
    signal(pid, "-HUP");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "daemon died on a bad reload"
    );
}

#[test]
fn daemon_schedules_backs_off_reloads_and_notifies() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = TestServer::start("127.0.0.1");
    s.route(
        "/ok.xml",
        Route::ok("application/rss+xml", rss("ok")).header("etag", "\"1\""),
    );
    s.route("/fail.xml", Route::status(500));
    s.route(
        "/limited.xml",
        Route::status(429).header("retry-after", "3"),
    );
    s.route("/new.xml", Route::ok("application/rss+xml", rss("new")));
    let config = |names: &[&str]| {
        let mut c = String::from("[web]\nlisten = \"127.0.0.1:0\"\n[defaults]\ninterval = \"1s\"\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.0/24\"]\n");
        for n in names {
            c.push_str(&format!(
                "[[feed]]\nname = \"{n}\"\nurl = \"{}\"\n",
                s.url(&format!("/{n}.xml"))
            ));
        }
        c
    };
    let cfg = dir.path().join("feeds.toml");
    std::fs::write(&cfg, config(&["ok", "fail", "limited"])).expect("config");

    let notify = NotifySocket::bind(&dir.path().join("notify.sock"));
    let mut child = crate::rasad_command(dir.path(), &["run", "--log-format", "json"])
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start daemon");

    schedules_hold(&s);

    reloads_apply_and_a_bad_file_is_refused(&s, &cfg, &config(&["ok", "fail", "new"]), &mut child);

    let (status, err) = stop(child);
    assert!(status.success(), "exit {status}: {err}");
    assert!(err.contains("reload refused"), "{err}");
    assert!(
        err.lines().all(|l| l.starts_with('{')),
        "json logs only: {err}"
    );
    assert!(
        err.contains("\"feed\":\"fail\""),
        "spans carry the feed name: {err}"
    );

    std::thread::sleep(Duration::from_millis(300));
    let msgs = notify.messages();
    for expected in [
        "READY=1",
        "STATUS=",
        "WATCHDOG=1",
        "RELOADING=1",
        "STOPPING=1",
    ] {
        assert!(
            msgs.contains(expected),
            "{expected} missing from notifications:\n{msgs}"
        );
    }
    // STATUS= counts the feeds by health: after the reload, three feeds of
    // which "fail" is failing
    assert!(
        msgs.lines().any(|l| l.starts_with("STATUS=3 feeds: ")
            && l.contains("1 failing")
            && l.ends_with("articles today")),
        "{msgs}"
    );

    state_is_readable_after_the_stop(dir.path());
}

#[test]
fn local_outage_is_reported_once_and_punishes_no_feed() {
    let dir = tempfile::tempdir().expect("tmp");
    // ports nobody listens on: every connection is refused, as when the
    // local network is down
    let closed: Vec<u16> = (0..3)
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        })
        .collect();
    let mut cfg = String::from(
        "[web]\nlisten = \"127.0.0.1:0\"\n[defaults]\ninterval = \"1s\"\n[fetch]\nallow_networks = [\"127.0.0.0/24\"]\n",
    );
    for (i, port) in closed.iter().enumerate() {
        cfg.push_str(&format!(
            "[[feed]]\nname = \"f{i}\"\nurl = \"http://127.0.0.1:{port}/feed\"\n"
        ));
    }
    std::fs::write(dir.path().join("feeds.toml"), cfg).expect("config");
    let child = crate::rasad_command(dir.path(), &["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start daemon");
    std::thread::sleep(Duration::from_millis(2500));
    signal(child.id(), "-TERM");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("seems down").count(), 1, "reported once: {err}");
    // every feed is retried after the outage delay, not a growing backoff
    let scheduled: Vec<&str> = err.lines().filter(|l| l.contains("scheduled")).collect();
    assert!(scheduled.len() >= 3, "{err}");
    assert!(
        scheduled[2..].iter().all(|l| l.contains("next_in_secs=60")),
        "{err}"
    );
}
