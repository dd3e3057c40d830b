//! Reading articles and stories out: the export and search queries,
//! streamed one row at a time.

use chrono::{DateTime, Utc};

use super::*;

impl Store {
    /// Calls `f` for each article matching `filter`, oldest first, without
    /// holding them all in memory.
    pub fn for_each_article(
        &self,
        filter: &Filter,
        mut f: impl FnMut(ArticleRow) -> std::io::Result<()>,
    ) -> Result<usize, StoreError> {
        let mut io_err = None;
        let (sql, args) = article_query(filter);
        let n = self.with(|c| {
            let mut st = c.prepare(&sql)?;
            let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
            let mut n = 0;
            while let Some(r) = rows.next()? {
                if let Err(e) = f(article_row(r)?) {
                    io_err = Some(e);
                    break;
                }
                n += 1;
            }
            Ok(n)
        })?;
        match io_err {
            Some(e) => Err(StoreError::Io {
                path: self.path.clone(),
                what: "writing the export failed",
                source: e,
            }),
            None => Ok(n),
        }
    }

    /// Calls `f` for each story (syndicated copies grouped) with an article
    /// matching `filter`, oldest first.
    pub fn for_each_story(
        &self,
        filter: &Filter,
        mut f: impl FnMut(StoryRow) -> std::io::Result<()>,
    ) -> Result<usize, StoreError> {
        // Rows arrive grouped by story (oldest story first), so one story
        // at a time is held in memory.
        let mut by_story = filter.clone();
        by_story.by_story = true;
        let mut current: Option<StoryRow> = None;
        let mut n = 0;
        self.for_each_article(&by_story, |a| {
            let member = StoryMember {
                id: a.id,
                title: a.title,
                url: a.url,
                outlet: a.outlet,
                site: a.site,
                feed: a.feed,
                feeds: a.feeds,
                first_seen: a.first_seen,
                published: a.published,
                lang: a.lang,
                places: a.places,
            };
            match current.as_mut() {
                Some(s) if s.story_id == a.story_id => s.add(member),
                _ => {
                    if let Some(done) = current.replace(StoryRow::new(a.story_id, member)) {
                        n += 1;
                        f(done)?;
                    }
                }
            }
            Ok(())
        })?;
        if let Some(done) = current {
            n += 1;
            f(done).map_err(|source| StoreError::Io {
                path: self.path.clone(),
                what: "writing the export failed",
                source,
            })?;
        }
        Ok(n)
    }

    /// Articles first seen at or after `since`.
    pub fn count_articles_since(&self, since: DateTime<Utc>) -> Result<i64, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT count(*) FROM articles WHERE first_seen >= ?1",
                [ts(since)],
                |r| r.get(0),
            )
        })
    }
}

/// The columns of an exported article, in the order [`article_row`] reads.
const ARTICLE_COLUMNS: &str =
    "SELECT a.id, a.story_id, a.url, fd.name, a.title, a.author, a.published,
        a.first_seen, a.lang, a.summary, (SELECT text FROM article_texts WHERE article_id = a.id), a.text_source, a.extraction, a.content_hash,
        (SELECT json_group_array(json_object('feed', f2.name, 'feed_url', f2.url,
                  'url', s.url, 'title', s.title, 'first_seen', s.first_seen,
                  'last_seen', s.last_seen))
           FROM (SELECT * FROM sightings WHERE article_id = a.id ORDER BY first_seen, rowid) s
           JOIN feeds f2 ON f2.id = s.feed_id),
        a.site, a.title_source,
        (SELECT group_concat(place, '|') FROM article_places WHERE article_id = a.id),
        (SELECT html FROM article_texts WHERE article_id = a.id), a.extraction_error, a.status,
        (SELECT count(*) FROM versions v WHERE v.article_id = a.id), ";

/// The conditions of `filter` on articles `a` (and `articles_fts` when it
/// has a query), as SQL after `WHERE 1=1`, with their bound values.
pub(super) fn conditions(filter: &Filter) -> (String, Vec<String>) {
    let mut conds = String::new();
    let mut args: Vec<String> = Vec::new();
    let mut cond = |sql: &str, value: String, args: &mut Vec<String>| {
        args.push(value);
        conds.push_str(&sql.replace("?", &format!("?{}", args.len())));
    };
    if let Some(q) = &filter.query {
        cond(" AND articles_fts MATCH ?", q.clone(), &mut args);
    }
    if let Some(l) = &filter.lang {
        cond(" AND a.lang = ?", l.clone(), &mut args);
    }
    if let Some(p) = &filter.place {
        cond(
            " AND a.id IN (SELECT article_id FROM article_places WHERE place = ?)",
            p.clone(),
            &mut args,
        );
    }
    let when = if filter.by_first_seen {
        "a.first_seen"
    } else {
        "COALESCE(a.published, a.first_seen)"
    };
    if let Some(s) = filter.since {
        cond(&format!(" AND {when} >= ?"), ts(s), &mut args);
    }
    if let Some(u) = filter.until {
        cond(&format!(" AND {when} < ?"), ts(u), &mut args);
    }
    if let Some(id) = filter.article {
        cond(" AND a.id = ?", id.to_string(), &mut args);
    }
    if let Some(w) = &filter.watch {
        cond(
            " AND a.id IN (SELECT article_id FROM watch_matches WHERE watch = ?)",
            w.clone(),
            &mut args,
        );
    }
    if let Some(site) = &filter.site {
        cond(" AND a.site = ?", site.clone(), &mut args);
    }
    if !filter.stories.is_empty() {
        // numbers, not text: written into the SQL
        let ids: Vec<String> = filter.stories.iter().map(i64::to_string).collect();
        conds.push_str(&format!(" AND a.story_id IN ({})", ids.join(",")));
    }
    if !filter.feeds.is_empty() {
        let mut marks = Vec::new();
        for name in &filter.feeds {
            args.push(name.clone());
            marks.push(format!("?{}", args.len()));
        }
        conds.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM sightings s JOIN feeds f3 ON f3.id = s.feed_id
               WHERE s.article_id = a.id AND f3.name IN ({}))",
            marks.join(",")
        ));
    }
    (conds, args)
}

