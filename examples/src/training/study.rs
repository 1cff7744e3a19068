//! The study's driver: for every run, build and initialise the model, measure it at
//! initialisation, train it through burn-train, measure it on the validation set, and hand the
//! record to the caller (which writes the results folder after every run).

use std::path::Path;

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::tensor::Device;
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn_init::Key;
use burn_init::diagnostics::{Diagnosis, Optimizer, Report};
use burn_init::policy::Manifest;
use burn_init_models::{DeepAutoencoder, DeepMlp};
use serde::Serialize;

use super::StudyError;
use super::data::{ImageBatch, ImageSet, Split};
use super::measure::{
    self, InitProbe, MeanSe, UnitSpread, cross_entropy, grad_norm, layer_stats, squared_error,
};
use super::models::{Classifier, Network, Reconstructor};
use super::progress::History;
use super::runs::{Built, Family, Init, RunSpec, StudyConfig, build};
use super::train::launch;

/// The training loss averaged over a window of iterations that ends at `step`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WindowLoss {
    /// Iterations trained when the window ends.
    pub step: usize,
    /// Mean and standard error of the per-batch losses in the window.
    pub loss: MeanSe,
}

/// Everything measured in one run (all of it goes to `results.json`).
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// `family/init`.
    pub label: String,
    /// The family.
    pub family: Family,
    /// The initialisation's name.
    pub init: String,
    /// The policy as JSON (`null` for Burn's default initializers).
    pub policy: Option<serde_json::Value>,
    /// The root key: every parameter is drawn with `Key::new(seed).for_path(path)`.
    pub key_seed: u64,
    /// What every parameter received (none for Burn's default).
    pub manifest: Option<Manifest>,
    /// The model at initialisation, on the probe batch.
    pub init_probe: InitProbe,
    /// burn-init's diagnostics report at initialisation, on the probe batch (forward and
    /// backward, every parameter and recorded activation, flags).
    pub diagnosis: Option<Report>,
    /// Why the report could not be made (a NaN activation names its layer), if so.
    pub diagnosis_error: Option<String>,
    /// Every value burn-train reported.
    pub history: History,
    /// The training loss of iteration 0 (computed before the first update).
    pub loss_step0: f64,
    /// The training loss after the first epoch (or the last iteration when training is shorter).
    pub loss_after: WindowLoss,
    /// The loss a run must reach (window mean) to count as trained.
    pub threshold: f64,
    /// Iterations trained when the 10-batch window mean first reaches the threshold.
    pub steps_to_threshold: Option<usize>,
    /// Per-sample loss on the validation set after training.
    pub final_loss: MeanSe,
    /// Validation accuracy after training (percent, from per-sample correctness).
    pub final_accuracy: Option<MeanSe>,
    /// A loss became NaN or infinite (during training or on the validation set).
    pub diverged: bool,
    /// For the MLP: how far hidden units are from identical, after training.
    pub unit_spread: Option<UnitSpread>,
    /// Seconds of training (burn-train's launch).
    pub wall_seconds: f64,
}

/// A run's record plus the per-sample values the claims compare (not written to JSON).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The record.
    pub record: RunRecord,
    /// Per-sample loss at initialisation on the probe batch.
    pub init_losses: Vec<f64>,
    /// Per-sample validation loss after training.
    pub final_losses: Vec<f64>,
    /// Per-sample validation correctness (0/1) after training, for classifiers.
    pub final_correct: Vec<f64>,
}

/// The per-pixel mean image of the training set as a predictor: per-sample squared error on the
/// validation set (the autoencoder's "learned nothing from the input" baseline).
pub fn mean_image_baseline(data: &Split) -> Vec<f64> {
    let width = data.train.width();
    let mut mean = vec![0.0f64; width];
    for i in 0..data.train.len() {
        for (m, &v) in mean.iter_mut().zip(data.train.image(i)) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= data.train.len() as f64);
    let repeated: Vec<f64> = (0..data.valid.len())
        .flat_map(|_| mean.iter().copied())
        .collect();
    squared_error(width, &repeated, &data.valid.features)
}

fn window(losses: &[f64], end: usize) -> WindowLoss {
    let end = end.min(losses.len());
    let start = end.saturating_sub(10);
    WindowLoss {
        step: end,
        loss: MeanSe::of(&losses[start..end]),
    }
}

/// Iterations trained when the mean of the last 10 batch losses (all of them when there are
/// fewer) first reaches `threshold` — counted like [`WindowLoss::step`].
fn steps_to(losses: &[f64], threshold: f64) -> Option<usize> {
    let width = losses.len().min(10);
    (width..=losses.len()).find(|&end| MeanSe::of(&losses[end - width..end]).mean <= threshold)
}

