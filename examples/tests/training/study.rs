//! A quick study trained through burn-train on every device: the results folder is complete and
//! the initialisation contrasts that hold even at this size are measured.

use burn::tensor::Device;
use burn_init_examples::training::claims::{clears, paired};
use burn_init_examples::training::{self, Family, StudyConfig};

use super::temp_dir;

fn quick(families: &[Family]) -> StudyConfig {
    StudyConfig {
        families: families.to_vec(),
        ..StudyConfig::quick()
    }
}

/// Burn's habits: the configuration is in the folder and reads back equal; burn-train's own
/// metric files are in each run's folder and hold the losses the study recorded; the saved
/// model, loaded into a freshly built one, gives the run's held-out losses again.
fn burn_habits(
    config: &StudyConfig,
    outcome: &training::StudyOutcome,
    split: &training::data::Split,
    device: &Device,
    out: &std::path::Path,
) {
    use burn::module::Module;
    use burn_init_examples::training::{measure, runs, study, train::MODEL_FILE};

    assert_eq!(
        &training::read_config(&out.join("config.json")).unwrap(),
        config
    );
    let he = find(&outcome.runs, "mlp/he");
    let run_dir = out.join("burn-train").join("mlp-he");
    let log = std::fs::read_to_string(run_dir.join("train/epoch-1/Loss.log")).unwrap();
    // One line per iteration (`value,1`), then the epoch's mean (`value,final`).
    let logged: Vec<f64> = log
        .lines()
        .filter(|l| !l.ends_with(",final"))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(logged.len(), he.record.history.train_loss.len());
    for (file, recorded) in logged.iter().zip(&he.record.history.train_loss) {
        assert!(
            (file - recorded).abs() <= 1e-3 * recorded.abs(),
            "{file} vs {recorded}"
        );
    }
    assert!(run_dir.join("valid/epoch-1/Loss.log").exists());
    // The saved model: load it into a newly built (differently initialised) MLP.
    let split = training::data::Split {
        train: split.train.head(config.n_train),
        valid: split.valid.head(config.n_valid),
        source: split.source.clone(),
    };
    let spec = runs::plan(config, &[])
        .unwrap()
        .into_iter()
        .find(|s| s.label() == "mlp/he")
        .unwrap();
    let fresh = StudyConfig {
        seed: config.seed + 1,
        ..config.clone()
    };
    let (runs::Built::Mlp(blank), _) = study::build_for(&spec, &fresh, &split, device).unwrap()
    else {
        panic!("mlp/he is an MLP")
    };
    let (cols, before) = measure::outputs(&blank.net, &split.valid, 500);
    let rows = split.valid.len();
    let untrained = measure::cross_entropy(rows, cols, &before, &split.valid.labels);
    assert_ne!(
        untrained, he.final_losses,
        "the fresh model must differ before loading"
    );
    let loaded = blank.load_file(run_dir.join(MODEL_FILE));
    let (cols, values) = measure::outputs(&loaded.net, &split.valid, 500);
    let losses = measure::cross_entropy(rows, cols, &values, &split.valid.labels);
    for (a, b) in losses.iter().zip(&he.final_losses) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

fn find<'a>(
    runs: &'a [burn_init_examples::training::study::RunOutcome],
    label: &str,
) -> &'a burn_init_examples::training::study::RunOutcome {
    runs.iter().find(|r| r.record.label == label).unwrap()
}

