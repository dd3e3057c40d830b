//! WAL checkpoints off the writer: a thread of the store's own, with a
//! connection of its own, copies the log into the database (and syncs it)
//! while the writer goes on appending. The writer's commit only counts the
//! log's pages: past [`WAL_CHECKPOINT_PAGES`] it wakes the thread; past
//! [`WAL_FORCE_PAGES`] (the thread cannot keep up, or a reader holds an
//! old snapshot) it checkpoints inline as SQLite's own auto-checkpoint
//! would, so the log stays bounded whatever the thread does.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};
use tracing::warn;

/// WAL pages written before the checkpoint thread is woken (~32 MB of
/// log): a busy pass rewrites the same index leaves commit after commit,
/// and each is copied to the database once per checkpoint.
pub(super) const WAL_CHECKPOINT_PAGES: i32 = 8_000;

/// WAL pages past which the writer checkpoints itself.
pub(super) const WAL_FORCE_PAGES: i32 = 4 * WAL_CHECKPOINT_PAGES;

/// The checkpoint thread: woken through `wake`, stopped through `stop`
/// (the writer's hook keeps a sender as long as its connection lives).
pub(super) struct Checkpointer {
    wake: SyncSender<()>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path` and hooks the
    /// writer's commits on `conn` to it. Without a thread (the connection
    /// or the thread cannot be had), commits checkpoint inline.
    pub(super) fn start(conn: &mut Connection, path: &Path) -> rusqlite::Result<Checkpointer> {
        Checkpointer::start_at(conn, path, WAL_CHECKPOINT_PAGES, WAL_FORCE_PAGES)
    }

    /// [`Checkpointer::start`] with the thread woken past `wake_at` pages
    /// and the writer checkpointing itself past `force_at`.
    fn start_at(
        conn: &mut Connection,
        path: &Path,
        wake_at: i32,
        force_at: i32,
    ) -> rusqlite::Result<Checkpointer> {
        let (wake, woken) = sync_channel::<()>(1);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| warn!(error = %e, "no checkpoint connection; the writer checkpoints"))
        .ok()
        .and_then(|c| {
            std::thread::Builder::new()
                .name("rasad-checkpoint".into())
                .spawn(move || run(c, woken, stopped))
                .map_err(|e| warn!(error = %e, "no checkpoint thread; the writer checkpoints"))
                .ok()
        });
        let hook_wake = thread.as_ref().map(|_| wake.clone());
        conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
            // the thread woken, unless there is none (or it is gone); a
            // full channel means it is woken already
            let woken = || match &hook_wake {
                Some(w) => !matches!(w.try_send(()), Err(TrySendError::Disconnected(_))),
                None => false,
            };
            let inline = pages >= force_at || (pages >= wake_at && !woken());
            if inline {
                // as SQLite's auto-checkpoint: a failure leaves the log valid
                let _ = wal.checkpoint();
            }
            Ok(())
        }))?;
        Ok(Checkpointer { wake, stop, thread })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // a full channel: the thread is woken already and sees the flag
        let _ = self.wake.try_send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread: one passive checkpoint per wake-up (never waiting on the
/// writer or a reader) until the store goes.
fn run(conn: Connection, woken: Receiver<()>, stop: Arc<AtomicBool>) {
    while woken.recv().is_ok() && !stop.load(Ordering::Acquire) {
        // a connection that has read nothing yet does not know the file
        // is in WAL mode (its checkpoint would do nothing): one read first
        let r = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
            .and_then(|()| conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE));
        if let Err(e) = r {
            warn!(error = %e, "WAL checkpoint failed (the WAL stays valid)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(path: &Path) -> Connection {
        let c = Connection::open(path).expect("open");
        c.pragma_update(None, "journal_mode", "WAL").expect("wal");
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
            .expect("table");
        c
    }

    /// Commits `n` rows of 8 KB each, one per transaction.
    fn commit_rows(c: &Connection, n: usize) {
        for _ in 0..n {
            c.execute("INSERT INTO t (b) VALUES (zeroblob(8192))", [])
                .expect("insert");
        }
    }

    fn db_bytes(path: &Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    #[test]
    fn the_thread_copies_the_log_into_the_database_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.db");
        let mut c = writer(&path);
        // never forced inline: only the thread can grow the database file
        let ck = Checkpointer::start_at(&mut c, &path, 16, i32::MAX).expect("start");
        assert!(ck.thread.is_some());
        let before = db_bytes(&path);
        commit_rows(&c, 200); // ~1.6 MB, all of it in the log at first
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while db_bytes(&path) < before + 1_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            db_bytes(&path) >= before + 1_000_000,
            "the database file stayed at {} bytes",
            db_bytes(&path)
        );
        // stopping joins the thread, though the hook still holds a sender
        drop(ck);
        commit_rows(&c, 1);
    }

    #[test]
    fn past_the_force_mark_the_writer_checkpoints_itself() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.db");
        let mut c = writer(&path);
        // wake-ups never come (threshold out of reach); past 32 pages the
        // writer copies the log itself, and the next write starts it over
        let _ck = Checkpointer::start_at(&mut c, &path, i32::MAX, 32).expect("start");
        commit_rows(&c, 400); // ~3.2 MB written
        let wal = std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(wal < 1_000_000, "the log grew to {wal} bytes");
        assert!(db_bytes(&path) > 3_000_000);
    }
}
