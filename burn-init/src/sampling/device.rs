//! The device engine (opt-in): numbers from the device's own RNG (`Tensor::random`), the scheme's
//! transform applied on the device. For users who prefer raw speed on a GPU to bit-identity:
//! the values follow the same distributions (the same statistical tests pass) but depend on
//! Burn's per-backend seed, not on a [`Key`](super::Key), and differ between devices.
//!
//! The truncated normal is one pass of inverse-CDF sampling in f32 on the device, always in the
//! lower tail (windows above the mean are mirrored) where p = Φ(z) keeps its relative precision:
//! z = √2·erfinv(2p − 1) by Giles' single-precision approximation ("Approximating the erfinv
//! function", GPU Computing Gems, 2011), written with w = −ln(4p(1 − p)) so that no precision is
//! lost near p = 0.

use burn::tensor::{Device, Distribution, Tensor};

use super::normal::normal_cdf;

/// U(low, high) on the device, kept inside [low, high]. Burn's `Distribution::Uniform(low,
/// high)` panics when the bounds are equal in f32 or high − low overflows it; those two cases
/// use the host's convex combination x = low·(1 − u) + high·u of u ~ U(0, 1) instead.
pub(crate) fn uniform(len: usize, low: f64, high: f64, device: &Device) -> Tensor<1> {
    let width = high as f32 - low as f32;
    if width > 0.0 && width.is_finite() {
        return Tensor::<1>::random([len], Distribution::Uniform(low, high), device)
            .clamp(low, high);
    }
    let u = Tensor::<1>::random([len], Distribution::Default, device);
    let complement = u.clone().neg().add_scalar(1.0);
    (complement.mul_scalar(low) + u.mul_scalar(high)).clamp(low, high)
}

/// N(mean, std²) on the device.
pub(crate) fn normal(len: usize, mean: f64, std: f64, device: &Device) -> Tensor<1> {
    Tensor::<1>::random([len], Distribution::Normal(mean, std), device)
}

/// N(mean, std²) conditioned on [a, b], by inverse CDF on the device. `lo ≤ hi ≤ 0`-side window
/// [lo, hi] in standard units (already mirrored into the lower tail when `mirrored`).
pub(crate) fn truncated_normal(
    len: usize,
    (mean, std): (f64, f64),
    (lo, hi, mirrored): (f64, f64, bool),
    (a, b): (f64, f64),
    device: &Device,
) -> Tensor<1> {
    let (p_lo, p_mass) = (normal_cdf(lo), normal_cdf(hi) - normal_cdf(lo));
    let p = Tensor::<1>::random([len], Distribution::Default, device)
        .mul_scalar(p_mass)
        .add_scalar(p_lo);
    let z = standard_normal_quantile(p).clamp(lo, hi);
    let sign = if mirrored { -1.0 } else { 1.0 };
    z.mul_scalar(sign * std).add_scalar(mean).clamp(a, b)
}

/// Φ⁻¹(p) = √2·erfinv(2p − 1), elementwise, for p in (0, 1).
fn standard_normal_quantile(p: Tensor<1>) -> Tensor<1> {
    // Keep p strictly inside (0, 1): f32 draws can be exactly 0.
    let p = p.clamp(
        f64::from(f32::MIN_POSITIVE),
        1.0 - f64::from(f32::EPSILON) / 2.0,
    );
    let x = p.clone().mul_scalar(2.0).sub_scalar(1.0);
    // (1 − x)(1 + x) = 4p(1 − p), computed from p directly.
    let w = p
        .clone()
        .mul(p.neg().add_scalar(1.0))
        .mul_scalar(4.0)
        .log()
        .neg();
    let central = horner(w.clone().sub_scalar(2.5), &CENTRAL);
    let tail = horner(w.clone().sqrt().sub_scalar(3.0), &TAIL);
    let erfinv = central.mask_where(w.greater_equal_elem(5.0), tail).mul(x);
    erfinv.mul_scalar(core::f64::consts::SQRT_2)
}

fn horner(w: Tensor<1>, coefficients: &[f64; 9]) -> Tensor<1> {
    coefficients[1..]
        .iter()
        .fold(w.zeros_like().add_scalar(coefficients[0]), |acc, &c| {
            acc.mul(w.clone()).add_scalar(c)
        })
}

// Giles' coefficients, highest degree first, as published.
#[allow(clippy::excessive_precision)]
const CENTRAL: [f64; 9] = [
    2.810_226_36e-08,
    3.432_739_39e-07,
    -3.523_387_7e-06,
    -4.391_506_54e-06,
    0.000_218_580_87,
    -0.001_253_725_03,
    -0.004_177_681_64,
    0.246_640_727,
    1.501_409_41,
];
#[allow(clippy::excessive_precision)]
const TAIL: [f64; 9] = [
    -0.000_200_214_257,
    0.000_100_950_558,
    0.001_349_343_22,
    -0.003_673_428_44,
    0.005_739_507_73,
    -0.007_622_461_3,
    0.009_438_870_47,
    1.001_674_06,
    2.832_976_82,
];
