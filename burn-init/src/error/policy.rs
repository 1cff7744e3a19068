//! A policy that cannot be applied to a model: rules and hints that do not fit its parameters,
//! µP's readouts, a manifest's paths, and the parameter an error happened at.

use super::InitError;

/// A policy that cannot be applied to a model: rules and hints that do not fit its parameters,
/// µP's readouts, a manifest's paths, and the parameter an error happened at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
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
    /// Two layers' manifests merged into one model's name the same parameter path.
    #[error("the manifest already has `{path}`: give each layer its own prefix (its field path)")]
    DuplicateParameter {
        /// The path.
        path: String,
    },
    /// The model's parameters changed between planning and applying a policy.
    #[error(
        "parameter `{path}` was not in the plan: the model changed while the policy was applied"
    )]
    ModelChanged {
        /// The unexpected parameter.
        path: String,
    },
    /// A policy file ([`Policy::from_json`](crate::policy::Policy::from_json)) that is not JSON,
    /// names a field a policy, rule or hint does not have, or gives a field a value it cannot
    /// take.
    #[error("policy file, at `{at}`: {reason}")]
    Json {
        /// Where: `rules[2].multipler`, `hints[0]`, or `the file`.
        at: String,
        /// What is wrong.
        reason: String,
    },
}
