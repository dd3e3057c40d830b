//! Commands that collect: poll and run (the daemon), and what they share:
//! the store opened with its size cap, the pipeline, the runtime.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use rasad::config::Config;
use rasad::fetch::Fetcher;
use rasad::pipeline::Pipeline;
use rasad::store::Store;

use crate::cli::files::load_config;
use crate::Cli;

/// The database size cap: `[store] max_db_size`, unless the operator's
/// `RASAD_DB_MAX_PAGES` (pages of 4 KiB) overrides it.
pub(crate) fn db_size_cap(config: &Config) -> u64 {
    std::env::var("RASAD_DB_MAX_PAGES")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&p| p > 0)
        .map_or(config.store.max_db_size, |pages| pages.saturating_mul(4096))
}

/// Opens the store and builds the pipeline for `config`.
pub(crate) fn pipeline(cli: &Cli, config: Config, force: bool) -> Result<Arc<Pipeline>> {
    let db = config.db_path(cli.db.as_deref());
    let store = Store::open_capped(&db, Some(db_size_cap(&config)))?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let p = Pipeline::new(Arc::new(config), Arc::new(fetcher), Arc::new(store));
    Ok(Arc::new(if force { p.forced() } else { p }))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    build_runtime(tokio::runtime::Builder::new_multi_thread())
}

/// The daemon's runtime: its async side only waits on sockets and timers
/// (parsing, extraction and SQLite run on the blocking pool), so one thread
/// serves it. Worker threads stealing each other's tasks cost a futex wake
/// and a context switch per hand-off: with two, 1,000 polls answered 304
/// took 0.85-0.92 CPU-s, with this one 0.69-0.78 (bench/README.md).
fn daemon_runtime() -> Result<tokio::runtime::Runtime> {
    build_runtime(tokio::runtime::Builder::new_current_thread())
}

fn build_runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime> {
    // Database calls and CPU work run on the blocking pool; database calls
    // queue on one connection anyway, so a small pool keeps memory flat
    // when hundreds of feeds and pages are in flight.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    builder
        .enable_all()
        .max_blocking_threads(cores * 4)
        .build()
        .context("cannot start the async runtime")
}

pub(crate) fn run_daemon(cli: &Cli) -> Result<ExitCode> {
    let config = load_config(&cli.config)?;
    let config_path = cli.config.clone();
    let pipeline = pipeline(cli, config, false)?;
    let rt = daemon_runtime()?;
    let web = pipeline.config.web.clone();
    let db = pipeline.store.path().to_path_buf();
    rt.block_on(async {
        let shutdown = crate::cli::serve::signals()?;
        // the reader beside the daemon: a reader that cannot start is
        // reported, and collecting goes on
        let reader = match web.listen {
            Some(addr) => crate::cli::serve::start(addr, &db, web.token.clone(), shutdown.clone())
                .await
                .map_err(|e| tracing::error!("{e:#}; collecting without the reader"))
                .ok(),
            None => None,
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
        .map_err(anyhow::Error::from)?;
        if let Some(task) = reader {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn poll(cli: &Cli, only: &[String], force: bool) -> Result<ExitCode> {
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
    let summary = runtime()?.block_on(async {
        let summary = pipeline.poll_feeds(&feeds, progress_line()).await?;
        // what the watches matched goes out before the poll ends
        match rasad::fetch::Poster::new(&pipeline.config.fetch.user_agent) {
            Ok(poster) => {
                pipeline.deliver_due(&poster).await;
            }
            Err(e) => tracing::error!(error = %e, "deliveries cannot be sent"),
        }
        Ok::<_, anyhow::Error>(summary)
    })?;
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
pub(crate) fn progress_line() -> impl FnMut(usize, usize) {
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
