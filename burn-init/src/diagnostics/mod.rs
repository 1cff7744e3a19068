//! Diagnostics of signal propagation at initialisation.
//!
//! * [`Diagnosis`] — a [`Report`] on any Burn `Module` given a batch and a loss: per parameter
//!   (path, layer, shape, fans, target and drawn std, gradient RMS, gradient/weight ratio,
//!   symmetric units) and per recorded activation (mean, variance, dead fraction, the theory's
//!   predicted variance beside the measured one, gradient statistics, FP16/BF16 headroom, INT8
//!   scale), with flags derived from standard errors;
//! * [`probe`] — the recorder a module's `forward` writes named activations into (Burn has no
//!   forward hooks), free when off;
//! * [`headroom`] — FP16/BF16 overflow and subnormal fractions, measured and predicted, and the
//!   INT8 scale for a clipping probability;
//! * [`symmetry`] — units that are exact copies (the zero-initialisation failure);
//! * [`spectra`] — per-layer Jacobian spectral norms by power iteration and the empirical
//!   neural tangent kernel of a small model;
//! * measurements on tensors the caller holds: [`Moments`], [`VarianceRatio`],
//!   [`phase_variances`], [`spectral_radius`], [`Sharpness`].
//!
//! A user module records its layers in two lines:
//!
//! ```
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Tensor, activation::relu};
//! use burn_init::diagnostics::{probe, Diagnosis};
//!
//! #[derive(burn::module::Module, Debug)]
//! struct Net { fc1: Linear, fc2: Linear }
//!
//! impl Net {
//!     fn forward(&self, x: Tensor<2>) -> Tensor<2> {
//!         let h = probe::record("fc1", self.fc1.forward(x)); // ← one line per layer
//!         probe::record("fc2", self.fc2.forward(relu(h)))
//!     }
//! }
//!
//! let device = Device::default().autodiff(); // autodiff: gradients too
//! let net = Net { fc1: LinearConfig::new(8, 16).init(&device), fc2: LinearConfig::new(16, 4).init(&device) };
//! let x = Tensor::<2>::ones([32, 8], &device);
//! let report = Diagnosis::new().run(&net, x, |net, x| net.forward(x).powi_scalar(2).mean()).unwrap();
//! assert_eq!(report.activations.len(), 2);
//! assert!(report.parameter("fc1.weight").unwrap().gradient.is_some());
//! println!("{report}");
//! ```
//!
//! Every statistic is computed on the host in f64 ([`stats`]).

pub mod batch;
mod expected;
mod flags;
pub mod headroom;
pub mod health;
mod measures;
pub mod probe;
mod render;
mod report;
mod rows;
pub mod spectra;
pub mod stats;
pub mod symmetry;
mod trace;

pub use batch::{BatchStats, SoftmaxStats};
pub use flags::{Flag, Tolerance};
pub use headroom::{Headroom, int8_scale};
pub use health::{Check, Finding, Fix, Health, Optimizer, Severity, Verdict};
pub use measures::{
    Moments, Sharpness, VarianceRatio, host_values, phase_spread, phase_variances, spectral_radius,
};
pub use probe::{Expected, Probe, Record, Trace};
pub use report::{Diagnosis, Report};
pub use rows::{ActivationRow, ParameterRow};
pub use stats::TensorStats;
pub use symmetry::{identical_nonzero_units, identical_units};
