//! The plan: which rule, scheme, fans and target every parameter gets, validated in full before
//! anything is drawn — so that a refused policy changes nothing and a lazy draw cannot fail.

use crate::error::{self, InitError, PolicyError, SchemeError};
use burn::module::Module;

use super::Policy;
use super::facts::{self, LayerFacts};
use super::hint::LayerHint;
use super::layer;
use super::rule::{self, CompiledRule};
use super::walk::{Lister, ParamInfo};
use crate::fan::Fan;
use crate::gain::Gain;
use crate::sampling::SamplerVersion;
use crate::scheme::{Prepared, Scheme};

/// What the plan decided for one parameter.
pub(crate) struct Planned {
    pub(crate) info: ParamInfo,
    pub(crate) fan: Option<Fan>,
    /// Facts the fans needed that nothing stated (`groups assumed 1`).
    pub(crate) assumptions: Vec<String>,
    pub(crate) assignment: Option<Assignment>,
}

/// The matched rule's scheme, multiplier and target for one parameter.
#[derive(Clone)]
pub(crate) struct Assignment {
    pub(crate) rule: usize,
    pub(crate) rule_text: String,
    pub(crate) scheme: Scheme,
    /// The scheme checked against this parameter's shape and fans: what the draw reads.
    pub(crate) prepared: Prepared,
    pub(crate) multiplier: f64,
    pub(crate) target_std: f64,
}

/// Matches rules, resolves hints, layer facts and fans, and validates every assignment.
pub(crate) fn plan<M: Module>(policy: &Policy, model: &M) -> error::Result<Vec<Planned>> {
    let mut lister = Lister::default();
    model.visit(&mut lister);
    let rules = policy
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| CompiledRule::new(i, r))
        .collect::<error::Result<Vec<_>>>()?;
    let hints = policy
        .hints
        .iter()
        .enumerate()
        .map(|(i, h)| Ok((rule::glob_for("hint", i, &h.path)?, h)))
        .collect::<error::Result<Vec<_>>>()?;
    let params = lister.params;
    check_rules_match(&rules, &params)?;
    let layer_facts = facts::read(model);
    params
        .iter()
        .map(|info| {
            let weight = params
                .iter()
                .find(|p| p.layer_path == info.layer_path && p.field == "weight");
            let hint = hints
                .iter()
                .find(|(g, _)| g.is_match(&info.layer_path))
                .map(|(_, h)| *h);
            let found: Option<&LayerFacts> = weight.and_then(|w| layer_facts.get(&w.id));
            let (fan, assumptions) = layer::fans(info, weight.map(|w| &w.shape[..]), hint, found)
                .map_err(|e| at_parameter(info, e))?;
            let matched = (!info.is_running_statistic())
                .then(|| rules.iter().position(|r| r.matches(info)))
                .flatten();
            // The groups a convolution states (a hint, else Burn's layer), for grouped schemes.
            let groups = hint.and_then(|h| h.groups).or(found.map(|f| f.groups));
            let assignment = match matched {
                Some(index) => Some(
                    assign(
                        index,
                        &rules[index],
                        info,
                        fan,
                        hint,
                        groups,
                        policy.sampler_version(),
                    )
                    .map_err(|e| at_parameter(info, e))?,
                ),
                None if policy.require_all && !info.is_running_statistic() => {
                    return Err(InitError::Policy(PolicyError::UnmatchedParameter {
                        path: info.path.clone(),
                        layer: info.layer.clone(),
                    }));
                }
                None => None,
            };
            Ok(Planned {
                info: info.clone(),
                fan,
                assumptions,
                assignment,
            })
        })
        .collect()
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
            return Err(InitError::Policy(PolicyError::LayerMismatch {
                rule: index,
                path: found.path.clone(),
                expected: expected.clone(),
                found: found.layer.clone(),
            }));
        }
        return Err(InitError::Policy(PolicyError::UnmatchedRule {
            rule: index,
            description: rule.describe(),
        }));
    }
    Ok(())
}

/// The scheme, multiplier and target of a matched parameter, validated.
fn assign(
    index: usize,
    rule: &CompiledRule,
    info: &ParamInfo,
    fan: Option<Fan>,
    hint: Option<&LayerHint>,
    layer_groups: Option<usize>,
    sampler: SamplerVersion,
) -> error::Result<Assignment> {
    let scheme = if rule.rule.activation_gain {
        let activation = hint
            .and_then(|h| h.activation.clone())
            .ok_or(InitError::Policy(PolicyError::MissingHint {
                rule: index,
                what: "activation",
            }))?;
        rule.rule.scheme.with_gain(Gain::Recommended(activation))?
    } else {
        rule.rule.scheme.clone()
    };
    let prepared = scheme.prepare(&info.shape, fan)?.with_sampler(sampler);
    if let (Some(groups), Some(layer)) = (prepared.groups(), layer_groups)
        && groups != layer
    {
        return Err(InitError::Scheme(SchemeError::GroupsMismatch {
            scheme: scheme.name(),
            scheme_groups: groups,
            layer_groups: layer,
        }));
    }
    let multiplier = error::representable("multiplier", rule.rule.multiplier)?;
    if multiplier.abs() * prepared.reach() > f64::from(f32::MAX) {
        return Err(InitError::out_of_domain(
            "multiplier",
            multiplier,
            "a multiplier that keeps every drawn value inside f32's range",
        ));
    }
    let target_std = prepared.std() * multiplier.abs();
    Ok(Assignment {
        rule: index,
        rule_text: rule.describe(),
        scheme,
        prepared,
        multiplier: rule.rule.multiplier,
        target_std,
    })
}

/// `error` located at `info`'s parameter; an error already located there is returned as it is
/// (wrapped twice, `AtParameter { AtParameter { .. } }`, a `match` on its source would fail).
pub(crate) fn at_parameter(info: &ParamInfo, error: InitError) -> InitError {
    match error {
        InitError::Policy(PolicyError::AtParameter { ref path, .. }) if *path == info.path => error,
        error => InitError::Policy(PolicyError::AtParameter {
            path: info.path.clone(),
            layer: info.layer.clone(),
            source: Box::new(error),
        }),
    }
}
