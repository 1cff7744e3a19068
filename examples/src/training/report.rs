//! The results folder: `report.md`, `results.json` and the plots, rewritten after every run.
//!
//! Every file is written to a temporary name and renamed into place, plots first and
//! `results.json` last, so an interrupted study (Ctrl-C, a crash) leaves complete, readable files:
//! those of the last finished run, or for the files not yet replaced, of the run before.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::StudyError;
use super::claims::Claim;
use super::data::DataSummary;
use super::plots::{Chart, Kind, Line, style};
use super::runs::{Family, StudyConfig};
use super::study::RunRecord;

/// Burn's version: the workspace pins `burn = "=0.22.1"`.
pub const BURN_VERSION: &str = "0.22.1";

/// Everything `results.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Results<'a> {
    /// burn-init's version.
    pub burn_init_version: &'static str,
    /// Burn's version.
    pub burn_version: &'static str,
    /// The device trained on.
    pub device: &'a str,
    /// Sizes and settings.
    pub config: &'a StudyConfig,
    /// The data.
    pub data: &'a DataSummary,
    /// The validation MSE per image of predicting the training set's mean image: the
    /// autoencoder's "learned nothing from the input" baseline.
    pub mean_image_mse: f64,
    /// Every run planned, in order.
    pub planned: Vec<String>,
    /// Whether every planned run finished.
    pub complete: bool,
    /// The finished runs.
    pub runs: &'a [RunRecord],
    /// The claims, decided from the finished runs.
    pub claims: &'a [Claim],
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StudyError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| StudyError::Output(format!("{}: {e}", path.display())))
}

fn cell(value: f64, digits: usize) -> String {
    if value.is_finite() {
        format!("{value:.digits$}")
    } else {
        format!("{value}")
    }
}

fn family_table(out: &mut String, runs: &[&RunRecord]) {
    let classifier = runs.iter().any(|r| r.final_accuracy.is_some());
    let metric = if classifier {
        "valid accuracy %"
    } else {
        "valid MSE"
    };
    let _ = writeln!(
        out,
        "| init | verdict at init (fix) | loss at init (probe ± SE) | ‖∇‖ at init | loss step 0 | loss after N steps (N) | {metric} | steps to threshold | diverged | wall s |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let p = &r.init_probe;
        let last = match r.final_accuracy {
            Some(a) => format!("{} ± {}", cell(a.mean, 1), cell(a.se, 1)),
            None => format!(
                "{} ± {}",
                cell(r.final_loss.mean, 4),
                cell(r.final_loss.se, 4)
            ),
        };
        let verdict = r.diagnosis.as_ref().map_or("—".to_string(), |d| {
            let fix = d.health.fix.as_ref().map_or(String::new(), |f| {
                // The fix's first words name it ("He on every weight (…)").
                let short = f.description.split(" (").next().unwrap_or(&f.description);
                format!(" ({short} → {})", f.verdict)
            });
            format!("{}{fix}", d.health.verdict)
        });
        let _ = writeln!(
            out,
            "| {} | {verdict} | {} ± {} | {} | {} | {} ({}) | {last} | {} | {} | {:.1} |",
            r.init,
            cell(p.loss.mean, 4),
            cell(p.loss.se, 4),
            cell(p.grad_norm, 3),
            cell(r.loss_step0, 4),
            cell(r.loss_after.loss.mean, 4),
            r.loss_after.step,
            r.steps_to_threshold
                .map_or(format!("never (≤ {:.3})", r.threshold), |s| format!(
                    "{s} (≤ {:.3})",
                    r.threshold
                )),
            if r.diverged { "yes" } else { "no" },
            r.wall_seconds
        );
    }
}

/// burn-init's diagnostics of every run at initialisation: the flags (at most five per run),
/// and each run's full report written beside `report.md`; returns the files written.
fn diagnostics(
    out: &mut String,
    dir: &Path,
    runs: &[&RunRecord],
) -> Result<Vec<PathBuf>, StudyError> {
    let _ = writeln!(
        out,
        "\nDiagnostics at initialisation (`burn_init::diagnostics`, the probe batch; full tables in the linked files):\n"
    );
    let mut files = Vec::new();
    for r in runs {
        match (&r.diagnosis, &r.diagnosis_error) {
            (Some(report), _) => {
                let name = format!("diagnostics-{}.txt", r.label.replace('/', "-"));
                write_atomic(&dir.join(&name), report.to_string().as_bytes())?;
                files.push(dir.join(&name));
                let flags = report.flags();
                let shown: Vec<String> = flags
                    .iter()
                    .take(5)
                    .map(|(at, flag)| format!("`{at}`: {flag}"))
                    .collect();
                let more = flags.len().saturating_sub(5);
                let health = &report.health;
                let reasons: Vec<String> = health
                    .reasons()
                    .take(2)
                    .map(|f| format!("{} at {}", f.check.name(), names(&f.at)))
                    .collect();
                let fix = health.fix.as_ref().map_or(String::new(), |f| {
                    format!("; fix: {} → {}", f.description, f.verdict)
                });
                let _ = writeln!(
                    out,
                    "- {} ([{name}]({name})): verdict **{}**{}{fix}; outcome: {}. Flags: {}{}",
                    r.init,
                    health.verdict,
                    if reasons.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", reasons.join("; "))
                    },
                    outcome(r),
                    if flags.is_empty() {
                        "no flags".to_string()
                    } else {
                        shown.join("; ")
                    },
                    if more > 0 {
                        format!("; {more} more")
                    } else {
                        String::new()
                    }
                );
            }
            (None, error) => {
                let _ = writeln!(
                    out,
                    "- {}: no report ({})",
                    r.init,
                    error.as_deref().unwrap_or("not run")
                );
            }
        }
    }
    Ok(files)
}

