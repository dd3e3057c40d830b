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
    if s.is_ascii() {
        normalize_ascii(s)
    } else {
        normalize_unicode(s)
    }
}

/// Each line of `s` normalized. Joined by single spaces, the lines not
/// empty are `normalize(s)` ([`join_lines`]): a line break is a space and
/// composes with nothing, so one pass serves both.
pub fn normalized_lines(s: &str) -> Vec<String> {
    s.lines().map(normalize).collect()
}

/// The whole text normalized, from its [`normalized_lines`].
pub fn join_lines(lines: &[String]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines.iter().filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}

/// [`normalize`] through the Unicode tables (NFKC, case, Arabic forms).
fn normalize_unicode(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    let mut step = |c: char| {
        let mapped = match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}' => return,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' => {
                return; // zero-width and direction marks
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
            return;
        }
        space = false;
        if mapped.is_ascii() {
            out.push(mapped.to_ascii_lowercase());
        } else if is_arabic_script(mapped) {
            out.push(mapped); // no case
        } else {
            for l in mapped.to_lowercase() {
                out.push(l);
            }
        }
    };
    // Most text is already NFKC: skip the normalizing iterator then.
    if unicode_normalization::is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        s.chars().for_each(&mut step);
    } else {
        s.nfkc().for_each(&mut step);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// [`normalize`] of ASCII text (always NFKC, one byte per character):
/// the same mapping without the per-character Unicode tables.
fn normalize_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for b in s.bytes() {
        match b {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => {
                if !space {
                    out.push(' ');
                }
                space = true;
            }
            b'`' => {
                out.push('\'');
                space = false;
            }
            b => {
                out.push(char::from(b.to_ascii_lowercase()));
                space = false;
            }
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
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

/// Arabic-script letters and digits (Arabic, Persian, Kurdish): no case,
/// and a quick answer where the general Unicode tables are slow.
fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{0671}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06FF}')
}

/// Letters and digits, with fast paths for ASCII and Arabic script.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_arabic_script(c) || c.is_alphanumeric()
    }
}

/// A first guess at the language of a text from its script and a few very
/// common words: `ar` (Arabic script), `ckb` (Arabic script with the letters
/// only Sorani Kurdish uses), `ku` (Kurmanji, Latin script), `tr`, `en`, `fr`.
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
        (
            "fr",
            count(&[
                "le", "la", "les", "et", "des", "du", "est", "une", "dans", "pour", "qui", "au",
            ]),
        ),
    ];
    let (lang, best) = scores.iter().copied().max_by_key(|(_, n)| *n)?;
    (best * 20 >= words.len().max(1)).then_some(lang)
}

/// Hash of the normalized text, hex; identical bodies give identical hashes.
pub fn content_hash(text: &str) -> String {
    content_hash_of(&normalize(text))
}

/// [`content_hash`] of a text already normalized.
pub fn content_hash_of(normalized: &str) -> String {
    let digest = Sha256::digest(normalized.as_bytes());
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

/// `ar-SY` → `ar`; `None` for values that are not language tags.
pub fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(primary)
}

/// Appends `s` escaped for HTML and XML text and double-quoted attribute
/// values (`&`, `<`, `>`, `"`), dropping the characters XML 1.0 forbids
/// (C0 controls but tab, newline and CR; U+FFFE, U+FFFF): the one escaper
/// of the extractor's HTML, the Atom/OPML exports and the feed repairs.
pub fn escape_markup(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
}

/// [`escape_markup`] into a new string.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_markup(s, &mut out);
    out
}

/// `s` cut to at most `max` bytes, at a character boundary.
pub fn truncate_bytes(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Whether `c` is a control character a terminal may act on: C0 (tab and
/// newline excepted), DEL and C1.
pub fn is_control(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// `s` with control characters (ESC, CR, BEL, C1 …) shown escaped as
/// `\u{1b}`, for everything printed to a terminal: text from feeds and
/// servers never drives it.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `s` without control characters (tab and newline kept), for text that
/// is stored.
pub fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.chars().filter(|&c| !is_control(c)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_normalizes_as_through_the_unicode_path() {
        // every ASCII character alone, then mixed texts
        let mut samples: Vec<String> = (0u8..128).map(|b| format!("a{}b", char::from(b))).collect();
        samples.extend(
            [
                "  Hello\tWORLD\n\r\x0b\x0c `quoted`  ",
                "Qamishli, 12 Dec -- SDF: \"ok\"\x1f\x00",
                "",
                "   ",
            ]
            .map(String::from),
        );
        for t in &samples {
            assert_eq!(normalize_ascii(t), normalize_unicode(t), "{t:?}");
        }
    }

    #[test]
    fn control_characters_never_reach_a_terminal() {
        let hostile = "عنوان\u{1b}[2J\u{1b}]0;owned\u{7}\r\u{9b}31m end";
        let shown = printable(hostile);
        assert!(!shown.chars().any(is_control), "{shown}");
        assert!(shown.contains("\\u{1b}[2J"), "{shown}");
        assert_eq!(strip_controls(hostile), "عنوان[2J]0;owned31m end");
        assert_eq!(printable("Kobanê\tالحسكة\n"), "Kobanê\tالحسكة\n");
    }

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
        assert_eq!(guess_language("Les habitants de Qamishli disent que le prix du pain et du carburant a augmenté dans la ville"), Some("fr"));
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

    proptest::proptest! {
        /// One pass over the lines serves the fingerprint and the hashes:
        /// the lines joined must be the whole text normalized, byte for
        /// byte, or stored content hashes would drift.
        #[test]
        fn lines_joined_are_the_text_normalized(
            s in "[ \\t\\r\\n\u{85}\u{a0}\u{2028}\u{3000}\u{200b}\u{202a}\u{feff}\u{301}\u{327}\u{fb50}-\u{fb60}ﻻa-zA-Z`İقامشلي٠-٩ـًٌٍَُِّْ“”.،؟-]{0,200}",
        ) {
            proptest::prop_assert_eq!(join_lines(&normalized_lines(&s)), normalize(&s));
        }
    }
}
