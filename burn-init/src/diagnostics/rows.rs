//! The rows of a diagnosis report: one per parameter, one per recorded activation. A leaf of
//! the diagnostics (the report fills them, the health checks read them).

use serde::{Deserialize, Serialize};

use super::batch::BatchStats;
use super::flags::Flag;
use super::stats::TensorStats;
use crate::fan::Fan;

/// One parameter of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterRow {
    /// Dotted path (`layers.0.weight`).
    pub path: String,
    /// Owning layer type.
    pub layer: String,
    /// Shape in memory.
    pub shape: Vec<usize>,
    /// Fans from Burn's layout.
    pub fan: Option<Fan>,
    /// The manifest's scheme name, if a manifest was given and the parameter was drawn.
    pub scheme: Option<String>,
    /// The manifest's target std.
    pub target_std: Option<f64>,
    /// Statistics of the values (drawn mean, std = √var).
    pub values: TensorStats,
    /// Statistics of the gradient, after the backward pass.
    pub gradient: Option<TensorStats>,
    /// Gradient RMS ÷ weight RMS (the relative size of a unit-learning-rate SGD step).
    pub grad_to_weight: Option<f64>,
    /// Units (along [`unit_axis`](crate::diagnostics::symmetry::unit_axis)) with an exact twin among the weights.
    pub identical_units: usize,
    /// Units with an exact twin among the gradients (all-zero gradient units are dead, not
    /// copies, and are not counted).
    pub identical_gradient_units: Option<usize>,
    /// Number of units (0 for rank-1 parameters).
    pub units: usize,
    /// What is wrong.
    pub flags: Vec<Flag>,
}

/// One recorded activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationRow {
    /// The record's name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Forward statistics.
    pub values: TensorStats,
    /// The declared (theory's) variance, resolved to a number (a second moment for an
    /// [`Expected::Moment`](crate::diagnostics::probe::Expected::Moment)).
    pub predicted_var: Option<f64>,
    /// Standard error of measured − predicted.
    pub se: f64,
    /// (measured − predicted)/SE on the normal scale (the SE is estimated across the record's
    /// U units, so the ratio is Student-t with U − 1 degrees of freedom, converted by
    /// [`t_to_normal`](crate::diagnostics::stats::t_to_normal)); the measured quantity is the
    /// record's variance, or its second moment for an [`Expected::Moment`](crate::diagnostics::probe::Expected::Moment). `None` without a
    /// prediction or SE.
    #[serde(default)]
    pub z: Option<f64>,
    /// Across the batch: distinct fraction, dead units, saturation, softmax.
    pub batch: Option<BatchStats>,
    /// Statistics of ∂loss/∂a.
    pub gradient: Option<TensorStats>,
    /// Whether the loss reads this record through a softmax (its gradient has a cross-entropy's shape, (p − y)/B: rows summing to zero with one negative entry).
    pub logits: bool,
    /// The INT8 scale for δ = [`Tolerance::int8_delta`](crate::diagnostics::Tolerance::int8_delta), from the predicted variance (else the
    /// measured one).
    pub int8_scale: Option<f64>,
    /// What is wrong.
    pub flags: Vec<Flag>,
}
