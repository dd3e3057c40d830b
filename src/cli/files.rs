//! Commands on files: extract, import-opml, check-config, and loading the
//! config.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use rasad::config::Config;
use rasad::export::{self};

pub(crate) fn extract(
    url: Option<&str>,
    json: bool,
    out_dir: Option<&Path>,
    (timing, with_title): (bool, bool),
    files: &[PathBuf],
) -> Result<ExitCode> {
    let url = url
        .map(url::Url::parse)
        .transpose()
        .context("--url is not a valid URL")?;
    let targets = match out_dir {
        Some(dir) => output_files(dir, files)?,
        None => Vec::new(),
    };
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
        let result = rasad::extract::check_page(None, &bytes)
            .and_then(|()| rasad::extract::extract(&decoded.text, url.as_ref(), &rules));
        spent += started.elapsed();
        let e = match &result {
            Ok(e) => Some(e),
            Err(err) => {
                eprintln!("rasad: {}: {err}", file.display());
                failed += 1;
                None
            }
        };
        let text = match e {
            Some(e) if with_title => titled(e),
            Some(e) => e.text.clone(),
            None => String::new(),
        };
        if let Some(target) = targets.get(i) {
            std::fs::write(target, text)
                .with_context(|| format!("cannot write {}", target.display()))?;
        } else if json {
            writeln!(out, "{}", extracted_json(file, e, &decoded))?;
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

/// The title, then the body (unless the body opens with it).
fn titled(e: &rasad::extract::Extracted) -> String {
    match e.title.as_deref().filter(|t| !e.text.starts_with(t)) {
        Some(t) => format!("{t}\n{}", e.text),
        None => e.text.clone(),
    }
}

/// One output per input, named by the input's whole stem (`a.b.html` →
/// `a.b.txt`); two inputs that would share an output are refused before
/// anything is written.
fn output_files(dir: &Path, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut targets: Vec<PathBuf> = Vec::new();
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
    Ok(targets)
}

/// `extract --json`: one object per file (empty fields when nothing was
/// found).
fn extracted_json(
    file: &Path,
    e: Option<&rasad::extract::Extracted>,
    decoded: &rasad::charset::Decoded,
) -> serde_json::Value {
    serde_json::json!({
        "file": file.display().to_string(),
        "title": e.and_then(|e| e.title.as_deref()),
        "author": e.and_then(|e| e.author.as_deref()),
        "published": e.and_then(|e| e.published.as_deref()),
        "lang": e.and_then(|e| e.lang.as_deref()),
        "text": e.map_or("", |e| e.text.as_str()),
        "html": e.map_or("", |e| e.html.as_str()),
        "method": e.map_or("none", |e| e.method.as_str()),
        "encoding": decoded.encoding.name(),
        "encoding_source": decoded.source.as_str(),
    })
}

pub(crate) fn import_opml(config_path: &Path, opml: &Path) -> Result<ExitCode> {
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

pub(crate) fn check_config(path: &Path) -> Result<ExitCode> {
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

pub(crate) fn load_config(path: &Path) -> Result<Config> {
    let c = Config::load(path).map_err(|e| anyhow::anyhow!("invalid config:\n{e}"))?;
    for w in &c.warnings {
        tracing::warn!("{w}");
    }
    Ok(c)
}
