//! A deep plain MLP (no normalisation) initialised through a [`Policy`].
//!
//! Claim (§2, He et al. 2015): with σ² = 2/n_in (Kaiming, fan-in, gain √2) every ReLU layer keeps
//! the pre-activation variance, Var zₗ = n·σ²·E[ReLU(zₗ₋₁)²] = Var zₗ₋₁, at any depth; Glorot
//! with gain 1 on square layers (σ² = 1/n) halves it per layer, 2^−(L−1) after L layers, and the
//! net stalls. [`DeepMlp::forward_trace`] returns every hidden pre-activation so that the claim
//! can be measured.

use crate::Blueprint;
use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Expected, probe};
use burn_init::error::ArgumentError;
use burn_init::policy::{Manifest, Policy};
use burn_init::{InitError, Key, Nonlinearity};

/// Configuration of a [`DeepMlp`]: `depth` hidden layers of `width` units, each followed by
/// `activation`, then a linear read-out to `d_output`.
#[derive(Config, Debug)]
pub struct DeepMlpConfig {
    /// Input features.
    pub d_input: usize,
    /// Units of every hidden layer.
    pub width: usize,
    /// Number of hidden layers (each Linear → activation).
    pub depth: usize,
    /// Output features (the read-out has no activation).
    pub d_output: usize,
    /// The hidden activation: [`Nonlinearity::Relu`], `LeakyRelu`, `Tanh`, `Sigmoid`, `Gelu`,
    /// `Silu` or `Linear`; any other is refused by [`DeepMlpConfig::init`].
    #[config(default = "Nonlinearity::Relu")]
    pub activation: Nonlinearity,
    /// The initialisation; `None` means [`Policy::he`] with the activation's gain (Kaiming
    /// normal, fan-in, zero biases).
    #[config(default = "None")]
    pub policy: Option<Policy>,
}

/// The activation a [`DeepMlp`] can run (the subset of [`Nonlinearity`] with a tensor form).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Activation {
    Relu,
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
    Gelu,
    Silu,
    Linear,
}

impl Activation {
    fn of(nonlinearity: &Nonlinearity) -> burn_init::Result<Self> {
        Ok(match nonlinearity {
            Nonlinearity::Relu => Self::Relu,
            Nonlinearity::LeakyRelu { negative_slope } => Self::LeakyRelu(*negative_slope),
            Nonlinearity::Tanh => Self::Tanh,
            Nonlinearity::Sigmoid => Self::Sigmoid,
            Nonlinearity::Gelu => Self::Gelu,
            Nonlinearity::Silu => Self::Silu,
            Nonlinearity::Linear => Self::Linear,
            other => {
                return Err(InitError::Argument(ArgumentError::Shape {
                    argument: "activation",
                    reason: format!(
                        "{other:?} has no tensor form in DeepMlp; expected Relu, LeakyRelu, Tanh, Sigmoid, Gelu, Silu or Linear"
                    ),
                }));
            }
        })
    }

    /// E[φ(z)²]/Var z for centred Gaussian z, when it does not depend on Var z, and the weight
    /// (1 − s²)/(1 + s²) of a unit's asymmetry in it (see [`Expected::Moment`]).
    fn homogeneous_second_moment(self) -> Option<(f64, f64)> {
        match self {
            Self::Relu => Some((0.5, 1.0)),
            Self::LeakyRelu(s) => Some(((1.0 + s * s) / 2.0, (1.0 - s * s) / (1.0 + s * s))),
            Self::Linear => Some((1.0, 0.0)),
            _ => None,
        }
    }

    fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Relu => activation::relu(x),
            Self::LeakyRelu(slope) => activation::leaky_relu(x, slope),
            Self::Tanh => activation::tanh(x),
            Self::Sigmoid => activation::sigmoid(x),
            Self::Gelu => activation::gelu(x),
            Self::Silu => activation::silu(x),
            Self::Linear => x,
        }
    }
}

/// A plain MLP: `depth` × (Linear → activation), then a Linear read-out. See the
/// [module documentation](self).
#[derive(Module, Debug)]
pub struct DeepMlp {
    /// The hidden layers, `layers.0` … `layers.{depth−1}`.
    pub layers: Vec<Linear>,
    /// The read-out.
    pub output: Linear,
    #[module(skip)]
    activation: Activation,
    /// (ratio, offset, rectified) of Var(record) = ratio·E[previous record²] + offset the theory
    /// predicts for `layers.0 … layers.{depth−1}`, `output`: ratio n_in·σ_w²·E[φ(z)²]/Var z,
    /// offset σ_b² from the manifest (target stds, true fan-in), rectified the weight of the
    /// rectifier's per-unit asymmetry in the standard error; `None` where φ is not positively
    /// homogeneous (the factor then depends on Var z) or a weight has no target.
    #[module(skip)]
    predicted: Vec<Option<(f64, f64, f64)>>,
}

/// A zero-initialised Burn `Linear` (with bias): the blank a [`Policy`] fills. Burn's global
/// RNG is never consumed, and Burn's lazy parameters never compute the zeros a policy replaces.
pub(crate) fn blank_linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::Zeros)
        .init(device)
}