/// `a`, or `a` … `z` for several record names.
pub fn names(at: &[String]) -> String {
    match at {
        [] => "the model".to_string(),
        [one] => format!("`{one}`"),
        [first, .., last] => format!("`{first}` … `{last}`"),
    }
}

/// What training did: the final validation accuracy (classifiers) or loss.
fn outcome(r: &RunRecord) -> String {
    match r.final_accuracy {
        Some(accuracy) => format!("{:.1} % validation accuracy", accuracy.mean),
        None => format!("validation MSE {:.4}", r.final_loss.mean),
    }
}

/// Above this ratio to the mean-image baseline, an autoencoder's validation error is off its
/// chart (the legend gives the largest): He × 2 reaches 10⁸ and would flatten the runs whose
/// order the claim decides into one line.
pub const AUTOENCODER_RATIO_CAP: f64 = 100.0;

/// The plots of one family; returns their paths (PNG and SVG). `planned` is the family's runs in
/// the study's order (finished or not), so a run keeps its look as the study advances.
fn family_plots(
    dir: &Path,
    family: Family,
    planned: &[String],
    runs: &[&RunRecord],
    mean_image_mse: f64,
) -> Result<Vec<PathBuf>, StudyError> {
    let name = family.name();
    let mut loss: Vec<Line> = Vec::new();
    for r in runs {
        let raw: Vec<(f64, f64)> = r
            .history
            .train_loss
            .iter()
            .enumerate()
            .map(|(i, &l)| (i as f64, l))
            .collect();
        loss.push(Line::new(&r.init, Kind::Measured, style::smooth(&raw)));
        loss.push(Line::new(&r.init, Kind::Raw, raw));
    }
    let classifier = runs.iter().any(|r| r.final_accuracy.is_some());
    let valid: Vec<Line> = runs
        .iter()
        .map(|r| {
            let points = r.history.epochs.iter().map(|e| {
                let y = if classifier {
                    e.valid_accuracy.unwrap_or(f64::NAN)
                } else {
                    e.valid_loss / mean_image_mse
                };
                (e.epoch as f64, y)
            });
            Line::new(&r.init, Kind::Measured, points.collect())
        })
        .collect();
    let variance: Vec<Line> = runs
        .iter()
        .map(|r| {
            let points = r
                .init_probe
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| ((i + 1) as f64, l.variance));
            Line::new(&r.init, Kind::Measured, points.collect())
        })
        .collect();
    // Forward: every recorded activation's variance per run, the run's prediction dashed in
    // the same colour (where the model declares one), and the records its verdict names ringed.
    let mut forward: Vec<Line> = Vec::new();
    for r in runs {
        let Some(d) = &r.diagnosis else { continue };
        let index = |i: usize| (i + 1) as f64;
        let records = d.activations.iter().enumerate();
        forward.push(Line::new(
            &r.init,
            Kind::Measured,
            records
                .clone()
                .map(|(i, a)| (index(i), a.values.var))
                .collect(),
        ));
        let predicted: Vec<(f64, f64)> = records
            .clone()
            .filter_map(|(i, a)| a.predicted_var.map(|p| (index(i), p)))
            .collect();
        if !predicted.is_empty() {
            forward.push(Line::new(&r.init, Kind::Predicted, predicted));
        }
        let named: Vec<(f64, f64)> = records
            .filter(|(_, a)| d.health.reasons().any(|f| f.at.contains(&a.name)))
            .map(|(i, a)| (index(i), a.values.var))
            .collect();
        if !named.is_empty() {
            forward.push(Line::new(&r.init, Kind::Named, named));
        }
    }
    let gradient: Vec<Line> = runs
        .iter()
        .map(|r| {
            let points = r.diagnosis.iter().flat_map(|d| {
                d.activations.iter().enumerate().filter_map(|(i, a)| {
                    a.gradient.as_ref().map(|g| ((i + 1) as f64, g.rms * g.rms))
                })
            });
            Line::new(&r.init, Kind::Measured, points.collect())
        })
        .collect();
    let titles = [
        format!(
            "{name}: training loss per iteration, moving average (weight {})",
            style::SMOOTHING
        ),
        if classifier {
            format!("{name}: validation accuracy per epoch")
        } else {
            format!("{name}: validation MSE per epoch, as a ratio to predicting the mean image")
        },
        format!("{name}: activation variance per layer at initialisation"),
        format!("{name}: variance per recorded activation at initialisation"),
        format!("{name}: mean square gradient per recorded activation at initialisation"),
    ];
    let chart = |title, x_label, y_label, log_y, lines, y_max| Chart {
        title,
        x_label,
        y_label,
        log_y,
        runs: planned,
        lines,
        y_max,
    };
    let record = "recorded activation (forward order)";
    let charts = [
        (
            "loss",
            chart(
                &titles[0],
                "iteration",
                "training loss (log)",
                true,
                &loss,
                None,
            ),
        ),
        (
            "valid",
            if classifier {
                chart(&titles[1], "epoch", "accuracy %", false, &valid, None)
            } else {
                let ratio = "MSE ÷ mean-image MSE (log)";
                chart(
                    &titles[1],
                    "epoch",
                    ratio,
                    true,
                    &valid,
                    Some(AUTOENCODER_RATIO_CAP),
                )
            },
        ),
        (
            "init-variance",
            chart(&titles[2], "layer", "variance (log)", true, &variance, None),
        ),
        (
            "init-forward",
            chart(&titles[3], record, "variance (log)", true, &forward, None),
        ),
        (
            "init-gradient",
            chart(
                &titles[4],
                record,
                "E[(∂loss/∂a)²] (log)",
                true,
                &gradient,
                None,
            ),
        ),
    ];
    let mut files = Vec::new();
    for (stem, chart) in charts {
        let stem = format!("{stem}-{name}");
        files.extend(chart.write(dir, &stem).map_err(StudyError::Output)?);
    }
    Ok(files)
}

