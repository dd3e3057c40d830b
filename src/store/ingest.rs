//! Ingest and provenance: feed items become articles and sightings, and an
//! article's own fields are chosen from what its page and its feeds said.
//!
//! Identity (see ARCHITECTURE.md): an item is an existing article when its
//! key (canonical URL, or a key of a merged article) matches, or its GUID
//! within the same feed, or — for feeds that carry whole texts — its body
//! hash within the same feed or site. Provenance: each sighting keeps what
//! *its* feed said; the article's title, author and date come from its page
//! when the page was read, else from a sighting whose feed is on the
//! article's own site, else from the first sighting.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    exec, one, ts, versions, Evidence, Extraction, Ingested, NewItem, Store, StoreError,
    TextSource, TitleSource, VersionSource, MIN_BODY_MERGE_CHARS,
};

impl Store {
    /// Stores a feed's items in one transaction. An item already known gets
    /// a sighting (what this feed said about it) and its article's fields
    /// are chosen again; a new one becomes an article with its feed text and
    /// extraction `pending` (or `skipped` when not scraping).
    pub fn ingest(
        &self,
        feed_id: i64,
        items: &[NewItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<Ingested>, StoreError> {
        self.ingest_with(feed_id, items, now, None)
    }

    /// As [`Store::ingest`]; each item is also a version of its article
    /// from this feed when it says something new (the first time, or an
    /// edit), an edit kept with `doc`, the feed document it came in.
    pub fn ingest_with(
        &self,
        feed_id: i64,
        items: &[NewItem],
        now: DateTime<Utc>,
        doc: Option<&Evidence>,
    ) -> Result<Vec<Ingested>, StoreError> {
        let now_s = ts(now);
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let feed_site: Option<String> = one(&tx, "SELECT site FROM feeds WHERE id = ?1", [feed_id], |r| r.get(0))
                .optional()?
                .flatten();
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                let (article_id, new) = match find_existing(&tx, feed_id, it)? {
                    Some(id) => (id, false),
                    None => (insert_article(&tx, feed_id, feed_site.as_deref(), it, &now_s)?, true),
                };
                let seen_url = it.original_url.as_deref().unwrap_or(&it.key);
                exec(
        &tx,
                    "INSERT INTO sightings (article_id, feed_id, url, guid, first_seen, last_seen,
                                            title, summary, author, published)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(article_id, feed_id, url) DO UPDATE SET
                        last_seen = excluded.last_seen,
                        guid = COALESCE(excluded.guid, guid),
                        title = COALESCE(excluded.title, title),
                        summary = CASE WHEN excluded.summary <> '' THEN excluded.summary ELSE summary END,
                        author = COALESCE(excluded.author, author),
                        published = COALESCE(excluded.published, published)",
                    params![
                        article_id,
                        feed_id,
                        seen_url,
                        it.guid,
                        now_s,
                        it.title,
                        it.summary,
                        it.author,
                        it.published.map(ts),
                    ],
                )?;
                if !new {
                    resolve_provenance(&tx, article_id, &now_s)?;
                }
                let reading = versions::Reading {
                    source: VersionSource::Feed,
                    feed_id: Some(feed_id),
                    url: Some(seen_url),
                    title: it.title.as_deref(),
                    text: &it.summary,
                    hash: None,
                    evidence: doc,
                };
                versions::record_version(&tx, article_id, &reading, &now_s)?;
                out.push(Ingested { article_id, new });
            }
            tx.commit()?;
            Ok(out)
        })
    }
}

/// The article an item already is, if any.
fn find_existing(tx: &Connection, feed_id: i64, it: &NewItem) -> rusqlite::Result<Option<i64>> {
    let by_key: Option<i64> = one(
        tx,
        "SELECT id FROM articles WHERE key = ?1
             UNION ALL SELECT article_id FROM article_aliases WHERE key = ?1 LIMIT 1",
        [&it.key],
        |r| r.get(0),
    )
    .optional()?;
    if by_key.is_some() {
        return Ok(by_key);
    }
    if let Some(guid) = &it.guid {
        let by_guid: Option<i64> = one(
            tx,
            "SELECT article_id FROM sightings WHERE feed_id = ?1 AND guid = ?2 LIMIT 1",
            params![feed_id, guid],
            |r| r.get(0),
        )
        .optional()?;
        if by_guid.is_some() {
            return Ok(by_guid);
        }
    }
    // A feed that carries whole articles: the same body under another URL
    // is an exact repeat — of the same feed or site only; on another site
    // it is a syndicated copy, its own article.
    if !it.scrape && it.summary.chars().count() >= MIN_BODY_MERGE_CHARS {
        return one(
            tx,
            "SELECT id FROM articles WHERE content_hash = ?1 AND text_source = ?4
                   AND extraction = ?5 AND (feed_id = ?2 OR site = ?3)
                 ORDER BY id LIMIT 1",
            params![
                crate::text::content_hash(&it.summary),
                feed_id,
                it.site,
                TextSource::Feed,
                Extraction::Skipped
            ],
            |r| r.get(0),
        )
        .optional();
    }
    Ok(None)
}

