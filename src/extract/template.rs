//! An outlet's template, learned from its own pages: lines of body text
//! (a leaked "about us" paragraph, a related-headlines box inside the
//! article's container, a whole "body" that every page shows) that repeat
//! across most of the outlet's recent pages are the outlet's, not any
//! article's.
//!
//! Owns: the line hash, the `Ring` of an outlet's last pages (bounded:
//! [`RING_PAGES`] pages of at most [`LINES_PER_PAGE`] hashes, each page once
//! by its title, the oldest forgotten first), its byte encoding (the store
//! keeps it opaque), and the `Template` it implies: a line seen on at least
//! [`MIN_PAGES`] of those pages and on [`MIN_SHARE`] of them. Pure; the
//! pipeline loads and saves rings, `extract` on files uses none.

use std::collections::{HashMap, HashSet, VecDeque};

use super::collapse_ws;

/// Pages an outlet's ring remembers.
pub const RING_PAGES: usize = 20;
/// Pages a line must be seen on before it is template.
pub const MIN_PAGES: usize = 5;
/// Share of the remembered pages a line must be seen on.
pub const MIN_SHARE: f64 = 0.3;
/// Line hashes one page gives: lines from each edge of its body (where
/// template clings), of its first choice and of its final body.
pub const LINES_PER_PAGE: usize = 96;
/// Lines taken from each edge of a body.
const EDGE_LINES: usize = 24;

/// The hash of a line as the body shows it (whitespace collapsed); stable
/// across versions, since rings are stored (FNV-1a, folded to 32 bits).
pub fn line_hash(line: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut space = false;
    let mut started = false;
    for &b in line.as_bytes() {
        if b.is_ascii_whitespace() {
            space = started;
            continue;
        }
        if space {
            h ^= u64::from(b' ');
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            space = false;
        }
        started = true;
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

/// The lines of an outlet's template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    lines: HashSet<u32>,
}

impl Template {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether this line of text is the outlet's.
    pub fn holds(&self, line: &str) -> bool {
        !self.lines.is_empty() && self.lines.contains(&line_hash(line))
    }

    /// Whether a line's hash is the outlet's.
    pub fn holds_hash(&self, hash: u32) -> bool {
        self.lines.contains(&hash)
    }

    /// The template less every line of `text`: what a re-check may strip
    /// without making a stored version look changed.
    pub fn without(&self, text: &str) -> Template {
        let mut lines = self.lines.clone();
        for l in text.lines() {
            lines.remove(&line_hash(&collapse_ws(l)));
        }
        Template { lines }
    }
}

/// What one page teaches: its title's hash (a page seen twice counts once)
/// and its lines' hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    pub title: u32,
    pub lines: Vec<u32>,
}

impl Learned {
    /// What a page of this title teaches, before its bodies are added.
    pub fn new(title: &str) -> Learned {
        Learned {
            title: line_hash(title),
            lines: Vec::new(),
        }
    }

    /// Adds the lines at each edge of a body, each line once, bounded.
    pub fn add(&mut self, body: &[&str]) {
        let head = body.iter().take(EDGE_LINES);
        let tail = body
            .iter()
            .skip(body.len().saturating_sub(EDGE_LINES).max(EDGE_LINES));
        for l in head.chain(tail) {
            let h = line_hash(l);
            if self.lines.len() < LINES_PER_PAGE && !self.lines.contains(&h) {
                self.lines.push(h);
            }
        }
    }

    /// What a page of this title and body teaches.
    pub fn of(title: &str, body: &[&str]) -> Learned {
        let mut l = Learned::new(title);
        l.add(body);
        l
    }
}

/// An outlet's last pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ring {
    pages: VecDeque<Learned>,
}

impl Ring {
    /// Reads a stored ring; whatever does not parse is dropped (a ring is
    /// only ever a hint).
    pub fn decode(bytes: &[u8]) -> Ring {
        let mut pages = VecDeque::new();
        let mut rest = bytes;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (a, b) = (rest.get(..n)?, rest.get(n..)?);
            rest = b;
            Some(a)
        };
        let u32_of = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        while pages.len() < RING_PAGES {
            let Some(head) = take(6) else { break };
            let title = u32_of(&head[..4]);
            let n = usize::from(u16::from_le_bytes([head[4], head[5]]));
            if n > LINES_PER_PAGE {
                break;
            }
            let Some(body) = take(n * 4) else { break };
            let lines = body.chunks_exact(4).map(u32_of).collect();
            pages.push_back(Learned { title, lines });
        }
        Ring { pages }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.pages {
            out.extend_from_slice(&p.title.to_le_bytes());
            let n = p.lines.len().min(LINES_PER_PAGE);
            out.extend_from_slice(&(n as u16).to_le_bytes());
            for h in &p.lines[..n] {
                out.extend_from_slice(&h.to_le_bytes());
            }
        }
        out
    }

    /// Remembers a page, forgetting the oldest beyond [`RING_PAGES`]; a
    /// page whose title the ring holds is not counted again (the same
    /// article under another address). Whether it was taken.
    pub fn push(&mut self, mut page: Learned) -> bool {
        if self.pages.iter().any(|p| p.title == page.title) {
            return false;
        }
        page.lines.truncate(LINES_PER_PAGE);
        self.pages.push_back(page);
        while self.pages.len() > RING_PAGES {
            self.pages.pop_front();
        }
        true
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The lines seen on enough of the remembered pages.
    pub fn template(&self) -> Template {
        let need = MIN_PAGES.max((self.pages.len() as f64 * MIN_SHARE).ceil() as usize);
        if self.pages.len() < need {
            return Template::default();
        }
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for p in &self.pages {
            for &h in &p.lines {
                *counts.entry(h).or_default() += 1;
            }
        }
        Template {
            lines: counts
                .into_iter()
                .filter(|&(_, n)| n >= need)
                .map(|(h, _)| h)
                .collect(),
        }
    }
}

