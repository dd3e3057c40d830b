//! Page bytes through decoding, the prescan and the extractor.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = rasad::charset::decode(data, None);
    let rules = rasad::config::SiteRules {
        article_selector: Some("article, .entry-content".into()),
        remove: vec![".share".into()],
    };
    let _ = rasad::extract::extract(&decoded.text, None, &rasad::config::SiteRules::default());
    let _ = rasad::extract::extract(&decoded.text, None, &rules);
    let _ = rasad::extract::fragment_text(&decoded.text);
});
