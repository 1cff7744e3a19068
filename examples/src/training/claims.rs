//! The seeds' training claims (claims.md §2, §4), decided from the runs of the study.
//!
//! Every comparison is a difference of two measured means with its standard error, and holds
//! only when the difference exceeds **5 standard errors** (the project's margin for sampled
//! quantities): a chance gap between two equally good initialisations passes with probability
//! below 3·10⁻⁷. Where both runs are measured on the same images (validation accuracy and loss,
//! the loss at initialisation on the probe batch) the difference is **paired** per image, so the
//! standard error is that of the per-image differences; the loss after N steps compares the
//! means of the last 10 training batches, with SE = √(SE₁² + SE₂²) (independent batches of the
//! same data order). The autoencoder's errors are compared as per-image log ratios ln(e₁/e₂),
//! whose spread stays finite when one initialisation explodes. A claim whose runs are not part of the study is "not run", never "holds".

use serde::Serialize;

use super::measure::MeanSe;
use super::runs::Family;
use super::study::RunOutcome;

/// The margin of every comparison, in standard errors.
pub const MARGIN_SE: f64 = 5.0;

/// One claim, decided from the runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Claim {
    /// Short identifier.
    pub id: &'static str,
    /// The claim in words.
    pub statement: &'static str,
    /// `Some(true)` holds, `Some(false)` fails, `None`: the runs needed were not part of the study.
    pub holds: Option<bool>,
    /// The numbers that decided it, in words.
    pub evidence: String,
}

/// What the claims need besides the runs.
#[derive(Debug, Clone)]
pub struct Context {
    /// Per-sample squared error of the mean-image predictor on the validation set.
    pub baseline_mse: Vec<f64>,
    /// Share of the most frequent class in the validation set (what a constant prediction gets).
    pub majority_share: f64,
}

/// Mean and standard error of the per-sample differences a − b (NaN when the samples differ in
/// length: they are not paired).
pub fn paired(a: &[f64], b: &[f64]) -> MeanSe {
    if a.len() != b.len() {
        return MeanSe::of(&[]);
    }
    let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    MeanSe::of(&diff)
}

/// Mean and standard error of the per-sample log ratios ln(a/b) (for errors with heavy tails: an
/// exploding initialisation leaves a few images with errors 10⁴ times the rest, whose spread
/// would hide any difference of raw means).
pub fn paired_log(a: &[f64], b: &[f64]) -> MeanSe {
    if a.len() != b.len() {
        return MeanSe::of(&[]);
    }
    let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x / y).ln()).collect();
    MeanSe::of(&diff)
}

/// `d` exceeds the margin: d.mean > 5·d.se (and is finite).
pub fn clears(d: &MeanSe) -> bool {
    d.mean.is_finite() && d.mean > MARGIN_SE * d.se
}

fn find<'a>(runs: &'a [RunOutcome], family: Family, init: &str) -> Option<&'a RunOutcome> {
    runs.iter()
        .find(|r| r.record.family == family && r.record.init == init)
}

fn fmt(d: &MeanSe) -> String {
    format!("{:.4} ± {:.4}", d.mean, d.se)
}

