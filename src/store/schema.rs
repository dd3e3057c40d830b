//! Schema and migrations. Migrations are append-only: a released step is
//! never edited; a change is a new step. `PRAGMA user_version` counts the
//! steps applied; `PRAGMA application_id` marks the file as rasad's.

use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// "rsad" in ASCII: marks a database as ours.
pub const APPLICATION_ID: i32 = 0x7273_6164;

/// Every migration step, in order. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: feeds, articles, sightings
    "CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_fetch TEXT,
        last_success TEXT,
        last_status TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        story_id INTEGER,
        key TEXT NOT NULL UNIQUE,
        url TEXT,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        guid TEXT,
        title TEXT,
        author TEXT,
        published TEXT,
        first_seen TEXT NOT NULL,
        lang TEXT,
        summary TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        text_source TEXT NOT NULL CHECK (text_source IN ('page', 'feed')),
        extraction TEXT NOT NULL CHECK (extraction IN ('ok', 'failed', 'pending', 'skipped')),
        extraction_attempts INTEGER NOT NULL DEFAULT 0,
        extraction_error TEXT,
        next_extraction TEXT,
        content_hash TEXT NOT NULL,
        revisions INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL
    );
    CREATE INDEX articles_first_seen ON articles(first_seen);
    CREATE INDEX articles_feed_extraction ON articles(feed_id, extraction);
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE TABLE sightings (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        url TEXT NOT NULL,
        guid TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (article_id, feed_id, url)
    );
    CREATE INDEX sightings_feed_guid ON sightings(feed_id, guid) WHERE guid IS NOT NULL;",
    // 2: sanitized body HTML from the page extractor
    "ALTER TABLE articles ADD COLUMN html TEXT;",
    // 3: LSH band keys of article fingerprints, for near-duplicate lookup
    "CREATE TABLE story_bands (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id)
    );
    CREATE INDEX story_bands_key ON story_bands(key);
    CREATE INDEX story_bands_article ON story_bands(article_id);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE TABLE article_aliases (
        key TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id)
    );",
    // 4: feeds disabled after 410 Gone or repeated 404 (still retried daily)
    "ALTER TABLE feeds ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;",
    // 5: full-text search over normalized, light-stemmed title and body
    // (filled by the store from Rust, see Store::index); places mentioned
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0');
    ALTER TABLE articles ADD COLUMN places TEXT NOT NULL DEFAULT '';
    ALTER TABLE articles ADD COLUMN fts_done INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_lang ON articles(lang);",
    // 6: find the articles waiting for the search index without a scan
    "CREATE INDEX articles_fts_pending ON articles(feed_id) WHERE fts_done = 0;",
    // 7: provenance and identity. Article ids are never reused
    // (AUTOINCREMENT: the table is rebuilt, rows and ids kept); each article
    // knows its site (registrable domain, filled from Rust after this step)
    // and what its page said apart from what feeds said; each sighting keeps
    // what *that* feed said. The primary feed's sightings inherit the
    // article's fields, which came from that feed.
    "CREATE TABLE articles_v7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        story_id INTEGER,
        key TEXT NOT NULL UNIQUE,
        url TEXT,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        guid TEXT,
        title TEXT,
        author TEXT,
        published TEXT,
        first_seen TEXT NOT NULL,
        lang TEXT,
        summary TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        text_source TEXT NOT NULL CHECK (text_source IN ('page', 'feed')),
        extraction TEXT NOT NULL CHECK (extraction IN ('ok', 'failed', 'pending', 'skipped')),
        extraction_attempts INTEGER NOT NULL DEFAULT 0,
        extraction_error TEXT,
        next_extraction TEXT,
        content_hash TEXT NOT NULL,
        revisions INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL,
        html TEXT,
        places TEXT NOT NULL DEFAULT '',
        fts_done INTEGER NOT NULL DEFAULT 0,
        site TEXT,
        page_title TEXT,
        page_author TEXT,
        page_published TEXT,
        title_source TEXT NOT NULL DEFAULT 'first_sighting'
            CHECK (title_source IN ('page', 'site_feed', 'first_sighting'))
    );
    INSERT INTO articles_v7 (id, story_id, key, url, feed_id, guid, title, author, published,
        first_seen, lang, summary, text, text_source, extraction, extraction_attempts,
        extraction_error, next_extraction, content_hash, revisions, updated, html, places, fts_done)
    SELECT id, story_id, key, url, feed_id, guid, title, author, published,
        first_seen, lang, summary, text, text_source, extraction, extraction_attempts,
        extraction_error, next_extraction, content_hash, revisions, updated, html, places, fts_done
    FROM articles;
    DROP TABLE articles;
    ALTER TABLE articles_v7 RENAME TO articles;
    CREATE INDEX articles_first_seen ON articles(first_seen);
    CREATE INDEX articles_feed_extraction ON articles(feed_id, extraction);
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_lang ON articles(lang);
    CREATE INDEX articles_fts_pending ON articles(feed_id) WHERE fts_done = 0;
    ALTER TABLE feeds ADD COLUMN site TEXT;
    ALTER TABLE sightings ADD COLUMN title TEXT;
    ALTER TABLE sightings ADD COLUMN summary TEXT;
    ALTER TABLE sightings ADD COLUMN author TEXT;
    ALTER TABLE sightings ADD COLUMN published TEXT;
    UPDATE sightings SET
        title = (SELECT a.title FROM articles a WHERE a.id = sightings.article_id),
        summary = (SELECT a.summary FROM articles a WHERE a.id = sightings.article_id),
        author = (SELECT a.author FROM articles a WHERE a.id = sightings.article_id),
        published = (SELECT a.published FROM articles a WHERE a.id = sightings.article_id)
    WHERE feed_id = (SELECT a.feed_id FROM articles a WHERE a.id = sightings.article_id);",
    // 8: a feed's fetches are held back until `blocked_until` (Retry-After,
    // or a parse that never finished: `parsing_since` is set while a body
    // is parsed, so a process that dies on it backs it off on the next run)
    "ALTER TABLE feeds ADD COLUMN blocked_until TEXT;
    ALTER TABLE feeds ADD COLUMN parsing_since TEXT;",
    // 9: places in a table of their own, indexed by place (was `|id|id|`
    // in articles.places, filtered with LIKE: a scan)
    "CREATE TABLE article_places (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        place TEXT NOT NULL,
        PRIMARY KEY (article_id, place)
    ) WITHOUT ROWID;
    CREATE INDEX article_places_place ON article_places(place, article_id);
    INSERT OR IGNORE INTO article_places (article_id, place)
        SELECT a.id, j.value FROM articles a,
               json_each('[\"' || replace(trim(a.places, '|'), '|', '\",\"') || '\"]') j
        WHERE a.places <> '' AND j.value <> '';
    ALTER TABLE articles DROP COLUMN places;",
    // 10: the reader's views: articles by their time (the `since`/`until`
    // expression, so a window is an index range), by first seen with their
    // story (a window's stories from the index alone), by site; a feed's
    // articles (feed health counts them)
    "CREATE INDEX articles_when ON articles(COALESCE(published, first_seen));
    CREATE INDEX articles_seen_story ON articles(first_seen, story_id);
    CREATE INDEX articles_site_seen ON articles(site, first_seen);
    CREATE INDEX sightings_feed_article ON sightings(feed_id, article_id);
    CREATE INDEX articles_page_errors ON articles(feed_id, updated) WHERE extraction_error IS NOT NULL;",
    // 11: versions (what an article said, each time it said something
    // else), events (taken down, restored), the raw bodies as received
    // (compressed, with their hash, kept after pruning), re-check state
    "CREATE TABLE raw_bodies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256 TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        status INTEGER NOT NULL,
        headers TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        size INTEGER NOT NULL,
        body BLOB
    );
    CREATE INDEX raw_bodies_kept ON raw_bodies(fetched_at) WHERE body IS NOT NULL;
    CREATE TABLE raw_budget (id INTEGER PRIMARY KEY CHECK (id = 1), kept INTEGER NOT NULL);
    INSERT INTO raw_budget (id, kept) VALUES (1, 0);
    CREATE TRIGGER raw_kept_insert AFTER INSERT ON raw_bodies BEGIN
        UPDATE raw_budget SET kept = kept + COALESCE(length(NEW.body), 0);
    END;
    CREATE TRIGGER raw_kept_update AFTER UPDATE OF body ON raw_bodies BEGIN
        UPDATE raw_budget SET kept = kept - COALESCE(length(OLD.body), 0) + COALESCE(length(NEW.body), 0);
    END;
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        seen_at TEXT NOT NULL,
        source TEXT NOT NULL,
        feed_id INTEGER REFERENCES feeds(id),
        url TEXT,
        title TEXT,
        text TEXT NOT NULL,
        norm_hash TEXT NOT NULL,
        raw_id INTEGER REFERENCES raw_bodies(id)
    );
    CREATE INDEX versions_article ON versions(article_id, source, feed_id, id);
    CREATE TABLE article_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        status INTEGER,
        url TEXT,
        detail TEXT,
        raw_id INTEGER REFERENCES raw_bodies(id)
    );
    CREATE INDEX article_events_article ON article_events(article_id, id);
    ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'live';
    ALTER TABLE articles ADD COLUMN changed_at TEXT;
    ALTER TABLE articles ADD COLUMN checked_at TEXT;
    ALTER TABLE articles ADD COLUMN next_check TEXT;
    ALTER TABLE articles ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_next_check ON articles(feed_id, next_check) WHERE next_check IS NOT NULL;
    CREATE INDEX articles_site_checked ON articles(site, checked_at) WHERE checked_at IS NOT NULL;",
    // 12: watches and silence: items per hour per site and feed, matches
    // (once per watch and article), the delivery queue, outlet states;
    // articles from before are not matched after the fact
    "CREATE TABLE activity (
        site TEXT NOT NULL,
        feed_id INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        items INTEGER NOT NULL,
        PRIMARY KEY (site, hour, feed_id)
    ) WITHOUT ROWID;
    CREATE TABLE watch_matches (
        watch TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        story_id INTEGER NOT NULL,
        site TEXT,
        event TEXT NOT NULL,
        matched_at TEXT NOT NULL,
        PRIMARY KEY (watch, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX watch_matches_story ON watch_matches(watch, story_id);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        watch TEXT NOT NULL,
        target TEXT NOT NULL,
        url TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        due TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT
    );
    CREATE INDEX deliveries_due ON deliveries(due) WHERE delivered_at IS NULL;
    CREATE INDEX deliveries_watch ON deliveries(watch, id);
    CREATE TABLE outlet_states (
        site TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        since TEXT NOT NULL,
        expected REAL NOT NULL,
        actual INTEGER NOT NULL,
        checked_at TEXT NOT NULL
    );
    ALTER TABLE articles ADD COLUMN watched INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX articles_unwatched ON articles(feed_id) WHERE watched = 0;",
    // 13: each outlet's template ring (its last pages' line hashes, opaque
    // to the store)
    "CREATE TABLE templates (
        outlet TEXT PRIMARY KEY,
        ring BLOB NOT NULL,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;",
    // 14: an article's text and HTML in a table of their own, one row per
    // article: the articles row stays small, so its flags and provenance
    // change without copying the body (each UPDATE rewrote the whole
    // record, tens of KB, four times per page read) and its columns are
    // read without walking overflow pages
    "CREATE TABLE article_texts (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        text TEXT NOT NULL DEFAULT '',
        html TEXT
    );
    INSERT INTO article_texts (article_id, text, html) SELECT id, text, html FROM articles;
    ALTER TABLE articles DROP COLUMN text;
    ALTER TABLE articles DROP COLUMN html;",
    // 15: the search index keeps no copy of what it indexes (contentless:
    // nothing reads its columns back; snippets come from the article's
    // text), so each article's search form is written once, to the index
    "CREATE VIRTUAL TABLE articles_fts_v15 USING fts5(title, body, content = '',
        contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
    INSERT INTO articles_fts_v15 (rowid, title, body) SELECT rowid, title, body FROM articles_fts;
    DROP TABLE articles_fts;
    ALTER TABLE articles_fts_v15 RENAME TO articles_fts;",
    // 16: new band keys land in a small table first and move to
    // story_bands in bulk, in key order (`stories::settle_bands_in`): an
    // article's sixteen random keys went to sixteen random leaves of
    // story_bands_key, a third of a cold poll's WAL frames, and more as the
    // index grows
    "CREATE TABLE story_bands_new (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX story_bands_new_article ON story_bands_new(article_id);",
];

