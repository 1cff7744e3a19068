//! The study itself: every catalogue model on every enabled backend against the f64 reference
//! (run in a child process: see [`reference`](super::reference)), with its forward and backward
//! times; a table for the terminal, `results.json` and `report.md`.

use std::fmt::Write as _;
use std::path::Path;

use burn::tensor::Device;
use burn_init::Key;
use serde::Serialize;

use super::agreement::{
    Against, LayerAgreement, compare, compare_gradients, difference, first_disagreement,
    gradient_tolerance,
};
use super::catalogue::{self, Run};
use crate::training::plots::{Chart, Kind, Line};

/// The key every model is drawn from.
pub const KEY: u64 = 24;

/// One model on one backend.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub model: String,
    pub backend: String,
    /// K of the tolerance (the model's largest fan-in).
    pub width: usize,
    /// Whether the backend's weights have the reference's fingerprint.
    pub same_weights: bool,
    /// Median forward time, seconds.
    pub forward_s: f64,
    /// Median forward + backward time on the backend's autodiff device, seconds.
    pub backward_s: f64,
    /// The largest difference / tolerance over the layers.
    pub worst: f64,
    /// The first layer beyond rounding.
    pub first_disagreement: Option<String>,
    /// Every layer against the reference.
    pub layers: Vec<LayerAgreement>,
    /// The loss's difference from the reference's, in units of its tolerance.
    pub loss: f64,
    /// The largest difference / tolerance over every parameter's gradient.
    pub worst_gradient: f64,
    /// Every parameter whose gradient is beyond rounding (visiting order): where the backward
    /// pass goes wrong is between the ones listed and the ones not (a parameter nearer the
    /// output that agrees, one further back that does not).
    pub gradient_disagreements: Vec<String>,
}

/// Every catalogue model's reference run, on `device` (flex configured to f64).
pub fn reference_runs(device: &Device) -> Result<Vec<(String, Run)>, String> {
    catalogue::models()
        .into_iter()
        .map(|model| {
            Ok((
                model.name.to_string(),
                model.capture(Key::new(KEY), device)?,
            ))
        })
        .collect()
}

/// Every catalogue model on every backend of `backends` against `reference`, timed over `runs`.
pub fn rows(
    reference: &[(String, Run)],
    backends: &[(&str, Device)],
    runs: usize,
) -> Result<Vec<Row>, String> {
    let key = Key::new(KEY);
    let mut rows = Vec::new();
    for model in catalogue::models() {
        let (_, expected) = reference
            .iter()
            .find(|(name, _)| name == model.name)
            .ok_or_else(|| format!("no reference for {}", model.name))?;
        for (backend, device) in backends {
            let run = model.capture(key, device)?;
            let layers = compare(&run.layers, &expected.layers, run.width, Against::F64)?;
            let worst = worst_of(&layers);
            let depth = run.layers.len();
            let gradient_tol = gradient_tolerance(depth, run.width, run.reduced, Against::F64);
            let gradients = compare_gradients(&run.gradients, &expected.gradients, gradient_tol)?;
            if gradients.len() != expected.gradients.len() {
                return Err(format!("{} on {backend}: gradients missing", model.name));
            }
            let loss = difference(&[run.loss], &[expected.loss]).map_or(f64::INFINITY, |d| d.0)
                / gradient_tol;
            rows.push(Row {
                model: model.name.to_string(),
                backend: backend.to_string(),
                width: run.width,
                same_weights: run.fingerprint == expected.fingerprint,
                forward_s: model.time(key, device, runs, false)?,
                backward_s: model.time(key, device, runs, true)?,
                worst,
                first_disagreement: first_disagreement(&layers).map(|l| l.layer.clone()),
                layers,
                loss,
                worst_gradient: worst_of(&gradients),
                gradient_disagreements: gradients
                    .iter()
                    .filter(|g| g.disagrees())
                    .map(|g| g.layer.clone())
                    .collect(),
            });
        }
    }
    Ok(rows)
}

