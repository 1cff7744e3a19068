//! The checks, each with its threshold and where the threshold comes from.
//!
//! | check | measured | threshold | severity (Adam / SGD) |
//! |---|---|---|---|
//! | vanishing, exploding | ln G at the last non-zero record | ±[`band`] | at risk / will not train; exploding past FP16's range at the output: will not train for both |
//! | layer gain | ln(q_k/q_{k−1}) between consecutive records that are both layers' outputs (named after the layer), of one rank | ln 2 + 5 SE | note |
//! | collapse | δ_last/δ_0 | [`COLLAPSE_FATAL`] = e⁻⁶ | will not train |
//! | backward signal | ln(‖g_first‖²/‖g_last‖²) over the records of the trunk's rank | ±[`band`] | note / at risk |
//! | gradient spread | ln(ρ_w/median ρ), ρ = gradient RMS / weight RMS | ±[`band`] | note / at risk |
//! | dead units | units exactly 0 for the whole batch, in a record that is not all zero | [`DEAD_AT_RISK`] | at risk |
//! | saturated units | tanh/sigmoid values with derivative < 2 % | [`SATURATED_AT_RISK`] | at risk |
//! | symmetric units | exact copies the gradients do not separate | any | will not train |
//! | no gradient | every weight's gradient exactly zero | — | will not train |
//! | residual growth | a repeated record's second moment over its second half | > 2 by 5 SE | at risk / will not train |
//! | saturated softmax | normalised entropy of a softmax: of the logits the loss reads (their gradient's rows sum to zero) or of a record of probabilities | [`SOFTMAX_ENTROPY_AT_RISK`] | at risk |
//! | precision | FP16 overflow or subnormal (the report's flags) | the report's | note |
//! | float32 overflow | a record holding ±∞ | any | will not train |
//! | prediction | a declared variance or manifest std missed | the report's | note |
//!
//! Records whose values are all exactly zero (a zero-initialised layer's output: Fixup, SkipInit,
//! a zero read-out) are skipped by the forward checks: a zero start by design is not a vanishing
//! signal, and when nothing downstream recovers, the records after it, or the symmetry check, say so.

use std::collections::{BTreeMap, HashSet};
use std::f64::consts::LN_2;

use super::signal::SignalRow;
use super::{Check, Finding, Optimizer, Severity};
use crate::diagnostics::flags::Flag;
use crate::diagnostics::headroom::FP16_MAX;
use crate::diagnostics::report::{ActivationRow, ParameterRow};

/// What a critical network may legitimately do to the second moment in one step: a rectifier
/// halves it (E[ReLU(z)²] = E[z²]/2), He's gain √2 on a layer that reads an unrectified input
/// doubles it. Beyond ×2 or ×½ a gain is the initialisation's, not the architecture's.
pub const LAYER_ALLOWANCE: f64 = LN_2;

/// Standard deviations of the finite-width band (and of every standard-error margin here).
const SIGMAS: f64 = 5.0;

/// The band |ln G| of a critical ReLU network stays within after layers of widths n_l, given
/// Σ 1/n_l: [`LAYER_ALLOWANCE`] + 5·√(5·Σ 1/n_l).
///
/// At finite width the log of the squared norm after L layers is close to Gaussian with
/// variance ≈ 5·Σ 1/n_l for He-initialised ReLU networks (Hanin & Nica 2019, "Products of many
/// large random matrices and gradients in deep neural networks"), and smaller for smoother or
/// normalised networks; 5 standard deviations of it, plus one step's allowance, is what a correct
/// initialisation can show. Beyond it the signal's scale changes geometrically with depth,
/// which is what an initialisation off by a constant factor per layer does.
pub fn band(inverse_widths: f64) -> f64 {
    LAYER_ALLOWANCE + SIGMAS * (5.0 * inverse_widths.max(0.0)).sqrt()
}