/// The outlet a page's template is learned under: its host, lowercase,
/// without `www.`.
pub fn outlet_of(url: &url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str, lines: &[&str]) -> Learned {
        Learned::of(title, lines)
    }

    #[test]
    fn hash_ignores_spacing_only() {
        assert_eq!(
            line_hash("شبكة  الخابور\tالإخبارية "),
            line_hash("شبكة الخابور الإخبارية")
        );
        assert_ne!(line_hash("الحسكة"), line_hash("الحسكه"));
        assert_ne!(line_hash("ab"), line_hash("a b"));
    }

    #[test]
    fn a_line_on_most_pages_is_learned_after_five() {
        let about = "شبكة الخابور الإخبارية منصة مستقلة تغطي أخبار الجزيرة السورية.";
        let mut ring = Ring::default();
        for i in 0..4 {
            ring.push(page(
                &format!("خبر {i}"),
                &[&format!("نص الخبر رقم {i}"), about],
            ));
        }
        assert!(ring.template().is_empty(), "four pages teach nothing");
        assert!(
            !ring.push(page("خبر 3", &["نص آخر", about])),
            "a title counts once"
        );
        ring.push(page("خبر 4", &["نص الخبر رقم 4", about]));
        let t = ring.template();
        assert!(t.holds(about));
        assert!(!t.holds("نص الخبر رقم 4"));
        assert_eq!(t.len(), 1);
        // the line stops being learned once it is rare among the last pages
        for i in 5..25 {
            ring.push(page(&format!("خبر {i}"), &[&format!("نص {i}")]));
        }
        assert_eq!(ring.len(), RING_PAGES);
        assert!(!ring.template().holds(about));
    }

    #[test]
    fn share_of_recent_pages_counts() {
        let mut ring = Ring::default();
        // 5 of 20 pages: 25 %, under 30 %
        for i in 0..20 {
            let lines: &[&str] = if i % 4 == 0 {
                &["Read our live coverage of Raqqa"]
            } else {
                &[]
            };
            ring.push(page(&format!("t{i}"), lines));
        }
        assert!(!ring.template().holds("Read our live coverage of Raqqa"));
    }

    #[test]
    fn encoding_round_trips_and_garbage_is_dropped() {
        let mut ring = Ring::default();
        for i in 0..7 {
            ring.push(page(&format!("t{i}"), &["a", "b", &format!("c{i}")]));
        }
        let bytes = ring.encode();
        assert_eq!(Ring::decode(&bytes), ring);
        assert_eq!(Ring::decode(&bytes[..bytes.len() - 3]).len(), 6);
        assert!(Ring::decode(&[0xff; 9]).is_empty());
        assert!(Ring::decode(&[]).is_empty());
    }

    #[test]
    fn edges_are_bounded() {
        let body: Vec<String> = (0..500).map(|i| format!("line {i}")).collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let l = Learned::of("t", &body);
        assert_eq!(l.lines.len(), 2 * EDGE_LINES);
        assert!(l.lines.contains(&line_hash("line 0")));
        assert!(l.lines.contains(&line_hash("line 499")));
        assert!(!l.lines.contains(&line_hash("line 250")));
        let short: Vec<String> = (0..30).map(|i| format!("l {i}")).collect();
        let short: Vec<&str> = short.iter().map(String::as_str).collect();
        assert_eq!(Learned::of("t", &short).lines.len(), 30);
    }

    #[test]
    fn without_keeps_a_stored_versions_lines() {
        let mut ring = Ring::default();
        for i in 0..6 {
            ring.push(page(&format!("t{i}"), &["footer line", "other line"]));
        }
        let t = ring.template().without("Body\nfooter   line\n");
        assert!(!t.holds("footer line"));
        assert!(t.holds("other line"));
    }
}
