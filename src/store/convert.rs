//! The one place where the store's states meet SQL: each closed enum is
//! written as its text and read back, and an unknown text is an error
//! naming the column's value, never a silent default.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::{
    ArticleStatus, EventKind, Extraction, FeedStatus, TextSource, TitleSource, VersionSource,
};

macro_rules! sql_text_enum {
    ($t:ty, [$($v:ident),+]) => {
        impl $t {
            /// Every value, for reading text back.
            const ALL: &'static [$t] = &[$(<$t>::$v),+];

            /// The value written for it in the database.
            pub fn from_text(s: &str) -> Option<$t> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                <$t>::from_text(s).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {} {s:?}", stringify!($t)).into())
                })
            }
        }
    };
}

sql_text_enum!(Extraction, [Ok, Failed, Pending, Skipped]);
sql_text_enum!(TextSource, [Page, Feed]);
sql_text_enum!(TitleSource, [Page, SiteFeed, FirstSighting]);
sql_text_enum!(FeedStatus, [Ok, NotModified, Unchanged, Failed]);
sql_text_enum!(ArticleStatus, [Live, Changed, Removed]);
sql_text_enum!(VersionSource, [Page, Feed]);
sql_text_enum!(EventKind, [Removed, Restored]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_as_itself() {
        for v in Extraction::ALL {
            assert_eq!(Extraction::from_text(v.as_str()), Some(*v));
        }
        for v in TitleSource::ALL {
            assert_eq!(TitleSource::from_text(v.as_str()), Some(*v));
        }
        for v in TextSource::ALL {
            assert_eq!(TextSource::from_text(v.as_str()), Some(*v));
        }
        for v in FeedStatus::ALL {
            assert_eq!(FeedStatus::from_text(v.as_str()), Some(*v));
        }
        for v in ArticleStatus::ALL {
            assert_eq!(ArticleStatus::from_text(v.as_str()), Some(*v));
        }
        for v in VersionSource::ALL {
            assert_eq!(VersionSource::from_text(v.as_str()), Some(*v));
        }
        for v in EventKind::ALL {
            assert_eq!(EventKind::from_text(v.as_str()), Some(*v));
        }
        assert_eq!(Extraction::from_text("done"), None);
    }
}
