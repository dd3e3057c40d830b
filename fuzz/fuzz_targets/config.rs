//! Config parsing and validation: errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = rasad::config::Config::parse(s, std::path::Path::new("feeds.toml"));
    let _ = rasad::search::fts_query(s);
    let _ = rasad::places::tag(s);
});
