//! The `rasad` command line: parses arguments and calls one function per
//! command. No logic of its own beyond wiring and printing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

use rasad::config::Config;
use rasad::export::{self, Format};

/// `--format` as the command line spells it (the library knows no clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
    /// Atom 1.0: any feed reader can subscribe to a filtered view.
    Atom,
    /// OPML 2.0 of the configured feeds.
    Opml,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Atom => Format::Atom,
            FormatArg::Opml => Format::Opml,
        }
    }
}
use rasad::fetch::Fetcher;
use rasad::pipeline::Pipeline;
use rasad::store::{Filter, Store};

#[derive(Parser)]
#[command(
    name = "rasad",
    version,
    about = "Watches news feeds, fetches full article text, keeps it in SQLite"
)]
struct Cli {
    /// Config file.
    #[arg(
        short = 'c',
        long = "config",
        env = "RASAD_CONFIG",
        default_value = "feeds.toml",
        global = true
    )]
    config: PathBuf,
    /// Database file (overrides the config's `db`).
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// More log output (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Log format: human-readable text, or one JSON object per line.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// Filters shared by `export` and `search`.
#[derive(clap::Args, Clone, Default)]
struct FilterArgs {
    /// Only articles published (or first seen) at or after this time: 2025-11-03, RFC 3339, or an age like 7d.
    #[arg(long)]
    since: Option<String>,
    /// Only articles published (or first seen) before this time.
    #[arg(long)]
    until: Option<String>,
    /// Only articles seen in this feed; may be repeated.
    #[arg(long = "feed")]
    feeds: Vec<String>,
    /// Only articles in this language (ar, ckb, ku, en, tr, …).
    #[arg(long)]
    lang: Option<String>,
    /// Only articles mentioning this place, under any of its names
    /// (Serêkaniyê = رأس العين = Ras al-Ain).
    #[arg(long)]
    place: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// The daemon: poll every feed when due, until SIGTERM or SIGINT.
    Run,
    /// One pass over all (or the named) feeds now, due or not, then exit.
    Poll {
        /// Poll only this feed (by name); may be repeated.
        #[arg(long = "feed")]
        feeds: Vec<String>,
        /// Fetch feeds and pages held back by Retry-After or backoff too.
        #[arg(long)]
        force: bool,
    },
    /// Write stored articles as JSON Lines or CSV.
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: FormatArg,
        #[command(flatten)]
        filter: FilterArgs,
        /// Only articles matching this search (same syntax as `rasad search`).
        #[arg(long)]
        query: Option<String>,
        /// One line per story (syndicated copies grouped): its articles,
        /// outlets, and who carried it first. JSON Lines.
        #[arg(long)]
        stories: bool,
        /// CSV with a UTF-8 byte-order mark, so Excel shows Arabic correctly.
        #[arg(long)]
        excel: bool,
        /// Output file (default: standard output).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Full-text search, Arabic-aware: ranked, with a highlighted snippet.
    Search {
        /// Words, "quoted phrases", AND / OR / NOT, word* for prefixes.
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        filter: FilterArgs,
        /// One JSON object per result (the article's fields, score, snippet).
        #[arg(long)]
        json: bool,
    },
    /// Extract article text from saved HTML files.
    Extract {
        /// The page's address, for site-specific behaviour.
        #[arg(long)]
        url: Option<String>,
        /// Print one JSON object per file.
        #[arg(long)]
        json: bool,
        /// Write DIR/<file stem>.txt for each input instead of printing.
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Print the time spent decoding and extracting (file I/O excluded) to stderr.
        #[arg(long)]
        timing: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Per-feed health: last success, last error, articles.
    Feeds,
    /// Validate the config file and say what is wrong, with line numbers.
    CheckConfig,
    /// Add the feeds of an OPML file to the config file (comments and order
    /// kept; feeds already present by URL or name are skipped).
    ImportOpml { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet, cli.log_format);
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "internal panic (contained where possible)");
    }));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                // `rasad export | head`: the reader is gone, nothing to report
                return ExitCode::SUCCESS;
            }
            eprintln!("rasad: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::WARN,
        (false, 0) => LevelFilter::INFO,
        (false, 1) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| {
            Targets::new()
                .with_default(LevelFilter::WARN)
                .with_target("rasad", level)
        });
    // Under systemd the journal stamps every line itself.
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_current_span(true)
                    .with_span_list(true),
            )
            .init(),
        LogFormat::Text if journald => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .with_ansi(false)
                    .without_time(),
            )
            .init(),
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .with_ansi(terminal),
            )
            .init(),
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::CheckConfig => check_config(&cli.config),
        Command::ImportOpml { ref file } => import_opml(&cli.config, file),
        Command::Poll { ref feeds, force } => poll(&cli, feeds, force),
        Command::Run => run_daemon(&cli),
        Command::Export {
            format,
            ref filter,
            ref query,
            stories,
            excel,
            ref output,
        } => {
            let format = Format::from(format);
            if stories && format != Format::Jsonl {
                bail!("--stories writes JSON Lines; drop --format or use --format jsonl");
            }
            if excel && format != Format::Csv {
                bail!("--excel is for --format csv");
            }
            if format == Format::Opml {
                let config = load_config(&cli.config)?;
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
            let filter = build_filter(filter, query.as_deref())?;
            let store = open_store_for_reading(&cli)?;
            refresh_index(&store)?;
            let options = export::Options {
                format,
                excel,
                progress: output.is_some() && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            let n = match output {
                Some(path) => rasad::atomic::write_file(path, |w| {
                    if stories {
                        export::export_stories(&store, &filter, w)
                    } else {
                        export::export(&store, &filter, &options, w)
                    }
                })?,
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    if stories {
                        export::export_stories(&store, &filter, &mut w)?
                    } else {
                        export::export(&store, &filter, &options, &mut w)?
                    }
                }
            };
            tracing::info!(articles = n, "exported");
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract {
            ref url,
            json,
            ref out_dir,
            timing,
            ref files,
        } => extract(url.as_deref(), json, out_dir.as_deref(), timing, files),
        Command::Search {
            ref query,
            limit,
            ref filter,
            json,
        } => search(&cli, query, limit, filter, json),
        Command::Feeds => {
            let store = open_store_for_reading(&cli)?;
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
    }
}

fn build_filter(args: &FilterArgs, query: Option<&str>) -> Result<Filter> {
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
        rank: false,
        limit: None,
        by_story: false,
    })
}

