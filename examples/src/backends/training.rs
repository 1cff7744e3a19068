//! The training comparison: the main job's MLP (`training::runs`, He policy) trained through
//! burn-train on every backend from the same weights (checked by fingerprint) and the same
//! batches (the loader shuffles with the study's seed, no worker threads), the losses of every
//! step side by side, and the step at which each backend's loss first leaves the reference
//! backend's by more than rounding.
//!
//! **More than rounding.** One step's loss, computed on two backends from the same weights and
//! the same batch, is expected within the loss tolerance of [`gradient_tolerance`] between two
//! f32 runs (D = the MLP's hidden layers + 1, K = its largest fan-in, the 784 pixels of an image,
//! R = batch × 10 classes; derivation in [`agreement`](super::agreement)). That estimate was
//! derived for a mean-square loss; the cross-entropy adds a log-sum-exp over 10 classes, a few
//! roundings more, inside the λ = 8 margin: measured at step 0, 0.001 to 0.007 of the tolerance
//! (`docs/backends/report.md`). At step 0 the weights are the same bits; after it, each step's
//! rounding moves the two runs' weights apart and training amplifies the difference, so the
//! first step whose gap exceeds the tolerance is when the runs have come apart by more than one
//! pass's rounding. A control trains the reference backend from the same weights nudged by the
//! smallest change f32 can make (every parameter × (1 + 2⁻²³), one or two ulps): it shows how
//! soon training amplifies a difference of that size. Only the steps before a departure can tell
//! a backend's error from rounding; the step of departure itself measures training's
//! sensitivity (measured: ndarray, wgpu and the control all leave flex's band at step 35).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher;
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor};
use burn::train::metric::LossMetric;
use burn::train::{
    ClassificationOutput, ExecutionStrategy, InferenceStep, LearnerModel, TrainStep,
};
use burn_init::Nonlinearity;
use burn_init::fingerprint::{self, ModuleFingerprint};
use burn_init::policy::Policy;
use burn_init_models::DeepMlp;
use burn_init_models::residual::ResidualScaling;
use serde::Serialize;

use super::agreement::{Against, difference, gradient_tolerance};
use crate::training::data::{ImageBatch, ImageBatcher, Item, Split};
use crate::training::models::Classifier;
use crate::training::runs::{Built, Family, Init, RunSpec, StudyConfig, build};
use crate::training::train::launch_batched;

/// The comparison's configuration: the main job's MLP, batch, optimiser, learning rate and
/// seed ([`StudyConfig::new`]) over `epochs` epochs (80 steps each on the 8 000 training images).
pub fn config(epochs: usize) -> StudyConfig {
    StudyConfig {
        epochs,
        families: vec![Family::Mlp],
        ..StudyConfig::new()
    }
}

/// The loss tolerance between two f32 runs of `config`'s MLP on images of `features` pixels
/// (module docs).
pub fn tolerance(config: &StudyConfig, features: usize) -> f64 {
    gradient_tolerance(
        config.mlp_depth + 1,
        features.max(config.mlp_width),
        config.batch_size * 10,
        Against::F32,
    )
}

/// A disagreement planted at one step (the tests' hook): that step's images times `factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plant {
    /// The step, from 0.
    pub step: usize,
    /// What its images are multiplied by.
    pub factor: f32,
}

/// How one training run departs from the plain one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// The model as the key draws it.
    Plain,
    /// Every parameter × (1 + 2⁻²³): the control.
    Nudged,
    /// A planted disagreement.
    Planted(Plant),
}

/// One backend's run.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    /// The backend (`flex + 1 ulp` for the control).
    pub backend: String,
    /// Whether the weights it started from have the reference's fingerprint.
    pub same_weights: bool,
    /// Whether every step's batch held the reference's images, in the reference's order.
    pub same_batches: bool,
    /// The training loss of every step (step 0: before the first update).
    pub losses: Vec<f64>,
    /// |L − L_ref| / |L_ref| of every step, in units of the tolerance.
    pub gaps: Vec<f64>,
    /// The first step beyond rounding.
    pub first_departure: Option<usize>,
    /// Seconds of training (burn-train's launch, validation included).
    pub wall_s: f64,
}

/// The comparison: every backend and the control against the first backend.
#[derive(Debug, Clone, Serialize)]
pub struct Training {
    /// The backend the others are compared with.
    pub reference: String,
    /// What was trained.
    pub model: String,
    /// Steps per run.
    pub steps: usize,
    /// The loss tolerance (relative).
    pub tolerance: f64,
    /// One per backend, the reference first.
    pub curves: Vec<Curve>,
    /// The reference backend from weights one ulp away.
    pub control: Curve,
    /// Every two runs (backends and control) and the first step they differ beyond rounding.
    pub pairs: Vec<Pair>,
}

