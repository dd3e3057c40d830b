//! Commands of proof: `history` (versions with word diffs, takedowns),
//! `evidence` (a bundle of an article's raw bodies and texts) and `verify`
//! (a bundle checked against its hashes).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use rasad::evidence;
use rasad::store::{EventRow, VersionRow, VersionSource};

use crate::cli::read::open_store_for_reading;
use crate::Cli;

fn article_id(id: &str) -> Result<i64> {
    id.trim()
        .parse::<i64>()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("{id:?} is not an article id (the `id` of `rasad export`)"))
}

/// One entry of an article's history, in time order.
enum Entry<'a> {
    Version(&'a VersionRow),
    Event(&'a EventRow),
}

impl Entry<'_> {
    fn at(&self) -> &str {
        match self {
            Entry::Version(v) => &v.seen_at,
            Entry::Event(e) => &e.seen_at,
        }
    }
}

/// `rasad history ID [--json]`.
pub(crate) fn history(cli: &Cli, id: &str, json: bool) -> Result<ExitCode> {
    let id = article_id(id)?;
    let store = open_store_for_reading(cli)?;
    if store.article(id)?.is_none() {
        bail!("no article {id} in {}", store.path().display());
    }
    let (versions, events) = store.history(id)?;
    let mut entries: Vec<Entry> = versions.iter().map(Entry::Version).collect();
    entries.extend(events.iter().map(Entry::Event));
    // stable: a version and an event of the same second keep their order
    entries.sort_by(|a, b| a.at().cmp(b.at()));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let p = rasad::text::printable;
    for e in &entries {
        match (e, json) {
            (Entry::Version(v), true) => writeln!(out, "{}", serde_json::to_string(v)?)?,
            (Entry::Event(ev), true) => writeln!(out, "{}", serde_json::to_string(ev)?)?,
            (Entry::Version(v), false) => {
                let from = match (&v.source, &v.feed) {
                    (VersionSource::Feed, Some(f)) => format!("feed {f}"),
                    _ => "page".to_string(),
                };
                writeln!(out, "version {} · {} · {}", v.version, v.seen_at, p(&from))?;
                let before = versions[..v.version - 1]
                    .iter()
                    .rev()
                    .find(|o| o.source == v.source && o.feed == v.feed);
                match before {
                    None => {
                        writeln!(out, "  title: {}", p(v.title.as_deref().unwrap_or("")))?;
                        for line in v.text.lines() {
                            writeln!(out, "  {}", p(line))?;
                        }
                    }
                    Some(o) => {
                        let t = evidence::word_diff(
                            o.title.as_deref().unwrap_or(""),
                            v.title.as_deref().unwrap_or(""),
                        );
                        writeln!(out, "  title: {}", p(&evidence::render_diff(&t, 50)))?;
                        let d = evidence::word_diff(&o.text, &v.text);
                        writeln!(out, "  text: {}", p(&evidence::render_diff(&d, 6)))?;
                    }
                }
                if let Some(sha) = &v.sha256 {
                    writeln!(out, "  raw body sha256 {sha}")?;
                }
            }
            (Entry::Event(ev), false) => writeln!(
                out,
                "{} · {} · HTTP {} · {}{}",
                ev.event.as_str(),
                ev.seen_at,
                ev.status.map_or("-".into(), |s| s.to_string()),
                p(ev.url.as_deref().unwrap_or("")),
                ev.detail
                    .as_deref()
                    .map(|d| format!(" · {}", p(d)))
                    .unwrap_or_default()
            )?,
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `rasad evidence ID -o DIR`.
pub(crate) fn evidence(cli: &Cli, id: &str, dir: &Path) -> Result<ExitCode> {
    let id = article_id(id)?;
    let store = open_store_for_reading(cli)?;
    let m = evidence::write_bundle(&store, id, dir)?;
    let pruned = m.files.iter().filter(|f| f.kind == "pruned").count();
    println!(
        "{}: {} files ({} raw bodies pruned, hashes kept), {} versions, {} events; check with `rasad verify {}`",
        dir.display(),
        m.files.len() - pruned,
        pruned,
        m.versions.len(),
        m.events.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `rasad verify DIR`: exit 1 when a file is missing or altered.
pub(crate) fn verify(dir: &Path) -> Result<ExitCode> {
    let v = evidence::verify_bundle(dir)?;
    for bad in &v.bad {
        println!("ALTERED OR MISSING {}", rasad::text::printable(bad));
    }
    println!(
        "{}: {} files match their SHA-256, {} altered or missing, {} pruned (hash only)",
        dir.display(),
        v.ok,
        v.bad.len(),
        v.pruned
    );
    Ok(if v.bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
