//! The smallest policy change that heals a model, found by trying candidates in order of size
//! and diagnosing the model again under each.
//!
//! Candidates, smallest first (each only when a finding asks for it, and each applied to the
//! model as it is: parameters a candidate's rules do not match keep their values):
//!
//! 1. the read-out alone — LeCun-normal weights (σ² = 1/fan_in), zero bias — when the only
//!    problem is the logits' scale;
//! 2. the last layer of each residual branch zeroed (Fixup, SkipInit: every block starts as the
//!    identity) when a repeated stream grows geometrically;
//! 3. He on every weight (Kaiming normal, fan-in, gain √2), zero biases, γ = 1, β = 0: the
//!    critical initialisation of a ReLU network, with the fans read from Burn's layouts (a
//!    depthwise kernel's fan-in is k², a transposed conv's the averaged one);
//! 4. 3 and 2 together;
//! 5. Glorot with tanh's gain 5/3 on every weight, zero biases: the critical start of a
//!    tanh network.
//!
//! The first candidate whose verdict is *trains* is the fix; when none gets there, the best
//! verdict reached, or none at all when no candidate improves on the model.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Check, Health, Verdict};
use crate::diagnostics::rows::ParameterRow;
use crate::gain::Nonlinearity;
use crate::policy::{Policy, Rule};
use crate::scheme::Scheme;

/// A policy change and what the diagnosis says under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// The change, in words.
    pub description: String,
    /// The policy to apply to the model as it is (`policy.apply(model, key)`).
    pub policy: Policy,
    /// The verdict of the diagnosis run again under it.
    pub verdict: Verdict,
    /// Every candidate tried, in order, with its verdict (`None`: the policy did not fit).
    pub tried: Vec<(String, Option<Verdict>)>,
}

/// A candidate policy change.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) description: String,
    pub(crate) policy: Policy,
}

fn candidate(description: impl Into<String>, policy: Policy) -> Candidate {
    Candidate {
        description: description.into(),
        policy,
    }
}

/// The layer path of a parameter path (`layers.3` of `layers.3.weight`).
fn layer_of(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(layer, _)| layer)
}

/// The weight of the layer that produces `record`, else the last weight in module order.
fn readout<'a>(parameters: &'a [ParameterRow], record: Option<&str>) -> Option<&'a ParameterRow> {
    let weights = || parameters.iter().filter(|p| p.shape.len() >= 2);
    record
        .and_then(|r| weights().find(|p| layer_of(&p.path) == r))
        .or_else(|| weights().next_back())
}

/// The glob of the last weight of each block of the record pattern `blocks.*` (`blocks.*.fc2.weight`),
/// when every block has at least two weights (so that the branch keeps a non-zero first layer)
/// and ends with the same one. Records may be named with fewer segments than the parameters
/// (`net.blocks.0` for `net.stack.blocks.0.fc1.weight`): the pattern's trailing segments are
/// matched anywhere in the path, longest first.
fn branch_ends(parameters: &[ParameterRow], pattern: &str) -> Option<String> {
    let stem: Vec<&str> = pattern.strip_suffix(".*")?.split('.').collect();
    (0..stem.len()).find_map(|skip| {
        let stem = format!("{}.", stem[skip..].join("."));
        let mut prefix: Option<&str> = None;
        let mut blocks: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
        for p in parameters.iter().filter(|p| p.shape.len() >= 2) {
            let Some(at) = p
                .path
                .match_indices(&stem)
                .map(|(i, _)| i)
                .find(|&i| i == 0 || p.path.as_bytes()[i - 1] == b'.')
            else {
                continue;
            };
            let Some((index, tail)) = p.path[at + stem.len()..].split_once('.') else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if prefix.is_some_and(|x| x != &p.path[..at]) {
                return None;
            }
            prefix = Some(&p.path[..at]);
            blocks.entry(index).or_default().push(tail);
        }
        let tail = *blocks.values().next()?.last()?;
        let fits = blocks.len() >= 2
            && blocks
                .values()
                .all(|b| b.len() >= 2 && b.last() == Some(&tail));
        fits.then(|| format!("{}{stem}*.{tail}", prefix.unwrap_or("")))
    })
}

