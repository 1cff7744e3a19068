//! N(mean, std²) conditioned on [a, b]: the keyed sampler of the truncated normal schemes.
//!
//! Sampler version 1: when the window holds at least half the parent's mass, ziggurat deviates
//! outside it are redrawn from the block's spare words (≤ 2 draws on average, 1.05 for ±2σ);
//! narrower windows use the inverse CDF x = Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α))) on the word, in f64.
//!
//! Sampler version 2: one word per value and no rejection, with only the operations the device
//! kernel repeats bit for bit. The window's probabilities Φ(α) and Φ(β) become 64-bit fixed-point
//! numbers (computed once, on the host, from libm's `erfc`, which is the same on every platform;
//! above the median from 1 − Φ, so that the upper tail keeps its precision), the words are spread
//! over it at the centres of 2³² equal cells by integer arithmetic ([`Window::probability`]),
//! and each probability goes through the inverse normal CDF of [`inverse_normal::deviate_at`]
//! (64-bit probabilities: the same segmented cubics as the normal's, in octaves down to 2⁻⁶⁴),
//! then mean + std·z kept inside [a, b]. A window holding less than 2⁻³² of the parent's mass
//! (deeper than about 6.2σ) has fewer probabilities than words and is drawn by version 1.

use super::normal::{self, normal_cdf, quantile};
use super::{
    Affine, Key, KeyedDistribution, SamplerVersion, TWO_POW_MINUS_32, device, inverse_normal, simd,
    stream, ziggurat,
};
use crate::error::{self, InitError, Result, SchemeError};
use burn::tensor::{Device, Tensor};

/// N(mean, std²) conditioned on [a, b] (absolute bounds, PyTorch's `trunc_normal_` semantics:
/// `std` is the parent normal's, so the result's std is smaller; see
/// [`normal::truncated_moments`]).
///
/// **Sampler versions.** Version 1 (the default): ziggurat deviates outside [α, β] redrawn from
/// the block's spare words when the window holds at least half the mass, the f64 inverse CDF on
/// the word otherwise. Version 2 ([`with_version`](Self::with_version)): one word per value, no
/// rejection, drawn by the device kernel too (feature `device-stream`): the window's
/// probabilities Φ(α), Φ(β) as 64-bit fixed-point numbers, word w at the centre of the w-th of
/// 2³² equal cells of it (start + ⌊w·span/2³²⌋, integer arithmetic), and
/// [`deviate_at`](super::inverse_normal::deviate_at) of that probability (error at most
/// [`WIDE_MAX_ERROR_ULPS`](super::inverse_normal::WIDE_MAX_ERROR_ULPS) ulps), then
/// mean + std·z in f32 kept inside [a, b]. A window holding less than 2⁻³² of the parent's mass
/// (wholly beyond about ±6.2σ) has fewer probabilities than words and draws version 1's values.
///
/// ```
/// use burn_init::sampling::{KeyedDistribution, SamplerVersion, TruncatedNormal};
/// use burn_init::Key;
/// let jax = TruncatedNormal::new(0.0, 1.0, -2.0, 2.0).unwrap();
/// let v2 = jax.with_version(SamplerVersion::V2).sample(&Key::new(0), 1000).unwrap();
/// assert!(v2.iter().all(|x| (-2.0..=2.0).contains(x)));
/// assert_ne!(v2, jax.sample(&Key::new(0), 1000).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormal {
    mean: f64,
    std: f64,
    alpha: f64,
    beta: f64,
    a: f64,
    b: f64,
    version: SamplerVersion,
    /// Version 2's window of probabilities, computed once when the version is chosen: `None`
    /// under version 1 and for windows too narrow for version 2.
    window: Option<Window>,
}

