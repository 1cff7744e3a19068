//! The standard normal's CDF Φ, its inverse Φ⁻¹ and the moments of a truncated normal.
//!
//! Φ⁻¹ is Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), relative error
//! ~1e−16 over the whole open interval (0, 1). It is written here rather than taken from a crate
//! because truncated-normal sampling evaluates it once per element: it must be branch-light,
//! allocation-free, and give the same bits wherever burn-init runs.

// AS 241's coefficients are kept exactly as published, digits beyond f64 included.
#![allow(clippy::excessive_precision)]

use crate::error::{InitError, Result, SchemeError};
use core::f64::consts::SQRT_2;

pub(crate) use crate::gain::normal_pdf;

/// Φ(x), the standard normal CDF, accurate in both tails.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

fn polynomial(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

const A: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// Φ⁻¹(p) for p in (0, 1) (Wichura's AS 241, 1988; relative error about 10⁻¹⁶): a typed error
/// for p outside (0, 1), where the quantile is infinite or undefined.
///
/// ```
/// let z = burn_init::sampling::normal::normal_quantile(0.975).unwrap();
/// assert!((z - 1.959_963_984_540_054).abs() < 1e-12);
/// assert!(burn_init::sampling::normal::normal_quantile(1.0).is_err());
/// ```
pub fn normal_quantile(p: f64) -> Result<f64> {
    if p > 0.0 && p < 1.0 {
        Ok(quantile(p))
    } else {
        Err(InitError::out_of_domain("p", p, "a probability in (0, 1)"))
    }
}

/// Φ⁻¹(p) unchecked, for the sampling loops: ∓∞ at 0 and 1.
pub(crate) fn quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        return quantile_above_half(q);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        polynomial(&C, r) / polynomial(&D, r)
    } else {
        let r = r - 5.0;
        polynomial(&E, r) / polynomial(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

/// Φ⁻¹(½ + q) for |q| ≤ 0.425, from q itself (AS 241's central branch): keeps q's relative
/// precision where forming ½ + q would round it away.
pub(crate) fn quantile_above_half(q: f64) -> f64 {
    let r = 0.180_625 - q * q;
    q * polynomial(&A, r) / polynomial(&B, r)
}

/// Mean and standard deviation of a standard normal truncated to [α, β], α < β (either may be
/// infinite); a typed error for an empty or NaN window, or one too narrow or too far out for f64
/// to hold its mass.
pub fn truncated_moments(alpha: f64, beta: f64) -> Result<(f64, f64)> {
    if alpha.is_nan() || beta.is_nan() || alpha >= beta {
        return Err(InitError::truncation(alpha, beta));
    }
    let (mean, std) = truncated(alpha, beta);
    if mean.is_finite() && std.is_finite() {
        Ok((mean, std))
    } else {
        Err(InitError::Scheme(SchemeError::EmptyTruncation {
            a: alpha,
            b: beta,
            sigmas: alpha.abs().min(beta.abs()),
        }))
    }
}

/// [`truncated_moments`] unchecked, for windows already validated.
pub(crate) fn truncated(alpha: f64, beta: f64) -> (f64, f64) {
    // Work in the lower tail so that the CDF differences keep their precision.
    if alpha > 0.0 {
        let (mean, std) = truncated(-beta, -alpha);
        return (-mean, std);
    }
    let mass = normal_cdf(beta) - normal_cdf(alpha);
    let (pa, pb) = (normal_pdf(alpha), normal_pdf(beta));
    let edge = |x: f64, p: f64| if x.is_finite() { x * p } else { 0.0 };
    let mean = (pa - pb) / mass;
    let variance = 1.0 + (edge(alpha, pa) - edge(beta, pb)) / mass - mean * mean;
    (mean, variance.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_the_cdf() {
        for &p in &[
            1e-300,
            1e-20,
            1e-8,
            0.001,
            0.02425,
            0.075,
            0.3,
            0.5,
            0.7,
            0.925,
            0.999,
            1.0 - 1e-12,
        ] {
            let x = normal_quantile(p).unwrap();
            let back = if p < 0.5 {
                normal_cdf(x)
            } else {
                1.0 - normal_cdf(-x)
            };
            let relative = if p < 0.5 {
                (back - p).abs() / p
            } else {
                ((1.0 - back) - (1.0 - p)).abs() / (1.0 - p)
            };
            assert!(relative < 1e-9, "p = {p}: Φ(Φ⁻¹(p)) = {back}");
        }
        assert_eq!(normal_quantile(0.5).unwrap(), 0.0);
        assert!((normal_quantile(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-14);
        for p in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
            assert!(normal_quantile(p).is_err(), "{p}");
        }
    }

    #[test]
    fn jax_truncation_constant() {
        // JAX divides by this constant: the std of N(0,1) truncated to [−2, 2].
        let (mean, std) = truncated_moments(-2.0, 2.0).unwrap();
        assert!(mean.abs() < 1e-15);
        assert!(truncated_moments(2.0, 2.0).is_err() && truncated_moments(f64::NAN, 1.0).is_err());
        assert!((std - 0.879_625_661_034_239_8).abs() < 1e-14, "{std}");
    }
}
