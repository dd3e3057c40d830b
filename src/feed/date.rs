//! Feed timestamps: RFC 3339 and RFC 2822, then the deviations feeds of
//! the region write (Arabic-Indic digits, Arabic, Kurdish and Turkish month
//! names, dates without a zone). Nothing readable gives `None`, never "now".

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Month names feeds write, in Arabic (both the Egyptian and the Levantine
/// series), Kurdish and Turkish, mapped to English abbreviations.
const MONTHS: &[(&str, &str)] = &[
    ("كانون الثاني", "Jan"),
    ("كانون الأول", "Dec"),
    ("تشرين الأول", "Oct"),
    ("تشرين الثاني", "Nov"),
    ("يناير", "Jan"),
    ("فبراير", "Feb"),
    ("شباط", "Feb"),
    ("مارس", "Mar"),
    ("آذار", "Mar"),
    ("أبريل", "Apr"),
    ("ابريل", "Apr"),
    ("نيسان", "Apr"),
    ("مايو", "May"),
    ("أيار", "May"),
    ("ايار", "May"),
    ("يونيو", "Jun"),
    ("حزيران", "Jun"),
    ("يوليو", "Jul"),
    ("تموز", "Jul"),
    ("أغسطس", "Aug"),
    ("اغسطس", "Aug"),
    ("آب", "Aug"),
    ("سبتمبر", "Sep"),
    ("أيلول", "Sep"),
    ("ايلول", "Sep"),
    ("أكتوبر", "Oct"),
    ("اكتوبر", "Oct"),
    ("نوفمبر", "Nov"),
    ("ديسمبر", "Dec"),
    ("Ocak", "Jan"),
    ("Şubat", "Feb"),
    ("Mart", "Mar"),
    ("Nisan", "Apr"),
    ("Mayıs", "May"),
    ("Haziran", "Jun"),
    ("Temmuz", "Jul"),
    ("Ağustos", "Aug"),
    ("Eylül", "Sep"),
    ("Ekim", "Oct"),
    ("Kasım", "Nov"),
    ("Aralık", "Dec"),
];

/// Reads a feed timestamp. Tries RFC 3339 and RFC 2822, then common
/// deviations. Times without a zone are taken as UTC. `None` when nothing
/// fits: the item then has no `published`, never a made-up "now".
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 128 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let t = plain_words(s);
    if let Ok(d) = DateTime::parse_from_rfc2822(&t) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in ZONED {
        if let Ok(d) = DateTime::parse_from_str(&t, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for fmt in NAIVE {
        if let Ok(d) = NaiveDateTime::parse_from_str(&t, fmt) {
            return Some(d.and_utc());
        }
    }
    for fmt in DAYS {
        if let Ok(d) = NaiveDate::parse_from_str(&t, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
        }
    }
    None
}

/// Formats with a numeric zone offset.
const ZONED: &[&str] = &[
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%a %d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M:%S %z",
];

/// Formats with a time and no zone (taken as UTC).
const NAIVE: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%a %d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%b %d %Y %H:%M:%S",
];

/// Formats of a day alone (midnight UTC).
const DAYS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d %b %Y",
    "%a %d %b %Y",
    "%b %d %Y",
];

/// `s` with Arabic-Indic digits and the Arabic comma made ASCII, month
/// names made English, and weekday and zone words it cannot use dropped
/// (numeric offsets stay).
fn plain_words(s: &str) -> String {
    let mut t: String = s
        .chars()
        .map(|c| match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '،' => ',',
            _ => c,
        })
        .collect();
    for (name, en) in MONTHS {
        if t.contains(name) {
            t = t.replace(name, en);
        }
    }
    // Drop weekday names and zone words we cannot use; keep numeric offsets.
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .filter(|w| !w.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)))
        .filter(|w| !matches!(*w, "UT" | "UTC" | "GMT" | "Z"))
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates() {
        let want = Utc.with_ymd_and_hms(2025, 11, 3, 10, 0, 0).single();
        assert_eq!(parse_date("2025-11-03 10:00:00"), want);
        assert_eq!(parse_date("Mon, 03 Nov 2025 10:00:00 GMT"), want);
        assert_eq!(parse_date("Mon, 03 Nov 2025 13:00:00 +0300"), want);
        assert_eq!(parse_date("2025-11-03T10:00:00Z"), want);
        assert_eq!(parse_date("الإثنين، ٣ نوفمبر ٢٠٢٥ ١٠:٠٠:٠٠"), want);
        assert_eq!(parse_date("3 تشرين الثاني 2025 10:00"), want);
        assert_eq!(parse_date("03 Kasım 2025 10:00"), want);
        assert_eq!(
            parse_date("2025-11-03"),
            Utc.with_ymd_and_hms(2025, 11, 3, 0, 0, 0).single()
        );
        assert_eq!(parse_date("قبل ساعتين"), None);
        assert_eq!(parse_date(""), None);
    }
}