impl TruncatedNormal {
    /// N(mean, std²) truncated to [a, b]; std > 0, a < b, and [a, b] must hold probability mass.
    pub fn new(mean: f64, std: f64, a: f64, b: f64) -> Result<Self> {
        error::representable("mean", mean)?;
        error::positive("std", std)?;
        // Φ⁻¹ of a double in (0, 1) stays within ±38.5.
        error::fits_f32(mean, std, 40.0)?;
        if a.is_nan() || b.is_nan() || a >= b {
            return Err(InitError::truncation(a, b));
        }
        let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
        let candidate = Self {
            mean,
            std,
            alpha,
            beta,
            a,
            b,
            version: SamplerVersion::V1,
            window: None,
        };
        let (lo, hi, _) = candidate.lower_tail_window();
        let mass = normal_cdf(hi) - normal_cdf(lo);
        if mass.is_nan() || mass <= 0.0 {
            return Err(InitError::Scheme(SchemeError::EmptyTruncation {
                a,
                b,
                sigmas: alpha.abs().min(beta.abs()),
            }));
        }
        Ok(candidate)
    }

    /// JAX's truncated normal with standard deviation exactly `std`: the parent is cut at ±2 of its
    /// own standard deviations and scaled up by 1/0.8796… so that the variance is std².
    pub fn with_exact_std(std: f64) -> Result<Self> {
        error::positive("std", std)?;
        let (_, truncated_std) = normal::truncated(-2.0, 2.0);
        let parent = std / truncated_std;
        Self::new(0.0, parent, -2.0 * parent, 2.0 * parent)
    }
}

impl TruncatedNormal {
    /// The same law drawn by sampler `version`.
    pub fn with_version(self, version: SamplerVersion) -> Self {
        let window = match version {
            SamplerVersion::V1 => None,
            SamplerVersion::V2 => Window::of(self.alpha, self.beta),
        };
        Self {
            version,
            window,
            ..self
        }
    }

    /// The sampler version that draws it.
    pub fn version(&self) -> SamplerVersion {
        self.version
    }

    /// Version 2's window of probabilities, and the affine map with the f32 bounds: `None` under
    /// version 1 and for windows too narrow for version 2 (they draw version 1's values).
    pub(crate) fn version_2(&self) -> Option<(Window, Affine)> {
        let window = self.window?;
        let (a, b) = (self.a as f32, self.b as f32);
        Some((window, Affine::new(self.mean as f32, self.std as f32, a, b)))
    }

    /// A bound on |value|: the inverse CDF stays within 40σ of the mean, and every value inside
    /// [a, b].
    pub fn reach(&self) -> f64 {
        (self.mean.abs() + 40.0 * self.std).min(self.a.abs().max(self.b.abs()))
    }
}

/// The device engine's f32 inverse CDF serves windows reaching at least this far into the lower
/// tail's mass (|z| ≲ 4.75σ); deeper windows are drawn on the host and uploaded.
const DEVICE_MIN_TAIL_MASS: f64 = 1e-6;

/// Windows holding at least this much of the parent's mass are sampled by rejection.
const REJECTION_MIN_MASS: f64 = 0.5;

impl TruncatedNormal {
    /// The window [lo, hi] in standard units, mirrored into the lower tail when it lies above
    /// the mean (Φ keeps its relative precision there), and whether it was mirrored.
    fn lower_tail_window(&self) -> (f64, f64, bool) {
        if self.alpha > 0.0 {
            (-self.beta, -self.alpha, true)
        } else {
            (self.alpha, self.beta, false)
        }
    }
}