pub(crate) fn positive_size(name: &'static str, value: usize) -> burn_init::Result<()> {
    if value == 0 {
        return Err(InitError::out_of_domain(name, 0_usize, "at least 1"));
    }
    Ok(())
}

impl DeepMlpConfig {
    /// Builds the layers and initialises every parameter with the policy, each drawn with
    /// `key.for_path(path)` (`layers.3.weight`, `output.bias`…); see [`Blueprint`].
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::Key;
    /// use burn_init_models::mlp::DeepMlpConfig;
    ///
    /// let device = Device::default();
    /// let mlp = DeepMlpConfig::new(16, 32, 4, 2).init(Key::new(0), &device).unwrap();
    /// let y = mlp.forward(Tensor::<2>::ones([8, 16], &device));
    /// assert_eq!(y.dims(), [8, 2]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<DeepMlp> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for DeepMlpConfig {
    type Model = DeepMlp;

    fn blank(&self, device: &Device) -> burn_init::Result<DeepMlp> {
        positive_size("d_input", self.d_input)?;
        positive_size("width", self.width)?;
        positive_size("depth", self.depth)?;
        positive_size("d_output", self.d_output)?;
        let activation = Activation::of(&self.activation)?;
        let layers = (0..self.depth)
            .map(|i| {
                let d_in = if i == 0 { self.d_input } else { self.width };
                blank_linear(d_in, self.width, device)
            })
            .collect();
        Ok(DeepMlp {
            layers,
            output: blank_linear(self.width, self.d_output, device),
            activation,
            predicted: Vec::new(),
        })
    }

    /// The config's `policy`, or He for its activation.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(self
            .policy
            .clone()
            .unwrap_or_else(|| Policy::he(self.activation.clone())))
    }

    /// Declares each layer's predicted variance from the manifest.
    fn finish(&self, model: DeepMlp, manifest: Manifest) -> burn_init::Result<(DeepMlp, Manifest)> {
        Ok((model.with_predictions(&manifest, ""), manifest))
    }
}

impl DeepMlp {
    /// Sets the variances the records declare from a manifest of this model's parameters —
    /// Var z_l = n_in·σ_w²·(E[φ(z)²]/E\[z²])·E[z_{l−1}²] + σ_b² (the mean-field recursion of
    /// Poole et al. 2016, in second moments: σ_w, σ_b the target stds, n_in the fan-in, and
    /// E\[x²] itself for the first layer) — where `prefix` precedes
    /// `layers.i.weight` in the manifest (`net.` when the model is a field `net`).
    /// [`DeepMlpConfig::init`] does this with its own manifest; call it after re-initialising
    /// the model with another policy. A layer without a target (kept, or a structured scheme
    /// without a std) declares nothing.
    pub fn with_predictions(mut self, manifest: &Manifest, prefix: &str) -> Self {
        let depth = self.layers.len();
        self.predicted = (0..=depth)
            .map(|i| {
                let layer = if i < depth {
                    format!("{prefix}layers.{i}")
                } else {
                    format!("{prefix}output")
                };
                let entry = manifest.get(&format!("{layer}.weight"))?;
                let (std, fan) = (entry.target_std?, entry.fan?);
                let (phi, rectified) = if i == 0 {
                    (1.0, 0.0)
                } else {
                    self.activation.homogeneous_second_moment()?
                };
                let bias = manifest
                    .get(&format!("{layer}.bias"))
                    .map_or(Some(0.0), |b| b.target_std)?;
                Some((fan.fan_in * std * std * phi, bias * bias, rectified))
            })
            .collect();
        self
    }

    /// `[batch, d_input]` → `[batch, d_output]`. Records (see [`probe`]) `input`, every
    /// pre-activation `layers.i` and `output`, each with the variance the theory predicts from
    /// the manifest (see [`DeepMlp::with_predictions`]).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = probe::record("input", x);
        for (i, layer) in self.layers.iter().enumerate() {
            let input = if i == 0 { h } else { self.activation.apply(h) };
            h = self.record(format_args!("layers.{i}"), i, layer.forward(input));
        }
        self.record(
            "output",
            self.layers.len(),
            self.output.forward(self.activation.apply(h)),
        )
    }

    fn record(&self, name: impl std::fmt::Display, i: usize, z: Tensor<2>) -> Tensor<2> {
        match self.predicted.get(i).copied().flatten() {
            Some((ratio, offset, rectified)) => {
                probe::record_expecting(name, z, || Expected::Moment {
                    of: if i == 0 {
                        "input".into()
                    } else {
                        format!("layers.{}", i - 1)
                    },
                    ratio,
                    offset,
                    rectified,
                })
            }
            None => probe::record(name, z),
        }
    }

    /// The output and every hidden layer's pre-activation zₗ (before the activation), in order.
    pub fn forward_trace(&self, x: Tensor<2>) -> (Tensor<2>, Vec<Tensor<2>>) {
        let mut trace = Vec::with_capacity(self.layers.len());
        let mut x = x;
        for layer in &self.layers {
            let z = layer.forward(x);
            trace.push(z.clone());
            x = self.activation.apply(z);
        }
        (self.output.forward(x), trace)
    }
}
