//! Steady-state cost of the daemon as a monitor runs it: by default 1,000
//! feeds on 1,000 local hosts (127.0.1.1 onwards, one server each), 2
//! items each whose pages (~91 KB, an Arabic article inside a heavy
//! template) are fetched and extracted in the first cycle, then every feed
//! answering 304. Runs the real binary in `run` mode; prints the first
//! cycle's time and peak memory, then CPU seconds per 1,000 polls
//! answering 304 and resident memory over the steady state, sampled, so a
//! soak (`SOAK_SECS`, short intervals standing for a day) shows whether
//! memory stays flat.
//!
//!     cargo build --release && cargo run --release --example daemon_bench
//!     HOSTS=100 FEEDS_PER_HOST=10 ITEMS=0 cargo run --release --example daemon_bench
//!     SOAK_SECS=1800 INTERVAL=5s cargo run --release --example daemon_bench

#[allow(dead_code)]
#[path = "../tests/it/server.rs"]
mod server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{Route, TestServer};

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

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sentences of the article, varied by host and item so no two pages are
/// repeats of each other.
const SENTENCES: &[&str] = &[
    "قالت مصادر محلية إن دورية مشتركة جابت ريف المدينة الشمالي صباح اليوم",
    "وأضاف المصدر أن الأهالي طالبوا بإعادة تشغيل محطة المياه المتوقفة منذ أسابيع",
    "وأشار مسؤول في الإدارة المحلية إلى أن أسعار الخبز والمحروقات ارتفعت بشكل ملحوظ",
    "وتشهد المنطقة منذ مطلع الشهر توتراً أمنياً بعد سلسلة من الهجمات على الحواجز",
    "وقال ناشطون إن عشرات العائلات نزحت نحو المخيمات القريبة من الحدود",
    "ولم تصدر أي جهة رسمية بياناً حول الحادثة حتى ساعة إعداد هذا التقرير",
];

const PLACES: &[&str] = &[
    "الحسكة",
    "القامشلي",
    "دير الزور",
    "الرقة",
    "كوباني",
    "رأس العين",
];

