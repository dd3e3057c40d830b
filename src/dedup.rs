//! Identity of articles: canonical URLs and the keys that make a repeat a repeat.
//!
//! Owns: deciding which URL an article is known by. Everything that hashes
//! or compares URLs canonicalizes them here first.

use std::collections::HashMap;

use url::Url;

/// Query parameters that only track where a click came from.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "ref",
    "ref_src", "ref_url", "_ga", "_gl", "spm", "ocid", "cmpid", "share", "amp",
];

/// The canonical form of an article URL: lowercase scheme and host (the url
/// crate does that), no default port, no fragment, no tracking parameters,
/// the remaining parameters sorted, `www.`/`m.`/`amp.` hosts and AMP paths
/// unified, and no trailing slash on a non-root path.
pub fn canonical_url(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    // (the url crate already drops default ports)
    if let Some(host) = u.host_str().map(str::to_string) {
        let mut h = host.as_str();
        for prefix in ["www.", "m.", "amp.", "mobile."] {
            if let Some(rest) = h.strip_prefix(prefix) {
                if rest.contains('.') {
                    h = rest;
                }
                break;
            }
        }
        if h != host {
            let _ = u.set_host(Some(h));
        }
    }
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !(k.starts_with("utm_") || TRACKING_PARAMS.contains(&k.as_str()))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let path = u.path().to_string();
    let mut p = path.as_str();
    for suffix in ["/amp/", "/amp"] {
        if let Some(rest) = p.strip_suffix(suffix) {
            p = rest;
            break;
        }
    }
    let p = p.trim_end_matches('/');
    let new_path = if p.is_empty() { "/" } else { p };
    if new_path != path {
        let new_path = new_path.to_string();
        u.set_path(&new_path);
    }
    u
}

