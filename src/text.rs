//! Text normalization for comparison: never applied to stored text.
//!
//! Owns: the normalized form used for content hashes (and, later, dedup keys
//! and the search index): Arabic diacritics and tatweel removed, letter
//! variants folded, Arabic-Indic and Persian digits to ASCII, Latin
//! case-folded, whitespace collapsed.

use sha2::{Digest, Sha256};

/// Normalizes `s` for matching.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        let mapped = match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ؤ' => 'و',
            'ئ' => 'ي',
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if mapped == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        for l in mapped.to_lowercase() {
            out.push(l);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Hash of the normalized text, hex; identical bodies give identical hashes.
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(normalize(text).as_bytes());
    hex(&digest[..16])
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_variants_fold() {
        assert_eq!(normalize("مَدِينَةُ  الحَسَكَة"), "مدينه الحسكه");
        assert_eq!(normalize("إدلب ـــ أعزاز"), "ادلب اعزاز");
        assert_eq!(normalize("عام ٢٠٢٥ و۲۰۲۶"), "عام 2025 و2026");
        assert_eq!(normalize("Serêkaniyê RAS AL-AIN"), "serêkaniyê ras al-ain");
        assert_eq!(content_hash("الحَسَكة"), content_hash("الحسكه"));
        assert_ne!(content_hash("الحسكة"), content_hash("القامشلي"));
    }
}
