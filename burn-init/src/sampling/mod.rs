//! Keyed, reproducible sampling on the host.
//!
//! Small distribution types behind one trait, in the manner of `rand_distr`: each is validated
//! when it is built and then fills any range of a tensor from a [`Key`]. Every value depends only
//! on (key, element index), so the same key gives bit-identical tensors on every Burn device
//! (the values are made here and uploaded), for any thread count, and for any shard.
//!
//! Transforms, one 32-bit word of ChaCha8 per element (see `sampling/stream.rs` for the layout):
//! * uniform: u = ⌊w/2⁸⌋·2⁻²⁴ ∈ [0, 1), x = low·(1 − u) + high·u in f32, kept inside [low, high];
//! * normal: the ziggurat (`sampling/ziggurat.rs`), 98.5 % of words accepted at once, the rest finished
//!   from the block's spare words; tails reach ≈10σ;
//! * truncated normal, one pass: when [α, β] holds at least half the mass, ziggurat deviates
//!   outside it are redrawn from the spare words (≤ 2 draws on average, 1.05 for ±2σ); narrower
//!   windows use the inverse CDF x = Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α))) on the word.
//!
//! Throughput on a 2-core x86-64 machine is in `docs/sampling.md` (criterion, `benches/`).

mod buffer;
mod device;
#[cfg(feature = "device-stream")]
pub mod device_stream;
pub mod inverse_normal;
mod inverse_normal_table;
mod inverse_normal_wide_table;
mod key;
pub mod normal;
mod simd;
pub(crate) mod stream;
mod truncated;
mod ziggurat;

pub use buffer::buffer;
pub(crate) use buffer::{check_allocatable, with_capacity};
pub use key::Key;
pub use truncated::TruncatedNormal;

use crate::error::{self, ArgumentError, InitError, Result};
use burn::tensor::{Device, Tensor};

const TWO_POW_MINUS_32: f64 = 1.0 / 4_294_967_296.0;
const TWO_POW_MINUS_24: f32 = 1.0 / 16_777_216.0;

/// A distribution that fills tensor elements from a key.
pub trait KeyedDistribution: Sync {
    /// Fills `out` with elements `start..start + out.len()` of the tensor drawn with `key`.
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]);

    /// `len` values of the same distribution drawn on `device` by its own RNG — the device
    /// engine: fast on GPUs, statistically the same, but not keyed and not bit-identical across
    /// devices (it follows Burn's per-backend seed). `key` is used only where the device engine
    /// falls back to the host (truncations deeper than f32's inverse CDF resolves).
    fn sample_on_device(&self, key: &Key, len: usize, device: &Device) -> Result<Tensor<1>>;

    /// A whole tensor of `len` elements
    /// ([`SamplingError::TooLarge`](crate::error::SamplingError::TooLarge) or
    /// [`SamplingError::OutOfMemory`](crate::error::SamplingError::OutOfMemory) when its buffer
    /// cannot be allocated).
    fn sample(&self, key: &Key, len: usize) -> Result<Vec<f32>> {
        let mut out = buffer(len)?;
        self.fill(key, 0, &mut out);
        Ok(out)
    }
}

/// One of the keyed distributions, chosen at run time without a box: what a variance-scaling
/// scheme and a [`Prepared`](crate::Prepared) scheme draw from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keyed {
    /// U(low, high).
    Uniform(Uniform),
    /// N(mean, std²).
    Normal(Normal),
    /// N(mean, std²) conditioned on [a, b].
    TruncatedNormal(TruncatedNormal),
}

impl Keyed {
    fn inner(&self) -> &dyn KeyedDistribution {
        match self {
            Self::Uniform(d) => d,
            Self::Normal(d) => d,
            Self::TruncatedNormal(d) => d,
        }
    }

    /// A bound on |value| over every value a draw can give.
    pub fn reach(&self) -> f64 {
        match self {
            Self::Uniform(d) => d.low.abs().max(d.high.abs()),
            Self::Normal(d) => d.reach(),
            Self::TruncatedNormal(d) => d.reach(),
        }
    }
}

impl KeyedDistribution for Keyed {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        self.inner().fill(key, start, out);
    }

    fn sample_on_device(&self, key: &Key, len: usize, device: &Device) -> Result<Tensor<1>> {
        self.inner().sample_on_device(key, len, device)
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
            return Err(InitError::Argument(ArgumentError::Bounds {
                lower: "low",
                upper: "high",
                relation: "≤",
                a: low,
                b: high,
            }));
        }
        Ok(Self { low, high })
    }

    /// U(−bound, bound).
    pub fn symmetric(bound: f64) -> Result<Self> {
        error::non_negative("bound", bound)?;
        Self::new(-bound, bound)
    }

    /// The bounds as the transform uses them (f32).
    pub(crate) fn bounds_f32(&self) -> (f32, f32) {
        (self.low as f32, self.high as f32)
    }
}

impl KeyedDistribution for Uniform {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        let (low, high) = self.bounds_f32();
        stream::fill(key, start, out, |values, _| {
            uniform_words(values, low, high)
        });
    }

    fn sample_on_device(&self, _key: &Key, len: usize, device: &Device) -> Result<Tensor<1>> {
        Ok(device::uniform(len, self.low, self.high, device))
    }
}

