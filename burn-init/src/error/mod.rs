//! The typed error every fallible call of burn-init returns.
//!
//! Every variant names the argument (or parameter path) and the value that was refused, so that
//! a user can fix the call without reading burn-init's source. Nothing is half-done when an error
//! is returned: sampling validates every argument before it draws a single number.

mod value;

pub use value::Value;

use crate::fan::mode::FanMode;

/// Result alias used throughout burn-init.
pub type Result<T> = core::result::Result<T, InitError>;

/// Why an initialisation request was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// An argument is out of its domain (negative, non-finite, outside a range, an empty count…).
    #[error("invalid argument `{name}` = {value}: expected {expected}")]
    InvalidArgument {
        /// The argument's name, as in the API (`std`, `gain`, `scale`, `sparsity`…).
        name: &'static str,
        /// The value that was given: a number, a count or a text, each printed as itself.
        value: Value,
        /// What the argument must be.
        expected: &'static str,
    },
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
    /// A [`LayerHint`](crate::policy::LayerHint) states a groups or stride that the Burn layer it
    /// matches contradicts (Burn's convolutions carry their own).
    #[error(
        "the hint's `{name}` = {hint} contradicts the layer's own {name} = {layer}: drop it from the hint, or fix the hint's path"
    )]
    HintContradictsLayer {
        /// `groups` or `stride`.
        name: &'static str,
        /// What the hint says.
        hint: String,
        /// What the layer has.
        layer: String,
    },
    /// A lower bound not below its upper bound (a uniform's `low`/`high`, a truncation's
    /// `a`/`b`).
    #[error(
        "invalid bounds: expected `{lower}` {relation} `{upper}`, got {lower} = {a}, {upper} = {b}"
    )]
    InvalidBounds {
        /// The lower bound's name, as in the API (`low`, `a`).
        lower: &'static str,
        /// The upper bound's name (`high`, `b`).
        upper: &'static str,
        /// `<` (a truncation window must hold mass) or `≤` (a uniform may be a point).
        relation: &'static str,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
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
    /// µP: a weight whose fan-in grows with the width and fan-out does not (a readout) is not
    /// named in `Mup::readout`; drawn as a hidden weight, its output would grow with the width.
    #[error(
        "µP: `{path}` is shaped like a readout (fan-in grows, fan-out fixed) but is not named in `readout`"
    )]
    MupUnnamedReadout {
        /// The parameter.
        path: String,
    },
    /// µP: a weight named in `Mup::readout` is not shaped like a readout.
    #[error(
        "µP: `{path}` is named as a readout but its fans change by ×{fan_in_ratio} (in) and ×{fan_out_ratio} (out); a readout's fan-in grows and its fan-out does not"
    )]
    MupNotReadout {
        /// The parameter.
        path: String,
        /// fan_in / base fan_in.
        fan_in_ratio: f64,
        /// fan_out / base fan_out.
        fan_out_ratio: f64,
    },
    /// A shape or axis argument is inconsistent.
    #[error("invalid `{argument}`: {reason}")]
    InvalidShape {
        /// The argument (`kernel`, `stride`, `in_axes`…).
        argument: &'static str,
        /// What is wrong with it.
        reason: String,
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
    /// The shape's size in bytes (4 per f32 element) does not fit in `isize`, the most one
    /// allocation can address.
    #[error("shape {shape:?} is too large: its f32 elements need more bytes than isize::MAX")]
    TooLarge {
        /// The shape.
        shape: Vec<usize>,
    },
    /// A host buffer the machine cannot hold: refused by the allocator, or (before anything is
    /// allocated, where Burn would abort) larger than the host's RAM plus swap.
    #[error("out of memory: {elements} f32 ({bytes} bytes) {cause}")]
    OutOfMemory {
        /// Elements requested.
        elements: usize,
        /// Bytes requested.
        bytes: usize,
        /// What refused it: [`REFUSED_BY_ALLOCATOR`] or [`EXCEEDS_HOST_MEMORY`].
        cause: &'static str,
    },
    /// A shard (a range of elements, or of rows) reaches past the end of the tensor.
    #[error("{what} {start}..{end} is outside the tensor's {total} {what}s (shape {shape:?})")]
    InvalidRange {
        /// `element` or `row`.
        what: &'static str,
        /// First index of the range.
        start: u64,
        /// One past the last index.
        end: u64,
        /// How many the tensor has.
        total: u64,
        /// The full tensor's shape.
        shape: Vec<usize>,
    },
    /// Initialising one parameter of a model failed.
    #[error("parameter `{path}` ({layer}): {source}")]
    AtParameter {
        /// The parameter's path (`encoder.layers.0.fc1.weight`).
        path: String,
        /// Type of the layer owning it.
        layer: String,
        /// Why.
        source: Box<InitError>,
    },
    /// A policy rule names no parameter of the model.
    #[error("rule {rule} ({description}) matches no parameter of the model")]
    UnmatchedRule {
        /// Index of the rule in the policy.
        rule: usize,
        /// The rule in words.
        description: String,
    },
    /// A policy rule's path names parameters of another layer type.
    #[error("rule {rule} expects layer `{expected}`, but `{path}` belongs to `{found}`")]
    LayerMismatch {
        /// Index of the rule.
        rule: usize,
        /// A parameter the rule's path matches.
        path: String,
        /// The layer type the rule names.
        expected: String,
        /// The layer type that owns the parameter.
        found: String,
    },
    /// The policy requires every parameter to match a rule, and this one matches none.
    #[error(
        "parameter `{path}` ({layer}) matches no rule, and the policy requires every parameter to match"
    )]
    UnmatchedParameter {
        /// The parameter's path.
        path: String,
        /// Type of the layer owning it.
        layer: String,
    },
    /// A path pattern of a rule or hint is not a valid glob.
    #[error("{what} {index}: invalid path pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// `rule` or `hint`.
        what: &'static str,
        /// Its index in the policy.
        index: usize,
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A rule needs something from the layer's hint that no hint gives.
    #[error("rule {rule} needs the layer's {what}, but no layer hint gives it")]
    MissingHint {
        /// Index of the rule.
        rule: usize,
        /// What is missing (`activation`).
        what: &'static str,
    },
    /// A rule asks to replace the gain of a scheme that has none.
    #[error("`{scheme}` has no gain to replace")]
    NoGain {
        /// The scheme's name.
        scheme: &'static str,
    },
    /// A probe name was recorded twice in one capture.
    #[error(
        "probe name `{name}` recorded twice in one capture: names must be unique (use `probe::scope`)"
    )]
    DuplicateProbe {
        /// The name.
        name: String,
    },
    /// Two layers' manifests merged into one model's name the same parameter path.
    #[error("the manifest already has `{path}`: give each layer its own prefix (its field path)")]
    DuplicateParameter {
        /// The path.
        path: String,
    },
    /// An expected ratio names a record that was not made before it.
    #[error("record `{by}` expects a ratio of `{name}`, which was not recorded before it")]
    UnknownProbe {
        /// The missing record.
        name: String,
        /// The record that names it.
        by: String,
    },
    /// A recorded activation holds NaN values; the loss, or a record LSUV rescales, holds NaN
    /// or ±∞ (the diagnosis reports a record's ±∞ as an overflow instead: it is a finding).
    #[error("`{layer}` holds {count} non-finite values (NaN or ±∞) of {total}")]
    NonFinite {
        /// The record's name (or `loss`).
        layer: String,
        /// How many NaN or ±∞ values.
        count: usize,
        /// How many values.
        total: usize,
    },
    /// Measuring one recorded activation failed.
    #[error("activation `{name}`: {source}")]
    AtActivation {
        /// The record's name.
        name: String,
        /// Why.
        source: Box<InitError>,
    },
    /// A diagnosis, or a recorded activation, was given a batch with no elements.
    #[error("the batch of shape {shape:?} is empty: a measurement needs at least one example")]
    EmptyBatch {
        /// The batch's shape.
        shape: Vec<usize>,
    },
    /// The loss closure returned more than one value.
    #[error(
        "the loss has shape {shape:?}; it must be a scalar (one element): reduce it with `mean()` or `sum()`"
    )]
    NonScalarLoss {
        /// The loss's shape.
        shape: Vec<usize>,
    },
    /// The model's parameters changed between planning and applying a policy.
    #[error(
        "parameter `{path}` was not in the plan: the model changed while the policy was applied"
    )]
    ModelChanged {
        /// The unexpected parameter.
        path: String,
    },
}

