//! The page writer: pages' saves gathered into one transaction while the
//! last one commits (group commit). A busy pass then writes each b-tree
//! page its articles share (index leaves, the table's last leaf) once per
//! batch, not once per article; a quiet one saves each page alone, at once.

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use super::PipelineError;
use crate::store::{PageSave, PageSaved, Store};

/// Most pages saved in one transaction.
const MAX_BATCH: usize = 16;

/// Saves waiting for the writer (the pages in flight bound them anyway).
const QUEUE: usize = 64;

struct Request {
    page: PageSave,
    reply: oneshot::Sender<PageSaved>,
}

/// The door to the writer task, started on the first save.
pub(super) struct Writer {
    store: Arc<Store>,
    queue: OnceLock<mpsc::Sender<Request>>,
}

impl Writer {
    pub(super) fn new(store: Arc<Store>) -> Writer {
        Writer {
            store,
            queue: OnceLock::new(),
        }
    }

    /// Saves `page` with whatever other pages are waiting; answers once
    /// its transaction committed (or failed).
    pub(super) async fn save(&self, page: PageSave) -> Result<PageSaved, PipelineError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        match queue.send(Request { page, reply }).await {
            Ok(()) => answer.await.map_err(|_| PipelineError::WriterStopped),
            // the writer is gone (its runtime ending): save it here
            Err(mpsc::error::SendError(r)) => {
                let store = self.store.clone();
                Ok(
                    tokio::task::spawn_blocking(move || store.save_page(&r.page, Utc::now()))
                        .await?,
                )
            }
        }
    }
}

/// The writer: takes every save waiting (at most [`MAX_BATCH`]), saves them
/// in one transaction off the async threads, answers each; ends when the
/// last door is dropped.
async fn run(store: Arc<Store>, mut rx: mpsc::Receiver<Request>) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        let (pages, replies): (Vec<PageSave>, Vec<_>) =
            waiting.drain(..).map(|r| (r.page, r.reply)).unzip();
        let store = store.clone();
        // a panic drops the answers: those pages see the writer stopped
        if let Ok(saved) =
            tokio::task::spawn_blocking(move || store.save_pages(&pages, Utc::now())).await
        {
            for (reply, saved) in replies.into_iter().zip(saved) {
                let _ = reply.send(saved);
            }
        }
    }
}
