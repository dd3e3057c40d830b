//! Search latency and export throughput on a store of N articles (default
//! 100,000; half Arabic, half English), built through the real store API.
//! Articles are written like news: common function words, a long tail of
//! other words (Zipf-like), one topic and one or two places each, so a
//! place or topic query matches a few percent of the store, as in a real
//! regional archive.
//!
//!     cargo run --release --example search_bench [N]

use std::time::Instant;

use rasad::export::{self, Format, Options};
use rasad::store::Filter;

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

#[path = "support/news.rs"]
mod news;
use news::article;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = bench_store::count_arg(100_000);
    let (_dir, store, feed_id) = bench_store::store_with_feed(None)?;
    let mut rng = Lcg(42);
    let started = Instant::now();
    bench_store::fill(
        &store,
        feed_id,
        n,
        chrono::Duration::zero(),
        |k| {
            let (title, body) = article(&mut rng, k % 2 == 0);
            let lang = if k % 2 == 0 { "ar" } else { "en" };
            bench_store::news_item(k, title, body, Some(lang), false)
        },
        |_, _| Ok(()),
    )?;
    while store.refresh_index(None, 10_000, rasad::search::index_entry)? > 0 {}
    println!(
        "built and indexed {n} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let queries = [
        "الحسكة",
        "حسكه",
        "\"دير الزور\"",
        "اقتصاد",
        "مياه AND الرقة",
        "Qamishli",
        "\"Ras al-Ain\"",
        "bread OR fuel",
        "كهرباء NOT منبج",
        "aid Kobani",
    ];
    let mut times = Vec::new();
    for q in queries {
        let filter = Filter {
            query: rasad::search::fts_query(q),
            rank: true,
            limit: Some(20),
            ..Filter::default()
        };
        let t = Instant::now();
        let mut hits = 0;
        store.for_each_article(&filter, |row| {
            hits += 1;
            let _ = rasad::search::snippet(&row.text, q, 30);
            Ok(())
        })?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!("  search {q:<24} {hits:>3} hits in {ms:7.2} ms");
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let median = (times[4] + times[5]) / 2.0;
    let p95 = times[9]; // of ten queries, the slowest bounds the 95th percentile
    println!("search latency over 10 queries: median {median:.2} ms, p95 {p95:.2} ms");
    for format in [Format::Jsonl, Format::Csv] {
        let t = Instant::now();
        let mut sink = std::io::BufWriter::new(std::io::sink());
        let count = export::export(
            &store,
            &Filter::default(),
            &Options {
                format,
                excel: false,
                progress: false,
            },
            &mut sink,
        )?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "export {format:?}: {count} articles in {secs:.2} s = {:.0} articles/s",
            count as f64 / secs
        );
    }
    Ok(())
}
