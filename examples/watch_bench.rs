//! What watches cost: 100 watches (queries, places, languages) over new
//! articles arriving in a store of N (default 100,000) — ms per new
//! article for the whole pass (listing, matching on the search form,
//! recording matches and their deliveries, marking) — and the size of the
//! activity series of one outlet over a year.
//!
//!     cargo run --release --example watch_bench [N]

use std::time::Instant;

use rasad::alerts::{Candidate, Doc, Watches};
use rasad::config::{WatchConfig, WatchKind};

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

#[path = "support/news.rs"]
mod news;

const QUERIES: &[&str] = &[
    "الحسكة",
    "\"دير الزور\"",
    "مياه AND الرقة",
    "Qamishli",
    "bread OR fuel",
    "كهرباء NOT منبج",
    "aid Kobani",
    "اقتصاد*",
    "(الخبز OR المحروقات) القامشلي",
    "\"Ras al-Ain\"",
];
const PLACES: &[&str] = &[
    "kobani",
    "hasakah",
    "qamishli",
    "raqqa",
    "deir_ez_zor",
    "manbij",
    "ras_al_ain",
];

fn watches() -> Vec<WatchConfig> {
    (0..100)
        .map(|i| WatchConfig {
            name: format!("w{i}"),
            kind: WatchKind::Articles,
            query: (i % 3 != 2).then(|| {
                let q = QUERIES[i % QUERIES.len()];
                (
                    q.to_string(),
                    rasad::search::fts_query(q).unwrap_or_default(),
                )
            }),
            places: if i % 3 == 2 {
                vec![PLACES[i % PLACES.len()].to_string()]
            } else {
                Vec::new()
            },
            feeds: Vec::new(),
            lang: if i % 5 == 0 {
                vec!["ar".into()]
            } else {
                Vec::new()
            },
            webhook: url::Url::parse("http://127.0.0.1:9/hook").ok(),
            secret: Some("secret".into()),
            ntfy: None,
            digest: None,
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = bench_store::count_arg(100_000);
    let (_dir, store, feed_id) = bench_store::store_with_feed(None)?;
    let mut rng = Lcg(5);
    let item = |k: u64, rng: &mut Lcg| {
        let (title, body) = news::article(rng, k % 2 == 0);
        let lang = if k % 2 == 0 { "ar" } else { "en" };
        bench_store::news_item(k, title, body, Some(lang), false)
    };
    bench_store::fill(
        &store,
        feed_id,
        n,
        chrono::Duration::zero(),
        |k| item(k, &mut rng),
        |_, _| Ok(()),
    )?;
    while store.refresh_index(None, 10_000, rasad::search::index_entry)? > 0 {}
    // the stored articles were seen by the watches long ago
    while !store.unwatched(feed_id, 10_000)?.is_empty() {
        let ids: Vec<i64> = store
            .unwatched(feed_id, 10_000)?
            .iter()
            .map(|a| a.id)
            .collect();
        store.mark_watched(&ids)?;
    }
    let configs = watches();
    let compiled = Watches::new(&configs);
    let now = chrono::Utc::now();
    let mut per_article = Vec::new();
    let mut matched = 0usize;
    for round in 0..5u64 {
        let fresh: Vec<rasad::store::NewItem> = (0..200)
            .map(|k| item(n + round * 200 + k, &mut rng))
            .collect();
        store.ingest(feed_id, &fresh, now)?;
        while store.refresh_index(Some(feed_id), 5_000, rasad::search::index_entry)? > 0 {}
        // the matching alone, on the same articles, then the whole pass
        let list = store.unwatched(feed_id, 500)?;
        let m = Instant::now();
        for a in &list {
            let doc = Doc::new(&a.title, &a.text);
            let c = Candidate {
                doc: &doc,
                places: &a.places,
                feeds: &a.feeds,
                lang: a.lang.as_deref(),
            };
            std::hint::black_box(compiled.matching(&c).len());
        }
        let match_only = m.elapsed().as_secs_f64();
        let t = Instant::now();
        let (seen, queued) = rasad::pipeline::watch_new(&store, &compiled, feed_id, 500, now)?;
        matched += queued;
        let ms = t.elapsed().as_secs_f64() * 1000.0 / seen.max(1) as f64;
        println!(
            "round {round}: {seen} new articles, {ms:.3} ms each in all, {:.3} ms each for the matching alone",
            match_only * 1000.0 / list.len().max(1) as f64
        );
        per_article.push(ms);
    }
    per_article.sort_by(f64::total_cmp);
    println!(
        "100 watches, {n} stored articles: median {:.3} ms per new article ({matched} matches queued)",
        per_article[per_article.len() / 2]
    );

    // a year of one outlet's activity, an item every hour of it
    let db = store.path().to_path_buf();
    drop(store);
    let c = rusqlite::Connection::open(&db)?;
    c.execute_batch("DELETE FROM activity; VACUUM;")?;
    let before: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let now_h = now.timestamp() / 3600;
    let tx = c.unchecked_transaction()?;
    for h in now_h - 365 * 24..now_h {
        tx.execute(
            "INSERT INTO activity (site, feed_id, hour, items) VALUES ('npasyria.com', 1, ?1, 3)",
            [h],
        )?;
    }
    tx.commit()?;
    c.execute_batch("VACUUM;")?;
    let after: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    println!(
        "activity series: {} rows and {:.0} KB for one outlet-feed publishing every hour for a year",
        365 * 24,
        ((after - before) * page) as f64 / 1024.0
    );
    Ok(())
}
