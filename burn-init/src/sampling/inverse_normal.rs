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
//! **64-bit probabilities.** [`deviate_at`] is the same transform on a 64-bit word (octaves down
//! to 2⁻⁶⁵, `inverse_normal_wide_table.rs`, 2 × 63 × 32 rows from the same generator), for the
//! truncated normal of version 2, which spreads its words over a window of probabilities in
//! 64-bit fixed point (`sampling::truncated`); both halves of the word are handled as 32-bit
//! numbers, as on the device.
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
use super::inverse_normal_wide_table::WIDE_COEFFICIENTS;

/// The probabilities a table is for: p + ½ in units of 2⁻ᵇⁱᵗˢ, read from a 32-bit stream word
/// ([`deviate`]) or from a 64-bit fixed-point probability ([`deviate_at`], the truncated normal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    Word32,
    Word64,
}

impl Width {
    pub(crate) const fn bits(self) -> u32 {
        match self {
            Self::Word32 => 32,
            Self::Word64 => 64,
        }
    }

    /// Octaves per half: p ∈ [2ᵇⁱᵗˢ⁻³⁻ᵏ, 2ᵇⁱᵗˢ⁻²⁻ᵏ) for k < bits − 2, and the last for p = 0.
    pub(crate) const fn octaves(self) -> usize {
        self.bits() as usize - 1
    }

    /// Rows of the table: tail half first, then the centre.
    pub(crate) const fn rows(self) -> usize {
        2 * self.octaves() * SEGMENTS
    }
}

/// Octaves per half of the 32-bit words' table.
pub(crate) const OCTAVES: usize = Width::Word32.octaves();
/// Octaves per half of the 64-bit probabilities' table.
pub(crate) const WIDE_OCTAVES: usize = Width::Word64.octaves();
/// Bits after p's leading one that pick a segment of its octave.
pub(crate) const SEGMENT_BITS: u32 = 5;
/// Segments per octave.
pub(crate) const SEGMENTS: usize = 1 << SEGMENT_BITS;
/// Bits of r: the 27 bits after p's leading one that the table reads, less the segment's.
pub(crate) const R_BITS: u32 = 27 - SEGMENT_BITS;
/// Coefficients per polynomial (degree 3).
pub(crate) const DEGREE_PLUS_ONE: usize = 4;
/// Rows of the 32-bit words' table.
pub(crate) const ROWS: usize = Width::Word32.rows();
/// Rows of the 64-bit probabilities' table.
pub(crate) const WIDE_ROWS: usize = Width::Word64.rows();

/// The largest error of a version-2 deviate against the exact quantile of its word, in units in
/// the last place of the result, over all 2³² words: measured 1.4201 ulps (word 0x05df7680, in
/// the tail's octave 4) by `sweep_all_words` in 40 s on 2 cores, stated here as 1.5.
pub const MAX_ERROR_ULPS: f64 = 1.5;

/// The largest error of [`deviate_at`] against the exact quantile of its probability, in ulps of
/// the result, stated as 1.5: measured 1.3348 on 218 817 probabilities covering every octave and
/// segment of both halves (`wide_deviates_are_within_the_stated_error_of_the_exact_quantile`),
/// and over all 2³² words of three truncation windows (`sweep_truncated_windows`, ignored, 4 min
/// in release on 2 cores): 1.4370 for [−2, 2], 1.4290 for [0, ∞), 1.0010 for [−6.2, −6]. There
/// are 2⁶⁴ probabilities, so unlike [`MAX_ERROR_ULPS`] this bound is measured, not exhaustive.
pub const WIDE_MAX_ERROR_ULPS: f64 = 1.5;

/// A bound on |z| for every version-2 deviate: the deviate of m = 0, −Φ⁻¹(2⁻³³) = 6.337958 in
/// f32 (within 1.5 ulps of 6.3379578), rounded up.
pub const REACH_SIGMAS: f64 = 6.338;

const SIGN: u32 = 1 << 31;
const HALF: u32 = 1 << 30;
const LOW_31: u32 = SIGN - 1;
const R_SCALE: f32 = 1.0 / (1u32 << R_BITS) as f32;

/// The table row and r of a p whose `zeros` leading zeros and next bits `top` holds (`top`'s bit
/// 31 is p's leading one), in the tail half or the `central` one of a table of `octaves`.
#[inline(always)]
fn read(top: u32, zeros: u32, central: u32, octaves: u32) -> (usize, f32) {
    let segment = (top >> (31 - SEGMENT_BITS)) & (SEGMENTS as u32 - 1);
    // r's bits: the i32 conversion is exact and vectorises.
    let r = ((top >> 4) & ((1 << R_BITS) - 1)) as i32 as f32 * R_SCALE;
    let row = (central * octaves + (zeros - 2)) * SEGMENTS as u32 + segment;
    (row as usize, r)
}

