//! The claim logic on constructed runs: each claim holds when its runs differ by more than
//! 5 standard errors, fails when they do not, and is "not run" without its runs.

use burn_init_examples::training::Family;
use burn_init_examples::training::claims::{self, Context, clears, paired};
use burn_init_examples::training::measure::{InitProbe, MeanSe, UnitSpread};
use burn_init_examples::training::progress::History;
use burn_init_examples::training::study::{RunOutcome, RunRecord, WindowLoss};

fn run(family: Family, init: &str) -> RunOutcome {
    let m = |mean| MeanSe {
        mean,
        se: 0.01,
        n: 10,
    };
    RunOutcome {
        record: RunRecord {
            label: format!("{}/{init}", family.name()),
            family,
            init: init.into(),
            policy: None,
            key_seed: 0,
            manifest: None,
            diagnosis: None,
            diagnosis_error: None,
            init_probe: InitProbe {
                loss: m(2.3),
                grad_norm: 1.0,
                output_variance: 1.0,
                layers: vec![],
            },
            history: History::default(),
            loss_step0: 2.3,
            loss_after: WindowLoss {
                step: 80,
                loss: m(0.6),
            },
            threshold: 0.8,
            steps_to_threshold: Some(40),
            final_loss: m(0.5),
            final_accuracy: Some(m(80.0)),
            diverged: false,
            unit_spread: Some(UnitSpread {
                per_layer: vec![0.3],
                max: 0.3,
                moved: 0.1,
            }),
            wall_seconds: 1.0,
        },
        init_losses: vec![2.3; 100],
        final_losses: vec![0.5; 100],
        final_correct: vec![],
    }
}

/// 0/1 correctness with `k` ones among `n` (ones first).
fn correct(k: usize, n: usize) -> Vec<f64> {
    (0..n).map(|i| f64::from(i < k)).collect()
}

fn context(n: usize) -> Context {
    Context {
        baseline_mse: vec![1.0; n],
        majority_share: 0.11,
    }
}

#[test]
fn paired_difference_and_margin_by_hand() {
    // Differences 1, 0, 1, 0: mean 0.5, sample sd √(1/3), SE √(1/12) = 0.2887.
    let d = paired(&[1.0, 1.0, 1.0, 1.0], &[0.0, 1.0, 0.0, 1.0]);
    assert!((d.mean - 0.5).abs() < 1e-12 && (d.se - (1.0f64 / 12.0).sqrt()).abs() < 1e-12);
    assert!(!clears(&d)); // 0.5 < 5 × 0.2887
    assert!(clears(&MeanSe {
        mean: 0.51,
        se: 0.1,
        n: 4
    }));
    assert!(!clears(&MeanSe {
        mean: 0.49,
        se: 0.1,
        n: 4
    }));
    assert!(!clears(&MeanSe {
        mean: f64::NAN,
        se: 0.0,
        n: 4
    }));
}

fn mlp_runs(he_right: usize, other_right: usize, other_early: f64) -> Vec<RunOutcome> {
    let mut he = run(Family::Mlp, "he");
    he.final_correct = correct(he_right, 2000);
    let mut others = vec![he];
    for name in ["xavier", "pytorch_default", "burn_default", "zeros"] {
        let mut r = run(Family::Mlp, name);
        r.final_correct = correct(other_right, 2000);
        r.record.loss_after.loss.mean = other_early;
        others.push(r);
    }
    others
}

#[test]
fn deep_mlp_claim_needs_a_gap_beyond_five_standard_errors() {
    let ctx = context(2000);
    // He right on 1 700 of 2 000, the others on 1 500 (paired gap 10 pts, SE 0.67 pts): holds.
    let c = claims::he_trains_deep_mlp(&mlp_runs(1700, 1500, 0.6), &ctx);
    assert_eq!(c.holds, Some(true), "{}", c.evidence);
    // Others right on 1 690: paired gap 0.5 pts with SE √(0.005·0.995/2000) = 0.16 pts, 3.2 SE;
    // the early losses are equal: fails.
    let c = claims::he_trains_deep_mlp(&mlp_runs(1700, 1690, 0.6), &ctx);
    assert_eq!(c.holds, Some(false), "{}", c.evidence);
    // Same final accuracy but clearly slower early (0.1 nats, SE 0.014): holds ("slower").
    let c = claims::he_trains_deep_mlp(&mlp_runs(1700, 1700, 0.7), &ctx);
    assert_eq!(c.holds, Some(true), "{}", c.evidence);
    // He at the majority-class rate does not "train".
    let c = claims::he_trains_deep_mlp(&mlp_runs(220, 0, 3.0), &ctx);
    assert_eq!(c.holds, Some(false), "{}", c.evidence);
    // Every other initialisation must lose: one (zeros) as good as He makes the claim fail.
    let mut runs = mlp_runs(1700, 1500, 0.9);
    let zeros = runs.iter_mut().find(|r| r.record.init == "zeros").unwrap();
    zeros.final_correct = correct(1700, 2000);
    zeros.record.loss_after.loss.mean = 0.6;
    let c = claims::he_trains_deep_mlp(&runs, &ctx);
    assert_eq!(c.holds, Some(false), "{}", c.evidence);
    // He that never reached the threshold has not trained, whatever the others did.
    let mut runs = mlp_runs(1700, 1500, 0.9);
    runs[0].record.steps_to_threshold = None;
    assert_eq!(claims::he_trains_deep_mlp(&runs, &ctx).holds, Some(false));
}

