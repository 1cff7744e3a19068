//! The catalogue: every named scheme, as one serialisable enum.
//!
//! Data flows one way — scheme (config) → fans → variance → sampler → tensor → `Param`:
//! [`Scheme::variance_scaling`] turns each named scheme into the variance-scaling core,
//! [`VarianceScaling::distribution_for`] turns fans into a distribution, and the keyed sampler
//! fills the tensor on the host, which is then uploaded to any Burn device.

use crate::error::{self, InitError, PolicyError};
use burn::config::Config;

use crate::fan::FanMode;
use crate::gain::Gain;
use crate::structured::Structured;
use crate::variance::{Distribution, VarianceScaling};

mod draw;
mod moments;
mod prepared;

pub(crate) use draw::element_count;
pub use prepared::Prepared;

/// Every initialisation scheme of burn-init. Formulas (n_in, n_out the fans, g the gain):
///
/// | scheme | weights | source |
/// |---|---|---|
/// | `Constant`, `Zeros`, `Ones` | the value | — |
/// | `Uniform` | U(low, high) | — |
/// | `Normal` | N(mean, std²) | — |
/// | `TruncatedNormal` | N(mean, std²) conditioned on [a, b] | PyTorch `trunc_normal_` |
/// | `VarianceScaling` | σ² = scale/n(mode) | JAX `variance_scaling` |
/// | `XavierUniform` | U(±g·√(6/(n_in+n_out))) | Glorot & Bengio 2010 |
/// | `XavierNormal` | N(0, g²·2/(n_in+n_out)) | Glorot & Bengio 2010 |
/// | `KaimingUniform` | U(±g·√(3/n_mode)) | He et al. 2015 |
/// | `KaimingNormal` | N(0, g²/n_mode) | He et al. 2015 |
/// | `LecunUniform` | U(±√(3/n_in)) | LeCun et al. 1998 |
/// | `LecunNormal` | N(0, 1/n_in) (JAX's is truncated: use `VarianceScaling`) | LeCun et al. 1998 |
/// | `PytorchDefault` | U(±1/√n_in) = kaiming_uniform(a = √5) | PyTorch `Linear`/`Conv` |
/// | `PytorchFanOut` | U(±1/√n_out) | PyTorch `LSTM`/`GRU` (1/√hidden), `ConvTranspose` |
/// | `Orthogonal` | g·Q, Q Haar-orthogonal | Saxe et al. 2014 |
/// | `DeltaOrthogonal` | g·Q_j at the kernel centre per group j, 0 elsewhere | Xiao et al. 2018 |
/// | `Eye` | g·I | PyTorch `eye_` |
/// | `Dirac` | identity convolution per group | PyTorch `dirac_` |
/// | `Sparse` | N(0, std²) with ⌈sparsity·rows⌉ zeros per column | Martens 2010 |
#[derive(Config, Debug, PartialEq)]
pub enum Scheme {
    /// Every weight equals `value`.
    #[doc(alias = "constant_")]
    #[doc(alias = "constant")]
    Constant {
        /// The value.
        value: f64,
    },
    /// Every weight is 0.
    #[doc(alias = "zeros_")]
    #[doc(alias = "zeros")]
    Zeros,
    /// Every weight is 1.
    #[doc(alias = "ones_")]
    #[doc(alias = "ones")]
    Ones,
    /// U(low, high).
    #[doc(alias = "uniform_")]
    #[doc(alias = "uniform")]
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// N(mean, std²), with the std you give (for a σ set by the fans: [`VarianceScaling`] with
    /// [`Distribution::Normal`](crate::Distribution::Normal)).
    #[doc(alias = "normal_")]
    #[doc(alias = "normal")]
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation of the draw.
        std: f64,
    },
    /// N(mean, std²) conditioned on [a, b] (absolute bounds; std is the parent's, as in PyTorch).
    #[doc(alias = "trunc_normal_")]
    #[doc(alias = "truncated_normal")]
    TruncatedNormal {
        /// Mean of the parent normal.
        mean: f64,
        /// Standard deviation of the parent normal.
        std: f64,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
    /// The variance-scaling core.
    VarianceScaling(VarianceScaling),
    /// Glorot uniform.
    XavierUniform {
        /// Gain g.
        gain: Gain,
    },
    /// Glorot normal.
    XavierNormal {
        /// Gain g.
        gain: Gain,
    },
    /// He uniform.
    KaimingUniform {
        /// Fan to divide by (PyTorch: fan_in or fan_out).
        mode: FanMode,
        /// Gain g (PyTorch's default: leaky ReLU with slope 0, i.e. √2).
        gain: Gain,
    },
    /// He normal.
    KaimingNormal {
        /// Fan to divide by.
        mode: FanMode,
        /// Gain g.
        gain: Gain,
    },
    /// LeCun uniform.
    #[doc(alias = "lecun_uniform")]
    LecunUniform,
    /// LeCun normal (untruncated).
    #[doc(alias = "lecun_normal")]
    LecunNormal,
    /// PyTorch's default for `Linear`/`Conv` weights and biases: U(±1/√fan_in).
    #[doc(alias = "reset_parameters")]
    PytorchDefault,
    /// U(±1/√fan_out): PyTorch's default where its bound is the output side. `RNNBase` draws
    /// every weight and bias from U(±1/√hidden), and hidden is the fan-out of each of Burn's gate
    /// `Linear`s; `_ConvTransposeNd` applies kaiming_uniform(a = √5) to its `[c_in, c_out/g, k…]`
    /// weight, whose PyTorch "fan-in" (c_out/g)·∏k is the true fan-out.
    PytorchFanOut,
    /// Haar-orthogonal, flattened to `[shape[0], rest]`.
    Orthogonal {
        /// Gain g.
        gain: Gain,
    },
    /// Orthogonal centre tap of a conv kernel `[c_out, c_in/groups, k…]`, one orthogonal block
    /// per group (odd k, c_out/groups ≥ c_in/groups).
    #[doc(alias = "delta_orthogonal")]
    DeltaOrthogonal {
        /// Gain g.
        gain: Gain,
        /// Number of groups (the convolution's; 1 for an ordinary one).
        groups: usize,
    },
    /// g·I for a 2-D tensor.
    #[doc(alias = "eye_")]
    Eye {
        /// Gain g.
        gain: Gain,
    },
    /// Identity convolution, per group.
    #[doc(alias = "dirac_")]
    Dirac {
        /// Number of groups.
        groups: usize,
    },
    /// N(0, std²) with ⌈sparsity·rows⌉ zeros in each column of a 2-D tensor, as PyTorch's
    /// `sparse_`. The axis follows the layout: on Burn's `Linear` weight `[d_in, d_out]` a column
    /// is an output unit, so each unit has ⌈sparsity·d_in⌉ of its d_in incoming weights set to 0
    /// (Martens 2010's sparse init counts incoming connections); PyTorch's `sparse_` on its
    /// `[out, in]` weight zeros within each input's column, i.e. outgoing weights. For
    /// PyTorch's exact pattern draw `[d_out, d_in]` and transpose. The zero count is also
    /// computed without PyTorch's float slip (`ceil(0.07·100)` is 8 there, 7 here).
    #[doc(alias = "sparse_")]
    Sparse {
        /// Fraction of zeros per column, in [0, 1).
        sparsity: f64,
        /// Standard deviation of the non-zero entries.
        std: f64,
    },
}

