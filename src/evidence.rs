//! Proof of what was published: word-level diffs between versions
//! (computed on normalized words, shown in the original text), evidence
//! bundles (the raw bodies as received, the text of every version, a
//! manifest of SHA-256 hashes, a README) and their verification.
//!
//! A bundle is a copy: the stored originals are never modified.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{sha256_hex, Store, StoreError, VersionRow};

/// One run of words in a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diff {
    Same(String),
    Removed(String),
    Added(String),
}

/// The word-level diff of `old` and `new`: words compared normalized (so
/// tashkeel, letter forms and digits' script are no change), shown as
/// written.
pub fn word_diff(old: &str, new: &str) -> Vec<Diff> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let norm = |w: &&str| crate::text::normalize(w);
    let na: Vec<String> = a.iter().map(norm).collect();
    let nb: Vec<String> = b.iter().map(norm).collect();
    let mut out: Vec<Diff> = Vec::new();
    let push = |out: &mut Vec<Diff>, d: Diff| {
        let merged = match (out.last_mut(), &d) {
            (Some(Diff::Same(x)), Diff::Same(y))
            | (Some(Diff::Removed(x)), Diff::Removed(y))
            | (Some(Diff::Added(x)), Diff::Added(y)) => {
                x.push(' ');
                x.push_str(y);
                true
            }
            _ => false,
        };
        if !merged {
            out.push(d);
        }
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &na, &nb) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => push(&mut out, Diff::Same(b[new_range].join(" "))),
            similar::DiffTag::Delete => push(&mut out, Diff::Removed(a[old_range].join(" "))),
            similar::DiffTag::Insert => push(&mut out, Diff::Added(b[new_range].join(" "))),
            similar::DiffTag::Replace => {
                push(&mut out, Diff::Removed(a[old_range].join(" ")));
                push(&mut out, Diff::Added(b[new_range].join(" ")));
            }
        }
    }
    out
}

/// A diff as text: `[-removed-]` and `{+added+}`, runs of unchanged words
/// longer than `context` words shortened to their ends.
pub fn render_diff(parts: &[Diff], context: usize) -> String {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        match p {
            Diff::Same(t) => {
                let words: Vec<&str> = t.split_whitespace().collect();
                if words.len() > context * 2 + 1 {
                    let head = if i == 0 { 0 } else { context };
                    let tail = if i + 1 == parts.len() { 0 } else { context };
                    s.push_str(&words[..head].join(" "));
                    s.push_str(if head > 0 { " … " } else { "… " });
                    s.push_str(&words[words.len() - tail..].join(" "));
                } else {
                    s.push_str(t);
                }
            }
            Diff::Removed(t) => {
                s.push_str("[-");
                s.push_str(t);
                s.push_str("-]");
            }
            Diff::Added(t) => {
                s.push_str("{+");
                s.push_str(t);
                s.push_str("+}");
            }
        }
    }
    s.trim().to_string()
}

/// One file of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub url: Option<String>,
    pub fetched_at: Option<String>,
    pub status: Option<u16>,
    /// What it is: `raw` (a body as received), `version` (extracted text),
    /// `pruned` (a raw body no longer kept: only its hash is known).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub files: Vec<FileEntry>,
    pub rasad: String,
    pub article: serde_json::Value,
    /// The versions (`VersionRow`s without their text) and events.
    pub versions: Vec<serde_json::Value>,
    pub events: Vec<serde_json::Value>,
    pub created_at: String,
}

/// Why a bundle could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no article {0}")]
    NoArticle(i64),
    #[error("{}: {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: already exists and is not empty; choose a new folder", .0.display())]
    NotEmpty(PathBuf),
    #[error("{}: not a rasad evidence bundle: {detail}", path.display())]
    BadManifest { path: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> EvidenceError {
    let path = path.to_path_buf();
    move |source| EvidenceError::Io { path, what, source }
}

const README: &str = "rasad evidence bundle
=====================

This folder was written by rasad, a news monitor, from its database. It
holds what one article's pages and feeds said each time rasad read them.

- raw/: the response bodies exactly as received (after HTTP decompression),
  one file per distinct body; their URL, HTTP status, selected response
  headers and fetch time (UTC) are in manifest.json.
- versions/: the text rasad extracted for each version (title, then text).
- manifest.json: every file with its SHA-256; the article's record; the
  versions and the events (removed, restored) with their times.

A body listed with kind \"pruned\" is no longer kept (rasad's storage
budget); its SHA-256, URL and time still identify it.

To check the bundle: `rasad verify DIR` recomputes every hash; or by hand,
`sha256sum FILE` must print the sha256 given for it in manifest.json.
The copies here were made from rasad's stored originals, which are never
modified.
";

