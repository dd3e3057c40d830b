//! Tests of the migrations: every older schema, with data, migrated.

use super::*;

fn schema_of(conn: &Connection) -> Vec<String> {
    let mut st = conn
        .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
        .expect("prepare");
    st.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn every_old_version_migrates_to_the_fresh_schema() {
    let dir = tempfile::tempdir().expect("tmp");
    let fresh_path = dir.path().join("fresh.db");
    let mut fresh = Connection::open(&fresh_path).expect("open");
    migrate(&mut fresh, &fresh_path).expect("migrate");
    for start in 0..MIGRATIONS.len() {
        let p = dir.path().join(format!("old{start}.db"));
        let mut old = Connection::open(&p).expect("open");
        migrate_to(&mut old, &p, start).expect("old version");
        drop(old);
        // reopen through the public path, as a newer rasad would
        let store = super::super::Store::open(&p).expect("upgrade");
        drop(store);
        let upgraded = Connection::open(&p).expect("open");
        assert_eq!(
            schema_of(&upgraded),
            schema_of(&fresh),
            "from version {start}"
        );
        let v: i64 = upgraded
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, MIGRATIONS.len() as i64);
    }
}

#[test]
fn data_of_version_1_survives_the_upgrade() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("v1.db");
    let mut conn = Connection::open(&p).expect("open");
    migrate_to(&mut conn, &p, 1).expect("v1");
    conn.execute_batch(
        "INSERT INTO feeds (id, name, url, created) VALUES (1, 'نورث برس', 'https://npasyria.com/feed/', '2025-11-03T10:00:00Z');
         INSERT INTO articles (id, story_id, key, url, feed_id, title, first_seen, summary, text, text_source, extraction, content_hash, updated)
         VALUES (1, 1, 'https://npasyria.com/1', 'https://npasyria.com/1', 1, 'الحسكة', '2025-11-03T10:00:00Z', 's', 't', 'feed', 'pending', 'h', '2025-11-03T10:00:00Z');",
    )
    .expect("v1 rows");
    drop(conn);
    let store = super::super::Store::open(&p).expect("upgrade");
    let mut titles = Vec::new();
    store
        .for_each_article(&super::super::Filter::default(), |r| {
            titles.push(r.title);
            Ok(())
        })
        .expect("read");
    assert_eq!(titles, vec![Some("الحسكة".to_string())]);
}

#[test]
fn data_of_version_6_survives_the_provenance_migration() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("v6.db");
    let mut conn = Connection::open(&p).expect("open");
    migrate_to(&mut conn, &p, 6).expect("v6");
    conn.execute_batch(
        "INSERT INTO feeds (id, name, url, created) VALUES
           (1, 'نورث برس', 'https://npasyria.com/feed/', '2025-11-03T10:00:00Z'),
           (2, 'aggregator', 'https://news.example.org/rss', '2025-11-03T10:00:00Z');
         INSERT INTO articles (id, story_id, key, url, feed_id, title, author, first_seen, summary, text,
                               text_source, extraction, content_hash, updated, html, places, fts_done)
         VALUES (1, 1, 'https://npasyria.com/1', 'https://npasyria.com/1', 1, 'الحسكة', 'كاتب',
                 '2025-11-03T10:00:00Z', 's', 'نص', 'page', 'ok', 'h', '2025-11-03T10:00:00Z',
                 '<p>نص</p>', '|hasakah|', 1),
                (2, 1, 'https://www.npasyria.com/2', 'https://www.npasyria.com/2', 2, 'قامشلو', NULL,
                 '2025-11-03T11:00:00Z', 's2', 's2', 'feed', 'pending', 'h2', '2025-11-03T11:00:00Z',
                 NULL, '', 0);
         INSERT INTO sightings (article_id, feed_id, url, guid, first_seen, last_seen) VALUES
           (1, 1, 'https://npasyria.com/1?utm_source=rss', 'g1', '2025-11-03T10:00:00Z', '2025-11-03T10:00:00Z'),
           (1, 2, 'https://npasyria.com/1', NULL, '2025-11-03T10:30:00Z', '2025-11-03T10:30:00Z'),
           (2, 2, 'https://www.npasyria.com/2', NULL, '2025-11-03T11:00:00Z', '2025-11-03T11:00:00Z');
         INSERT INTO article_aliases (key, article_id) VALUES ('https://npasyria.com/1-copy', 1);",
    )
    .expect("v6 rows");
    drop(conn);
    let store = super::super::Store::open(&p).expect("upgrade");
    let mut rows = Vec::new();
    store
        .for_each_article(&super::super::Filter::default(), |r| {
            rows.push(r);
            Ok(())
        })
        .expect("read");
    assert_eq!(rows.len(), 2);
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!((a.id, a.story_id, b.id, b.story_id), (1, 1, 2, 1));
    assert_eq!(a.title.as_deref(), Some("الحسكة"));
    assert_eq!(a.author.as_deref(), Some("كاتب"));
    assert_eq!(a.text, "نص");
    assert_eq!(a.html.as_deref(), Some("<p>نص</p>"));
    assert_eq!(a.places, vec!["Al-Hasakah".to_string()]);
    assert_eq!(a.extraction, super::super::Extraction::Ok);
    assert_eq!(a.site.as_deref(), Some("npasyria.com"));
    assert_eq!(b.site.as_deref(), Some("npasyria.com"));
    assert_eq!(
        a.feeds,
        vec!["نورث برس".to_string(), "aggregator".to_string()]
    );
    assert_eq!(a.sightings.len(), 2);
    // the primary feed's sighting inherited what the article said
    assert_eq!(a.sightings[0].title.as_deref(), Some("الحسكة"));
    assert_eq!(a.sightings[1].title, None);
    drop(store);
    let conn = Connection::open(&p).expect("open");
    let alias: i64 = conn
        .query_row(
            "SELECT article_id FROM article_aliases WHERE key = 'https://npasyria.com/1-copy'",
            [],
            |r| r.get(0),
        )
        .expect("alias kept");
    assert_eq!(alias, 1);
    let sites: Vec<Option<String>> = conn
        .prepare("SELECT site FROM feeds ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        sites,
        vec![
            Some("npasyria.com".to_string()),
            Some("example.org".to_string())
        ]
    );
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("fk check");
    assert_eq!(fk, 0);
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("new.db");
    let conn = Connection::open(&p).expect("open");
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .expect("id");
    conn.pragma_update(None, "user_version", 999).expect("v");
    drop(conn);
    assert!(matches!(
        super::super::Store::open(&p),
        Err(StoreError::TooNew { .. })
    ));
}

