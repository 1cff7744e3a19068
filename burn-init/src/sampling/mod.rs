//! Keyed, reproducible sampling on the host.
//!
//! Small distribution types behind one trait, in the manner of `rand_distr`: each is validated
//! when it is built and then fills any range of a tensor from a [`Key`]. Every value depends only
//! on (key, element index), so the same key gives bit-identical tensors on every Burn device
//! (the values are made here and uploaded), for any thread count, and for any shard.
//!
//! Transforms, one word of ChaCha8 per element:
//! * uniform: u = w·2⁻³² ∈ [0, 1), x = low + (high − low)·u, kept inside [low, high];
//! * normal: Box–Muller on the word pair (2j, 2j+1), u₁ = (w+1)·2⁻³² ∈ (0, 1]: tails reach 6.66σ;
//! * truncated normal: one pass of inverse-CDF sampling x = Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α))).

mod key;
pub mod normal;
pub(crate) mod stream;

pub use key::Key;

use crate::error::{self, InitError, Result};
use normal::{normal_cdf, normal_quantile};

const TWO_POW_MINUS_32: f64 = 1.0 / 4_294_967_296.0;

/// A distribution that fills tensor elements from a key.
pub trait KeyedDistribution: Sync {
    /// Fills `out` with elements `start..start + out.len()` of the tensor drawn with `key`.
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]);

    /// A whole tensor of `len` elements.
    fn sample(&self, key: &Key, len: usize) -> Vec<f32> {
        let mut out = vec![0.0; len];
        self.fill(key, 0, &mut out);
        out
    }
}

/// U(low, high): every value lies in [low, high] (as f32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform {
    low: f64,
    high: f64,
}

impl Uniform {
    /// U(low, high), low ≤ high, both finite.
    pub fn new(low: f64, high: f64) -> Result<Self> {
        error::representable("low", low)?;
        error::representable("high", high)?;
        if low > high {
            return Err(InitError::InvalidBounds { a: low, b: high });
        }
        Ok(Self { low, high })
    }

    /// U(−bound, bound).
    pub fn symmetric(bound: f64) -> Result<Self> {
        error::non_negative("bound", bound)?;
        Self::new(-bound, bound)
    }
}

impl KeyedDistribution for Uniform {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        let (low, width) = (self.low, self.high - self.low);
        let (lo32, hi32) = (self.low as f32, self.high as f32);
        stream::fill(key, start, out, 1, |words, values| {
            for (value, &word) in values.iter_mut().zip(words) {
                let x = (low + width * (f64::from(word) * TWO_POW_MINUS_32)) as f32;
                *value = x.clamp(lo32, hi32);
            }
        });
    }
}

/// N(mean, std²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal {
    mean: f64,
    std: f64,
}

impl Normal {
    /// N(mean, std²), mean finite, std finite and ≥ 0.
    pub fn new(mean: f64, std: f64) -> Result<Self> {
        error::representable("mean", mean)?;
        error::non_negative("std", std)?;
        // Box–Muller with 32-bit uniforms reaches 6.66σ.
        error::fits_f32(mean, std, 7.0)?;
        Ok(Self { mean, std })
    }
}

impl KeyedDistribution for Normal {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        let (mean, std) = (self.mean, self.std);
        stream::fill(key, start, out, 2, |words, values| {
            for (pair, value) in words.chunks_exact(2).zip(values.chunks_exact_mut(2)) {
                let u1 = (f64::from(pair[0]) + 1.0) * TWO_POW_MINUS_32;
                let theta = core::f64::consts::TAU * f64::from(pair[1]) * TWO_POW_MINUS_32;
                let radius = (-2.0 * u1.ln()).sqrt();
                let (sin, cos) = theta.sin_cos();
                value[0] = (mean + std * radius * cos) as f32;
                value[1] = (mean + std * radius * sin) as f32;
            }
        });
    }
}

/// N(mean, std²) conditioned on [a, b] (absolute bounds, PyTorch's `trunc_normal_` semantics:
/// `std` is the parent normal's, so the result's std is smaller; see
/// [`normal::truncated_moments`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormal {
    mean: f64,
    std: f64,
    alpha: f64,
    beta: f64,
    a: f64,
    b: f64,
}

impl TruncatedNormal {
    /// N(mean, std²) truncated to [a, b]; std > 0, a < b, and [a, b] must hold probability mass.
    pub fn new(mean: f64, std: f64, a: f64, b: f64) -> Result<Self> {
        error::representable("mean", mean)?;
        error::positive("std", std)?;
        // Φ⁻¹ of a double in (0, 1) stays within ±38.5.
        error::fits_f32(mean, std, 40.0)?;
        if a.is_nan() || b.is_nan() || a >= b {
            return Err(InitError::InvalidBounds { a, b });
        }
        let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
        // Mirror into the lower tail, where Φ keeps its relative precision.
        let (lo, hi) = if alpha > 0.0 {
            (-beta, -alpha)
        } else {
            (alpha, beta)
        };
        let mass = normal_cdf(hi) - normal_cdf(lo);
        if mass.is_nan() || mass <= 0.0 {
            return Err(InitError::EmptyTruncation {
                a,
                b,
                sigmas: alpha.abs().min(beta.abs()),
            });
        }
        Ok(Self {
            mean,
            std,
            alpha,
            beta,
            a,
            b,
        })
    }

    /// JAX's truncated normal with standard deviation exactly `std`: the parent is cut at ±2 of its
    /// own standard deviations and scaled up by 1/0.8796… so that the variance is std².
    pub fn with_exact_std(std: f64) -> Result<Self> {
        error::positive("std", std)?;
        let (_, truncated_std) = normal::truncated_moments(-2.0, 2.0);
        let parent = std / truncated_std;
        Self::new(0.0, parent, -2.0 * parent, 2.0 * parent)
    }
}

impl KeyedDistribution for TruncatedNormal {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        let mirrored = self.alpha > 0.0;
        let (lo, hi) = if mirrored {
            (-self.beta, -self.alpha)
        } else {
            (self.alpha, self.beta)
        };
        let (p_lo, p_mass) = (normal_cdf(lo), normal_cdf(hi) - normal_cdf(lo));
        let (mean, std, sign) = (self.mean, self.std, if mirrored { -1.0 } else { 1.0 });
        let (a32, b32) = (self.a as f32, self.b as f32);
        stream::fill(key, start, out, 1, |words, values| {
            for (value, &word) in values.iter_mut().zip(words) {
                let u = (f64::from(word) + 0.5) * TWO_POW_MINUS_32;
                let z = normal_quantile(p_lo + u * p_mass).clamp(lo, hi);
                *value = ((mean + std * sign * z) as f32).clamp(a32, b32);
            }
        });
    }
}
