//! What versions cost: N articles (default 100,000) each read once from
//! its page, the raw body kept as evidence, then a tenth of them edited
//! (a figure changed) — bytes per version (raw compressed, raw as received,
//! text), database bytes per article, time per saved version; and the
//! re-check load of the default `[recheck]` schedule for 1,000 feeds.
//!
//!     cargo run --release --example versions_bench [N [PAGES_DIR]]
//!
//! PAGES_DIR: real pages (`*.html`, e.g. ../shared/extraction-dev/pages)
//! whose bodies stand for the raw responses; else synthetic news pages.

use std::time::Instant;

use rasad::store::{Evidence, PageJob, PageResult};

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

#[path = "support/news.rs"]
mod news;

/// Bodies standing for pages: real ones from `dir`, else synthetic.
fn pages(dir: Option<String>, rng: &mut Lcg) -> Vec<String> {
    if let Some(dir) = dir {
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        found.sort();
        if !found.is_empty() {
            return found;
        }
    }
    (0..50)
        .map(|_| {
            let (title, body) = news::article(rng, true);
            let menu = "<li><a href=/section>قسم</a></li>".repeat(60);
            let related = format!("<li><a href=/x>{title}</a></li>").repeat(20);
            format!(
                "<!DOCTYPE html><html lang=ar dir=rtl><head><title>{title}</title>\
                 <script>{}</script></head><body><nav><ul>{menu}</ul></nav><article><h1>{title}</h1><p>{body}</p></article>\
                 <aside><ul>{related}</ul></aside><footer>{}</footer></body></html>",
                "var a=1;".repeat(2000),
                "جميع الحقوق محفوظة ".repeat(50)
            )
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = bench_store::count_arg(100_000);
    let mut rng = Lcg(11);
    let bodies = pages(std::env::args().nth(2), &mut rng);
    let (dir, store, feed_id) = bench_store::store_with_feed(Some("ar"))?;
    let mut texts = Vec::with_capacity(n as usize);
    bench_store::fill(
        &store,
        feed_id,
        n,
        chrono::Duration::zero(),
        |k| {
            let (title, body) = news::article(&mut rng, k % 2 == 0);
            texts.push((title.clone(), body));
            bench_store::news_item(k, title, String::new(), None, true)
        },
        |_, _| Ok(()),
    )?;
    let before = std::fs::metadata(store.path())?.len();
    let read = |k: u64, edit: bool| {
        let (title, text) = &texts[k as usize];
        let text = if edit {
            format!("{text} 5")
        } else {
            text.clone()
        };
        // each article's own body: the page with its number in it
        let mut body = bodies[k as usize % bodies.len()].clone();
        body.push_str(&format!("<!-- {k} {edit} -->"));
        PageResult::Ok {
            text,
            html: String::new(),
            title: Some(title.clone()),
            author: None,
            published: None,
            lang: Some("ar".into()),
            digest: None,
            evidence: Some(Box::new(Evidence {
                body: body.into_bytes(),
                url: format!("https://outlet{}.example/news/{k}", k % 40),
                status: 200,
                headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
                fetched_at: chrono::Utc::now(),
                sealed: None,
            })),
        }
    };
    let job = |k: u64| PageJob {
        article_id: k as i64 + 1,
        key: format!("https://outlet{}.example/news/{k}", k % 40),
        url: format!("https://outlet{}.example/news/{k}", k % 40),
    };
    let t = Instant::now();
    let mut raw_in = 0u64;
    let mut text_bytes = 0u64;
    for k in 0..n {
        let r = read(k, false);
        if let PageResult::Ok {
            evidence: Some(e),
            text,
            ..
        } = &r
        {
            raw_in += e.body.len() as u64;
            text_bytes += text.len() as u64;
        }
        store.save_extraction(&job(k), &r, chrono::Utc::now(), None)?;
    }
    let first_ms = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let after_first = std::fs::metadata(store.path())?.len()
        + std::fs::metadata(store.path().with_extension("db-wal")).map_or(0, |m| m.len());
    let t = Instant::now();
    let edited = n / 10;
    for k in 0..edited {
        store.save_extraction(&job(k * 10), &read(k * 10, true), chrono::Utc::now(), None)?;
    }
    let edit_ms = t.elapsed().as_secs_f64() * 1000.0 / edited.max(1) as f64;
    store.checkpoint()?;
    let total = std::fs::metadata(store.path())?.len();
    println!(
        "{n} articles, {} distinct page bodies of {:.1} KB on average",
        bodies.len(),
        raw_in as f64 / n as f64 / 1024.0
    );
    println!("first page version: {first_ms:.2} ms each; edits ({edited}): {edit_ms:.2} ms each");
    println!(
        "database: {:.1} MB before pages, {:.1} MB after the first versions, {:.1} MB after the edits",
        before as f64 / 1e6,
        after_first as f64 / 1e6,
        total as f64 / 1e6
    );
    let per_version = (total - before) as f64 / (n + edited) as f64;
    println!(
        "per page version: {:.1} KB stored in all (raw zstd + text + rows + indexes); raw as received {:.1} KB, text {:.1} KB",
        per_version / 1024.0,
        raw_in as f64 / n as f64 / 1024.0,
        text_bytes as f64 / n as f64 / 1024.0
    );
    drop(store);
    drop(dir);

    // the re-check load of the default schedule
    let r = rasad::config::RecheckConfig::default();
    let mut at = chrono::Duration::zero();
    let mut checks = Vec::new();
    while let Some(w) = rasad::scheduler::recheck_wait(&r.schedule, r.stop_after, at) {
        at += w;
        if at.to_std().unwrap_or_default() >= r.stop_after {
            break;
        }
        checks.push(at);
    }
    let within = |d: chrono::Duration| checks.iter().filter(|c| **c <= d).count();
    println!(
        "re-checks of an article that never changes: {} in the first day, {} in the first 30 days, {} in a year",
        within(chrono::Duration::days(1)),
        within(chrono::Duration::days(30)),
        checks.len()
    );
    for per_feed_day in [10u64, 20, 50] {
        let new_per_day = 1000 * per_feed_day;
        // articles of every age up to the window, each checked as often
        // as its age says: a day's articles make `within(window)` checks
        let month = new_per_day as f64 * within(chrono::Duration::days(30)) as f64 / 24.0;
        let year = new_per_day as f64 * checks.len() as f64 / 24.0;
        println!(
            "1,000 feeds × {per_feed_day} new items a day: {month:.0} re-checks/hour after a month, {year:.0}/hour in the steady state after a year ({:.1} per feed per hour; budget {} per site)",
            year / 1000.0,
            r.per_site_hour
        );
    }
    Ok(())
}