/// The 20-layer plain ReLU net trains under He and stalls, or is clearly slower, under Glorot
/// (gain 1), PyTorch's default, Burn's default and zeros.
pub fn he_trains_deep_mlp(runs: &[RunOutcome], ctx: &Context) -> Claim {
    let statement = "The deep plain ReLU MLP trains under He and stalls, or is clearly slower, under Glorot (gain 1), PyTorch's default, Burn's default and zeros";
    let Some(he) = find(runs, Family::Mlp, "he") else {
        return not_run("mlp_he_trains", statement);
    };
    let mut parts = Vec::new();
    let mut holds = true;
    let acc_he = he.record.final_accuracy.map(|a| a.mean).unwrap_or(f64::NAN);
    let he_trains = he.record.steps_to_threshold.is_some()
        && clears(&paired(
            &he.final_correct,
            &vec![ctx.majority_share; he.final_correct.len()],
        ));
    holds &= he_trains;
    parts.push(format!(
        "he: valid accuracy {acc_he:.1} %, training loss ≤ {} {}",
        he.record.threshold,
        he.record
            .steps_to_threshold
            .map_or("never reached".to_string(), |s| format!("after {s} steps"))
    ));
    let mut compared = 0;
    for other in ["xavier", "pytorch_default", "burn_default", "zeros"] {
        let Some(run) = find(runs, Family::Mlp, other) else {
            continue;
        };
        compared += 1;
        let acc = paired(&he.final_correct, &run.final_correct);
        let acc = MeanSe {
            mean: 100.0 * acc.mean,
            se: 100.0 * acc.se,
            n: acc.n,
        };
        let (a, b) = (&run.record.loss_after.loss, &he.record.loss_after.loss);
        let early = MeanSe {
            mean: a.mean - b.mean,
            se: (a.se.powi(2) + b.se.powi(2)).sqrt(),
            n: a.n,
        };
        let worse = clears(&acc);
        let slower = clears(&early);
        holds &= worse || slower;
        parts.push(format!(
            "{other}: accuracy gap he−{other} {} pts ({}), loss gap at step {} {other}−he {} ({})",
            fmt(&acc),
            if worse { "clears 5 SE" } else { "within 5 SE" },
            he.record.loss_after.step,
            fmt(&early),
            if slower { "clears 5 SE" } else { "within 5 SE" },
        ));
    }
    Claim {
        id: "mlp_he_trains",
        statement,
        holds: (compared > 0).then_some(holds),
        evidence: parts.join("; "),
    }
}

/// A constant non-zero initialisation gives every hidden unit of a layer the same function and
/// the same non-zero gradient, so training moves the weights but never separates the units:
/// symmetry is not broken by learning, only by the initialisation. (Zeros would show identical
/// units too, but trivially: its hidden gradients are exactly 0 and nothing moves.) Decided
/// from the `constant` run: spread exactly 0 after training while the weights moved, with He's
/// spread > 0 as the statistic's contrast.
pub fn constant_init_keeps_symmetry(runs: &[RunOutcome], _ctx: &Context) -> Claim {
    let statement = "Under a constant non-zero initialisation the hidden units get identical non-zero gradients: after training the weights have moved, yet every hidden unit of a layer is still identical (learning never breaks the symmetry)";
    let (Some(constant), Some(he)) = (
        find(runs, Family::Mlp, "constant"),
        find(runs, Family::Mlp, "he"),
    ) else {
        return not_run("constant_init_symmetry", statement);
    };
    let spread = |r: &RunOutcome| r.record.unit_spread.clone();
    let (Some(c), Some(h)) = (spread(constant), spread(he)) else {
        return not_run("constant_init_symmetry", statement);
    };
    Claim {
        id: "constant_init_symmetry",
        statement,
        // The weights must have moved (else identical units prove nothing), and the spread
        // statistic must see He's units as different.
        holds: Some(c.max == 0.0 && c.moved > 0.0 && h.max > 0.0),
        evidence: format!(
            "after training: max over layers and units of max_i |W[i,j] − W[i,0]| constant {:e}, he {:.4} (the contrast); the constant run's weights moved by up to {:.4}",
            c.max, h.max, c.moved
        ),
    }
}

