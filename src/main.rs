//! The `rasad` command line: parses arguments and calls one function per
//! command. No logic of its own beyond wiring and printing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

mod cli;

use rasad::export::Format;

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
    /// Set by `export --watch`.
    #[arg(skip)]
    watch: Option<String>,
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
        #[arg(long, conflicts_with = "versions")]
        stories: bool,
        /// One line per version of each article (what it said each time it
        /// said something else): JSON Lines.
        #[arg(long)]
        versions: bool,
        /// Only the articles this watch matched (`[[watch]] name`).
        #[arg(long)]
        watch: Option<String>,
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
        /// Start the text with the title (as the reader shows an article).
        #[arg(long)]
        with_title: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Per-feed health: last success, last error, articles.
    Feeds,
    /// Each outlet's activity: state (active, silent, unreachable),
    /// items expected and seen in the last 12 hours, items a day.
    Outlets {
        #[arg(long)]
        json: bool,
    },
    /// Each watch: matches, deliveries made and waiting, the last error.
    Watches,
    /// The web reader over the database, without polling (`rasad run`
    /// serves it too when `[web] listen` is set).
    Serve {
        /// Address to listen on (default: `[web] listen`, else 127.0.0.1:8470).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Fetch one feed or article URL as a poll would (same client, same
    /// address guard, the config's fetch settings) and print what rasad
    /// would store: a feed's items and its first three pages, or a page's
    /// title, author, date, language, places, method and text.
    Try {
        url: String,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// An article's versions, with a word-level diff between each and the
    /// one before it from the same source, and its takedowns and restores.
    History {
        /// The article's id (`id` in the export).
        id: String,
        /// One JSON object per version and event.
        #[arg(long)]
        json: bool,
    },
    /// Write an article's evidence bundle: the raw bodies as received, the
    /// text of every version, manifest.json with SHA-256 hashes, a README.
    Evidence {
        id: String,
        /// A new (or empty) folder.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Check an evidence bundle: every file against its hash.
    Verify { dir: PathBuf },
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
        Command::CheckConfig => cli::files::check_config(&cli.config),
        Command::ImportOpml { ref file } => cli::files::import_opml(&cli.config, file),
        Command::Poll { ref feeds, force } => cli::collect::poll(&cli, feeds, force),
        Command::Run => cli::collect::run_daemon(&cli),
        Command::Export {
            format,
            ref filter,
            ref query,
            stories,
            versions,
            ref watch,
            excel,
            ref output,
        } => cli::read::export(
            &cli,
            Format::from(format),
            &FilterArgs {
                watch: watch.clone(),
                ..filter.clone()
            },
            query.as_deref(),
            match (stories, versions) {
                (true, _) => cli::read::Shape::Stories,
                (_, true) => cli::read::Shape::Versions,
                _ => cli::read::Shape::Articles,
            },
            excel,
            output.as_deref(),
        ),
        Command::History { ref id, json } => cli::proof::history(&cli, id, json),
        Command::Evidence { ref id, ref output } => cli::proof::evidence(&cli, id, output),
        Command::Verify { ref dir } => cli::proof::verify(dir),
        Command::Extract {
            ref url,
            json,
            ref out_dir,
            timing,
            with_title,
            ref files,
        } => cli::files::extract(
            url.as_deref(),
            json,
            out_dir.as_deref(),
            (timing, with_title),
            files,
        ),
        Command::Search {
            ref query,
            limit,
            ref filter,
            json,
        } => cli::read::search(&cli, query, limit, filter, json),
        Command::Feeds => cli::read::feeds(&cli),
        Command::Outlets { json } => cli::watch::outlets(&cli, json),
        Command::Watches => cli::watch::watches(&cli),
        Command::Serve { ref listen } => cli::serve::serve(&cli, listen.as_deref()),
        Command::Try { ref url, json } => cli::probe::try_url(&cli.config, url, json),
    }
}
