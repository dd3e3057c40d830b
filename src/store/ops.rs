//! Operations: the watchdog's ping, the WAL checkpoint on a clean stop,
//! read-only connections, and SQLite's integrity check.

use super::*;

impl Store {
    /// A cheap query proving the database answers (for the watchdog).
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
        })
    }

    /// Writes the WAL back into the database file (on a clean stop).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.with(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
    }

    /// From now on this connection refuses every write (`PRAGMA
    /// query_only`): the reader's connections.
    pub fn only_read(&self) -> Result<(), StoreError> {
        self.with(|c| c.pragma_update(None, "query_only", true))
    }

    /// Runs SQLite's own integrity check; "ok" when healthy.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
    }
}
