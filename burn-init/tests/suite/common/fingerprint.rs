//! The golden-bits fingerprint, shared by burn-init's and burn-init-models' golden tests (the
//! latter include this file by path): FNV-1a (64 bit) over the length and every value's bits,
//! written here because `std`'s hasher is not promised to be stable across Rust releases.

/// FNV-1a of `values.len()` and every value's bits (little-endian).
pub fn fingerprint(values: &[f32]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&(values.len() as u64).to_le_bytes());
    values.iter().for_each(|v| eat(&v.to_bits().to_le_bytes()));
    hash
}
