//! One training run through burn-train 0.22.1: `SupervisedTraining` + `Learner`, Adam (or SGD),
//! the study's renderer and history logger, no checkpoints, no worker threads (`num_workers` 0:
//! batches come in the loader's order, so one seed reproduces a run).
//!
//! The run's folder is burn-train's artifact directory: its own `FileMetricLogger` writes every
//! metric there (`train/epoch-N/Loss.log`, `valid/…`), and with
//! [`StudyConfig::save_models`] the trained model is written beside them as `model.bpk` with
//! Burn's recorder (`Module::save_file`, burnpack), as Burn's own examples do.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::optim::{AdamConfig, SgdConfig};
use burn::train::logger::FileMetricLogger;
use burn::train::{InferenceStep, Learner, LearnerModel, SupervisedTraining, TrainStep};

use super::StudyError;
use super::data::{ImageBatch, ImageBatcher, Item, Split};
use super::progress::{BarRenderer, History, HistoryLogger};
use super::runs::StudyConfig;
use crate::cli::OptimizerName;

/// What a run left: the trained model (validation mode), every reported value and the time.
pub struct Trained<M> {
    /// The model after the last epoch.
    pub model: M,
    /// Every value burn-train reported.
    pub history: History,
    /// Seconds from launch to return.
    pub wall_seconds: f64,
}

/// The trained model's file in the run's folder, with [`StudyConfig::save_models`].
pub const MODEL_FILE: &str = "model.bpk";

/// Validation batches (the size only changes speed, not the epoch means).
const VALID_BATCH: usize = 500;

/// Trains `model` on `data` for `config.epochs` epochs; `register` adds the metrics.
pub fn launch<M>(
    model: M,
    data: &Split,
    config: &StudyConfig,
    dir: &Path,
    label: &str,
    register: impl FnOnce(SupervisedTraining<M>) -> SupervisedTraining<M>,
) -> Result<Trained<M>, StudyError>
where
    M: LearnerModel + TrainStep<Input = ImageBatch> + InferenceStep<Input = ImageBatch>,
{
    let batcher = ImageBatcher(data.train.clone());
    launch_batched(model, batcher, data, config, dir, label, register)
}

/// [`launch`] with the training batches made by `batcher` (from items of `data.train`, in the
/// loader's order: with no worker threads and one device its n-th call makes step n's batch).
pub fn launch_batched<M, B>(
    model: M,
    batcher: B,
    data: &Split,
    config: &StudyConfig,
    dir: &Path,
    label: &str,
    register: impl FnOnce(SupervisedTraining<M>) -> SupervisedTraining<M>,
) -> Result<Trained<M>, StudyError>
where
    M: LearnerModel + TrainStep<Input = ImageBatch> + InferenceStep<Input = ImageBatch>,
    B: Batcher<Item, ImageBatch> + 'static,
{
    let history = Arc::new(Mutex::new(History::default()));
    let train = DataLoaderBuilder::new(batcher)
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .num_workers(0)
        .build(data.train.clone());
    let valid = DataLoaderBuilder::new(ImageBatcher(data.valid.clone()))
        .batch_size(VALID_BATCH)
        .num_workers(0)
        .build(data.valid.clone());
    let optimizer = match config.optimizer {
        OptimizerName::Adam => AdamConfig::new().init(),
        OptimizerName::Sgd => SgdConfig::new().init(),
    };
    let training = register(SupervisedTraining::new(dir, train, valid))
        .num_epochs(config.epochs)
        .with_application_logger(None)
        .renderer(Box::new(BarRenderer::new(label)))
        .with_metric_logger(FileMetricLogger::new(dir))
        .with_metric_logger(HistoryLogger::new(history.clone()));
    let start = Instant::now();
    let result = training.launch(Learner::new(model, optimizer, config.learning_rate));
    let wall_seconds = start.elapsed().as_secs_f64();
    if let Some(error) = result.error {
        return Err(StudyError::Training(format!("{label}: {error}")));
    }
    if let Some(stop) = result.interrupted {
        return Err(StudyError::Training(format!(
            "{label}: interrupted: {stop:?}"
        )));
    }
    if config.save_models {
        let file = dir.join(MODEL_FILE);
        result
            .model
            .clone()
            .save_file(&file)
            .map_err(|e| StudyError::Output(format!("{}: {e}", file.display())))?;
    }
    let history = history.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Trained {
        model: result.model,
        history,
        wall_seconds,
    })
}
