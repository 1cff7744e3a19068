//! The kernels of the keyed stream: ChaCha8's block function (one block of 16 words per unit)
//! and the uniform transform, under the exact-arithmetic contract of the parent module. Word `w`
//! of a stream is word `w mod 16` of block `w / 16`; the round result plus the input word
//! (wrapping) is the output word.

use cubecl::prelude::*;

use crate::sampling::inverse_normal::{
    DEGREE_PLUS_ONE, OCTAVES, R_BITS, SEGMENT_BITS, SEGMENTS, WIDE_OCTAVES,
};

/// Everything a fill reads besides the output: the key's 8 words, the first block, the stream,
/// and the range (`lead` words of the first block are skipped; `len` values are written).
#[derive(CubeLaunch, CubeType)]
pub(crate) struct StreamArgs {
    k0: u32,
    k1: u32,
    k2: u32,
    k3: u32,
    k4: u32,
    k5: u32,
    k6: u32,
    k7: u32,
    block_lo: u32,
    block_hi: u32,
    stream_lo: u32,
    stream_hi: u32,
    lead: u32,
    len: u32,
}

#[cube]
fn rotl(x: u32, #[comptime] n: u32) -> u32 {
    (x << n) | (x >> comptime!(32 - n))
}

#[cube]
fn quarter_round(
    s: &mut Array<u32>,
    #[comptime] a: usize,
    #[comptime] b: usize,
    #[comptime] c: usize,
    #[comptime] d: usize,
) {
    s[a] += s[b];
    s[d] = rotl(s[d] ^ s[a], 16u32);
    s[c] += s[d];
    s[b] = rotl(s[b] ^ s[c], 12u32);
    s[a] += s[b];
    s[d] = rotl(s[d] ^ s[a], 8u32);
    s[c] += s[d];
    s[b] = rotl(s[b] ^ s[c], 7u32);
}

/// Block `first + b` of the stream into `x` (the counter carries into its high word).
#[cube]
fn block(args: &StreamArgs, b: u32, x: &mut Array<u32>) {
    let lo = args.block_lo + b;
    let hi = args.block_hi + select(lo < b, 1u32, 0u32);
    let mut input = Array::<u32>::new(16usize);
    input[0] = 0x6170_7865u32;
    input[1] = 0x3320_646eu32;
    input[2] = 0x7962_2d32u32;
    input[3] = 0x6b20_6574u32;
    input[4] = args.k0;
    input[5] = args.k1;
    input[6] = args.k2;
    input[7] = args.k3;
    input[8] = args.k4;
    input[9] = args.k5;
    input[10] = args.k6;
    input[11] = args.k7;
    input[12] = lo;
    input[13] = hi;
    input[14] = args.stream_lo;
    input[15] = args.stream_hi;
    #[unroll]
    for i in 0..16usize {
        x[i] = input[i];
    }
    #[unroll]
    for _ in 0..4u32 {
        quarter_round(x, 0usize, 4usize, 8usize, 12usize);
        quarter_round(x, 1usize, 5usize, 9usize, 13usize);
        quarter_round(x, 2usize, 6usize, 10usize, 14usize);
        quarter_round(x, 3usize, 7usize, 11usize, 15usize);
        quarter_round(x, 0usize, 5usize, 10usize, 15usize);
        quarter_round(x, 1usize, 6usize, 11usize, 12usize);
        quarter_round(x, 2usize, 7usize, 8usize, 13usize);
        quarter_round(x, 3usize, 4usize, 9usize, 14usize);
    }
    #[unroll]
    for i in 0..16usize {
        x[i] += input[i];
    }
}

/// Whether word `word` (counted from the first block's first word) is in the range, and so is
/// output `word − lead`.
#[cube]
fn inside(args: &StreamArgs, word: u32) -> bool {
    word >= args.lead && word - args.lead < args.len
}

/// `x` unchanged, through an integer xor with `zero` (a runtime 0): a product written through
/// it cannot be fused into the sum that reads it.
#[cube]
fn barrier(x: f32, zero: u32) -> f32 {
    f32::reinterpret(u32::reinterpret(x) ^ zero)
}

/// The raw words `lead .. lead + len` of the range (for tests of the generator).
#[cube(launch)]
pub(crate) fn words_kernel(out: &mut [u32], args: StreamArgs) {
    let b = ABSOLUTE_POS as u32;
    if b < (args.lead + args.len).div_ceil(16u32) {
        let mut x = Array::<u32>::new(16usize);
        block(&args, b, &mut x);
        #[unroll]
        for i in 0..16usize {
            let word = b * 16u32 + comptime!(i as u32);
            if inside(&args, word) {
                out[(word - args.lead) as usize] = x[i];
            }
        }
    }
}