/// Which transform turns a key's stream words into normal values. A key's bits are a promise:
/// they change only under a new version, and every version stays available. Uniform laws,
/// constants and the structured schemes (orthogonal, sparse: computed whole on the host) are the
/// same in every version.
///
/// ```
/// use burn_init::{Key, Scheme, sampling::SamplerVersion};
/// let scheme = Scheme::Normal { mean: 0.0, std: 0.02 };
/// let v1 = scheme.prepare(&[4, 4], None).unwrap();
/// let v2 = v1.clone().with_sampler(SamplerVersion::V2);
/// assert_eq!(v1.sampler(), SamplerVersion::V1); // the default, and what an old file gets
/// assert_ne!(v1.sample_host(Key::new(0)).unwrap(), v2.sample_host(Key::new(0)).unwrap());
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum SamplerVersion {
    /// The ziggurat (`sampling/ziggurat.rs`): about 1.5 % of values take extra words from the
    /// block's spare stream, tails reach ≈ 10σ; drawn on the host only.
    #[default]
    V1,
    /// One word per value, no rejection: the table-driven inverse CDF of
    /// [`inverse_normal`], whose integer and f32 `+ ×` steps
    /// the device kernel (feature `device-stream`) repeats bit for bit; tails reach 6.34σ, error
    /// at most 1.5 ulps against the exact quantile. The truncated normal spreads the words over
    /// its window's probabilities in 64-bit fixed point and takes the same inverse CDF of 64-bit
    /// probabilities ([`TruncatedNormal`]'s docs); a window holding less than 2⁻³² of the
    /// parent's mass draws version 1's values.
    V2,
}

/// The keyed sampler of N(mean, std²): how [`Scheme::Normal`](crate::Scheme::Normal) and a
/// [`VarianceScaling`](crate::VarianceScaling) scheme with
/// [`Distribution::Normal`](crate::Distribution::Normal) are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal {
    mean: f64,
    std: f64,
    version: SamplerVersion,
}

impl Normal {
    /// N(mean, std²), mean finite, std finite and ≥ 0, drawn by sampler version 1.
    pub fn new(mean: f64, std: f64) -> Result<Self> {
        error::representable("mean", mean)?;
        error::non_negative("std", std)?;
        // The ziggurat's tail stays below 11σ (its exponential draws use 32-bit uniforms);
        // version 2's below 6.34σ.
        error::fits_f32(mean, std, 11.0)?;
        Ok(Self {
            mean,
            std,
            version: SamplerVersion::V1,
        })
    }

    /// The same law drawn by sampler `version`.
    pub fn with_version(self, version: SamplerVersion) -> Self {
        Self { version, ..self }
    }

    /// The sampler version that draws it.
    pub fn version(&self) -> SamplerVersion {
        self.version
    }

    /// A bound on |value|: |mean| + 11σ for the ziggurat's tails (version 1), |mean| + 6.34σ for
    /// version 2's.
    pub fn reach(&self) -> f64 {
        let sigmas = match self.version {
            SamplerVersion::V1 => 11.0,
            SamplerVersion::V2 => inverse_normal::REACH_SIGMAS,
        };
        self.mean.abs() + sigmas * self.std
    }

    /// (mean, std) as the transform uses them (f32).
    #[cfg(feature = "device-stream")]
    pub(crate) fn parameters_f32(&self) -> (f32, f32) {
        (self.mean as f32, self.std as f32)
    }
}

impl KeyedDistribution for Normal {
    fn fill(&self, key: &Key, start: u64, out: &mut [f32]) {
        let inf = f32::INFINITY;
        let affine = Affine::new(self.mean as f32, self.std as f32, -inf, inf);
        match self.version {
            SamplerVersion::V1 => stream::fill(key, start, out, |values, spare| {
                ziggurat::standard_normal(values, -inf, inf, affine, spare);
            }),
            SamplerVersion::V2 => stream::fill(key, start, out, |values, _| {
                inverse_normal::normal_words(values, affine);
            }),
        }
    }

    fn sample_on_device(&self, _key: &Key, len: usize, device: &Device) -> Result<Tensor<1>> {
        Ok(device::normal(len, self.mean, self.std, device))
    }
}

simd::multiversion! {
    /// Replaces raw words by U(low, high) values: u = ⌊w/2⁸⌋·2⁻²⁴, x = low·(1 − u) + high·u.
    fn uniform_words(values: &mut [f32], low: f32, high: f32) {
        for value in values.iter_mut() {
            let u = (value.to_bits() >> 8) as i32 as f32 * TWO_POW_MINUS_24;
            // The convex combination cannot overflow, whatever the bounds.
            *value = clamp(low * (1.0 - u) + high * u, low, high);
        }
    }
}

/// `f32::clamp` for the non-NaN values sampling produces, written as two selects so that it
/// vectorises (`clamp` asserts its bounds first).
#[inline(always)]
fn clamp(x: f32, low: f32, high: f32) -> f32 {
    let x = if x < low { low } else { x };
    if x > high { high } else { x }
}

/// z ↦ clamp(mean + std·z, low, high), in f32: a standard deviate to a tensor value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Affine {
    mean: f32,
    std: f32,
    low: f32,
    high: f32,
}

impl Affine {
    pub(crate) fn new(mean: f32, std: f32, low: f32, high: f32) -> Self {
        Self {
            mean,
            std,
            low,
            high,
        }
    }

    /// (mean, std, low, high).
    #[cfg(feature = "device-stream")]
    pub(crate) fn parts(self) -> (f32, f32, f32, f32) {
        (self.mean, self.std, self.low, self.high)
    }

    #[inline(always)]
    pub(crate) fn apply(self, z: f32) -> f32 {
        clamp(self.mean + self.std * z, self.low, self.high)
    }
}
