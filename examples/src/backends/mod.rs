//! The backends study (issue 24, in progress; plan in `docs/design/backends-study.md`): the same
//! weights on every backend, and how far each backend's forward pass is from a reference,
//! layer by layer.
//!
//! Built so far: [`agreement`], the measure of a backend's layers against a reference run of the
//! same weights and the tolerance f32 rounding allows over the model's depth; [`catalogue`], eleven
//! models of burn-init-models at study sizes with their keyed inputs; and `reference`,
//! the f64 device the reference runs on (feature `flex`); [`study`], the rows, the table and
//! the report of the binary `backends_study`. The weights' identity is
//! `burn_init::fingerprint::of_module`. Not built yet: the training comparison, replicas under
//! burn-train's multi-device strategy, plots and peak memory.

pub mod agreement;
pub mod catalogue;
#[cfg(feature = "flex")]
pub mod reference;
pub mod study;
