//! Policies: initialise any Burn model with ordered rules, and get a manifest of what every
//! parameter received.
//!
//! PyTorch users write `model.apply(fn)` with `isinstance` chains; Burn users can only set an
//! initializer per layer config, and cannot re-initialise a model they did not write. A
//! [`Policy`] is a serialisable list of [`Rule`]s — layer type, enclosing type, role and path
//! glob → a [`Scheme`] of the catalogue — plus [`LayerHint`]s for what shapes cannot tell.
//! [`Policy::apply`] walks the model with Burn's `ModuleMapper`:
//!
//! * the first rule whose conditions hold decides a parameter's scheme; parameters no rule
//!   matches keep their values (or are an error under [`Policy::require_all`]); running
//!   statistics are never touched;
//! * fans come from Burn's real layouts ([`layer`](self) table), every `ParamId`, require-grad
//!   flag, device and dtype is kept;
//! * each parameter is drawn with the key `key.for_path(path)`: the policy (serde) and the key
//!   reproduce the same weights bit for bit on a fresh model, on any device;
//! * any error — a malformed glob, a rule naming nothing, a layer-type mismatch, a scheme that
//!   cannot serve a parameter — names the rule or the parameter path, and the model comes back
//!   unchanged in [`Refused`]: nothing is half-applied.
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_init::policy::{Policy, Role, Rule};
//! use burn_init::{FanMode, Key, Nonlinearity, Scheme};
//!
//! let model = LinearConfig::new(256, 128).init(&Device::default());
//! let policy = Policy::new()
//!     .rule(Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)).with_role(Some(Role::Weight)))
//!     .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
//! let (model, manifest) = policy.apply(model, Key::new(0)).unwrap();
//! let weight = manifest.get("weight").unwrap();
//! assert_eq!(weight.fan.unwrap().fan_in, 256.0);
//! assert!((weight.drawn_std.unwrap() / weight.target_std.unwrap() - 1.0).abs() < 0.02);
//! ```

mod hint;
mod layer;
mod manifest;
mod presets;
mod rule;
mod walk;

pub use hint::LayerHint;
pub use manifest::{Entry, Manifest};
pub use presets::Mup;
pub use rule::{Role, Rule};

use burn::config::Config;
use burn::module::Module;
use rayon::prelude::*;

use crate::error::{self, InitError};
use crate::fan::Fan;
use crate::gain::Gain;
use crate::sampling::Key;
use crate::scheme::Scheme;
use rule::CompiledRule;
use walk::{Lister, ParamInfo, Replacer};

/// Ordered rules and layer hints. See the [module documentation](self).
#[derive(Config, Debug, PartialEq)]
pub struct Policy {
    /// Rules, first match wins.
    #[config(default = "Vec::new()")]
    pub rules: Vec<Rule>,
    /// Hints, first match (by layer path) wins.
    #[config(default = "Vec::new()")]
    pub hints: Vec<LayerHint>,
    /// Refuse a model with a parameter (other than running statistics) that no rule matches.
    #[config(default = false)]
    pub require_all: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

/// A refused [`Policy::apply`]: the model, unchanged, and why.
#[derive(Debug)]
pub struct Refused<M> {
    /// The model as it was given.
    pub model: M,
    /// What was wrong.
    pub error: InitError,
}

impl<M: std::fmt::Debug> std::fmt::Display for Refused<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "policy refused, model unchanged: {}", self.error)
    }
}

impl<M: std::fmt::Debug> std::error::Error for Refused<M> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// What the plan decided for one parameter.
struct Planned {
    info: ParamInfo,
    fan: Option<Fan>,
    assignment: Option<Assignment>,
}

struct Assignment {
    rule: usize,
    rule_text: String,
    scheme: Scheme,
    multiplier: f64,
    target_std: f64,
}

impl Policy {
    /// Appends a rule (matched after the rules already present).
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Appends a layer hint.
    pub fn hint(mut self, hint: LayerHint) -> Self {
        self.hints.push(hint);
        self
    }

    /// Appends every rule and hint of `other` after this policy's.
    pub fn then(mut self, other: Policy) -> Self {
        self.rules.extend(other.rules);
        self.hints.extend(other.hints);
        self.require_all |= other.require_all;
        self
    }

