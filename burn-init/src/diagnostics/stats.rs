//! Statistics of one recorded tensor — an activation, a parameter, a gradient — computed on the
//! host in f64.
//!
//! Every statistic is computed after reading the tensor back: long reductions on some GPU
//! backends (wgpu on Mesa's llvmpipe) silently lose precision, and a diagnostic must not depend
//! on the device it measures.
//!
//! **Standard error of the variance.** Entries of one activation are not independent: every
//! entry of a unit shares that unit's weights. Units are (given the layer's input) independent,
//! so the variance's standard error is taken across units — SE = sd(sᵤ)/√U, where sᵤ is unit
//! u's mean of (a − ā)² — which counts the weight draw as part of the noise, as a prediction
//! over random weights must. The unit axis is the feature axis: the last axis of a rank-2 or
//! rank-3 tensor (`[batch, features]`, `[batch, tokens, features]`), axis 1 of rank ≥ 4
//! (`[batch, channels, …]`). With fewer than two units the i.i.d. formula (m₄ − m₂²)/n is used.
//! A rank-3 convolution map `[batch, channels, length]` is read as `[batch, tokens, features]`:
//! its positions share weights, so the SE comes out too small — record it as
//! `x.swap_dims(1, 2)`. Parameters and gradients use the i.i.d. formula (their entries are
//! drawn independently; see [`TensorStats::iid`]).

use crate::error::{self, ArgumentError, InitError};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::headroom::Headroom;

/// Statistics of one tensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorStats {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Variance (second central moment).
    pub var: f64,
    /// Standard error of `var` (across units, see the module documentation).
    pub se_var: f64,
    /// Root mean square √E\[a²\].
    pub rms: f64,
    /// Largest |a|.
    pub max_abs: f64,
    /// Fraction of the finite values exactly zero (dead ReLU units, zero-initialised weights).
    pub zero_fraction: f64,
    /// Number of NaN values (excluded from the moments and the zero fraction).
    pub nan: usize,
    /// Number of ±∞ values (an overflow: excluded from the moments and the zero fraction,
    /// counted by the headroom as above FP16's and BF16's maximum).
    pub infinite: usize,
    /// FP16/BF16 overflow and subnormal fractions.
    pub headroom: Headroom,
}

/// A float tensor's values on the host as f32 (any float dtype is converted), with its shape.
pub fn host_f32<const D: usize>(tensor: Tensor<D>) -> error::Result<(Vec<f32>, Vec<usize>)> {
    let shape = tensor.dims().to_vec();
    Ok((host_as::<f32, D>(tensor)?, shape))
}

/// A float tensor's values on the host as `E` (f32, or f64: exact for f32 and f64 tensors).
pub(crate) fn host_as<E: burn::tensor::Element, const D: usize>(
    tensor: Tensor<D>,
) -> error::Result<Vec<E>> {
    tensor
        .into_data()
        .convert::<E>()
        .try_to_vec::<E>()
        .map_err(|refused| {
            InitError::out_of_domain("tensor", format!("{refused:?}"), "a float tensor")
        })
}

/// The axis whose entries are independent units (see the module documentation).
pub(crate) fn unit_axis(rank: usize) -> Option<usize> {
    match rank {
        0 | 1 => None,
        2 | 3 => Some(rank - 1),
        _ => Some(1),
    }
}

/// The degrees of freedom of a standard error estimated across the units of a record of
/// `shape` (units − 1), or `None` when it is not estimated across units.
pub(crate) fn units_dof(shape: &[usize]) -> Option<f64> {
    let units = shape[unit_axis(shape.len())?];
    (units >= 2).then(|| (units - 1) as f64)
}

/// The standard-normal deviate with the tail probability of a Student-t deviate `t` with `dof`
/// degrees of freedom — Wallace's approximation (D. L. Wallace 1959, "Bounds on normal
/// approximations to Student's and the chi-square distributions", Ann. Math. Statist. 30):
/// z = sgn t · (8ν + 1)/(8ν + 3) · √(ν·ln(1 + t²/ν)); within 0.01 of the exact quantile for
/// ν ≥ 3 at |t| ≤ 6 (ν = 9, t = 5: 3.366 against 3.38). A difference divided by an SE that
/// was itself estimated across U units is t-distributed with U − 1 degrees of freedom: at a
/// 10-unit read-out its SD is √(9/7) = 1.13 and 5 "SE" is a 1-in-1400 event, not 1 in 1.7
/// million. `None` (an SE not estimated) returns `t`.
pub fn t_to_normal(t: f64, dof: Option<f64>) -> f64 {
    match dof {
        Some(nu) if nu > 0.0 && t.is_finite() => {
            t.signum() * (8.0 * nu + 1.0) / (8.0 * nu + 3.0) * (nu * (t * t / nu).ln_1p()).sqrt()
        }
        _ => t,
    }
}

