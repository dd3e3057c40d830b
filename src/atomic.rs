//! Files written whole or not at all.
//!
//! Owns: writing an output file (exports, OPML, the config after
//! `import-opml`) through a temporary file created exclusively beside it
//! (`FILE.<random>.partial`, never through a symlink planted there), then
//! renamed over it. A failure leaves the old file as it was and removes the
//! temporary one.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AtomicError<E: std::error::Error + 'static> {
    #[error("{path}: cannot create a temporary file beside it: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What the writer itself reported.
    #[error(transparent)]
    Inner(E),
}

/// Calls `write` with a buffered writer to a new temporary file beside
/// `path`, then renames it to `path`.
pub fn write_file<T, E: std::error::Error + 'static>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, AtomicError<E>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{name}."))
        .suffix(".partial")
        .rand_bytes(8)
        .tempfile_in(dir)
        .map_err(|source| AtomicError::Create {
            path: path.to_path_buf(),
            source,
        })?;
    let io = |source| AtomicError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut w = BufWriter::new(tmp.as_file());
    let value = write(&mut w).map_err(AtomicError::Inner)?;
    w.flush().map_err(io)?;
    drop(w);
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().expect("tmp");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").expect("write");
        let out = dir.path().join("export.csv");
        std::os::unix::fs::symlink(&victim, &out).expect("symlink");
        write_file(&out, |w| w.write_all("الحسكة".as_bytes())).expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "الحسكة");
        assert!(!std::fs::symlink_metadata(&out)
            .expect("meta")
            .file_type()
            .is_symlink());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "no temporary file left");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("x.jsonl");
        std::fs::write(&out, "old").expect("write");
        let r: Result<(), _> = write_file(&out, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
