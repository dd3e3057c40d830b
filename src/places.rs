//! Places of northeast Syria mentioned in a text, from the gazetteer in
//! `data/places.csv` (Arabic, Kurdish Kurmanji/Sorani, English and Turkish
//! variants).
//!
//! Owns: matching on normalized, light-stemmed words with word boundaries
//! (so بالحسكة and والقامشلي match, حسكات does not), multi-word names, and
//! the context rule for names that are also common words (marked `~` in the
//! data): they count only right after a place word (مدينة، بلدة، ريف،
//! town, village …).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::text;

const DATA: &str = include_str!("../data/places.csv");

/// Words that introduce a place name (normalized, stemmed).
const CONTEXT_WORDS: &[&str] = &[
    "مدينه",
    "بلده",
    "قريه",
    "ناحيه",
    "ريف",
    "مخيم",
    "منطقه",
    "حي",
    "محافظه",
    "town",
    "city",
    "village",
    "camp",
    "district",
    "bajarê",
    "gundê",
    "navçeya",
    "bajar",
    "gund",
];

/// One place of the gazetteer.
#[derive(Debug, Clone)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub governorate: String,
    /// Every other name it goes by (Arabic, Kurdish, English spellings).
    pub variants: Vec<String>,
}

struct Variant {
    /// Words after the first (stemmed).
    rest: Vec<String>,
    place: usize,
    needs_context: bool,
}

struct Gazetteer {
    places: Vec<Place>,
    /// First stemmed word → variants starting with it.
    by_first: HashMap<String, Vec<Variant>>,
    /// Every variant (normalized, stemmed, joined) → place, for lookups.
    by_name: HashMap<String, usize>,
}

fn key_words(s: &str) -> Vec<String> {
    let norm = text::normalize(s);
    text::words(&norm)
        .map(|w| crate::search::stem(w).to_string())
        .collect()
}

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let mut g = Gazetteer {
            places: Vec::new(),
            by_first: HashMap::new(),
            by_name: HashMap::new(),
        };
        for line in DATA.lines().skip_while(|l| l.starts_with('#')).skip(1) {
            let mut cols = line.splitn(4, ',');
            let (Some(id), Some(name), Some(gov), Some(variants)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let idx = g.places.len();
            g.places.push(Place {
                id: id.into(),
                name: name.trim_matches('"').into(),
                governorate: gov.into(),
                variants: variants
                    .split('|')
                    .map(|v| v.trim_start_matches('~').trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect(),
            });
            for v in std::iter::once(name.trim_matches('"')).chain(variants.split('|')) {
                let (needs_context, v) = match v.strip_prefix('~') {
                    Some(rest) => (true, rest),
                    None => (false, v),
                };
                // "Tabqa (Al-Thawrah)": the part before the bracket
                let v = v.split('(').next().unwrap_or(v).trim();
                let words = key_words(v);
                let Some((first, rest)) = words.split_first() else {
                    continue;
                };
                g.by_name.entry(words.join(" ")).or_insert(idx);
                g.by_first.entry(first.clone()).or_default().push(Variant {
                    rest: rest.to_vec(),
                    place: idx,
                    needs_context,
                });
            }
        }
        g
    })
}

/// Ids of the places `text` mentions, in order of first mention.
pub fn tag(text: &str) -> Vec<String> {
    let norm = text::normalize(text);
    let words: Vec<&str> = text::words(&norm).map(crate::search::stem).collect();
    tag_words(&words)
}

/// [`tag`] over words already normalized and stemmed (the search form).
pub fn tag_words(words: &[&str]) -> Vec<String> {
    let g = gazetteer();
    let mut found: Vec<usize> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // a one-letter clitic on a short first word (وتل أبيض) is not
        // removed by the stemmer, which keeps at least three letters
        let bare = ["و", "ف", "ب", "ل", "ك"]
            .iter()
            .find_map(|p| w.strip_prefix(p))
            .filter(|r| r.chars().count() >= 2);
        let variants = g
            .by_first
            .get(*w)
            .into_iter()
            .chain(bare.and_then(|b| g.by_first.get(b)))
            .flatten();
        for v in variants {
            let end = i + 1 + v.rest.len();
            if end > words.len() || words[i + 1..end].iter().zip(&v.rest).any(|(a, b)| a != b) {
                continue;
            }
            if v.needs_context && !(i > 0 && CONTEXT_WORDS.contains(&words[i - 1])) {
                continue;
            }
            if !found.contains(&v.place) {
                found.push(v.place);
            }
        }
    }
    found.into_iter().map(|i| g.places[i].id.clone()).collect()
}

/// The place any variant names (`Serêkaniyê`, `رأس العين`, `Ras al-Ain`).
pub fn lookup(name: &str) -> Option<&'static Place> {
    let g = gazetteer();
    let key = key_words(name).join(" ");
    g.by_name.get(&key).map(|&i| &g.places[i]).or_else(|| {
        let name = name.trim();
        // an id, or a display name ("Kobani (Ayn al-Arab)")
        g.places.iter().find(|p| p.id == name || p.name == name)
    })
}

/// Every place of the gazetteer, in its order.
pub fn all() -> &'static [Place] {
    &gazetteer().places
}

/// The display name of a place id.
pub fn name_of(id: &str) -> Option<&'static str> {
    gazetteer()
        .places
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.as_str())
}

/// Display names of place ids (unknown ids shown as they are).
pub fn names_of<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    ids.filter(|p| !p.is_empty())
        .map(|p| name_of(p).unwrap_or(p).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_kurdish_english_mentions() {
        assert_eq!(
            tag("اجتماع في الحسكة بحضور وفد من القامشلي، ووصول قافلة إلى رأس العين"),
            ["hasakah", "qamishli", "ras_al_ain"]
        );
        assert_eq!(
            tag("قصف على بالحسكة ووالقامشلي"),
            ["hasakah"],
            "clitics: بالحسكة yes; ووالقامشلي is no word"
        );
        assert_eq!(tag("Li Qamişlo û Serêkaniyê"), ["qamishli", "ras_al_ain"]);
        assert_eq!(
            tag("Clashes near Ras al-Ain and in Deir ez-Zor"),
            ["ras_al_ain", "deir_ez_zor"]
        );
        assert_eq!(
            tag("سري كانيه/ رأس العين وتل أبيض/ كري سبي"),
            ["ras_al_ain", "tell_abyad"]
        );
    }

    #[test]
    fn common_words_need_context() {
        assert!(
            tag("الثورة السورية دخلت عامها الجديد").is_empty(),
            "revolution"
        );
        assert!(tag("وقفة من أجل الكرامة والحرية").is_empty(), "dignity");
        assert!(tag("البصيرة مطلوبة في هذه المرحلة").is_empty(), "insight");
        assert_eq!(
            tag("اشتباكات في مدينة الثورة غربي الرقة"),
            ["tabqa", "raqqa"]
        );
        assert_eq!(
            tag("حملة أمنية في بلدة البصيرة بريف دير الزور"),
            ["busayrah", "deir_ez_zor"]
        );
    }

    #[test]
    fn no_partial_words() {
        assert!(tag("حسكات وقامشليون").is_empty());
        assert!(tag("Hasakahs").is_empty());
    }

    #[test]
    fn lookup_by_any_variant() {
        for v in ["Serêkaniyê", "رأس العين", "Ras al-Ain", "ras_al_ain"] {
            assert_eq!(lookup(v).map(|p| p.id.as_str()), Some("ras_al_ain"), "{v}");
        }
        assert_eq!(name_of("hasakah"), Some("Al-Hasakah"));
        assert!(lookup("Paris").is_none());
    }
}