/// Where a word's deviate is read from: its table row and r ∈ [0, 1), and its sign bit. Integer
/// operations only; the device kernel computes the same.
#[inline(always)]
pub(crate) fn locate(word: u32) -> (usize, f32, u32) {
    let m = word & LOW_31;
    let central = u32::from(m >= HALF);
    let p = if m >= HALF { LOW_31 - m } else { m };
    let zeros = p.leading_zeros(); // 2 ..= 32
    let (row, r) = read(p << zeros.min(31), zeros, central, OCTAVES as u32);
    (row, r, word & SIGN)
}

/// [`locate`] for the 64-bit word (`high`, `low`) in 32-bit halves, as the device computes it
/// (and as AVX2 vectorises it: it has no 64-bit lanes' leading-zero count): its sign bit, its
/// row in the wide table and r.
#[inline(always)]
pub(crate) fn locate_wide(high: u32, low: u32) -> (usize, f32, u32) {
    let m_high = high & LOW_31;
    let central = m_high >= HALF;
    // p = 2⁶³ − 1 − m in the centre: the complement of both halves.
    let (p_high, p_low) = if central {
        (m_high ^ LOW_31, !low)
    } else {
        (m_high, low)
    };
    // One leading-zero count, of the half that holds p's leading one (the low half when the
    // high one is 0); then p's top 32 bits after the shift by all its leading zeros.
    let lead_high = p_high != 0;
    let x = if lead_high { p_high } else { p_low };
    let z = x.leading_zeros(); // 2 ..= 31 in the high half, 0 ..= 32 in the low one
    let zeros = if lead_high { z } else { 32 + z }; // 2 ..= 64
    let shifted = x << z.min(31);
    let top = if lead_high {
        shifted | (p_low >> (32 - z))
    } else {
        shifted
    };
    let (row, r) = read(top, zeros, u32::from(central), WIDE_OCTAVES as u32);
    (row, r, high & SIGN)
}

/// Horner's rule over row `row` of `table` at r, each product rounded on its own (Rust never
/// contracts into fma), with the sign bit `sign`.
#[inline(always)]
fn evaluate<const N: usize>(
    table: &[[u32; DEGREE_PLUS_ONE]; N],
    row: usize,
    r: f32,
    sign: u32,
) -> f32 {
    // `row` is below N by construction; the `min` lets the loop run without a bounds check, so
    // that it vectorises (with gathers).
    let c = &table[row.min(N - 1)];
    let mut magnitude = f32::from_bits(c[DEGREE_PLUS_ONE - 1]);
    for i in (0..DEGREE_PLUS_ONE - 1).rev() {
        magnitude = magnitude * r + f32::from_bits(c[i]);
    }
    f32::from_bits(magnitude.to_bits() | sign)
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
    evaluate::<ROWS>(&COEFFICIENTS, row, r, sign)
}

/// Φ⁻¹((f + ½)·2⁻⁶⁴) for a 64-bit fixed-point probability f, by the same transform as
/// [`deviate`] on a 64-bit word (its own table, `inverse_normal_wide_table.rs`): what the
/// truncated normal of sampler version 2 evaluates. Increasing in f; |z| ≤ −Φ⁻¹(2⁻⁶⁵) = 9.1553.
///
/// ```
/// use burn_init::sampling::inverse_normal::deviate_at;
/// // The middle: Φ⁻¹(½ + 2⁻⁶⁵) ≈ √(2π)·2⁻⁶⁵, and its mirror below.
/// let middle = f64::from(deviate_at(1 << 63)) / (2.0 * std::f64::consts::PI).sqrt();
/// assert!((middle * 2f64.powi(65) - 1.0).abs() < 1e-6);
/// assert_eq!(deviate_at((1 << 63) - 1), -deviate_at(1 << 63));
/// // The ends: Φ⁻¹(2⁻⁶⁵) and its mirror.
/// assert!((f64::from(deviate_at(0)) + 9.155_294).abs() < 1e-5);
/// assert_eq!(deviate_at(u64::MAX), -deviate_at(0));
/// ```
#[inline(always)]
pub fn deviate_at(probability: u64) -> f32 {
    deviate_at_halves((probability >> 32) as u32, probability as u32)
}

/// [`deviate_at`] of the probability whose 32-bit halves are `high` and `low`.
#[inline(always)]
pub(crate) fn deviate_at_halves(high: u32, low: u32) -> f32 {
    // The lower half (f < 2⁶³) is a negative deviate: the sign bit set and m = f. The upper
    // half mirrors it: m = 2⁶⁴ − 1 − f, the complement.
    let (high, low) = if high >= SIGN {
        (!high, !low)
    } else {
        (high | SIGN, low)
    };
    let (row, r, sign) = locate_wide(high, low);
    evaluate::<WIDE_ROWS>(&WIDE_COEFFICIENTS, row, r, sign)
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
pub(crate) fn table_bits(width: Width) -> &'static [u32] {
    match width {
        Width::Word32 => COEFFICIENTS.as_flattened(),
        Width::Word64 => WIDE_COEFFICIENTS.as_flattened(),
    }
}

#[cfg(test)]
mod generator;

#[cfg(test)]
mod tests;
