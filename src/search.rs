//! Search: the search form of a text (normalized, light-stemmed: Arabic
//! attached prefixes), FTS5 queries built from the user's syntax (every
//! term quoted, so input never reaches SQLite as syntax), snippets, and the
//! index entry (search forms and places) of an article.

use crate::text::{normalize, words};

/// Arabic prefixes a light stemmer removes (longest first): conjunctions and
/// prepositions fused with the article, the article alone, and و.
const AR_PREFIXES: &[&str] = &["وال", "بال", "كال", "فال", "لل", "ال", "و"];

/// One normalized word, light-stemmed: the article and attached
/// conjunctions/prepositions removed when at least three letters remain
/// (والحسكه, بالحسكه, الحسكه → حسكه). Index and queries use the same form,
/// so a bare word finds its prefixed forms.
pub fn stem(word: &str) -> &str {
    for p in AR_PREFIXES {
        if let Some(rest) = word.strip_prefix(p) {
            if rest.chars().count() >= 3 {
                return rest;
            }
        }
    }
    word
}

/// The searchable form of a text: normalized, light-stemmed words.
pub fn search_form(text: &str) -> String {
    let norm = normalize(text);
    let mut out = String::with_capacity(norm.len());
    for w in words(&norm) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(stem(w));
    }
    out
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn clitics_and_articles_are_stripped_for_search() {
        assert_eq!(
            search_form("والحَسَكة بالحسكة الحسكة حسكة"),
            "حسكه حسكه حسكه حسكه"
        );
        assert_eq!(
            search_form("للقامشلي الاقتصاد اقتصاد"),
            "قامشلي اقتصاد اقتصاد"
        );
        // short words keep their letters: ولد is not و + لد
        assert_eq!(search_form("ولد"), "ولد");
        assert_eq!(search_form("Qamişlo û Hesekê"), "qamişlo û hesekê");
    }
}

/// Translates a user's search into an FTS5 query over the search form:
/// words are normalized and light-stemmed like the index, `"quoted
/// phrases"` stay phrases, `AND`/`OR`/`NOT` and parentheses are operators,
/// a trailing `*` is a prefix search. Every term is quoted, so no input can
/// inject FTS5 syntax. `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut chars = input.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        let w = std::mem::take(word);
        match w.as_str() {
            "AND" | "OR" | "NOT" => out.push(w),
            _ => {
                let prefix = w.ends_with('*');
                let form = search_form(w.trim_end_matches('*'));
                if !form.is_empty() {
                    out.push(format!("\"{form}\"{}", if prefix { "*" } else { "" }));
                }
            }
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' | '“' | '”' | '«' | '»' => {
                flush(&mut word, &mut out);
                let mut phrase = String::new();
                for p in chars.by_ref() {
                    if matches!(p, '"' | '“' | '”' | '«' | '»') {
                        break;
                    }
                    phrase.push(p);
                }
                let form = search_form(&phrase);
                if !form.is_empty() {
                    out.push(format!("\"{form}\""));
                }
            }
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(c.to_string());
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    // operators must stand between terms
    while matches!(
        out.last().map(String::as_str),
        Some("AND" | "OR" | "NOT" | "(")
    ) {
        out.pop();
    }
    while matches!(out.first().map(String::as_str), Some("AND" | "OR" | ")")) {
        out.remove(0);
    }
    let opens = out.iter().filter(|t| *t == "(").count();
    let closes = out.iter().filter(|t| *t == ")").count();
    if opens != closes {
        out.retain(|t| t != "(" && t != ")");
    }
    (!out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod fts_tests {
    use super::*;

    #[test]
    fn queries_are_normalized_and_safe() {
        assert_eq!(fts_query("الحَسَكة").as_deref(), Some("\"حسكه\""));
        assert_eq!(
            fts_query("«دير الزور» OR الرقة NOT اقتصاد*").as_deref(),
            Some("\"دير زور\" OR \"رقه\" NOT \"اقتصاد\"*")
        );
        assert_eq!(
            fts_query("Hesekê AND (Qamişlo OR Kobanî)").as_deref(),
            Some("\"hesekê\" AND ( \"qamişlo\" OR \"kobanî\" )")
        );
        assert_eq!(
            fts_query("a\" OR 1=1 --").as_deref(),
            Some("\"a\" \"or 1 1\"")
        );
        assert_eq!(fts_query("  NOT "), None);
        assert_eq!(fts_query("((x"), Some("\"x\"".into()));
    }
}

/// A short excerpt of `text` around the first word that matches a term of
/// `query` (compared in search form), with matches in [brackets].
pub fn snippet(text: &str, query: &str, words_around: usize) -> String {
    let terms: Vec<String> = search_form(query)
        .split(' ')
        .filter(|t| !matches!(*t, "and" | "or" | "not") && !t.is_empty())
        .map(str::to_string)
        .collect();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let matches = |t: &str| {
        let f = search_form(t);
        !f.is_empty()
            && f.split(' ').any(|w| {
                terms
                    .iter()
                    .any(|q| w == q || (q.len() > 3 && w.starts_with(q.as_str())))
            })
    };
    let first = tokens.iter().position(|t| matches(t)).unwrap_or(0);
    let start = first.saturating_sub(words_around / 2);
    let end = (start + words_around).min(tokens.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (i, t) in tokens[start..end].iter().enumerate() {
        if i > 0 || start > 0 {
            out.push(' ');
        }
        if matches(t) {
            out.push('[');
            out.push_str(t);
            out.push(']');
        } else {
            out.push_str(t);
        }
    }
    if end < tokens.len() {
        out.push_str(" …");
    }
    out
}

/// The search-index entry of an article: search forms and places.
pub fn index_entry(title: &str, text: &str) -> crate::store::IndexEntry {
    // one normalization per field serves both the index and the places
    let title = search_form(title);
    let body = search_form(text);
    let title_words: Vec<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
    let body_words: Vec<&str> = body.split(' ').filter(|w| !w.is_empty()).collect();
    let mut places = crate::places::tag_words(&title_words);
    for p in crate::places::tag_words(&body_words) {
        if !places.contains(&p) {
            places.push(p);
        }
    }
    crate::store::IndexEntry {
        title,
        body,
        places,
    }
}
