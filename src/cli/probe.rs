//! `rasad try URL`: one feed or article URL fetched through the same client
//! and address guard as a poll, and what rasad would store from it printed
//! — how a monitor checks a new outlet, or a site rule, before adding it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use url::Url;

use rasad::config::{FetchConfig, SiteRules};
use rasad::fetch::{FetchOutcome, Fetched, Fetcher, Kind};
use rasad::text::printable;

use super::collect::runtime;
use super::files::load_config;

/// Pages of a feed extracted to show what its articles give.
const PAGES_SHOWN: usize = 3;
/// Items of a feed listed.
const ITEMS_SHOWN: usize = 10;

pub(crate) fn try_url(config: &std::path::Path, url: &str, json: bool) -> Result<ExitCode> {
    let url = Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    // the config's fetch settings (allowed networks, limits) when there is one
    let fetch = if config.exists() {
        load_config(config)?.fetch
    } else {
        FetchConfig::default()
    };
    let fetcher = Fetcher::new(&fetch)?;
    let rt = runtime()?;
    let first = rt.block_on(get(&fetcher, &url, Kind::Feed))?;
    let text = decode(&first);
    let mut out = std::io::stdout().lock();
    match rasad::feed::parse(&text, &first.url) {
        Ok(feed) => {
            let mut pages = Vec::new();
            for item in feed.items.iter().take(PAGES_SHOWN) {
                let Some(link) = &item.url else { continue };
                let page = rt
                    .block_on(get(&fetcher, link, Kind::Page))
                    .map(|p| page_report(&p));
                pages.push((link.clone(), page));
            }
            print_feed(&mut out, &first.url, &feed, &pages, json)?;
        }
        Err(rasad::feed::ParseError::NotAFeed(_)) => {
            let report = page_report(&first);
            if json {
                writeln!(out, "{}", report)?;
            } else {
                print_page(&mut out, &report)?;
            }
        }
        Err(e) => bail!("{}: {e}", first.url),
    }
    Ok(ExitCode::SUCCESS)
}

async fn get(fetcher: &Fetcher, url: &Url, kind: Kind) -> Result<Box<Fetched>> {
    match fetcher.get(url, kind, None).await? {
        FetchOutcome::Fresh(f) => Ok(f),
        FetchOutcome::NotModified => bail!("{url}: unexpected 304"),
    }
}

fn decode(f: &Fetched) -> String {
    rasad::charset::decode_response(&f.body, f.content_type.as_deref()).text
}

/// What rasad would store from a page, as JSON.
fn page_report(f: &Fetched) -> serde_json::Value {
    let extracted = rasad::extract::check_page(f.content_type.as_deref(), &f.body)
        .and_then(|()| rasad::extract::extract(&decode(f), Some(&f.url), &SiteRules::default()));
    match extracted {
        Ok(e) => {
            // the places the store would tag, from the same index entry
            let entry = rasad::search::index_entry(e.title.as_deref().unwrap_or(""), &e.text);
            let places = rasad::places::names_of(entry.places.iter().map(String::as_str));
            serde_json::json!({
                "url": f.url.as_str(),
                "title": e.title,
                "author": e.author,
                "published": e.published.as_deref().and_then(rasad::feed::parse_date).map(rasad::store::ts),
                "lang": e.lang.as_deref().and_then(rasad::text::primary_language),
                "places": places,
                "method": e.method.as_str(),
                "text": e.text,
            })
        }
        Err(err) => serde_json::json!({ "url": f.url.as_str(), "error": err.to_string() }),
    }
}

fn field<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("-")
}

fn print_page(out: &mut impl Write, r: &serde_json::Value) -> Result<()> {
    if let Some(err) = r["error"].as_str() {
        writeln!(out, "{}: {}", printable(field(r, "url")), printable(err))?;
        return Ok(());
    }
    for k in ["url", "title", "author", "published", "lang", "method"] {
        writeln!(out, "{k:>9}: {}", printable(field(r, k)))?;
    }
    let places: Vec<&str> = r["places"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p.as_str()).collect())
        .unwrap_or_default();
    writeln!(out, "{:>9}: {}", "places", places.join(", "))?;
    writeln!(out)?;
    writeln!(out, "{}", printable(field(r, "text")))?;
    Ok(())
}

fn print_feed(
    out: &mut impl Write,
    url: &Url,
    feed: &rasad::feed::ParsedFeed,
    pages: &[(Url, Result<serde_json::Value>)],
    json: bool,
) -> Result<()> {
    let items: Vec<serde_json::Value> = feed
        .items
        .iter()
        .take(ITEMS_SHOWN)
        .map(|i| {
            serde_json::json!({
                "title": i.title,
                "published": i.published.map(rasad::store::ts),
                "url": i.url.as_ref().map(Url::as_str),
            })
        })
        .collect();
    let pages: Vec<serde_json::Value> = pages
        .iter()
        .map(|(u, r)| match r {
            Ok(v) => v.clone(),
            Err(e) => serde_json::json!({ "url": u.as_str(), "error": format!("{e:#}") }),
        })
        .collect();
    if json {
        let obj = serde_json::json!({
            "feed": url.as_str(),
            "title": feed.title,
            "items": feed.items.len(),
            "first_items": items,
            "pages": pages,
        });
        writeln!(out, "{obj}")?;
        return Ok(());
    }
    writeln!(
        out,
        "feed {} — {}: {} items",
        printable(url.as_str()),
        printable(feed.title.as_deref().unwrap_or("(no title)")),
        feed.items.len()
    )?;
    for i in &items {
        writeln!(
            out,
            "  {:<20}  {}\n  {:<20}  {}",
            field(i, "published"),
            printable(field(i, "title")),
            "",
            printable(field(i, "url"))
        )?;
    }
    for p in &pages {
        writeln!(out, "\n---")?;
        if p["error"].is_null() {
            let text = field(p, "text");
            let shown: String = text.chars().take(300).collect();
            let mut page = p.clone();
            page["text"] = serde_json::Value::String(format!(
                "{shown}{} ({} characters)",
                if shown.len() < text.len() { "…" } else { "" },
                text.chars().count()
            ));
            print_page(out, &page)?;
        } else {
            print_page(out, p)?;
        }
    }
    Ok(())
}
