//! The engine of the `diagnose` binary: a burn-init-models model by name, initialised by its
//! default or by a policy JSON file, diagnosed at initialisation on one batch
//! ([`burn_init::diagnostics::Diagnosis`]), with plots of the forward and backward signal.
//!
//! Models and their batch:
//!
//! | name | model | batch | loss |
//! |---|---|---|---|
//! | `mlp` | [`DeepMlp`] 784 → width × depth → 10, ReLU | Fashion-MNIST test images (shipped) | cross-entropy |
//! | `autoencoder` | [`DeepAutoencoder`] 784 → … → 784 | the same images | reconstruction MSE |
//! | `residual` | [`ResidualStack`] of `depth` blocks of `width` | x ~ N(0, 1) | mean y² |
//! | `transformer` | [`TransformerStack`] of `depth` Pre-LN blocks, d = width, 4 heads, sequence 16 | x ~ N(0, 1) | mean y² |
//!
//! Each report starts with the verdict for the chosen optimiser and, when it is not *trains*,
//! the fix ([`Diagnosis::run_and_fix`]). A policy file replaces the model's initialisation (the
//! same key draws the same weights);
//! for `mlp` it goes through [`DeepMlpConfig::policy`], so the model's predicted variances come
//! from that policy's manifest.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Diagnosis, Optimizer, Report};
use burn_init::policy::{Manifest, Policy};
use burn_init::{Key, Scheme};
use burn_init_models::Blueprint;
use burn_init_models::autoencoder::DeepAutoencoderConfig;
use burn_init_models::mlp::DeepMlpConfig;
use burn_init_models::residual::{ResidualBlockConfig, ResidualScaling, ResidualStackConfig};
use burn_init_models::transformer::TransformerBlockConfig;
use serde::Serialize;

use crate::training::data;
use crate::training::plots::{Chart, Kind, Line};

/// The models `diagnose` knows.
pub const MODELS: [&str; 4] = ["mlp", "autoencoder", "residual", "transformer"];

/// What to diagnose.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnoseConfig {
    /// One of [`MODELS`].
    pub model: String,
    /// Hidden layers, autoencoder layers or blocks.
    pub depth: usize,
    /// Units per hidden layer, or the model width.
    pub width: usize,
    /// Examples in the batch.
    pub batch: usize,
    /// Root key.
    pub seed: u64,
    /// A policy replacing the model's own initialisation.
    pub policy: Option<Policy>,
    /// The optimiser the verdict is for.
    #[serde(serialize_with = "optimizer_name")]
    pub optimizer: Optimizer,
}

fn optimizer_name<S: serde::Serializer>(o: &Optimizer, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(o.name())
}

/// N(0, 1) of `shape` drawn with `key`: the same values on every device.
pub fn gaussian<const D: usize>(
    shape: [usize; D],
    key: Key,
    device: &Device,
) -> Result<Tensor<D>, String> {
    Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample(shape, None, key, device)
    .map_err(|e| e.to_string())
}

/// Applies `policy` (if any) with `key`, returning the model and its manifest; without a
/// policy, the manifest of `default` applied the same way (the same weights).
fn initialise<M: Module>(
    model: M,
    policy: Option<&Policy>,
    default: Policy,
    key: Key,
) -> Result<(M, Manifest), String> {
    policy
        .unwrap_or(&default)
        .apply(model, key)
        .map_err(|refused| refused.error.to_string())
}

