//! The forward and backward signal across depth: magnitude against the depth band, each
//! layer's gain, the collapse of input distinctions, the backward ratio and the spread of
//! gradient-to-weight ratios (thresholds in the [table](super)).

use std::collections::{BTreeMap, HashSet};

use super::levels::{COLLAPSE_FATAL, EXPLODING_ADAM_EXCESS, finding};
use crate::diagnostics::headroom::FP16_MAX;
use crate::diagnostics::health::band::{LAYER_ALLOWANCE, SIGMAS, band};
use crate::diagnostics::health::signal::SignalRow;
use crate::diagnostics::health::{Check, Finding, Optimizer, Severity};
use crate::diagnostics::rows::{ActivationRow, ParameterRow};

/// The read-out's input: the last live record that is not the loss's logits (a model whose only
/// record is its logits has none). The trunk's signal is judged there, not at the logits: the
/// read-out is trained by the loss directly, as a linear model of its input, and an offset its own
/// bias adds to every example is not signal propagation (Burn's default bias U(±1/√n) on a CNN's
/// pooled features of second moment 10⁻³ restores the logits' second moment to 10⁻² and leaves
/// them 2·10⁻⁴ of the distinctions their input keeps at 0.59). The read-out's own scale is the
/// layer-gain and softmax checks'.
fn read_out_input(signal: &[SignalRow], acts: &[ActivationRow]) -> Option<usize> {
    let logits = |s: &SignalRow| acts.iter().any(|a| a.logits && a.name == s.name);
    signal
        .iter()
        .rposition(|s| !s.zero && s.second_moment.is_finite() && !logits(s))
}

pub(super) fn magnitude(
    optimizer: Optimizer,
    signal: &[SignalRow],
    acts: &[ActivationRow],
    out: &mut Vec<Finding>,
) {
    let Some(last) = read_out_input(signal, acts) else {
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
    // A cross-entropy's gradient with respect to its logits, (p − y)/B, is bounded whatever their
    // scale, and Adam's step is ≈ lr per weight whatever the gradient's: an exploded classifier
    // learns to rank the classes while its logits stay large (the verdict study's MLP and CNN
    // under He × 2: 45–52 % after 240 steps, docs/verdict-study-rule-v5.md). A loss that reads
    // the output's scale itself (a regression) has to undo the explosion first.
    // The loss's logits come after the read-out's input judged here (a record before it whose
    // gradient happens to have that shape, a 2-way gate, is not the loss).
    let classifier = acts[last + 1..].iter().any(|a| a.logits);
    // Just past the band, a classifier's growth is one Adam undoes in its first steps
    // ([`EXPLODING_ADAM_EXCESS`]).
    let mild = classifier && !vanishing && log - row.band <= EXPLODING_ADAM_EXCESS;
    let severity = match (optimizer, vanishing, overflow) {
        (Optimizer::Sgd, ..) => Severity::WillNotTrain,
        (Optimizer::Adam, false, true) if !classifier => Severity::WillNotTrain,
        (Optimizer::Adam, ..) if mild => Severity::Note,
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
                        "; values reach {:.2e}, beyond FP16's 65504{}",
                        acts[last].values.max_abs,
                        match (optimizer, classifier) {
                            (Optimizer::Adam, true) =>
                                ": a classifier under Adam still learns to rank the classes, but its loss stays far above ln K",
                            _ => "",
                        }
                    )
                } else {
                    match optimizer {
                        Optimizer::Sgd => "; SGD's steps grow with it and diverge".to_string(),
                        Optimizer::Adam if mild => format!(
                            "; within e^{EXPLODING_ADAM_EXCESS:.2} of the band, a growth Adam's first steps undo for a classifier (a cross-entropy's gradient is bounded)"
                        ),
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

pub(super) fn layer_gains(
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

pub(super) fn collapse(signal: &[SignalRow], acts: &[ActivationRow], out: &mut Vec<Finding>) {
    let Some(last) = read_out_input(signal, acts) else {
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

pub(super) fn backward(optimizer: Optimizer, signal: &[SignalRow], out: &mut Vec<Finding>) {
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

pub(super) fn gradient_spread(
    optimizer: Optimizer,
    parameters: &[ParameterRow],
    out: &mut Vec<Finding>,
) {
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
