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

/// Replaces the raw words in `values` by N(0, 1) deviates conditioned on [lo, hi] (infinite
/// bounds for the plain normal). Deviates outside [lo, hi] are redrawn from the spare stream.
pub(crate) fn standard_normal(values: &mut [f32], lo: f32, hi: f32, spare: &mut Spare) {
    let tables = &*TABLES;
    super::simd::vectorized(|| {
        for chunk in values.chunks_mut(64) {
            let mut rejected = fast_chunk(tables, chunk, lo, hi);
            while rejected != 0 {
                let j = rejected.trailing_zeros() as usize;
                rejected &= rejected - 1;
                chunk[j] = slow(tables, chunk[j].to_bits(), lo, hi, spare);
            }
        }
    });
}

/// The fast path over ≤ 64 words, branch-free; returns the mask of words it could not accept
/// (those keep their raw bits).
#[inline(always)]
fn fast_chunk(tables: &Tables, chunk: &mut [f32], lo: f32, hi: f32) -> u64 {
    let mut rejected = [0u8; 64];
    for (value, flag) in chunk.iter_mut().zip(rejected.iter_mut()) {
        let word = value.to_bits();
        let (z, ok) = fast(tables, word);
        let ok = ok && z >= lo && z <= hi;
        *flag = u8::from(!ok);
        if ok {
            *value = z;
        }
    }
    rejected
        .iter()
        .enumerate()
        .fold(0, |mask, (j, &flag)| mask | (u64::from(flag) << j))
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
        if f_low + unit(spare.next_u32()) * (f_high - f_low) < density(x) {
            return (sign * x) as f32;
        }
        word = spare.next_u32();
    }
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
        standard_normal(&mut dispatched, -2.0, 2.0, &mut spare);
        let mut baseline = words;
        let mut spare = Spare::for_tests(&key);
        for chunk in baseline.chunks_mut(64) {
            let mut rejected = fast_chunk(&TABLES, chunk, -2.0, 2.0);
            while rejected != 0 {
                let j = rejected.trailing_zeros() as usize;
                rejected &= rejected - 1;
                chunk[j] = slow(&TABLES, chunk[j].to_bits(), -2.0, 2.0, &mut spare);
            }
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&dispatched), bits(&baseline));
    }
}
