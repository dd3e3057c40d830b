//! What the store benches share: the size argument, a store with one feed
//! in a temp folder, and filling it in batches through the real store API.

use rasad::config::FeedConfig;
use rasad::store::{NewItem, Store};

/// The first argument as a count, else `default`.
pub fn count_arg(default: u64) -> u64 {
    std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// A fresh store (in a temp folder kept alive by the returned guard) with
/// one feed, and that feed's id.
pub fn store_with_feed(
    lang: Option<&str>,
) -> Result<(tempfile::TempDir, Store, i64), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("bench.db"))?;
    let feed = FeedConfig {
        name: "bench".into(),
        url: url::Url::parse("https://outlet.example/feed")?,
        lang: lang.map(str::to_string),
        interval: std::time::Duration::from_secs(600),
        scrape: false,
        rules: Default::default(),
    };
    let feed_id = store.sync_feeds(&[feed], chrono::Utc::now())?["bench"];
    Ok((dir, store, feed_id))
}

/// Item `k` of a store of 40 outlets (`outletN.example`): its title and
/// text, in `lang`, its page to be read when `scrape`.
pub fn news_item(k: u64, title: String, text: String, lang: Option<&str>, scrape: bool) -> NewItem {
    let url = format!("https://outlet{}.example/news/{k}", k % 40);
    NewItem {
        key: url.clone(),
        url: Some(url.clone()),
        original_url: Some(url),
        guid: None,
        title: Some(title),
        author: None,
        published: None,
        lang: lang.map(str::to_string),
        summary: text,
        scrape,
        site: Some(format!("outlet{}.example", k % 40)),
    }
}

/// Ingests items `0..n` made by `make`, 1,000 per transaction, first seen
/// spread evenly over the `span` up to now (all now when it is zero),
/// calling `after` with each batch and what the store did with it.
pub fn fill(
    store: &Store,
    feed_id: i64,
    n: u64,
    span: chrono::Duration,
    mut make: impl FnMut(u64) -> NewItem,
    mut after: impl FnMut(
        &[NewItem],
        &[rasad::store::Ingested],
    ) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let now = chrono::Utc::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<NewItem> = (i..(i + 1000).min(n)).map(&mut make).collect();
        let back = span.num_seconds() * (n - i) as i64 / n.max(1) as i64;
        let done = store.ingest(feed_id, &batch, now - chrono::Duration::seconds(back))?;
        after(&batch, &done)?;
        i += 1000;
    }
    Ok(())
}