    /// Initialises `model`: every parameter a rule matches is drawn with `key.for_path(path)`.
    /// Returns the model and the manifest, or the unchanged model and the error.
    pub fn apply<M: Module>(
        &self,
        model: M,
        key: Key,
    ) -> core::result::Result<(M, Manifest), Refused<M>> {
        let plan = match self.plan(&model) {
            Ok(plan) => plan,
            Err(error) => return Err(Refused { model, error }),
        };
        // Burn's modules share tensors between clones: the clone is the untouched model to give
        // back if drawing fails part-way.
        let original = model.clone();
        let mut failure = None;
        let mut entries = Vec::with_capacity(plan.len());
        let mapped = model.map(&mut Replacer::new(|index, info| {
            let planned = plan.get(index).filter(|p| p.info == *info);
            let Some(planned) = planned else {
                failure.get_or_insert(InitError::ModelChanged {
                    path: info.path.clone(),
                });
                return None;
            };
            let drawn = planned.assignment.as_ref().and_then(|a| {
                match draw(a, &planned.info, planned.fan.as_ref(), &key) {
                    Ok(values) => Some(values),
                    Err(error) => {
                        failure.get_or_insert(at_parameter(&planned.info, error));
                        None
                    }
                }
            });
            entries.push(entry(planned, drawn.as_deref()));
            drawn
        }));
        match failure {
            Some(error) => Err(Refused {
                model: original,
                error,
            }),
            None => Ok((mapped, Manifest { entries })),
        }
    }

    /// Matches rules, resolves hints and fans and validates every assignment, drawing nothing.
    fn plan<M: Module>(&self, model: &M) -> error::Result<Vec<Planned>> {
        let mut lister = Lister::default();
        model.visit(&mut lister);
        let rules = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| CompiledRule::new(i, r))
            .collect::<error::Result<Vec<_>>>()?;
        let hints = self
            .hints
            .iter()
            .enumerate()
            .map(|(i, h)| Ok((rule::glob_for("hint", i, &h.path)?, h)))
            .collect::<error::Result<Vec<_>>>()?;
        let params = lister.params;
        check_rules_match(&rules, &params)?;
        params
            .iter()
            .map(|info| {
                let weight = params
                    .iter()
                    .find(|p| p.layer_path == info.layer_path && p.field == "weight")
                    .map(|p| &p.shape[..]);
                let hint = hints
                    .iter()
                    .find(|(g, _)| g.is_match(&info.layer_path))
                    .map(|(_, h)| *h);
                let fan = layer::fans(info, weight, hint).map_err(|e| at_parameter(info, e))?;
                let matched = (!info.is_running_statistic())
                    .then(|| rules.iter().position(|r| r.matches(info)))
                    .flatten();
                let assignment = match matched {
                    Some(index) => {
                        let rule = &rules[index];
                        Some(
                            assign(index, rule, info, fan.as_ref(), hint)
                                .map_err(|e| at_parameter(info, e))?,
                        )
                    }
                    None if self.require_all && !info.is_running_statistic() => {
                        return Err(InitError::UnmatchedParameter {
                            path: info.path.clone(),
                            layer: info.layer.clone(),
                        });
                    }
                    None => None,
                };
                Ok(Planned {
                    info: info.clone(),
                    fan,
                    assignment,
                })
            })
            .collect()
    }
}

/// Every non-optional rule must name some parameter; a rule whose path matches parameters of
/// another layer type is a mismatch.
fn check_rules_match(rules: &[CompiledRule], params: &[ParamInfo]) -> error::Result<()> {
    for (index, rule) in rules.iter().enumerate() {
        let candidates = || params.iter().filter(|p| !p.is_running_statistic());
        if rule.rule.optional || candidates().any(|p| rule.matches(p)) {
            continue;
        }
        if let (Some(expected), Some(found)) = (
            rule.rule.layer.as_ref(),
            candidates().find(|p| rule.path_matches(p) && rule.rule.path.is_some()),
        ) {
            return Err(InitError::LayerMismatch {
                rule: index,
                path: found.path.clone(),
                expected: expected.clone(),
                found: found.layer.clone(),
            });
        }
        return Err(InitError::UnmatchedRule {
            rule: index,
            description: rule.describe(),
        });
    }
    Ok(())
}

