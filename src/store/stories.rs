//! Exact repeats and stories: merging an article into an older one of the
//! same site with the same text (sightings moved, never deleted), and
//! linking near-duplicates into one story through their LSH band keys.

use chrono::Utc;
use rusqlite::{params, OptionalExtension};

use super::*;

impl Store {
    /// Merges `article_id` with another article of the same page-text hash
    /// (an exact repeat under another URL): the older one (smaller id)
    /// survives, the other's sightings move to it, its key becomes an alias,
    /// then its row goes. Returns the article that remains, or `None` when
    /// `article_id` no longer exists (another task merged it away). Only
    /// bodies of at least `min_len` characters are merged.
    pub fn merge_exact_repeat(
        &self,
        article_id: i64,
        min_len: usize,
    ) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let kept = merge_exact_repeat_in(&tx, article_id, min_len)?;
            tx.commit()?;
            Ok(kept)
        })
    }

    /// Links `article_id` into the story of the earliest article sharing an
    /// LSH band key whose text `same` confirms, and records its own keys.
    /// Returns the story id.
    pub fn link_story(
        &self,
        article_id: i64,
        keys: &[i64],
        same: impl Fn(&str) -> bool,
    ) -> Result<i64, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let story = link_story_in(&tx, article_id, keys, same)?;
            settle_bands(&tx, BANDS_STAGED);
            tx.commit()?;
            Ok(story)
        })
    }
}

/// [`Store::merge_exact_repeat`] within `tx`.
pub(super) fn merge_exact_repeat_in(
    tx: &Connection,
    article_id: i64,
    min_len: usize,
) -> rusqlite::Result<Option<i64>> {
    type Row = (String, i64, TextSource, Option<String>, i64);
    // the text's length in characters, read from its size in bytes when
    // that settles it (a UTF-8 character is 1 to 4 bytes): `octet_length`
    // is answered from the record header, `length` walks the whole text
    let row: Option<Row> = one(
        tx,
        "SELECT a.content_hash,
                CASE WHEN octet_length(t.text) >= 4 * ?2 THEN ?2 ELSE length(t.text) END,
                a.text_source, a.site, a.feed_id
                     FROM articles a JOIN article_texts t ON t.article_id = a.id WHERE a.id = ?1",
        params![article_id, min_len as i64],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()?;
    let Some((hash, len, source, site, feed_id)) = row else {
        return Ok(None);
    };
    if (len as usize) < min_len || source != TextSource::Page {
        return Ok(Some(article_id));
    }
    // Only within one site (or one feed): the same text on another
    // site is a syndicated copy and stays that outlet's own article.
    let other: Option<i64> = one(
        tx,
        "SELECT id FROM articles WHERE content_hash = ?1 AND id <> ?2
                       AND text_source = ?5 AND (site = ?3 OR feed_id = ?4)
                     ORDER BY id LIMIT 1",
        params![hash, article_id, site, feed_id, TextSource::Page],
        |r| r.get(0),
    )
    .optional()?;
    let Some(other) = other else {
        return Ok(Some(article_id));
    };
    // The older article (smaller id) survives, whichever page was read first.
    let (keep, gone) = (article_id.min(other), article_id.max(other));
    tx.prepare_cached("INSERT INTO sightings (article_id, feed_id, url, guid, first_seen, last_seen)
                 SELECT ?2, feed_id, url, guid, first_seen, last_seen FROM sightings WHERE article_id = ?1
                 ON CONFLICT(article_id, feed_id, url) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)")?.execute(
                params![gone, keep],
            )?;
    tx.prepare_cached("DELETE FROM sightings WHERE article_id = ?1")?
        .execute([gone])?;
    delete_bands_in(tx, gone)?;
    tx.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([gone])?;
    tx.prepare_cached("DELETE FROM article_places WHERE article_id = ?1")?
        .execute([gone])?;
    tx.prepare_cached("UPDATE article_aliases SET article_id = ?2 WHERE article_id = ?1")?
        .execute(params![gone, keep])?;
    // what the merged article said, and when, stays on record; its
    // story's other members follow it
    for sql in [
        "UPDATE versions SET article_id = ?2 WHERE article_id = ?1",
        "UPDATE article_events SET article_id = ?2 WHERE article_id = ?1",
        "UPDATE articles SET story_id = (SELECT story_id FROM articles WHERE id = ?2)
                 WHERE story_id = ?1 AND id <> ?1",
    ] {
        tx.prepare_cached(sql)?.execute(params![gone, keep])?;
    }
    tx.prepare_cached("UPDATE articles SET first_seen = min(first_seen, (SELECT first_seen FROM articles WHERE id = ?1))
                 WHERE id = ?2")?.execute(
                params![gone, keep],
            )?;
    // keep the merged article's key so the next poll finds it again
    let key: String = tx
        .prepare_cached("SELECT key FROM articles WHERE id = ?1")?
        .query_row([gone], |r| r.get(0))?;
    tx.prepare_cached("DELETE FROM article_texts WHERE article_id = ?1")?
        .execute([gone])?;
    tx.prepare_cached("DELETE FROM articles WHERE id = ?1")?
        .execute([gone])?;
    tx.prepare_cached("INSERT OR IGNORE INTO article_aliases (key, article_id) VALUES (?1, ?2)")?
        .execute(params![key, keep])?;
    ingest::resolve_provenance(tx, keep, &ts(Utc::now()))?;
    Ok(Some(keep))
}

