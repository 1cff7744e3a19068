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
//! | saturated softmax | normalised entropy of a softmax: of the logits the loss reads (their gradient has a cross-entropy's shape, (p − y)/B) or of a record of probabilities | [`SOFTMAX_ENTROPY_AT_RISK`] | at risk |
//! | precision | FP16 overflow or subnormal (the report's flags) | the report's | note |
//! | float32 overflow | a record holding ±∞ | any | will not train |
//! | prediction | a declared variance or manifest std missed | the report's | note |
//!
//! Records whose values are all exactly zero (a zero-initialised layer's output: Fixup, SkipInit,
//! a zero read-out) are skipped by the forward checks: a zero start by design is not a vanishing
//! signal, and when nothing downstream recovers, the records after it, or the symmetry check, say so.

mod signal;
mod units;

use std::f64::consts::LN_2;

use self::signal::{backward, collapse, gradient_spread, layer_gains, magnitude};
use self::units::{
    no_gradient, overflow, reported_flags, residual_growth, softmax, symmetric, units,
};
use super::signal::SignalRow;
use super::{Check, Finding, Optimizer, Severity};
use crate::diagnostics::report::{ActivationRow, ParameterRow};

/// What a critical network may legitimately do to the second moment in one step: a rectifier
/// halves it (E[ReLU(z)²] = E\[z²\]/2), He's gain √2 on a layer that reads an unrectified input
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
///
/// The check reads the read-out's input, the last record before the loss's logits, as the
/// magnitude check does: the read-out learns from its input's distinctions, and an offset its own
/// bias adds to every example is the bias's to learn.
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
    collapse(signal, activations, &mut out);
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
