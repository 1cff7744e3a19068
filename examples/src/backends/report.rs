//! What the backends study shows: the table in the terminal, `results.json`, `report.md` and the
//! plots (time per model and backend, agreement per layer, the training comparison's losses and
//! gaps), in the style of the main job's results folder.

use std::fmt::Write as _;
use std::path::Path;

mod training;

use super::catalogue;
use super::replicas::Replicas;
use super::study::{KEY, Row, Skipped};
use super::training::Training as TrainingComparison;
use crate::training::plots::{Chart, Kind, Line};
pub use training::training_table;
use training::{replicas_section, training_plots, training_section};

/// A row's cells, as the table and the report show them.
fn cells(r: &Row, differ: &str) -> [String; 11] {
    let first = r
        .first_disagreement
        .clone()
        .or_else(|| {
            let n = r.gradient_disagreements.len();
            (n > 0).then(|| format!("gradients of {n}: {}", r.gradient_disagreements.join(", ")))
        })
        .unwrap_or_else(|| "—".to_string());
    [
        r.model.clone(),
        r.backend.clone(),
        r.width.to_string(),
        if r.same_weights { "same" } else { differ }.to_string(),
        format!("{:.3}", r.forward_s * 1e3),
        format!("{:.3}", r.backward_s * 1e3),
        r.peak_bytes.map_or("—".into(), |b| {
            format!("{:.2}", b as f64 / (1u64 << 20) as f64)
        }),
        format!("{:.3}", r.worst),
        format!("{:.3}", r.loss),
        format!("{:.3}", r.worst_gradient),
        first,
    ]
}

/// The column heads of [`cells`].
const HEADS: [&str; 11] = [
    "model",
    "backend",
    "K",
    "weights",
    "forward ms",
    "fwd+bwd ms",
    "peak MiB",
    "layers/tol",
    "loss/tol",
    "grads/tol",
    "first disagreement",
];

/// The table: one line per model and backend.
pub fn table(rows: &[Row]) -> String {
    let line = |c: &[String]| {
        format!(
            "{:<15} {:<8} {:>5} {:>7} {:>11} {:>11} {:>9} {:>10} {:>9} {:>9}  {}\n",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
        )
    };
    let mut out = line(&HEADS.map(String::from));
    for r in rows {
        out.push_str(&line(&cells(r, "DIFFER")));
    }
    out
}

/// The model whose per-layer agreement the report plots: the one with the largest layer
/// disagreement, else the autoencoder.
pub fn plotted_model(rows: &[Row]) -> &str {
    rows.iter()
        .filter(|r| r.worst > 1.0)
        .max_by(|a, b| a.worst.total_cmp(&b.worst))
        .map_or("autoencoder", |r| r.model.as_str())
}

/// `time.png/svg` (forward + backward per model, one line per backend, log scale) and
/// `agreement.png/svg` (difference / tolerance per layer of [`plotted_model`], one line per
/// backend, log scale).
fn plots(dir: &Path, rows: &[Row]) -> Result<(), String> {
    let plotted = plotted_model(rows);
    let mut backends: Vec<String> = rows.iter().map(|r| r.backend.clone()).collect();
    backends.sort();
    backends.dedup();
    let models: Vec<&str> = catalogue::models().iter().map(|m| m.name).collect();
    let time: Vec<Line> = backends
        .iter()
        .map(|backend| {
            let points = rows
                .iter()
                .filter(|r| &r.backend == backend)
                .filter_map(|r| {
                    let i = models.iter().position(|m| *m == r.model)?;
                    Some(((i + 1) as f64, r.backward_s * 1e3))
                })
                .collect();
            Line::new(backend, Kind::Measured, points)
        })
        .collect();
    Chart {
        title: "Forward + backward time per model (median)",
        x_label: "model (1 = mlp … in catalogue order, report.md)",
        y_label: "milliseconds",
        log_y: true,
        runs: &backends,
        lines: &time,
        y_max: None,
    }
    .write(dir, "time")?;
    let agreement: Vec<Line> = backends
        .iter()
        .filter_map(|backend| {
            let row = rows
                .iter()
                .find(|r| &r.backend == backend && r.model == plotted)?;
            let points = row
                .layers
                .iter()
                .map(|l| (l.depth as f64, l.difference / l.tolerance))
                .collect();
            Some(Line::new(backend, Kind::Measured, points))
        })
        .collect();
    let title = format!("{plotted}: each layer against f64, in units of its tolerance");
    Chart {
        title: &title,
        x_label: "layer (forward order)",
        y_label: "difference / tolerance (1: rounding's limit)",
        log_y: true,
        runs: &backends,
        lines: &agreement,
        y_max: None,
    }
    .write(dir, "agreement")?;
    Ok(())
}

