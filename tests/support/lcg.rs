//! A small deterministic generator shared by the tests and the benches (no
//! random crate: every run draws the same numbers).

/// Knuth's MMIX linear congruential generator; the high bits are returned.
pub struct Lcg(pub u64);

#[allow(dead_code)] // each user takes what it needs
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }

    /// A number in `lo..=hi`.
    pub fn num(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}
