//! The training comparison's and the replicas' part of the report: their tables, the sentences
//! that say what each backend's departure does and does not show, and the training plots.

use std::fmt::Write as _;
use std::path::Path;

use super::super::replicas::Replicas;
use super::super::training::{Curve, Training};
use crate::training::plots::{Chart, Kind, Line};

/// The training comparison's cells of one run (`control`: the one-ulp control, whose weights
/// differ on purpose).
fn training_cells(c: &Curve, control: bool) -> [String; 9] {
    let before = c.first_departure.unwrap_or(c.gaps.len());
    let largest = c.gaps[..before].iter().copied().fold(0.0f64, f64::max);
    [
        c.backend.clone(),
        match (c.same_weights, control) {
            (true, _) => "same",
            (false, true) => "nudged",
            (false, false) => "DIFFER",
        }
        .to_string(),
        if c.same_batches { "same" } else { "DIFFER" }.to_string(),
        c.losses.first().map_or("—".into(), |l| format!("{l:.7}")),
        c.gaps.first().map_or("—".into(), |g| format!("{g:.3}")),
        format!("{largest:.3}"),
        c.first_departure.map_or("never".into(), |s| s.to_string()),
        c.losses.last().map_or("—".into(), |l| format!("{l:.4}")),
        format!("{:.1}", c.wall_s),
    ]
}

/// Every run's cells, the backends' then the control's.
fn training_rows(t: &Training) -> impl Iterator<Item = [String; 9]> + '_ {
    let runs = t.curves.iter().map(|c| (c, false));
    runs.chain([(&t.control, true)])
        .map(|(c, control)| training_cells(c, control))
}

/// The column heads of [`training_cells`].
const TRAINING_HEADS: [&str; 9] = [
    "run",
    "weights",
    "batches",
    "loss at step 0",
    "gap at 0 / tol",
    "largest gap before / tol",
    "first step beyond rounding",
    "last loss",
    "seconds",
];

/// The training comparison as a table for the terminal.
pub fn training_table(t: &Training) -> String {
    let line = |c: &[String]| {
        format!(
            "{:<16} {:<7} {:<7} {:>14} {:>14} {:>24} {:>26} {:>9} {:>7}\n",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
        )
    };
    let mut out = format!(
        "{}, {} steps, against {} (loss tolerance {:.2e}):\n",
        t.model, t.steps, t.reference, t.tolerance
    );
    out.push_str(&line(&TRAINING_HEADS.map(String::from)));
    for cells in training_rows(t) {
        out.push_str(&line(&cells));
    }
    out
}

/// What each backend's run shows, in words. Only step 0 (and the steps before a departure) can
/// tell a backend's error from rounding: there the runs hold the same weights and see the same
/// batch. After a departure, training has amplified whatever differed, and a one-ulp difference
/// departs as a backend's does, so the step of departure measures training's sensitivity, not the
/// backend; it is stated beside the control's, not judged by it.
fn findings(t: &Training) -> Vec<String> {
    let control = t.control.first_departure;
    let after = |step: Option<usize>| step.map_or("never".to_string(), |s| format!("at step {s}"));
    t.curves
        .iter()
        .skip(1)
        .map(|c| {
            let start = c.gaps.first().copied().unwrap_or(f64::NAN);
            let weights = match (c.same_weights, c.same_batches) {
                (true, true) => "the same weights and batches",
                (false, true) => "**other weights** and the same batches",
                (true, false) => "the same weights and **other batches**",
                (false, false) => "**other weights and batches**",
            };
            if start.is_nan() || start > 1.0 {
                return format!(
                    "{}: from {weights}, step 0 is {start:.3} tolerances from {}: more than one pass's rounding",
                    c.backend, t.reference
                );
            }
            format!(
                "{}: from {weights}, step 0 is {start:.3} of the tolerance from {} (within rounding); it leaves the rounding band {}, the one-ulp control {}",
                c.backend,
                t.reference,
                after(c.first_departure),
                after(control)
            )
        })
        .collect()
}