impl KeyedDistribution for TruncatedNormal {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        if let Some((window, affine)) = self.version_2() {
            stream::fill(key, start, out, |values, _| {
                truncated_words(values, window, affine)
            });
            return;
        }
        let (lo, hi, mirrored) = self.lower_tail_window();
        let (p_lo, p_mass) = (normal_cdf(lo), normal_cdf(hi) - normal_cdf(lo));
        let (a32, b32) = (self.a as f32, self.b as f32);
        if p_mass >= REJECTION_MIN_MASS {
            let affine = Affine::new(self.mean as f32, self.std as f32, a32, b32);
            let (alpha, beta) = (self.alpha as f32, self.beta as f32);
            stream::fill(key, start, out, |values, spare| {
                ziggurat::standard_normal(values, alpha, beta, affine, spare);
            });
            return;
        }
        let (mean, std, sign) = (self.mean, self.std, if mirrored { -1.0 } else { 1.0 });
        stream::fill(key, start, out, |values, _| {
            for value in values.iter_mut() {
                let u = (f64::from(value.to_bits()) + 0.5) * TWO_POW_MINUS_32;
                let z = quantile(p_lo + u * p_mass).clamp(lo, hi);
                *value = ((mean + std * sign * z) as f32).clamp(a32, b32);
            }
        });
    }

    fn sample_on_device(&self, key: &Key, len: usize, device: &Device) -> Result<Tensor<1>> {
        let window = self.lower_tail_window();
        if normal_cdf(window.1) < DEVICE_MIN_TAIL_MASS {
            // Measured: at [−8σ, −6σ] the f32 erfinv on CPU backends is 4 % off in variance.
            let values = self.sample(key, len)?;
            return Ok(Tensor::from_data(
                burn::tensor::TensorData::new(values, [len]),
                device,
            ));
        }
        Ok(device::truncated_normal(
            len,
            (self.mean, self.std),
            window,
            (self.a, self.b),
            device,
        ))
    }
}

/// A window of 64-bit fixed-point probabilities (f stands for Φ(z) = (f + ½)·2⁻⁶⁴) and how the
/// 2³² words of a stream spread over it: word w's probability is start + ⌊w·span/2³²⌋.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: u64,
    pub(crate) span: u64,
}

/// 2⁶⁴ as an f64.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

impl Window {
    /// The window of [α, β] (standard units): from ⌊Φ(α)·2⁶⁴⌉ to ⌊Φ(β)·2⁶⁴⌉ (at most 2⁶⁴ − 1), the
    /// words at the centres of 2³² equal cells of it. `None` when it holds fewer than 2³²
    /// probabilities (mass below 2⁻³²).
    pub(crate) fn of(alpha: f64, beta: f64) -> Option<Self> {
        // Φ(z)·2⁶⁴ from the tail below −|z|, exactly rounded to an integer (u128: 2⁶⁴ fits).
        let fixed = |z: f64| {
            let tail = (normal_cdf(-z.abs()) * TWO_POW_64).round() as u128;
            if z > 0.0 { (1u128 << 64) - tail } else { tail }
        };
        let (low, high) = (fixed(alpha), fixed(beta).min(u64::MAX as u128));
        let span = high.checked_sub(low)?;
        if span < 1 << 32 {
            return None;
        }
        Some(Self {
            start: (low + (span >> 33)) as u64,
            span: span as u64,
        })
    }

    /// Word `word`'s probability: start + ⌊w·span/2³²⌋, as w·⌊span/2³²⌋ plus the high half of
    /// w·(span mod 2³²). It stays below the window's end, so no sum wraps.
    #[cfg(test)]
    pub(crate) fn probability(self, word: u32) -> u64 {
        let (high, low) = self.probability_halves(word);
        (u64::from(high) << 32) | u64::from(low)
    }

    /// [`Window::probability`] in 32-bit halves (high, low), as the device kernel computes it and
    /// as AVX2 vectorises it: two 32 × 32-bit products, carries by comparison.
    #[inline(always)]
    pub(crate) fn probability_halves(self, word: u32) -> (u32, u32) {
        let (span_high, span_low) = ((self.span >> 32) as u32, self.span as u32);
        let (start_high, start_low) = ((self.start >> 32) as u32, self.start as u32);
        let product = u64::from(word) * u64::from(span_high);
        let low_product = mul_high(word, span_low);
        let low = (product as u32).wrapping_add(low_product);
        let high = (product >> 32) as u32 + u32::from(low < low_product);
        let f_low = low.wrapping_add(start_low);
        let f_high = high
            .wrapping_add(start_high)
            .wrapping_add(u32::from(f_low < start_low));
        (f_high, f_low)
    }
}