/// The SQL and its bound values for `filter`: conditions on the article
/// (and the FTS match), then the order (relevance, story or first seen).
fn article_query(filter: &Filter) -> (String, Vec<String>) {
    let (conds, args) = conditions(filter);
    let limit = match (filter.limit, filter.offset) {
        (Some(n), 0) => format!(" LIMIT {}", n.min(1_000_000)),
        (Some(n), k) => format!(" LIMIT {} OFFSET {}", n.min(1_000_000), k.min(1_000_000)),
        (None, 0) => String::new(),
        (None, k) => format!(" LIMIT -1 OFFSET {}", k.min(1_000_000)),
    };
    let mut sql = String::from(ARTICLE_COLUMNS);
    if filter.rank && filter.query.is_some() {
        // rank and cut inside, then compute the costly columns for the few
        // rows kept
        sql.push_str(&format!(
            "r.score FROM (SELECT a.id AS id, -bm25(articles_fts, 3.0, 1.0) AS score
               FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
              WHERE 1=1{conds} ORDER BY bm25(articles_fts, 3.0, 1.0){limit}) r
             JOIN articles a ON a.id = r.id JOIN feeds fd ON fd.id = a.feed_id
             ORDER BY r.score DESC, a.first_seen DESC"
        ));
        return (sql, args);
    }
    if filter.newest_first && !filter.by_story && filter.limit.is_some() {
        // the newest few: order and cut on ids, then read the rows kept
        let from = if filter.query.is_some() {
            "articles_fts JOIN articles a ON a.id = articles_fts.rowid"
        } else {
            "articles a"
        };
        sql.push_str(&format!(
            "NULL FROM (SELECT a.id AS id, a.first_seen AS seen FROM {from}
              WHERE 1=1{conds} ORDER BY a.first_seen DESC, a.id DESC{limit}) r
             JOIN articles a ON a.id = r.id JOIN feeds fd ON fd.id = a.feed_id
             ORDER BY r.seen DESC, r.id DESC"
        ));
        return (sql, args);
    }
    sql.push_str(if filter.query.is_some() {
        "-bm25(articles_fts, 3.0, 1.0) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
    } else {
        "NULL FROM articles a"
    });
    sql.push_str(" JOIN feeds fd ON fd.id = a.feed_id WHERE 1=1");
    sql.push_str(&conds);
    sql.push_str(match (filter.by_story, filter.newest_first) {
        (true, _) => {
            " ORDER BY (SELECT min(b.first_seen) FROM articles b WHERE b.story_id = a.story_id),
           a.story_id, a.first_seen, a.id"
        }
        (false, false) => " ORDER BY a.first_seen, a.id",
        (false, true) => " ORDER BY a.first_seen DESC, a.id DESC",
    });
    sql.push_str(&limit);
    (sql, args)
}

/// One exported article from a row of [`article_query`].
fn article_row(r: &rusqlite::Row) -> rusqlite::Result<ArticleRow> {
    let url: Option<String> = r.get(2)?;
    let raw: String = r.get(14)?;
    let mut sightings: Vec<SightingRow> = serde_json::from_str(&raw).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(14, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let mut urls: Vec<String> = url.iter().cloned().collect();
    let mut feeds: Vec<String> = Vec::new();
    for s in &mut sightings {
        s.outlet = crate::dedup::outlet_of(&s.feed_url);
        if !urls.contains(&s.url) {
            urls.push(s.url.clone());
        }
        if !feeds.contains(&s.feed) {
            feeds.push(s.feed.clone());
        }
    }
    let places: Option<String> = r.get(17)?;
    Ok(ArticleRow {
        id: r.get(0)?,
        story_id: r.get::<_, Option<i64>>(1)?.unwrap_or(r.get(0)?),
        outlet: url.as_deref().and_then(crate::dedup::outlet_of),
        url,
        urls,
        feed: r.get(3)?,
        feeds,
        site: r.get(15)?,
        title: r.get(4)?,
        title_source: r.get(16)?,
        author: r.get(5)?,
        published: r.get(6)?,
        first_seen: r.get(7)?,
        lang: r.get(8)?,
        summary: r.get(9)?,
        text: r.get(10)?,
        text_source: r.get(11)?,
        extraction: r.get(12)?,
        places: crate::places::names_of(places.as_deref().unwrap_or("").split('|')),
        html: r.get(18)?,
        extraction_error: r.get(19)?,
        status: r.get(20)?,
        versions: r.get(21)?,
        score: r.get(22)?,
        content_hash: r.get(13)?,
        sightings,
    })
}
