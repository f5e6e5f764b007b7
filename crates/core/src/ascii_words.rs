//! Checks of ASCII text eight bytes at a time, without a branch per byte:
//! SIDs (hex digits) and correlation ids (letters and digits) are checked in
//! every request or answer that carries one.
//!
//! Each byte of a `u64` is compared with a range by adding an offset that
//! carries into its top bit: for bytes below 0x80, adding `0x80 - lo` sets a
//! byte's top bit exactly when it is at least `lo`, and no addition carries
//! into the next byte (`0x7f + 0x7f < 0x100`). A word with a byte at or
//! above 0x80 is refused before its ranges are read.

const LANES: u64 = 0x0101_0101_0101_0101;
const TOP: u64 = 0x8080_8080_8080_8080;

/// The top bit of each byte of `word` that lies in `lo..=hi` (for bytes
/// below 0x80).
pub(crate) const fn within(word: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = word.wrapping_add(LANES * (0x80 - lo as u64));
    let above_hi = word.wrapping_add(LANES * (0x7f - hi as u64));
    at_least_lo & !above_hi & TOP
}

/// `word` with its letters lowercased (`A-Z` becomes `a-z`, and no other
/// byte lands in `a-z`), so that a range of letters is one test.
pub(crate) const fn lowercased(word: u64) -> u64 {
    word | (LANES * 0x20)
}

/// Whether every byte of `bytes` is ASCII and in a class: `class` gives the
/// top bit of each byte of a word that is in it, `byte` says the same of one
/// byte, for the bytes after the last whole word.
#[inline]
pub(crate) fn all(bytes: &[u8], class: impl Fn(u64) -> u64, byte: impl Fn(&u8) -> bool) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let words_ok = chunks.by_ref().fold(true, |all, chunk| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        all & (word & TOP == 0) & (class(word) == TOP)
    });
    words_ok && chunks.remainder().iter().all(byte)
}