/// The unscaled residual stack starts with a much larger loss than the scaled one, decided on the
/// per-image loss at initialisation (the gradient norm is one number per run, without a standard
/// error, so it is reported, not compared).
pub fn unscaled_residual_starts_worse(runs: &[RunOutcome], n_blocks: usize) -> Claim {
    let statement = "The unscaled residual stack starts with a much larger loss than the scaled one (Var doubles per block: 2^N; the gradient norm is reported beside it)";
    let (Some(scaled), Some(unscaled)) = (
        find(runs, Family::Residual, "scaled"),
        find(runs, Family::Residual, "unscaled"),
    ) else {
        return not_run("residual_unscaled_worse", statement);
    };
    let d = paired(&unscaled.init_losses, &scaled.init_losses);
    let (ps, pu) = (&scaled.record.init_probe, &unscaled.record.init_probe);
    Claim {
        id: "residual_unscaled_worse",
        statement,
        holds: Some(clears(&d)),
        evidence: format!(
            "loss at init (probe batch, paired) unscaled {} vs scaled {}: difference {}; gradient norm {:.3} vs {:.3} (×{:.1}); logit variance ratio {:.1} (theory 2^{n_blocks} = {})",
            fmt(&pu.loss),
            fmt(&ps.loss),
            fmt(&d),
            pu.grad_norm,
            ps.grad_norm,
            pu.grad_norm / ps.grad_norm,
            pu.output_variance / ps.output_variance,
            1u64 << n_blocks.min(63)
        ),
    }
}

/// The deep ReLU autoencoder trains under He: its reconstruction beats the mean image.
pub fn autoencoder_trains_under_he(runs: &[RunOutcome], ctx: &Context) -> Claim {
    let statement = "The deep ReLU autoencoder trains under He: its validation reconstruction error is below the mean image's";
    let Some(he) = find(runs, Family::Autoencoder, "he") else {
        return not_run("autoencoder_he_trains", statement);
    };
    let d = paired_log(&ctx.baseline_mse, &he.final_losses);
    Claim {
        id: "autoencoder_he_trains",
        statement,
        holds: Some(clears(&d)),
        evidence: format!(
            "validation MSE he {} vs mean image {}: paired ln(mean image / he) {}",
            fmt(&he.record.final_loss),
            fmt(&MeanSe::of(&ctx.baseline_mse)),
            fmt(&d)
        ),
    }
}

/// He beats Glorot, too-small and too-large initialisations on the deep autoencoder.
pub fn autoencoder_he_beats_others(runs: &[RunOutcome]) -> Claim {
    let statement = "On the deep autoencoder He ends with a lower validation error than Glorot (gain 1), He × 0.5 and He × 2";
    let Some(he) = find(runs, Family::Autoencoder, "he") else {
        return not_run("autoencoder_he_best", statement);
    };
    let mut parts = Vec::new();
    let mut holds = true;
    let mut compared = 0;
    for other in ["xavier", "he_x0.5", "he_x2"] {
        let Some(run) = find(runs, Family::Autoencoder, other) else {
            continue;
        };
        compared += 1;
        let finite = |l: &[f64]| l.iter().all(|v| v.is_finite());
        if finite(&he.final_losses) && !finite(&run.final_losses) {
            // The other run blew up (an infinite or NaN error): He is better on every image
            // where the ratio is even defined, and no standard error is needed to say so.
            parts.push(format!(
                "{other} diverged (non-finite validation error), he did not"
            ));
            continue;
        }
        let d = paired_log(&run.final_losses, &he.final_losses);
        let ok = clears(&d);
        holds &= ok;
        parts.push(format!(
            "MSE {other} {} vs he {}, paired ln({other}/he) {} ({})",
            fmt(&run.record.final_loss),
            fmt(&he.record.final_loss),
            fmt(&d),
            if ok { "clears 5 SE" } else { "within 5 SE" }
        ));
    }
    Claim {
        id: "autoencoder_he_best",
        statement,
        holds: (compared > 0).then_some(holds),
        evidence: parts.join("; "),
    }
}

fn not_run(id: &'static str, statement: &'static str) -> Claim {
    Claim {
        id,
        statement,
        holds: None,
        evidence: "not run: the study did not include the runs this claim compares".into(),
    }
}

/// Every claim.
pub fn check(runs: &[RunOutcome], ctx: &Context, residual_blocks: usize) -> Vec<Claim> {
    vec![
        he_trains_deep_mlp(runs, ctx),
        constant_init_keeps_symmetry(runs, ctx),
        unscaled_residual_starts_worse(runs, residual_blocks),
        autoencoder_trains_under_he(runs, ctx),
        autoencoder_he_beats_others(runs),
    ]
}
