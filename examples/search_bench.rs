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
use rasad::store::{Filter, NewItem};

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

const AR_COMMON: &[&str] = &[
    "في",
    "من",
    "إلى",
    "على",
    "أن",
    "إن",
    "قال",
    "مصادر",
    "التي",
    "الذي",
    "بين",
    "بعد",
    "مع",
    "عن",
    "حتى",
];
const EN_COMMON: &[&str] = &[
    "the", "of", "to", "in", "and", "a", "said", "on", "that", "for", "with", "by", "from", "as",
    "at",
];
const AR_PLACES: &[&str] = &[
    "الحسكة",
    "القامشلي",
    "الرقة",
    "كوباني",
    "دير الزور",
    "منبج",
    "الطبقة",
    "رأس العين",
    "تل أبيض",
    "عامودا",
    "المالكية",
    "الشدادي",
    "هجين",
    "البصيرة",
    "الهول",
    "عين عيسى",
    "تل تمر",
    "الدرباسية",
    "اليعربية",
    "الصور",
];
const EN_PLACES: &[&str] = &[
    "Hasakah",
    "Qamishli",
    "Raqqa",
    "Kobani",
    "Deir ez-Zor",
    "Manbij",
    "Tabqa",
    "Ras al-Ain",
    "Tal Abyad",
    "Amuda",
    "Malikiyah",
    "Shaddadi",
    "Hajin",
    "Busayrah",
    "al-Hol",
    "Ain Issa",
    "Tal Tamr",
    "Derbasiyah",
    "Yarubiyah",
    "al-Sour",
];
const AR_TOPICS: &[&str] = &[
    "الاقتصاد",
    "المياه",
    "الكهرباء",
    "المدارس",
    "الخبز",
    "المحروقات",
    "الاعتقالات",
    "المساعدات",
    "اللاجئين",
    "الانتخابات",
    "الزراعة",
    "الصحة",
    "اللقاح",
    "الجفاف",
    "القمح",
    "النفط",
    "الحدود",
    "المعابر",
    "الطرق",
    "السجون",
];
const EN_TOPICS: &[&str] = &[
    "economy",
    "water",
    "electricity",
    "schools",
    "bread",
    "fuel",
    "arrests",
    "aid",
    "refugees",
    "elections",
    "farming",
    "health",
    "vaccine",
    "drought",
    "wheat",
    "oil",
    "border",
    "crossings",
    "roads",
    "prisons",
];

/// A pseudo-word from a 20,000-word tail, drawn Zipf-like.
fn tail_word(rng: &mut Lcg, arabic: bool) -> String {
    let r = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let rank = (20_000f64.powf(r)) as u64; // log-uniform ≈ Zipf
    let letters: &[char] = if arabic {
        &[
            'ب', 'ت', 'ج', 'ح', 'د', 'ر', 'س', 'ش', 'ع', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه',
        ]
    } else {
        &[
            'b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
        ]
    };
    let mut id = rank;
    let mut w = String::new();
    for _ in 0..4 {
        w.push(letters[(id % 16) as usize]);
        id /= 16;
    }
    w
}

fn article(rng: &mut Lcg, arabic: bool) -> (String, String) {
    let (common, places, topics) = if arabic {
        (AR_COMMON, AR_PLACES, AR_TOPICS)
    } else {
        (EN_COMMON, EN_PLACES, EN_TOPICS)
    };
    let place = rng.pick(places);
    let place2 = rng.pick(places);
    let topic = rng.pick(topics);
    let mut body: Vec<String> = Vec::with_capacity(150);
    for i in 0..150 {
        let w = match rng.next() % 10 {
            0..=3 => rng.pick(common).to_string(),
            4 if i % 3 == 0 => topic.to_string(),
            5 if i % 40 == 0 => place.to_string(),
            6 if i % 70 == 0 => place2.to_string(),
            _ => tail_word(rng, arabic),
        };
        body.push(w);
    }
    let title = format!("{topic} {} {place}", rng.pick(common));
    (title, body.join(" "))
}

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
            let url = format!("https://outlet{}.example/news/{k}", k % 40);
            NewItem {
                key: url.clone(),
                url: Some(url.clone()),
                original_url: Some(url),
                guid: None,
                title: Some(title),
                author: None,
                published: None,
                lang: Some(if k % 2 == 0 { "ar" } else { "en" }.into()),
                summary: body,
                scrape: false,
                site: None,
            }
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
