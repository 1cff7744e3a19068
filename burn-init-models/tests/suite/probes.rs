//! Every module records its layer outputs for `burn_init::diagnostics`, under its field paths
//! (so that a record names the layer LSUV rescales), and the models that declare a prediction
//! match it when measured.

use burn::tensor::{Device, Int, Tensor, TensorData};
use burn_init::Lsuv;
use burn_init::diagnostics::{Diagnosis, Flag, Probe, Report};
use burn_init::policy::Policy;
use burn_init::{Key, Nonlinearity};
use burn_init_models::*;

use crate::common::gaussian;

fn names<R>(forward: impl FnOnce() -> R) -> Vec<String> {
    let (_, trace) = Probe::new().capture(forward).unwrap();
    trace.records().iter().map(|r| r.name.clone()).collect()
}

fn mismatches(report: &Report) -> Vec<String> {
    report
        .flags()
        .into_iter()
        .filter(|(_, f)| matches!(f, Flag::VarianceMismatch { .. }))
        .map(|(at, _)| at.to_string())
        .collect()
}

per_device! {
    fn every_module_records_its_layers(device) {
        let mlp = DeepMlpConfig::new(8, 16, 2, 3).init(0, device).unwrap();
        assert_eq!(names(|| mlp.forward(gaussian([4, 8], 1, device))), ["input", "layers.0", "layers.1", "output"]);
        let ae = DeepAutoencoderConfig::new(8, 4).with_n_layers(2).init(0, device).unwrap();
        assert_eq!(names(|| ae.forward(gaussian([4, 8], 1, device))), ["layers.0", "layers.1"]);
        let stack = ResidualStackConfig::new(ResidualBlockConfig::new(8), 2).init(0, device).unwrap();
        assert_eq!(
            names(|| stack.forward(gaussian([4, 8], 1, device))),
            ["input", "blocks.0.fc1", "blocks.0.fc2", "blocks.0", "blocks.1.fc1", "blocks.1.fc2", "blocks.1"]
        );
        let inception = InceptionSumConfig::new(4).init(0, device).unwrap();
        assert_eq!(names(|| inception.forward(gaussian([1, 4, 6, 6], 1, device))), ["branches.0", "branches.1", "branches.2", "sum"]);
        let separable = DepthwiseSeparableConfig::new(4, 4).init(0, device).unwrap();
        assert_eq!(names(|| separable.forward(gaussian([1, 4, 6, 6], 1, device))), ["depthwise", "pointwise"]);
        let up = UpsamplerConfig::new(4, 4).init(0, device).unwrap();
        assert_eq!(names(|| up.forward(gaussian([1, 4, 4, 4], 1, device))), ["conv"]);
        let unet = UnetUpConfig::new(4).init(0, device).unwrap();
        assert_eq!(names(|| unet.forward(gaussian([1, 4, 3, 3], 1, device), gaussian([1, 4, 6, 6], 2, device))), ["conv"]);
        let dense = DenseBlockConfig::new(4).with_layers(2).init(0, device).unwrap();
        assert_eq!(names(|| dense.forward(gaussian([2, 4, 5, 5], 1, device))), ["layers.0.conv", "layers.1.conv"]);
        let rnn = SimpleRnnConfig::new(4, 8).init(0, device).unwrap();
        assert_eq!(names(|| rnn.forward(gaussian([2, 3, 4], 1, device), None)), ["state.0", "state.1", "state.2"]);
        let transformer = TransformerBlockConfig::new(8, 2, 16).init_stack(1, 0, device).unwrap();
        assert_eq!(
            names(|| transformer.forward(gaussian([2, 3, 8], 1, device))),
            ["blocks.0.query", "blocks.0.key", "blocks.0.value", "blocks.0.logits", "blocks.0.weights",
             "blocks.0.output",
             "blocks.0.stream.attention", "blocks.0.fc1", "blocks.0.fc2", "blocks.0.stream.mlp"]
        );
        let gat = GraphAttentionConfig::new(4, 8).init(0, device).unwrap();
        let neighbours = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 1, 1, 0], [2, 2]), device);
        assert_eq!(names(|| gat.forward(gaussian([2, 4], 1, device), neighbours, &[2, 2]).unwrap()), ["transform", "logits"]);
        let wn = WeightNormLinearConfig::new(4, 8).init(0, device).unwrap();
        assert_eq!(names(|| wn.forward(gaussian([2, 4], 1, device))), ["output"]);
    }

    fn the_models_predictions_hold_when_measured(device) {
        // DeepMlp predicts each layer's variance from its manifest (n_in·σ²·E[φ²]/Var z): He
        // keeps it, Glorot (gain 1, square layers) halves it per ReLU layer — both measured.
        let ad = device.clone().autodiff();
        let x = gaussian([256, 256], 3, &ad);
        for policy in [None, Some(Policy::xavier(burn_init::Nonlinearity::Linear))] {
            let mlp = DeepMlpConfig::new(256, 256, 6, 10).with_policy(policy.clone()).init(Key::new(4), &ad).unwrap();
            let report = Diagnosis::new().run(&mlp, x.clone(), |m, x| m.forward(x).powi_scalar(2).mean()).unwrap();
            assert_eq!(mismatches(&report), Vec::<String>::new(), "{report}");
            let (l2, l3) = (report.activation("layers.2").unwrap(), report.activation("layers.3").unwrap());
            // The recursion runs in second moments: the factor applies to E[z²] of layer 2.
            let ratio = l3.predicted_var.unwrap() / (l2.values.rms * l2.values.rms);
            assert!((ratio - if policy.is_none() { 1.0 } else { 0.5 }).abs() < 1e-9, "{ratio}");
        }
        // PyTorch's default draws biases U(±1/√n) as well: the weights alone shrink the variance
        // by ⅓ per layer, and the biases' σ_b² = 1/(3n) holds it at a floor. The prediction
        // includes σ_b² (q = σ_w²·n·E[φ²] + σ_b²): measured within 5 SE at depth, where the
        // weights-only part would be off by far more than 5 SE.
        let n = 128;
        let narrow = gaussian([256, n], 8, &ad);
        let mlp = DeepMlpConfig::new(n, n, 12, 10).with_policy(Some(Policy::pytorch_default())).init(Key::new(9), &ad).unwrap();
        let report = Diagnosis::new().run(&mlp, narrow, |m, x| m.forward(x).sum()).unwrap();
        assert_eq!(mismatches(&report), Vec::<String>::new(), "{report}");
        let (prev, deep) = (report.activation("layers.10").unwrap(), report.activation("layers.11").unwrap());
        let offset = 1.0 / (3.0 * n as f64);
        let weights_only = deep.predicted_var.unwrap() - offset;
        let prev_moment = prev.values.rms * prev.values.rms;
        assert!((weights_only / prev_moment - 1.0 / 6.0).abs() < 1e-6, "ratio n·(1/(3n))·½ = 1/6");
        assert!((deep.values.var - weights_only).abs() > 5.0 * deep.se, "{report}");

        // The first layer reads the input's second moment, not its variance: a non-centred
        // input (x + 3, E[x²] = 10 against Var 1) is predicted right.
        let shifted = gaussian([256, 256], 10, &ad) + 3.0;
        let mlp = DeepMlpConfig::new(256, 256, 2, 10).init(Key::new(11), &ad).unwrap();
        let report = Diagnosis::new().run(&mlp, shifted, |m, x| m.forward(x).sum()).unwrap();
        assert_eq!(mismatches(&report), Vec::<String>::new(), "{report}");
        let first = report.activation("layers.0").unwrap().predicted_var.unwrap();
        assert!((first / 20.0 - 1.0).abs() < 0.02, "2·E[x²] = 20: {first}");

        // A residual stack declares α²·(1 + b) per block: 2 unscaled, 1 scaled; both measured.
        for scaling in [ResidualScaling::Unscaled, ResidualScaling::Scaled] {
            let stack = ResidualStackConfig::new(ResidualBlockConfig::new(256).with_scaling(scaling), 4).init(5, &ad).unwrap();
            let report = Diagnosis::new().run(&stack, x.clone(), |m, x| m.forward(x).sum()).unwrap();
            assert_eq!(mismatches(&report), Vec::<String>::new(), "{report}");
        }
    }

    fn the_standard_errors_are_calibrated_over_100_correct_models(device) {
        // 100 draws of correct models (He for ReLU and for leaky ReLU 0.2, alternately; width
        // 128, depth 4, batch 64; every draw a new key and batch). For every record with a
        // prediction, z = (measured − predicted)/SE. If the SE is right, z is ≈ N(0, 1): its
        // mean within 5·s/√N of 0 and its SD within 5 SE(SD) of 1, SE(SD) = √((κ − 1)/(4N))
        // with κ z's sample kurtosis (the delta method; 1/√(2N) for a Gaussian). The issue's
        // band, SD in [0.8, 1.2], is asserted as well. Measured here: mean −0.08, SD 1.035
        // (± 0.028); on three other sets of 100 keys SD 1.03–1.06, |mean| ≤ 0.08. Without the
        // rectifier term in the SE the SD was 1.19; with the SE taken at the measured rather
        // than the predicted variance, or the variance instead of the second moment, the
        // 10-unit read-out's z had mean −0.4 to −0.7; without the Student-t conversion its SD
        // was 1.2–1.4 and one correct read-out in 100 was flagged at 5.1 SE.
        let ad = device.clone().autodiff();
        let mut z = Vec::new();
        let mut flagged = Vec::new();
        for draw in 0..100u64 {
            let activation = if draw % 2 == 0 { Nonlinearity::Relu } else { Nonlinearity::LeakyRelu { negative_slope: 0.2 } };
            let mlp = DeepMlpConfig::new(128, 128, 4, 10).with_activation(activation).init(Key::new(1000 + draw), &ad).unwrap();
            let x = gaussian([64, 128], 2000 + draw, &ad);
            let report = Diagnosis::new().run(&mlp, x, |m, x| m.forward(x).powi_scalar(2).mean()).unwrap();
            for row in &report.activations {
                if row.predicted_var.is_some() {
                    z.push(row.z.expect("a prediction with a standard error"));
                }
            }
            if !mismatches(&report).is_empty() {
                flagged.push(format!("draw {draw}: {:?}", mismatches(&report)));
            }
        }
        assert_eq!(flagged, Vec::<String>::new(), "no correct model is flagged");
        let n = z.len() as f64;
        assert_eq!(z.len(), 500, "5 predicted records per model");
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let kurtosis = z.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n / (var * var);
        let sd = var.sqrt();
        let se_sd = ((kurtosis - 1.0) / (4.0 * n)).sqrt();
        assert!(mean.abs() < 5.0 * sd / n.sqrt(), "mean z {mean:.3} (SD {sd:.3})");
        assert!((sd - 1.0).abs() < 5.0 * se_sd, "SD of z {sd:.3} ± {se_sd:.3} (kurtosis {kurtosis:.2})");
        assert!((0.8..=1.2).contains(&sd), "SD of z {sd:.3}");
    }

    fn lsuv_runs_on_a_model_through_its_records(device) {
        // DeepMlp's records are its layer paths, so LSUV finds every layer without a mapping.
        let ad = device.clone().autodiff();
        let x = gaussian([128, 64], 6, &ad);
        let mlp = DeepMlpConfig::new(64, 128, 4, 10).init(Key::new(7), &ad).unwrap();
        let (mlp, _, layers) = Lsuv::new().apply(mlp, Key::new(8), |m: &DeepMlp| m.forward(x.clone())).unwrap();
        let names: Vec<&str> = layers.iter().map(|l| l.layer.as_str()).collect();
        assert_eq!(names, ["layers.0", "layers.1", "layers.2", "layers.3", "output"]);
        // Every layer it found was rescaled on the model's own records: the records of the
        // returned model show each scale applied (the variance on this batch is LSUV's stopping
        // rule, so it is not asserted here; burn-init's `lsuv_rediscovers_he…` checks a
        // held-out batch against its standard error).
        let (_, trace) = Probe::new().capture(|| mlp.forward(x.clone())).unwrap();
        for layer in &layers {
            let var = trace.get(&layer.layer).unwrap().stats.var;
            assert!((var - layer.variance).abs() < 1e-4 * layer.variance, "{}: {var} vs LSUV's {}", layer.layer, layer.variance);
            assert!(layer.scale != 1.0 || layer.iterations == 0, "{layer:?}");
        }
    }
}

#[test]
fn records_are_free_of_side_effects_when_off() {
    let device = Device::default();
    let mlp = DeepMlpConfig::new(8, 16, 2, 3).init(0, &device).unwrap();
    let x = gaussian([4, 8], 1, &device);
    let plain = mlp.forward(x.clone()).into_data();
    let (captured, _) = Probe::new().capture(|| mlp.forward(x)).unwrap();
    // Capturing without gradients returns the same values.
    plain.assert_eq(&captured.into_data(), true);
}