/// The high half of a 32 × 32-bit product (CubeCL's `mul_hi`).
#[inline(always)]
fn mul_high(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

simd::multiversion! {
    avx512;
    /// Replaces raw words by version-2 truncated normal values: `affine` of the deviate at each
    /// word's probability in `window`.
    pub(crate) fn truncated_words(values: &mut [f32], window: Window, affine: Affine) {
        for value in values.iter_mut() {
            let (high, low) = window.probability_halves(value.to_bits());
            *value = affine.apply(inverse_normal::deviate_at_halves(high, low));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_words_probability_is_the_exact_product() {
        // The split into two 32 × 32-bit products (as the device computes it) against the u128
        // product, for spans with every kind of half, and words at both ends.
        let spans = [
            1u64 << 32,
            (1 << 32) + 1,
            0x8000_0000_ffff_ffff,
            u64::MAX,
            0x1234_5678_9abc_def0,
        ];
        for span in spans {
            let window = Window { start: 17, span };
            for word in [0u32, 1, 0x8000_0000, 0xdead_beef, u32::MAX] {
                let exact = 17 + ((u128::from(word) * u128::from(span)) >> 32) as u64;
                assert_eq!(
                    window.probability(word),
                    exact,
                    "span {span:#x}, word {word:#x}"
                );
            }
        }
    }

    #[test]
    fn windows_hold_their_mass_and_narrow_ones_are_refused() {
        let two_sigma = Window::of(-2.0, 2.0).unwrap();
        let mass = (normal_cdf(2.0) - normal_cdf(-2.0)) * TWO_POW_64;
        assert!((two_sigma.span as f64 / mass - 1.0).abs() < 1e-12);
        // The first word sits half a cell above Φ(−2), the last half a cell below Φ(2).
        let cell = two_sigma.span as f64 / 2f64.powi(32);
        let first = two_sigma.probability(0) as f64 - normal_cdf(-2.0) * TWO_POW_64;
        let last = normal_cdf(2.0) * TWO_POW_64 - two_sigma.probability(u32::MAX) as f64;
        assert!((first / cell - 0.5).abs() < 1e-6 && (last / cell - 0.5).abs() < 1e-6);
        // The whole line: 2⁶⁴ − 1 probabilities.
        assert_eq!(
            Window::of(f64::NEG_INFINITY, f64::INFINITY).unwrap().span,
            u64::MAX
        );
        // Upper windows keep their precision: [6, 6.2] holds 7.1·10⁻¹⁰ > 2⁻³² of the mass.
        let deep = Window::of(6.0, 6.2).unwrap();
        let mass = (normal_cdf(-6.0) - normal_cdf(-6.2)) * TWO_POW_64;
        assert!((deep.span as f64 / mass - 1.0).abs() < 1e-9);
        // [6.3, 7] holds 1.5·10⁻¹⁰ < 2⁻³² = 2.3·10⁻¹⁰: version 1 draws it.
        assert_eq!(Window::of(6.3, 7.0), None);
        assert_eq!(Window::of(-7.0, -6.3), None);
    }

    #[test]
    fn the_vectorised_and_baseline_loops_agree() {
        let words: Vec<f32> = (0..4096u32)
            .map(|i| f32::from_bits(i.wrapping_mul(2_654_435_761)))
            .collect();
        let window = Window::of(-1.5, 2.5).unwrap();
        let affine = Affine::new(0.25, 3.0, -4.25, 7.75);
        let mut dispatched = words.clone();
        truncated_words(&mut dispatched, window, affine);
        for (value, word) in dispatched.iter().zip(&words) {
            let f = window.probability(word.to_bits());
            let baseline = affine.apply(inverse_normal::deviate_at(f));
            assert_eq!(value.to_bits(), baseline.to_bits());
        }
    }
}
