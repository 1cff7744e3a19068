//! The catalogue: every named scheme, as one serialisable enum.
//!
//! Data flows one way — scheme (config) → fans → variance → sampler → tensor → `Param`:
//! [`Scheme::variance_scaling`] turns each named scheme into the variance-scaling core,
//! [`VarianceScaling::distribution_for`] turns fans into a distribution, and the keyed sampler
//! fills the tensor on the host, which is then uploaded to any Burn device.

use burn::config::Config;
use burn::module::Param;
use burn::tensor::{Device, Shape, Tensor, TensorData};

use crate::error::{self, InitError};
use crate::fan::{Fan, FanMode};
use crate::gain::Gain;
use crate::sampling::{Key, KeyedDistribution, Normal, TruncatedNormal, Uniform};
use crate::structured;
use crate::variance::{Distribution, VarianceScaling};

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
/// | `Orthogonal` | g·Q, Q Haar-orthogonal | Saxe et al. 2014 |
/// | `DeltaOrthogonal` | g·Q at the kernel centre, 0 elsewhere | Xiao et al. 2018 |
/// | `Eye` | g·I | PyTorch `eye_` |
/// | `Dirac` | identity convolution per group | PyTorch `dirac_` |
/// | `Sparse` | N(0, std²) with ⌈sparsity·rows⌉ zeros per column | Martens 2010 |
#[derive(Config, Debug, PartialEq)]
pub enum Scheme {
    /// Every weight equals `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Every weight is 0.
    Zeros,
    /// Every weight is 1.
    Ones,
    /// U(low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// N(mean, std²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation of the draw.
        std: f64,
    },
    /// N(mean, std²) conditioned on [a, b] (absolute bounds; std is the parent's, as in PyTorch).
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
    LecunUniform,
    /// LeCun normal (untruncated).
    LecunNormal,
    /// PyTorch's default for `Linear`/`Conv` weights and biases: U(±1/√fan_in).
    PytorchDefault,
    /// Haar-orthogonal, flattened to `[shape[0], rest]`.
    Orthogonal {
        /// Gain g.
        gain: Gain,
    },
    /// Orthogonal centre tap of a conv kernel `[c_out, c_in, k…]` (odd k, c_out ≥ c_in).
    DeltaOrthogonal {
        /// Gain g.
        gain: Gain,
    },
    /// g·I for a 2-D tensor.
    Eye {
        /// Gain g.
        gain: Gain,
    },
    /// Identity convolution, per group.
    Dirac {
        /// Number of groups.
        groups: usize,
    },
    /// N(0, std²) with ⌈sparsity·rows⌉ zeros in each column of a 2-D tensor.
    Sparse {
        /// Fraction of zeros per column, in [0, 1).
        sparsity: f64,
        /// Standard deviation of the non-zero entries.
        std: f64,
    },
}

impl Scheme {
    /// Glorot uniform with gain `gain` (a value or a nonlinearity).
    pub fn xavier_uniform(gain: impl Into<Gain>) -> Self {
        Self::XavierUniform { gain: gain.into() }
    }
    /// Glorot normal with gain `gain`.
    pub fn xavier_normal(gain: impl Into<Gain>) -> Self {
        Self::XavierNormal { gain: gain.into() }
    }
    /// He uniform over the fan chosen by `mode`.
    pub fn kaiming_uniform(mode: FanMode, gain: impl Into<Gain>) -> Self {
        Self::KaimingUniform {
            mode,
            gain: gain.into(),
        }
    }
    /// He normal over the fan chosen by `mode`.
    pub fn kaiming_normal(mode: FanMode, gain: impl Into<Gain>) -> Self {
        Self::KaimingNormal {
            mode,
            gain: gain.into(),
        }
    }
    /// Haar-orthogonal with gain `gain`.
    pub fn orthogonal(gain: impl Into<Gain>) -> Self {
        Self::Orthogonal { gain: gain.into() }
    }
    /// PyTorch's `trunc_normal_(mean, std, a, b)`.
    pub fn trunc_normal(mean: f64, std: f64, a: f64, b: f64) -> Self {
        Self::TruncatedNormal { mean, std, a, b }
    }

