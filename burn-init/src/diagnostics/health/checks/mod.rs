//! The checks, each with its threshold and where the threshold comes from.
//!
//! | check | measured | threshold | severity (Adam / SGD) |
//! |---|---|---|---|
//! | vanishing, exploding | ln G at the last non-zero record | ±[`band`] | at risk / will not train; exploding under Adam when the loss reads logits (a cross-entropy's gradient is bounded): a note within [`EXPLODING_ADAM_EXCESS`] of the band, at risk past it; exploding past FP16's range under Adam for any other loss: will not train |
//! | layer gain | ln(q_k/q_{k−1}) between consecutive records that are both layers' outputs (named after the layer), of one rank | ln 2 + 5 SE | note |
//! | collapse | δ_last/δ_0 | [`COLLAPSE_FATAL`] = e⁻⁶ | will not train |
//! | backward signal | ln(‖g_first‖²/‖g_last‖²) over the records of the trunk's rank | ±[`band`] | note / at risk |
//! | gradient spread | ln(ρ_w/median ρ), ρ = gradient RMS / weight RMS | ±[`band`] | note / at risk |
//! | dead units | units exactly 0 for the whole batch, in a record that is not all zero | [`DEAD_AT_RISK`] | at risk |
//! | saturated units | tanh/sigmoid values with derivative < 2 % | [`SATURATED_AT_RISK`] | at risk |
//! | symmetric units | exact copies the gradients do not separate (the layer acts as one unit: a width-1 network) | any | at risk |
//! | no gradient | every weight's gradient exactly zero | — | will not train |
//! | residual growth | a repeated record's second moment over its second half | > 2 by 5 SE | note (its effect is the exploding check's) / will not train |
//! | saturated softmax | normalised entropy of a softmax: of the logits the loss reads (their gradient has a cross-entropy's shape, (p − y)/B) or of a record of probabilities | [`SOFTMAX_ENTROPY_AT_RISK`] | the loss's logits: note / at risk; probabilities (attention): at risk |
//! | precision | FP16 overflow or subnormal (the report's flags) | the report's | note |
//! | float32 overflow | a record holding ±∞ | any | will not train |
//! | prediction | a declared variance or manifest std missed | the report's | note |
//!
//! Records whose values are all exactly zero (a zero-initialised layer's output: Fixup, SkipInit,
//! a zero read-out) are skipped by the forward checks: a zero start by design is not a vanishing
//! signal, and when nothing downstream recovers, the records after it, or the symmetry check, say so.

mod levels;
mod signal;
mod units;

use self::signal::{backward, collapse, gradient_spread, layer_gains, magnitude};
use self::units::{
    no_gradient, overflow, reported_flags, residual_growth, softmax, symmetric, units,
};
use super::signal::SignalRow;
use super::{Finding, Optimizer};
use crate::diagnostics::rows::{ActivationRow, ParameterRow};

pub use self::levels::{
    COLLAPSE_FATAL, DEAD_AT_RISK, EXPLODING_ADAM_EXCESS, SATURATED_AT_RISK, SOFTMAX_ENTROPY_AT_RISK,
};
pub use super::band::{LAYER_ALLOWANCE, band};

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
    softmax(optimizer, activations, &mut out);
    overflow(activations, &mut out);
    reported_flags(activations, parameters, &mut out);
    out
}