/// Two runs and the first step their losses differ beyond rounding.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// One run.
    pub a: String,
    /// The other.
    pub b: String,
    /// The first step beyond rounding.
    pub first_departure: Option<usize>,
}

/// Every two of `curves`, in order, and when they come apart.
fn pairs(curves: &[&Curve], tolerance: f64) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    for (i, a) in curves.iter().enumerate() {
        for b in &curves[i + 1..] {
            pairs.push(Pair {
                a: a.backend.clone(),
                b: b.backend.clone(),
                first_departure: first_departure(&gaps(&a.losses, &b.losses, tolerance)?),
            });
        }
    }
    Ok(pairs)
}

/// One run's start and losses.
pub struct Run {
    /// The fingerprint of the weights it started from.
    pub fingerprint: ModuleFingerprint,
    /// The loss of every step.
    pub losses: Vec<f64>,
    /// Seconds of training.
    pub wall_s: f64,
    /// A hash of every step's batch (its images' indices, in order).
    pub batches: Vec<u64>,
}

/// The main job's MLP under the He policy, drawn from `config.seed`'s key on `device`'s
/// autodiff form.
pub fn he_mlp(
    config: &StudyConfig,
    data: &Split,
    device: &Device,
) -> Result<Classifier<DeepMlp>, String> {
    let spec = RunSpec {
        family: Family::Mlp,
        init_name: "he".into(),
        init: Init::Policy(Policy::he(Nonlinearity::Relu)),
        scaling: ResidualScaling::Scaled,
    };
    let image = [data.train.rows, data.train.cols];
    let ad = device.clone().autodiff();
    match build(&spec, config, data.train.width(), image, &ad, None) {
        Ok((Built::Mlp(model), _)) => Ok(model),
        Ok(_) => Err("the MLP family built another model".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Trains `config`'s He MLP on `device` (its autodiff form) through burn-train, in `dir`.
pub fn train(
    config: &StudyConfig,
    data: &Split,
    device: &Device,
    dir: &Path,
    variant: Variant,
) -> Result<Run, String> {
    let mut model = he_mlp(config, data, device)?;
    if variant == Variant::Nudged {
        model = model.map(&mut Nudge);
    }
    let fingerprint = fingerprint::of_module(&model).map_err(|e| e.to_string())?;
    let plant = match variant {
        Variant::Planted(plant) => Some(plant),
        _ => None,
    };
    let label = format!("training on {}", device_name(device));
    let trained = launch_as(model, plant, config, data, dir, &label, None)?;
    Ok(Run {
        fingerprint,
        losses: trained.losses,
        batches: trained.batches,
        wall_s: trained.wall_s,
    })
}

/// What [`launch_as`] returns: the loss of every step and the seconds.
pub struct Losses {
    /// The loss of every step (under a multi-device strategy, of every device's batch).
    pub losses: Vec<f64>,
    /// Seconds of training.
    pub wall_s: f64,
    /// A hash of every step's batch (its images' indices, in order).
    pub batches: Vec<u64>,
}

/// Trains `model` through burn-train with the loss as its one metric, its batches from
/// `data.train` (with `plant`, one of them changed), under `strategy` (burn-train's default, the
/// model's device, when `None`). A plant with a strategy is refused: the devices' loaders share
/// the batcher, whose calls then no longer count steps.
pub fn launch_as<M>(
    model: M,
    plant: Option<Plant>,
    config: &StudyConfig,
    data: &Split,
    dir: &Path,
    label: &str,
    strategy: Option<ExecutionStrategy>,
) -> Result<Losses, String>
where
    M: LearnerModel
        + TrainStep<Input = ImageBatch, Output = ClassificationOutput>
        + InferenceStep<Input = ImageBatch, Output = ClassificationOutput>,
{
    if plant.is_some() && strategy.is_some() {
        return Err(format!(
            "{label}: a planted step needs burn-train's default strategy (one device): under \
             another the devices' loaders share the batcher, whose calls do not count steps"
        ));
    }
    let batcher = Planted {
        inner: ImageBatcher(data.train.clone()),
        plant,
        calls: Arc::new(AtomicUsize::new(0)),
        batches: Arc::default(),
    };
    let batches = batcher.batches.clone();
    let trained = launch_batched(model, batcher, data, config, dir, label, |t| {
        let t = t.metrics((LossMetric::new(),));
        match strategy {
            Some(strategy) => t.with_training_strategy(strategy.into()),
            None => t,
        }
    })
    .map_err(|e| e.to_string())?;
    Ok(Losses {
        losses: trained.history.train_loss,
        batches: batches.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        wall_s: trained.wall_seconds,
    })
}

/// The name [`burn_init::devices::enabled`] gives `device`, else its debug form.
pub fn device_name(device: &Device) -> String {
    burn_init::devices::enabled()
        .into_iter()
        .find(|(_, d)| d == device)
        .map_or_else(|| format!("{device:?}"), |(name, _)| name.to_string())
}

/// The first step whose gap exceeds 1 (or is not a number).
pub fn first_departure(gaps: &[f64]) -> Option<usize> {
    gaps.iter().position(|g| g.is_nan() || *g > 1.0)
}

/// |L − L_ref| / |L_ref| / `tolerance` of every step; an error when the runs differ in length.
pub fn gaps(losses: &[f64], reference: &[f64], tolerance: f64) -> Result<Vec<f64>, String> {
    if losses.len() != reference.len() {
        return Err(format!(
            "{} steps against the reference's {}",
            losses.len(),
            reference.len()
        ));
    }
    Ok(losses
        .iter()
        .zip(reference)
        .map(|(x, r)| difference(&[*x], &[*r]).map_or(f64::NAN, |d| d.0) / tolerance)
        .collect())
}

fn curve(backend: &str, run: Run, reference: &Run, tolerance: f64) -> Result<Curve, String> {
    let gaps = gaps(&run.losses, &reference.losses, tolerance)
        .map_err(|e| format!("training on {backend}: {e}"))?;
    Ok(Curve {
        backend: backend.to_string(),
        same_weights: run.fingerprint == reference.fingerprint,
        same_batches: run.batches == reference.batches,
        first_departure: first_departure(&gaps),
        losses: run.losses,
        gaps,
        wall_s: run.wall_s,
    })
}

/// Trains on every backend of `backends` and the control on the first, each in its own folder
/// under `dir` (burn-train's logs), and compares them with the first.
pub fn compare(
    config: &StudyConfig,
    data: &Split,
    backends: &[(&str, Device)],
    dir: &Path,
) -> Result<Training, String> {
    let ((first, device), rest) = backends.split_first().ok_or("no backend to train on")?;
    let tolerance = tolerance(config, data.train.width());
    let reference = train(config, data, device, &dir.join(first), Variant::Plain)?;
    let mut curves = Vec::new();
    for (backend, device) in rest {
        let run = train(config, data, device, &dir.join(backend), Variant::Plain)?;
        curves.push(curve(backend, run, &reference, tolerance)?);
    }
    let nudged = train(config, data, device, &dir.join("control"), Variant::Nudged)?;
    let control = curve(&format!("{first} + 1 ulp"), nudged, &reference, tolerance)?;
    let steps = reference.losses.len();
    curves.insert(
        0,
        Curve {
            backend: first.to_string(),
            same_weights: true,
            same_batches: true,
            gaps: vec![0.0; steps],
            first_departure: None,
            losses: reference.losses,
            wall_s: reference.wall_s,
        },
    );
    let all: Vec<&Curve> = curves.iter().chain([&control]).collect();
    let pairs = pairs(&all, tolerance)?;
    Ok(Training {
        pairs,
        reference: first.to_string(),
        model: format!(
            "the main job's MLP ({} hidden ReLU layers of {}, He), batch {}, {:?} at {}",
            config.mlp_depth,
            config.mlp_width,
            config.batch_size,
            config.optimizer,
            config.learning_rate
        ),
        steps,
        tolerance,
        curves,
        control,
    })
}

/// Every parameter × (1 + 2⁻²³), a leaf again (trainable as before).
struct Nudge;

impl ModuleMapper for Nudge {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| {
            let trainable = t.is_require_grad();
            t.mul_scalar(1.0 + f64::from(f32::EPSILON))
                .detach()
                .set_require_grad(trainable)
        })
    }
}

/// The training batcher with an optional [`Plant`]: its n-th call makes step n's batch (one
/// device, and the loader has no worker threads).
struct Planted {
    inner: ImageBatcher,
    plant: Option<Plant>,
    calls: Arc<AtomicUsize>,
    /// A hash of each batch's indices, in call order.
    batches: Arc<Mutex<Vec<u64>>>,
}

impl Batcher<Item, ImageBatch> for Planted {
    fn batch(&self, items: Vec<Item>, device: &Device) -> ImageBatch {
        let step = self.calls.fetch_add(1, Ordering::SeqCst);
        let mut hasher = std::hash::DefaultHasher::new();
        items.iter().for_each(|item| item.0.hash(&mut hasher));
        self.batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(hasher.finish());
        let batch = self.inner.batch(items, device);
        match self.plant {
            Some(plant) if plant.step == step => ImageBatch {
                images: batch.images.mul_scalar(plant.factor),
                labels: batch.labels,
            },
            _ => batch,
        }
    }
}