/// δ_L/δ_0 below e⁻⁶: will not train. Correlations between inputs approach their fixed point as
/// e^(−l/ξ_c), and networks train only while their depth is below about 6ξ_c (Schoenholz et al.
/// 2017, "Deep information propagation", Fig. 5–6): at that depth the distinct part has fallen
/// by e⁻⁶. A critical ReLU network loses it as a power law instead (1 − c_l ∝ 1/l²): from an
/// input correlation of ½ it keeps 9 % after 20 layers and 2 % after 50, above this threshold.
///
/// There is no milder level: a global average pool or a narrow head legitimately concentrates
/// the representation on what all inputs share (a correctly initialised CNN's pooled logits keep
/// about 2 % of its input images' distinctions), so only a loss beyond the trainable depth scale
/// says something about the initialisation.
pub const COLLAPSE_FATAL: f64 = 0.002_478_752_176_666_358_4;

/// A record with at least half of its units dead on the whole batch: at risk. He's gain assumes
/// that half of a ReLU layer's units fire on each input; a layer that lost more than half of its
/// units for every input has lost width, not just a sign.
pub const DEAD_AT_RISK: f64 = 0.5;

/// At least half of a squashing activation's values saturated: at risk (their gradient is
/// below 2 % of the linear regime's).
pub const SATURATED_AT_RISK: f64 = 0.5;

/// The last record's softmax with a mean normalised entropy below ½ (it spreads over fewer than
/// √K classes on average): at risk. A classifier trains best from near-uniform predictions
/// (loss ≈ ln K); a peaked start is confidently wrong on most examples, the loss starts far above
/// ln K and the first steps go to shrinking the logits.
pub const SOFTMAX_ENTROPY_AT_RISK: f64 = 0.5;

fn finding(
    check: Check,
    severity: Severity,
    at: Vec<String>,
    value: f64,
    threshold: f64,
    detail: String,
) -> Finding {
    Finding {
        check,
        severity,
        at,
        value,
        threshold,
        detail,
    }
}

/// Every check.
pub(super) fn all(
    optimizer: Optimizer,
    signal: &[SignalRow],
    activations: &[ActivationRow],
    parameters: &[ParameterRow],
) -> Vec<Finding> {
    let mut out = Vec::new();
    magnitude(optimizer, signal, activations, &mut out);
    layer_gains(signal, activations, parameters, &mut out);
    collapse(signal, &mut out);
    backward(optimizer, signal, &mut out);
    gradient_spread(optimizer, parameters, &mut out);
    units(activations, &mut out);
    symmetric(parameters, &mut out);
    no_gradient(parameters, &mut out);
    residual_growth(optimizer, activations, &mut out);
    softmax(activations, &mut out);
    overflow(activations, &mut out);
    reported_flags(activations, parameters, &mut out);
    out
}

/// A record holding ±∞ in float32: whatever follows computes with infinities (NaN losses).
fn overflow(acts: &[ActivationRow], out: &mut Vec<Finding>) {
    for a in acts.iter().filter(|a| a.values.infinite > 0) {
        out.push(finding(
            Check::Precision,
            Severity::WillNotTrain,
            vec![a.name.clone()],
            a.values.infinite as f64,
            0.0,
            format!(
                "{} of {} values are ±∞: the record overflows float32",
                a.values.infinite, a.values.n
            ),
        ));
    }
}

/// The last record that is not all zero.
fn last_live(signal: &[SignalRow]) -> Option<usize> {
    signal
        .iter()
        .rposition(|s| !s.zero && s.second_moment.is_finite())
}

