//! Watches: which new articles a `[[watch]]` is told about, decided in
//! memory on the article's search form (the query of `rasad search`, its
//! places, feeds and languages), and what is delivered (JSON for
//! webhooks, signed; plain text for ntfy). `silence` judges outlets.
//!
//! A query is evaluated as FTS5 would evaluate it on the index (phrases,
//! prefixes, AND, OR, NOT, parentheses, implicit AND), on the same search
//! form, so a watch matches what a search would find.

pub mod silence;

use std::collections::HashSet;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{WatchConfig, WatchKind};

/// A query, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    /// Words in a row (search forms); the last one a prefix when `prefix`.
    Phrase {
        words: Vec<String>,
        prefix: bool,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>, Box<Expr>),
}

/// The words of an article as the index has them.
pub struct Doc {
    title: Vec<String>,
    body: Vec<String>,
    words: HashSet<String>,
}

impl Doc {
    pub fn new(title: &str, text: &str) -> Doc {
        let split = |s: String| -> Vec<String> {
            s.split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let title = split(crate::search::search_form(title));
        let body = split(crate::search::search_form(text));
        let words = title.iter().chain(&body).cloned().collect();
        Doc { title, body, words }
    }

    fn has(&self, words: &[String], prefix: bool) -> bool {
        match words {
            [] => false,
            [w] if !prefix => self.words.contains(w),
            [w] => self.words.iter().any(|x| x.starts_with(w.as_str())),
            _ => [&self.title, &self.body].iter().any(|col| {
                col.windows(words.len()).any(|win| {
                    win.iter().zip(words).enumerate().all(|(i, (x, w))| {
                        if prefix && i == words.len() - 1 {
                            x.starts_with(w.as_str())
                        } else {
                            x == w
                        }
                    })
                })
            }),
        }
    }
}

impl Expr {
    fn eval(&self, d: &Doc) -> bool {
        match self {
            Expr::Phrase { words, prefix } => d.has(words, *prefix),
            Expr::And(a, b) => a.eval(d) && b.eval(d),
            Expr::Or(a, b) => a.eval(d) || b.eval(d),
            Expr::Not(a, b) => a.eval(d) && !b.eval(d),
        }
    }
}

/// Tokens of an FTS5 query made by `search::fts_query`.
fn tokens(fts: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = fts.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut t = String::from("\"");
                for p in chars.by_ref() {
                    if p == '"' {
                        break;
                    }
                    t.push(p);
                }
                if chars.peek() == Some(&'*') {
                    chars.next();
                    t.push('*');
                }
                out.push(t);
            }
            '(' | ')' => out.push(c.to_string()),
            c if c.is_whitespace() => {}
            c => {
                let mut t = c.to_string();
                while let Some(&p) = chars.peek() {
                    if p.is_whitespace() || p == '(' || p == ')' || p == '"' {
                        break;
                    }
                    t.push(p);
                    chars.next();
                }
                out.push(t);
            }
        }
    }
    out
}

/// FTS5 precedence: NOT binds tighter than AND (explicit or implied),
/// which binds tighter than OR.
struct Parser {
    toks: Vec<String>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }

    fn or(&mut self) -> Option<Expr> {
        let mut e = self.and()?;
        while self.peek() == Some("OR") {
            self.at += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Some(e)
    }

    fn and(&mut self) -> Option<Expr> {
        let mut e = self.not()?;
        loop {
            match self.peek() {
                Some("AND") => self.at += 1,
                Some(t) if t.starts_with('"') || t == "(" => {}
                _ => return Some(e),
            }
            e = Expr::And(Box::new(e), Box::new(self.not()?));
        }
    }

    fn not(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        while self.peek() == Some("NOT") {
            self.at += 1;
            e = Expr::Not(Box::new(e), Box::new(self.primary()?));
        }
        Some(e)
    }

    fn primary(&mut self) -> Option<Expr> {
        let t = self.toks.get(self.at)?.clone();
        self.at += 1;
        if t == "(" {
            let e = self.or()?;
            if self.peek() == Some(")") {
                self.at += 1;
            }
            return Some(e);
        }
        let prefix = t.ends_with('*');
        let inner = t.trim_end_matches('*').trim_matches('"');
        Some(Expr::Phrase {
            words: inner
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            prefix,
        })
    }
}

/// A query that decides in memory what FTS5 would find.
#[derive(Debug, Clone)]
pub struct Matcher(Expr);

impl Matcher {
    /// From the FTS5 form `search::fts_query` made; `None` if it is empty.
    pub fn new(fts: &str) -> Option<Matcher> {
        let mut p = Parser {
            toks: tokens(fts),
            at: 0,
        };
        p.or().map(Matcher)
    }

    pub fn matches(&self, d: &Doc) -> bool {
        self.0.eval(d)
    }
}

/// What is known of a new article when the watches look at it.
pub struct Candidate<'a> {
    pub doc: &'a Doc,
    /// Place ids it mentions.
    pub places: &'a [String],
    /// Names of the feeds that listed it.
    pub feeds: &'a [String],
    pub lang: Option<&'a str>,
}

/// The watches of a config, compiled.
pub struct Watches {
    list: Vec<(WatchConfig, Option<Matcher>)>,
}

impl Watches {
    pub fn new(configs: &[WatchConfig]) -> Watches {
        Watches {
            list: configs
                .iter()
                .filter(|w| w.kind == WatchKind::Articles)
                .map(|w| {
                    (
                        w.clone(),
                        w.query.as_ref().and_then(|(_, f)| Matcher::new(f)),
                    )
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The watches `c` matches: every condition a watch sets holds (the
    /// query; one of its places, feeds, languages).
    pub fn matching(&self, c: &Candidate) -> Vec<&WatchConfig> {
        self.list
            .iter()
            .filter(|(w, m)| {
                m.as_ref().is_none_or(|m| m.matches(c.doc))
                    && (w.places.is_empty() || w.places.iter().any(|p| c.places.contains(p)))
                    && (w.feeds.is_empty() || w.feeds.iter().any(|f| c.feeds.contains(f)))
                    && (w.lang.is_empty() || c.lang.is_some_and(|l| w.lang.iter().any(|x| x == l)))
            })
            .map(|(w, _)| w)
            .collect()
    }
}

/// `X-Rasad-Signature` of `body` with `secret`: `sha256=<hex HMAC-SHA256>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", crate::text::hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(q: &str) -> Matcher {
        Matcher::new(&crate::search::fts_query(q).expect("query")).expect("matcher")
    }

    #[test]
    fn a_watch_finds_what_a_search_finds() {
        let d = Doc::new(
            "اشتباكات في كوباني",
            "قالت مصادر محلية إن اشتباكات اندلعت بالحسكة وريف دير الزور الشرقي. Residents of Kobanê fled.",
        );
        assert!(m("كوباني OR Kobani OR Kobanê").matches(&d));
        assert!(m("حسكة").matches(&d), "بالحسكة is حسكة");
        assert!(m("«دير الزور»").matches(&d));
        assert!(!m("«الزور دير»").matches(&d), "a phrase keeps its order");
        assert!(m("اشتباك*").matches(&d));
        assert!(m("حسكة AND NOT الرقة").matches(&d) || m("حسكة NOT الرقة").matches(&d));
        assert!(!m("حسكة NOT كوباني").matches(&d));
        assert!(m("(الرقة OR حسكة) مصادر").matches(&d));
        assert!(!m("الرقة OR منبج").matches(&d));
        assert!(m("kobanê residents").matches(&d));
    }

    #[test]
    fn signatures_are_hmac_sha256() {
        // RFC 4231 test case 2
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
