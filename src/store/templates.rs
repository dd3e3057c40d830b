//! Outlets' template rings: each outlet's last pages' line hashes, one row
//! per outlet, kept as the extractor encodes them (`extract::Ring`); the
//! store never reads inside them.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::*;

/// Largest ring kept (a ring is bounded by the extractor far below this).
const MAX_RING_BYTES: usize = 64 * 1024;

impl Store {
    /// The rings of these outlets, those that have one.
    pub fn template_rings(&self, outlets: &[String]) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached("SELECT ring FROM templates WHERE outlet = ?1")?;
            let mut out = Vec::new();
            for o in outlets {
                if let Some(ring) = st
                    .query_row(params![o], |r| r.get::<_, Vec<u8>>(0))
                    .optional()?
                {
                    out.push((o.clone(), ring));
                }
            }
            Ok(out)
        })
    }

    /// Reads an outlet's ring, lets `change` make the new one (none: no
    /// change) and writes it; returns the ring as it now is.
    pub fn update_template_ring(
        &self,
        outlet: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(Option<Vec<u8>>) -> Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|c| update_ring_in(c, outlet, now, change))
    }

    /// An article's stored text.
    pub fn article_text(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT text FROM article_texts WHERE article_id = ?1")?
                .query_row(params![id], |r| r.get(0))
                .optional()
        })
    }
}

/// [`Store::update_template_ring`] on `c` (within the caller's
/// transaction, if any).
pub(super) fn update_ring_in(
    c: &Connection,
    outlet: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(Option<Vec<u8>>) -> Option<Vec<u8>>,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let old: Option<Vec<u8>> = c
        .prepare_cached("SELECT ring FROM templates WHERE outlet = ?1")?
        .query_row(params![outlet], |r| r.get(0))
        .optional()?;
    match change(old.clone()) {
        Some(new) if new.len() <= MAX_RING_BYTES && Some(&new) != old.as_ref() => {
            exec(
                c,
                "INSERT INTO templates (outlet, ring, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(outlet) DO UPDATE SET ring = excluded.ring,
                     updated_at = excluded.updated_at",
                params![outlet, new, ts(now)],
            )?;
            Ok(Some(new))
        }
        _ => Ok(old),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_kept_per_outlet_and_changed_only_when_new() {
        let dir = tempfile::tempdir().expect("dir");
        let s = Store::open(&dir.path().join("t.db")).expect("open");
        let now = Utc::now();
        assert!(s
            .template_rings(&["npasyria.com".into()])
            .expect("read")
            .is_empty());
        let r = s
            .update_template_ring("npasyria.com", now, |old| {
                assert!(old.is_none());
                Some(vec![1, 2, 3])
            })
            .expect("write");
        assert_eq!(r, Some(vec![1, 2, 3]));
        let r = s
            .update_template_ring("npasyria.com", now, |old| {
                assert_eq!(old.as_deref(), Some(&[1u8, 2, 3][..]));
                None
            })
            .expect("keep");
        assert_eq!(r, Some(vec![1, 2, 3]));
        s.update_template_ring("ku.hawarnews.com", now, |_| Some(vec![9]))
            .expect("other");
        let all = s
            .template_rings(&["npasyria.com".into(), "ku.hawarnews.com".into(), "x".into()])
            .expect("read");
        assert_eq!(
            all,
            vec![
                ("npasyria.com".to_string(), vec![1, 2, 3]),
                ("ku.hawarnews.com".to_string(), vec![9])
            ]
        );
        // a ring past any bound is not written
        s.update_template_ring("x", now, |_| Some(vec![0; MAX_RING_BYTES + 1]))
            .expect("refused quietly");
        assert!(s.template_rings(&["x".into()]).expect("read").is_empty());
    }
}