pub(super) fn training_section(report: &mut String, t: &Training) {
    let _ = writeln!(
        report,
        "\n## Training: the same weights and batches on every backend\n\n\
         {model}, {steps} steps through burn-train on every backend \
         (`examples/src/backends/training.rs`), each from the same weights (`weights`: \
         fingerprint equal to {r}'s) and the same batches (`batches`: every step's image indices \
         equal to {r}'s), and a control: {r} again from every weight × (1 + 2⁻²³). A step's gap \
         is |L − L_{r}| / L_{r} in units of the loss tolerance between two f32 runs \
         ({tol:.2e}): above 1 the runs differ by more than one pass's rounding. `seconds`: \
         burn-train's training and validation.\n\n\
         ![loss per step on every backend](training.png)\n\n\
         ![each run's gap from {r}, per step](training_gap.png)\n",
        model = t.model,
        steps = t.steps,
        r = t.reference,
        tol = t.tolerance
    );
    let _ = writeln!(report, "| {} |", TRAINING_HEADS.join(" | "));
    let _ = writeln!(report, "|{}", "---|".repeat(TRAINING_HEADS.len()));
    for cells in training_rows(t) {
        let _ = writeln!(report, "| {} |", cells.join(" | "));
    }
    report.push('\n');
    for finding in findings(t) {
        let _ = writeln!(report, "- {finding}.");
    }
    report.push_str(
        "\nOnly the steps before a departure can tell a backend's error from rounding: there the \
         runs hold nearly the same weights and see the same batch. A departure itself is \
         training amplifying whatever differed, a one-ulp change included (the control), so its \
         step measures training's sensitivity to a perturbation, not the backend.\n",
    );
    report.push_str("\nEvery two runs, the first step their losses differ beyond rounding:\n\n| | |\n|---|---|\n");
    for p in &t.pairs {
        let step = p.first_departure.map_or("never".into(), |s| s.to_string());
        let _ = writeln!(report, "| {} – {} | {step} |", p.a, p.b);
    }
}

/// `training.png/svg` (the loss of every step, one line per run) and `training_gap.png/svg`
/// (each run's gap from the reference in units of the tolerance, log scale; a gap of exactly 0,
/// the same bits, cannot be drawn and is counted in the legend).
pub(super) fn training_plots(dir: &Path, t: &Training) -> Result<(), String> {
    let runs: Vec<&Curve> = t.curves.iter().chain([&t.control]).collect();
    let names: Vec<String> = runs.iter().map(|c| c.backend.clone()).collect();
    let steps = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v))
            .collect()
    };
    let loss: Vec<Line> = runs
        .iter()
        .map(|c| Line::new(&c.backend, Kind::Measured, steps(&c.losses)))
        .collect();
    Chart {
        title: "Training loss per step, the same weights and batches on every backend",
        x_label: "step",
        y_label: "training loss (cross-entropy)",
        log_y: false,
        runs: &names,
        lines: &loss,
        y_max: None,
    }
    .write(dir, "training")?;
    let gap: Vec<Line> = runs
        .iter()
        .skip(1)
        .map(|c| Line::new(&c.backend, Kind::Measured, steps(&c.gaps)))
        .collect();
    let title = format!("Each run's loss against {}'s, per step", t.reference);
    Chart {
        title: &title,
        x_label: "step",
        y_label: "gap / tolerance (1: one pass's rounding)",
        log_y: true,
        runs: &names,
        lines: &gap,
        y_max: None,
    }
    .write(dir, "training_gap")?;
    Ok(())
}

pub(super) fn replicas_section(report: &mut String, r: &Replicas) {
    let devices: Vec<&str> = r.replicas.iter().map(|x| x.device.as_str()).collect();
    let _ = writeln!(
        report,
        "\n## Replicas without a broadcast\n\n\
         The same MLP drawn from the key on each device, against the model burn-train's \
         `ExecutionStrategy::multi([{}], OptimMainDevice)` sent to the worker on that device \
         (recorded at each worker's first step; `examples/src/backends/replicas.rs`), trained \
         one epoch over the devices together ({} losses reported, the last {:.4}; {:.1} s). \
         Where the two fingerprints are equal, a rank that draws its replica from the key holds \
         the main model's weights without receiving them: `docs/replicas.md` shows how. \
         burn-train's `ddp` strategy does not run here: in Burn 0.22.1 its all-reduce is \
         dispatched only to CUDA and the remote backend.\n\n\
         | device | drawn from the key | sent by burn-train | same |\n|---|---|---|---|",
        devices.join(", "),
        r.losses.len(),
        r.losses.last().copied().unwrap_or(f64::NAN),
        r.wall_s
    );
    for x in &r.replicas {
        let _ = writeln!(
            report,
            "| {} | `{}` | {} | {} |",
            x.device,
            x.drawn,
            x.sent
                .as_ref()
                .map_or("— (no step)".into(), |s| format!("`{s}`")),
            if x.same() { "yes" } else { "**no**" }
        );
    }
}
