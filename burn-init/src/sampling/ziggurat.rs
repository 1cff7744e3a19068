//! Standard normal deviates by the ziggurat method (Marsaglia & Tsang 2000), 256 layers, one
//! 32-bit word per deviate on the fast path.
//!
//! A word splits into a layer i (bits 0–7), a sign (bit 8) and a 23-bit uniform u (bits 9–31);
//! the deviate is ±u·2⁻²³·xᵢ, accepted at once when u·2⁻²³·xᵢ < xᵢ₊₁ (98.5 % of words: an
//! integer compare and a multiply, vectorised over 64-word chunks). The rest — the wedges and the
//! tail beyond r = 3.6542 (Marsaglia's exponential tail method) — draw their extra words from the
//! block's spare stream. The distribution is exact up to the 2⁻²³ grid of u within a layer (about
//! the resolution of an f32 mantissa). The slow path uses `libm`, so every machine computes the
//! same bits.
//!
//! Written here because no crate offers a ziggurat that consumes exactly one fixed word per
//! accepted deviate, which position-keyed sampling needs (rand_distr's takes 64-bit draws from a
//! sequential generator).

use std::sync::LazyLock;

use super::Affine;
use super::stream::Spare;

/// Layers.
const LAYERS: usize = 256;
/// Right edge of the base layer (start of the tail), for 256 layers.
const R: f64 = 3.654_152_885_361_009;
/// Area of every layer under the unnormalised density exp(−x²/2).
const V: f64 = 4.928_673_233_99e-3;
const TWO_POW_MINUS_23: f64 = 1.0 / 8_388_608.0;
/// Bits of a word: layer (0–7), sign (8), uniform (9–31).
const LAYER_MASK: u32 = 255;
const SIGN_BIT: u32 = 256;
const UNIFORM_SHIFT: u32 = 9;

struct Tables {
    /// xᵢ·2⁻²³: the deviate of the fast path is u·scale[i].
    scale: [f32; LAYERS],
    /// ⌊xᵢ₊₁/xᵢ·2²³⌋: the fast path accepts u < accept[i].
    accept: [u32; LAYERS],
    /// Layer edges x₀ > x₁ = r > … > x₂₅₆ = 0.
    x: [f64; LAYERS + 1],
    /// exp(−xᵢ²/2).
    f: [f64; LAYERS + 1],
}

fn density(x: f64) -> f64 {
    libm::exp(-0.5 * x * x)
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut x = [0.0; LAYERS + 1];
    x[0] = V / density(R);
    x[1] = R;
    for i in 1..LAYERS - 1 {
        x[i + 1] = (-2.0 * libm::log(density(x[i]) + V / x[i])).sqrt();
    }
    let f = x.map(density);
    let scale = std::array::from_fn(|i| (x[i] * TWO_POW_MINUS_23) as f32);
    let accept = std::array::from_fn(|i| (x[i + 1] / x[i] / TWO_POW_MINUS_23) as u32);
    Tables {
        scale,
        accept,
        x,
        f,
    }
});

super::simd::multiversion! {
    /// Replaces the raw words in `values` by `affine(z)` for N(0, 1) deviates z conditioned on
    /// [lo, hi] (infinite bounds for the plain normal). Deviates outside [lo, hi] are redrawn from
    /// the spare stream.
    pub(crate) fn standard_normal(values: &mut [f32], lo: f32, hi: f32, affine: Affine, spare: &mut Spare) {
        let tables = &*TABLES;
        let mut finish = |chunk: &mut [f32], rejected: &[u8; CHUNK]| {
            // Scan the flags 8 bytes at a time: most groups are all zero.
            for (group, flags) in rejected.chunks_exact(8).enumerate() {
                let mut flags = u64::from_le_bytes(flags.try_into().expect("8 flags"));
                while flags != 0 {
                    let byte = flags.trailing_zeros() / 8;
                    flags &= !(0xff << (byte * 8));
                    // `None` past the end of a partial chunk.
                    if let Some(value) = chunk.get_mut(group * 8 + byte as usize) {
                        *value = affine.apply(slow(tables, value.to_bits(), lo, hi, spare));
                    }
                }
            }
        };
        let mut chunks = values.chunks_exact_mut(CHUNK);
        for chunk in &mut chunks {
            let chunk: &mut [f32; CHUNK] = chunk.try_into().expect("exact chunk");
            let rejected = fast_chunk(tables, chunk, lo, hi, affine);
            finish(chunk, &rejected);
        }
        // The last, partial chunk runs through a padded copy (flags past its end are ignored).
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut padded = [0.0; CHUNK];
            padded[..rest.len()].copy_from_slice(rest);
            let rejected = fast_chunk(tables, &mut padded, lo, hi, affine);
            rest.copy_from_slice(&padded[..rest.len()]);
            finish(rest, &rejected);
        }
    }
}

/// Words per fast-path chunk.
const CHUNK: usize = 64;

/// The fast path over one chunk, branch-free so that it vectorises; returns a flag (1) for each
/// word it could not accept (those keep their raw bits).
#[inline(always)]
fn fast_chunk(
    tables: &Tables,
    chunk: &mut [f32; CHUNK],
    lo: f32,
    hi: f32,
    affine: Affine,
) -> [u8; CHUNK] {
    let mut rejected = [0u8; CHUNK];
    for (value, flag) in chunk.iter_mut().zip(rejected.iter_mut()) {
        let word = value.to_bits();
        let (z, ok) = fast(tables, word);
        let ok = ok & (z >= lo) & (z <= hi);
        *flag = u8::from(!ok);
        *value = if ok { affine.apply(z) } else { *value };
    }
    rejected
}

