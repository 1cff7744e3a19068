#![warn(missing_docs)]
//! # burn-init
//!
//! Initializers for [Burn](https://burn.dev) 0.22, written once over `burn::Device`: one code
//! path for ndarray and flex on the CPU and wgpu on GPUs, with explicit keys so that the same key
//! gives the same weights on every device.
//!
//! * [`gain`] — PyTorch's gain table and the second-moment gain 1/√E[φ(z)²] for any activation.
//! * [`fan`] — fans for every Burn weight layout, with PyTorch-compatible and corrected modes.
//! * [`VarianceScaling`] — the core σ² = scale/n; every named scheme specialises it.
//! * [`Scheme`] — the catalogue: Xavier, Kaiming, LeCun, PyTorch's default, truncated normal,
//!   orthogonal, delta-orthogonal, eye, Dirac, sparse, constants. [`Scheme::prepare`] checks a
//!   scheme against one tensor once; the [`Prepared`] draw then cannot fail but for memory.
//! * [`sampling`] — keyed, parallel, reproducible sampling.
//! * [`composition`] — factors for sums, residuals, concatenation, dropout, sparse masks, weight
//!   normalisation, transposed-conv phases and attention, derived from fans and branch counts.
//! * [`diagnostics`] — variance ratios with standard errors, phase maps, spectral radius,
//!   attention sharpness, measured on the host.
//! * [`lsuv`] — data-dependent initialisation (LSUV), built on a policy and the probe.
//! * [`policy`] — initialise any Burn model with ordered rules and presets, never running Burn's
//!   own initializer (eagerly, or lazily on first use); a manifest records what every parameter
//!   received. [`policy::InitWith`] initialises at construction: `LinearConfig::new(784,
//!   256).init_with(&scheme, key, &device)`, fans read from the config.
//!
//! ## One convention for arguments, one story for names
//!
//! * **Keys.** Every function that draws takes `key: impl Into<Key>` — a [`Key`], a `&Key` or a
//!   `u64` seed — and a model's parameters take `key.for_path("fc1.weight")`. The one exception
//!   is the object-safe [`KeyedDistribution`] trait, whose methods take `&Key`.
//! * **Fans.** By value, as Burn passes shapes: [`Fan`] where a function needs the fans,
//!   `Option<Fan>` where only the variance-scaling schemes need them (`None` for the others).
//! * **Three `Normal`s** (and three `Uniform`s and `TruncatedNormal`s), one per step of the data
//!   flow config → fans → variance → sampler: [`Scheme::Normal`] is *what* to draw, N(mean, std²)
//!   with the std you give; [`Distribution::Normal`] is the *family* a [`VarianceScaling`] scheme
//!   draws from, its σ set by the fans; [`sampling::Normal`] is *how* both are drawn, the keyed
//!   generator they end in.
//! * **PyTorch's and JAX's names** find ours in the docs' search (`#[doc(alias)]`):
//!   `kaiming_normal_` and `he_normal` find [`Scheme::kaiming_normal`], `glorot_uniform` finds
//!   [`Scheme::xavier_uniform`], `variance_scaling` finds [`VarianceScaling`],
//!   `_calculate_fan_in_and_fan_out` finds [`Fan::pytorch`], `PRNGKey` finds [`Key::new`].
//!
//! ## The user's path: your Burn model, initialised, then asked whether it will train
//!
//! ```
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::activation::relu;
//! use burn::tensor::{Device, Tensor};
//! use burn_init::diagnostics::{Diagnosis, Verdict, probe};
//! use burn_init::policy::{InitWith, Policy};
//! use burn_init::{InitError, Key, Nonlinearity, Scheme};
//!
//! #[derive(Module, Debug)]
//! struct Net { fc1: Linear, fc2: Linear } // plain burn::nn layers, nothing declared
//!
//! fn main() -> Result<(), InitError> {
//!     let device = Device::default().autodiff(); // the diagnosis measures gradients
//!     let net = || Net {
//!         fc1: LinearConfig::new(64, 128).init(&device),
//!         fc2: LinearConfig::new(128, 10).init(&device),
//!     };
//!     // 1. Re-initialise a whole model with one policy: He on every weight, zero biases; each
//!     //    parameter drawn from key.for_path(its path), the same bits on every device. The
//!     //    manifest says what every parameter received (fans, scheme, target and drawn σ).
//!     let (model, manifest) = Policy::he(Nonlinearity::Relu).apply(net(), Key::new(0))
//!         .map_err(|refused| refused.error)?;
//!     assert_eq!(manifest.get("fc1.weight").unwrap().fan.unwrap().fan_in, 64.0);
//!
//!     // 2. Or one layer from its config, fans read from the config (its weight is drawn from
//!     //    key.for_path("weight"), its bias from key.for_path("bias")).
//!     let he = Scheme::kaiming_normal(burn_init::FanMode::FanIn, Nonlinearity::Relu);
//!     let fc1 = LinearConfig::new(64, 128).init_with(&he, Key::new(0).for_path("fc1"), &device)?;
//!     assert_eq!(fc1.weight.dims(), [64, 128]);
//!
//!     // 3. Lazily: nothing is drawn until first use, so loading a checkpoint samples nothing.
//!     let (lazy, _) = Policy::he(Nonlinearity::Relu).apply_lazy(net(), Key::new(0))
//!         .map_err(|refused| refused.error)?;
//!     assert!(!lazy.fc1.weight.is_initialized());
//!     let lazy = lazy.load_record(model.clone().into_record());
//!     assert_eq!(lazy.fc2.weight.val().into_data(), model.fc2.weight.val().into_data());
//!
//!     // 4. Will it train? Record each layer's output; the diagnosis needs no prediction.
//!     let x: Tensor<2> = Scheme::Normal { mean: 0.0, std: 1.0 }
//!         .sample([256, 64], None, Key::new(1), &device)?;
//!     let report = Diagnosis::new().run(&model, x, |m, x| {
//!         let h = probe::record("fc1", m.fc1.forward(x));
//!         probe::record("fc2", m.fc2.forward(relu(h))).powi_scalar(2).mean()
//!     })?;
//!     assert_eq!(report.health.verdict, Verdict::Trains, "{}", report.health.summary());
//!     Ok(())
//! }
//! ```
//!
//! The low-level path, one tensor from a scheme and its fans:
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
//!
//! let device = Device::default();
//! // He-normal weights for a Burn Linear 512 → 256 (stored [d_in, d_out]).
//! let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
//! let w: Tensor<2> = he.sample([512, 256], Some(Fan::linear(512, 256)), Key::new(0), &device).unwrap();
//! assert_eq!(w.dims(), [512, 256]);
//! ```

pub mod composition;
pub mod devices;
pub mod diagnostics;
pub mod error;
pub mod fan;
pub mod fingerprint;
pub mod gain;
mod interop;
pub mod lsuv;
pub mod policy;
pub mod sampling;
mod scheme;
mod structured;
mod variance;

pub use error::{InitError, Result};
pub use fan::{ConvFan, Fan, FanMode, TransposedFan};
pub use gain::{Gain, Nonlinearity, calculate_gain};
pub use lsuv::{Lsuv, LsuvLayer};
pub use sampling::{Key, KeyedDistribution};
pub use scheme::{Prepared, Scheme};
pub use variance::{Distribution, VarianceScaling};