#[test]
fn corrupted_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("broken.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend((0..8192u32).map(|i| (i * 31 % 251) as u8));
    std::fs::write(&p, &bytes).expect("write");
    let err = super::super::Store::open(&p).err().expect("refused");
    assert!(err.to_string().contains("broken.db"), "{err}");
    assert_eq!(std::fs::read(&p).expect("read"), bytes, "file untouched");
    assert!(!dir.path().join("broken.db-wal").exists());
}

#[test]
fn foreign_files_are_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "الحسكة — not a database\n").expect("write");
    let before = std::fs::read(&text).expect("read");
    let err = super::super::Store::open(&text).err().expect("refused");
    assert!(err.to_string().contains("not a rasad database"), "{err}");
    assert_eq!(std::fs::read(&text).expect("read"), before);

    let other = dir.path().join("other.db");
    let conn = Connection::open(&other).expect("open");
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .expect("create");
    drop(conn);
    let before = std::fs::read(&other).expect("read");
    assert!(matches!(
        super::super::Store::open(&other),
        Err(StoreError::Foreign { .. })
    ));
    assert_eq!(std::fs::read(&other).expect("read"), before);
}

#[test]
fn data_of_version_10_survives_versions_and_watches() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("v10.db");
    let mut conn = Connection::open(&p).expect("open");
    migrate_to(&mut conn, &p, 10).expect("v10");
    conn.execute_batch(
        "INSERT INTO feeds (id, name, url, created, site) VALUES (1, 'نورث برس', 'https://npasyria.com/feed/', '2025-11-03T10:00:00Z', 'npasyria.com');
         INSERT INTO articles (id, story_id, key, url, feed_id, title, first_seen, summary, text, text_source,
                               extraction, content_hash, updated, site, fts_done)
         VALUES (1, 1, 'https://npasyria.com/1', 'https://npasyria.com/1', 1, 'كوباني', '2025-11-03T10:00:00Z',
                 's', 'نص عن كوباني', 'page', 'ok', 'h', '2025-11-03T10:00:00Z', 'npasyria.com', 1);",
    )
    .expect("v10 rows");
    drop(conn);
    let store = super::super::Store::open(&p).expect("upgrade");
    let row = store.article(1).expect("read").expect("the article");
    assert_eq!(row.status, super::super::ArticleStatus::Live);
    assert_eq!((row.versions, row.text.as_str()), (0, "نص عن كوباني"));
    let (versions, events) = store.history(1).expect("history");
    assert!(versions.is_empty() && events.is_empty());
    // an article from before the watches is not matched after the fact
    assert!(store.unwatched(1, 10).expect("unwatched").is_empty());
}

#[test]
fn data_of_version_13_keeps_its_text_html_and_search() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("v13.db");
    let mut conn = Connection::open(&p).expect("open");
    migrate_to(&mut conn, &p, 13).expect("v13");
    conn.execute_batch(
        "INSERT INTO feeds (id, name, url, created, site) VALUES (1, 'ANHA', 'https://hawarnews.com/feed/', '2025-11-03T10:00:00Z', 'hawarnews.com');
         INSERT INTO articles (id, story_id, key, url, feed_id, title, first_seen, summary, text, html, text_source,
                               extraction, content_hash, updated, site, fts_done, watched)
         VALUES (1, 1, 'https://hawarnews.com/1', 'https://hawarnews.com/1', 1, 'قامشلو', '2025-11-03T10:00:00Z',
                 's', 'أهالي قامشلو يطالبون بالمياه', '<p>أهالي قامشلو يطالبون بالمياه</p>', 'page', 'ok', 'h',
                 '2025-11-03T10:00:00Z', 'hawarnews.com', 1, 1);
         INSERT INTO articles_fts (rowid, title, body) VALUES (1, 'قامشلو', 'اهالي قامشلو يطالبون مياه');",
    )
    .expect("v13 rows");
    drop(conn);
    let store = super::super::Store::open(&p).expect("upgrade");
    let row = store.article(1).expect("read").expect("the article");
    assert_eq!(row.text, "أهالي قامشلو يطالبون بالمياه");
    assert_eq!(
        row.html.as_deref(),
        Some("<p>أهالي قامشلو يطالبون بالمياه</p>")
    );
    // the index moved into the contentless table still finds it, and an
    // article can still leave it
    let found = |q: &str| {
        let filter = super::super::Filter {
            query: crate::search::fts_query(q),
            ..Default::default()
        };
        let mut ids = Vec::new();
        store
            .for_each_article(&filter, |r| {
                ids.push(r.id);
                Ok(())
            })
            .expect("search");
        ids
    };
    assert_eq!(found("قامشلو"), [1]);
    assert!(found("كوباني").is_empty());
    store
        .with(|c| c.execute("DELETE FROM articles_fts WHERE rowid = 1", []))
        .expect("delete from the index");
    assert!(found("قامشلو").is_empty());
}