fn magnitude(
    optimizer: Optimizer,
    signal: &[SignalRow],
    acts: &[ActivationRow],
    out: &mut Vec<Finding>,
) {
    let Some(last) = last_live(signal) else {
        return;
    };
    let row = &signal[last];
    let log = row.cumulative.ln();
    if !log.is_finite() || log.abs() <= row.band {
        return;
    }
    let vanishing = log < 0.0;
    // Where it leaves the band for good: the first record after which every live record is out
    // of band on the same side.
    let mut start = last;
    for k in (0..last).rev() {
        let s = &signal[k];
        if s.zero {
            continue;
        }
        let l = s.cumulative.ln();
        if (vanishing && l < -s.band) || (!vanishing && l > s.band) {
            start = k;
        } else {
            break;
        }
    }
    let overflow = acts[last].values.max_abs > FP16_MAX;
    let severity = match (optimizer, vanishing, overflow) {
        (_, false, true) => Severity::WillNotTrain,
        (Optimizer::Sgd, ..) => Severity::WillNotTrain,
        (Optimizer::Adam, ..) => Severity::AtRisk,
    };
    let (check, detail) = if vanishing {
        (
            Check::Vanishing,
            format!(
                "the second moment falls to {:.2e} of the input's over {} records (a critical network stays within ×e^±{:.1}); {}",
                row.cumulative,
                row.depth,
                row.band,
                match optimizer {
                    Optimizer::Sgd => "SGD's steps carry the same factor: the early layers stall",
                    Optimizer::Adam => "Adam rescales the steps, but training is slower",
                }
            ),
        )
    } else {
        (
            Check::Exploding,
            format!(
                "the second moment grows to {:.2e} times the input's over {} records (a critical network stays within ×e^±{:.1}){}",
                row.cumulative,
                row.depth,
                row.band,
                if overflow {
                    format!(
                        "; values reach {:.2e}, beyond FP16's 65504",
                        acts[last].values.max_abs
                    )
                } else {
                    match optimizer {
                        Optimizer::Sgd => "; SGD's steps grow with it and diverge".to_string(),
                        Optimizer::Adam => "; Adam rescales the steps, but its first ones go to shrinking the signal".to_string(),
                    }
                }
            ),
        )
    };
    let mut at = vec![signal[start].name.clone()];
    if start != last {
        at.push(row.name.clone());
    }
    let threshold = if vanishing { -row.band } else { row.band };
    out.push(finding(check, severity, at, log, threshold, detail));
}

/// The layer paths owning a weight (`layers.3` for `layers.3.weight`).
fn layer_paths(parameters: &[ParameterRow]) -> HashSet<&str> {
    parameters
        .iter()
        .filter(|p| p.shape.len() >= 2)
        .map(|p| p.path.rsplit_once('.').map_or("", |(layer, _)| layer))
        .collect()
}

fn layer_gains(
    signal: &[SignalRow],
    acts: &[ActivationRow],
    parameters: &[ParameterRow],
    out: &mut Vec<Finding>,
) {
    let layers = layer_paths(parameters);
    let is_layer = |k: usize| layers.contains(acts[k].name.as_str()) && !signal[k].zero;
    for (k, a) in acts.iter().enumerate().skip(1) {
        // Two layers' outputs recorded one after the other, of one rank (a pooling or a
        // reshape between them changes the rank and what the second moment means).
        let p = k - 1;
        if !is_layer(k) || !is_layer(p) || acts[p].shape.len() != a.shape.len() {
            continue;
        }
        let rel = |r: &ActivationRow| {
            let q = r.values.rms * r.values.rms;
            if q > 0.0 { r.values.se_var / q } else { 0.0 }
        };
        let se = rel(&acts[p]).hypot(rel(a));
        let gain = signal[k].second_moment / signal[p].second_moment;
        let log = gain.ln();
        let allowed = LAYER_ALLOWANCE + SIGMAS * se;
        if log.is_finite() && log.abs() > allowed {
            out.push(finding(
                Check::LayerGain,
                Severity::Note,
                vec![a.name.clone()],
                log,
                allowed.copysign(log),
                format!(
                    "this layer multiplies the second moment by {gain:.3} over `{}` (a rectifier or a gain explains ×½ … ×2): its weights' scale or fans look wrong",
                    acts[p].name
                ),
            ));
        }
    }
}

