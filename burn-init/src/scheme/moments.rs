//! The standard deviation of the entries a scheme gives: the target a policy's manifest reports
//! beside the standard deviation actually drawn.

use super::Scheme;
use crate::error::{self, InitError};
use crate::fan::Fan;
use crate::sampling::normal::truncated_moments;
use crate::structured::zeros_per_column;

impl Scheme {
    /// The standard deviation of the entries of a tensor of `shape` drawn with this scheme and
    /// these fans (population value: what a large draw converges to).
    ///
    /// | scheme | std |
    /// |---|---|
    /// | constants | 0 |
    /// | `Uniform` | (high − low)/√12 |
    /// | `Normal` | std |
    /// | `TruncatedNormal` | std·σ_t(α, β), the truncated normal's own std |
    /// | variance scaling | √(scale / n) |
    /// | `Orthogonal` (`[r, c]` flattened) | g·√(min(r, c)/(r·c)) (‖Q‖²_F = min(r, c)) |
    /// | `DeltaOrthogonal` `[c_out, c_in, k…]` | g·√(c_in / numel) |
    /// | `Eye`, `Dirac` (k ones among N) | g·√(k/N − (k/N)²) |
    /// | `Sparse` | std·√(1 − zeros/rows) |
    ///
    /// ```
    /// use burn_init::{Fan, FanMode, Nonlinearity, Scheme};
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let std = he.std(&[256, 512], Some(&Fan::linear(256, 512))).unwrap();
    /// assert!((std - (2.0f64 / 256.0).sqrt()).abs() < 1e-12);
    /// ```
    pub fn std(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<f64> {
        let numel: f64 = shape.iter().map(|&d| d as f64).product();
        let ones = |k: f64, g: f64| g * (k / numel - (k / numel).powi(2)).max(0.0).sqrt();
        Ok(match self {
            Self::Constant { .. } | Self::Zeros | Self::Ones => 0.0,
            Self::Uniform { low, high } => (high - low) / 12f64.sqrt(),
            Self::Normal { std, .. } => *std,
            Self::TruncatedNormal { mean, std, a, b } => {
                std * truncated_moments((a - mean) / std, (b - mean) / std).1
            }
            Self::Orthogonal { gain } => {
                self.min_rank(shape, 2, "≥ 2")?;
                let (rows, cols) = (shape[0] as f64, numel / shape[0] as f64);
                gain.value()? * (rows.min(cols) / numel).sqrt()
            }
            Self::DeltaOrthogonal { gain } => {
                self.min_rank(shape, 3, "3 to 5")?;
                gain.value()? * (shape[1] as f64 / numel).sqrt()
            }
            Self::Eye { gain } => {
                self.min_rank(shape, 2, "2")?;
                ones(shape[0].min(shape[1]) as f64, gain.value()?)
            }
            Self::Dirac { groups } => {
                self.min_rank(shape, 3, "3 to 5")?;
                let groups = (*groups).max(1);
                let per_group = (shape[0] / groups).min(shape[1]);
                ones((groups * per_group) as f64, 1.0)
            }
            Self::Sparse { sparsity, std } => {
                self.min_rank(shape, 2, "2")?;
                let rows = shape[0];
                let kept = 1.0 - zeros_per_column(*sparsity, rows) as f64 / rows.max(1) as f64;
                std * kept.sqrt()
            }
            _ => {
                let core = self
                    .variance_scaling()?
                    .expect("every other scheme is variance scaling");
                let fan = fan.ok_or(InitError::MissingFan {
                    scheme: self.name(),
                })?;
                core.std(fan)?
            }
        })
    }

    fn min_rank(&self, shape: &[usize], min: usize, expected: &'static str) -> error::Result<()> {
        if shape.len() < min {
            return Err(InitError::Rank {
                scheme: self.name(),
                expected,
                shape: shape.to_vec(),
            });
        }
        Ok(())
    }
}
