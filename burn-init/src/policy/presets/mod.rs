//! Presets: the policies of the literature, each a short list of rules.
//!
//! The whole-model presets' rules are optional (a model without, say, convolutions is fine) and
//! cover the weights of Burn's `Linear`, `Conv1d/2d/3d`, `ConvTranspose1d/2d/3d`, `DeformConv2d`
//! and `Embedding`, their biases, and the norm layers (γ = 1, β = 0; running statistics
//! untouched). The presets aimed at particular layers (`lstm_forget_bias`, [`DeepNorm`]'s
//! attention and feed-forward rules, [`Mup`]'s per-parameter rules) are required: a model without
//! those layers is an error, not a silent no-op. Combine presets with [`Policy::then`]: the first
//! rule that matches wins, so put the specific preset (zero-γ, ReZero gates…) before the general
//! one.

mod classic;
mod deepnorm;
mod mup;
mod pytorch;
mod recurrent;
mod residual;

pub use deepnorm::DeepNorm;
pub use mup::{Mup, MupClass, MupOptimizer, MupParameter, MupReadout};

use super::{Policy, Role, Rule};
use crate::error::{InitError, Result};
use crate::scheme::Scheme;

/// Layers with a weight matrix or kernel (Burn's type names).
const WEIGHTED: [&str; 9] = [
    "Linear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "DeformConv2d",
    "Embedding",
];

/// Burn's norm layers.
const NORMS: [&str; 5] = [
    "BatchNorm",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm",
    "RmsNorm",
];

pub(super) fn optional(scheme: Scheme) -> Rule {
    Rule::new(scheme).with_optional(true)
}

pub(super) fn on(layer: &str, role: Role, scheme: Scheme) -> Rule {
    optional(scheme)
        .with_layer(Some(layer.to_string()))
        .with_role(Some(role))
}

pub(super) fn at(path: &str, scheme: Scheme) -> Rule {
    optional(scheme).with_path(Some(path.to_string()))
}

impl Policy {
    /// `scheme` for every weight of the layers with weights except `Embedding` (which gets
    /// `embedding`), `bias` for their biases, γ = 1 and β = 0 for norms, PReLU's α = 0.25.
    pub(super) fn standard(scheme: Scheme, embedding: Scheme, bias: Scheme) -> Self {
        let mut policy = Policy::new();
        for layer in WEIGHTED {
            let weight = if layer == "Embedding" {
                embedding.clone()
            } else {
                scheme.clone()
            };
            policy = policy.rule(on(layer, Role::Weight, weight)).rule(on(
                layer,
                Role::Bias,
                bias.clone(),
            ));
        }
        policy.then(Self::norms())
    }

    /// γ = 1, β = 0 for every norm layer, PReLU's α = 0.25 (PyTorch's default).
    pub(super) fn norms() -> Self {
        let mut policy = Policy::new();
        for norm in NORMS {
            policy = policy.rule(on(norm, Role::Gamma, Scheme::Ones)).rule(on(
                norm,
                Role::Beta,
                Scheme::Zeros,
            ));
        }
        policy.rule(on("PRelu", Role::Alpha, Scheme::Constant { value: 0.25 }))
    }
}

/// `value` (a count such as layers or a width) must be at least `min`.
pub(super) fn at_least(name: &'static str, value: usize, min: usize) -> Result<f64> {
    if value >= min {
        Ok(value as f64)
    } else {
        Err(InitError::out_of_domain(
            name,
            value,
            if min == 1 { "at least 1" } else { "at least 2" },
        ))
    }
}