fn collapse(signal: &[SignalRow], out: &mut Vec<Finding>) {
    let Some(last) = last_live(signal) else {
        return;
    };
    let Some(kept) = signal[last].distinct else {
        return;
    };
    if kept >= COLLAPSE_FATAL {
        return;
    }
    let (severity, threshold) = (Severity::WillNotTrain, COLLAPSE_FATAL);
    let start = signal
        .iter()
        .position(|s| !s.zero && s.distinct.is_some_and(|d| d < threshold))
        .unwrap_or(last);
    let mut at = vec![signal[start].name.clone()];
    if start != last {
        at.push(signal[last].name.clone());
    }
    out.push(finding(
        Check::Collapse,
        severity,
        at,
        kept,
        threshold,
        format!(
            "the examples' representations keep {kept:.2e} of the input's distinctions: every input maps to nearly the same output, beyond the depth at which networks train (6ξ_c)"
        ),
    ));
}

fn backward(optimizer: Optimizer, signal: &[SignalRow], out: &mut Vec<Finding>) {
    // The trunk: the records of the rank most records have. Across a pooling or a reshape the
    // gradient's norm changes by the number of values pooled, whatever the initialisation.
    let mut ranks: BTreeMap<usize, usize> = BTreeMap::new();
    for s in signal.iter().filter(|s| s.gradient.is_some()) {
        *ranks.entry(s.rank).or_default() += 1;
    }
    let Some((&trunk, _)) = ranks.iter().max_by_key(|(rank, count)| (**count, **rank)) else {
        return;
    };
    let with: Vec<&SignalRow> = signal
        .iter()
        .filter(|s| s.gradient.is_some() && s.rank == trunk)
        .collect();
    let (Some(first), Some(last)) = (with.first(), with.last()) else {
        return;
    };
    let ratio = match (first.backward, last.backward) {
        (Some(f), Some(l)) if l > 0.0 => f / l,
        _ => f64::NAN,
    };
    let depth = last.depth.saturating_sub(first.depth);
    let allowed = band(with.iter().skip(1).map(|s| 1.0 / s.units as f64).sum());
    let log = ratio.ln();
    if depth == 0 || !log.is_finite() || log.abs() <= allowed {
        return;
    }
    let severity = match optimizer {
        Optimizer::Adam => Severity::Note,
        Optimizer::Sgd => Severity::AtRisk,
    };
    out.push(finding(
        Check::BackwardSignal,
        severity,
        vec![first.name.clone(), last.name.clone()],
        log,
        allowed.copysign(log),
        format!(
            "the gradient's squared norm at `{}` is {ratio:.2e} of its value at `{}` ({depth} records back; a critical network stays within ×e^±{allowed:.1})",
            first.name, last.name
        ),
    ));
}

fn gradient_spread(optimizer: Optimizer, parameters: &[ParameterRow], out: &mut Vec<Finding>) {
    let weights: Vec<(&ParameterRow, f64)> = parameters
        .iter()
        .filter(|p| p.shape.len() >= 2)
        .filter_map(|p| {
            p.grad_to_weight
                .filter(|r| *r > 0.0 && r.is_finite())
                .map(|r| (p, r))
        })
        .collect();
    if weights.len() < 3 {
        return;
    }
    let mut logs: Vec<f64> = weights.iter().map(|(_, r)| r.ln()).collect();
    logs.sort_by(f64::total_cmp);
    let median = logs[logs.len() / 2];
    let allowed = band(
        weights
            .iter()
            .map(|(p, _)| 1.0 / p.shape.iter().copied().min().unwrap_or(1).max(1) as f64)
            .sum(),
    );
    let far: Vec<&(&ParameterRow, f64)> = weights
        .iter()
        .filter(|(_, r)| (r.ln() - median).abs() > allowed)
        .collect();
    let Some(worst) = far.iter().max_by(|a, b| {
        (a.1.ln() - median)
            .abs()
            .total_cmp(&(b.1.ln() - median).abs())
    }) else {
        return;
    };
    let severity = match optimizer {
        Optimizer::Adam => Severity::Note,
        Optimizer::Sgd => Severity::AtRisk,
    };
    let log = worst.1.ln() - median;
    out.push(finding(
        Check::GradientSpread,
        severity,
        far.iter().map(|(p, _)| p.path.clone()).collect(),
        log,
        allowed.copysign(log),
        format!(
            "gradient/weight of `{}` is {:.2e} times the model's median: one learning rate moves it {} (Adam normalises this)",
            worst.0.path,
            log.exp(),
            if log < 0.0 { "far more slowly than the rest" } else { "far faster than the rest" }
        ),
    ));
}

