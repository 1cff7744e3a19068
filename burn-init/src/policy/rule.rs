//! Rules: which parameters a scheme applies to.

use crate::error::{self, InitError, PolicyError};
use burn::config::Config;
use globset::{Glob, GlobMatcher};

use super::walk::ParamInfo;
use crate::scheme::Scheme;

/// What a parameter is to its layer, from its field name in Burn's layers.
#[derive(Config, Debug, PartialEq, Eq, Copy, Hash)]
pub enum Role {
    /// `weight`: kernels, matrices, embedding tables.
    Weight,
    /// `bias`.
    Bias,
    /// `gamma`: a norm's scale.
    Gamma,
    /// `beta`: a norm's shift.
    Beta,
    /// `alpha`: PReLU's slopes.
    Alpha,
    /// Any other field name (user modules).
    Other,
}

impl Role {
    /// The role of a field named `field`.
    pub fn of(field: &str) -> Self {
        match field {
            "weight" => Self::Weight,
            "bias" => Self::Bias,
            "gamma" => Self::Gamma,
            "beta" => Self::Beta,
            "alpha" => Self::Alpha,
            _ => Self::Other,
        }
    }
}

/// One rule of a [`Policy`](super::Policy): every condition given must hold, and the first rule
/// whose conditions hold decides a parameter's scheme.
///
/// ```
/// use burn_init::policy::{Role, Rule};
/// use burn_init::{FanMode, Nonlinearity, Scheme};
/// // He-normal weights of every Conv2d under `encoder`.
/// let rule = Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu))
///     .with_layer(Some("Conv2d".into()))
///     .with_role(Some(Role::Weight))
///     .with_path(Some("encoder.*".into()));
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct Rule {
    /// The scheme the matched parameters receive.
    pub scheme: Scheme,
    /// The type of the layer owning the parameter: a Burn layer (`Linear`, `Conv2d`,
    /// `ConvTranspose2d`, `Embedding`, `BatchNorm`, `LayerNorm`, `PRelu`…) or a user module, by
    /// its struct name.
    #[config(default = "None")]
    pub layer: Option<String>,
    /// A type the parameter is nested in, at any depth (`MultiHeadAttention`, `Lstm`, `Gru`,
    /// `GateController`, `TransformerEncoderLayer`, a user block…).
    #[config(default = "None")]
    pub within: Option<String>,
    /// The parameter's role (field name).
    #[config(default = "None")]
    pub role: Option<Role>,
    /// A glob over the parameter's path (`encoder.layers.*.fc1.weight`): `*` matches any run of
    /// characters, dots included; `?`, `[…]` and `{a,b}` as usual.
    #[config(default = "None")]
    pub path: Option<String>,
    /// Multiplies the drawn values (GPT-2's 1/√(2·n_layers), µP's width multipliers).
    #[config(default = 1.0)]
    pub multiplier: f64,
    /// Replace the scheme's gain by the recommended gain of the activation named by the layer's
    /// [`LayerHint`](super::LayerHint).
    #[config(default = false)]
    pub activation_gain: bool,
    /// A rule that matches no parameter is an error unless it is optional (presets' rules are).
    #[config(default = false)]
    pub optional: bool,
}

/// A rule with its glob compiled.
pub(crate) struct CompiledRule<'a> {
    pub(crate) rule: &'a Rule,
    glob: Option<GlobMatcher>,
}

impl<'a> CompiledRule<'a> {
    pub(crate) fn new(index: usize, rule: &'a Rule) -> error::Result<Self> {
        error::finite("multiplier", rule.multiplier)?;
        Ok(Self {
            rule,
            glob: rule
                .path
                .as_deref()
                .map(|p| glob_for("rule", index, p))
                .transpose()?,
        })
    }

    /// Whether the path condition (if any) holds.
    pub(crate) fn path_matches(&self, param: &ParamInfo) -> bool {
        self.glob.as_ref().is_none_or(|g| g.is_match(&param.path))
    }

    /// Whether every condition holds.
    pub(crate) fn matches(&self, param: &ParamInfo) -> bool {
        let rule = self.rule;
        self.path_matches(param)
            && rule.layer.as_ref().is_none_or(|t| *t == param.layer)
            && rule
                .within
                .as_ref()
                .is_none_or(|t| param.ancestors.iter().any(|a| a == t))
            && rule.role.is_none_or(|r| r == Role::of(&param.field))
    }

    /// In words, for errors and the manifest.
    pub(crate) fn describe(&self) -> String {
        let rule = self.rule;
        let mut parts = Vec::new();
        if let Some(layer) = &rule.layer {
            parts.push(format!("layer = {layer}"));
        }
        if let Some(within) = &rule.within {
            parts.push(format!("within = {within}"));
        }
        if let Some(role) = rule.role {
            parts.push(format!("role = {role:?}"));
        }
        if let Some(path) = &rule.path {
            parts.push(format!("path = {path}"));
        }
        if parts.is_empty() {
            parts.push("every parameter".into());
        }
        format!("{} → {}", parts.join(", "), rule.scheme.name())
    }
}

/// A glob over dotted paths (`*` crosses dots), for rule or hint `index`.
pub(crate) fn glob_for(
    what: &'static str,
    index: usize,
    pattern: &str,
) -> error::Result<GlobMatcher> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| {
            InitError::Policy(PolicyError::InvalidPattern {
                what,
                index,
                pattern: pattern.to_string(),
                reason: e.kind().to_string(),
            })
        })
}
