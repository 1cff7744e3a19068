//! Gains: the factor by which a scheme's standard deviation is multiplied to make up for what a
//! nonlinearity does to the second moment of its input.
//!
//! Two rules, and the user chooses:
//!
//! * **PyTorch's table** ([`Nonlinearity::pytorch_gain`]), `torch.nn.init.calculate_gain`:
//!   linear / conv / sigmoid 1, tanh 5/3, ReLU √2, leaky ReLU √(2/(1+s²)), SELU 3/4.
//! * **The second-moment rule** ([`Nonlinearity::second_moment_gain`]): g = 1/√E[φ(z)²],
//!   z ~ N(0, 1): with σ² = g²/n the next layer's pre-activations keep the second moment of this
//!   layer's when those are unit Gaussians (claims §2, "ReLU halves the second moment":
//!   E[ReLU(z)²] = 1/2, so g = √2). It exists for every activation, GELU, SiLU, Mish,
//!   ELU, softplus and any closure ([`numeric_gain`]) included, and is computed by deterministic
//!   adaptive quadrature to ~1e−13.
//!
//! Where the two differ: ReLU and leaky ReLU agree exactly; linear agrees. tanh: the table says
//! 5/3 ≈ 1.667, the second-moment rule 1/√0.3943 ≈ 1.593 (the table's 5/3 is an empirical choice
//! that pushes tanh slightly into saturation). sigmoid: the table says 1 (it ignores the mean of
//! 1/2), the rule ≈ 1.85. SELU: the table's 3/4 was chosen empirically by PyTorch for
//! self-normalising nets trained with Kaiming; the rule gives ≈ 1 (SELU's fixed point). Use
//! [`Gain::Recommended`] for the table-first behaviour, [`Gain::SecondMoment`] for the rule.

mod quadrature;

use crate::error::{self, InitError, SchemeError};
use burn::config::Config;

pub(crate) use quadrature::normal_pdf;

/// SELU's λ (Klambauer et al., 2017).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's α (Klambauer et al., 2017).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_2;

/// A nonlinearity, for gains. Variants with a PyTorch `calculate_gain` entry use its name.
#[derive(Config, Debug, PartialEq)]
pub enum Nonlinearity {
    /// Identity.
    Linear,
    /// `conv1d` (identity after the convolution, gain 1).
    Conv1d,
    /// `conv2d`.
    Conv2d,
    /// `conv3d`.
    Conv3d,
    /// `conv_transpose1d`.
    ConvTranspose1d,
    /// `conv_transpose2d`.
    ConvTranspose2d,
    /// `conv_transpose3d`.
    ConvTranspose3d,
    /// Logistic sigmoid 1/(1+e^−x).
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// max(x, 0).
    Relu,
    /// max(x, 0) + s·min(x, 0).
    LeakyRelu {
        /// The slope s for x < 0 (PyTorch's default is 0.01).
        negative_slope: f64,
    },
    /// λ·(max(x,0) + min(α(eˣ−1), 0)) with SELU's λ and α.
    Selu,
    /// x·Φ(x), the exact (erf) form.
    Gelu,
    /// x·σ(x) (also called swish).
    Silu,
    /// x·tanh(softplus(x)).
    Mish,
    /// x for x > 0, α(eˣ−1) otherwise.
    Elu {
        /// α (PyTorch's default is 1).
        alpha: f64,
    },
    /// (1/β)·ln(1 + e^{βx}).
    Softplus {
        /// β (PyTorch's default is 1).
        beta: f64,
    },
}

impl Nonlinearity {
    /// φ(x). The one place where each activation's formula lives.
    pub fn apply(&self, x: f64) -> f64 {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        let softplus = |x: f64| if x > 30.0 { x } else { x.exp().ln_1p() };
        match self {
            Self::Sigmoid => sigmoid(x),
            Self::Tanh => x.tanh(),
            Self::Relu => x.max(0.0),
            Self::LeakyRelu { negative_slope } => {
                if x >= 0.0 {
                    x
                } else {
                    negative_slope * x
                }
            }
            Self::Selu => SELU_LAMBDA * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Self::Gelu => x * 0.5 * libm::erfc(-x / core::f64::consts::SQRT_2),
            Self::Silu => x * sigmoid(x),
            Self::Mish => x * softplus(x).tanh(),
            Self::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            Self::Softplus { beta } => softplus(beta * x) / beta,
            _ => {
                debug_assert!(self.is_identity(), "{self:?} needs a formula");
                x
            }
        }
    }

    /// Linear and the layer names PyTorch's table lists with gain 1 (φ(x) = x).
    fn is_identity(&self) -> bool {
        matches!(
            self,
            Self::Linear
                | Self::Conv1d
                | Self::Conv2d
                | Self::Conv3d
                | Self::ConvTranspose1d
                | Self::ConvTranspose2d
                | Self::ConvTranspose3d
        )
    }

    fn check_parameters(&self) -> error::Result<()> {
        match self {
            Self::LeakyRelu { negative_slope } => {
                error::finite("negative_slope", *negative_slope).map(drop)
            }
            Self::Elu { alpha } => error::finite("alpha", *alpha).map(drop),
            Self::Softplus { beta } => error::positive("beta", *beta).map(drop),
            _ => Ok(()),
        }
    }