/// U(low, high) from each word: u = ⌊w/2⁸⌋·2⁻²⁴ (exact), x = low·(1 − u) + high·u with both
/// products rounded on their own, then kept inside [low, high] — `sampling::uniform_words`.
#[cube(launch)]
pub(crate) fn uniform_kernel(out: &mut [f32], args: StreamArgs, low: f32, high: f32, zero: u32) {
    let b = ABSOLUTE_POS as u32;
    if b < (args.lead + args.len).div_ceil(16u32) {
        let mut x = Array::<u32>::new(16usize);
        block(&args, b, &mut x);
        #[unroll]
        for i in 0..16usize {
            let word = b * 16u32 + comptime!(i as u32);
            if inside(&args, word) {
                let u = f32::cast_from(x[i] >> 8u32) * 5.960_464_5e-8f32;
                let value = barrier(low * (1.0f32 - u), zero) + barrier(high * u, zero);
                let value = select(value < low, low, value);
                out[(word - args.lead) as usize] = select(value > high, high, value);
            }
        }
    }
}

/// N(mean, std²) by sampler version 2 from each word — `sampling::inverse_normal`: the table row
/// and r from integer operations, Horner's rule over the row's coefficients with each product
/// rounded on its own, the word's sign bit, then mean + std·z.
#[cube(launch)]
pub(crate) fn normal_kernel(
    out: &mut [f32],
    args: StreamArgs,
    table: &[f32],
    mean: f32,
    std: f32,
    zero: u32,
) {
    let b = ABSOLUTE_POS as u32;
    if b < (args.lead + args.len).div_ceil(16u32) {
        let mut x = Array::<u32>::new(16usize);
        block(&args, b, &mut x);
        #[unroll]
        for i in 0..16usize {
            let word = b * 16u32 + comptime!(i as u32);
            if inside(&args, word) {
                let z = standard_normal(x[i], table, zero);
                out[(word - args.lead) as usize] = barrier(std * z, zero) + mean;
            }
        }
    }
}

/// The version-2 standard normal deviate of `w` (`inverse_normal::deviate`, whose constants give
/// the table's layout).
#[cube]
fn standard_normal(w: u32, table: &[f32], zero: u32) -> f32 {
    let m = w & 0x7fff_ffffu32;
    let central = m >= 0x4000_0000u32;
    let p = select(central, 0x7fff_ffffu32 - m, m);
    let zeros = p.leading_zeros();
    let top = p << select(zeros > 31u32, 31u32, zeros);
    let q = magnitude(top, zeros, central, table, zero, comptime!(OCTAVES as u32));
    f32::reinterpret(u32::reinterpret(q) | (w & 0x8000_0000u32))
}

/// |z| from the table of `octaves` octaves per half (`inverse_normal::read` and `evaluate`): p's
/// leading one is `top`'s bit 31 and `zeros` its leading zeros; the segment and r from `top`'s
/// next bits, Horner's rule over the row's coefficients with each product rounded on its own.
#[cube]
fn magnitude(
    top: u32,
    zeros: u32,
    central: bool,
    table: &[f32],
    zero: u32,
    #[comptime] octaves: u32,
) -> f32 {
    let segment = (top >> comptime!(31 - SEGMENT_BITS)) & comptime!(SEGMENTS as u32 - 1);
    // r's bits times 2^−R_BITS: both steps exact.
    let r = f32::cast_from((top >> 4u32) & comptime!((1u32 << R_BITS) - 1))
        * comptime!(1.0f32 / (1u32 << R_BITS) as f32);
    let octave = select(central, octaves, 0u32) + zeros - 2u32;
    let base = ((octave * comptime!(SEGMENTS as u32) + segment) * comptime!(DEGREE_PLUS_ONE as u32))
        as usize;
    let mut q = table[base + comptime!(DEGREE_PLUS_ONE - 1)];
    #[unroll]
    for i in 0..comptime!(DEGREE_PLUS_ONE - 1) {
        q = barrier(q * r, zero) + table[base + comptime!(DEGREE_PLUS_ONE - 2 - i)];
    }
    q
}

/// A truncation's window of 64-bit probabilities (`sampling::truncated::Window`) as u32 halves,
/// and its affine map with the f32 bounds.
#[derive(CubeLaunch, CubeType)]
pub(crate) struct TruncationArgs {
    start_lo: u32,
    start_hi: u32,
    span_lo: u32,
    span_hi: u32,
    mean: f32,
    std: f32,
    low: f32,
    high: f32,
}

