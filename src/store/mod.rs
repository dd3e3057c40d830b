//! The SQLite store: the only module that knows rusqlite.
//!
//! Owns: opening (WAL, foreign keys, refusing foreign files), migrations,
//! and every query. Feeds and their fetch state, articles, and sightings
//! (which feed saw which article under which URL, and when). Calls are
//! blocking: async callers run them on `spawn_blocking`. Each write is one
//! short transaction, so a crash loses at most the write in progress.

mod checkpoint;
mod convert;
mod feeds;
mod index;
mod ingest;
mod ops;
mod pages;
mod query;
mod reader;
mod schema;
mod stories;
mod templates;
mod versions;
mod watches;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

use crate::config::FeedConfig;
use crate::fetch::Validators;

pub use schema::APPLICATION_ID;

mod types;

pub use pages::{PageSave, PageSaved, RingChange};
pub use reader::SiteRow;
pub use types::*;
pub use versions::{norm_hash, norm_hash_of, sha256_hex, RecheckOutcome};
pub use watches::{DeliveryRow, Judged, Unwatched, WatchStat};

/// The database.
pub struct Store {
    path: PathBuf,
    /// Stopped before `conn` closes, so the writer's connection is the
    /// last one and its close checkpoints and removes the log.
    _checkpointer: checkpoint::Checkpointer,
    conn: Mutex<Connection>,
}

/// Shortest body merged with another by its hash alone (shorter texts are
/// teasers and template briefs that may repeat across different stories).
pub const MIN_BODY_MERGE_CHARS: usize = 200;

/// How long a write waits for another process's write lock.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// RFC 3339 UTC with seconds, the one time format in the database.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What the WAL file is cut back to after a checkpoint.
const WAL_KEPT_BYTES: i64 = 64 << 20;

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    /// A file that is not a rasad database is refused without being modified.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_capped(path, None)
    }

    /// As [`Store::open`], with the database file bounded to `max_bytes`:
    /// reaching it behaves like a full disk (`StoreError::Full`).
    pub fn open_capped(path: &Path, max_bytes: Option<u64>) -> Result<Store, StoreError> {
        schema::check_header(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                what: "cannot create the database folder",
                source,
            })?;
        }
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        // Another process (a manual poll beside the daemon, an export) may
        // hold the write lock: wait for it rather than fail.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        schema::check_identity(&conn, path)?;
        // Switching a new file to WAL needs an exclusive lock, and SQLite
        // does not wait for it (another process opening the same new file
        // holds a shared one): retry within the busy timeout.
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL")).map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)
            .map_err(sql)?;
        // Statement and savepoint journals in memory: the bundled SQLite
        // otherwise spills them to a temporary file past 64 KB, and a
        // page's save (one savepoint, ~20 pages changed) spilled every
        // time: 1.0 M of a cold poll's 1.7 M pwrite calls per 10,000
        // articles, to a file read back only on a rollback
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(sql)?;
        if let Some(max) = max_bytes {
            let page: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(sql)?;
            let pages = (max / page.max(512) as u64).clamp(1, i64::MAX as u64) as i64;
            conn.pragma_update(None, "max_page_count", pages)
                .map_err(sql)?;
        }
        let mut conn = conn;
        conn.set_prepared_statement_cache_capacity(128);
        // Plans never depend on bound values: a cached statement is not
        // prepared again each time a parameter changes (LIMIT ?, partial
        // indexes), which was ~3 % of a cold poll's CPU
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(sql)?;
        let before = schema::migrate(&mut conn, path)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        // checkpoints on a thread of their own (see `checkpoint`), instead
        // of SQLite's auto-checkpoint inside the writer's commit
        let checkpointer = checkpoint::Checkpointer::start(&mut conn, path).map_err(sql)?;
        let store = Store {
            path: path.to_path_buf(),
            _checkpointer: checkpointer,
            conn: Mutex::new(conn),
        };
        if before > 0 && (before as usize) < schema::SITES_FROM {
            store.fill_sites()?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(|source| self.error(source))
    }

    /// An SQLite error as the store reports it (a full disk is `Full`).
    fn error(&self, source: rusqlite::Error) -> StoreError {
        match &source {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull => {
                StoreError::Full {
                    path: self.path.clone(),
                }
            }
            _ => StoreError::Sqlite {
                path: self.path.clone(),
                source,
            },
        }
    }
}

/// Executes `sql` through the connection's statement cache (the hot
/// statements of ingest and versions are parsed once, not per item).
pub(crate) fn exec(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(params)
}

/// One row of `sql` through the statement cache.
pub(crate) fn one<T>(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached(sql)?.query_row(params, f)
}

/// Runs `f` again while SQLite answers "busy" without having waited (a
/// lock upgrade it refuses to wait for), up to [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests;
