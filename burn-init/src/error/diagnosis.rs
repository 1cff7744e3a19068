//! A measurement that cannot be made: probe records, batches, losses and non-finite values.

use super::InitError;

/// A measurement that cannot be made: probe records, batches, losses and non-finite values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosisError {
    /// A probe name was recorded twice in one capture.
    #[error(
        "probe name `{name}` recorded twice in one capture: names must be unique (use `probe::scope`)"
    )]
    DuplicateProbe {
        /// The name.
        name: String,
    },
    /// An expected ratio names a record that was not made before it.
    #[error("record `{by}` expects a ratio of `{name}`, which was not recorded before it")]
    UnknownProbe {
        /// The missing record.
        name: String,
        /// The record that names it.
        by: String,
    },
    /// A recorded activation holds NaN values; the loss, or a record LSUV rescales, holds NaN
    /// or ±∞ (the diagnosis reports a record's ±∞ as an overflow instead: it is a finding).
    #[error("`{layer}` holds {count} non-finite values (NaN or ±∞) of {total}")]
    NonFinite {
        /// The record's name (or `loss`).
        layer: String,
        /// How many NaN or ±∞ values.
        count: usize,
        /// How many values.
        total: usize,
    },
    /// Measuring one recorded activation failed.
    #[error("activation `{name}`: {source}")]
    AtActivation {
        /// The record's name.
        name: String,
        /// Why.
        source: Box<InitError>,
    },
    /// A diagnosis, or a recorded activation, was given a batch with no elements.
    #[error("the batch of shape {shape:?} is empty: a measurement needs at least one example")]
    EmptyBatch {
        /// The batch's shape.
        shape: Vec<usize>,
    },
    /// The loss closure returned more than one value.
    #[error(
        "the loss has shape {shape:?}; it must be a scalar (one element): reduce it with `mean()` or `sum()`"
    )]
    NonScalarLoss {
        /// The loss's shape.
        shape: Vec<usize>,
    },
}