#[test]
fn constant_init_claim_needs_identical_units_moved_weights_and_a_statistic_that_sees_he() {
    let ctx = context(2000);
    let make = |constant_spread: f64, moved: f64, he_spread: f64| {
        let mut constant = run(Family::Mlp, "constant");
        constant.record.unit_spread = Some(UnitSpread {
            per_layer: vec![constant_spread],
            max: constant_spread,
            moved,
        });
        let mut he = run(Family::Mlp, "he");
        he.record.unit_spread = Some(UnitSpread {
            per_layer: vec![he_spread],
            max: he_spread,
            moved: 0.5,
        });
        vec![constant, he]
    };
    let holds = |runs: Vec<_>| claims::constant_init_keeps_symmetry(&runs, &ctx).holds;
    assert_eq!(holds(make(0.0, 0.1, 0.2)), Some(true));
    // Units that drifted apart: symmetry broken.
    assert_eq!(holds(make(1e-9, 0.1, 0.2)), Some(false));
    // Weights that never moved: identical units prove nothing (zeros' case).
    assert_eq!(holds(make(0.0, 0.0, 0.2)), Some(false));
    // A statistic that cannot see He's units differ proves nothing either.
    assert_eq!(holds(make(0.0, 0.1, 0.0)), Some(false));
}

#[test]
fn residual_claim_compares_the_initial_losses_paired() {
    let mut scaled = run(Family::Residual, "scaled");
    let mut unscaled = run(Family::Residual, "unscaled");
    // Losses spread with sd 0.29 over the images; unscaled is 0.05 above on every image. Paired,
    // the difference has no spread and clears; unpaired, its SE would be √2·0.29/10 = 0.041 and
    // 0.05 would not clear 5 SE — so this decides whether the claim pairs the images.
    scaled.init_losses = (0..100).map(|i| 2.3 + 0.01 * i as f64).collect();
    unscaled.init_losses = scaled.init_losses.iter().map(|l| l + 0.05).collect();
    let runs = vec![scaled.clone(), unscaled.clone()];
    assert_eq!(
        claims::unscaled_residual_starts_worse(&runs, 8).holds,
        Some(true)
    );
    let unpaired = MeanSe::of(&unscaled.init_losses)
        .se
        .hypot(MeanSe::of(&scaled.init_losses).se);
    assert!(0.05 < 5.0 * unpaired);
    // Same losses: fails.
    unscaled.init_losses = scaled.init_losses.clone();
    let runs = vec![scaled, unscaled];
    assert_eq!(
        claims::unscaled_residual_starts_worse(&runs, 8).holds,
        Some(false)
    );
}

#[test]
fn autoencoder_claims_compare_log_ratios_and_count_a_blow_up_as_a_loss() {
    let ctx = Context {
        baseline_mse: (0..500).map(|i| 0.7 + 0.1 * (i % 7) as f64).collect(),
        majority_share: 0.1,
    };
    let mut he = run(Family::Autoencoder, "he");
    // 20 % below the mean image on every image: ln(1/0.8) = 0.22 with no spread.
    he.final_losses = ctx.baseline_mse.iter().map(|b| 0.8 * b).collect();
    let mut xavier = run(Family::Autoencoder, "xavier");
    xavier.final_losses = ctx.baseline_mse.clone();
    let mut x2 = run(Family::Autoencoder, "he_x2");
    x2.final_losses = vec![f64::INFINITY; 500];
    let runs = vec![he.clone(), xavier.clone(), x2.clone()];
    assert_eq!(
        claims::autoencoder_trains_under_he(&runs, &ctx).holds,
        Some(true)
    );
    let best = claims::autoencoder_he_beats_others(&runs);
    assert_eq!(best.holds, Some(true), "{}", best.evidence);
    assert!(best.evidence.contains("he_x2 diverged"));
    // A raw difference would clear here too, but a heavy tail would hide it: one image 10⁴ times
    // worse under Xavier adds 10⁴/500 = 20 to the mean difference and ≈ 450 to 5 SE, while the
    // log ratio still clears.
    let mut heavy = xavier.clone();
    heavy.final_losses[0] = 1e4;
    let raw = claims::paired(&heavy.final_losses, &he.final_losses);
    assert!(!claims::clears(&raw));
    let runs = vec![he.clone(), heavy];
    assert_eq!(claims::autoencoder_he_beats_others(&runs).holds, Some(true));
    // He no better than the mean image, and no better than Xavier: both fail.
    he.final_losses = ctx.baseline_mse.clone();
    let runs = vec![he.clone(), xavier];
    assert_eq!(
        claims::autoencoder_trains_under_he(&runs, &ctx).holds,
        Some(false)
    );
    assert_eq!(
        claims::autoencoder_he_beats_others(&runs).holds,
        Some(false)
    );
    // He itself diverged: it cannot win against anyone.
    he.final_losses = vec![f64::NAN; 500];
    assert_eq!(
        claims::autoencoder_he_beats_others(&[he, x2]).holds,
        Some(false)
    );
}

#[test]
fn claims_without_their_runs_are_not_run() {
    let all = claims::check(&[run(Family::Cnn, "he")], &context(10), 8);
    assert_eq!(all.len(), 5);
    assert!(all.iter().all(|c| c.holds.is_none()), "{all:?}");
}