/// Builds, initialises and diagnoses the model on `device` (an autodiff device, so gradients
/// are measured).
pub fn run(config: &DiagnoseConfig, device: &Device) -> Result<Report, String> {
    if config.depth == 0 || config.width == 0 || config.batch == 0 {
        return Err("--depth, --width and --batch must be positive".into());
    }
    let device = device.clone().autodiff();
    let key = Key::new(config.seed);
    // The verdict for the optimiser, and a fix when it is not *trains* (each candidate policy
    // applied with the same key and diagnosed again).
    fn diagnosis(manifest: &Manifest, optimizer: Optimizer) -> Diagnosis<'_> {
        Diagnosis::new()
            .for_optimizer(optimizer)
            .with_manifest(manifest)
    }
    let images = || -> Result<_, String> {
        let (split, _) = data::load(&data::shipped_dir()).map_err(|e| e.to_string())?;
        let set = split.valid.head(config.batch);
        let indices: Vec<usize> = (0..set.len()).collect();
        Ok(set.batch(&indices, &device))
    };
    match config.model.as_str() {
        "mlp" => {
            let mlp = DeepMlpConfig::new(784, config.width, config.depth, 10)
                .with_policy(config.policy.clone());
            let (model, manifest) = mlp
                .init_with_manifest(key, &device)
                .map_err(|e| e.to_string())?;
            let batch = images()?;
            let loss = CrossEntropyLossConfig::new().init(&device);
            diagnosis(&manifest, config.optimizer)
                .run_and_fix(&model, key, batch.images, |m, x| {
                    loss.forward(m.forward(x), batch.labels.clone())
                })
                .map_err(|e| e.to_string())
        }
        "autoencoder" => {
            let ae = DeepAutoencoderConfig::new(784, config.width)
                .with_n_layers(config.depth)
                .with_policy(config.policy.clone());
            let model = ae.init(key, &device).map_err(|e| e.to_string())?;
            let default = ae
                .policy
                .clone()
                .unwrap_or_else(|| Policy::he(burn_init::Nonlinearity::Relu));
            let (model, manifest) = initialise(model, config.policy.as_ref(), default, key)?;
            let batch = images()?;
            diagnosis(&manifest, config.optimizer)
                .run_and_fix(&model, key, batch.images, |m, x| {
                    (m.forward(x.clone()) - x).powi_scalar(2).mean()
                })
                .map_err(|e| e.to_string())
        }
        "residual" => {
            let block =
                ResidualBlockConfig::new(config.width).with_scaling(ResidualScaling::Scaled);
            let stack = ResidualStackConfig::new(block.clone(), config.depth);
            let model = stack.init(key, &device).map_err(|e| e.to_string())?;
            let (model, manifest) = initialise(
                model,
                config.policy.as_ref(),
                block
                    .stack_policy(config.depth)
                    .map_err(|e| e.to_string())?,
                key,
            )?;
            let x = gaussian(
                [config.batch, config.width],
                key.fold_in_str("input"),
                &device,
            )?;
            diagnosis(&manifest, config.optimizer)
                .run_and_fix(&model, key, x, |m, x| m.forward(x).powi_scalar(2).mean())
                .map_err(|e| e.to_string())
        }
        "transformer" => {
            let block = TransformerBlockConfig::new(config.width, 4, 4 * config.width);
            let model = block
                .init_stack(config.depth, key, &device)
                .map_err(|e| e.to_string())?;
            let model = match &config.policy {
                Some(policy) => initialise(model, Some(policy), Policy::new(), key)?,
                None => (model, Manifest::default()),
            };
            let x = gaussian(
                [config.batch, 16, config.width],
                key.fold_in_str("input"),
                &device,
            )?;
            // Without a policy the manifest is empty: nothing to compare with.
            diagnosis(&model.1, config.optimizer)
                .run_and_fix(&model.0, key, x, |m, x| m.forward(x).powi_scalar(2).mean())
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "unknown model `{other}`: expected one of {MODELS:?}"
        )),
    }
}

/// Per-record forward variance (measured, and predicted dashed where the model declares it)
/// and backward gradient variance, both on a log scale: `dir/stem-forward.{png,svg}`,
/// `dir/stem-backward.{png,svg}`.
pub fn plots(report: &Report, title: &str, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, String> {
    let index = |i: usize| (i + 1) as f64;
    let measured: Vec<(f64, f64)> = report
        .activations
        .iter()
        .enumerate()
        .map(|(i, a)| (index(i), a.values.var))
        .collect();
    let predicted: Vec<(f64, f64)> = report
        .activations
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.predicted_var.map(|p| (index(i), p)))
        .collect();
    let run = title.to_string();
    let mut forward = vec![Line::new(&run, Kind::Measured, measured)];
    if !predicted.is_empty() {
        forward.push(Line::new(&run, Kind::Predicted, predicted));
    }
    let backward = vec![Line::new(
        &run,
        Kind::Measured,
        report
            .activations
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.gradient.as_ref().map(|g| (index(i), g.rms * g.rms)))
            .collect(),
    )];
    let runs = [run];
    let mut files = Chart {
        title: &format!("{title}: forward variance per recorded activation"),
        x_label: "record (forward order)",
        y_label: "variance (log)",
        log_y: true,
        runs: &runs,
        lines: &forward,
        y_max: None,
    }
    .write(dir, &format!("{stem}-forward"))?;
    files.extend(
        Chart {
            title: &format!("{title}: backward mean square gradient per recorded activation"),
            x_label: "record (forward order)",
            y_label: "E[(∂loss/∂a)²] (log)",
            log_y: true,
            runs: &runs,
            lines: &backward,
            y_max: None,
        }
        .write(dir, &format!("{stem}-backward"))?,
    );
    Ok(files)
}