/// The candidates the findings ask for, smallest first.
pub(crate) fn candidates(health: &Health, parameters: &[ParameterRow]) -> Vec<Candidate> {
    let serious: Vec<_> = health.reasons().collect();
    if serious.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if serious.iter().all(|f| f.check == Check::SaturatedSoftmax) {
        let record = serious
            .first()
            .and_then(|f| f.at.first())
            .map(String::as_str);
        if let Some(w) = readout(parameters, record) {
            let layer = layer_of(&w.path);
            let path = |field: &str| {
                if layer.is_empty() {
                    field.to_string()
                } else {
                    format!("{layer}.{field}")
                }
            };
            out.push(candidate(
                format!("LeCun-normal weights (σ² = 1/fan_in) and a zero bias for the read-out `{layer}`"),
                Policy::new()
                    .rule(Rule::new(Scheme::LecunNormal).with_path(Some(path("weight"))))
                    .rule(Rule::new(Scheme::Zeros).with_path(Some(path("bias"))).with_optional(true)),
            ));
        }
    }
    // A growing stream is the cause even where its finding is only a note (under Adam its
    // effect is judged as an exploding signal): its fix is the branches' zero start.
    let branches: Option<(String, String)> = health
        .findings
        .iter()
        .filter(|f| f.check == Check::ResidualGrowth)
        .find_map(|f| {
            let pattern = f.at.first()?;
            Some((pattern.clone(), branch_ends(parameters, pattern)?))
        });
    let zero_branches = branches.as_ref().map(|(pattern, glob)| {
        let bias = format!("{}.bias", glob.trim_end_matches(".weight"));
        (
            format!("the last layer of each `{pattern}` branch (`{glob}`) zeroed, so every block starts as the identity (Fixup, SkipInit)"),
            Policy::new()
                .rule(Rule::new(Scheme::Zeros).with_path(Some(glob.clone())))
                .rule(Rule::new(Scheme::Zeros).with_path(Some(bias)).with_optional(true)),
        )
    });
    if let Some((description, policy)) = &zero_branches {
        out.push(candidate(description.clone(), policy.clone()));
    }
    let he = Policy::he(Nonlinearity::Relu);
    let he_words = "He on every weight (Kaiming normal, fan-in, gain √2; fans from Burn's layouts), zero biases";
    out.push(candidate(he_words, he.clone()));
    if let Some((description, policy)) = zero_branches {
        out.push(candidate(
            format!("{he_words}; and {description}"),
            policy.then(he),
        ));
    }
    out.push(candidate(
        "Glorot on every weight with tanh's gain 5/3, zero biases",
        Policy::xavier(Nonlinearity::Tanh),
    ));
    out
}

/// Tries `candidates` in order with `diagnose` (the verdict under a policy, `None` when the
/// policy does not fit the model) and keeps the first that trains, else the best improvement.
pub(crate) fn search(
    current: Verdict,
    candidates: Vec<Candidate>,
    mut diagnose: impl FnMut(&Policy) -> Option<Verdict>,
) -> Option<Fix> {
    let mut tried = Vec::new();
    let mut best: Option<(Candidate, Verdict)> = None;
    for c in candidates {
        let verdict = diagnose(&c.policy);
        tried.push((c.description.clone(), verdict));
        let Some(verdict) = verdict else { continue };
        if verdict < current && best.as_ref().is_none_or(|(_, b)| verdict < *b) {
            best = Some((c, verdict));
        }
        if verdict == Verdict::Trains {
            break;
        }
    }
    best.map(|(c, verdict)| Fix {
        description: c.description,
        policy: c.policy,
        verdict,
        tried,
    })
}
