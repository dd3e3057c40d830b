//! Names as pages write them, cleaned: a headline without the site's name
//! before or after it («خبر - نورث برس», "Rudaw | Clashes"), and an author
//! without "By", «بقلم», «كتب:», dates, handles or addresses.

use url::Url;

use super::collapse_ws;

/// Separators between a headline and a site's name, the clearest first.
const SEPARATORS: &[&str] = &[
    " | ", " || ", " :: ", " « ", " » ", " _ ", "_", " - ", " – ", " — ", " · ", " : ",
];

/// Separators that (almost) never sit inside a headline.
const SITE_ONLY: &[&str] = &[" | ", " || ", " :: ", " « ", " » ", " _ ", "_"];

/// Removes a site name written before or after the headline
/// ("Headline - Site", "Site | Headline").
pub(crate) fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) else {
        return title.to_string();
    };
    for sep in SEPARATORS {
        if let Some(head) = title.strip_suffix(site).and_then(|t| t.strip_suffix(sep)) {
            if !head.trim().is_empty() {
                return head.trim().to_string();
            }
        }
        if let Some(tail) = title.strip_prefix(site).and_then(|t| t.strip_prefix(sep)) {
            if !tail.trim().is_empty() {
                return tail.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// The headline in `title`: without any of the page's known site names,
/// else without the part another of the page's titles leaves out (the
/// `<title>` "X - Site" beside the h1 "X"), else without a short part
/// after a separator no headline uses, or one that names the host.
///
/// `headlines` are what the page states as its headline (h1, the JSON-LD
/// headline), `others` its other titles (og:title, `<title>`).
pub(crate) fn clean_title(
    title: &str,
    sites: &[&str],
    (headlines, others): (&[&str], &[&str]),
    url: Option<&Url>,
) -> String {
    let mut title = collapse_ws(title);
    // "Headline | Section | Site": one part at a time
    for _ in 0..4 {
        match strip_once(&title, sites, (headlines, others), url) {
            Some(shorter) if shorter != title && !shorter.is_empty() => title = shorter,
            _ => break,
        }
    }
    title
}

/// The title less one site name or section, if it names one.
fn strip_once(
    title: &str,
    sites: &[&str],
    (headlines, others): (&[&str], &[&str]),
    url: Option<&Url>,
) -> Option<String> {
    for site in sites {
        let stripped = strip_site_name(title, Some(site));
        if stripped != title {
            return Some(stripped);
        }
    }
    let norm = |s: &str| crate::text::normalize(s);
    if headlines.iter().any(|o| norm(o) == norm(title)) {
        // the page's headline is this whole title
        return None;
    }
    let size = |s: &str| {
        let chars = s.chars().filter(|c| !c.is_whitespace()).count();
        // a script written without spaces counts its characters as words
        let words = s.split_whitespace().count();
        if words * 6 < chars {
            words.max(chars / 2)
        } else {
            words
        }
    };
    for sep in SEPARATORS {
        let Some((head, tail)) = split_once_either(title, sep) else {
            continue;
        };
        for keep in [head, tail] {
            let k = norm(keep);
            if k.chars().count() >= 4 && headlines.iter().chain(others).any(|o| norm(o) == k) {
                return Some(keep.trim().to_string());
            }
        }
        let (keep, drop) = (head, tail);
        let short = size(drop) <= 5 && drop.chars().count() <= 40;
        let long = size(keep) >= 3 && keep.chars().count() * 2 >= drop.chars().count() * 3;
        if short && long && (SITE_ONLY.contains(sep) || names_host(drop, url) || is_domain(drop)) {
            return Some(keep.trim().to_string());
        }
    }
    None
}

/// "Express.gr", "kathimerini.com.cy": a site named by its address.
fn is_domain(s: &str) -> bool {
    let s = s.trim();
    let Some((name, tld)) = s.rsplit_once('.') else {
        return false;
    };
    !s.contains(' ')
        && !name.is_empty()
        && (2..=6).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// The title split at the last `sep` (the headline first) or, for a site
/// name written first, at the first one.
fn split_once_either<'t>(title: &'t str, sep: &str) -> Option<(&'t str, &'t str)> {
    let (head, tail) = title.rsplit_once(sep)?;
    if head.trim().is_empty() || tail.trim().is_empty() {
        return None;
    }
    // "Site | Headline | more": a site written first is the first part
    if let Some((first, rest)) = title.split_once(sep) {
        if first.chars().count() < tail.chars().count() {
            return Some((rest, first));
        }
    }
    Some((head, tail))
}

/// Whether `name` spells the page's host ("Reuters" on reuters.com,
/// "BBC News" on bbc.co.uk).
fn names_host(name: &str, url: Option<&Url>) -> bool {
    let Some(host) = url.and_then(Url::host_str) else {
        return false;
    };
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters.len() >= 3
        && host
            .split('.')
            .filter(|l| l.len() >= 3 && !matches!(*l, "www" | "com" | "net" | "org" | "news"))
            .any(|label| letters.starts_with(label) || label.starts_with(&letters))
}

/// Words that introduce an author's name, lowercased, longest first.
const AUTHOR_PREFIXES: &[&str] = &[
    "written by",
    "posted by",
    "reported by",
    "story by",
    "by",
    "von",
    "por",
    "par",
    "autor",
    "autorka",
    "автор",
    "от",
    "συντάκτης",
    "作者",
    "بقلم",
    "كتبت",
    "كتب",
    "إعداد",
    "اعداد",
    "بواسطة",
    "تحرير",
    "المحرر",
    "نووسینی",
    "نووسەر",
    "nivîskar",
    "nivîsandin",
    "amadekar",
];

/// An author as a page writes it, cleaned: the name alone, or nothing when
/// what is left is not a name (a URL, a date, a sentence).
pub(crate) fn clean_author(raw: &str) -> Option<String> {
    let mut s = collapse_ws(raw);
    loop {
        let trimmed = s.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | '|' | '/' | '،' | ',')
        });
        let lower = trimmed.to_lowercase();
        let Some(p) = AUTHOR_PREFIXES.iter().find(|p| {
            lower.starts_with(*p)
                && lower[p.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_whitespace() || matches!(c, ':' | '-' | '–'))
        }) else {
            s = trimmed.to_string();
            break;
        };
        // the prefix is lowercase ASCII or a script without case, so its
        // byte length is the same in `trimmed`
        s = trimmed.get(p.len()..).unwrap_or("").to_string();
    }
    // the name ends where a date, a time, a handle or a second field starts
    let mut words: Vec<&str> = Vec::new();
    for w in s.split_whitespace() {
        let field_break = matches!(w, "|" | "-" | "–" | "—" | "•" | "·" | "/");
        if field_break
            || w.chars().any(|c| c.is_numeric())
            || w.starts_with('@')
            || w.contains("://")
        {
            break;
        }
        if w.contains('@') {
            continue;
        }
        words.push(w);
    }
    let name = words
        .join(" ")
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '،' | ':' | '-' | '|' | '.'))
        .to_string();
    let n = name.split_whitespace().count();
    (n > 0 && n <= 12 && name.chars().count() <= 100 && !name.ends_with('?')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_come_without_what_surrounds_them() {
        for (raw, want) in [
            ("By Jane Arraf", Some("Jane Arraf")),
            ("by  Jane Arraf | 12 March 2025", Some("Jane Arraf")),
            ("بقلم: سامر الأحمد", Some("سامر الأحمد")),
            ("كتب: محمد حسن - ١٢ نوفمبر ٢٠٢٥", Some("محمد حسن")),
            ("  بواسطة المحرر", Some("المحرر")),
            ("نووسینی: ئاراس محەمەد", Some("ئاراس محەمەد")),
            ("Nivîskar: Rojhat Ahmed", Some("Rojhat Ahmed")),
            ("Sara Ali @sara_ali", Some("Sara Ali")),
            ("Автор: Иван Петров 05.01.2012", Some("Иван Петров")),
            ("https://example.org/author/x", None),
            ("12 نوفمبر 2025", None),
            ("", None),
        ] {
            assert_eq!(clean_author(raw).as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn titles_lose_the_site_name_however_it_is_known() {
        let url = Url::parse("https://www.reuters.com/world/x").ok();
        let none: &[&str] = &[];
        assert_eq!(
            clean_title(
                "اشتباكات في الحسكة - نورث برس",
                &["نورث برس"],
                (none, none),
                None
            ),
            "اشتباكات في الحسكة"
        );
        // the h1 says which part is the headline
        assert_eq!(
            clean_title(
                "اشتباكات في ريف الحسكة - نورث برس",
                &[],
                (&["اشتباكات في ريف الحسكة"], none),
                None
            ),
            "اشتباكات في ريف الحسكة"
        );
        // a site-only separator, or a dash before a name that spells the host
        for sep in [" | ", " - "] {
            let title = format!("Clashes near Qamishli, officials say{sep}Reuters");
            assert_eq!(
                clean_title(&title, &[], (none, none), url.as_ref()),
                "Clashes near Qamishli, officials say"
            );
        }
        assert_eq!(
            clean_title(
                "Rudaw | Clashes in Hasakah leave three dead",
                &[],
                (none, none),
                None
            ),
            "Clashes in Hasakah leave three dead"
        );
        assert_eq!(
            clean_title(
                "春節旅遊慎防禽流感 | 生活 | 即時新聞 | 聯合新聞網",
                &[],
                (none, none),
                None
            ),
            "春節旅遊慎防禽流感"
        );
        assert_eq!(
            clean_title(
                "市民可实时查询主要污染物浓度 _京华网",
                &[],
                (none, none),
                None
            ),
            "市民可实时查询主要污染物浓度"
        );
        assert_eq!(
            clean_title(
                "Γονίδιο αυξάνει τον κίνδυνο αυτοκτονίας - Express.gr",
                &[],
                (none, none),
                None
            ),
            "Γονίδιο αυξάνει τον κίνδυνο αυτοκτονίας"
        );
        // a dash inside a headline stays when nothing says it is a site
        assert_eq!(
            clean_title("Kobani rebuilds - slowly", &[], (none, none), url.as_ref()),
            "Kobani rebuilds - slowly"
        );
        assert_eq!(
            clean_title("Rudaw", &["Rudaw"], (none, none), None),
            "Rudaw"
        );
    }
}