burn_init::per_device! {
    fn quick_study_writes_the_results_and_contrasts_good_and_bad_inits(device) {
        let tag: String = format!("{device:?}").chars().filter(|c| c.is_alphanumeric()).take(40).collect();
        let out = temp_dir(&format!("study-{tag}"));
        let (split, summary) = training::data::load(&training::data::shipped_dir()).unwrap();
        let config = StudyConfig { save_models: true, ..quick(&[Family::Mlp, Family::Residual]) };
        let outcome = training::run(&config, &split, &summary, &[], "test", device, &out).unwrap();
        assert_eq!(outcome.runs.len(), 10);
        burn_habits(&config, &outcome, &split, device, &out);

        // The folder: JSON with every run and claim, the report, the plots.
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
        assert_eq!(json["complete"], true);
        assert_eq!(json["burn_version"], "0.22.1");
        assert_eq!(json["runs"].as_array().unwrap().len(), 10);
        assert_eq!(json["claims"].as_array().unwrap().len(), 5);
        let he = &json["runs"].as_array().unwrap().iter().find(|r| r["label"] == "mlp/he").unwrap();
        assert!(he["policy"]["rules"].is_array() && he["manifest"]["entries"].as_array().unwrap().len() == 42);
        for stem in ["loss-mlp", "valid-mlp", "init-variance-mlp", "loss-residual"] {
            let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
            assert_eq!(&png[..4], b"\x89PNG", "{stem}");
            assert!(out.join(format!("{stem}.svg")).exists());
        }
        assert!(std::fs::read_to_string(out.join("report.md")).unwrap().contains("| he |"));

        // Every run trained 100 iterations (2 000 images / 20), one epoch, with per-iteration losses.
        for run in &outcome.runs {
            assert_eq!(run.record.history.train_loss.len(), 100, "{}", run.record.label);
            assert_eq!(run.record.history.epochs.len(), 1, "{}", run.record.label);
        }

        // burn-init's diagnostics ran on every run: zero init is flagged symmetric on every
        // hidden weight, He has no flag, and the report links each run's full tables.
        for run in &outcome.runs {
            assert!(run.record.diagnosis.is_some(), "{}: {:?}", run.record.label, run.record.diagnosis_error);
        }
        let symmetric = |label: &str| {
            find(&outcome.runs, label).record.diagnosis.as_ref().unwrap().flags().iter()
                .filter(|(_, f)| matches!(f, burn_init::diagnostics::Flag::Symmetric { .. })).count()
        };
        assert_eq!((symmetric("mlp/zeros"), symmetric("mlp/he")), (config.mlp_depth + 1, 0));
        // He's MLP declares the variance its manifest predicts at every layer (n_in·σ²·E[φ²]),
        // and the probe images (real, correlated pixels) meet it within the report's 5 SE.
        let he_report = find(&outcome.runs, "mlp/he").record.diagnosis.clone().unwrap();
        assert_eq!(he_report.activations.iter().filter(|a| a.predicted_var.is_some()).count(), config.mlp_depth + 1);
        let mismatched: Vec<_> = he_report.flags().into_iter().filter(|(_, f)| matches!(f, burn_init::diagnostics::Flag::VarianceMismatch { .. })).collect();
        assert!(mismatched.is_empty(), "{mismatched:?}");
        // LSUV: every hidden layer and the read-out rescaled on the first training batch, the
        // scale in the manifest; it trains past zeros by 5 SE like He.
        let lsuv = find(&outcome.runs, "mlp/lsuv");
        let notes = lsuv.record.manifest.as_ref().unwrap().entries.iter()
            .filter(|e| e.path.ends_with("weight") && e.assumptions.iter().any(|a| a.starts_with("LSUV"))).count();
        assert_eq!(notes, config.mlp_depth + 1);
        assert!(out.join("diagnostics-mlp-he.txt").exists());
        assert_eq!(&std::fs::read(out.join("init-gradient-mlp.png")).unwrap()[..4], b"\x89PNG");

        // Zero init: units stay identical (exactly), and He's do not. (Zeros cannot learn by
        // construction — every hidden gradient is exactly 0 — so it is not the contrast below.)
        let zeros = find(&outcome.runs, "mlp/zeros");
        let he = find(&outcome.runs, "mlp/he");
        assert_eq!(zeros.record.unit_spread.as_ref().unwrap().max, 0.0);
        assert!(he.record.unit_spread.as_ref().unwrap().max > 0.1);
        // The contrast between two initialisations that can both learn: Glorot (gain 1) halves
        // the signal per ReLU layer (2⁻²⁰ over the depth), He keeps it. On the held-out images,
        // per image and paired, Glorot's loss after training is higher by more than 5 SE; so is
        // PyTorch's default's (⅙ per layer).
        let xavier = find(&outcome.runs, "mlp/xavier");
        let pytorch = find(&outcome.runs, "mlp/pytorch_default");
        for (name, bad) in [("xavier", xavier), ("pytorch_default", pytorch)] {
            let gap = paired(&bad.final_losses, &he.final_losses);
            println!("paired held-out loss {name} − he: {gap:?}");
            assert!(clears(&gap), "{name} not worse than He: {gap:?}");
        }

        // Unscaled residual: 8 blocks double the variance 8 times; its loss at init is larger.
        let scaled = find(&outcome.runs, "residual/scaled");
        let unscaled = find(&outcome.runs, "residual/unscaled");
        assert!(clears(&paired(&unscaled.init_losses, &scaled.init_losses)));
        let claims = &outcome.claims;
        assert_eq!(claims.iter().find(|c| c.id == "constant_init_symmetry").unwrap().holds, Some(true));
        assert_eq!(claims.iter().find(|c| c.id == "residual_unscaled_worse").unwrap().holds, Some(true));
        device_idle(device);
    }

    fn one_seed_reproduces_a_run_and_another_seed_does_not(device) {
        let (split, _) = training::data::load(&training::data::shipped_dir()).unwrap();
        let split = training::data::Split {
            train: split.train.head(400),
            valid: split.valid.head(100),
            source: split.source,
        };
        let mut config = quick(&[Family::Mlp]);
        let tag: String = format!("{device:?}").chars().filter(|c| c.is_alphanumeric()).take(40).collect();
        let dir = temp_dir(&format!("repro-{tag}"));
        let losses = |config: &StudyConfig| {
            let spec = training::runs::plan(config, &[])
                .unwrap()
                .into_iter()
                .find(|s| s.init_name == "he")
                .unwrap();
            let outcome = training::study::run_one(&spec, config, &split, 1.0, device, &dir).unwrap();
            outcome.record.history.train_loss
        };
        let first = losses(&config);
        assert_eq!(first.len(), 20);
        // The same seed: the same weights, the same batches in the same order, the same losses.
        assert_eq!(first, losses(&config));
        // Another seed changes the weights and the order: the losses differ from step 0.
        config.seed = 1;
        let other = losses(&config);
        assert_ne!(first[0], other[0]);
        device_idle(device);
    }

    fn cnn_and_autoencoder_train_and_sgd_blows_up_he_times_two(device) {
        let tag: String = format!("{device:?}").chars().filter(|c| c.is_alphanumeric()).take(40).collect();
        let out = temp_dir(&format!("cnn-ae-{tag}"));
        let (split, summary) = training::data::load(&training::data::shipped_dir()).unwrap();
        let config = StudyConfig {
            n_train: 400,
            optimizer: burn_init_examples::cli::OptimizerName::Sgd,
            ..quick(&[Family::Cnn, Family::Autoencoder])
        };
        let outcome = training::run(&config, &split, &summary, &[], "test", device, &out).unwrap();
        assert_eq!(outcome.runs.len(), 6);
        for run in &outcome.runs {
            assert_eq!(run.record.history.train_loss.len(), 20, "{}", run.record.label);
            assert_eq!(run.final_losses.len(), 500, "{}", run.record.label);
        }
        for label in ["cnn/burn_default", "cnn/he", "autoencoder/he"] {
            let run = find(&outcome.runs, label);
            assert!(!run.record.diverged && run.record.final_loss.mean.is_finite(), "{label}");
        }
        // He × 2 draws the same weights as He (same keys) times 2, biases 0: ReLU is positively
        // homogeneous, so the output of 20 layers is exactly 2²⁰ times He's and its variance 2⁴⁰
        // times (up to f32 rounding): a multiplier missing on one layer would give 2³⁸.
        let he = find(&outcome.runs, "autoencoder/he");
        let x2 = find(&outcome.runs, "autoencoder/he_x2");
        let ratio = x2.record.init_probe.output_variance / he.record.init_probe.output_variance;
        assert!((ratio / 2f64.powi(40) - 1.0).abs() < 1e-3, "ratio {ratio:e}");
        assert!(clears(&paired(&x2.init_losses, &he.init_losses)));
        // Plain SGD then steps by lr × a gradient of ~10¹² and the weights overflow: the run
        // diverges (NaN), He's does not.
        assert!(x2.record.diverged, "{:?}", x2.record.history.train_loss);
        let best = outcome.claims.iter().find(|c| c.id == "autoencoder_he_best").unwrap();
        assert!(best.evidence.contains("he_x2 diverged"), "{}", best.evidence);
        // The CNN's blocks are scoped: every run has its diagnostics (no duplicate names).
        for run in &outcome.runs {
            assert!(run.record.diagnosis.is_some(), "{}: {:?}", run.record.label, run.record.diagnosis_error);
        }
        // The CNN's plots exist as well.
        assert_eq!(&std::fs::read(out.join("loss-cnn.png")).unwrap()[..4], b"\x89PNG");
        device_idle(device);
    }
}

fn device_idle(device: &Device) {
    device.sync().unwrap();
}
