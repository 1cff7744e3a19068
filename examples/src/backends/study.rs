//! The study itself: every catalogue model on every enabled backend against the f64 reference
//! (run in a child process: see [`reference`](super::reference)), with its forward and backward
//! times: the rows [`report`](super::report) shows.

use burn::tensor::Device;
use burn_init::Key;
use burn_init::policy::Policy;
use serde::Serialize;

use super::agreement::{
    Against, LayerAgreement, compare, compare_gradients, difference, first_disagreement,
    gradient_tolerance,
};
use super::catalogue::{self, Draw, Run};

/// The key every model is drawn from.
pub const KEY: u64 = 24;

/// One model on one backend.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub model: String,
    pub backend: String,
    /// K of the tolerance (the model's largest fan-in).
    pub width: usize,
    /// Whether the backend's weights have the reference's fingerprint.
    pub same_weights: bool,
    /// Median forward time, seconds.
    pub forward_s: f64,
    /// Median forward + backward time on the backend's autodiff device, seconds.
    pub backward_s: f64,
    /// The memory the backend's allocator had in use after forward and after backward, a lower
    /// bound on the peak ([`Timing::peak_bytes`](super::catalogue::Timing::peak_bytes)); `None`
    /// where the backend does not report it.
    pub peak_bytes: Option<u64>,
    /// The largest difference / tolerance over the layers.
    pub worst: f64,
    /// The first layer beyond rounding.
    pub first_disagreement: Option<String>,
    /// Every layer against the reference.
    pub layers: Vec<LayerAgreement>,
    /// The loss's difference from the reference's, in units of its tolerance.
    pub loss: f64,
    /// The largest difference / tolerance over every parameter's gradient.
    pub worst_gradient: f64,
    /// Every parameter whose gradient is beyond rounding (visiting order): where the backward
    /// pass goes wrong is between the ones listed and the ones not (a parameter nearer the
    /// output that agrees, one further back that does not).
    pub gradient_disagreements: Vec<String>,
}

/// Every catalogue model's reference run, on `device` (flex configured to f64), its weights
/// drawn with [`KEY`] by its own policy or, with `policy`, the user's. A model whose weights the
/// user's policy refuses to draw is an `Err` with the reason (the study reports it and goes on);
/// any other error stops the study.
pub fn reference_runs(device: &Device, policy: Option<&Policy>) -> Result<Vec<Reference>, String> {
    let draw = draw(policy);
    let mut runs = Vec::new();
    for model in catalogue::models() {
        let name = model.name.to_string();
        if policy.is_some()
            && let Err(refused) = model.draw(draw.clone(), device)
        {
            runs.push((name, Err(refused)));
            continue;
        }
        let run = model
            .capture(draw.clone(), device)
            .map_err(|e| format!("{name}: {e}"))?;
        runs.push((name, Ok(run)));
    }
    Ok(runs)
}

/// One model's reference run, or why the user's policy refused to draw its weights.
pub type Reference = (String, Result<Run, String>);

/// How the study draws every model's weights: [`KEY`], and `policy` in place of each model's own.
pub fn draw(policy: Option<&Policy>) -> Draw {
    Draw {
        key: Key::new(KEY),
        policy: policy.cloned(),
    }
}

/// A model the study did not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The model.
    pub model: String,
    /// Why (the policy's refusal).
    pub reason: String,
}

/// Every catalogue model on every backend of `backends` against `reference` (drawn as `draw`
/// says), timed over `runs`; the models whose reference could not be drawn are skipped.
pub fn rows(
    reference: &[Reference],
    draw: &Draw,
    backends: &[(&str, Device)],
    runs: usize,
) -> Result<(Vec<Row>, Vec<Skipped>), String> {
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for model in catalogue::models() {
        let (_, expected) = reference
            .iter()
            .find(|(name, _)| name == model.name)
            .ok_or_else(|| format!("no reference for {}", model.name))?;
        let expected = match expected {
            Ok(run) => run,
            Err(reason) => {
                skipped.push(Skipped {
                    model: model.name.to_string(),
                    reason: reason.clone(),
                });
                continue;
            }
        };
        for (backend, device) in backends {
            let run = model.capture(draw.clone(), device)?;
            let layers = compare(&run.layers, &expected.layers, run.width, Against::F64)?;
            let worst = worst_of(&layers);
            let depth = run.layers.len();
            let gradient_tol = gradient_tolerance(depth, run.width, run.reduced, Against::F64);
            let gradients = compare_gradients(&run.gradients, &expected.gradients, gradient_tol)?;
            if gradients.len() != expected.gradients.len() {
                return Err(format!("{} on {backend}: gradients missing", model.name));
            }
            let loss = difference(&[run.loss], &[expected.loss]).map_or(f64::INFINITY, |d| d.0)
                / gradient_tol;
            let backward = model.time(draw.clone(), device, runs, true)?;
            rows.push(Row {
                model: model.name.to_string(),
                backend: backend.to_string(),
                width: run.width,
                same_weights: run.fingerprint == expected.fingerprint,
                forward_s: model.time(draw.clone(), device, runs, false)?.seconds,
                backward_s: backward.seconds,
                peak_bytes: backward.peak_bytes,
                worst,
                first_disagreement: first_disagreement(&layers).map(|l| l.layer.clone()),
                layers,
                loss,
                worst_gradient: worst_of(&gradients),
                gradient_disagreements: gradients
                    .iter()
                    .filter(|g| g.disagrees())
                    .map(|g| g.layer.clone())
                    .collect(),
            });
        }
    }
    Ok((rows, skipped))
}

/// The largest difference / tolerance of `layers`.
pub fn worst_of(layers: &[LayerAgreement]) -> f64 {
    layers
        .iter()
        .map(|l| l.difference / l.tolerance)
        .fold(0.0f64, f64::max)
}
