//! Feed bytes through the whole parsing path: charset detection and
//! transcoding, declaration repair, feed-rs (panics contained), dates.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("https://example.org/feed/").expect("base");
    for charset in [None, Some("windows-1256"), Some("utf-8")] {
        let decoded = rasad::charset::decode(data, charset);
        let _ = rasad::feed::parse(&decoded.text, &base);
        let _ = rasad::feed::parse_date(&decoded.text);
    }
});
