//! Does the verdict at initialisation predict training? (issue 20, item 4.)
//!
//! Every run of [`plan`] is built, diagnosed at initialisation for its own optimiser
//! ([`Diagnosis::run_and_fix`](burn_init::diagnostics::Diagnosis::run_and_fix), through the main
//! job's engine [`crate::training::study::run_one`]) and trained through burn-train; what
//! training did is then decided from training alone by the rule of its [`Protocol`], committed
//! before any of its runs (`docs/verdict-study-rule.md`, `-v2.md`, `-v3.md`, `-v4.md`, `-v5.md`, `-v6.md`;
//! [`outcome`]), and set against the verdict in a confusion
//! matrix ([`report`]). The main job's committed runs (`docs/study/results.json`) join the
//! matrix under the same rule, each compared with the best run of its own group.
//!
//! `cargo run -p burn-init-examples --all-features --bin verdict_study -- --protocol v6 --out docs/verdicts-v6`

pub mod outcome;
pub mod plan;
pub mod rediagnose;
pub mod report;

use std::path::Path;

use burn::tensor::Device;
use burn_init::diagnostics::{Check, Health, Severity};
use serde::{Deserialize, Serialize};

use crate::training::measure::MeanSe;
use crate::training::{StudyError, data::Split, report::names, runs, study};

pub use outcome::{Confusion, Outcome, Row};
pub use plan::{Protocol, VerdictRun, plan};

/// A main-job run outside the rule (the autoencoder has no classes, so no chance level): its
/// verdict beside its validation error, shown, not counted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outside {
    /// `family/init`.
    pub label: String,
    /// The verdict at initialisation.
    pub verdict: Option<burn_init::diagnostics::Verdict>,
    /// Validation loss (per-image MSE for the autoencoder).
    pub valid_loss: MeanSe,
}

/// What the study writes to `results.json` and renders into `report.md`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerdictResults {
    /// The rule it follows (absent in v1's file, which predates v2).
    #[serde(default)]
    pub protocol: Protocol,
    /// The device the study ran on.
    pub device: String,
    /// Every run, classified.
    pub rows: Vec<Row>,
    /// The main job's runs the rule does not cover.
    pub outside: Vec<Outside>,
    /// The verdicts against the outcomes.
    pub confusion: Confusion,
}

/// A verdict with its reasons (each check and the layers it names) and the fix (its
/// description → the verdict under it).
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// The verdict (none: the diagnosis could not be made).
    pub verdict: Option<burn_init::diagnostics::Verdict>,
    /// Each reason: check and layers.
    pub reasons: Vec<String>,
    /// The fix and the verdict under it.
    pub fix: Option<String>,
}

impl Judged {
    /// From a report's health.
    pub fn of(health: &Health) -> Self {
        Self {
            verdict: Some(health.verdict),
            reasons: health.reasons().map(|f| reason(f.check, &f.at)).collect(),
            fix: health
                .fix
                .as_ref()
                .map(|f| format!("{} → {}", f.description, f.verdict)),
        }
    }

    /// From a report's health as JSON (`results.json`). Only the fields the row shows are read:
    /// a finding's value can be NaN, which JSON writes as `null` and a whole `Health` would not
    /// read back.
    pub fn of_json(health: &serde_json::Value) -> Result<Self, String> {
        let mut reasons = Vec::new();
        for f in health["findings"].as_array().into_iter().flatten() {
            let severity: Severity = read(&f["severity"], "a finding's severity")?;
            if severity > Severity::Note {
                let check: Check = read(&f["check"], "a finding's check")?;
                let at: Vec<String> = read(&f["at"], "a finding's layers")?;
                reasons.push(reason(check, &at));
            }
        }
        let fix = match health.get("fix") {
            Some(f) if !f.is_null() => {
                let verdict: burn_init::diagnostics::Verdict =
                    read(&f["verdict"], "the fix's verdict")?;
                Some(format!(
                    "{} → {verdict}",
                    f["description"].as_str().unwrap_or("?")
                ))
            }
            _ => None,
        };
        Ok(Self {
            verdict: Some(read(&health["verdict"], "the verdict")?),
            reasons,
            fix,
        })
    }
}

fn read<T: serde::de::DeserializeOwned>(v: &serde_json::Value, what: &str) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("{what}: {e}"))
}

fn reason(check: Check, at: &[String]) -> String {
    format!("{} at {}", check.name(), names(at))
}

/// A run's row: its verdict, reasons and fix, what training left on the validation images
/// (`valid_loss` per-image cross-entropy, `accuracy` in percent). The outcome is filled by
/// [`outcome::classify`].
pub fn row(
    source: &str,
    run: (&str, &str, &str, u64),
    judged: Judged,
    valid_loss: MeanSe,
    accuracy: MeanSe,
) -> Row {
    let (architecture, init, optimizer, seed) = run;
    Row {
        source: source.to_string(),
        architecture: architecture.to_string(),
        init: init.to_string(),
        optimizer: optimizer.to_string(),
        seed,
        verdict: judged.verdict,
        reasons: judged.reasons,
        fix: judged.fix,
        valid_loss,
        accuracy,
        outcome: None,
        agreement: 0.0,
        counted: true,
    }
}

