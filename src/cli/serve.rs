//! The reader from the command line: `rasad serve` over a database, and
//! the reader beside the daemon in `rasad run` (`[web] listen`).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use futures_util::FutureExt;

use rasad::web::Reader;

use crate::cli::files::load_config;
use crate::cli::read::{open_store_for_reading, refresh_index};
use crate::Cli;

/// Binds `addr` and serves the reader over the database at `db` until
/// `shutdown`; the address actually bound is logged (port 0 picks one).
pub(crate) async fn start(
    addr: SocketAddr,
    db: &Path,
    token: Option<String>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<tokio::task::JoinHandle<()>> {
    if !addr.ip().is_loopback() && token.is_none() {
        bail!("{addr} is reachable beyond this machine: set [web] token or token_file first");
    }
    let reader = Reader::open(db, token)
        .with_context(|| format!("the reader cannot open {}", db.display()))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("the reader cannot listen on {addr}"))?;
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(url = %format!("http://{bound}/"), "reader listening");
    Ok(tokio::spawn(async move {
        if let Err(e) = rasad::web::serve(listener, Arc::new(reader), shutdown).await {
            tracing::error!(error = %e, "the reader stopped");
        }
    }))
}

/// The future that completes on SIGTERM or SIGINT, shareable.
pub(crate) fn signals() -> Result<
    futures_util::future::Shared<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    let fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        Box::pin(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
            }
        });
    Ok(fut.shared())
}

/// `rasad serve`: the reader over a database, without polling.
pub(crate) fn serve(cli: &Cli, listen: Option<&str>) -> Result<ExitCode> {
    let config = if cli.config.exists() {
        Some(load_config(&cli.config)?)
    } else {
        None
    };
    let web = config.as_ref().map(|c| c.web.clone()).unwrap_or_default();
    let addr = match listen {
        Some(a) => a
            .parse::<SocketAddr>()
            .with_context(|| format!("--listen {a:?}: write an address such as 127.0.0.1:8470"))?,
        None => match web.listen {
            Some(a) => a,
            None => bail!(
                "[web] listen is \"\" in {}: pass --listen ADDR",
                cli.config.display()
            ),
        },
    };
    let store = open_store_for_reading(cli)?;
    // search needs the index of every article, written once before serving
    refresh_index(&store)?;
    let db = store.path().to_path_buf();
    drop(store);
    crate::cli::collect::runtime()?.block_on(async {
        let shutdown = signals()?;
        let task = start(addr, &db, web.token, shutdown.clone()).await?;
        shutdown.await;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        Ok(ExitCode::SUCCESS)
    })
}
