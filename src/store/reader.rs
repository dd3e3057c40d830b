//! The reader's views: stories newest first, an outlet's daily counts, the
//! outlets and places with articles. Read-only, each one indexed query.

use chrono::{DateTime, Duration, Utc};

use super::query::conditions;
use super::*;

/// An outlet (site) with articles.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteRow {
    pub site: String,
    pub articles: i64,
    pub last_seen: String,
}

impl Store {
    /// Ids of the stories with an article matching `filter`, the story
    /// seen most recently first; `limit` of them after `offset`.
    pub fn story_ids(
        &self,
        filter: &Filter,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let (conds, args) = conditions(filter);
        // a window of first sightings is the narrowest condition there is
        // (a day of a store of years): it drives, whatever else is asked
        let from = match (
            &filter.query,
            filter.by_first_seen && filter.since.is_some(),
        ) {
            (Some(_), _) => "articles_fts JOIN articles a ON a.id = articles_fts.rowid",
            (None, true) => "articles a INDEXED BY articles_seen_story",
            (None, false) => "articles a",
        };
        // `+a.story_id`: the window (an index range) decides the plan, not
        // the grouping (a scan of every article in story order)
        let sql = format!(
            "SELECT a.story_id FROM {from} WHERE 1=1{conds}
              GROUP BY +a.story_id ORDER BY max(a.first_seen) DESC, a.story_id DESC
              LIMIT {} OFFSET {}",
            limit.min(10_000),
            offset.min(1_000_000)
        );
        self.with(|c| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
            rows.collect()
        })
    }

    /// The stories `ids`, every article of each, in the order of `ids`.
    pub fn stories(&self, ids: &[i64]) -> Result<Vec<StoryRow>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = Filter {
            stories: ids.to_vec(),
            ..Filter::default()
        };
        let mut found = Vec::with_capacity(ids.len());
        self.for_each_story(&filter, |s| {
            found.push(s);
            Ok(())
        })?;
        found.sort_by_key(|s| ids.iter().position(|&i| i == s.story_id));
        Ok(found)
    }

    /// One article, every field.
    pub fn article(&self, id: i64) -> Result<Option<ArticleRow>, StoreError> {
        let filter = Filter {
            article: Some(id),
            ..Filter::default()
        };
        let mut found = None;
        self.for_each_article(&filter, |a| {
            found = Some(a);
            Ok(())
        })?;
        Ok(found)
    }

    /// Articles of `site` first seen per UTC day over the `days` days up to
    /// `now` (oldest first, days without articles included as 0).
    pub fn site_days(
        &self,
        site: &str,
        days: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let first = (now - Duration::days(i64::from(days.max(1)) - 1)).date_naive();
        let start = ts(first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        let counted: HashMap<String, i64> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT substr(first_seen, 1, 10), count(*) FROM articles
                  WHERE site = ?1 AND first_seen >= ?2 GROUP BY 1",
            )?;
            let rows = st.query_map((site, &start), |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        Ok(first
            .iter_days()
            .take(days.max(1) as usize)
            .map(|d| {
                let day = d.format("%Y-%m-%d").to_string();
                let n = counted.get(&day).copied().unwrap_or(0);
                (day, n)
            })
            .collect())
    }

    /// Every site with articles, the one with the most first.
    pub fn sites(&self) -> Result<Vec<SiteRow>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT site, count(*), max(first_seen) FROM articles
                  WHERE site IS NOT NULL GROUP BY site ORDER BY count(*) DESC, site",
            )?;
            let rows = st.query_map([], |r| {
                Ok(SiteRow {
                    site: r.get(0)?,
                    articles: r.get(1)?,
                    last_seen: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Articles per place id.
    pub fn place_counts(&self) -> Result<HashMap<String, i64>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT place, count(*) FROM article_places GROUP BY place")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }
}
