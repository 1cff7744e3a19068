//! The backends study (issue 24; plan in `docs/design/backends-study.md`): the same weights on
//! every backend, how far each backend's forward and backward passes are from an f64 reference,
//! layer by layer and gradient by gradient, their speed and memory, training on every backend
//! from the same start, and replicas without a broadcast.
//!
//! [`agreement`]: the measure and the tolerance f32 rounding allows over a model's depth;
//! [`catalogue`]: thirteen models of burn-init-models at study sizes with their keyed inputs, drawn
//! by their own policy or a user's; `reference`: the f64 device the reference runs on (feature
//! `flex`); [`study`]: the rows; [`training`]: the main job's MLP trained on every backend and
//! the first step beyond rounding; [`replicas`]: what burn-train's multi-device strategy sends
//! each device against what the key draws there; [`report`]: the table, `results.json`,
//! `report.md` and the plots of the binary `backends_study`. The weights' identity is
//! `burn_init::fingerprint::of_module`.

pub mod agreement;
pub mod capture;
pub mod catalogue;
#[cfg(feature = "flex")]
pub mod reference;
pub mod replicas;
pub mod report;
pub mod study;
pub mod training;
