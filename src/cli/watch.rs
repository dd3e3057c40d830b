//! Commands about watches and outlets: `outlets` (each outlet's activity
//! and state, judged now) and `watches` (matches and deliveries).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::files::load_config;
use crate::cli::read::open_store_for_reading;
use crate::Cli;

/// `rasad outlets [--json]`.
pub(crate) fn outlets(cli: &Cli, json: bool) -> Result<ExitCode> {
    let config = load_config(&cli.config)?;
    let store = open_store_for_reading(cli)?;
    let list = rasad::pipeline::outlets(&store, &config, chrono::Utc::now())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        for o in &list {
            writeln!(out, "{}", serde_json::to_string(o)?)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<32} {:<12} {:>9} {:>7} {:>8}  {:<21} FEEDS",
        "OUTLET", "STATE", "EXPECTED", "ACTUAL", "PER DAY", "SINCE"
    )?;
    let p = rasad::text::printable;
    for o in &list {
        writeln!(
            out,
            "{:<32} {:<12} {:>9.1} {:>7} {:>8.1}  {:<21} {}",
            p(&o.site),
            o.judgement.state.as_str(),
            o.judgement.expected,
            o.judgement.actual,
            o.judgement.daily,
            o.since.as_deref().unwrap_or("-"),
            p(&o.feeds.join(", "))
        )?;
    }
    writeln!(
        out,
        "expected/actual: items in the last {} hours against the same hours of the last {} weeks; \
         silent under {:.0} % of it (outlets of {} items a day or more) while the feeds answer",
        rasad::alerts::silence::POLICY.window_hours,
        rasad::alerts::silence::POLICY.weeks,
        rasad::alerts::silence::POLICY.share * 100.0,
        rasad::alerts::silence::POLICY.min_daily
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `rasad watches`.
pub(crate) fn watches(cli: &Cli) -> Result<ExitCode> {
    let config = load_config(&cli.config)?;
    let store = open_store_for_reading(cli)?;
    let stats = store.watch_stats()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{:<20} {:<9} {:>8} {:<21} {:>9} {:>8}  LAST ERROR",
        "WATCH", "KIND", "MATCHES", "LAST MATCH", "DELIVERED", "WAITING"
    )?;
    let p = rasad::text::printable;
    let mut names: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
    for s in &stats {
        if !names.contains(&s.watch) {
            names.push(s.watch.clone());
        }
    }
    for name in names {
        let s = stats
            .iter()
            .find(|s| s.watch == name)
            .cloned()
            .unwrap_or_default();
        let kind = match config.watches.iter().find(|w| w.name == name) {
            Some(w) if w.kind == rasad::config::WatchKind::Silence => "silence",
            Some(_) => "articles",
            None => "(removed)",
        };
        writeln!(
            out,
            "{:<20} {:<9} {:>8} {:<21} {:>9} {:>8}  {}",
            p(&name),
            kind,
            s.matches,
            s.last_match.as_deref().unwrap_or("-"),
            s.delivered,
            s.pending,
            p(s.last_error.as_deref().unwrap_or(""))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