/// The fast-path deviate of a word and whether it is accepted.
#[inline(always)]
fn fast(tables: &Tables, word: u32) -> (f32, bool) {
    let layer = (word & LAYER_MASK) as usize;
    let u = word >> UNIFORM_SHIFT;
    // u < 2²³: the i32 conversion is exact and vectorises.
    let magnitude = u as i32 as f32 * tables.scale[layer];
    let z = f32::from_bits(magnitude.to_bits() ^ ((word & SIGN_BIT) << 23));
    (z, u < tables.accept[layer])
}

/// A uniform in (0, 1) from a spare word.
fn unit(word: u32) -> f64 {
    (f64::from(word) + 0.5) / 4_294_967_296.0
}

/// The full ziggurat for a word the fast path rejected, then redraws until inside [lo, hi].
#[cold]
fn slow(tables: &Tables, mut word: u32, lo: f32, hi: f32, spare: &mut Spare) -> f32 {
    loop {
        let z = deviate(tables, word, spare);
        if z >= lo && z <= hi {
            return z;
        }
        word = spare.next_u32();
    }
}

/// One N(0, 1) deviate starting from `word`: fast path, wedge test or tail.
fn deviate(tables: &Tables, mut word: u32, spare: &mut Spare) -> f32 {
    loop {
        let (z, ok) = fast(tables, word);
        if ok {
            return z;
        }
        let layer = (word & LAYER_MASK) as usize;
        let sign = if word & SIGN_BIT == 0 { 1.0 } else { -1.0 };
        if layer == 0 {
            // Tail beyond r: x = r + a, a ~ Exp(r) accepted with probability exp(−a²/2).
            loop {
                let a = -libm::log(unit(spare.next_u32())) / R;
                let b = -libm::log(unit(spare.next_u32()));
                if 2.0 * b > a * a {
                    return (sign * (R + a)) as f32;
                }
            }
        }
        let x = f64::from(word >> UNIFORM_SHIFT) * TWO_POW_MINUS_23 * tables.x[layer];
        let (f_low, f_high) = (tables.f[layer], tables.f[layer + 1]);
        let y = f_low + unit(spare.next_u32()) * (f_high - f_low);
        if under_density(tables, layer, x, y) {
            return (sign * x) as f32;
        }
        word = spare.next_u32();
    }
}

/// Whether y < exp(−x²/2) for a point of layer `layer`'s wedge (x between xᵢ₊₁ and xᵢ). The
/// density is concave below 1 and convex above, so the chord through the wedge's corners and the
/// tangent at one corner bound it from both sides; exp is computed only between the bounds
/// (the squeeze of McFarland 2016), so most wedge points never reach it.
fn under_density(tables: &Tables, layer: usize, x: f64, y: f64) -> bool {
    let (x_near, x_far) = (tables.x[layer + 1], tables.x[layer]);
    let (f_near, f_far) = (tables.f[layer + 1], tables.f[layer]);
    let chord = f_far + (f_near - f_far) * (x_far - x) / (x_far - x_near);
    // Tangent at a: f(a)·(1 − a·(x − a)), since f′(a) = −a·f(a).
    let tangent = |a: f64, f_a: f64| f_a * (1.0 - a * (x - a));
    if x_far <= 1.0 {
        // Concave: chord ≤ f ≤ tangent.
        if y < chord {
            return true;
        }
        if y >= tangent(x_near, f_near) {
            return false;
        }
    } else if x_near >= 1.0 {
        // Convex: tangent ≤ f ≤ chord.
        if y >= chord {
            return false;
        }
        if y < tangent(x_far, f_far) {
            return true;
        }
    }
    y < density(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_close_at_zero_with_equal_areas() {
        let t = &*TABLES;
        // The recurrence must land (almost) exactly on x = 0 at the top layer.
        let top = density(t.x[LAYERS - 1]) + V / t.x[LAYERS - 1];
        assert!(
            (top - 1.0).abs() < 1e-9,
            "top layer reaches density {top}, not 1"
        );
        for i in 1..LAYERS - 1 {
            let area = t.x[i] * (t.f[i + 1] - t.f[i]);
            assert!((area - V).abs() < 1e-12, "layer {i}: area {area}");
        }
        // Fast-path acceptance: Σ xᵢ₊₁/xᵢ / 256 ≈ 0.985.
        let accept: f64 = (0..LAYERS).map(|i| t.x[i + 1] / t.x[i]).sum::<f64>() / LAYERS as f64;
        assert!((0.984..0.986).contains(&accept), "acceptance {accept}");
    }

    #[test]
    fn vectorised_and_baseline_paths_agree() {
        let key = crate::Key::new(3);
        let words: Vec<f32> = (0..4096u32)
            .map(|i| f32::from_bits(i.wrapping_mul(2_654_435_761)))
            .collect();
        let mut dispatched = words.clone();
        let mut spare = Spare::for_tests(&key);
        let affine = Affine::new(0.25, 3.0, -5.0, 5.0);
        standard_normal(&mut dispatched, -2.0, 2.0, affine, &mut spare);
        let mut baseline = words;
        let mut spare = Spare::for_tests(&key);
        for chunk in baseline.chunks_mut(CHUNK) {
            let chunk: &mut [f32; CHUNK] = chunk.try_into().unwrap();
            let rejected = fast_chunk(&TABLES, chunk, -2.0, 2.0, affine);
            for j in (0..CHUNK).filter(|&j| rejected[j] != 0) {
                let z = slow(&TABLES, chunk[j].to_bits(), -2.0, 2.0, &mut spare);
                chunk[j] = affine.apply(z);
            }
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&dispatched), bits(&baseline));
    }
}
