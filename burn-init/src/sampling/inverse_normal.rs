//! Standard normal deviates of sampler version 2: one stream word per value, no rejection, and
//! only operations that every device rounds the same way, so that the host and a GPU kernel
//! (`sampling::device_stream`) give the same bits.
//!
//! The ziggurat of version 1 rejects 1.5 % of its words and finishes them from the block's spare
//! stream, so an element's value depends on its block's earlier elements, which a GPU thread
//! cannot follow. Here element i is a function of word i alone: a table-driven inverse normal
//! CDF, z = ±Φ⁻¹ of the word's probability, evaluated with integer operations, table loads and
//! f32 `+` and `×` only (no `ln`, `sqrt` or `fma`, which GPUs do not round correctly or the
//! same way).
//!
//! **The transform.** A word w gives a sign (bit 31) and m = w mod 2³¹. The lower half of m
//! (m < 2³⁰) is the tail: t = (m + ½)·2⁻³² ∈ (0, ¼) and |z| = −Φ⁻¹(t). The upper half is the
//! centre: u = (2³¹ − 1 − m + ½)·2⁻³² ∈ (0, ¼] and |z| = Φ⁻¹(½ + u). Either way p (m, or
//! 2³¹ − 1 − m) is a 30-bit integer whose leading zeros give an octave k (p ∈ [2²⁹⁻ᵏ, 2³⁰⁻ᵏ),
//! k = 30 for p = 0); the 5 bits after p's leading one pick one of 32 segments and the next 22
//! bits are r ∈ [0, 1) (exactly, as an integer times 2⁻²²). Each (half, octave, segment) holds a
//! cubic in r, interpolated in f64 at Chebyshev nodes to the exact quantile and rounded to f32
//! (`inverse_normal_table.rs`, 2 × 31 × 32 rows of 4 coefficients, 31 KiB, generated and
//! checked by this module's tests), evaluated by Horner's rule with each product rounded on its
//! own. (A first layout of 16 segments of degree-5 polynomials was as accurate, 1.43 ulps, and
//! took 27 ms instead of 25 ms for a 4096² fill with AVX2: six table loads per value, not four.)
//!
//! **Speed** (criterion, `benches/sampling.rs`, `inplace/` at 4096², one run, project machine):
//! 19.4 ms against the ziggurat's 20.5 ms where the CPU has AVX-512 (16 lanes, `vplzcntd`, wide
//! gathers; the dispatch picks it at run time), 24.8 ms against 20.5 ms with AVX2 alone.
//!
//! **What it gives.** The mean is exactly 0 over all 2³² words (the sign bit is independent of
//! the rest). The tails reach |z| = −Φ⁻¹(2⁻³³) = 6.33796σ, the limit of one 32-bit word: the
//! two-sided mass beyond it is 2⁻³² ≈ 2.3·10⁻¹⁰, so a tensor of 10⁸ values misses 0.02 such
//! values on average (version 1's ziggurat reaches about 10σ with its spare words). Accuracy
//! against the exact quantile of each word's probability, in units in the last place of the
//! result: at most [`MAX_ERROR_ULPS`] over every word (measured by `sweep_all_words`, an ignored
//! test run in release: 2³¹ words, by symmetry), which the regular tests check on 2²⁴ words.

use super::Affine;
use super::inverse_normal_table::COEFFICIENTS;

/// Octaves per half: p ∈ [2²⁹⁻ᵏ, 2³⁰⁻ᵏ) for k < 30, and k = 30 for p = 0.
pub(crate) const OCTAVES: usize = 31;
/// Bits after p's leading one that pick a segment of its octave.
pub(crate) const SEGMENT_BITS: u32 = 5;
/// Segments per octave.
pub(crate) const SEGMENTS: usize = 1 << SEGMENT_BITS;
/// Bits of r: the 27 bits after p's leading one that the table reads, less the segment's.
pub(crate) const R_BITS: u32 = 27 - SEGMENT_BITS;
/// Coefficients per polynomial (degree 3).
pub(crate) const DEGREE_PLUS_ONE: usize = 4;
/// Rows of the table: tail half first, then the centre.
pub(crate) const ROWS: usize = 2 * OCTAVES * SEGMENTS;

