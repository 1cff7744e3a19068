//! The forward and backward signal per record, relative to the input: what the checks read.
//!
//! Forward, each record k has its second moment q_k = E\[a²\], its gain q_k/q_{k−1} over the
//! record before it (the input for the first), its cumulative gain G_k = q_k/q_0 from the input,
//! and the part of the input's distinctions it keeps, δ_k/δ_0 (the distinct fraction of
//! [`BatchStats`](crate::diagnostics::BatchStats)). Backward, E\[g_k²\] of ∂loss/∂a_k and its ratio
//! to the last record's.

use serde::{Deserialize, Serialize};

use super::InputStats;
use super::band::band;
use crate::diagnostics::rows::ActivationRow;
use crate::diagnostics::stats::unit_axis;

/// One record's signal. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRow {
    /// The record's name.
    pub name: String,
    /// Units along its unit axis (1 for a rank-1 record).
    pub units: usize,
    /// E\[a²\].
    pub second_moment: f64,
    /// q_k/q_{k−1}: over the previous record, or over the input for the first.
    pub gain: f64,
    /// G_k = q_k/q_0, from the input (or the first record when the input is not a float batch).
    pub cumulative: f64,
    /// Records between the reference and this one, this one included: the depth of the band.
    pub depth: usize,
    /// The band |ln G_k| of a critical network of this depth and these widths stays within
    /// (see [`band`]).
    pub band: f64,
    /// δ_k/δ_0: the share of the input's distinctions between examples this record keeps.
    pub distinct: Option<f64>,
    /// E[(∂loss/∂a)²] per value, when a backward pass ran.
    pub gradient: Option<f64>,
    /// ‖g_k‖²/‖g_last‖², squared norms per example: the gradient relative to the last record's.
    /// A fan-in-critical network keeps the norm (n_{l−1}·E[g²_{l−1}] = n_l·E\[g²_l\]).
    pub backward: Option<f64>,
    /// The record's rank.
    pub rank: usize,
    /// Every value exactly zero (a zero-initialised layer's output): the forward checks skip it.
    pub zero: bool,
}

/// Units of a record of `shape` (1 below rank 2).
pub(crate) fn units(shape: &[usize]) -> usize {
    unit_axis(shape.len()).map_or(1, |a| shape[a]).max(1)
}

/// The rows, in forward order.
pub(crate) fn rows(input: Option<&InputStats>, activations: &[ActivationRow]) -> Vec<SignalRow> {
    let reference = match input {
        Some(i) => Some((
            i.values.rms * i.values.rms,
            i.batch.as_ref().map(|b| b.distinct),
        )),
        None => activations.first().map(|a| {
            (
                a.values.rms * a.values.rms,
                a.batch.as_ref().map(|b| b.distinct),
            )
        }),
    };
    let offset = usize::from(input.is_some());
    // Squared norm of the gradient per example.
    let norm = |a: &ActivationRow| {
        let per_example = a.values.n as f64 / a.shape.first().copied().unwrap_or(1).max(1) as f64;
        a.gradient.as_ref().map(|g| g.rms * g.rms * per_example)
    };
    let last_gradient = activations.iter().rev().find_map(norm);
    let mut previous = reference.map(|r| r.0);
    let mut inverse_widths = 0.0;
    activations
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let q = a.values.rms * a.values.rms;
            let n = units(&a.shape);
            inverse_widths += 1.0 / n as f64;
            let depth = k + offset;
            let ratio = |x: f64, of: f64| if of > 0.0 { x / of } else { f64::NAN };
            let gain = previous.map_or(f64::NAN, |p| ratio(q, p));
            previous = Some(q);
            let (q0, d0) = reference.unwrap_or((f64::NAN, None));
            let gradient = a.gradient.as_ref().map(|g| g.rms * g.rms);
            SignalRow {
                name: a.name.clone(),
                units: n,
                second_moment: q,
                gain,
                cumulative: ratio(q, q0),
                depth,
                band: band(inverse_widths),
                distinct: match (a.batch.as_ref(), d0) {
                    (Some(b), Some(d0)) if d0 > 0.0 => Some(b.distinct / d0),
                    _ => None,
                },
                gradient,
                backward: norm(a).zip(last_gradient).map(|(g, l)| ratio(g, l)),
                rank: a.shape.len(),
                zero: a.values.rms == 0.0,
            }
        })
        .collect()
}