fn units(acts: &[ActivationRow], out: &mut Vec<Finding>) {
    for a in acts {
        let Some(b) = &a.batch else { continue };
        if a.values.rms > 0.0 && b.units > 0 {
            let dead = b.dead_units as f64 / b.units as f64;
            if dead >= DEAD_AT_RISK {
                out.push(finding(
                    Check::DeadUnits,
                    Severity::AtRisk,
                    vec![a.name.clone()],
                    dead,
                    DEAD_AT_RISK,
                    format!(
                        "{} of {} units are zero for every example: they pass neither signal nor gradient",
                        b.dead_units, b.units
                    ),
                ));
            }
        }
        if let Some(s) = b.saturated.filter(|s| *s >= SATURATED_AT_RISK) {
            out.push(finding(
                Check::Saturated,
                Severity::AtRisk,
                vec![a.name.clone()],
                s,
                SATURATED_AT_RISK,
                format!(
                    "{:.0} % of the values sit where tanh or sigmoid has less than 2 % of its slope: their gradients nearly vanish",
                    100.0 * s
                ),
            ));
        }
    }
}

fn symmetric(parameters: &[ParameterRow], out: &mut Vec<Finding>) {
    let copies: Vec<(&ParameterRow, usize)> = parameters
        .iter()
        .filter_map(|p| {
            p.flags.iter().find_map(|f| match f {
                Flag::Symmetric { units } => Some((p, *units)),
                _ => None,
            })
        })
        .collect();
    let Some((first, units)) = copies.first() else {
        return;
    };
    out.push(finding(
        Check::Symmetric,
        Severity::WillNotTrain,
        copies.iter().map(|(p, _)| p.path.clone()).collect(),
        *units as f64,
        0.0,
        format!(
            "{units} of {} units of `{}` (and {} more weights) are exact copies that receive the same gradient: each such layer learns one feature",
            first.units,
            first.path,
            copies.len() - 1
        ),
    ));
}

fn no_gradient(parameters: &[ParameterRow], out: &mut Vec<Finding>) {
    let weights: Vec<&ParameterRow> = parameters.iter().filter(|p| p.shape.len() >= 2).collect();
    let measured = weights.iter().all(|p| p.gradient.is_some());
    if weights.is_empty()
        || !measured
        || weights
            .iter()
            .any(|p| p.gradient.as_ref().is_some_and(|g| g.rms > 0.0))
    {
        return;
    }
    out.push(finding(
        Check::NoGradient,
        Severity::WillNotTrain,
        weights.iter().map(|p| p.path.clone()).collect(),
        0.0,
        0.0,
        format!(
            "none of the {} weights receives a gradient (dead units or zeros block every path from the loss): only biases can move",
            weights.len()
        ),
    ));
}

/// Records that differ only by one integer path segment (`blocks.0`, `blocks.1`, …), as
/// (pattern → [(index, record)]).
fn repeated(acts: &[ActivationRow]) -> BTreeMap<String, Vec<(usize, usize)>> {
    let mut groups: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (k, a) in acts.iter().enumerate() {
        let parts: Vec<&str> = a.name.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if let Ok(index) = part.parse::<usize>() {
                let mut pattern = parts.clone();
                pattern[i] = "*";
                groups
                    .entry(pattern.join("."))
                    .or_default()
                    .push((index, k));
            }
        }
    }
    groups.retain(|_, members| {
        members.sort();
        members.dedup_by_key(|m| m.0);
        members.len() >= 3
    });
    groups
}

