//! What an element's class, id and style say about it: one automaton over
//! every hint fragment of `hints`, and the hidden-element test.

use crate::extract::hints::*;

/// What an element's class and id say about it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Hint {
    /// +25 positive hint, -25 negative, 0 both or neither.
    pub(super) weight: i32,
    /// A block that is never article text (share bar, related links).
    pub(super) hard: bool,
    /// A comment section: never article text, whatever its size.
    pub(super) comments: bool,
}

const F_COMMENT: u8 = 1;
const F_HARD: u8 = 2;
const F_NEGATIVE: u8 = 4;
const F_POSITIVE: u8 = 8;
const F_STRONG: u8 = 16;

/// One automaton over every hint fragment, with each pattern's flag.
fn hint_matcher() -> &'static (aho_corasick::AhoCorasick, Vec<u8>) {
    static MATCHER: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<u8>)> =
        std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut patterns: Vec<&str> = Vec::new();
        let mut flags: Vec<u8> = Vec::new();
        for (list, flag) in [
            (COMMENT_HINTS, F_COMMENT),
            (HARD_NEGATIVE, F_HARD),
            (NEGATIVE_HINTS, F_NEGATIVE),
            (POSITIVE_HINTS, F_POSITIVE),
            (STRONG_POSITIVE, F_STRONG),
        ] {
            for h in list {
                patterns.push(h);
                flags.push(flag);
            }
        }
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .unwrap_or_else(|e| unreachable!("hint patterns are valid: {e}"));
        (ac, flags)
    })
}

/// Flags of the hint fragments contained in `lower`.
fn hint_flags(lower: &[u8]) -> u8 {
    let (ac, flags) = hint_matcher();
    ac.find_overlapping_iter(lower)
        .fold(0, |acc, m| acc | flags[m.pattern().as_usize()])
}

pub(super) fn class_hint(e: &scraper::node::Element) -> Hint {
    let (class, id) = (e.attr("class").unwrap_or(""), e.attr("id").unwrap_or(""));
    if class.trim().is_empty() && id.trim().is_empty() {
        return Hint::default();
    }
    let flags = hint_flags(class.as_bytes()) | hint_flags(id.as_bytes());
    let tokens = || class.split_whitespace().chain(id.split_whitespace());
    let comments = flags & F_COMMENT != 0;
    let positive = flags & F_POSITIVE != 0;
    let hard_hint = flags & F_HARD != 0;
    // "entry-content read-more": content wins over a hard hint, never over comments
    let hard = comments || (hard_hint && flags & F_STRONG == 0);
    let negative = comments
        || hard_hint
        || flags & F_NEGATIVE != 0
        || tokens().any(|t| NEGATIVE_TOKENS.iter().any(|n| t.eq_ignore_ascii_case(n)));
    let mut weight = 0;
    if positive {
        weight += 25;
    }
    if negative {
        weight -= 25;
    }
    Hint {
        weight,
        hard,
        comments,
    }
}

pub(super) fn is_hidden(e: &scraper::node::Element) -> bool {
    e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("style").is_some_and(|s| {
            let s: String = s
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}