struct Measured {
    probe: InitProbe,
    diagnosis: Result<Report, String>,
    init_losses: Vec<f64>,
    history: History,
    wall_seconds: f64,
    final_losses: Vec<f64>,
    final_correct: Vec<f64>,
    unit_spread: Option<UnitSpread>,
}

/// The model's device, the probe images (the first `probe_size` validation images) and their
/// batch on that device.
fn probe_batch<M: Module>(
    model: &M,
    data: &Split,
    config: &StudyConfig,
) -> (Device, ImageSet, ImageBatch) {
    let device = model.devices()[0].clone();
    let probe_set = data.valid.head(config.probe_size);
    let indices: Vec<usize> = (0..probe_set.len()).collect();
    let batch = probe_set.batch(&indices, &device);
    (device, probe_set, batch)
}

/// The probe's record: per-image losses, the gradient norm of their mean (`loss`, on the autodiff
/// `model`), the output variance and every traced layer of `net` on `images`.
fn init_probe<M: Module, N: Network>(
    model: &M,
    net: &N,
    losses: &[f64],
    loss: burn::tensor::Tensor<1>,
    outputs: &[f64],
    images: burn::tensor::Tensor<2>,
) -> InitProbe {
    InitProbe {
        loss: MeanSe::of(losses),
        grad_norm: grad_norm(model, loss),
        output_variance: measure::variance(outputs),
        layers: layer_stats(net.trace(images)),
    }
}

/// burn-init's report on `model` at initialisation (compared with `manifest`), for `loss`:
/// the verdict for the study's optimiser and, when it is not *trains*, the fix (candidate
/// policies applied with the study's seed and diagnosed again).
fn diagnose<M: Module>(
    model: &M,
    manifest: Option<&Manifest>,
    config: &StudyConfig,
    images: burn::tensor::Tensor<2>,
    loss: impl Fn(&M, burn::tensor::Tensor<2>) -> burn::tensor::Tensor<1>,
) -> Result<Report, String> {
    Diagnosis::new()
        .with_manifest(manifest)
        .for_optimizer(Optimizer::from(config.optimizer))
        .run_and_fix(model, Key::new(config.seed), images, loss)
        .map_err(|e| e.to_string())
}

/// A classifier's probe at initialisation, its per-image losses and the probe batch.
fn classifier_probe<N: Network>(
    model: &Classifier<N>,
    data: &Split,
    config: &StudyConfig,
) -> (InitProbe, Vec<f64>, ImageBatch) {
    let (device, probe_set, batch) = probe_batch(model, data, config);
    let logits = model.net.forward(batch.images.clone());
    let (rows, cols, values) = measure::host(logits.clone());
    let init_losses = cross_entropy(rows, cols, &values, &probe_set.labels);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, batch.labels.clone());
    let probe = init_probe(
        model,
        &model.net,
        &init_losses,
        loss,
        &values,
        batch.images.clone(),
    );
    (probe, init_losses, batch)
}

/// The autoencoder's probe at initialisation, its per-image errors and the probe batch.
fn autoencoder_probe(
    model: &Reconstructor<DeepAutoencoder>,
    data: &Split,
    config: &StudyConfig,
) -> (InitProbe, Vec<f64>, ImageBatch) {
    let (_, probe_set, batch) = probe_batch(model, data, config);
    let output = model.net.forward(batch.images.clone());
    let (_, cols, values) = measure::host(output.clone());
    let init_losses = squared_error(cols, &values, &probe_set.features);
    let loss = MseLoss::new().forward(output, batch.images.clone(), Reduction::Mean);
    let probe = init_probe(
        model,
        &model.net,
        &init_losses,
        loss,
        &values,
        batch.images.clone(),
    );
    (probe, init_losses, batch)
}

/// A classifier's report at initialisation on `batch`, for cross-entropy.
fn classifier_report<N: Network>(
    model: &Classifier<N>,
    manifest: Option<&Manifest>,
    config: &StudyConfig,
    batch: ImageBatch,
) -> Result<Report, String> {
    let ce = CrossEntropyLossConfig::new().init(&batch.images.device());
    let labels = batch.labels;
    diagnose(model, manifest, config, batch.images, |m, x| {
        let _net = burn_init::diagnostics::probe::scope("net");
        ce.forward(m.net.forward(x), labels.clone())
    })
}