/// [`InitError::OutOfMemory`]'s cause when the allocator returned no memory.
pub const REFUSED_BY_ALLOCATOR: &str = "refused by the allocator";
/// [`InitError::OutOfMemory`]'s cause when the size was refused before any allocation.
pub const EXCEEDS_HOST_MEMORY: &str =
    "exceed this host's RAM plus swap: refused before anything was allocated";

impl InitError {
    /// A truncation window [a, b] that is empty or NaN (`a < b` is required).
    pub(crate) fn truncation(a: f64, b: f64) -> Self {
        Self::InvalidBounds {
            lower: "a",
            upper: "b",
            relation: "<",
            a,
            b,
        }
    }
}

/// `value` must be finite.
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(InitError::InvalidArgument {
            name,
            value: value.into(),
            expected: "a finite number",
        })
    }
}

/// `value` must be finite and ≥ 0.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(InitError::InvalidArgument {
            name,
            value: value.into(),
            expected: "a finite number ≥ 0",
        })
    }
}

/// `value` must be finite and > 0.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(InitError::InvalidArgument {
            name,
            value: value.into(),
            expected: "a finite number > 0",
        })
    }
}

/// `value` must be representable in f32 (finite and |value| ≤ f32::MAX): weights are f32.
pub(crate) fn representable(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value.abs() <= f64::from(f32::MAX) {
        Ok(value)
    } else {
        Err(InitError::InvalidArgument {
            name,
            value: value.into(),
            expected: "a finite number representable in f32",
        })
    }
}

/// A distribution centred at `mean` whose values reach `reach` standard deviations must stay
/// inside f32's range.
pub(crate) fn fits_f32(mean: f64, std: f64, reach: f64) -> Result<()> {
    if mean.abs() + reach * std <= f64::from(f32::MAX) {
        Ok(())
    } else {
        Err(InitError::InvalidArgument {
            name: "std",
            value: std.into(),
            expected: "small enough that the draws fit in f32",
        })
    }
}
