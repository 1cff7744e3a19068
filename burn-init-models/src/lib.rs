//! # burn-init-models
//!
//! Burn modules that show initialisation theory at work. Each is an ordinary, trainable Burn
//! `Module` with a `Config`; its initialisation and its composition factor come from burn-init
//! (fans, branch counts, [`burn_init::composition`]), never from typed-in constants, and its
//! tests measure the variance it produces at initialisation against burn-init's prediction.

pub use burn_init;

pub mod graph_attention;
pub mod rnn;
pub mod transformer;
pub mod dense;
pub mod inception;
pub mod separable;
pub mod unet;
pub mod upsample;

pub use dense::{DenseBlock, DenseBlockConfig, DenseLayer};
pub use inception::{BranchInit, InceptionSum, InceptionSumConfig};
pub use separable::{DepthwiseSeparable, DepthwiseSeparableConfig};
pub use unet::{UnetUp, UnetUpConfig};
pub use upsample::{UpsampleInit, Upsampler, UpsamplerConfig};
pub use graph_attention::{GraphAttention, GraphAttentionConfig, GraphAttentionOutput};
pub use rnn::{RecurrentInit, SimpleRnnCell, SimpleRnnConfig};
pub use transformer::{Norm, TransformerBlock, TransformerBlockConfig, TransformerStack};

/// The README's Rust examples, compiled and run as doctests (here, where
/// burn, burn-init and burn-init-models are all in scope) so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
