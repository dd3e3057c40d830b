//! Dedup cost with a large store: builds a database of N articles (default
//! 100,000) through the real store API, then times fingerprinting and story
//! linking of 1,000 new articles, a tenth of them syndicated copies.
//!
//!     cargo run --release --example dedup_bench [N]

use std::time::Instant;

use rasad::dedup::Fingerprint;
use rasad::store::NewItem;

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

/// A text of ~150 words from a 20,000-word vocabulary of Arabic-looking words.
fn text(rng: &mut Lcg) -> String {
    const LETTERS: &[char] = &[
        'ا', 'ب', 'ت', 'ح', 'د', 'ر', 'س', 'ع', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'و', 'ي',
    ];
    let mut words = Vec::with_capacity(150);
    for _ in 0..150 {
        let mut id = rng.next() % 20_000;
        let mut w = String::new();
        for _ in 0..4 {
            w.push(LETTERS[(id % 16) as usize]);
            id /= 16;
        }
        words.push(w);
    }
    words.join(" ")
}

fn item(i: u64, body: String) -> NewItem {
    bench_store::news_item(i, format!("خبر {i}"), body, Some("ar"), false)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = bench_store::count_arg(100_000);
    let (_dir, store, feed_id) = bench_store::store_with_feed(Some("ar"))?;
    let now = chrono::Utc::now();
    let started = Instant::now();
    let mut rng = Lcg(7);
    bench_store::fill(
        &store,
        feed_id,
        n,
        chrono::Duration::zero(),
        |k| item(k, text(&mut rng)),
        |batch, done| {
            for (it, d) in batch.iter().zip(done) {
                let fp = Fingerprint::new(&it.summary);
                store.link_story(d.article_id, &fp.band_keys(), |o| {
                    fp.same_story(&Fingerprint::new(o))
                })?;
            }
            Ok(())
        },
    )?;
    println!(
        "built a store of {n} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // 1,000 new articles; every tenth is a copy of a stored one with a prefix
    let mut new_items = Vec::new();
    let mut copy_rng = Lcg(7);
    let originals: Vec<String> = (0..100).map(|_| text(&mut copy_rng)).collect();
    for k in 0..1000u64 {
        let body = if k % 10 == 0 {
            format!("عاجل: {}", originals[(k / 10) as usize])
        } else {
            text(&mut rng)
        };
        new_items.push(item(n + k, body));
    }
    let done = store.ingest(feed_id, &new_items, now)?;
    let started = Instant::now();
    let mut linked = 0;
    for (it, d) in new_items.iter().zip(&done) {
        let fp = Fingerprint::new(&it.summary);
        let story = store.link_story(d.article_id, &fp.band_keys(), |o| {
            fp.same_story(&Fingerprint::new(o))
        })?;
        if story != d.article_id {
            linked += 1;
        }
    }
    let per = started.elapsed().as_secs_f64() * 1000.0 / 1000.0;
    println!("dedup of 1000 new articles against {n}: {per:.3} ms per article (fingerprint, LSH lookup, confirmation, write); {linked} linked to earlier stories (100 expected)");
    Ok(())
}