/// The autoencoder's report at initialisation on `batch`, for its reconstruction error.
fn autoencoder_report(
    model: &Reconstructor<DeepAutoencoder>,
    manifest: Option<&Manifest>,
    config: &StudyConfig,
    batch: ImageBatch,
) -> Result<Report, String> {
    diagnose(model, manifest, config, batch.images, |m, x| {
        let _net = burn_init::diagnostics::probe::scope("net");
        MseLoss::new().forward(m.net.forward(x.clone()), x, Reduction::Mean)
    })
}

fn classifier<N: Network>(
    model: Classifier<N>,
    manifest: Option<&Manifest>,
    data: &Split,
    config: &StudyConfig,
    dir: &Path,
    label: &str,
    spread: impl Fn(&N, &N) -> Option<UnitSpread>,
) -> Result<Measured, StudyError> {
    let (probe, init_losses, batch) = classifier_probe(&model, data, config);
    let initial = model.net.clone();
    let diagnosis = classifier_report(&model, manifest, config, batch);
    let trained = launch(model, data, config, dir, label, |t| {
        t.metrics((AccuracyMetric::new(), LossMetric::new()))
    })?;
    let (cols, values) = measure::outputs(&trained.model.net, &data.valid, 500);
    let rows = data.valid.len();
    Ok(Measured {
        probe,
        diagnosis,
        init_losses,
        history: trained.history,
        wall_seconds: trained.wall_seconds,
        final_losses: cross_entropy(rows, cols, &values, &data.valid.labels),
        final_correct: measure::correct(rows, cols, &values, &data.valid.labels),
        unit_spread: spread(&initial, &trained.model.net),
    })
}

fn autoencoder(
    model: Reconstructor<DeepAutoencoder>,
    manifest: Option<&Manifest>,
    data: &Split,
    config: &StudyConfig,
    dir: &Path,
    label: &str,
) -> Result<Measured, StudyError> {
    let (probe, init_losses, batch) = autoencoder_probe(&model, data, config);
    let diagnosis = autoencoder_report(&model, manifest, config, batch);
    let trained = launch(model, data, config, dir, label, |t| {
        t.metrics((LossMetric::new(),))
    })?;
    let (cols, values) = measure::outputs(&trained.model.net, &data.valid, 500);
    Ok(Measured {
        probe,
        diagnosis,
        init_losses,
        history: trained.history,
        wall_seconds: trained.wall_seconds,
        final_losses: squared_error(cols, &values, &data.valid.features),
        final_correct: Vec::new(),
        unit_spread: None,
    })
}

/// [`classifier`] without the MLP's unit-spread measurement.
fn plain<N: Network>(
    model: Classifier<N>,
    manifest: Option<&Manifest>,
    data: &Split,
    config: &StudyConfig,
    dir: &Path,
    label: &str,
) -> Result<Measured, StudyError> {
    classifier(model, manifest, data, config, dir, label, |_, _| None)
}

fn mlp_spread(initial: &DeepMlp, net: &DeepMlp) -> Option<UnitSpread> {
    let layers: Vec<_> = net
        .layers
        .iter()
        .map(|l| (l.weight.val(), l.bias.as_ref().map(|b| b.val())))
        .collect();
    let before: Vec<_> = initial.layers.iter().map(|l| l.weight.val()).collect();
    Some(measure::unit_spread(&layers, &before))
}

/// The loss a run must reach: 0.8 nats of cross-entropy (≈ 70 % accuracy on Fashion-MNIST;
/// chance is ln 10 = 2.30), or 80 % of the mean-image baseline for the autoencoder.
pub fn threshold(family: Family, baseline_mse: f64) -> f64 {
    match family {
        Family::Autoencoder => 0.8 * baseline_mse,
        _ => 0.8,
    }
}

/// `spec`'s model built and initialised on `device`'s autodiff form, as the run trains it.
pub fn build_for(
    spec: &RunSpec,
    config: &StudyConfig,
    data: &Split,
    device: &Device,
) -> Result<(Built, Option<Manifest>), StudyError> {
    let ad = device.clone().autodiff();
    let image = [data.train.rows, data.train.cols];
    // LSUV normalises on the first training batch (the images the first step will see).
    let first: Vec<usize> = (0..config.batch_size.min(data.train.len())).collect();
    let lsuv_batch = data.train.batch(&first, &ad).images;
    build(
        spec,
        config,
        data.train.width(),
        image,
        &ad,
        Some(&lsuv_batch),
    )
}

