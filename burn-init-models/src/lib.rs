//! # burn-init-models
//!
//! Burn modules that show initialisation theory at work: residual, Inception-sum and concat
//! scaling, depthwise-separable blocks, transposed-conv upsampling, RNNs and transformer blocks,
//! each initialised by burn-init from its fans and branch counts.
//!
//! This crate is being built (see the project's issues); today it re-exports burn-init so that
//! users can depend on one crate.

pub use burn_init;
