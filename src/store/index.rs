//! The search index and place tags, brought up to date for articles whose
//! text changed.

use rusqlite::params;

use super::*;

impl Store {
    /// Brings the search index and place tags up to date for articles whose
    /// text changed (of one feed, or all), at most `limit` of them; returns
    /// how many were done.
    pub fn refresh_index(
        &self,
        feed_id: Option<i64>,
        limit: usize,
        index: impl Fn(&str, &str) -> IndexEntry,
    ) -> Result<usize, StoreError> {
        // Read, compute without holding the connection (normalizing and
        // tagging is CPU work other tasks should not wait for), then write
        // what is still current.
        let pending: Vec<(i64, String, String, String)> = self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.id, COALESCE(a.title, ''), t.text, a.content_hash
                 FROM articles a JOIN article_texts t ON t.article_id = a.id
                 WHERE a.fts_done = 0 AND (?2 IS NULL OR a.feed_id = ?2) LIMIT ?1",
            )?;
            let rows = st.query_map(params![limit as i64, feed_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect()
        })?;
        if pending.is_empty() {
            return Ok(0);
        }
        let entries: Vec<IndexEntry> = pending.iter().map(|(_, t, x, _)| index(t, x)).collect();
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for ((id, title, _, hash), e) in pending.iter().zip(&entries) {
                // only if the article did not change meanwhile
                let done = tx
                    .prepare_cached(
                        "UPDATE articles SET fts_done = 1
                     WHERE id = ?1 AND content_hash = ?2 AND COALESCE(title, '') = ?3",
                    )?
                    .execute(params![id, hash, title])?;
                if done == 1 {
                    write_index_in(&tx, *id, e)?;
                }
            }
            tx.commit()?;
            Ok(pending.len())
        })
    }
}

/// Writes `entry` as the search index and place tags of `id` (replacing
/// what it had), within the caller's transaction.
pub(super) fn write_index_in(c: &Connection, id: i64, e: &IndexEntry) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([id])?;
    c.prepare_cached("DELETE FROM article_places WHERE article_id = ?1")?
        .execute([id])?;
    let mut place = c.prepare_cached(
        "INSERT OR IGNORE INTO article_places (article_id, place) VALUES (?1, ?2)",
    )?;
    for p in &e.places {
        place.execute(params![id, p])?;
    }
    c.prepare_cached("INSERT INTO articles_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![id, e.title, e.body])?;
    Ok(())
}
