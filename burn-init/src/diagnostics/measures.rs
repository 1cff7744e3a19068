//! Measurements on tensors the caller holds: variance ratios with their standard errors, the
//! per-phase variance map of an upsampler, the spectral radius of a recurrent matrix and the
//! sharpness of attention.

use burn::tensor::Tensor;

use super::stats::host_as;
use crate::error::{self, InitError};

/// The values of a float tensor on the host, in f64 (exact for f32 and f64 tensors).
pub fn host_values<const D: usize>(tensor: Tensor<D>) -> error::Result<Vec<f64>> {
    host_as::<f64, D>(tensor)
}

/// Sample moments with the standard error of the variance (from the sample's fourth central
/// moment: SE² = (m₄ − m₂²)/n), so that a test can put its margin in standard errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of values.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Second central moment m₂.
    pub var: f64,
    /// Standard error of `var`.
    pub se_var: f64,
}

impl Moments {
    /// Moments of a slice of values.
    pub fn of(values: &[f64]) -> error::Result<Self> {
        if values.len() < 2 {
            return Err(InitError::out_of_domain(
                "values",
                values.len(),
                "at least 2 values",
            ));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let (mut m2, mut m4) = (0.0, 0.0);
        for &x in values {
            let d = (x - mean) * (x - mean);
            m2 += d;
            m4 += d * d;
        }
        let (m2, m4) = (m2 / n, m4 / n);
        let se_var = ((m4 - m2 * m2).max(0.0) / n).sqrt();
        if !(mean.is_finite() && m2.is_finite() && se_var.is_finite()) {
            // A NaN or infinite value, or values whose fourth moment overflows f64.
            return Err(InitError::out_of_domain(
                "values",
                mean + m2 + se_var,
                "finite values whose fourth moment fits in f64",
            ));
        }
        Ok(Self {
            n: values.len(),
            mean,
            var: m2,
            se_var,
        })
    }

    /// Moments of every entry of a tensor.
    pub fn of_tensor<const D: usize>(tensor: Tensor<D>) -> error::Result<Self> {
        Self::of(&host_values(tensor)?)
    }
}

/// Var(output)/Var(input) and its standard error (delta method, the two treated as
/// independent estimates — conservative when they are positively correlated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarianceRatio {
    /// The ratio of the sample variances.
    pub ratio: f64,
    /// Its standard error.
    pub se: f64,
}

impl VarianceRatio {
    /// The ratio of the variances of every entry of `output` and of `input`.
    pub fn measure<const D: usize, const E: usize>(
        input: Tensor<D>,
        output: Tensor<E>,
    ) -> error::Result<Self> {
        Ok(Self::from_moments(
            &Moments::of_tensor(input)?,
            &Moments::of_tensor(output)?,
        ))
    }

    /// The ratio from two sets of moments.
    pub fn from_moments(input: &Moments, output: &Moments) -> Self {
        let ratio = output.var / input.var;
        let rel = (output.se_var / output.var).hypot(input.se_var / input.var);
        Self {
            ratio,
            se: ratio * rel,
        }
    }

    /// Whether `expected` lies within `sigmas` standard errors of the ratio, with a relative
    /// `slack` on top for what the prediction neglects (finite width, …).
    pub fn agrees_with(&self, expected: f64, sigmas: f64, slack: f64) -> bool {
        (self.ratio - expected).abs() <= sigmas * self.se + slack * expected.abs()
    }
}

/// The variance of each output phase of a `[batch, channels, height, width]` map for a stride
/// grid `[s_h, s_w]`: entry `r_h·s_w + r_w` is the variance over the pixels (y, x) with
/// y mod s_h = r_h and x mod s_w = r_w. A transposed conv whose kernel is not a multiple of its
/// stride makes these unequal (the checkerboard).
pub fn phase_variances(map: Tensor<4>, stride: [usize; 2]) -> error::Result<Vec<Moments>> {
    let [batch, channels, height, width] = map.dims();
    if stride[0] == 0 || stride[1] == 0 || height < stride[0] || width < stride[1] {
        return Err(InitError::out_of_domain(
            "stride",
            stride[0].min(stride[1]),
            "positive strides no larger than the map",
        ));
    }
    let values = host_values(map)?;
    let mut phases = vec![Vec::new(); stride[0] * stride[1]];
    for plane in values.chunks_exact(height * width).take(batch * channels) {
        for (y, row) in plane.chunks_exact(width).enumerate() {
            for (x, &v) in row.iter().enumerate() {
                phases[(y % stride[0]) * stride[1] + x % stride[1]].push(v);
            }
        }
    }
    phases.iter().map(|p| Moments::of(p)).collect()
}

