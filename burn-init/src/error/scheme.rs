//! A scheme that cannot fill the tensor it was given: missing or zero fans, a rank, kernel or
//! grouping its structure needs, a gain that does not exist, no counterpart in Burn.

use crate::fan::mode::FanMode;

/// A scheme that cannot fill the tensor it was given: missing or zero fans, a rank, kernel or
/// grouping its structure needs, a gain that does not exist, no counterpart in Burn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemeError {
    /// The fan selected by the mode is zero: the variance σ² = scale / fan would be infinite.
    #[error(
        "fan {mode:?} is zero (fan_in = {fan_in}, fan_out = {fan_out}); a variance-scaling scheme needs a positive fan"
    )]
    ZeroFan {
        /// The mode that selected the fan.
        mode: FanMode,
        /// Fan-in of the layer.
        fan_in: f64,
        /// Fan-out of the layer.
        fan_out: f64,
    },
    /// A variance-scaling scheme was asked to sample without fans.
    #[error("`{scheme}` needs the layer's fans: call `init_with`/`sample` with a `Fan`")]
    MissingFan {
        /// The scheme that needs fans.
        scheme: &'static str,
    },
    /// The tensor has too few (or too many) dimensions for the scheme.
    #[error("`{scheme}` needs a tensor of rank {expected}, got shape {shape:?}")]
    Rank {
        /// The scheme or function that refused the shape.
        scheme: &'static str,
        /// The ranks it accepts, in words (`"≥ 2"`, `"2"`, `"3 to 5"`).
        expected: &'static str,
        /// The shape that was given.
        shape: Vec<usize>,
    },
    /// The truncation interval holds (numerically) no probability mass.
    #[error(
        "truncation interval [{a}, {b}] is {sigmas:.1} standard deviations from the mean: it holds no probability mass in f64"
    )]
    EmptyTruncation {
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
        /// Distance of the nearest bound from the mean, in standard deviations.
        sigmas: f64,
    },
    /// Delta-orthogonal needs an odd kernel in every spatial dimension (a centre tap).
    #[error("delta_orthogonal needs an odd kernel size in every spatial dimension, got {kernel:?}")]
    EvenKernel {
        /// The kernel's spatial sizes.
        kernel: Vec<usize>,
    },
    /// Delta-orthogonal needs c_out ≥ c_in to keep the centre tap an isometry.
    #[error("delta_orthogonal needs c_out ≥ c_in, got c_out = {c_out}, c_in = {c_in}")]
    TooFewOutputChannels {
        /// Output channels (dimension 0 of the weight).
        c_out: usize,
        /// Input channels per group (dimension 1 of the weight).
        c_in: usize,
    },
    /// The channel counts are not divisible by the number of groups (or groups is 0).
    #[error("`{argument}` = {channels} is not divisible by groups = {groups}")]
    InvalidGroups {
        /// Which channel count (`c_in`, `c_out`, `shape[0]`).
        argument: &'static str,
        /// Its value.
        channels: usize,
        /// The number of groups.
        groups: usize,
    },
    /// A grouped scheme (Dirac, delta-orthogonal) names other groups than its convolution has:
    /// its tensor would not be the per-group identity or isometry it promises.
    #[error("{scheme} with groups = {scheme_groups} on a convolution with groups = {layer_groups}")]
    GroupsMismatch {
        /// The scheme.
        scheme: &'static str,
        /// The scheme's groups.
        scheme_groups: usize,
        /// The layer's groups (from Burn's layer or a hint).
        layer_groups: usize,
    },
    /// The second moment E[φ(z)²] of a nonlinearity is zero or not finite, so no gain exists.
    #[error(
        "numeric gain of {nonlinearity}: E[φ(z)²] = {second_moment} is not a positive finite number"
    )]
    DegenerateGain {
        /// The nonlinearity, as printed by `Debug` (or `"closure"`).
        nonlinearity: String,
        /// The second moment that was computed.
        second_moment: f64,
    },
    /// A scheme has no exact counterpart in Burn's `Initializer`.
    #[error("{scheme} has no exact equivalent in burn::nn::Initializer")]
    NoBurnEquivalent {
        /// The scheme, as printed by `Debug`.
        scheme: String,
    },
}