/// The first migration step after which sites are filled from Rust (the
/// registrable domain needs the public suffix list).
pub(super) const SITES_FROM: usize = 7;

/// Refuses an existing file that is not an SQLite database, before SQLite
/// gets a chance to write to it.
pub(super) fn check_header(path: &Path) -> Result<(), StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                what: "cannot open the database",
                source,
            })
        }
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    what: "cannot read the database",
                    source,
                })
            }
        }
    }
    if n == 0 || &head[..n] == b"SQLite format 3\0" {
        return Ok(());
    }
    Err(StoreError::Foreign {
        path: path.to_path_buf(),
        reason: "the file is not an SQLite database".into(),
    })
}

/// Refuses an SQLite database that belongs to another program.
pub(super) fn check_identity(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    // one read transaction: another process migrating a new file is seen
    // either before it began or after it committed, never half-way
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let tx = conn.unchecked_transaction().map_err(sql)?;
    let checked = identity_of(&tx, path);
    tx.commit().map_err(sql)?;
    checked
}

fn identity_of(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let foreign = |reason: String| StoreError::Foreign {
        path: path.to_path_buf(),
        reason,
    };
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
                ) =>
            {
                foreign(format!("SQLite cannot read it: {e}"))
            }
            other => sql(other),
        })?;
    if app_id == APPLICATION_ID {
        return Ok(());
    }
    if app_id != 0 {
        return Err(foreign(format!("application_id is {app_id:#x}")));
    }
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    if tables > 0 {
        return Err(foreign(format!(
            "it already holds {tables} tables of another program"
        )));
    }
    Ok(())
}

/// Applies the missing migration steps, each in its own transaction that
/// takes the write lock up front, so two processes opening one new file
/// apply each step once. Returns the version the file had before.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<i64, StoreError> {
    migrate_to(conn, path, MIGRATIONS.len())
}

pub(super) fn migrate_to(
    conn: &mut Connection,
    path: &Path,
    target: usize,
) -> Result<i64, StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let known = MIGRATIONS.len() as i64;
    let mut before = None;
    // Table rebuilds need foreign keys off; the pragma is a no-op inside a
    // transaction, so it is set around the steps.
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(sql)?;
    loop {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql)?;
        if version > known {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        before.get_or_insert(version);
        let Some(step) = MIGRATIONS
            .get(version as usize)
            .filter(|_| (version as usize) < target)
        else {
            tx.commit().map_err(sql)?;
            break;
        };
        tx.execute_batch(step).map_err(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql)?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
    }
    Ok(before.unwrap_or(0))
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
