//! Identity of articles: canonical URLs and the keys that make a repeat a repeat.
//!
//! Owns: deciding which URL an article is known by. Everything that hashes
//! or compares URLs canonicalizes them here first.

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

#[cfg(test)]
mod tests {
    use super::*;

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