/// What the study found, as [`write`] shows it.
pub struct Results<'a> {
    /// One per model and backend.
    pub rows: &'a [Row],
    /// The models not run.
    pub skipped: &'a [Skipped],
    /// How the weights were drawn, in words.
    pub weights: &'a str,
    /// The training comparison and the replicas, when run.
    pub training: Option<(&'a TrainingComparison, &'a Replicas)>,
    /// The command that made them.
    pub command: &'a str,
}

/// `results.json`, `report.md` and the plots in `dir`.
pub fn write(dir: &Path, results: &Results) -> Result<(), String> {
    let Results {
        rows,
        skipped,
        weights,
        training,
        command,
    } = *results;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    plots(dir, rows)?;
    if let Some((training, _)) = training {
        training_plots(dir, training)?;
    }
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "burn_version": crate::training::report::BURN_VERSION,
        "key": KEY,
        "command": command,
        "weights": weights,
        "rows": rows,
        "skipped": skipped,
        "training": training.map(|t| t.0),
        "replicas": training.map(|t| t.1),
    }))
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.json"), json).map_err(|e| e.to_string())?;
    let mut report = String::from(
        "# Backends: the same weights on every backend\n\n\
         Every model of the catalogue (`examples/src/backends/catalogue.rs`) drawn from one key on \
         every backend, its weights checked by fingerprint, its forward pass compared layer by \
         layer with an f64 reference of the same weights (flex in f64), and timed (median, \
         forward; forward and backward of the output's mean square). `peak MiB` is the memory \
         the backend's allocator had in use after the forward and after the backward pass of \
         one more, untimed run (Burn's `Device::memory_pool_usage`; a lower bound on the peak; \
         — where the backend does not report it, as flex and ndarray do not). `layers/tol` is the largest \
         difference over the layers in units of the tolerance f32 rounding allows \
         (`examples/src/backends/agreement.rs`), `loss/tol` the loss's (the output's mean \
         square) and `grads/tol` the largest of every parameter's gradient, in units of their \
         own tolerance (`gradient_tolerance`); above 1 the first such layer or parameter is \
         named. The training comparison follows the table.\n\n",
    );
    let _ = writeln!(report, "Command: `{command}`\n\nWeights: {weights}.\n");
    for skip in skipped {
        let _ = writeln!(report, "Not run: {} ({}).\n", skip.model, skip.reason);
    }
    let order: Vec<String> = catalogue::models()
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{} = {}", i + 1, m.name))
        .collect();
    let _ = writeln!(
        report,
        "![forward and backward time per model and backend](time.png)\n\n\
         Models in the time plot: {}.\n\n\
         ![{plotted}: each layer against f64](agreement.png)\n",
        order.join(", "),
        plotted = plotted_model(rows)
    );
    // Backends whose every layer of every model differs from the reference by exactly the same
    // amount computed the same bits: their lines coincide in the plot.
    let same = |a: &str, b: &str| {
        let of = |backend: &str| -> Vec<Vec<f64>> {
            rows.iter()
                .filter(|r| r.backend == backend)
                .map(|r| r.layers.iter().map(|l| l.difference).collect())
                .collect()
        };
        let (x, y) = (of(a), of(b));
        !x.is_empty() && x == y
    };
    if same("flex", "ndarray") {
        report.push_str(
            "flex and ndarray computed the same bits on every layer of every model: their lines \
             coincide.\n\n",
        );
    }
    let _ = writeln!(report, "| {} |", HEADS.join(" | "));
    let _ = writeln!(report, "|{}", "---|".repeat(HEADS.len()));
    for r in rows {
        let _ = writeln!(report, "| {} |", cells(r, "**differ**").join(" | "));
    }
    report.push_str(
        "\nTimes are from one run on the machine that ran the command, CPU and wgpu alike; wgpu \
         on a machine without a GPU is Mesa's software Vulkan (llvmpipe): its times say nothing \
         of a GPU's.\n",
    );
    if let Some((training, replicas)) = training {
        training_section(&mut report, training);
        replicas_section(&mut report, replicas);
    }
    std::fs::write(dir.join("report.md"), report).map_err(|e| e.to_string())
}