/// The run's measurements at initialisation alone (loss and gradient norm on the probe batch,
/// per-layer variance): what [`run_one`] records before training, without the training. The
/// init columns of a committed report can be checked against it in seconds.
pub fn measure_init(
    spec: &RunSpec,
    config: &StudyConfig,
    data: &Split,
    device: &Device,
) -> Result<InitProbe, StudyError> {
    let (built, _) = build_for(spec, config, data, device)?;
    Ok(match built {
        Built::Mlp(model) => classifier_probe(&model, data, config).0,
        Built::Residual(model) => classifier_probe(&model, data, config).0,
        Built::Cnn(model) => classifier_probe(&model, data, config).0,
        Built::Transformer(model) => classifier_probe(&model, data, config).0,
        Built::Autoencoder(model) => autoencoder_probe(&model, data, config).0,
    })
}

/// The run's report at initialisation alone (the verdict for the run's optimiser and its fix):
/// what [`run_one`] records before training, in seconds. A report that could not be made is the
/// inner error, as [`RunRecord::diagnosis_error`] records it.
pub fn diagnose_init(
    spec: &RunSpec,
    config: &StudyConfig,
    data: &Split,
    device: &Device,
) -> Result<Result<Report, String>, StudyError> {
    let (built, manifest) = build_for(spec, config, data, device)?;
    let manifest = manifest.as_ref();
    Ok(match built {
        Built::Mlp(m) => {
            let batch = probe_batch(&m, data, config).2;
            classifier_report(&m, manifest, config, batch)
        }
        Built::Residual(m) => {
            let batch = probe_batch(&m, data, config).2;
            classifier_report(&m, manifest, config, batch)
        }
        Built::Cnn(m) => {
            let batch = probe_batch(&m, data, config).2;
            classifier_report(&m, manifest, config, batch)
        }
        Built::Transformer(m) => {
            let batch = probe_batch(&*m, data, config).2;
            classifier_report(&*m, manifest, config, batch)
        }
        Built::Autoencoder(m) => {
            let batch = probe_batch(&m, data, config).2;
            autoencoder_report(&m, manifest, config, batch)
        }
    })
}

/// Builds, measures and trains one run on `device` (plain; training runs on its autodiff form).
pub fn run_one(
    spec: &RunSpec,
    config: &StudyConfig,
    data: &Split,
    baseline_mse: f64,
    device: &Device,
    dir: &Path,
) -> Result<RunOutcome, StudyError> {
    let (built, manifest) = build_for(spec, config, data, device)?;
    let label = spec.label();
    let dir = dir.join(label.replace('/', "-"));
    let m = match built {
        Built::Mlp(model) => classifier(
            model,
            manifest.as_ref(),
            data,
            config,
            &dir,
            &label,
            mlp_spread,
        )?,
        Built::Residual(model) => plain(model, manifest.as_ref(), data, config, &dir, &label)?,
        Built::Cnn(model) => plain(model, manifest.as_ref(), data, config, &dir, &label)?,
        Built::Transformer(model) => plain(*model, manifest.as_ref(), data, config, &dir, &label)?,
        Built::Autoencoder(model) => {
            autoencoder(model, manifest.as_ref(), data, config, &dir, &label)?
        }
    };
    let losses = &m.history.train_loss;
    let per_epoch = data.train.len().div_ceil(config.batch_size);
    let final_loss = MeanSe::of(&m.final_losses);
    let threshold = threshold(spec.family, baseline_mse);
    let diverged = losses.iter().any(|l| !l.is_finite()) || !final_loss.mean.is_finite();
    let final_accuracy = (!m.final_correct.is_empty()).then(|| {
        let acc = MeanSe::of(&m.final_correct);
        MeanSe {
            mean: 100.0 * acc.mean,
            se: 100.0 * acc.se,
            n: acc.n,
        }
    });
    let record = RunRecord {
        label,
        family: spec.family,
        init: spec.init_name.clone(),
        policy: match &spec.init {
            Init::Policy(policy) => serde_json::to_value(policy).ok(),
            Init::Lsuv(lsuv) => serde_json::to_value(lsuv).ok(),
            Init::BurnDefault => None,
        },
        key_seed: config.seed,
        manifest,
        loss_step0: losses.first().copied().unwrap_or(f64::NAN),
        loss_after: window(losses, per_epoch),
        threshold,
        steps_to_threshold: steps_to(losses, threshold),
        final_loss,
        final_accuracy,
        diverged,
        unit_spread: m.unit_spread,
        wall_seconds: m.wall_seconds,
        init_probe: m.probe,
        diagnosis: m.diagnosis.as_ref().ok().cloned(),
        diagnosis_error: m.diagnosis.err(),
        history: m.history,
    };
    Ok(RunOutcome {
        record,
        init_losses: m.init_losses,
        final_losses: m.final_losses,
        final_correct: m.final_correct,
    })
}
