//! The standard deviation of the entries a scheme gives: the target a policy's manifest reports
//! beside the standard deviation actually drawn.

use super::Scheme;
use crate::error::{self, InitError};
use crate::fan::Fan;
use crate::sampling::normal::truncated;
use crate::structured::zeros_per_column;

impl Scheme {
    /// The mean of the entries of a tensor of `shape` drawn with this scheme (population
    /// value): the value of a constant, the centre of `Uniform`, the mean of `Normal`, the
    /// truncated normal's own mean, g·k/N for `Eye` and `Dirac` (k ones among N), 0 for every
    /// centred scheme. Arguments are checked as by [`Scheme::std`].
    pub fn mean(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<f64> {
        self.validate(shape, fan)?;
        let share = share_of(shape);
        Ok(match self {
            Self::Constant { value } => *value,
            Self::Ones => 1.0,
            Self::Uniform { low, high } => 0.5 * (low + high),
            Self::Normal { mean, .. } => *mean,
            Self::TruncatedNormal { mean, std, a, b } => {
                mean + std * truncated((a - mean) / std, (b - mean) / std).0
            }
            Self::Eye { gain } => gain.value()? * share(self.ones(shape)),
            Self::Dirac { .. } => share(self.ones(shape)),
            _ => 0.0,
        })
    }

    /// How many entries `Eye` and `Dirac` set (min(rows, cols); groups × min(c_out/g, c_in)),
    /// for shapes `validate` accepted; 0 for every other scheme.
    fn ones(&self, shape: &[usize]) -> f64 {
        match self {
            Self::Eye { .. } => shape[0].min(shape[1]) as f64,
            Self::Dirac { groups } => {
                let groups = (*groups).max(1);
                (groups * (shape[0] / groups).min(shape[1])) as f64
            }
            _ => 0.0,
        }
    }

    /// E\[w²\] = std² + mean²: what a layer's forward variance ratio n_in·E\[w²\] needs (for a
    /// non-centred scheme the std alone misses the mean's share: `Eye` keeps the signal with
    /// std² = (1/n)(1 − 1/n) but E\[w²\] = 1/n).
    pub fn second_moment(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<f64> {
        let (mean, std) = (self.mean(shape, fan)?, self.std(shape, fan)?);
        Ok(std * std + mean * mean)
    }

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
    /// | `DeltaOrthogonal` `[c_out, c_in/G, k…]`, G groups | g·√(c_in / numel) (G blocks of c_in/G unit columns) |
    /// | `Eye`, `Dirac` (k ones among N) | g·√(k/N − (k/N)²) |
    /// | `Sparse` | std·√(1 − zeros/rows) |
    ///
    /// ```
    /// use burn_init::{Fan, FanMode, Nonlinearity, Scheme};
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let std = he.std(&[256, 512], Some(&Fan::linear(256, 512))).unwrap();
    /// assert!((std - (2.0f64 / 256.0).sqrt()).abs() < 1e-12);
    /// ```
    ///
    /// Every argument is checked as a draw would check it: `Normal { std: -1 }` or
    /// `Uniform { low: 1, high: -1 }` is an error, not a negative or meaningless std.
    pub fn std(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<f64> {
        self.validate(shape, fan)?;
        let share = share_of(shape);
        let ones = |k: f64, g: f64| g * (share(k) - share(k).powi(2)).max(0.0).sqrt();
        Ok(match self {
            Self::Constant { .. } | Self::Zeros | Self::Ones => 0.0,
            Self::Uniform { low, high } => (high - low) / 12f64.sqrt(),
            Self::Normal { std, .. } => *std,
            Self::TruncatedNormal { mean, std, a, b } => {
                std * truncated((a - mean) / std, (b - mean) / std).1
            }
            Self::Orthogonal { gain } => {
                self.min_rank(shape, 2, "≥ 2")?;
                let rows = shape[0] as f64;
                let cols = shape[1..].iter().map(|&d| d as f64).product::<f64>();
                gain.value()? * share(rows.min(cols)).sqrt()
            }
            Self::DeltaOrthogonal { gain, groups } => {
                self.min_rank(shape, 3, "3 to 5")?;
                // ‖W‖²_F = g²·(groups · c_in/groups): every block has c_in/groups unit columns.
                gain.value()? * share(shape[1] as f64 * *groups as f64).sqrt()
            }
            Self::Eye { gain } => {
                self.min_rank(shape, 2, "2")?;
                ones(self.ones(shape), gain.value()?)
            }
            Self::Dirac { .. } => {
                self.min_rank(shape, 3, "3 to 5")?;
                ones(self.ones(shape), 1.0)
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

    /// A bound on |value| over every entry a draw can give (for arguments `validate` accepted):
    /// the ziggurat's normal tails stay below 11σ, the inverse-CDF truncated normal within
    /// 40σ of its mean and inside [a, b], orthonormal and identity entries within |gain|.
    /// A policy multiplier is refused when it would carry this past f32's range.
    pub(crate) fn reach(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<f64> {
        Ok(match self {
            Self::Constant { value } => value.abs(),
            Self::Zeros => 0.0,
            Self::Ones | Self::Dirac { .. } => 1.0,
            Self::Uniform { low, high } => low.abs().max(high.abs()),
            Self::Normal { mean, std } => mean.abs() + 11.0 * std,
            Self::TruncatedNormal { mean, std, a, b } => {
                (mean.abs() + 40.0 * std).min(a.abs().max(b.abs()))
            }
            Self::Orthogonal { gain } | Self::DeltaOrthogonal { gain, .. } | Self::Eye { gain } => {
                gain.value()?.abs()
            }
            Self::Sparse { std, .. } => 11.0 * std,
            _ => 11.0 * self.std(shape, fan)?,
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

/// k/N for a tensor of N = ∏ shape entries; 0 for an empty tensor (nothing to spread).
fn share_of(shape: &[usize]) -> impl Fn(f64) -> f64 {
    let numel: f64 = shape.iter().map(|&d| d as f64).product();
    move |k| if numel > 0.0 { k / numel } else { 0.0 }
}