/// The outlet of a URL as shown to people: its host without `www.`.
pub fn outlet_of(url: &str) -> Option<String> {
    let host = Url::parse(url).ok()?.host_str()?.to_string();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// The site a URL belongs to: its registrable domain (`news.bbc.co.uk` →
/// `bbc.co.uk`, by the public suffix list), or the address itself for an
/// IP literal or a name the list does not know. Exact-repeat merges happen
/// only within one site, and an article's own site decides whose feed
/// speaks for it.
pub fn site_of(url: &Url) -> Option<String> {
    match url.host()? {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            let site = psl::domain_str(&d).unwrap_or(&d).to_string();
            Some(site)
        }
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

/// Identity keys of one feed pass's items. An item with a link is known by
/// its canonical URL, else by its GUID within the feed; an item with
/// neither is known by its feed and its content (title, date, text), and
/// identical such items of one document by their order among themselves.
/// No key is shared by accident across feeds.
pub struct KeyMaker {
    feed_id: i64,
    seen: HashMap<String, usize>,
}

impl KeyMaker {
    pub fn new(feed_id: i64) -> KeyMaker {
        KeyMaker {
            feed_id,
            seen: HashMap::new(),
        }
    }

    /// The key of an item with this canonical URL, GUID, title, date and
    /// text.
    pub fn key(
        &mut self,
        canonical: Option<&Url>,
        guid: Option<&str>,
        title: Option<&str>,
        published: Option<chrono::DateTime<chrono::Utc>>,
        text: &str,
    ) -> String {
        if let Some(u) = canonical {
            return u.to_string();
        }
        if let Some(g) = guid {
            return format!("guid:{}:{g}", self.feed_id);
        }
        let content = format!(
            "{}\n{}\n{}",
            title.unwrap_or(""),
            published
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            text
        );
        let base = format!(
            "item:{}:{}",
            self.feed_id,
            crate::text::content_hash(&content)
        );
        let n = self.seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}:{n}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_registrable_domains() {
        let site = |s: &str| site_of(&Url::parse(s).expect("url"));
        assert_eq!(
            site("https://news.bbc.co.uk/a").as_deref(),
            Some("bbc.co.uk")
        );
        assert_eq!(
            site("https://www.npasyria.com/1").as_deref(),
            Some("npasyria.com")
        );
        assert_eq!(
            site("https://ar.hawarnews.com/x").as_deref(),
            Some("hawarnews.com")
        );
        assert_eq!(
            site("https://x.blogspot.com/").as_deref(),
            Some("x.blogspot.com")
        );
        // IP literals stand for themselves: 127.0.0.2 and 127.0.1.2 differ
        assert_eq!(site("http://127.0.0.2:8080/").as_deref(), Some("127.0.0.2"));
        assert_ne!(site("http://127.0.0.2/"), site("http://127.0.1.2/"));
        assert_eq!(site("http://[::1]/").as_deref(), Some("::1"));
        assert_eq!(site("http://localhost/").as_deref(), Some("localhost"));
    }

    fn canon(s: &str) -> String {
        canonical_url(&Url::parse(s).expect("url")).to_string()
    }

    #[test]
    fn tracking_and_variants_collapse() {
        let want = "https://npasyria.com/2025/11/123";
        for u in [
            "https://npasyria.com/2025/11/123/",
            "https://www.npasyria.com/2025/11/123/?utm_source=twitter&utm_medium=social",
            "https://NPASYRIA.com:443/2025/11/123#comments",
            "https://m.npasyria.com/2025/11/123/amp/?fbclid=abc",
            "https://amp.npasyria.com/2025/11/123?amp=1",
        ] {
            assert_eq!(canon(u), want, "{u}");
        }
        assert_eq!(canon("https://x.org/a?b=2&a=1"), "https://x.org/a?a=1&b=2");
        assert_eq!(canon("https://x.org/?p=48504"), "https://x.org/?p=48504");
        // Arabic slugs survive (percent-encoded, as the url crate writes them)
        let c = canon("https://x.org/الحسكة/");
        assert!(c.starts_with("https://x.org/%D8%A7%D9%84"), "{c}");
    }
}

// ---- near-duplicate detection ----------------------------------------------

use std::collections::HashSet;

use crate::text;

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;
/// MinHash values per text, in LSH bands of `ROWS`.
const HASHES: usize = 64;
const ROWS: usize = 4;
pub const BANDS: usize = HASHES / ROWS;
/// Texts with fewer shingles are never linked: teasers and one-line briefs
/// written from the same template look alike without being the same story.
const MIN_SHINGLES: usize = 30;
/// Share of the shorter text's shingles found in the other text.
const MIN_CONTAINMENT: f64 = 0.7;
/// Jaccard similarity of the two shingle sets.
const MIN_JACCARD: f64 = 0.45;

/// FNV-1a: a stable hash (fingerprints are stored, so they must not change
/// between builds).
fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// splitmix64 finalizer: turns one hash into many independent ones.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Month names (normalized: Arabic letter variants folded, Latin lowercase)
/// in Arabic (both series), Kurdish and English: a number beside one is a
/// date, which copies change (datelines, republication dates).
const MONTHS: &[&str] = &[
    "يناير",
    "فبراير",
    "مارس",
    "ابريل",
    "مايو",
    "يونيو",
    "يوليو",
    "اغسطس",
    "سبتمبر",
    "اكتوبر",
    "نوفمبر",
    "ديسمبر",
    "كانون",
    "شباط",
    "اذار",
    "نيسان",
    "ايار",
    "حزيران",
    "تموز",
    "اب",
    "ايلول",
    "تشرين",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "çile",
    "sibat",
    "adar",
    "nîsan",
    "gulan",
    "hezîran",
    "tîrmeh",
    "tebax",
    "îlon",
    "cotmeh",
    "mijdar",
    "kanûn",
];

/// Lines shorter than this (in words) are credits, "read also" links and
/// date lines: their numbers say nothing about the story.
const MIN_NUMBER_LINE_WORDS: usize = 8;

/// What near-duplicate detection knows of a text.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// Shingle hashes, sorted, each once.
    shingles: Vec<u64>,
    /// The story's numbers (casualty counts, amounts) — not dates, years or
    /// times, nor numbers of short lines: copies keep the former and change
    /// the latter.
    numbers: HashSet<String>,
}

impl Fingerprint {
    pub fn new(body: &str) -> Fingerprint {
        Fingerprint::of_lines(&text::normalized_lines(body))
    }

    /// The fingerprint of a text given as its lines normalized
    /// ([`text::normalized_lines`]).
    pub fn of_lines(lines: &[String]) -> Fingerprint {
        let mut shingles = Vec::new();
        let mut numbers = HashSet::new();
        let mut all: Vec<&str> = Vec::new();
        for norm in lines {
            let words: Vec<&str> = text::words(norm).collect();
            if words.len() >= MIN_NUMBER_LINE_WORDS {
                for (i, w) in words.iter().enumerate() {
                    if w.chars().any(|c| c.is_ascii_digit()) && !is_date_number(&words, i) {
                        numbers.insert(w.to_string());
                    }
                }
            }
            all.extend(words);
        }
        for w in all.windows(SHINGLE_WORDS) {
            let mut h = FNV_OFFSET;
            for word in w {
                h = fnv(word.as_bytes(), h);
                h = fnv(b" ", h);
            }
            shingles.push(h);
        }
        shingles.sort_unstable();
        shingles.dedup();
        Fingerprint { shingles, numbers }
    }

    /// Long enough to be linked at all.
    pub fn is_linkable(&self) -> bool {
        self.shingles.len() >= MIN_SHINGLES
    }

    /// LSH band keys of the MinHash signature; two texts with Jaccard
    /// similarity s share a key with probability 1 - (1 - s^4)^16
    /// (0.5 → 0.65, 0.7 → 0.99).
    pub fn band_keys(&self) -> Vec<i64> {
        if !self.is_linkable() {
            return Vec::new();
        }
        let seeds: [u64; HASHES] = std::array::from_fn(|i| mix(i as u64 + 1));
        let mut sig = [u64::MAX; HASHES];
        for &s in &self.shingles {
            for (slot, seed) in sig.iter_mut().zip(seeds) {
                *slot = (*slot).min(mix(s ^ seed));
            }
        }
        sig.chunks(ROWS)
            .enumerate()
            .map(|(band, rows)| {
                let mut h = fnv(&(band as u64).to_le_bytes(), FNV_OFFSET);
                for r in rows {
                    h = fnv(&r.to_le_bytes(), h);
                }
                h as i64
            })
            .collect()
    }

    /// How alike two texts are.
    pub fn compare(&self, other: &Fingerprint) -> Similarity {
        let common = common_count(&self.shingles, &other.shingles) as f64;
        let (a, b) = (self.shingles.len() as f64, other.shingles.len() as f64);
        let (short, long) = if a <= b { (self, other) } else { (other, self) };
        Similarity {
            jaccard: common / (a + b - common).max(1.0),
            containment: common / a.min(b).max(1.0),
            numbers_agree: short.numbers.is_subset(&long.numbers),
        }
    }

    /// Whether two texts tell the same story: enough shared shingles both
    /// ways, and the story numbers of the shorter text all found in the
    /// longer.
    pub fn same_story(&self, other: &Fingerprint) -> bool {
        if !self.is_linkable() || !other.is_linkable() {
            return false;
        }
        let s = self.compare(other);
        s.jaccard >= MIN_JACCARD && s.containment >= MIN_CONTAINMENT && s.numbers_agree
    }
}

/// How many values two sorted, deduplicated lists share.
fn common_count(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The measures [`Fingerprint::same_story`] decides on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub jaccard: f64,
    pub containment: f64,
    /// The shorter text's story numbers all appear in the longer.
    pub numbers_agree: bool,
}

/// Whether `words[i]` is part of a date: a year (1900–2100) or a number
/// next to a month name.
fn is_date_number(words: &[&str], i: usize) -> bool {
    let w = words[i];
    if let Ok(n) = w.parse::<u32>() {
        if w.len() == 4 && (1900..=2100).contains(&n) {
            return true;
        }
    }
    let month = |j: Option<usize>| {
        j.and_then(|j| words.get(j)).is_some_and(|m| {
            let m = m
                .strip_prefix('و')
                .filter(|r| MONTHS.contains(r))
                .unwrap_or(m);
            MONTHS.contains(&m)
        })
    };
    month(i.checked_sub(1)) || month(Some(i + 1))
}

#[cfg(test)]
mod near_tests {
    use super::*;

    const STORY: &str = "قالت مصادر محلية لنورث برس، الأحد، إن اشتباكات اندلعت بين قوات سوريا الديمقراطية ومسلحين في بلدة ذيبان بريف دير الزور الشرقي، ما أدى إلى مقتل 3 أشخاص وإصابة 5 آخرين.\nوأضافت المصادر أن القوات استقدمت تعزيزات عسكرية إلى البلدة، وفرضت حظراً للتجوال حتى إشعار آخر، فيما لم يصدر أي تعليق رسمي حتى الآن.\nوتشهد المنطقة توتراً أمنياً متكرراً منذ أشهر، وسط مطالبات الأهالي بتحسين الخدمات وإطلاق سراح المعتقلين.";

    #[test]
    fn syndicated_copy_with_edits_is_the_same_story() {
        let a = Fingerprint::new(STORY);
        let copy = format!(
            "عاجل: {}\nاقرأ أيضاً: انقطاع المياه في الحسكة",
            STORY
                .replace("3", "٣")
                .replace("قالت", "قَالَتْ")
                .replace("لنورث برس", "لعنب بلدي")
        );
        let b = Fingerprint::new(&copy);
        assert!(a.same_story(&b));
        let dropped: Vec<&str> = STORY.lines().take(2).collect();
        assert!(a.same_story(&Fingerprint::new(&dropped.join("\n"))));
        let shared = a
            .band_keys()
            .iter()
            .filter(|k| b.band_keys().contains(k))
            .count();
        assert!(shared > 0);
    }

    #[test]
    fn template_story_with_other_facts_is_not() {
        let other = STORY
            .replace("ذيبان", "الشحيل")
            .replace("3 أشخاص", "7 أشخاص")
            .replace("5 آخرين", "2 آخرين");
        assert!(!Fingerprint::new(STORY).same_story(&Fingerprint::new(&other)));
        let brief = "قتل شخص في ريف دير الزور.";
        assert!(!Fingerprint::new(brief).is_linkable());
        assert!(Fingerprint::new(brief).band_keys().is_empty());
    }
}
