//! The study's configuration: a Burn [`Config`](burn::config::Config), written to the results
//! folder as `config.json` before any training, and read back with `--config FILE`, so a
//! results folder says how to make it again.
//!
//! Reading is strict where serde is lenient: a field the study does not know (a typo) is an
//! error, not ignored; a field left out takes its default; a wrong value names its field.

use std::path::Path;

use super::StudyError;
use super::runs::Family;
use crate::cli::OptimizerName;

/// Sizes and training settings of the study: a Burn [`Config`](burn::config::Config), written to
/// the results as `config.json` and read back with `--config FILE`. Every field has a default,
/// so `StudyConfig::new()` is the standard study (136 s of training on a 2-core CPU once built;
/// see the README) and a `config.json` may give only the fields it changes.
#[derive(burn::config::Config, Debug, PartialEq)]
pub struct StudyConfig {
    /// Epochs of every run.
    #[config(default = 3)]
    pub epochs: usize,
    /// Training batch size.
    #[config(default = 100)]
    pub batch_size: usize,
    /// Learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// The optimiser, with burn-train's defaults otherwise.
    #[config(default = "OptimizerName::Adam")]
    pub optimizer: OptimizerName,
    /// Root of every key and of the data order.
    #[config(default = 0)]
    pub seed: u64,
    /// Training images used (at most).
    #[config(default = 8000)]
    pub n_train: usize,
    /// Validation images used (at most).
    #[config(default = 2000)]
    pub n_valid: usize,
    /// Images of the probe batch measured at initialisation.
    #[config(default = 500)]
    pub probe_size: usize,
    /// Hidden layers of the plain MLP.
    #[config(default = 20)]
    pub mlp_depth: usize,
    /// Units per hidden layer of the plain MLP.
    #[config(default = 128)]
    pub mlp_width: usize,
    /// Residual blocks.
    #[config(default = 8)]
    pub residual_blocks: usize,
    /// Width of the residual stream.
    #[config(default = 128)]
    pub residual_width: usize,
    /// Channels of the CNN.
    #[config(default = 16)]
    pub cnn_channels: usize,
    /// Depthwise-separable blocks of the CNN.
    #[config(default = 2)]
    pub cnn_blocks: usize,
    /// Linear layers of the autoencoder.
    #[config(default = 20)]
    pub ae_layers: usize,
    /// Width of the autoencoder's code.
    #[config(default = 16)]
    pub ae_bottleneck: usize,
    /// Width d of the patch transformer (heads of d/4).
    #[config(default = 64)]
    pub transformer_width: usize,
    /// Side of the patch transformer's square patches (must divide the image's sides).
    #[config(default = 7)]
    pub patch: usize,
    /// Families to run (`mlp`, `residual`, `cnn`, `autoencoder`).
    #[config(default = "Family::ALL.to_vec()")]
    pub families: Vec<Family>,
    /// Write each trained model with Burn's recorder to `burn-train/<run>/model.bpk` in the
    /// results, beside burn-train's metric files.
    #[config(default = false)]
    pub save_models: bool,
}

impl StudyConfig {
    /// The standard study: [`StudyConfig::new`].
    pub fn standard() -> Self {
        Self::new()
    }

    /// A small configuration for tests and CI: every family, 2 000 training and 500 validation
    /// images, batches of 20, one epoch (100 steps), narrower MLP and residual stream (64).
    pub fn quick() -> Self {
        Self {
            epochs: 1,
            batch_size: 20,
            n_train: 2000,
            n_valid: 500,
            probe_size: 200,
            mlp_width: 64,
            residual_blocks: 8,
            residual_width: 64,
            cnn_channels: 8,
            cnn_blocks: 1,
            ..Self::standard()
        }
    }
}

/// Reads a study configuration: the fields `path` gives over the defaults of
/// [`StudyConfig::new`]. The error names the file and the field.
pub fn read_config(path: &Path) -> Result<StudyConfig, StudyError> {
    let file =
        |message: String| StudyError::Argument(format!("--config {}: {message}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| file(format!("cannot read: {e}")))?;
    let given: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| file(format!("not JSON: {e}")))?;
    let serde_json::Value::Object(given) = given else {
        return Err(file("expected a JSON object of the study's fields".into()));
    };
    let defaults = match serde_json::to_value(StudyConfig::new()) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            return Err(file(
                "the default configuration cannot be serialised".into(),
            ));
        }
    };
    let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
    // One field at a time over the defaults, so that a wrong value names its field.
    let mut merged = defaults.clone();
    for (name, value) in &given {
        if !defaults.contains_key(name) {
            return Err(file(format!(
                "unknown field `{name}` (expected one of {})",
                known.join(", ")
            )));
        }
        let mut one = defaults.clone();
        one.insert(name.clone(), value.clone());
        serde_json::from_value::<StudyConfig>(serde_json::Value::Object(one))
            .map_err(|e| file(format!("`{name}`: {e}")))?;
        merged.insert(name.clone(), value.clone());
    }
    let config: StudyConfig = serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| file(e.to_string()))?;
    if let Some(family) = config.families.iter().find(|f| !Family::ALL.contains(f)) {
        return Err(file(format!(
            "`families`: {} is the verdict study's; the main job runs {}",
            family.name(),
            Family::ALL.map(|f| f.name()).join(", ")
        )));
    }
    Ok(config)
}

/// Writes `config` to `dir/config.json` (what [`read_config`] reads back).
pub fn write_config(dir: &Path, config: &StudyConfig) -> Result<(), StudyError> {
    let json = serde_json::to_string_pretty(config)
        .map_err(|e| StudyError::Output(format!("config.json: {e}")))?;
    super::report::write_atomic(&dir.join("config.json"), json.as_bytes())
}