fn insert_article(
    tx: &Connection,
    feed_id: i64,
    feed_site: Option<&str>,
    it: &NewItem,
    now_s: &str,
) -> rusqlite::Result<i64> {
    let extraction = if it.scrape && it.url.is_some() {
        Extraction::Pending
    } else {
        Extraction::Skipped
    };
    let source = if it.site.is_some() && it.site.as_deref() == feed_site {
        TitleSource::SiteFeed
    } else {
        TitleSource::FirstSighting
    };
    exec(
        tx,
        "INSERT INTO articles (key, url, feed_id, guid, title, author, published,
            first_seen, lang, summary, text_source, extraction,
            content_hash, updated, site, title_source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?15, ?11, ?12, ?8, ?13, ?14)",
        params![
            it.key,
            it.url,
            feed_id,
            it.guid,
            it.title,
            it.author,
            it.published.map(ts),
            now_s,
            it.lang,
            it.summary,
            extraction,
            crate::text::content_hash(&it.summary),
            it.site,
            source,
            TextSource::Feed,
        ],
    )?;
    let id = tx.last_insert_rowid();
    // its text is the feed's until its page is read
    exec(
        tx,
        "INSERT INTO article_texts (article_id, text) VALUES (?1, ?2)",
        params![id, it.summary],
    )?;
    // a new article waits for the watches
    exec(
        tx,
        "UPDATE articles SET story_id = id, watched = 0 WHERE id = ?1",
        [id],
    )?;
    // items per hour of its site and feed: when it was published (when
    // that is a plausible past time), else now
    let seen = chrono::DateTime::parse_from_rfc3339(now_s).map_or(0, |t| t.timestamp());
    let when = it
        .published
        .map(|p| p.timestamp())
        .filter(|&p| p <= seen && p > seen - 30 * 86_400)
        .unwrap_or(seen);
    exec(
        tx,
        "INSERT INTO activity (site, feed_id, hour, items) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (site, hour, feed_id) DO UPDATE SET items = items + 1",
        params![
            it.site.as_deref().or(feed_site).unwrap_or(""),
            feed_id,
            when.div_euclid(3600)
        ],
    )?;
    Ok(id)
}

/// What one feed said about an article.
struct Said {
    feed_id: i64,
    own_site: bool,
    title: Option<String>,
    summary: Option<String>,
    author: Option<String>,
    published: Option<String>,
}

/// The fields provenance decides, as stored or as chosen.
#[derive(Debug, Clone, PartialEq)]
struct Provenance {
    title: Option<String>,
    author: Option<String>,
    published: Option<String>,
    summary: String,
    feed_id: i64,
    source: TitleSource,
}

/// An article as stored, with what its page said.
struct Current {
    site: Option<String>,
    page_read: bool,
    text_source: TextSource,
    page: (Option<String>, Option<String>, Option<String>),
    old: Provenance,
}

fn read_current(tx: &Connection, id: i64) -> rusqlite::Result<Option<Current>> {
    one(
        tx,
        "SELECT site, extraction, text_source, page_title, page_author, page_published,
                title, author, published, summary, feed_id, title_source
         FROM articles WHERE id = ?1",
        [id],
        |r| {
            Ok(Current {
                site: r.get(0)?,
                page_read: r.get::<_, Extraction>(1)? == Extraction::Ok,
                text_source: r.get(2)?,
                page: (r.get(3)?, r.get(4)?, r.get(5)?),
                old: Provenance {
                    title: r.get(6)?,
                    author: r.get(7)?,
                    published: r.get(8)?,
                    summary: r.get(9)?,
                    feed_id: r.get(10)?,
                    source: r.get(11)?,
                },
            })
        },
    )
    .optional()
}