impl TensorStats {
    /// Statistics of `values` laid out row-major in `shape`.
    pub fn of(values: &[f32], shape: &[usize]) -> error::Result<Self> {
        let len = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if values.is_empty() || len != Some(values.len()) {
            return Err(InitError::Argument(ArgumentError::Shape {
                argument: "values",
                reason: format!(
                    "{} values do not fill shape {shape:?} (an empty tensor has no statistics)",
                    values.len()
                ),
            }));
        }
        let finite = |v: &&f32| v.is_finite();
        let nan = values.iter().filter(|v| v.is_nan()).count();
        let infinite = values.iter().filter(|v| v.is_infinite()).count();
        let kept = (values.len() - nan - infinite).max(1) as f64;
        let mean = values
            .iter()
            .filter(finite)
            .map(|&v| f64::from(v))
            .sum::<f64>()
            / kept;
        let (mut m2, mut m4, mut sq, mut max_abs, mut zeros) = (0.0, 0.0, 0.0, 0.0_f64, 0usize);
        for &v in values.iter().filter(finite) {
            let v = f64::from(v);
            let d = (v - mean) * (v - mean);
            m2 += d;
            m4 += d * d;
            sq += v * v;
            max_abs = max_abs.max(v.abs());
            zeros += usize::from(v == 0.0);
        }
        let (var, m4) = (m2 / kept, m4 / kept);
        let se_var = match unit_axis(shape.len()) {
            Some(axis) if shape[axis] >= 2 => se_across_units(values, shape, axis, mean),
            _ => ((m4 - var * var).max(0.0) / kept).sqrt(),
        };
        Ok(Self {
            n: values.len(),
            mean,
            var,
            se_var,
            rms: (sq / kept).sqrt(),
            max_abs,
            zero_fraction: zeros as f64 / kept,
            nan,
            infinite,
            headroom: Headroom::of(values),
        })
    }

    /// Statistics of `values` as independent draws (the i.i.d. standard error).
    pub fn iid(values: &[f32]) -> error::Result<Self> {
        Self::of(values, &[values.len()])
    }

    /// The standard deviation √var and its standard error SE(var)/(2·sd) (delta method).
    pub fn std_and_se(&self) -> (f64, f64) {
        let sd = self.var.sqrt();
        let se = if sd > 0.0 {
            self.se_var / (2.0 * sd)
        } else {
            0.0
        };
        (sd, se)
    }
}

/// sd(sᵤ)/√U with sᵤ the mean of (a − mean)² over unit u's entries.
fn se_across_units(values: &[f32], shape: &[usize], axis: usize, mean: f64) -> f64 {
    let units = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let mut sums = vec![(0.0_f64, 0usize); units];
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let unit = (i / inner) % units;
        let d = f64::from(v) - mean;
        sums[unit].0 += d * d;
        sums[unit].1 += 1;
    }
    let per_unit: Vec<f64> = sums
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|(s, c)| s / *c as f64)
        .collect();
    let u = per_unit.len() as f64;
    if u < 2.0 {
        return 0.0;
    }
    let avg = per_unit.iter().sum::<f64>() / u;
    let spread = per_unit.iter().map(|s| (s - avg) * (s - avg)).sum::<f64>() / (u - 1.0);
    (spread / u).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallace_matches_the_t_quantiles() {
        // Two-sided t quantiles (ν, t) with their normal deviates: p = 0.01 (z 2.5758) and
        // p = 10⁻⁴ (z 3.8906), from the tables of Student's t.
        for (nu, t, z) in [
            (9.0, 3.2498, 2.5758),
            (9.0, 6.5937, 3.8906),
            (30.0, 2.7500, 2.5758),
            (30.0, 4.4824, 3.8906),
        ] {
            let got = t_to_normal(t, Some(nu));
            assert!((got - z).abs() < 0.02, "ν {nu}, t {t}: {got} against {z}");
            assert_eq!(t_to_normal(-t, Some(nu)), -got);
        }
        assert_eq!(t_to_normal(2.0, None), 2.0);
        assert_eq!(units_dof(&[64, 10]), Some(9.0));
        assert_eq!(units_dof(&[64]), None);
    }

    #[test]
    fn units_are_the_feature_axis() {
        // Two units (columns) with second moments 1 and 9 over four rows: mean 0, var 5,
        // unit spread sd = √32, SE = √32/√2 = 4.
        let values = [1.0, 3.0, -1.0, -3.0, 1.0, 3.0, -1.0, -3.0];
        let s = TensorStats::of(&values, &[4, 2]).unwrap();
        assert_eq!((s.mean, s.var), (0.0, 5.0));
        assert!((s.se_var - 4.0).abs() < 1e-12);
        // The same values as one unit per row of a rank-4 map: axis 1 has 2 entries per sample.
        let t = TensorStats::of(&values, &[2, 2, 2, 1]).unwrap();
        assert!((t.se_var - 4.0).abs() > 1.0);
        assert!(TensorStats::of(&[], &[0, 3]).is_err());
        assert!(TensorStats::of(&[1.0; 5], &[2, 3]).is_err());
    }

    #[test]
    fn zeros_and_nans() {
        let s = TensorStats::of(&[0.0, 2.0, f32::NAN, -2.0, f32::INFINITY], &[5]).unwrap();
        assert_eq!((s.nan, s.infinite), (1, 1));
        // Both are left out of the moments and of the zero fraction.
        assert_eq!(s.zero_fraction, 1.0 / 3.0);
        assert_eq!(s.max_abs, 2.0);
        assert!((s.var - 8.0 / 3.0).abs() < 1e-12);
    }
}