/// The scheme, multiplier and target of a matched parameter, validated.
fn assign(
    index: usize,
    rule: &CompiledRule,
    info: &ParamInfo,
    fan: Option<&Fan>,
    hint: Option<&LayerHint>,
) -> error::Result<Assignment> {
    let scheme = if rule.rule.activation_gain {
        let activation = hint
            .and_then(|h| h.activation.clone())
            .ok_or(InitError::MissingHint {
                rule: index,
                what: "activation",
            })?;
        with_gain(&rule.rule.scheme, Gain::Recommended(activation))?
    } else {
        rule.rule.scheme.clone()
    };
    scheme.validate(&info.shape, fan)?;
    let target_std = scheme.std(&info.shape, fan)? * rule.rule.multiplier.abs();
    Ok(Assignment {
        rule: index,
        rule_text: rule.describe(),
        scheme,
        multiplier: rule.rule.multiplier,
        target_std,
    })
}

/// The scheme with its gain replaced (schemes that have a gain).
fn with_gain(scheme: &Scheme, gain: Gain) -> error::Result<Scheme> {
    Ok(match scheme {
        Scheme::XavierUniform { .. } => Scheme::XavierUniform { gain },
        Scheme::XavierNormal { .. } => Scheme::XavierNormal { gain },
        Scheme::KaimingUniform { mode, .. } => Scheme::KaimingUniform { mode: *mode, gain },
        Scheme::KaimingNormal { mode, .. } => Scheme::KaimingNormal { mode: *mode, gain },
        Scheme::Orthogonal { .. } => Scheme::Orthogonal { gain },
        Scheme::DeltaOrthogonal { .. } => Scheme::DeltaOrthogonal { gain },
        Scheme::Eye { .. } => Scheme::Eye { gain },
        other => {
            return Err(InitError::NoGain {
                scheme: other.name(),
            });
        }
    })
}

/// The parameter's new values: the scheme's draw with its path key, times the multiplier.
fn draw(
    assignment: &Assignment,
    info: &ParamInfo,
    fan: Option<&Fan>,
    key: &Key,
) -> error::Result<Vec<f32>> {
    let mut values = assignment
        .scheme
        .sample_host(&info.shape, fan, &key.for_path(&info.path))?;
    let multiplier = assignment.multiplier as f32;
    if multiplier != 1.0 {
        values.par_iter_mut().for_each(|v| *v *= multiplier);
    }
    Ok(values)
}

fn entry(planned: &Planned, drawn: Option<&[f32]>) -> Entry {
    let assignment = planned.assignment.as_ref();
    let (drawn_mean, drawn_std) = match drawn.map(moments) {
        Some((mean, std)) => (Some(mean), Some(std)),
        None => (None, None),
    };
    Entry {
        path: planned.info.path.clone(),
        layer: planned.info.layer.clone(),
        shape: planned.info.shape.clone(),
        fan: planned.fan,
        rule: assignment.map(|a| a.rule),
        rule_text: assignment.map(|a| a.rule_text.clone()),
        scheme: assignment.map(|a| a.scheme.clone()),
        multiplier: assignment.map_or(1.0, |a| a.multiplier),
        target_std: assignment.map(|a| a.target_std),
        drawn_mean,
        drawn_std,
    }
}

/// Mean and population standard deviation, in f64, summed in fixed chunks so that the result
/// does not depend on the thread count.
fn moments(values: &[f32]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let partial: Vec<(f64, f64)> = values
        .par_chunks(1 << 16)
        .map(|chunk| {
            chunk.iter().fold((0.0, 0.0), |(s, q), &v| {
                let v = f64::from(v);
                (s + v, q + v * v)
            })
        })
        .collect();
    let (sum, sum_sq) = partial
        .iter()
        .fold((0.0, 0.0), |(s, q), (a, b)| (s + a, q + b));
    let mean = sum / n;
    (mean, (sum_sq / n - mean * mean).max(0.0).sqrt())
}

fn at_parameter(info: &ParamInfo, error: InitError) -> InitError {
    InitError::AtParameter {
        path: info.path.clone(),
        layer: info.layer.clone(),
        source: Box::new(error),
    }
}
