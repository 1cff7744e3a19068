//! The main job: train real models on real data through burn-train under each initialisation,
//! and show what the initialisation does to training.
//!
//! Data flows one way: IDX files ([`idx`]) → standardised images and batches ([`data`]) → the
//! runs of the study ([`runs`]: a model family under a named initialisation, a burn-init
//! [`Policy`](burn_init::policy::Policy) or Burn's own default) → one run measured and trained
//! ([`study`], [`train`] through burn-train, [`progress`] for the bars and the values, [`measure`]
//! outside burn-train) → the claims decided from the runs ([`claims`]) → the results folder
//! ([`report`], [`plots`]).
//!
//! ```no_run
//! use burn_init_examples::training::{self, StudyConfig};
//!
//! let (split, summary) = training::data::load(&training::data::shipped_dir()).unwrap();
//! let device = burn::tensor::Device::flex();
//! let outcome = training::run(&StudyConfig::quick(), &split, &summary, &[], "flex", &device,
//!     std::path::Path::new("results"))
//! .unwrap();
//! assert!(outcome.claims.iter().all(|c| c.holds.is_some()));
//! ```

pub mod claims;
pub mod config;
pub mod data;
pub mod idx;
pub mod measure;
pub mod models;
pub mod plots;
pub mod progress;
pub mod report;
pub mod runs;
pub mod study;
pub mod train;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use burn_init::policy::Policy;
use thiserror::Error;

pub use config::{StudyConfig, read_config};
pub use runs::Family;

use claims::{Claim, Context};
use data::{DataSummary, Split};
use report::Results;
use study::{RunOutcome, RunRecord};

/// Why the study stopped. Each message is one line naming the file, argument or run.
#[derive(Debug, Error)]
pub enum StudyError {
    /// A command-line argument is invalid.
    #[error("{0}")]
    Argument(String),
    /// The data cannot be used.
    #[error("data: {0}")]
    Data(#[from] idx::IdxError),
    /// A policy cannot be read or applied.
    #[error("policy: {0}")]
    Policy(String),
    /// The results folder cannot be written.
    #[error("output: {0}")]
    Output(String),
    /// burn-train returned an error.
    #[error("training: {0}")]
    Training(String),
}

/// What a finished study returns.
pub struct StudyOutcome {
    /// Every run.
    pub runs: Vec<RunOutcome>,
    /// The claims.
    pub claims: Vec<Claim>,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Reads a policy JSON file ([`Policy::from_json`]: every field with a default may be left out);
/// the error names the file and where in it.
pub fn read_policy(path: &Path) -> Result<(String, Policy), StudyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StudyError::Policy(format!("{}: cannot read: {e}", path.display())))?;
    let policy = Policy::from_json(&text)
        .map_err(|e| StudyError::Policy(format!("{}: {e}", path.display())))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "custom".into());
    Ok((name, policy))
}

/// Creates `dir` and checks that a file can be written in it, before any training.
pub fn prepare_output(dir: &Path) -> Result<(), StudyError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        StudyError::Output(format!("{}: cannot create the folder: {e}", dir.display()))
    })?;
    report::write_atomic(&dir.join(".write-check"), b"ok")?;
    std::fs::remove_file(dir.join(".write-check"))
        .map_err(|e| StudyError::Output(format!("{}: {e}", dir.display())))
}

/// Runs the study on `device`, rewriting the results folder `out` after every run.
///
/// Every run's model is built and initialised once before any training, so that a policy that
/// does not fit a model is reported before minutes are spent.
pub fn run(
    config: &StudyConfig,
    split: &Split,
    summary: &DataSummary,
    custom: &[(String, Policy)],
    device_name: &str,
    device: &Device,
    out: &Path,
) -> Result<StudyOutcome, StudyError> {
    if config.epochs == 0 || config.batch_size == 0 || config.probe_size == 0 {
        return Err(StudyError::Argument(
            "--epochs, --batch-size and the probe size must be at least 1".into(),
        ));
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(StudyError::Argument(format!(
            "--lr {}: expected a positive finite learning rate",
            config.learning_rate
        )));
    }
    prepare_output(out)?;
    config::write_config(out, config)?;
    let split = split.head(config.n_train, config.n_valid);
    let summary = DataSummary {
        n_train: split.train.len(),
        n_valid: split.valid.len(),
        ..summary.clone()
    };
    if split.train.is_empty() || split.valid.is_empty() {
        return Err(StudyError::Argument(format!(
            "{} training and {} validation images: the study needs at least one of each",
            split.train.len(),
            split.valid.len()
        )));
    }
    let plan = runs::plan(config, custom)?;
    let mut labels = std::collections::HashSet::new();
    for spec in &plan {
        if !labels.insert(spec.label()) {
            return Err(StudyError::Argument(format!(
                "run {} appears twice (a family given twice, or a --policy file named like another initialisation)",
                spec.label()
            )));
        }
    }
    let image = [split.train.rows, split.train.cols];
    for spec in &plan {
        runs::check(spec, config, split.train.width(), image, device)
            .map_err(|e| StudyError::Policy(format!("run {}: {e}", spec.label())))?;
    }
    let baseline = study::mean_image_baseline(&split);
    let mut counts = [0usize; 10];
    split
        .valid
        .labels
        .iter()
        .for_each(|&l| counts[l as usize] += 1);
    let context = Context {
        majority_share: *counts.iter().max().unwrap_or(&0) as f64 / split.valid.len().max(1) as f64,
        baseline_mse: baseline.clone(),
    };
    let baseline_mean = measure::MeanSe::of(&baseline).mean;
    let burn_dir = out.join("burn-train");
    let mut outcomes: Vec<RunOutcome> = Vec::new();
    let mut files = Vec::new();
    for spec in &plan {
        let outcome = study::run_one(spec, config, &split, baseline_mean, device, &burn_dir)?;
        outcomes.push(outcome);
        let records: Vec<RunRecord> = outcomes.iter().map(|o| o.record.clone()).collect();
        let claims = claims::check(&outcomes, &context, config.residual_blocks);
        let results = Results {
            burn_init_version: env!("CARGO_PKG_VERSION"),
            burn_version: report::BURN_VERSION,
            device: device_name,
            config,
            data: &summary,
            mean_image_mse: baseline_mean,
            planned: plan.iter().map(|s| s.label()).collect(),
            complete: outcomes.len() == plan.len(),
            runs: &records,
            claims: &claims,
        };
        files = report::write(out, &results)?;
    }
    let claims = claims::check(&outcomes, &context, config.residual_blocks);
    Ok(StudyOutcome {
        runs: outcomes,
        claims,
        files,
    })
}
