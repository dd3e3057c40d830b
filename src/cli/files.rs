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