    /// PyTorch's `calculate_gain`, where PyTorch has an entry; `None` otherwise (an error for
    /// invalid parameters, such as a NaN slope).
    pub fn pytorch_gain(&self) -> error::Result<Option<f64>> {
        self.check_parameters()?;
        Ok(match self {
            _ if self.is_identity() => Some(1.0),
            Self::Sigmoid => Some(1.0),
            Self::Tanh => Some(5.0 / 3.0),
            Self::Relu => Some(core::f64::consts::SQRT_2),
            Self::LeakyRelu { negative_slope } => {
                Some((2.0 / (1.0 + negative_slope.powi(2))).sqrt())
            }
            Self::Selu => Some(0.75),
            _ => None,
        })
    }

    /// E[φ(z)²], z ~ N(0, 1), by adaptive quadrature (absolute error ~1e−13); an error when it
    /// overflows (Softplus with β → 0 has E ≈ (ln 2/β)²).
    pub fn second_moment(&self) -> error::Result<f64> {
        self.check_parameters()?;
        let moment = quadrature::gaussian_expectation(&|z| self.apply(z).powi(2));
        if moment.is_finite() {
            Ok(moment)
        } else {
            Err(InitError::Scheme(SchemeError::DegenerateGain {
                nonlinearity: format!("{self:?}"),
                second_moment: moment,
            }))
        }
    }

    /// The second-moment-preserving gain 1/√E[φ(z)²].
    pub fn second_moment_gain(&self) -> error::Result<f64> {
        gain_from_second_moment(self.second_moment()?, || format!("{self:?}"))
    }

    /// PyTorch's table where it has an entry, the second-moment gain otherwise.
    pub fn gain(&self) -> error::Result<f64> {
        match self.pytorch_gain()? {
            Some(gain) => Ok(gain),
            None => self.second_moment_gain(),
        }
    }
}

/// `torch.nn.init.calculate_gain`, extended: the table value where PyTorch has one, the
/// second-moment gain for every other activation. Same as [`Nonlinearity::gain`].
///
/// ```
/// use burn_init::gain::{calculate_gain, Nonlinearity};
/// assert_eq!(calculate_gain(&Nonlinearity::Tanh).unwrap(), 5.0 / 3.0);
/// let gelu = calculate_gain(&Nonlinearity::Gelu).unwrap();
/// assert!((gelu - 1.5335).abs() < 1e-3); // 1/√(1/3 + 1/(2π√3))
/// ```
pub fn calculate_gain(nonlinearity: &Nonlinearity) -> error::Result<f64> {
    nonlinearity.gain()
}

/// The second-moment-preserving gain 1/√E[φ(z)²] of any activation given as a closure.
///
/// ```
/// // |x| keeps the second moment: gain 1.
/// let g = burn_init::gain::numeric_gain(|x: f64| x.abs()).unwrap();
/// assert!((g - 1.0).abs() < 1e-9);
/// ```
pub fn numeric_gain(phi: impl Fn(f64) -> f64) -> error::Result<f64> {
    let moment = quadrature::gaussian_expectation(&|z| phi(z).powi(2));
    gain_from_second_moment(moment, || "closure".to_string())
}

/// The pass-fraction rule (claims §2): an activation that lets a fraction π of its inputs through
/// unchanged (and zeroes the rest) needs σ² = 1/(n·π), i.e. gain 1/√π. He's rule is π = 1/2.
pub fn pass_fraction_gain(pass_fraction: f64) -> error::Result<f64> {
    if pass_fraction.is_finite() && pass_fraction > 0.0 && pass_fraction <= 1.0 {
        Ok(1.0 / pass_fraction.sqrt())
    } else {
        Err(InitError::out_of_domain(
            "pass_fraction",
            pass_fraction,
            "a fraction in (0, 1]",
        ))
    }
}

fn gain_from_second_moment(moment: f64, name: impl FnOnce() -> String) -> error::Result<f64> {
    if moment.is_finite() && moment > 0.0 {
        Ok(1.0 / moment.sqrt())
    } else {
        Err(InitError::Scheme(SchemeError::DegenerateGain {
            nonlinearity: name(),
            second_moment: moment,
        }))
    }
}

/// How a scheme gets its gain. Serialisable, so that a whole configuration round-trips.
#[derive(Config, Debug, PartialEq)]
pub enum Gain {
    /// A fixed value (PyTorch's `gain=` argument).
    Value(f64),
    /// PyTorch's table where it has an entry, the second-moment rule otherwise.
    Recommended(Nonlinearity),
    /// The second-moment rule 1/√E[φ(z)²] for every activation.
    SecondMoment(Nonlinearity),
    /// The pass-fraction rule 1/√π.
    PassFraction(f64),
}

impl Default for Gain {
    fn default() -> Self {
        Self::Value(1.0)
    }
}

impl Gain {
    /// The gain's value; a finite number ≥ 0.
    pub fn value(&self) -> error::Result<f64> {
        let value = match self {
            Self::Value(value) => *value,
            Self::Recommended(nonlinearity) => nonlinearity.gain()?,
            Self::SecondMoment(nonlinearity) => nonlinearity.second_moment_gain()?,
            Self::PassFraction(fraction) => pass_fraction_gain(*fraction)?,
        };
        error::non_negative("gain", value)?;
        error::representable("gain", value)
    }
}

impl From<f64> for Gain {
    fn from(value: f64) -> Self {
        Self::Value(value)
    }
}

impl From<Nonlinearity> for Gain {
    fn from(nonlinearity: Nonlinearity) -> Self {
        Self::Recommended(nonlinearity)
    }
}