impl Scheme {
    /// Glorot uniform with gain `gain` (a value or a nonlinearity).
    #[doc(alias = "xavier_uniform_")]
    #[doc(alias = "glorot_uniform")]
    pub fn xavier_uniform(gain: impl Into<Gain>) -> Self {
        Self::XavierUniform { gain: gain.into() }
    }
    /// Glorot normal with gain `gain`.
    #[doc(alias = "xavier_normal_")]
    #[doc(alias = "glorot_normal")]
    pub fn xavier_normal(gain: impl Into<Gain>) -> Self {
        Self::XavierNormal { gain: gain.into() }
    }
    /// He uniform over the fan chosen by `mode`.
    #[doc(alias = "kaiming_uniform_")]
    #[doc(alias = "he_uniform")]
    pub fn kaiming_uniform(mode: FanMode, gain: impl Into<Gain>) -> Self {
        Self::KaimingUniform {
            mode,
            gain: gain.into(),
        }
    }
    /// He normal over the fan chosen by `mode`.
    #[doc(alias = "kaiming_normal_")]
    #[doc(alias = "he_normal")]
    pub fn kaiming_normal(mode: FanMode, gain: impl Into<Gain>) -> Self {
        Self::KaimingNormal {
            mode,
            gain: gain.into(),
        }
    }
    /// Haar-orthogonal with gain `gain`.
    #[doc(alias = "orthogonal_")]
    pub fn orthogonal(gain: impl Into<Gain>) -> Self {
        Self::Orthogonal { gain: gain.into() }
    }
    /// PyTorch's `trunc_normal_(mean, std, a, b)`.
    #[doc(alias = "trunc_normal_")]
    #[doc(alias = "truncated_normal")]
    pub fn trunc_normal(mean: f64, std: f64, a: f64, b: f64) -> Self {
        Self::TruncatedNormal { mean, std, a, b }
    }

