//! The models of burn-init-models the backends study runs, each at a study size with its input
//! (drawn from a key, so identical on every device), as one function per model that builds it on
//! a device and runs its forward pass under the probe.
//!
//! The width K of each model, which the tolerance reads (`agreement::tolerance`), is the largest
//! fan-in over its parameters, from the manifest of its initialisation: the longest dot product
//! its forward pass sums.

use burn::module::{Module, ModuleVisitor, Param};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Probe, host_values, probe};
use burn_init::policy::Manifest;
use burn_init::{Key, fingerprint};
use burn_init_models::{
    Blueprint, DeepAutoencoderConfig, DeepMlpConfig, DenseBlockConfig, DepthwiseSeparableConfig,
    InceptionSumConfig, ResidualBlockConfig, ResidualStackConfig, SimpleRnnConfig,
    TransformerBlockConfig, UnetUpConfig, UpsamplerConfig, WeightNormLinearConfig,
};

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
    Run(Run),
    Seconds(f64),
}

/// A model of the catalogue: its name and how to build it on a device from a key and do a task.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub name: &'static str,
    pub run: fn(Key, &Device, Task) -> Result<Outcome, String>,
}

impl Model {
    /// The model's [`Run`] on `device`'s autodiff device.
    pub fn capture(&self, key: Key, device: &Device) -> Result<Run, String> {
        match (self.run)(key, &device.clone().autodiff(), Task::Capture)? {
            Outcome::Run(run) => Ok(run),
            Outcome::Seconds(_) => Err("a capture gave a time".to_string()),
        }
    }

    /// The median time of a forward pass on `device` (with `backward`, forward and backward on
    /// its autodiff device), in seconds.
    pub fn time(
        &self,
        key: Key,
        device: &Device,
        runs: usize,
        backward: bool,
    ) -> Result<f64, String> {
        if runs == 0 {
            return Err("a timing needs at least one run".to_string());
        }
        let device = if backward {
            device.clone().autodiff()
        } else {
            device.clone()
        };
        match (self.run)(key, &device, Task::Time { runs, backward })? {
            Outcome::Seconds(seconds) => Ok(seconds),
            Outcome::Run(_) => Err("a timing gave a run".to_string()),
        }
    }
}

/// Every model of the catalogue.
pub fn models() -> Vec<Model> {
    vec![
        Model {
            name: "mlp",
            run: mlp,
        },
        Model {
            name: "autoencoder",
            run: autoencoder,
        },
        Model {
            name: "residual",
            run: residual,
        },
        Model {
            name: "inception",
            run: inception,
        },
        Model {
            name: "separable",
            run: separable,
        },
        Model {
            name: "upsampler",
            run: upsampler,
        },
        Model {
            name: "dense",
            run: dense,
        },
        Model {
            name: "rnn",
            run: rnn,
        },
        Model {
            name: "transformer",
            run: transformer,
        },
        Model {
            name: "weight_norm",
            run: weight_norm,
        },
        Model {
            name: "unet_up",
            run: unet_up,
        },
    ]
}

/// N(0, 1) of `shape` from key 1 000 + `seed`, the same values on every device.
fn input<const D: usize>(
    shape: [usize; D],
    seed: u64,
    device: &Device,
) -> Result<Tensor<D>, String> {
    crate::diagnose::gaussian(shape, Key::new(1000 + seed), device)
}

/// Builds `config` with `key` on `device` and does `task` with `forward`.
fn capture<B: Blueprint, const D: usize>(
    config: &B,
    key: Key,
    device: &Device,
    task: Task,
    forward: impl Fn(&B::Model) -> Result<Tensor<D>, String>,
) -> Result<Outcome, String>
where
    B::Model: Module,
{
    let (model, manifest) = config
        .init_with_manifest(key, device)
        .map_err(|e| e.to_string())?;
    let Task::Time { runs, backward } = task else {
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
    Ok(Outcome::Seconds(seconds[seconds.len() / 2]))
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

fn mlp(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 0, device)?;
    capture(
        &DeepMlpConfig::new(128, 128, 8, 10),
        key,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn autoencoder(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 1, device)?;
    capture(
        &DeepAutoencoderConfig::new(128, 16),
        key,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn residual(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 2, device)?;
    let config = ResidualStackConfig::new(ResidualBlockConfig::new(128), 4);
    capture(&config, key, device, task, |m| Ok(m.forward(x.clone())))
}

fn inception(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 12, 12], 3, device)?;
    capture(&InceptionSumConfig::new(16), key, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn separable(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 12, 12], 4, device)?;
    capture(
        &DepthwiseSeparableConfig::new(16, 32),
        key,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn upsampler(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 8, 8], 5, device)?;
    capture(&UpsamplerConfig::new(16, 8), key, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn dense(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 10, 10], 6, device)?;
    capture(&DenseBlockConfig::new(16), key, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn rnn(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([8, 12, 32], 7, device)?;
    capture(&SimpleRnnConfig::new(32, 64), key, device, task, |m| {
        Ok(m.forward(x.clone(), None))
    })
}

fn transformer(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 64], 8, device)?;
    capture(
        &TransformerBlockConfig::new(64, 4, 256),
        key,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn weight_norm(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 9, device)?;
    capture(
        &WeightNormLinearConfig::new(128, 64),
        key,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn unet_up(key: Key, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 6, 6], 10, device)?;
    let skip = input([4, 16, 12, 12], 11, device)?;
    capture(&UnetUpConfig::new(16), key, device, task, |m| {
        Ok(m.forward(x.clone(), skip.clone()))
    })
}
