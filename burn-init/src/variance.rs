//! The variance-scaling core (JAX's `variance_scaling`): σ² = scale / n, n the fan chosen by the
//! mode. Every named scheme — Xavier/Glorot, Kaiming/He, LeCun, PyTorch's layer default — is this
//! with a particular scale, mode and distribution (see [`crate::Scheme::variance_scaling`]).
//!
//! | distribution | draws | variance |
//! |---|---|---|
//! | `Uniform` | U(−√3σ, √3σ) | σ² |
//! | `Normal` | N(0, σ²) | σ² |
//! | `TruncatedNormal` | N(0, (σ/0.8796…)²) cut at ±2 of its own std | σ² exactly |

use crate::error::{self, InitError, SchemeError};
use burn::config::Config;

use crate::fan::{Fan, FanMode};
use crate::sampling::{Keyed, Normal, TruncatedNormal, Uniform};

/// The family a variance-scaling scheme draws from, its σ set by the fans (a normal with a std
/// you give is [`Scheme::Normal`](crate::Scheme::Normal); both are drawn by the keyed samplers of
/// [`sampling`](crate::sampling)).
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum Distribution {
    /// U(−√3σ, √3σ).
    Uniform,
    /// N(0, σ²).
    Normal,
    /// Normal truncated at ±2 standard deviations, rescaled so that the variance is exactly σ².
    TruncatedNormal,
}

/// σ² = scale / fan(mode), drawn from `distribution`.
///
/// ```
/// use burn_init::{Distribution, Fan, FanMode, VarianceScaling};
/// // He-normal for a 512 → 256 dense layer: σ = √(2/512).
/// let he = VarianceScaling::new(2.0, FanMode::FanIn, Distribution::Normal);
/// let std = he.std(Fan::linear(512, 256)).unwrap();
/// assert!((std - (2.0f64 / 512.0).sqrt()).abs() < 1e-15);
/// ```
#[derive(Config, Debug, PartialEq)]
#[doc(alias = "variance_scaling")]
pub struct VarianceScaling {
    /// The numerator of σ² = scale / n (gain² for the named schemes).
    pub scale: f64,
    /// Which fan is n.
    pub mode: FanMode,
    /// What the weights are drawn from.
    pub distribution: Distribution,
}

impl VarianceScaling {
    /// The target standard deviation √(scale / fan(mode)).
    pub fn std(&self, fan: Fan) -> error::Result<f64> {
        let scale = error::non_negative("scale", self.scale)?;
        let n = fan.get(self.mode);
        if !(n.is_finite() && n > 0.0) {
            return Err(InitError::Scheme(SchemeError::ZeroFan {
                mode: self.mode,
                fan_in: fan.fan_in,
                fan_out: fan.fan_out,
            }));
        }
        // A subnormal fan (1e−310) overflows the variance.
        error::finite("variance scale / fan", scale / n).map(f64::sqrt)
    }

    /// The distribution to draw from for `fan`, or `None` when σ = 0 (every weight is 0).
    pub fn distribution_for(&self, fan: Fan) -> error::Result<Option<Keyed>> {
        let std = self.std(fan)?;
        if std == 0.0 {
            return Ok(None);
        }
        Ok(Some(match self.distribution {
            Distribution::Uniform => Keyed::Uniform(Uniform::symmetric(3f64.sqrt() * std)?),
            Distribution::Normal => Keyed::Normal(Normal::new(0.0, std)?),
            Distribution::TruncatedNormal => {
                Keyed::TruncatedNormal(TruncatedNormal::with_exact_std(std)?)
            }
        }))
    }
}
