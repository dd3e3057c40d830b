//! URL canonicalization: never panics, and is idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(u) = url::Url::parse(s) {
        let once = rasad::dedup::canonical_url(&u);
        assert_eq!(rasad::dedup::canonical_url(&once), once);
    }
});
