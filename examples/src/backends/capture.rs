//! Running one model of the catalogue on one device: its weights drawn (by its own policy or the
//! user's), its forward pass under the probe with every layer kept, the loss and every
//! parameter's gradient ([`Run`]), or its forward and backward passes timed with the memory the
//! allocator held ([`Timing`]).
//!
//! The width K of each model, which the tolerance reads (`agreement::tolerance`), is the largest
//! fan-in over its parameters, from the manifest of its initialisation: the longest dot product
//! its forward pass sums.

use std::time::Instant;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Probe, host_values, probe};
use burn_init::policy::{Manifest, Policy};
use burn_init::{Key, fingerprint};
use burn_init_models::Blueprint;

use super::agreement::layers;

/// One model's forward and backward pass on one device: its layers in forward order (the
/// probe's records and the output, as `study.output`), the loss (the output's mean square) and
/// every parameter's gradient (on an autodiff device; empty otherwise), its weights' fingerprint,
/// its width K and the number of output elements the loss reduces.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub layers: Vec<(String, Vec<f64>)>,
    pub loss: f64,
    pub gradients: Vec<(String, Vec<f64>)>,
    pub fingerprint: u64,
    pub width: usize,
    pub reduced: usize,
}

/// What to do with a model once it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Draw the weights and stop: [`Outcome::Drawn`], or why they cannot be drawn.
    Draw,
    /// Run the forward pass once under the probe, keeping every layer: a [`Run`].
    Capture,
    /// Time `runs` forward passes (and, with `backward`, the backward pass of the mean square of
    /// the output; the device must then be an autodiff device) after two unmeasured ones, each
    /// synchronised: their median, in seconds.
    Time { runs: usize, backward: bool },
}

/// What a [`Task`] gives.
#[derive(Debug, Clone)]
pub enum Outcome {
    Drawn,
    Run(Run),
    Timed(Timing),
}

/// A timing: the median seconds, and the memory the device's allocator had in use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// The median of the timed runs, seconds.
    pub seconds: f64,
    /// The larger `bytes_in_use` of Burn's `Device::memory_pool_usage` sampled in one more,
    /// untimed pass, after its forward pass and (with `backward`) after its backward pass while
    /// the gradients are alive, from a pool cleaned before: a lower bound on the pass's peak
    /// (an intermediate freed before a sample is not counted); `None` on a backend that does
    /// not report it (flex, ndarray).
    pub peak_bytes: Option<u64>,
}

/// How a model's weights are drawn: from a key, by the model's own policy
/// ([`Blueprint::init_with_manifest`]) or by the user's ([`Draw::policy`]).
#[derive(Debug, Clone)]
pub struct Draw {
    /// The key.
    pub key: Key,
    /// The user's policy, applied to the model's blank layers in place of the model's own,
    /// then the model's [`Blueprint::finish`] (what no policy expresses: the upsampler's
    /// bilinear taps, weight norm's g = ‖v‖); the model's own when `None`.
    pub policy: Option<Policy>,
}

impl From<Key> for Draw {
    fn from(key: Key) -> Self {
        Self { key, policy: None }
    }
}

impl Draw {
    /// `config`'s model on `device` and the manifest of what every parameter received.
    fn init<B: Blueprint>(
        &self,
        config: &B,
        device: &Device,
    ) -> Result<(B::Model, Manifest), String> {
        let drawn = match &self.policy {
            None => config.init_with_manifest(self.key, device),
            Some(policy) => config.blank(device).and_then(|blank| {
                let (model, manifest) = policy
                    .apply(blank, self.key)
                    .map_err(|refused| refused.error)?;
                config.finish(model, manifest)
            }),
        };
        drawn.map_err(|e| e.to_string())
    }
}