/// Indexes articles whose text changed since the last pass.
fn refresh_index(store: &Store) -> Result<()> {
    while store.refresh_index(None, 10_000, rasad::search::index_entry)? > 0 {}
    Ok(())
}

fn search(cli: &Cli, query: &str, limit: usize, args: &FilterArgs, json: bool) -> Result<ExitCode> {
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

fn import_opml(config_path: &Path, opml: &Path) -> Result<ExitCode> {
    let xml =
        std::fs::read_to_string(opml).with_context(|| format!("cannot read {}", opml.display()))?;
    let feeds = export::read_opml(&xml).with_context(|| opml.display().to_string())?;
    let done = rasad::config::add_opml_feeds(config_path, feeds)?;
    for (name, url) in &done.not_http {
        eprintln!(
            "skipping {:?}: not an http(s) URL: {}",
            rasad::text::printable(name),
            rasad::text::printable(url)
        );
    }
    println!(
        "{}: {} feeds added, {} skipped",
        config_path.display(),
        done.added,
        done.skipped
    );
    Ok(ExitCode::SUCCESS)
}

fn check_config(path: &Path) -> Result<ExitCode> {
    match Config::load(path) {
        Ok(c) => {
            for w in &c.warnings {
                eprintln!("warning: {w}");
            }
            println!("{}: ok, {} feeds", path.display(), c.feeds.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            for issue in &e.issues {
                eprintln!("error: {issue}");
            }
            eprintln!("{}: {} problem(s)", path.display(), e.issues.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn load_config(path: &Path) -> Result<Config> {
    let c = Config::load(path).map_err(|e| anyhow::anyhow!("invalid config:\n{e}"))?;
    for w in &c.warnings {
        tracing::warn!("{w}");
    }
    Ok(c)
}

/// The database for read-only commands: `--db`, else the config's (when
/// the config file exists), else `./rasad.db`.
fn open_store_for_reading(cli: &Cli) -> Result<Store> {
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

/// The database size cap: `[store] max_db_size`, unless the operator's
/// `RASAD_DB_MAX_PAGES` (pages of 4 KiB) overrides it.
fn db_size_cap(config: &Config) -> u64 {
    std::env::var("RASAD_DB_MAX_PAGES")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&p| p > 0)
        .map_or(config.store.max_db_size, |pages| pages.saturating_mul(4096))
}

/// Opens the store and builds the pipeline for `config`.
fn pipeline(cli: &Cli, config: Config, force: bool) -> Result<Arc<Pipeline>> {
    let db = config.db_path(cli.db.as_deref());
    let store = Store::open_capped(&db, Some(db_size_cap(&config)))?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let p = Pipeline::new(Arc::new(config), Arc::new(fetcher), Arc::new(store));
    Ok(Arc::new(if force { p.forced() } else { p }))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    // Database calls and CPU work run on the blocking pool; database calls
    // queue on one connection anyway, so a small pool keeps memory flat
    // when hundreds of feeds and pages are in flight.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores * 4)
        .build()
        .context("cannot start the async runtime")
}

fn run_daemon(cli: &Cli) -> Result<ExitCode> {
    let config = load_config(&cli.config)?;
    let config_path = cli.config.clone();
    let pipeline = pipeline(cli, config, false)?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        let shutdown = async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
            }
        };
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot listen for SIGHUP")?;
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP received: reloading the configuration");
                // a reload already queued covers this one too
                let _ = reload_tx.try_send(());
            }
        });
        rasad::daemon::run(
            config_path,
            pipeline,
            shutdown,
            rasad::daemon::Control { reload: reload_rx },
            rasad::notify::Notifier::new(
                std::env::var_os("NOTIFY_SOCKET"),
                std::env::var("WATCHDOG_USEC").ok(),
                std::env::var("WATCHDOG_PID").ok(),
            ),
        )
        .await
        .map_err(anyhow::Error::from)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn poll(cli: &Cli, only: &[String], force: bool) -> Result<ExitCode> {
    let config = load_config(&cli.config)?;
    let feeds: Vec<_> = if only.is_empty() {
        config.feeds.clone()
    } else {
        for name in only {
            if !config.feeds.iter().any(|f| &f.name == name) {
                bail!("no feed named {name:?} in {}", config.path.display());
            }
        }
        config
            .feeds
            .iter()
            .filter(|f| only.contains(&f.name))
            .cloned()
            .collect()
    };
    let pipeline = pipeline(cli, config, force)?;
    let summary = runtime()?.block_on(pipeline.poll_feeds(&feeds, progress_line()))?;
    println!(
        "feeds: {} ok, {} not modified, {} failed; new articles: {}; pages: {} extracted, {} failed",
        summary.feeds_ok,
        summary.feeds_not_modified,
        summary.feeds_failed,
        summary.new_articles,
        summary.pages_ok,
        summary.pages_failed
    );
    if let Some(last) = summary.skipped.iter().max() {
        println!(
            "skipped: {} held back (Retry-After or an unfinished parse) until {} at the latest; poll --force fetches them",
            summary.skipped.len(),
            rasad::store::ts(*last)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A running count of feeds done on stderr, when it is a terminal; the
/// line is cleared at the end.
fn progress_line() -> impl FnMut(usize, usize) {
    let shown = std::io::IsTerminal::is_terminal(&std::io::stderr());
    move |done, total| {
        if shown {
            let mut err = std::io::stderr().lock();
            let _ = if done == total {
                write!(err, "\r\x1b[2K")
            } else {
                write!(err, "\r\x1b[2Kpolling feeds: {done}/{total}")
            };
            let _ = err.flush();
        }
    }
}

fn extract(
    url: Option<&str>,
    json: bool,
    out_dir: Option<&Path>,
    timing: bool,
    files: &[PathBuf],
) -> Result<ExitCode> {
    let url = url
        .map(url::Url::parse)
        .transpose()
        .context("--url is not a valid URL")?;
    // one output per input, named by the input's whole stem (`a.b.html` →
    // `a.b.txt`); two inputs that would share an output are refused first
    let mut targets: Vec<PathBuf> = Vec::new();
    if let Some(dir) = out_dir {
        let mut seen: std::collections::HashMap<PathBuf, &Path> = std::collections::HashMap::new();
        for file in files {
            let stem = file.file_stem().unwrap_or(file.as_os_str());
            let mut name = stem.to_os_string();
            name.push(".txt");
            let target = dir.join(name);
            if let Some(other) = seen.insert(target.clone(), file) {
                bail!(
                    "{} and {} would both be written to {}; nothing written",
                    other.display(),
                    file.display(),
                    target.display()
                );
            }
            targets.push(target);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let rules = rasad::config::SiteRules::default();
    let mut failed = 0;
    let mut spent = std::time::Duration::ZERO;
    let mut out = std::io::stdout().lock();
    for (i, file) in files.iter().enumerate() {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("rasad: {}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let started = std::time::Instant::now();
        let decoded = rasad::charset::decode(&bytes, None);
        let result = rasad::extract::extract(&decoded.text, url.as_ref(), &rules);
        spent += started.elapsed();
        let empty = rasad::extract::Extracted {
            title: None,
            author: None,
            published: None,
            lang: None,
            text: String::new(),
            html: String::new(),
            method: "none",
        };
        let e = match &result {
            Ok(e) => e,
            Err(err) => {
                eprintln!("rasad: {}: {err}", file.display());
                failed += 1;
                &empty
            }
        };
        let text = e.text.as_str();
        if let Some(target) = targets.get(i) {
            std::fs::write(target, text)
                .with_context(|| format!("cannot write {}", target.display()))?;
        } else if json {
            let obj = serde_json::json!({
                "file": file.display().to_string(),
                "title": e.title,
                "author": e.author,
                "published": e.published,
                "lang": e.lang,
                "text": text,
                "html": e.html,
                "method": e.method,
                "encoding": decoded.encoding.name(),
            });
            writeln!(out, "{obj}")?;
        } else {
            writeln!(out, "{text}")?;
        }
    }
    if timing {
        eprintln!(
            "extracted {} pages in {:.4} s ({:.1} pages/s, one thread, file I/O excluded)",
            files.len(),
            spent.as_secs_f64(),
            files.len() as f64 / spent.as_secs_f64().max(1e-9)
        );
    }
    Ok(if failed == files.len() && !files.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
