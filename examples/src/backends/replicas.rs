//! Replicas without a broadcast: a model drawn from a key on each device holds the same weights
//! as the main model copied there, so a data-parallel run need not copy the initial weights.
//!
//! burn-train's strategies copy the model to each device: `ExecutionStrategy::multi` forks the
//! main model to every worker at every step (its optimiser runs on the main device, so the
//! weights live there), `ExecutionStrategy::ddp` forks it once per worker and then all-reduces
//! the gradients. Neither takes a replica from the user, so inside burn-train the copy is made
//! whatever the weights; what a key saves is the copy burn-train does not make: between processes
//! and machines, where each rank can draw its replica from the key on its own device instead of
//! receiving rank 0's weights (`docs/replicas.md`). [`replicas`] shows the weights are the same
//! bits: the main job's MLP drawn from the key on each device, against what burn-train's
//! multi-device strategy sent to the worker on that device (each worker's first step records the
//! fingerprint of the model it was given), trained one epoch over the devices together.
//!
//! Where it runs (Burn 0.22.1): `multi` runs here over any mix of flex, ndarray and wgpu. `ddp`
//! does not: its all-reduce is dispatched only to backends with collectives (CUDA and the remote
//! backend), none of which this build has.

use std::path::Path;
use std::sync::{Arc, Mutex};

use burn::module::Module;
use burn::tensor::Device;
use burn::train::{ExecutionStrategy, InferenceStep, MultiDeviceOptim, TrainOutput, TrainStep};
use burn_init::fingerprint::{self, ModuleFingerprint};
use serde::Serialize;

use super::training::{self, device_name};
use crate::training::data::{ImageBatch, Split};
use crate::training::models::{Classifier, Network};
use crate::training::runs::StudyConfig;

/// The fingerprints each device saw, first step only, in the order the workers reported.
type Seen = Arc<Mutex<Vec<(String, Result<ModuleFingerprint, String>)>>>;

/// A model that records, on the first training step on each device, the fingerprint of the
/// weights it was given there.
#[derive(Module, Debug)]
pub struct Watched<N: Module> {
    /// The model.
    pub inner: Classifier<N>,
    #[module(skip)]
    seen: Seen,
}

impl<N: Network> TrainStep for Watched<N> {
    type Input = ImageBatch;
    type Output = <Classifier<N> as TrainStep>::Output;
    fn step(&self, batch: ImageBatch) -> TrainOutput<Self::Output> {
        let device = device_name(&batch.images.device());
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.iter().any(|(d, _)| *d == device) {
                let print = fingerprint::of_module(&self.inner).map_err(|e| e.to_string());
                seen.push((device, print));
            }
        }
        TrainStep::step(&self.inner, batch)
    }
}

impl<N: Network> InferenceStep for Watched<N> {
    type Input = ImageBatch;
    type Output = <Classifier<N> as InferenceStep>::Output;
    fn step(&self, batch: ImageBatch) -> Self::Output {
        InferenceStep::step(&self.inner, batch)
    }
}

/// One device's replica.
#[derive(Debug, Clone, Serialize)]
pub struct Replica {
    /// The device.
    pub device: String,
    /// The fingerprint of the model drawn from the key on this device.
    pub drawn: String,
    /// The fingerprint of the model burn-train's worker on this device was sent.
    pub sent: Option<String>,
}

impl Replica {
    /// Whether the worker was sent exactly the weights the key draws on its device.
    pub fn same(&self) -> bool {
        self.sent.as_deref() == Some(&self.drawn)
    }
}

/// The replicas and the run under burn-train's multi-device strategy.
#[derive(Debug, Clone, Serialize)]
pub struct Replicas {
    /// One per device, in the strategy's order (the first is the main device).
    pub replicas: Vec<Replica>,
    /// Every loss the workers reported, in the order they reported them (one per device per
    /// step).
    pub losses: Vec<f64>,
    /// Seconds of training.
    pub wall_s: f64,
}

fn shown(print: ModuleFingerprint) -> String {
    format!("{:016x} ({} parameters)", print.hash, print.parameters)
}

/// The main job's MLP drawn from the key on each of `devices`, and trained over all of them under
/// `ExecutionStrategy::multi(devices, OptimMainDevice)` from the one drawn on the first.
pub fn replicas(
    config: &StudyConfig,
    data: &Split,
    devices: &[(&str, Device)],
    dir: &Path,
) -> Result<Replicas, String> {
    let ((_, main), _) = devices.split_first().ok_or("no device")?;
    let mut drawn = Vec::new();
    for (name, device) in devices {
        let model = training::he_mlp(config, data, device)?;
        let print = fingerprint::of_module(&model).map_err(|e| e.to_string())?;
        drawn.push((name.to_string(), print));
    }
    let seen: Seen = Arc::default();
    let model = Watched {
        inner: training::he_mlp(config, data, main)?,
        seen: seen.clone(),
    };
    let strategy = ExecutionStrategy::multi(
        devices.iter().map(|(_, d)| d.clone()).collect(),
        MultiDeviceOptim::OptimMainDevice,
    );
    let label = format!(
        "replicas on {}",
        devices.iter().map(|d| d.0).collect::<Vec<_>>().join(" + ")
    );
    let trained = training::launch_as(model, None, config, data, dir, &label, Some(strategy))?;
    let mut sent = Vec::new();
    for (device, print) in seen.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let print = print
            .clone()
            .map_err(|e| format!("the model sent to {device}: {e}"))?;
        sent.push((device.clone(), print));
    }
    Ok(Replicas {
        replicas: drawn
            .into_iter()
            .map(|(device, print)| Replica {
                sent: sent
                    .iter()
                    .find(|(d, _)| *d == device)
                    .map(|(_, p)| shown(*p)),
                drawn: shown(print),
                device,
            })
            .collect(),
        losses: trained.losses,
        wall_s: trained.wall_s,
    })
}