/// The largest difference / tolerance of `layers`.
pub fn worst_of(layers: &[LayerAgreement]) -> f64 {
    layers
        .iter()
        .map(|l| l.difference / l.tolerance)
        .fold(0.0f64, f64::max)
}

/// A row's cells, as the table and the report show them.
fn cells(r: &Row, differ: &str) -> [String; 10] {
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
        format!("{:.3}", r.worst),
        format!("{:.3}", r.loss),
        format!("{:.3}", r.worst_gradient),
        first,
    ]
}

/// The column heads of [`cells`].
const HEADS: [&str; 10] = [
    "model",
    "backend",
    "K",
    "weights",
    "forward ms",
    "fwd+bwd ms",
    "layers/tol",
    "loss/tol",
    "grads/tol",
    "first disagreement",
];

/// The table: one line per model and backend.
pub fn table(rows: &[Row]) -> String {
    let line = |c: &[String]| {
        format!(
            "{:<12} {:<8} {:>5} {:>7} {:>11} {:>11} {:>10} {:>9} {:>9}  {}\n",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]
        )
    };
    let mut out = line(&HEADS.map(String::from));
    for r in rows {
        out.push_str(&line(&cells(r, "DIFFER")));
    }
    out
}

/// The model whose per-layer agreement the report plots: the deepest of the catalogue.
pub const PLOTTED_MODEL: &str = "autoencoder";

/// `time.png/svg` (forward + backward per model, one line per backend, log scale) and
/// `agreement.png/svg` (difference / tolerance per layer of [`PLOTTED_MODEL`], one line per
/// backend).
fn plots(dir: &Path, rows: &[Row]) -> Result<(), String> {
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
                .find(|r| &r.backend == backend && r.model == PLOTTED_MODEL)?;
            let points = row
                .layers
                .iter()
                .map(|l| (l.depth as f64, l.difference / l.tolerance))
                .collect();
            Some(Line::new(backend, Kind::Measured, points))
        })
        .collect();
    let title = format!("{PLOTTED_MODEL}: each layer against f64, in units of its tolerance");
    Chart {
        title: &title,
        x_label: "layer (forward order)",
        y_label: "difference / tolerance",
        log_y: false,
        runs: &backends,
        lines: &agreement,
        y_max: None,
    }
    .write(dir, "agreement")?;
    Ok(())
}

/// `results.json`, `report.md` and the plots in `dir`.
pub fn write(dir: &Path, rows: &[Row], command: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    plots(dir, rows)?;
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "burn_version": crate::training::report::BURN_VERSION,
        "key": KEY,
        "command": command,
        "rows": rows,
    }))
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.json"), json).map_err(|e| e.to_string())?;
    let mut report = String::from(
        "# Backends: the same weights on every backend\n\n\
         Every model of the catalogue (`examples/src/backends/catalogue.rs`) drawn from one key on \
         every backend, its weights checked by fingerprint, its forward pass compared layer by \
         layer with an f64 reference of the same weights (flex in f64), and timed (median, \
         forward; forward and backward of the output's mean square). `worst/tol` is the largest \
         difference over the layers in units of the tolerance f32 rounding allows \
         (`examples/src/backends/agreement.rs`), `loss/tol` the loss's (the output's mean \
         square) and `grads/tol` the largest of every parameter's gradient, in units of their \
         own tolerance (`gradient_tolerance`); above 1 the first such layer or parameter is \
         named. In progress (issue 24): no training comparison or replicas yet.\n\n",
    );
    let _ = writeln!(report, "Command: `{command}`\n");
    let order: Vec<String> = catalogue::models()
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{} = {}", i + 1, m.name))
        .collect();
    let _ = writeln!(
        report,
        "![forward and backward time per model and backend](time.png)\n\n\
         Models in the time plot: {}.\n\n\
         ![{PLOTTED_MODEL}: each layer against f64](agreement.png)\n",
        order.join(", ")
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
    std::fs::write(dir.join("report.md"), report).map_err(|e| e.to_string())
}