fn residual_growth(optimizer: Optimizer, acts: &[ActivationRow], out: &mut Vec<Finding>) {
    let mut flagged: Vec<String> = Vec::new();
    for (pattern, members) in repeated(acts) {
        // `blocks.*.fc1` grows because `blocks.*` does: one finding per stream.
        if flagged
            .iter()
            .any(|f| pattern.starts_with(&format!("{f}.")))
        {
            continue;
        }
        let same_shape = members
            .iter()
            .all(|m| acts[m.1].shape == acts[members[0].1].shape);
        let (mid, last) = (
            &acts[members[members.len() / 2].1],
            &acts[members[members.len() - 1].1],
        );
        if !same_shape || mid.values.rms == 0.0 {
            continue;
        }
        let q = |r: &ActivationRow| r.values.rms * r.values.rms;
        let growth = q(last) / q(mid);
        let steps = members.len() - 1 - members.len() / 2;
        let rel = |r: &ActivationRow| r.values.se_var / q(r);
        let allowed = LN_2 + SIGMAS * rel(mid).hypot(rel(last));
        // A NaN growth (a zero record) compares as None: not growth.
        if growth.ln().partial_cmp(&allowed) != Some(std::cmp::Ordering::Greater) || steps == 0 {
            continue;
        }
        flagged.push(pattern.clone());
        let per_block = growth.powf(1.0 / steps as f64);
        let severity = match optimizer {
            Optimizer::Adam => Severity::AtRisk,
            Optimizer::Sgd => Severity::WillNotTrain,
        };
        out.push(finding(
            Check::ResidualGrowth,
            severity,
            vec![pattern.clone(), mid.name.clone(), last.name.clone()],
            growth.ln(),
            allowed,
            format!(
                "`{pattern}` grows ×{per_block:.2} per block over its second half (×{growth:.1} from `{}` to `{}`): sums of unscaled branches grow geometrically, a scaled stream at most linearly (less than ×2 over the second half)",
                mid.name, last.name
            ),
        ));
    }
}

fn softmax(acts: &[ActivationRow], out: &mut Vec<Finding>) {
    for a in acts {
        let Some(sm) = a.batch.as_ref().and_then(|b| b.softmax.as_ref()) else {
            continue;
        };
        if !(sm.probabilities || a.logits) || sm.entropy >= SOFTMAX_ENTROPY_AT_RISK {
            continue;
        }
        let what = if sm.probabilities {
            "these probabilities (attention weights?) are nearly one-hot from the start: the softmax passes almost no gradient to the scores"
        } else {
            "the loss reads these logits through a softmax that starts nearly one-hot: the loss starts far above ln K and the first steps go to shrinking the logits"
        };
        out.push(finding(
            Check::SaturatedSoftmax,
            Severity::AtRisk,
            vec![a.name.clone()],
            sm.entropy,
            SOFTMAX_ENTROPY_AT_RISK,
            format!(
                "{what} (rows over {} entries: mean top probability {:.3}, entropy {:.2} of ln K)",
                sm.classes, sm.max_probability, sm.entropy
            ),
        ));
    }
}

fn reported_flags(acts: &[ActivationRow], parameters: &[ParameterRow], out: &mut Vec<Finding>) {
    let places = acts
        .iter()
        .map(|a| (&a.name, &a.flags))
        .chain(parameters.iter().map(|p| (&p.path, &p.flags)));
    for (at, flags) in places {
        for flag in flags {
            let (check, value) = match flag {
                Flag::Fp16Overflow { fraction } | Flag::Fp16Subnormal { fraction } => {
                    (Check::Precision, *fraction)
                }
                Flag::VarianceMismatch { sigmas, .. } | Flag::StdMismatch { sigmas, .. } => {
                    (Check::Prediction, *sigmas)
                }
                Flag::Dead { .. } | Flag::Symmetric { .. } => continue,
            };
            out.push(finding(
                check,
                Severity::Note,
                vec![at.clone()],
                value,
                0.0,
                flag.to_string(),
            ));
        }
    }
}