/// The main job's committed runs (`results.json` of the training study): the classifiers as rows
/// of source `main job`, the autoencoder's as [`Outside`].
pub fn main_job_rows(results: &serde_json::Value) -> Result<(Vec<Row>, Vec<Outside>), String> {
    let field = |v: &serde_json::Value, name: &str| -> Result<serde_json::Value, String> {
        v.get(name)
            .cloned()
            .ok_or_else(|| format!("the main job's results have no `{name}`"))
    };
    let config = field(results, "config")?;
    let optimizer = config["optimizer"].as_str().unwrap_or("adam").to_string();
    let seed = config["seed"].as_u64().unwrap_or(0);
    let runs = field(results, "runs")?;
    let runs = runs
        .as_array()
        .ok_or("the main job's `runs` is not a list")?;
    let (mut rows, mut outside) = (Vec::new(), Vec::new());
    for run in runs {
        let label = run["label"].as_str().unwrap_or("?").to_string();
        let parse = |name: &str| -> Result<MeanSe, String> {
            serde_json::from_value(field(run, name)?).map_err(|e| format!("{label}: `{name}`: {e}"))
        };
        let judged = match run["diagnosis"].get("health") {
            Some(h) => Judged::of_json(h).map_err(|e| format!("{label}: {e}"))?,
            None => Judged::default(),
        };
        let family = run["family"].as_str().unwrap_or("?");
        if family == "autoencoder" {
            outside.push(Outside {
                label: label.clone(),
                verdict: judged.verdict,
                valid_loss: parse("final_loss")?,
            });
            continue;
        }
        let init = run["init"].as_str().unwrap_or("?");
        rows.push(row(
            "main job",
            (family, init, &optimizer, seed),
            judged,
            parse("final_loss")?,
            parse("final_accuracy")?,
        ));
    }
    Ok((rows, outside))
}

/// The model of `run` built, diagnosed and trained on `device`; its row (unclassified).
pub fn run_one(
    run: &VerdictRun,
    split: &Split,
    device: &Device,
    dir: &Path,
) -> Result<Row, StudyError> {
    let config = run.config();
    let data = split.head(config.n_train, config.n_valid);
    let outcome = study::run_one(&run.spec, &config, &data, 0.0, device, dir)?;
    let record = &outcome.record;
    let accuracy = record.final_accuracy.ok_or_else(|| {
        StudyError::Training(format!("{}: no accuracy (not a classifier)", run.label()))
    })?;
    Ok(row(
        "study",
        (
            run.spec.family.name(),
            &run.spec.init_name,
            &run.optimizer.to_string(),
            run.seed,
        ),
        record
            .diagnosis
            .as_ref()
            .map_or_else(Judged::default, |d| Judged::of(&d.health)),
        record.final_loss,
        accuracy,
    ))
}

/// Runs `runs` (all of one protocol) on `device` (each model checked first, so that a misfit is refused before any
/// training), adds the main job's committed runs, classifies them and writes `results.json`
/// and `report.md` into `out` after every run.
pub fn run(
    runs: &[VerdictRun],
    split: &Split,
    main_job: Option<&serde_json::Value>,
    device_name: &str,
    device: &Device,
    out: &Path,
    mut progress: impl FnMut(usize, &Row),
) -> Result<VerdictResults, StudyError> {
    let protocol = runs.first().map_or(Protocol::default(), |r| r.protocol);
    if runs.iter().any(|r| r.protocol != protocol) {
        return Err(StudyError::Argument(
            "the runs of one study follow one protocol".into(),
        ));
    }
    crate::training::prepare_output(out)?;
    let image = [split.train.rows, split.train.cols];
    for run in runs {
        runs::check(&run.spec, &run.config(), split.train.width(), image, device)
            .map_err(|e| StudyError::Policy(format!("run {}: {e}", run.label())))?;
    }
    let (main_rows, outside) = match main_job {
        Some(results) => main_job_rows(results).map_err(StudyError::Argument)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut results = None;
    for (i, run) in runs.iter().enumerate() {
        let dir = out
            .join("burn-train")
            .join(format!("{}-seed{}", run.optimizer, run.seed));
        let row = run_one(run, split, device, &dir)?;
        progress(i, &row);
        rows.push(row);
        let mut all: Vec<Row> = rows.iter().chain(&main_rows).cloned().collect();
        outcome::classify(&mut all, protocol);
        let r = VerdictResults {
            protocol,
            device: device_name.to_string(),
            confusion: Confusion::of(&all),
            rows: all,
            outside: outside.clone(),
        };
        report::write(out, &r, i + 1 == runs.len())?;
        results = Some(r);
    }
    results.ok_or_else(|| StudyError::Argument("no runs".into()))
}
