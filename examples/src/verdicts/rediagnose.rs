//! The committed runs of a protocol diagnosed again at initialisation under today's checks.
//!
//! Two readers: the test that a protocol's committed verdicts are what the code gives (a change
//! to a check that moves a verdict fails there until the study is regenerated), and a new rule's
//! list of the earlier runs whose verdict its change moves, made before any of its own runs
//! (`verdict_study --protocol v5 --rediagnose`).

use burn::tensor::Device;
use burn_init::diagnostics::Report;

use super::{Row, VerdictResults, plan};
use crate::training::runs::{self, RunSpec, StudyConfig};
use crate::training::{StudyError, data::Split, study};

/// The model and configuration a committed row was diagnosed with: its protocol's planned run
/// (`study`), or the main job's standard run of that initialisation (`main job`).
pub fn rebuild(row: &Row, results: &VerdictResults) -> Result<(RunSpec, StudyConfig), StudyError> {
    let missing = |whose: &str| StudyError::Argument(format!("{} is not in {whose}", row.label()));
    if row.source == "study" {
        let planned = plan(results.protocol)?;
        let run = planned
            .iter()
            .find(|p| {
                p.spec.family.name() == row.architecture
                    && p.spec.init_name == row.init
                    && p.optimizer.to_string() == row.optimizer
                    && p.seed == row.seed
            })
            .ok_or_else(|| missing("the protocol's plan"))?;
        Ok((run.spec.clone(), run.config()))
    } else {
        let config = StudyConfig::standard();
        let spec = runs::plan(&config, &[])?
            .into_iter()
            .find(|s| s.family.name() == row.architecture && s.init_name == row.init)
            .ok_or_else(|| missing("the main job's plan"))?;
        Ok((spec, config))
    }
}

/// Every row of `results` rebuilt with its committed configuration and key on `device` and
/// diagnosed for its optimiser on the same validation images: (the committed row, today's
/// report), in the results' order. A report that cannot be made is an error naming the run.
pub fn rediagnose(
    results: &VerdictResults,
    split: &Split,
    device: &Device,
    mut progress: impl FnMut(&Row, &Report),
) -> Result<Vec<(Row, Report)>, StudyError> {
    let mut out = Vec::with_capacity(results.rows.len());
    for row in &results.rows {
        let (spec, config) = rebuild(row, results)?;
        let data = split.head(config.n_train, config.n_valid);
        let report = study::diagnose_init(&spec, &config, &data, device)?
            .map_err(|e| StudyError::Training(format!("{}: no diagnosis: {e}", row.label())))?;
        progress(row, &report);
        out.push((row.clone(), report));
    }
    Ok(out)
}
