//! Numeric headroom of a tensor in reduced precision (claims §7): how much of it would overflow
//! FP16 or BF16, how much would fall below their smallest normal number (subnormal, or flushed
//! to zero on hardware without subnormals), and the INT8 scale that a predicted variance asks for.
//!
//! The limits are the IEEE-754 binary16 and bfloat16 constants: FP16 max = (2 − 2⁻¹⁰)·2¹⁵ =
//! 65 504, smallest normal 2⁻¹⁴ ≈ 6.10·10⁻⁵; BF16 shares f32's exponent range (max ≈ 3.39·10³⁸,
//! smallest normal 2⁻¹²⁶). Predictions assume a centred Gaussian, the distribution a
//! variance-scaled pre-activation tends to at width (central limit theorem).

use serde::{Deserialize, Serialize};

use crate::error::{self, InitError};
use crate::sampling::normal::quantile;

/// Largest finite FP16 (binary16) value: (2 − 2⁻¹⁰)·2¹⁵.
pub const FP16_MAX: f64 = 65_504.0;
/// Smallest normal FP16 value: 2⁻¹⁴.
pub const FP16_MIN_NORMAL: f64 = 6.103_515_625e-5;
/// Largest finite BF16 value: (2 − 2⁻⁷)·2¹²⁷.
pub const BF16_MAX: f64 = 3.389_531_389_251_535_5e38;
/// Smallest normal BF16 value: 2⁻¹²⁶ (as f32).
pub const BF16_MIN_NORMAL: f64 = 1.175_494_350_822_287_5e-38;
/// The INT8 range a symmetric quantiser maps to: [−127, 127].
pub const INT8_MAX: f64 = 127.0;

/// Fractions of a tensor's values outside the normal range of FP16 and BF16.
///
/// `*_overflow` counts |a| above the format's maximum (infinities included); `*_subnormal`
/// counts 0 < |a| < smallest normal (exact zeros — dead units — are not a precision loss and are
/// not counted).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Headroom {
    /// Fraction with |a| > 65 504.
    pub fp16_overflow: f64,
    /// Fraction with 0 < |a| < 2⁻¹⁴.
    pub fp16_subnormal: f64,
    /// Fraction with |a| > BF16's maximum.
    pub bf16_overflow: f64,
    /// Fraction with 0 < |a| < 2⁻¹²⁶.
    pub bf16_subnormal: f64,
}

impl Headroom {
    /// Measured on values (NaNs count in neither class).
    pub fn of(values: &[f32]) -> Self {
        let mut counts = [0usize; 4];
        for &v in values {
            let a = f64::from(v.abs());
            counts[0] += usize::from(a > FP16_MAX);
            counts[1] += usize::from(a > 0.0 && a < FP16_MIN_NORMAL);
            counts[2] += usize::from(a > BF16_MAX);
            counts[3] += usize::from(a > 0.0 && a < BF16_MIN_NORMAL);
        }
        let n = values.len().max(1) as f64;
        Self {
            fp16_overflow: counts[0] as f64 / n,
            fp16_subnormal: counts[1] as f64 / n,
            bf16_overflow: counts[2] as f64 / n,
            bf16_subnormal: counts[3] as f64 / n,
        }
    }

    /// Predicted for a centred Gaussian of standard deviation `std`:
    /// P(|a| > max) = erfc(max/(σ√2)), P(|a| < min) = erf(min/(σ√2)).
    pub fn gaussian(std: f64) -> error::Result<Self> {
        let std = error::positive("std", std)?;
        let above = |max: f64| libm::erfc(max / (std * std::f64::consts::SQRT_2));
        let below = |min: f64| libm::erf(min / (std * std::f64::consts::SQRT_2));
        Ok(Self {
            fp16_overflow: above(FP16_MAX),
            fp16_subnormal: below(FP16_MIN_NORMAL),
            bf16_overflow: above(BF16_MAX),
            bf16_subnormal: below(BF16_MIN_NORMAL),
        })
    }

    /// Whether any value would overflow FP16 or fall below its normal range.
    pub fn fp16_at_risk(&self) -> bool {
        self.fp16_overflow > 0.0 || self.fp16_subnormal > 0.0
    }
}

/// The standard normal quantile z with P(|Z| > z) = `delta`: −Φ⁻¹(δ/2) (AS 241, computed from
/// the lower tail so that a tiny δ keeps its precision).
pub fn two_sided_quantile(delta: f64) -> error::Result<f64> {
    if !(delta > 0.0 && delta < 1.0) {
        return Err(InitError::out_of_domain(
            "delta",
            delta,
            "a probability in (0, 1)",
        ));
    }
    Ok(-quantile(0.5 * delta))
}

/// The symmetric INT8 scale s (a ≈ s·q, q ∈ [−127, 127]) that keeps P(|a| > 127·s) = `delta`
/// for a centred Gaussian of variance `variance`: **s = σ·z₁₋δ/₂ / 127** (claims §7).
///
/// ```
/// use burn_init::diagnostics::int8_scale;
/// // Unit variance, δ = 10⁻⁴: z = 3.89, s = 3.89/127.
/// let s = int8_scale(1.0, 1e-4).unwrap();
/// assert!((s * 127.0 - 3.8906).abs() < 1e-3);
/// ```
pub fn int8_scale(variance: f64, delta: f64) -> error::Result<f64> {
    let variance = error::positive("variance", variance)?;
    Ok(variance.sqrt() * two_sided_quantile(delta)? / INT8_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_the_ieee_constants() {
        // Independent of the literals above: built from the formats' bit layouts.
        assert_eq!(FP16_MAX, (2.0 - 2f64.powi(-10)) * 2f64.powi(15));
        assert_eq!(FP16_MIN_NORMAL, 2f64.powi(-14));
        assert_eq!(BF16_MAX, f64::from(f32::from_bits(0x7F7F_0000)));
        assert_eq!(BF16_MIN_NORMAL, f64::from(f32::MIN_POSITIVE));
    }

    #[test]
    fn quantiles_match_published_values() {
        // Published two-sided normal quantiles: 1.959964 (5 %), 2.575829 (1 %), 3.890592 (10⁻⁴).
        for (delta, z) in [(0.05, 1.959_964), (0.01, 2.575_829), (1e-4, 3.890_592)] {
            assert!((two_sided_quantile(delta).unwrap() - z).abs() < 1e-6);
        }
        assert!(two_sided_quantile(0.0).is_err() && int8_scale(-1.0, 0.1).is_err());
    }

    #[test]
    fn counts_classes() {
        let values = [
            70_000.0,
            f32::INFINITY,
            1e-6,
            0.0,
            1.0,
            f32::NAN,
            1e-39,
            -1e5,
        ];
        let h = Headroom::of(&values);
        assert_eq!(h.fp16_overflow, 3.0 / 8.0);
        assert_eq!(h.fp16_subnormal, 2.0 / 8.0);
        assert_eq!(h.bf16_overflow, 1.0 / 8.0);
        assert_eq!(h.bf16_subnormal, 1.0 / 8.0);
    }
}