/// [`Store::link_story`] within `tx`.
pub(super) fn link_story_in(
    tx: &Connection,
    article_id: i64,
    keys: &[i64],
    same: impl Fn(&str) -> bool,
) -> rusqlite::Result<i64> {
    let exists: Option<i64> = one(
        tx,
        "SELECT id FROM articles WHERE id = ?1",
        [article_id],
        |r| r.get(0),
    )
    .optional()?;
    if exists.is_none() {
        return Ok(article_id); // merged away meanwhile
    }
    let mut story = article_id;
    if !keys.is_empty() {
        let marks = vec!["?"; keys.len()].join(",");
        let sql = format!(
                    "SELECT a.id, a.story_id, t.text FROM articles a JOIN article_texts t ON t.article_id = a.id
                     WHERE a.id IN (SELECT article_id FROM story_bands WHERE key IN ({marks})
                                    UNION SELECT article_id FROM story_bands_new WHERE key IN ({marks}))
                       AND a.id <> ? ORDER BY a.first_seen, a.id LIMIT 64"
                );
        let mut st = tx.prepare_cached(&sql)?;
        let mut args: Vec<i64> = [keys, keys].concat();
        args.push(article_id);
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, story_id, text) = row?;
            if same(&text) {
                story = story_id.unwrap_or(id);
                break;
            }
        }
        drop(st);
        delete_bands_in(tx, article_id)?;
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO story_bands_new (key, article_id) VALUES (?1, ?2)",
        )?;
        for k in keys {
            ins.execute(params![k, article_id])?;
        }
    }
    tx.prepare_cached("UPDATE articles SET story_id = ?2 WHERE id = ?1")?
        .execute(params![article_id, story])?;
    Ok(story)
}

/// Band keys waiting in `story_bands_new` before they move to
/// `story_bands` in a sorted pass: 512 articles' keys. The waiting table's
/// key index stays a few dozen leaves, which a batch of pages rewrites
/// once; the move then writes each leaf of the big index it reaches once
/// per 512 articles, not once per key.
pub(super) const BANDS_STAGED: i64 = 8_192;

/// Removes an article's band keys, waiting or moved.
fn delete_bands_in(tx: &Connection, article_id: i64) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM story_bands_new WHERE article_id = ?1",
        "DELETE FROM story_bands WHERE article_id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([article_id])?;
    }
    Ok(())
}

/// Keys moved by one statement: a statement's journal (in memory) holds
/// each page it changes, and a move of 8,192 keys into the index of 50,000
/// articles changed ~3,500 leaves (14 MB) in one: a cold poll of 1,000 × 50
/// items peaked at 126 MB instead of 97-99 (100-102 in chunks of 128).
pub(super) const MOVE_CHUNK: i64 = 128;

/// [`settle_bands_in`], a failure logged instead of returned: the move is
/// housekeeping, and the keys it did not move go on waiting (each chunk
/// moves and deletes its keys in a savepoint of its own: a failed chunk is
/// rolled back whole, those before it stay moved).
pub(super) fn settle_bands(tx: &Connection, at: i64) {
    if let Err(e) = settle_bands_in(tx, at) {
        tracing::warn!(error = %e, "band keys not moved yet; they go on waiting");
    }
}

/// Moves the waiting band keys to `story_bands`, in key order (the
/// waiting table's own) and in chunks of [`MOVE_CHUNK`], once at least
/// `at` of them wait. Returns how many moved.
pub(super) fn settle_bands_in(tx: &Connection, at: i64) -> rusqlite::Result<usize> {
    let waiting: i64 = tx
        .prepare_cached("SELECT count(*) FROM story_bands_new")?
        .query_row([], |r| r.get(0))?;
    if waiting < at {
        return Ok(0);
    }
    let mut moved = 0;
    loop {
        // the chunk's last key (all of it when fewer wait)
        let last: Option<i64> = tx
            .prepare_cached("SELECT key FROM story_bands_new ORDER BY key LIMIT 1 OFFSET ?1")?
            .query_row([MOVE_CHUNK - 1], |r| r.get(0))
            .optional()?;
        let upto = last.unwrap_or(i64::MAX);
        tx.execute_batch("SAVEPOINT move_bands")?;
        match move_chunk(tx, upto) {
            Ok(n) => {
                tx.execute_batch("RELEASE move_bands")?;
                moved += n;
            }
            Err(e) => {
                tx.execute_batch("ROLLBACK TO move_bands; RELEASE move_bands")?;
                return Err(e);
            }
        }
        if last.is_none() {
            return Ok(moved);
        }
    }
}

/// Moves the waiting keys up to `upto` and deletes them from the waiting
/// table.
fn move_chunk(tx: &Connection, upto: i64) -> rusqlite::Result<usize> {
    let moved = tx
        .prepare_cached(
            "INSERT INTO story_bands (key, article_id)
             SELECT key, article_id FROM story_bands_new WHERE key <= ?1 ORDER BY key",
        )?
        .execute([upto])?;
    tx.prepare_cached("DELETE FROM story_bands_new WHERE key <= ?1")?
        .execute([upto])?;
    Ok(moved)
}
