//! # burn-init-models
//!
//! Burn modules that show initialisation theory at work. Each is an ordinary, trainable Burn
//! `Module` with a `Config`; its initialisation and its composition factor come from burn-init
//! (fans, branch counts, [`burn_init::composition`]), never from typed-in constants, and its
//! tests measure the variance it produces at initialisation against burn-init's prediction.
//! Every config initialises the same way ([`Blueprint`]): blank layers, one policy, a manifest.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use burn_init::{Key, Scheme};
//! use burn_init_models::{Blueprint, ResidualBlockConfig, ResidualScaling, ResidualStackConfig};
//!
//! let device = Device::default();
//! let x: Tensor<2> = Scheme::Normal { mean: 0.0, std: 1.0 }
//!     .sample([256, 64], None, Key::new(1), &device)
//!     .unwrap();
//! // The variance after 30 residual blocks: x + f(x) doubles it per block (2³⁰ ≈ 10⁹);
//! // (x + f(x))/√2 keeps it (claims §4).
//! let variance_after = |scaling| {
//!     let block = ResidualBlockConfig::new(64).with_scaling(scaling);
//!     let (stack, manifest) = ResidualStackConfig::new(block, 30)
//!         .init_with_manifest(Key::new(0), &device)
//!         .unwrap();
//!     assert!(manifest.get("blocks.29.fc2.weight").unwrap().target_std.is_some());
//!     stack.forward(x.clone()).powi_scalar(2).mean().into_scalar::<f32>()
//! };
//! let (scaled, unscaled) = (variance_after(ResidualScaling::Scaled), variance_after(ResidualScaling::Unscaled));
//! println!("E[y²] after 30 blocks: scaled {scaled:.2}, unscaled {unscaled:.2e}");
//! assert!(scaled < 10.0 && unscaled > 1e6, "{scaled} {unscaled}");
//! # device.sync().unwrap();
//! ```
//!
//! * [`mlp`] — `DeepMlp`, initialised by a policy for its activation.
//! * [`residual`] — y = α·(x + f(x)) with α = 1/√2, zero-γ, ReZero/SkipInit and Fixup.
//! * [`inception`] — N parallel conv branches summed × 1/√N.
//! * [`unet`] — a U-Net decoder step with the concat-corrected Glorot factor (√3/2).
//! * [`dense`] — a DenseNet block: BN → ReLU → He conv at any growing fan-in.
//! * [`separable`] — depthwise (fan k²) + pointwise (fan C_in).
//! * [`upsample`] — transposed-conv upsampling, naive or stride-aware with equalised phases.
//! * [`rnn`] — a simple RNN cell (Xavier or orthogonal recurrence) and Burn's LSTM under a policy.
//! * [`transformer`] — Pre-LN / Post-LN blocks with visible attention logits.
//! * [`graph_attention`] — graph attention with degree-aware logit scaling.
//! * [`weight_norm`] — weight-normalised linear, g = 1/√E[φ(z)²] (√2 for ReLU).
//! * [`autoencoder`] — a 20-layer ReLU autoencoder without normalisation.

pub use burn_init;

pub mod autoencoder;
pub mod blueprint;
pub mod dense;
pub mod graph_attention;
pub mod inception;
pub mod mlp;
pub mod residual;
pub mod rnn;
pub mod separable;
pub mod transformer;
pub mod unet;
pub mod upsample;
pub mod weight_norm;

pub use autoencoder::{DeepAutoencoder, DeepAutoencoderConfig};
pub use blueprint::Blueprint;
pub use dense::{DenseBlock, DenseBlockConfig, DenseLayer};
pub use graph_attention::{GraphAttention, GraphAttentionConfig, GraphAttentionOutput};
pub use inception::{BranchInit, InceptionSum, InceptionSumConfig};
pub use mlp::{DeepMlp, DeepMlpConfig};
pub use residual::{
    ResidualBlock, ResidualBlockConfig, ResidualScaling, ResidualStack, ResidualStackConfig,
};
pub use rnn::{RecurrentInit, SimpleRnnCell, SimpleRnnConfig};
pub use separable::{DepthwiseSeparable, DepthwiseSeparableConfig};
pub use transformer::{Norm, TransformerBlock, TransformerBlockConfig, TransformerStack};
pub use unet::{UnetUp, UnetUpConfig};
pub use upsample::{UpsampleInit, Upsampler, UpsamplerConfig};
pub use weight_norm::{WeightNormLinear, WeightNormLinearConfig};

/// The README's Rust examples, compiled and run as doctests (here, where burn, burn-init and
/// burn-init-models are all in scope) so that they cannot go stale; the same for every page of
/// `docs/` that shows code.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
#[cfg(doctest)]
#[doc = include_str!("../../docs/catalogue.md")]
struct CatalogueExamples;
#[cfg(doctest)]
#[doc = include_str!("../../docs/policies.md")]
struct PolicyExamples;
#[cfg(doctest)]
#[doc = include_str!("../../docs/models.md")]
struct ModelExamples;
#[cfg(doctest)]
#[doc = include_str!("../../docs/diagnostics.md")]
struct DiagnosticsExamples;
#[cfg(doctest)]
#[doc = include_str!("../../docs/replicas.md")]
struct ReplicaExamples;
