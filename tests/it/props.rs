//! Property tests: hostile input never panics the parsing functions. They
//! run in the normal suite, so CI catches panics without a fuzzing toolchain.

use proptest::prelude::*;
use rasad::config::SiteRules;

/// Fragments that make HTML and XML interesting to parsers.
fn markup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<a href=\"/x\">",
        "</a>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<?xml version=\"1.0\" encoding=\"windows-1256\"?>",
        "<rss version=\"2.0\">",
        "<channel>",
        "<item>",
        "<title>",
        "</title>",
        "<link>",
        "</item>",
        "&",
        "&amp;",
        "&#x627;",
        "<![CDATA[",
        "]]>",
        "الحسكة",
        "Qamişlo",
        "ڕەققە",
        "\u{0}",
        "\u{feff}",
        "<",
        ">",
        "\"",
        "'",
        "<meta charset=utf-16>",
        "<svg>",
        "<style>",
        "<br/>",
        "<li class=\"comment\">",
        "{",
        "}",
        "<html lang=\"ar\">",
        "<form>",
        "<h1>",
        "[button x=1]",
        "٣",
        "\r\n",
    ]);
    prop::collection::vec(pieces, 0..200).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn extraction_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let decoded = rasad::charset::decode(&bytes, None);
        let _ = rasad::extract::extract(&decoded.text, None, &SiteRules::default());
        let _ = rasad::extract::fragment_text(&decoded.text);
    }

    #[test]
    fn extraction_never_panics_on_markup(html in markup()) {
        let rules = SiteRules { article_selector: Some("div p".into()), remove: vec!["a".into()] };
        let _ = rasad::extract::extract(&html, None, &rules);
        let _ = rasad::extract::extract(&html, None, &SiteRules::default());
    }

    #[test]
    fn feed_parsing_never_panics(xml in markup(), bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let base = url::Url::parse("https://example.org/feed").expect("url");
        let _ = rasad::feed::parse(&xml, &base);
        let decoded = rasad::charset::decode(&bytes, Some("windows-1256"));
        let _ = rasad::feed::parse(&decoded.text, &base);
        let _ = rasad::feed::parse_date(&decoded.text);
    }

    #[test]
    fn canonical_urls_are_stable(path in "[a-z0-9/._~%-]{0,40}", query in "[a-z0-9=&_]{0,40}") {
        if let Ok(u) = url::Url::parse(&format!("https://www.example.org/{path}?{query}#frag")) {
            let once = rasad::dedup::canonical_url(&u);
            prop_assert_eq!(rasad::dedup::canonical_url(&once), once.clone());
            prop_assert!(once.fragment().is_none());
        }
    }

    #[test]
    fn config_parsing_never_panics(text in "(\\[\\[feed\\]\\]|name|url|=|\"|\\n|interval|1m|[a-z]{1,8}|\\[fetch\\]|max_per_host|0|-1| ){0,60}") {
        let _ = rasad::config::Config::parse(&text, std::path::Path::new("feeds.toml"));
    }
}