    /// The scheme's name in PyTorch's spelling, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Constant { .. } => "constant",
            Self::Zeros => "zeros",
            Self::Ones => "ones",
            Self::Uniform { .. } => "uniform",
            Self::Normal { .. } => "normal",
            Self::TruncatedNormal { .. } => "trunc_normal",
            Self::VarianceScaling(_) => "variance_scaling",
            Self::XavierUniform { .. } => "xavier_uniform",
            Self::XavierNormal { .. } => "xavier_normal",
            Self::KaimingUniform { .. } => "kaiming_uniform",
            Self::KaimingNormal { .. } => "kaiming_normal",
            Self::LecunUniform => "lecun_uniform",
            Self::LecunNormal => "lecun_normal",
            Self::PytorchDefault => "pytorch_default",
            Self::Orthogonal { .. } => "orthogonal",
            Self::DeltaOrthogonal { .. } => "delta_orthogonal",
            Self::Eye { .. } => "eye",
            Self::Dirac { .. } => "dirac",
            Self::Sparse { .. } => "sparse",
        }
    }

    /// The variance-scaling core this scheme specialises, or `None` for schemes that are not
    /// variance scaling. Each named scheme is one line here: σ² = scale / n(mode).
    pub fn variance_scaling(&self) -> error::Result<Option<VarianceScaling>> {
        use Distribution::{Normal as N, Uniform as U};
        use FanMode::{FanAvg, FanIn};
        let core = |scale: f64, mode, distribution| {
            Some(VarianceScaling {
                scale,
                mode,
                distribution,
            })
        };
        Ok(match self {
            Self::VarianceScaling(core) => Some(core.clone()),
            Self::XavierUniform { gain } => core(gain.value()?.powi(2), FanAvg, U),
            Self::XavierNormal { gain } => core(gain.value()?.powi(2), FanAvg, N),
            Self::KaimingUniform { mode, gain } => core(gain.value()?.powi(2), *mode, U),
            Self::KaimingNormal { mode, gain } => core(gain.value()?.powi(2), *mode, N),
            Self::LecunUniform => core(1.0, FanIn, U),
            Self::LecunNormal => core(1.0, FanIn, N),
            // kaiming_uniform(a = √5): gain² = 2/(1 + 5) = 1/3, bound √3·√(1/3)/√n = 1/√n.
            Self::PytorchDefault => core(1.0 / 3.0, FanIn, U),
            _ => None,
        })
    }

    /// Whether sampling needs the layer's fans (true for the variance-scaling family).
    pub fn needs_fan(&self) -> bool {
        !matches!(
            self,
            Self::Constant { .. }
                | Self::Zeros
                | Self::Ones
                | Self::Uniform { .. }
                | Self::Normal { .. }
                | Self::TruncatedNormal { .. }
                | Self::Orthogonal { .. }
                | Self::DeltaOrthogonal { .. }
                | Self::Eye { .. }
                | Self::Dirac { .. }
                | Self::Sparse { .. }
        )
    }

    /// The constant every weight gets, for the constant schemes.
    fn constant(&self) -> error::Result<Option<f64>> {
        Ok(match self {
            Self::Constant { value } => Some(error::representable("value", *value)?),
            Self::Zeros => Some(0.0),
            Self::Ones => Some(1.0),
            _ => None,
        })
    }

    /// The row-major values of a tensor of `shape`, drawn with `key`. This is the one sampling
    /// path; [`Scheme::sample`] uploads its result. Every argument is validated first.
    pub fn sample_host(
        &self,
        shape: &[usize],
        fan: Option<&Fan>,
        key: &Key,
    ) -> error::Result<Vec<f32>> {
        let len = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| InitError::TooLarge {
                shape: shape.to_vec(),
            })?;
        if let Some(value) = self.constant()? {
            return Ok(vec![value as f32; len]);
        }
        let draw = |distribution: &dyn KeyedDistribution| distribution.sample(key, len);
        match self {
            Self::Uniform { low, high } => Ok(draw(&Uniform::new(*low, *high)?)),
            Self::Normal { mean, std } => Ok(draw(&Normal::new(*mean, *std)?)),
            Self::TruncatedNormal { mean, std, a, b } => {
                Ok(draw(&TruncatedNormal::new(*mean, *std, *a, *b)?))
            }
            Self::Orthogonal { gain } => structured::orthogonal(shape, gain.value()?, key),
            Self::DeltaOrthogonal { gain } => {
                structured::delta_orthogonal(shape, gain.value()?, key)
            }
            Self::Eye { gain } => structured::eye(shape, gain.value()?),
            Self::Dirac { groups } => structured::dirac(shape, *groups),
            Self::Sparse { sparsity, std } => structured::sparse(shape, *sparsity, *std, key),
            _ => {
                let core = self
                    .variance_scaling()?
                    .expect("every other scheme is variance scaling");
                let fan = fan.ok_or(InitError::MissingFan {
                    scheme: self.name(),
                })?;
                Ok(match core.distribution_for(fan)? {
                    Some(distribution) => draw(distribution.as_ref()),
                    None => vec![0.0; len],
                })
            }
        }
    }

    /// A tensor of `shape` on `device`, drawn with `key`. `fan` is required by the
    /// variance-scaling family and ignored by the others.
    pub fn sample<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<&Fan>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        let dims = check_rank::<D>(self.name(), &shape)?;
        if let Some(value) = self.constant()? {
            return Ok(Tensor::full(shape, value, device));
        }
        let values = self.sample_host(&dims, fan, &key.into())?;
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// A trainable Burn parameter (eagerly initialised), for schemes that need no fans.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use burn_init::{Key, Scheme};
    /// let device = Device::default();
    /// let w = Scheme::orthogonal(1.0).init::<2>([64, 64], Key::new(7), &device).unwrap();
    /// assert_eq!(w.dims(), [64, 64]);
    /// ```
    pub fn init<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Param<Tensor<D>>> {
        Ok(Param::from_tensor(self.sample(shape, None, key, device)?))
    }

    /// A trainable Burn parameter with the layer's fans.
    ///
    /// ```
    /// use burn::nn::{Linear, LinearConfig};
    /// use burn::tensor::Device;
    /// use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
    /// let device = Device::default();
    /// let mut layer: Linear = LinearConfig::new(784, 256).init(&device);
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// layer.weight = he.init_with([784, 256], Fan::linear(784, 256), Key::new(0), &device).unwrap();
    /// ```
    pub fn init_with<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Fan,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Param<Tensor<D>>> {
        Ok(Param::from_tensor(self.sample(
            shape,
            Some(&fan),
            key,
            device,
        )?))
    }
}

fn check_rank<const D: usize>(scheme: &'static str, shape: &Shape) -> error::Result<Vec<usize>> {
    let dims = shape.as_slice().to_vec();
    if dims.len() != D {
        let expected = ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
            .get(D)
            .copied()
            .unwrap_or("D (the tensor's rank)");
        return Err(InitError::Rank {
            scheme,
            expected,
            shape: dims,
        });
    }
    Ok(dims)
}
