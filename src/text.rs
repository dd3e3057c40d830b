//! Text normalization for comparison: never applied to stored text.
//!
//! Owns: the normalized form used for content hashes (and, later, dedup keys
//! and the search index): Arabic diacritics and tatweel removed, letter
//! variants folded, Arabic-Indic and Persian digits to ASCII, Latin
//! case-folded, whitespace collapsed.

use sha2::{Digest, Sha256};

/// Normalizes `s` for matching: NFKC; Arabic diacritics (tashkeel,
/// Quranic marks) and tatweel removed; أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و,
/// ئ → ي; Arabic-Indic and Persian digits → ASCII; Kurdish letters kept;
/// Latin lowercased; quotes, dashes and Arabic punctuation unified;
/// whitespace collapsed.
pub fn normalize(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfkc() {
        let mapped = match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}' => continue,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' => {
                continue; // zero-width and direction marks
            }
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ؤ' => 'و',
            'ئ' => 'ي',
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '“' | '”' | '„' | '‟' | '«' | '»' | '″' | '‹' | '›' => '"',
            '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' => '\'',
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
            '،' => ',',
            '؛' => ';',
            '؟' => '?',
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

/// Words of the normalized text: runs of letters and digits.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// A first guess at the language of a text from its script and a few very
/// common words: `ar` (Arabic script), `ckb` (Arabic script with the letters
/// only Sorani Kurdish uses), `ku` (Kurmanji, Latin script), `tr`, `en`.
/// `None` when the text gives no clear sign.
pub fn guess_language(text: &str) -> Option<&'static str> {
    let sample: String = text.chars().take(4000).collect();
    let (mut arabic, mut latin, mut sorani) = (0usize, 0usize, 0usize);
    for c in sample.chars() {
        match c {
            'ڕ' | 'ڵ' | 'ۆ' | 'ێ' | 'ە' | 'ڤ' | 'گ' | 'چ' | 'پ' | 'ژ' => {
                arabic += 1;
                if matches!(c, 'ڕ' | 'ڵ' | 'ۆ' | 'ێ' | 'ە') {
                    sorani += 1;
                }
            }
            '\u{0600}'..='\u{06FF}' => arabic += 1,
            c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    if arabic > latin && arabic >= 20 {
        return Some(if sorani * 100 >= arabic { "ckb" } else { "ar" });
    }
    if latin < 20 {
        return None;
    }
    let words: Vec<String> = sample
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    let scores = [
        (
            "ku",
            count(&[
                "û", "li", "di", "ji", "ku", "bi", "de", "ya", "yê", "têne", "hat", "kir",
            ]),
        ),
        (
            "tr",
            count(&[
                "ve", "bir", "bu", "ile", "için", "da", "de", "olarak", "olan", "çok",
            ]),
        ),
        (
            "en",
            count(&[
                "the", "and", "of", "to", "in", "is", "that", "for", "on", "with",
            ]),
        ),
    ];
    let (lang, best) = scores.iter().copied().max_by_key(|(_, n)| *n)?;
    (best * 20 >= words.len().max(1)).then_some(lang)
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
    fn language_guesses() {
        assert_eq!(
            guess_language("قالت مصادر محلية إن اشتباكات اندلعت في ريف دير الزور الشرقي مساء الأحد"),
            Some("ar")
        );
        assert_eq!(
            guess_language(
                "لە شاری قامیشلۆ، بەرپرسێکی ئیدارەی خۆسەر ڕایگەیاند کە ڕەوشی ئەمنی ئاسایییە"
            ),
            Some("ckb")
        );
        assert_eq!(guess_language("Li Kobanê û Serêkaniyê malbatên koçber dibêjin ku alîkariya ku gihîştiye kampan têrê nake û zivistan nêzîk dibe"), Some("ku"));
        assert_eq!(guess_language("Residents of Qamishli said that the prices of bread and fuel had risen in the city"), Some("en"));
        assert_eq!(guess_language("Kamışlı'da ekmek ve yakıt fiyatları bir haftada çok arttı ve bu durum halkı zor durumda bıraktı"), Some("tr"));
        assert_eq!(guess_language("12345 ---"), None);
    }

    #[test]
    fn arabic_variants_fold() {
        assert_eq!(normalize("مَدِينَةُ  الحَسَكَة"), "مدينه الحسكه");
        assert_eq!(
            normalize("«عاجل»: قُتل ٣ مدنيين في ريف دير الزور، أمس…"),
            "\"عاجل\": قتل 3 مدنيين في ريف دير الزور, امس..."
        );
        assert_eq!(
            normalize("مسؤول في رئاسة الإقليم ـ ﻻ"),
            "مسوول في رياسه الاقليم لا"
        );
        // Kurdish letters stay; full-width forms fold (NFKC)
        assert_eq!(normalize("ڕەققە و هەولێر ＡＢＣ"), "ڕەققە و هەولێر abc");
        assert_eq!(normalize("“Kobanî” – ‘Qamişlo’"), "\"kobanî\" - 'qamişlo'");
        assert_eq!(words("a-b, ج د").collect::<Vec<_>>(), ["a", "b", "ج", "د"]);
        assert_eq!(normalize("إدلب ـــ أعزاز"), "ادلب اعزاز");
        assert_eq!(normalize("عام ٢٠٢٥ و۲۰۲۶"), "عام 2025 و2026");
        assert_eq!(normalize("Serêkaniyê RAS AL-AIN"), "serêkaniyê ras al-ain");
        assert_eq!(content_hash("الحَسَكة"), content_hash("الحسكه"));
        assert_ne!(content_hash("الحسكة"), content_hash("القامشلي"));
    }
}