/// max/min of the phase variances: 1 for a flat variance map.
pub fn phase_spread(phases: &[Moments]) -> f64 {
    let vars = phases.iter().map(|m| m.var);
    let max = vars.clone().fold(f64::MIN, f64::max);
    let min = vars.fold(f64::MAX, f64::min);
    max / min
}

/// The spectral radius (largest |eigenvalue|) of a square matrix given row-major, by faer's
/// eigenvalue solver (a non-symmetric random matrix has complex eigenvalues, where power
/// iteration does not converge).
pub fn spectral_radius(values: &[f64], n: usize) -> error::Result<f64> {
    if n == 0 || values.len() != n * n {
        return Err(InitError::out_of_domain(
            "values",
            values.len(),
            "n·n entries of a square matrix",
        ));
    }
    let matrix = faer::Mat::<f64>::from_fn(n, n, |i, j| values[i * n + j]);
    let eigenvalues = matrix.eigenvalues().map_err(|_| {
        InitError::out_of_domain("values", n, "a matrix whose eigenvalues converge")
    })?;
    Ok(eigenvalues
        .iter()
        .map(|z| z.re.hypot(z.im))
        .fold(0.0, f64::max))
}

/// How sharp one softmax row is: its largest weight and its entropy ÷ ln(len) (1 for uniform
/// attention, 0 for one-hot).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sharpness {
    /// The largest weight.
    pub max_weight: f64,
    /// Entropy ÷ ln(number of weights).
    pub normalised_entropy: f64,
}

impl Sharpness {
    /// The sharpness of softmax(logits), computed stably in f64.
    pub fn of_logits(logits: &[f64]) -> error::Result<Self> {
        if logits.len() < 2 || logits.iter().any(|x| !x.is_finite()) {
            return Err(InitError::out_of_domain(
                "logits",
                logits.len(),
                "at least 2 finite logits",
            ));
        }
        let top = logits.iter().copied().fold(f64::MIN, f64::max);
        let weights: Vec<f64> = logits.iter().map(|x| (x - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let entropy: f64 = weights
            .iter()
            .map(|w| w / total)
            .filter(|&p| p > 0.0)
            .map(|p| -p * p.ln())
            .sum();
        Ok(Self {
            max_weight: 1.0 / total,
            normalised_entropy: entropy / (logits.len() as f64).ln(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectral_radius_of_a_rotation_is_one() {
        let (c, s) = (0.6, 0.8);
        let r = spectral_radius(&[c, -s, s, c], 2).unwrap();
        assert!((r - 1.0).abs() < 1e-12);
        assert!(spectral_radius(&[1.0, 2.0], 2).is_err());
    }

    #[test]
    fn sharpness_of_uniform_and_peaked_rows() {
        let uniform = Sharpness::of_logits(&[0.0; 8]).unwrap();
        assert!((uniform.normalised_entropy - 1.0).abs() < 1e-12);
        assert!((uniform.max_weight - 0.125).abs() < 1e-12);
        let peaked = Sharpness::of_logits(&[100.0, 0.0, 0.0]).unwrap();
        assert!(peaked.max_weight > 0.999 && peaked.normalised_entropy < 1e-3);
        assert!(Sharpness::of_logits(&[f64::NAN, 0.0]).is_err());
    }

    #[test]
    fn moments_and_ratio() {
        let a = Moments::of(&[1.0, -1.0, 1.0, -1.0]).unwrap();
        let b = Moments::of(&[2.0, -2.0, 2.0, -2.0]).unwrap();
        let r = VarianceRatio::from_moments(&a, &b);
        assert!((r.ratio - 4.0).abs() < 1e-12 && r.agrees_with(4.0, 5.0, 0.0));
        assert!(Moments::of(&[1.0]).is_err());
    }
}
