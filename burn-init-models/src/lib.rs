//! # burn-init-models
//!
//! Burn modules that show initialisation theory at work. Each is an ordinary, trainable Burn
//! `Module` with a `Config`; its initialisation and its composition factor come from burn-init
//! (fans, branch counts, [`burn_init::composition`]), never from typed-in constants, and its
//! tests measure the variance it produces at initialisation against burn-init's prediction.

pub use burn_init;

pub mod autoencoder;
pub mod mlp;
pub mod residual;
pub mod weight_norm;

pub use autoencoder::{DeepAutoencoder, DeepAutoencoderConfig};
pub use mlp::{DeepMlp, DeepMlpConfig};
pub use residual::{
    ResidualBlock, ResidualBlockConfig, ResidualScaling, ResidualStack, ResidualStackConfig,
};
pub use weight_norm::{WeightNormLinear, WeightNormLinearConfig};