/// Builds `config` as `draw` says on `device` and does `task` with `forward`.
pub(super) fn capture<B: Blueprint, const D: usize>(
    config: &B,
    draw: &Draw,
    device: &Device,
    task: Task,
    forward: impl Fn(&B::Model) -> Result<Tensor<D>, String>,
) -> Result<Outcome, String>
where
    B::Model: Module,
{
    let (model, manifest) = draw.init(config, device)?;
    let (runs, backward) = match task {
        Task::Draw => return Ok(Outcome::Drawn),
        Task::Time { runs, backward } => (runs, backward),
        Task::Capture => {
            let fingerprint = fingerprint::of_module(&model)
                .map_err(|e| e.to_string())?
                .hash;
            let (output, trace) = Probe::new()
                .keeping_tensors()
                .capture(|| forward(&model).map(|y| probe::record("study.output", y)))
                .map_err(|e| e.to_string())?;
            let output = output?;
            let reduced = output.shape().num_elements();
            let loss = output.powi_scalar(2).mean();
            let loss_value = host_values(loss.clone()).map_err(|e| e.to_string())?;
            let gradients = if device.is_autodiff() {
                let grads = loss.backward();
                let mut visitor = GradientVisitor {
                    grads: &grads,
                    out: Vec::new(),
                    error: None,
                };
                model.visit(&mut visitor);
                if let Some(error) = visitor.error {
                    return Err(error);
                }
                // Named by their paths where the manifest lists exactly the parameters visited
                // (no running statistics among them), in the same order.
                let paths: Vec<&str> = manifest.entries.iter().map(|e| e.path.as_str()).collect();
                let mut gradients = visitor.out;
                if paths.len() == gradients.len() {
                    for ((name, _), path) in gradients.iter_mut().zip(paths) {
                        *name = path.to_string();
                    }
                }
                gradients
            } else {
                Vec::new()
            };
            return Ok(Outcome::Run(Run {
                layers: layers(&trace)?,
                loss: loss_value[0],
                gradients,
                fingerprint,
                width: width(&manifest),
                reduced,
            }));
        }
    };
    let mut seconds = Vec::with_capacity(runs);
    for i in 0..runs + 2 {
        let start = Instant::now();
        let y = forward(&model)?;
        if backward {
            drop(y.powi_scalar(2).mean().backward());
        } else {
            drop(y);
        }
        device.sync().map_err(|e| format!("{e:?}"))?;
        if i >= 2 {
            seconds.push(start.elapsed().as_secs_f64());
        }
    }
    seconds.sort_by(f64::total_cmp);
    // Memory in one more pass, untimed: reading the pool synchronises the device (on wgpu it
    // flushes the queue), which would otherwise be timed between forward and backward.
    device.memory_cleanup();
    let mut peak_bytes = None;
    let mut sample = || {
        if let Some(usage) = device.memory_pool_usage() {
            peak_bytes = Some(peak_bytes.unwrap_or(0).max(usage.bytes_in_use));
        }
    };
    let y = forward(&model)?;
    sample();
    if backward {
        let grads = y.powi_scalar(2).mean().backward();
        sample();
        drop(grads);
    }
    // The median: the middle time, or the mean of the two middle ones for an even count.
    let n = seconds.len();
    if n == 0 {
        return Err("no timed run (runs = 0)".into());
    }
    let median = if n % 2 == 1 {
        seconds[n / 2]
    } else {
        (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0
    };
    Ok(Outcome::Timed(Timing {
        seconds: median,
        peak_bytes,
    }))
}

/// Every float parameter's gradient, in visiting order, named by its place and shape.
struct GradientVisitor<'g> {
    grads: &'g burn::tensor::Gradients,
    out: Vec<(String, Vec<f64>)>,
    error: Option<String>,
}

impl ModuleVisitor for GradientVisitor<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let name = format!("parameter {} {:?}", self.out.len(), param.val().dims());
        match param.grad(self.grads).map(host_values) {
            Some(Ok(values)) => self.out.push((name, values)),
            Some(Err(error)) => self.error = Some(format!("{name}: {error}")),
            // A parameter the loss does not reach (or a frozen one) has no gradient.
            None => {}
        }
    }
}

/// The largest fan-in of the manifest's parameters (1 when none has a fan).
fn width(manifest: &Manifest) -> usize {
    manifest
        .entries
        .iter()
        .filter_map(|entry| entry.fan.map(|fan| fan.fan_in))
        .fold(1.0f64, f64::max)
        .round() as usize
}
