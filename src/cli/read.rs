//! Commands that read the store: export, search, feeds.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use rasad::export::{self, Format};
use rasad::store::{Filter, Store};

use crate::cli::files::load_config;
use crate::{Cli, FilterArgs};

/// What one line of an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Articles,
    Stories,
    Versions,
}

/// `rasad export`: articles (or stories, or versions) in a format, to
/// stdout or a file written atomically; OPML of the configured feeds.
pub(crate) fn export(
    cli: &Cli,
    format: Format,
    filter: &FilterArgs,
    query: Option<&str>,
    shape: Shape,
    excel: bool,
    output: Option<&Path>,
) -> Result<ExitCode> {
    if shape != Shape::Articles && format != Format::Jsonl {
        bail!("--stories and --versions write JSON Lines; drop --format or use --format jsonl");
    }
    if excel && format != Format::Csv {
        bail!("--excel is for --format csv");
    }
    if format == Format::Opml {
        let config = crate::cli::files::load_config(&cli.config)?;
        match output {
            Some(path) => {
                rasad::atomic::write_file(path, |w| export::write_opml(&config.feeds, w))?
            }
            None => export::write_opml(
                &config.feeds,
                &mut std::io::BufWriter::new(std::io::stdout().lock()),
            )?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let filter = build_filter(filter, query)?;
    let store = open_store_for_reading(cli)?;
    refresh_index(&store)?;
    let options = export::Options {
        format,
        excel,
        progress: output.is_some() && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let write = |w: &mut dyn Write| match shape {
        Shape::Stories => export::export_stories(&store, &filter, w),
        Shape::Versions => export::export_versions(&store, &filter, w),
        Shape::Articles => export::export(&store, &filter, &options, w),
    };
    let n = match output {
        Some(path) => rasad::atomic::write_file(path, write)?,
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write(&mut w)?
        }
    };
    tracing::info!(articles = n, "exported");
    Ok(ExitCode::SUCCESS)
}

/// `rasad feeds`: the health table, every value printable.
pub(crate) fn feeds(cli: &Cli) -> Result<ExitCode> {
    let store = open_store_for_reading(cli)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<40} {:<21} {:<32} {:>6} {:>5} {:>6}  LAST ERROR",
        "FEED", "LAST SUCCESS", "NEXT POLL", "ITEMS", "FAILS", "PAGES!"
    )?;
    let now = rasad::store::ts(chrono::Utc::now());
    for h in store.feed_health()? {
        let next = match (&h.held_until, h.disabled) {
            (Some(until), _) if until.as_str() > now.as_str() => {
                format!("held until {until}")
            }
            (_, true) => format!("{} (disabled)", h.next_poll.as_deref().unwrap_or("-")),
            _ => h.next_poll.clone().unwrap_or_else(|| "-".into()),
        };
        let error = match (&h.last_error, &h.last_page_error) {
            (Some(e), _) => e.clone(),
            (None, Some(p)) => format!("page: {p}"),
            (None, None) => String::new(),
        };
        let p = rasad::text::printable;
        writeln!(
            out,
            "{:<40} {:<21} {:<32} {:>6} {:>5} {:>6}  {}",
            p(&h.name),
            h.last_success.as_deref().unwrap_or("never"),
            next,
            h.articles,
            h.consecutive_failures,
            h.pages_failed,
            p(&error)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn build_filter(args: &FilterArgs, query: Option<&str>) -> Result<Filter> {
    let now = chrono::Utc::now();
    let time = |t: &Option<String>| {
        t.as_deref()
            .map(|s| export::parse_time_arg(s, now))
            .transpose()
            .map_err(anyhow::Error::msg)
    };
    let place = match &args.place {
        Some(name) => Some(
            rasad::places::lookup(name)
                .with_context(|| format!("unknown place {name:?} (see data/places.csv)"))?
                .id
                .clone(),
        ),
        None => None,
    };
    let query = match query {
        Some(q) => Some(
            rasad::search::fts_query(q)
                .with_context(|| format!("nothing to search for in {q:?}"))?,
        ),
        None => None,
    };
    Ok(Filter {
        since: time(&args.since)?,
        until: time(&args.until)?,
        feeds: args.feeds.clone(),
        lang: args.lang.as_ref().map(|l| l.trim().to_ascii_lowercase()),
        place,
        query,
        watch: args.watch.clone(),
        ..Filter::default()
    })
}

/// Indexes articles whose text changed since the last pass.
pub(crate) fn refresh_index(store: &Store) -> Result<()> {
    while store.refresh_index(None, 10_000, rasad::search::index_entry)? > 0 {}
    Ok(())
}

pub(crate) fn search(
    cli: &Cli,
    query: &str,
    limit: usize,
    args: &FilterArgs,
    json: bool,
) -> Result<ExitCode> {
    let mut filter = build_filter(args, Some(query))?;
    filter.rank = true;
    filter.limit = Some(limit.clamp(1, 10_000));
    let store = open_store_for_reading(cli)?;
    refresh_index(&store)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut n = 0;
    store.for_each_article(&filter, |row| {
        n += 1;
        let snippet = rasad::search::snippet(&row.text, query, 30);
        if json {
            let mut v = serde_json::to_value(&row).map_err(std::io::Error::other)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("snippet".into(), serde_json::Value::String(snippet));
            }
            writeln!(out, "{v}")
        } else {
            let p = rasad::text::printable;
            writeln!(
                out,
                "{n}. {}\n   {} · {} · {}\n   {}\n   {}\n",
                p(row.title.as_deref().unwrap_or("(no title)")),
                p(row.outlet.as_deref().unwrap_or(&row.feed)),
                p(row.published.as_deref().unwrap_or(&row.first_seen)),
                p(row.lang.as_deref().unwrap_or("?")),
                p(&snippet),
                p(row.url.as_deref().unwrap_or(""))
            )
        }
    })?;
    out.flush()?;
    if n == 0 && !json {
        eprintln!("no results for {query:?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The database for read-only commands: `--db`, else the config's (when
/// the config file exists), else `./rasad.db`.
pub(crate) fn open_store_for_reading(cli: &Cli) -> Result<Store> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None if cli.config.exists() => load_config(&cli.config)?.db_path(None),
        None => PathBuf::from("rasad.db"),
    };
    if !path.exists() {
        bail!(
            "{}: no database yet; run `rasad poll` first",
            path.display()
        );
    }
    Ok(Store::open(&path)?)
}