/// The largest error of a version-2 deviate against the exact quantile of its word, in units in
/// the last place of the result, over all 2³² words: measured 1.4201 ulps (word 0x05df7680, in
/// the tail's octave 4) by `sweep_all_words` in 40 s on 2 cores, stated here as 1.5.
pub const MAX_ERROR_ULPS: f64 = 1.5;

/// A bound on |z| for every version-2 deviate: the deviate of m = 0, −Φ⁻¹(2⁻³³) = 6.337958 in
/// f32 (within 1.5 ulps of 6.3379578), rounded up.
pub const REACH_SIGMAS: f64 = 6.338;

const SIGN: u32 = 1 << 31;
const HALF: u32 = 1 << 30;
const LOW_31: u32 = SIGN - 1;
const R_SCALE: f32 = 1.0 / (1u32 << R_BITS) as f32;

/// Where a word's deviate is read from: its table row and r ∈ [0, 1), and its sign bit. Integer
/// operations only; the device kernel computes the same.
#[inline(always)]
pub(crate) fn locate(word: u32) -> (usize, f32, u32) {
    let m = word & LOW_31;
    let central = u32::from(m >= HALF);
    let p = if m >= HALF { LOW_31 - m } else { m };
    let zeros = p.leading_zeros(); // 2 ..= 32
    let shifted = p << zeros.min(31);
    let segment = (shifted >> (31 - SEGMENT_BITS)) & (SEGMENTS as u32 - 1);
    // r's bits: the i32 conversion is exact and vectorises.
    let r = ((shifted >> 4) & ((1 << R_BITS) - 1)) as i32 as f32 * R_SCALE;
    let row = (central * OCTAVES as u32 + (zeros - 2)) * SEGMENTS as u32 + segment;
    (row as usize, r, word & SIGN)
}

/// The standard normal deviate of one stream word under sampler version 2: what element i of a
/// version-2 N(0, 1) tensor is, given word i of its key's stream (module docs: the transform).
///
/// ```
/// use burn_init::sampling::inverse_normal::deviate;
/// // Word 0 is the far tail, −Φ⁻¹(2⁻³³); the sign bit mirrors it.
/// assert!((f64::from(deviate(0)) - 6.337_958).abs() < 1e-6);
/// assert_eq!(deviate(1 << 31), -deviate(0));
/// ```
#[inline(always)]
pub fn deviate(word: u32) -> f32 {
    let (row, r, sign) = locate(word);
    // The type states the table's shape: a table of another shape does not compile.
    let table: &[[u32; DEGREE_PLUS_ONE]; ROWS] = &COEFFICIENTS;
    // `row` is below ROWS by construction; the `min` lets the loop run without a bounds check,
    // so that it vectorises (with gathers).
    let c = &table[row.min(ROWS - 1)];
    // Horner's rule, each product rounded on its own (Rust never contracts into fma).
    let mut magnitude = f32::from_bits(c[DEGREE_PLUS_ONE - 1]);
    for i in (0..DEGREE_PLUS_ONE - 1).rev() {
        magnitude = magnitude * r + f32::from_bits(c[i]);
    }
    f32::from_bits(magnitude.to_bits() | sign)
}

super::simd::multiversion! {
    avx512;
    /// Replaces raw words by `affine(z)` for version-2 normal deviates z.
    pub(crate) fn normal_words(values: &mut [f32], affine: Affine) {
        for value in values.iter_mut() {
            *value = affine.apply(deviate(value.to_bits()));
        }
    }
}

/// The table's f32 bit patterns, row-major: the bytes the device kernel reads as f32, uploaded
/// as they are (no conversion).
#[cfg(feature = "device-stream")]
pub(crate) fn table_bits() -> &'static [u32] {
    COEFFICIENTS.as_flattened()
}

#[cfg(test)]
mod generator;

#[cfg(test)]
mod tests;