/// Word `w`'s 64-bit probability in `window` (`Window::probability`) as (high, low) halves:
/// start + ⌊w·span/2³²⌋ as w·span_hi plus the high half of w·span_lo, with carries by
/// comparison (the sum stays below 2⁶⁴), then its deviate.
#[cube]
fn truncated_standard(w: u32, window: &TruncationArgs, table: &[f32], zero: u32) -> f32 {
    let low_product = w.mul_hi(window.span_lo);
    let lo = w * window.span_hi + low_product;
    let hi = w.mul_hi(window.span_hi) + select(lo < low_product, 1u32, 0u32);
    let f_lo = lo + window.start_lo;
    let f_hi = hi + window.start_hi + select(f_lo < window.start_lo, 1u32, 0u32);
    deviate_at(f_hi, f_lo, table, zero)
}

/// The deviate at the 64-bit probability (`f_hi`, `f_lo`) (`inverse_normal::deviate_at`): its
/// 64-bit word (the complement above the middle, else the sign bit set), whose p's leading zeros
/// and top 32 bits come from the two halves, then the wide table.
#[cube]
fn deviate_at(f_hi: u32, f_lo: u32, table: &[f32], zero: u32) -> f32 {
    let upper = f_hi >= 0x8000_0000u32;
    let x_hi = select(upper, f_hi ^ 0xffff_ffffu32, f_hi | 0x8000_0000u32);
    let x_lo = select(upper, f_lo ^ 0xffff_ffffu32, f_lo);
    let m_hi = x_hi & 0x7fff_ffffu32;
    let central = m_hi >= 0x4000_0000u32;
    let p_hi = select(central, m_hi ^ 0x7fff_ffffu32, m_hi);
    let p_lo = select(central, x_lo ^ 0xffff_ffffu32, x_lo);
    let zeros = select(
        p_hi != 0u32,
        p_hi.leading_zeros(),
        32u32 + p_lo.leading_zeros(),
    );
    // p's top 32 bits after the shift by `zeros` (at most 63). Both branches are evaluated, so
    // every shift amount is kept below 32 in both.
    let near = select(zeros > 31u32, 31u32, zeros);
    let far = select(
        zeros > 63u32,
        31u32,
        select(zeros < 32u32, 0u32, zeros - 32u32),
    );
    let top = select(
        zeros < 32u32,
        (p_hi << near) | (p_lo >> (32u32 - near)),
        p_lo << far,
    );
    let q = magnitude(
        top,
        zeros,
        central,
        table,
        zero,
        comptime!(WIDE_OCTAVES as u32),
    );
    f32::reinterpret(u32::reinterpret(q) | (x_hi & 0x8000_0000u32))
}

/// N(mean, std²) conditioned on [low, high] by sampler version 2 from each word —
/// `sampling::truncated::truncated_words`: the deviate at the word's probability in the window,
/// then mean + std·z kept inside [low, high].
#[cube(launch)]
pub(crate) fn truncated_kernel(
    out: &mut [f32],
    args: StreamArgs,
    table: &[f32],
    window: TruncationArgs,
    zero: u32,
) {
    let b = ABSOLUTE_POS as u32;
    if b < (args.lead + args.len).div_ceil(16u32) {
        let mut x = Array::<u32>::new(16usize);
        block(&args, b, &mut x);
        #[unroll]
        for i in 0..16usize {
            let word = b * 16u32 + comptime!(i as u32);
            if inside(&args, word) {
                let z = truncated_standard(x[i], &window, table, zero);
                let value = barrier(window.std * z, zero) + window.mean;
                let value = select(value < window.low, window.low, value);
                out[(word - args.lead) as usize] = select(value > window.high, window.high, value);
            }
        }
    }
}

/// The version-2 standard normal deviates of the words `first .. first + len` themselves (no
/// generator), as bits: for tests of the transform over chosen or all 2³² words.
#[cube(launch)]
pub(crate) fn deviates_kernel(out: &mut [u32], first: u32, len: u32, table: &[f32], zero: u32) {
    let i = ABSOLUTE_POS as u32;
    if i < len {
        out[i as usize] = u32::reinterpret(standard_normal(first + i, table, zero));
    }
}

/// The version-2 deviates at 64-bit probabilities (`probabilities` holds (low, high) halves in
/// pairs), as bits: the wide transform alone, for tests against the host's at chosen
/// probabilities.
#[cube(launch)]
pub(crate) fn wide_deviates_kernel(
    out: &mut [u32],
    probabilities: &[u32],
    len: u32,
    table: &[f32],
    zero: u32,
) {
    let i = ABSOLUTE_POS as u32;
    if i < len {
        let lo = probabilities[2 * i as usize];
        let hi = probabilities[2 * i as usize + 1];
        out[i as usize] = u32::reinterpret(deviate_at(hi, lo, table, zero));
    }
}
