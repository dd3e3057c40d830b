//! The reader's server time on a store of N articles (default 100,000;
//! half Arabic, half English, 40 outlets, first seen over 30 days, place
//! tags from the real index): p50/p95/max per page and API route, and the
//! size of the HTML, measured as the time from the request to the last
//! byte of the answer over loopback (one client, `Connection: close`).
//!
//!     cargo run --release --example reader_bench [N [DB]]
//!
//! With DB, the store is built there once and reused by later runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "support/bench_store.rs"]
mod bench_store;

#[path = "../tests/support/lcg.rs"]
mod lcg;
use lcg::Lcg;

#[path = "support/news.rs"]
mod news;

/// Fills the store, first seen over the last 30 days (in `keep` when
/// given and it is not there yet; as it is when it is).
fn build(
    n: u64,
    keep: Option<std::path::PathBuf>,
) -> Result<(tempfile::TempDir, std::path::PathBuf), Box<dyn std::error::Error>> {
    if let Some(path) = keep.as_ref().filter(|p| p.exists()) {
        return Ok((tempfile::tempdir()?, path.clone()));
    }
    let (dir, store, feed_id) = bench_store::store_with_feed(None)?;
    let mut rng = Lcg(7);
    bench_store::fill(
        &store,
        feed_id,
        n,
        chrono::Duration::days(30),
        |k| {
            let arabic = k % 2 == 0;
            let (title, body) = news::article(&mut rng, arabic);
            let lang = if arabic { "ar" } else { "en" };
            bench_store::news_item(k, title, body, Some(lang), false)
        },
        |_, _| Ok(()),
    )?;
    while store.refresh_index(None, 10_000, rasad::search::index_entry)? > 0 {}
    let path = store.path().to_path_buf();
    drop(store);
    match keep {
        Some(to) => {
            std::fs::copy(&path, &to)?;
            Ok((dir, to))
        }
        None => Ok((dir, path)),
    }
}

/// One GET; the time to the last byte, the status and the body's size.
async fn get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<(Duration, u16, usize)> {
    let t = Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let took = t.elapsed();
    let status = std::str::from_utf8(buf.get(9..12).unwrap_or(b"0"))
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| buf.len() - p - 4);
    Ok((took, status, body))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = bench_store::count_arg(100_000);
    let started = Instant::now();
    let (_dir, db) = build(n, std::env::args().nth(2).map(Into::into))?;
    println!(
        "built and indexed {n} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let reader = Arc::new(rasad::web::Reader::open(&db, None)?);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(rasad::web::serve(listener, reader, std::future::pending()));
        let queries = [
            "الحسكة",
            "حسكه",
            "\"دير الزور\"",
            "Qamishli",
            "bread OR fuel",
            "مياه AND الرقة",
        ];
        let mut routes: Vec<(&str, Vec<String>)> = vec![
            (
                "front page /",
                vec!["/".into(), "/?lang=ar".into(), "/?place=kobani".into()],
            ),
            (
                "story /story/ID",
                (1..=20)
                    .map(|i| format!("/story/{}", i * (n / 21).max(1)))
                    .collect(),
            ),
            (
                "article /article/ID",
                (1..=20)
                    .map(|i| format!("/article/{}", i * (n / 21).max(1)))
                    .collect(),
            ),
            (
                "search /search?q=",
                queries
                    .iter()
                    .map(|q| format!("/search?q={}", enc(q)))
                    .collect(),
            ),
            (
                "place /place/NAME",
                vec![
                    "/place/kobani".into(),
                    format!("/place/{}", enc("رأس العين")),
                ],
            ),
            (
                "outlet /outlet/SITE",
                (0..5)
                    .map(|i| format!("/outlet/outlet{i}.example"))
                    .collect(),
            ),
            ("feeds /feeds", vec!["/feeds".into()]),
            (
                "api search",
                queries
                    .iter()
                    .map(|q| format!("/api/v1/search?q={}", enc(q)))
                    .collect(),
            ),
            ("api stories", vec!["/api/v1/stories?since=24h".into()]),
            (
                "api story",
                (1..=20)
                    .map(|i| format!("/api/v1/stories/{}", i * (n / 21).max(1)))
                    .collect(),
            ),
            (
                "api article",
                (1..=20)
                    .map(|i| format!("/api/v1/articles/{}", i * (n / 21).max(1)))
                    .collect(),
            ),
            ("api feeds", vec!["/api/v1/feeds".into()]),
        ];
        println!(
            "{:<22} {:>8} {:>8} {:>8} {:>10}",
            "route", "p50 ms", "p95 ms", "max ms", "max KB"
        );
        for (name, paths) in routes.drain(..) {
            let mut times = Vec::new();
            let mut size = 0;
            // warm once, then 60 requests round the paths
            let _ = get(addr, &paths[0]).await?;
            for k in 0..60 {
                let (t, status, bytes) = get(addr, &paths[k % paths.len()]).await?;
                if status != 200 {
                    return Err(format!("{} answered {status}", paths[k % paths.len()]).into());
                }
                times.push(t.as_secs_f64() * 1000.0);
                size = size.max(bytes);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
            println!(
                "{name:<22} {:>8.2} {:>8.2} {:>8.2} {:>10.1}",
                at(0.5),
                at(0.95),
                at(1.0),
                size as f64 / 1024.0
            );
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