    /// The scheme's name in PyTorch's spelling, for messages.
    pub fn name(&self) -> &'static str {
        self.class().0
    }

    /// The variance-scaling core this scheme specialises, or `None` for schemes that are not
    /// variance scaling: σ² = g²·scale / n(mode), one line per named scheme in the classification (`Scheme::class`).
    pub fn variance_scaling(&self) -> error::Result<Option<VarianceScaling>> {
        match self.class().1 {
            Class::Scaled(scaled) => scaled.core().map(Some),
            _ => Ok(None),
        }
    }

    /// Whether sampling needs the layer's fans (true for the variance-scaling family).
    pub fn needs_fan(&self) -> bool {
        matches!(self.class().1, Class::Scaled(_))
    }

    /// Whether the values are defined by the whole tensor (orthogonal, delta-orthogonal, eye,
    /// Dirac, sparse): a shard of them costs the whole draw. Every other scheme fills any range
    /// of a tensor independently ([`Scheme::fill_host`]).
    pub fn is_whole(&self) -> bool {
        matches!(self.class().1, Class::Structured(_))
    }

    /// What each variant is: its name and its class. This match is the one place that knows
    /// every variant (no `_` arm: a new variant does not compile until it is classified here);
    /// [`Scheme::prepare`] turns a class into a validated law, and every moment, bound and draw
    /// reads that. The other exhaustive match is [`Scheme::with_gain`].
    pub(crate) fn class(&self) -> (&'static str, Class) {
        use Distribution::{Normal as N, Uniform as U};
        use FanMode::{FanAvg, FanIn, FanOut};
        // kaiming_uniform(a = √5): gain² = 2/(1 + 5) = 1/3, bound √3·√(1/3)/√n = 1/√n.
        const KAIMING_A_SQRT5: f64 = 1.0 / 3.0;
        let scaled = |gain: Option<&Gain>, scale, mode, distribution| {
            Class::Scaled(Scaled {
                gain: gain.cloned(),
                scale,
                mode,
                distribution,
            })
        };
        let structured = Class::Structured;
        match self {
            Self::Constant { value } => ("constant", Class::Constant(*value)),
            Self::Zeros => ("zeros", Class::Constant(0.0)),
            Self::Ones => ("ones", Class::Constant(1.0)),
            Self::Uniform { low, high } => ("uniform", Class::Uniform(*low, *high)),
            Self::Normal { mean, std } => ("normal", Class::Normal(*mean, *std)),
            Self::TruncatedNormal { mean, std, a, b } => {
                ("trunc_normal", Class::TruncatedNormal(*mean, *std, *a, *b))
            }
            Self::VarianceScaling(core) => (
                "variance_scaling",
                scaled(None, core.scale, core.mode, core.distribution),
            ),
            Self::XavierUniform { gain } => ("xavier_uniform", scaled(Some(gain), 1.0, FanAvg, U)),
            Self::XavierNormal { gain } => ("xavier_normal", scaled(Some(gain), 1.0, FanAvg, N)),
            Self::KaimingUniform { mode, gain } => {
                ("kaiming_uniform", scaled(Some(gain), 1.0, *mode, U))
            }
            Self::KaimingNormal { mode, gain } => {
                ("kaiming_normal", scaled(Some(gain), 1.0, *mode, N))
            }
            Self::LecunUniform => ("lecun_uniform", scaled(None, 1.0, FanIn, U)),
            Self::LecunNormal => ("lecun_normal", scaled(None, 1.0, FanIn, N)),
            Self::PytorchDefault => ("pytorch_default", scaled(None, KAIMING_A_SQRT5, FanIn, U)),
            Self::PytorchFanOut => ("pytorch_fan_out", scaled(None, KAIMING_A_SQRT5, FanOut, U)),
            Self::Orthogonal { gain } => (
                "orthogonal",
                structured(Structured::Orthogonal { gain: gain.clone() }),
            ),
            Self::DeltaOrthogonal { gain, groups } => (
                "delta_orthogonal",
                structured(Structured::DeltaOrthogonal {
                    gain: gain.clone(),
                    groups: *groups,
                }),
            ),
            Self::Eye { gain } => ("eye", structured(Structured::Eye { gain: gain.clone() })),
            Self::Dirac { groups } => ("dirac", structured(Structured::Dirac { groups: *groups })),
            Self::Sparse { sparsity, std } => (
                "sparse",
                structured(Structured::Sparse {
                    sparsity: *sparsity,
                    std: *std,
                }),
            ),
        }
    }

    /// The scheme with its gain replaced, for the schemes that have one ([`PolicyError::NoGain`]
    /// otherwise).
    pub(crate) fn with_gain(&self, gain: Gain) -> error::Result<Scheme> {
        Ok(match self {
            Self::XavierUniform { .. } => Self::XavierUniform { gain },
            Self::XavierNormal { .. } => Self::XavierNormal { gain },
            Self::KaimingUniform { mode, .. } => Self::KaimingUniform { mode: *mode, gain },
            Self::KaimingNormal { mode, .. } => Self::KaimingNormal { mode: *mode, gain },
            Self::Orthogonal { .. } => Self::Orthogonal { gain },
            Self::DeltaOrthogonal { groups, .. } => Self::DeltaOrthogonal {
                gain,
                groups: *groups,
            },
            Self::Eye { .. } => Self::Eye { gain },
            Self::Constant { .. }
            | Self::Zeros
            | Self::Ones
            | Self::Uniform { .. }
            | Self::Normal { .. }
            | Self::TruncatedNormal { .. }
            | Self::VarianceScaling(_)
            | Self::LecunUniform
            | Self::LecunNormal
            | Self::PytorchDefault
            | Self::PytorchFanOut
            | Self::Dirac { .. }
            | Self::Sparse { .. } => {
                return Err(InitError::Policy(PolicyError::NoGain {
                    scheme: self.name(),
                }));
            }
        })
    }
}

/// What a scheme is, independent of any shape: a constant, a keyed distribution with fixed
/// parameters, the variance-scaling core, or a structured matrix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Class {
    /// Every entry is the value.
    Constant(f64),
    /// U(low, high).
    Uniform(f64, f64),
    /// N(mean, std²).
    Normal(f64, f64),
    /// N(mean, std²) conditioned on [a, b].
    TruncatedNormal(f64, f64, f64, f64),
    /// σ² = g²·scale / n(mode).
    Scaled(Scaled),
    /// Orthogonal, delta-orthogonal, eye, Dirac, sparse.
    Structured(Structured),
}

/// A variance-scaling scheme before its gain is evaluated: σ² = g²·scale / n(mode), g = 1
/// without a gain.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scaled {
    gain: Option<Gain>,
    scale: f64,
    mode: FanMode,
    distribution: Distribution,
}

impl Scaled {
    /// The core with the gain folded into its scale.
    pub(crate) fn core(&self) -> error::Result<VarianceScaling> {
        let scale = match &self.gain {
            Some(gain) => gain.value()?.powi(2) * self.scale,
            None => self.scale,
        };
        Ok(VarianceScaling {
            scale,
            mode: self.mode,
            distribution: self.distribution,
        })
    }
}