/// Writes every plot, then `report.md`, then `results.json` into `dir`.
pub fn write(dir: &Path, results: &Results) -> Result<Vec<PathBuf>, StudyError> {
    let c = results.config;
    let mut md = String::new();
    let _ = writeln!(md, "# Initialisation study: training through burn-train\n");
    let _ = writeln!(
        md,
        "burn-init {}, Burn {}, device `{}`; {}; {} training / {} validation images; {} epoch(s), batch {}, {} lr {}, seed {}.{}\n",
        results.burn_init_version,
        results.burn_version,
        results.device,
        results.data.source,
        results.data.n_train,
        results.data.n_valid,
        c.epochs,
        c.batch_size,
        c.optimizer,
        c.learning_rate,
        c.seed,
        if results.complete {
            String::new()
        } else {
            format!(
                " **Incomplete: {} of {} runs finished.**",
                results.runs.len(),
                results.planned.len()
            )
        }
    );
    let _ = writeln!(md, "## Claims\n");
    let _ = writeln!(
        md,
        "Each comparison must clear 5 standard errors (see `examples/src/training/claims.rs`).\n"
    );
    for claim in results.claims {
        let verdict = match claim.holds {
            Some(true) => "holds",
            Some(false) => "FAILS",
            None => "not run",
        };
        let _ = writeln!(
            md,
            "- **[{verdict}]** {}. {}",
            claim.statement, claim.evidence
        );
    }
    let _ = writeln!(
        md,
        "\nColumns: the loss at initialisation is measured per image on the first {} validation images (mean ± standard error), with the gradient norm of its mean; step 0 is burn-train's first training batch (before any update); \"after N steps\" is the mean of the 10 training batches ending at step N (one epoch); the validation column is per image after the last epoch (± SE); the threshold is a window mean of the training loss.\n",
        c.probe_size
    );
    let mut files = vec![dir.join("report.md"), dir.join("results.json")];
    for family in Family::ALL {
        let runs: Vec<&RunRecord> = results.runs.iter().filter(|r| r.family == family).collect();
        if runs.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {}\n\n{}.\n", family.name(), family.describe(c));
        family_table(&mut md, &runs);
        files.extend(diagnostics(&mut md, dir, &runs)?);
        let prefix = format!("{}/", family.name());
        let planned: Vec<String> = results
            .planned
            .iter()
            .filter_map(|label| label.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let plots = family_plots(dir, family, &planned, &runs, results.mean_image_mse)?;
        let _ = writeln!(md);
        for plot in &plots {
            let name = plot
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".png") {
                let _ = writeln!(md, "![{name}]({name})");
            }
        }
        files.extend(plots);
        let _ = writeln!(md);
    }
    write_atomic(&dir.join("report.md"), md.as_bytes())?;
    // Last: a reader that finds results.json finds the report and plots of the same runs.
    let json = serde_json::to_string_pretty(results)
        .map_err(|e| StudyError::Output(format!("results.json: {e}")))?;
    write_atomic(&dir.join("results.json"), json.as_bytes())?;
    Ok(files)
}