/// Writes the evidence bundle of `article` into `dir` (a new or empty
/// folder): raw bodies, version texts, `manifest.json`, README.
pub fn write_bundle(store: &Store, article: i64, dir: &Path) -> Result<Manifest, EvidenceError> {
    let row = store
        .article(article)?
        .ok_or(EvidenceError::NoArticle(article))?;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir, "cannot read the folder"))?;
        if entries.next().is_some() {
            return Err(EvidenceError::NotEmpty(dir.to_path_buf()));
        }
    }
    for sub in ["raw", "versions"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(dir, "cannot create the folder"))?;
    }
    let (versions, events) = store.history(article)?;
    let mut files = Vec::new();
    let mut raws: Vec<i64> = versions.iter().filter_map(|v| v.raw_id).collect();
    raws.extend(events.iter().filter_map(|e| e.raw_id));
    let mut seen = std::collections::HashSet::new();
    for id in raws {
        if !seen.insert(id) {
            continue;
        }
        let Some(raw) = store.raw_body(id)? else {
            continue;
        };
        let mut entry = FileEntry {
            path: format!("raw/{}-{}.bin", raw.id, &raw.sha256[..12]),
            sha256: raw.sha256.clone(),
            url: Some(raw.url.clone()),
            fetched_at: Some(raw.fetched_at.clone()),
            status: Some(raw.status),
            kind: "raw".into(),
            headers: raw.headers.clone(),
        };
        match &raw.body {
            Some(body) => write_file(&dir.join(&entry.path), body)?,
            None => {
                entry.kind = "pruned".into();
                entry.path = String::new();
            }
        }
        files.push(entry);
    }
    for v in &versions {
        let text = format!("{}\n\n{}\n", v.title.as_deref().unwrap_or(""), v.text);
        let path = format!("versions/v{}-{}.txt", v.version, v.source.as_str());
        write_file(&dir.join(&path), text.as_bytes())?;
        files.push(FileEntry {
            path,
            sha256: sha256_hex(text.as_bytes()),
            url: v.url.clone(),
            fetched_at: Some(v.seen_at.clone()),
            status: None,
            kind: "version".into(),
            headers: Vec::new(),
        });
    }
    write_file(&dir.join("README.txt"), README.as_bytes())?;
    let manifest = Manifest {
        files,
        rasad: env!("CARGO_PKG_VERSION").into(),
        article: serde_json::to_value(&row).unwrap_or_default(),
        versions: versions.iter().map(summary_of).collect(),
        events: events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or_default())
            .collect(),
        created_at: crate::store::ts(chrono::Utc::now()),
    };
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    write_file(&dir.join("manifest.json"), &json)?;
    Ok(manifest)
}

/// A version in the manifest: everything but its text (in its file).
fn summary_of(v: &VersionRow) -> serde_json::Value {
    let mut j = serde_json::to_value(v).unwrap_or_default();
    if let Some(o) = j.as_object_mut() {
        o.remove("text");
        o.insert(
            "file".into(),
            format!("versions/v{}-{}.txt", v.version, v.source.as_str()).into(),
        );
    }
    j
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EvidenceError> {
    crate::atomic::write_file(path, |w| w.write_all(bytes))
        .map_err(|e| io(path, "cannot write")(std::io::Error::other(e.to_string())))
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct Verified {
    pub ok: usize,
    pub pruned: usize,
    /// Files whose hash differs, or that are missing.
    pub bad: Vec<String>,
}

/// Recomputes the hash of every file `manifest.json` in `dir` lists.
pub fn verify_bundle(dir: &Path) -> Result<Verified, EvidenceError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read(&path).map_err(io(&path, "cannot read"))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| EvidenceError::BadManifest {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    let mut v = Verified::default();
    for f in &manifest.files {
        if f.kind == "pruned" {
            v.pruned += 1;
            continue;
        }
        let inside = Path::new(&f.path);
        let safe = inside
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            v.bad.push(format!("{}: a path outside the bundle", f.path));
            continue;
        }
        match std::fs::read(dir.join(inside)) {
            Ok(bytes) if sha256_hex(&bytes) == f.sha256 => v.ok += 1,
            Ok(bytes) => v.bad.push(format!(
                "{}: SHA-256 {} where the manifest says {}",
                f.path,
                sha256_hex(&bytes),
                f.sha256
            )),
            Err(e) => v.bad.push(format!("{}: {e}", f.path)),
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_on_normalized_words_shown_as_written() {
        let old = "قتل ثلاثة أشخاص في ريف دير الزور يوم الأحد";
        let new = "قُتل خمسة أشخاص في ريف دير الزور يوم الأحد";
        let d = word_diff(old, new);
        // tashkeel added to قتل is no change; the figure is
        assert_eq!(
            d,
            vec![
                Diff::Same("قُتل".into()),
                Diff::Removed("ثلاثة".into()),
                Diff::Added("خمسة".into()),
                Diff::Same("أشخاص في ريف دير الزور يوم الأحد".into()),
            ]
        );
        assert_eq!(render_diff(&d, 2), "قُتل [-ثلاثة-] {+خمسة+} أشخاص في …");
        let digits = word_diff("قتل ٣ أشخاص", "قتل 3 أشخاص");
        assert!(
            digits.iter().all(|p| matches!(p, Diff::Same(_))),
            "{digits:?}"
        );
        let changed = word_diff("قتل ٣ أشخاص", "قتل ٤ أشخاص");
        assert!(changed.contains(&Diff::Added("٤".into())), "{changed:?}");
    }
}