/// What every feed said about article `id`: the feeds of its own site
/// first, each group in the order of first sighting.
fn read_said(tx: &Connection, id: i64, site: Option<&str>) -> rusqlite::Result<Vec<Said>> {
    let mut st = tx.prepare_cached(
        "SELECT s.feed_id, f.site, s.title, s.summary, s.author, s.published
         FROM sightings s JOIN feeds f ON f.id = s.feed_id
         WHERE s.article_id = ?1 ORDER BY s.first_seen, s.rowid",
    )?;
    let mut said: Vec<Said> = st
        .query_map([id], |r| {
            let feed_site: Option<String> = r.get(1)?;
            Ok(Said {
                feed_id: r.get(0)?,
                own_site: site.is_some() && feed_site.as_deref() == site,
                title: r.get(2)?,
                summary: r.get::<_, Option<String>>(3)?.filter(|s| !s.is_empty()),
                author: r.get(4)?,
                published: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    said.sort_by_key(|s| !s.own_site);
    Ok(said)
}

/// The page first (when it was read), then the feeds in the order given;
/// a field is never emptied.
fn choose(cur: &Current, said: &[Said]) -> Provenance {
    let from_page = |v: &Option<String>| if cur.page_read { v.clone() } else { None };
    let pick = |f: fn(&Said) -> &Option<String>| said.iter().find_map(|s| f(s).clone());
    let (page_title, page_author, page_published) = &cur.page;
    let old = &cur.old;
    let source = if cur.page_read && page_title.is_some() {
        TitleSource::Page
    } else if said.iter().any(|s| s.own_site && s.title.is_some()) {
        TitleSource::SiteFeed
    } else if said.iter().any(|s| s.title.is_some()) {
        TitleSource::FirstSighting
    } else {
        old.source
    };
    Provenance {
        title: from_page(page_title)
            .or_else(|| pick(|s| &s.title))
            .or(old.title.clone()),
        author: from_page(page_author)
            .or_else(|| pick(|s| &s.author))
            .or(old.author.clone()),
        published: from_page(page_published)
            .or_else(|| pick(|s| &s.published))
            .or(old.published.clone()),
        summary: pick(|s| &s.summary).unwrap_or_else(|| old.summary.clone()),
        feed_id: said.first().map_or(old.feed_id, |s| s.feed_id),
        source,
    }
}

/// Chooses an article's title, author, date, summary and primary feed again
/// from its page and its sightings: the page first (when it was read), then
/// the feeds of the article's own site, then the first sighting. A field is
/// never emptied. A changed title or summary from the same source counts as
/// a revision by the outlet.
pub(super) fn resolve_provenance(tx: &Connection, id: i64, now_s: &str) -> rusqlite::Result<()> {
    let Some(cur) = read_current(tx, id)? else {
        return Ok(());
    };
    let said = read_said(tx, id, cur.site.as_deref())?;
    let new = choose(&cur, &said);
    let old = &cur.old;
    if new == *old {
        return Ok(());
    }
    let title_changed = new.title != old.title;
    let summary_changed = new.summary != old.summary;
    let revised = (title_changed && old.title.is_some() && new.source == old.source)
        || (summary_changed && !old.summary.is_empty());
    let feed_text = cur.text_source == TextSource::Feed && summary_changed;
    exec(
        tx,
        "UPDATE articles SET title = ?2, author = ?3, published = ?4, summary = ?5,
            feed_id = ?6, title_source = ?7,
            content_hash = CASE WHEN ?8 THEN ?9 ELSE content_hash END,
            revisions = revisions + ?10, updated = ?11,
            fts_done = CASE WHEN ?12 THEN 0 ELSE fts_done END
         WHERE id = ?1",
        params![
            id,
            new.title,
            new.author,
            new.published,
            new.summary,
            new.feed_id,
            new.source,
            feed_text,
            crate::text::content_hash(&new.summary),
            i64::from(revised),
            now_s,
            title_changed || feed_text,
        ],
    )?;
    if feed_text {
        exec(
            tx,
            "UPDATE article_texts SET text = ?2 WHERE article_id = ?1",
            params![id, new.summary],
        )?;
    }
    Ok(())
}

impl Store {
    /// Fills `site` of feeds and articles written before sites were kept
    /// (once, after migration 7): the registrable domain of the article's
    /// URL, else of its feed's.
    pub(super) fn fill_sites(&self) -> Result<(), StoreError> {
        let site = |u: &str| {
            url::Url::parse(u)
                .ok()
                .as_ref()
                .and_then(crate::dedup::site_of)
        };
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let feeds: Vec<(i64, String)> = tx
                    .prepare("SELECT id, url FROM feeds WHERE site IS NULL")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut up = tx.prepare_cached("UPDATE feeds SET site = ?2 WHERE id = ?1")?;
                for (id, u) in feeds {
                    up.execute(params![id, site(&u)])?;
                }
                let articles: Vec<(i64, Option<String>, String)> = tx
                    .prepare(
                        "SELECT a.id, a.url, f.url FROM articles a JOIN feeds f ON f.id = a.feed_id
                         WHERE a.site IS NULL",
                    )?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut up = tx.prepare_cached("UPDATE articles SET site = ?2 WHERE id = ?1")?;
                for (id, u, feed_url) in articles {
                    let s = u.as_deref().and_then(site).or_else(|| site(&feed_url));
                    up.execute(params![id, s])?;
                }
            }
            tx.commit()
        })
    }
}
