//! Steady-state cost of the daemon: 1,000 feeds on 100 local hosts
//! (127.0.0.2–101), answering 304 after the first poll. Runs the real
//! binary in `run` mode and prints resident memory and CPU seconds per
//! cycle of 1,000 unchanged feeds.
//!
//!     cargo build --release && cargo run --release --example daemon_bench

#[allow(dead_code)]
#[path = "../tests/it/server.rs"]
mod server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{Route, TestServer};

const HOSTS: usize = 100;
const FEEDS_PER_HOST: usize = 10;

fn proc_status(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // fields after the command: state is index 0, utime 11, stime 12
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bin = std::env::var("RASAD_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/rasad").into());
    let dir = tempfile::tempdir()?;
    let mut servers = Vec::new();
    let mut config = String::from(
        "[web]\nlisten = \"\"\n[defaults]\ninterval = \"20s\"\nscrape = false\n[fetch]\nallow_networks = [\"127.0.0.0/24\"]\nmax_concurrency = 64\n",
    );
    for h in 0..HOSTS {
        let s = TestServer::start(&format!("127.0.0.{}", h + 2));
        for f in 0..FEEDS_PER_HOST {
            let items: String = (0..10)
                .map(|i| format!("<item><title>خبر {h}-{f}-{i}</title><link>{}</link><description>نص الخبر في الحسكة والقامشلي</description></item>", s.url(&format!("/a/{f}/{i}"))))
                .collect();
            let rss = format!(
                "<rss version=\"2.0\"><channel><title>feed {h}-{f}</title>{items}</channel></rss>"
            );
            let path = format!("/feed/{f}.xml");
            s.route(
                &path,
                Route::ok("application/rss+xml", rss).header("etag", &format!("\"{h}-{f}\"")),
            );
            config.push_str(&format!(
                "[[feed]]\nname = \"feed {h}-{f}\"\nurl = \"{}\"\n",
                s.url(&path)
            ));
        }
        servers.push(s);
    }
    std::fs::write(dir.path().join("feeds.toml"), config)?;
    let total = || servers.iter().map(|s| s.requests().len()).sum::<usize>();
    let mut child = Command::new(&bin)
        .current_dir(dir.path())
        .args(["run", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let wait_for = |n: usize, limit: Duration| {
        let t = Instant::now();
        while total() < n {
            if t.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    };
    let feeds = HOSTS * FEEDS_PER_HOST;
    let t0 = Instant::now();
    if !wait_for(feeds, Duration::from_secs(120)) {
        let _ = child.kill();
        return Err("the first cycle did not finish in 120 s".into());
    }
    let first = t0.elapsed();
    let cpu0 = cpu_seconds(pid);
    let cycles = 3;
    let t1 = Instant::now();
    if !wait_for(feeds * (1 + cycles), Duration::from_secs(300)) {
        let _ = child.kill();
        return Err("steady-state cycles did not finish".into());
    }
    let cpu1 = cpu_seconds(pid);
    let rss_kib = proc_status(pid, "VmRSS:");
    let hwm_kib = proc_status(pid, "VmHWM:");
    let not_modified = servers
        .iter()
        .flat_map(|s| s.requests())
        .filter(|r| r.status == 304)
        .count();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    let status = child.wait()?;
    println!(
        "daemon benchmark: {feeds} feeds on {HOSTS} local hosts, {cycles} steady-state cycles"
    );
    println!(
        "first cycle (200 + parse + store): {:.1} s wall",
        first.as_secs_f64()
    );
    println!(
        "steady state: {:.3} CPU seconds per cycle of {feeds} feeds ({} of the requests answered 304), {:.1} s wall for {cycles} cycles",
        (cpu1 - cpu0) / cycles as f64,
        not_modified,
        t1.elapsed().as_secs_f64()
    );
    println!(
        "resident memory: {:.1} MB now, {:.1} MB peak",
        rss_kib as f64 / 1024.0,
        hwm_kib as f64 / 1024.0
    );
    let connections: usize = servers.iter().map(|s| s.counts().connections).sum();
    let most_open = servers
        .iter()
        .map(|s| s.counts().max_open)
        .max()
        .unwrap_or(0);
    println!(
        "connections: {connections} opened over {} requests, at most {most_open} open to one host",
        total()
    );
    println!("stopped with {status}");
    Ok(())
}