fn page(h: usize, i: usize, kb: usize) -> String {
    let place = PLACES[(h + i) % PLACES.len()];
    let mut article = String::new();
    for p in 0..10 {
        let s = SENTENCES[(h * 7 + i * 3 + p) % SENTENCES.len()];
        article.push_str(&format!(
            "<p>{s} في {place}، وذلك في التقرير {h}-{i}-{p}، بحسب ما أفاد به مراسلنا.</p>\n"
        ));
    }
    let nav: String = (0..60)
        .map(|n| format!("<li><a href=\"/section/{n}\">قسم {n}</a></li>"))
        .collect();
    let related: String = (0..12)
        .map(|n| format!("<li><a href=\"/a/{n}\">خبر ذو صلة رقم {n} عن {place}</a></li>"))
        .collect();
    let head = format!(
        "<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\"><title>تقرير {h}-{i} من {place} - شبكة محلية</title>\
<meta property=\"og:title\" content=\"تقرير {h}-{i} من {place}\"></head><body>\
<header><nav><ul>{nav}</ul></nav></header><main><article><h1>تقرير {h}-{i} من {place}</h1>\
<div class=\"entry-content\">{article}</div></article><aside class=\"related\"><h3>أخبار ذات صلة</h3><ul>{related}</ul></aside></main>"
    );
    let mut out = head;
    // the weight of a real page: scripts and styles the prescan drops
    let filler = "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>\n";
    while out.len() + 40 < kb * 1024 {
        out.push_str(filler);
    }
    out.push_str("<footer>جميع الحقوق محفوظة</footer></body></html>");
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bin = std::env::var("RASAD_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/rasad").into());
    let hosts: usize = env_or("HOSTS", 1000);
    let feeds_per_host: usize = env_or("FEEDS_PER_HOST", 1);
    let items: usize = env_or("ITEMS", 2);
    let page_kb: usize = env_or("PAGE_KB", 91);
    let interval: String = env_or("INTERVAL", "20s".to_string());
    let steady_polls: usize = env_or("STEADY_POLLS", 3 * hosts * feeds_per_host);
    let soak = Duration::from_secs(env_or("SOAK_SECS", 0));
    let dir = tempfile::tempdir()?;
    let mut servers = Vec::new();
    let mut config = format!(
        "[web]\nlisten = \"\"\n[defaults]\ninterval = \"{interval}\"\n[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n"
    );
    for h in 0..hosts {
        // 127.0.1.1 … 127.0.4.255: a host of its own for each outlet
        let ip = format!("127.0.{}.{}", 1 + h / 250, 1 + h % 250);
        let s = TestServer::start(&ip);
        for f in 0..feeds_per_host {
            let list: String = (0..items)
                .map(|i| {
                    let path = format!("/a/{f}/{i}");
                    s.route(&path, Route::ok("text/html; charset=utf-8", page(h, f * items + i, page_kb)));
                    format!("<item><title>تقرير {h}-{i}</title><link>{}</link><guid>{h}-{f}-{i}</guid><description>نص الخبر في الحسكة والقامشلي</description></item>", s.url(&path))
                })
                .collect();
            let rss = format!(
                "<rss version=\"2.0\"><channel><title>feed {h}-{f}</title>{list}</channel></rss>"
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
    let count = |status: Option<u16>| {
        servers
            .iter()
            .flat_map(|s| s.requests())
            .filter(|r| status.is_none_or(|st| r.status == st))
            .count()
    };
    let mut child = Command::new(&bin)
        .current_dir(dir.path())
        .args(["run", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let feeds = hosts * feeds_per_host;
    let first_requests = feeds * (1 + items);
    let t0 = Instant::now();
    while count(None) < first_requests {
        if t0.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            return Err("the first cycle did not finish in 600 s".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let first = t0.elapsed();
    // the last pages saved, their stories linked
    std::thread::sleep(Duration::from_secs(2));
    let hwm_first = proc_status(pid, "VmHWM:");
    let rss_first = proc_status(pid, "VmRSS:");
    println!(
        "daemon benchmark: {feeds} feeds on {hosts} local hosts, {items} items each ({page_kb} KB pages), interval {interval}"
    );
    println!(
        "first cycle: {:.1} s wall, {:.1} CPU s; resident {:.1} MB at its end, {:.1} MB peak",
        first.as_secs_f64(),
        cpu_seconds(pid),
        rss_first as f64 / 1024.0,
        hwm_first as f64 / 1024.0
    );
    let cpu0 = cpu_seconds(pid);
    let n0 = count(Some(304));
    let t1 = Instant::now();
    let mut samples = Vec::new();
    let mut last_sample = Instant::now();
    loop {
        let done = count(Some(304)) - n0;
        let enough = if soak.is_zero() {
            done >= steady_polls
        } else {
            t1.elapsed() >= soak
        };
        if enough {
            break;
        }
        if t1.elapsed() > soak.max(Duration::from_secs(900)) + Duration::from_secs(60) {
            let _ = child.kill();
            return Err(format!("only {done} polls answered 304 in the steady state").into());
        }
        if last_sample.elapsed() >= Duration::from_secs(10) {
            samples.push((
                t1.elapsed().as_secs(),
                proc_status(pid, "VmRSS:") as f64 / 1024.0,
                done,
            ));
            last_sample = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let cpu1 = cpu_seconds(pid);
    let polls = count(Some(304)) - n0;
    let rss_kib = proc_status(pid, "VmRSS:");
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    let status = child.wait()?;
    println!(
        "steady state: {polls} polls answered 304 in {:.0} s; {:.3} CPU s per 1,000 of them",
        t1.elapsed().as_secs_f64(),
        (cpu1 - cpu0) / polls.max(1) as f64 * 1000.0
    );
    println!(
        "resident memory in the steady state: {:.1} MB at the end (first cycle's end {:.1} MB)",
        rss_kib as f64 / 1024.0,
        rss_first as f64 / 1024.0
    );
    if !samples.is_empty() {
        let series: Vec<String> = samples
            .iter()
            .map(|(t, mb, n)| format!("{t}s {mb:.1} MB ({n} polls)"))
            .collect();
        println!("resident memory, sampled: {}", series.join(", "));
    }
    let connections: usize = servers.iter().map(|s| s.counts().connections).sum();
    let most_open = servers
        .iter()
        .map(|s| s.counts().max_open)
        .max()
        .unwrap_or(0);
    println!(
        "connections: {connections} opened over {} requests, at most {most_open} open to one host",
        count(None)
    );
    println!("stopped with {status}");
    Ok(())
}
