//! µP against its definition (TP5 Table 3, the `mup` package): exact targets per class from the
//! base model's fans, SP at the base width bit for bit, embeddings as input weights, the readout
//! named and checked, and the coordinate check after one Adam step — where µP differs from SP.

use burn::module::{Module, ParamGroup};
use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::lr_scheduler::LrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrSchedulerConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, activation::relu};
use burn_init::error::{ArgumentError, PolicyError};
use burn_init::policy::{Manifest, Mup, MupOptimizer, MupReadout, Policy};
use burn_init::{FanMode, InitError, Key, Nonlinearity, Scheme};

use crate::common::values;
use crate::policy::all_values;

const WIDTHS: [usize; 5] = [64, 128, 256, 512, 1024];

/// 32 → w → w → w → 10 (`layers.0` … `layers.3`, the readout).
#[derive(Module, Debug)]
struct Mlp {
    layers: Vec<Linear>,
}

fn mlp(width: usize, device: &Device) -> Mlp {
    let dims = [32, width, width, width, 10];
    Mlp {
        layers: dims
            .windows(2)
            .map(|d| LinearConfig::new(d[0], d[1]).init(device))
            .collect(),
    }
}

impl Mlp {
    /// Pre-activations of every layer (ReLU between them).
    fn trace(&self, mut x: Tensor<2>) -> Vec<Tensor<2>> {
        let mut out = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let z = layer.forward(if i == 0 { x.clone() } else { relu(x.clone()) });
            out.push(z.clone());
            x = z;
        }
        out
    }
}

fn target(manifest: &Manifest, path: &str) -> f64 {
    manifest.get(path).unwrap().target_std.unwrap()
}

fn readout() -> Mup {
    Mup::new(vec!["layers.3.weight".into()])
}

per_device! {
    /// Targets from the definition, written here per scheme as σ(fan_in, fan_out) at the base
    /// model's fans (width 64): input σ_base, hidden σ_base·(64/w)^½, readout σ_base·64/w. A
    /// fan-based scheme evaluated at the real fans and then scaled again (the old preset) gives
    /// 16× too little hidden variance at w = 1024; an embedding or input scaled as hidden fails too.
    fn targets_follow_table_3_for_every_scheme(device) {
        type Std = fn(f64, f64) -> f64;
        let cases: [(Scheme, Std); 5] = [
            (Scheme::Normal { mean: 0.0, std: 0.125 }, |_, _| 0.125),
            (Scheme::LecunNormal, |fan_in, _| fan_in.powf(-0.5)),
            (Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu), |fan_in, _| (2.0 / fan_in).sqrt()),
            (Scheme::xavier_uniform(1.0), |fan_in, fan_out| (2.0 / (fan_in + fan_out)).sqrt()),
            (Scheme::PytorchDefault, |fan_in, _| (1.0 / (3.0 * fan_in)).sqrt()),
        ];
        for (scheme, std) in cases {
            let mup = readout().with_scheme(scheme.clone());
            for width in WIDTHS {
                let m = width as f64 / 64.0;
                let policy = mup.policy(&mlp(64, device), &mlp(width, device)).unwrap();
                let (_, manifest) = policy.apply(mlp(width, device), Key::new(1)).unwrap();
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
                let label = format!("{scheme:?} at {width}");
                assert!(close(target(&manifest, "layers.0.weight"), std(32.0, 64.0)), "{label}: input");
                for hidden in ["layers.1.weight", "layers.2.weight"] {
                    assert!(close(target(&manifest, hidden), std(64.0, 64.0) / m.sqrt()), "{label}: {hidden}");
                }
                assert!(close(target(&manifest, "layers.3.weight"), std(64.0, 10.0) / m), "{label}: readout");
            }
        }
    }

    /// At the base width µP is SP: the same tensors, bit for bit, as PyTorch's defaults.
    fn mup_at_the_base_width_is_pytorch_sp(device) {
        let policy = readout().policy(&mlp(64, device), &mlp(64, device)).unwrap();
        let (mup, _) = policy.apply(mlp(64, device), Key::new(5)).unwrap();
        let (sp, _) = Policy::pytorch_default().apply(mlp(64, device), Key::new(5)).unwrap();
        assert_eq!(all_values(&mup), all_values(&sp));
    }

    /// Embeddings are input weights: constant in the width, for N(0, 1) and for a fan-based
    /// scheme alike (LeCun over an embedding's fans is 1/√d_model: evaluated at the base, fixed);
    /// biases (PyTorch's 1/√fan_in at the base) are constant too; the hidden layer shrinks as w^−½.
    fn embeddings_and_biases_do_not_scale_with_width(device) {
        #[derive(Module, Debug)]
        struct Lm { token: Embedding, position: Embedding, hidden: Linear, head: Linear }
        let lm = |w: usize| Lm {
            token: EmbeddingConfig::new(50, w).init(device),
            position: EmbeddingConfig::new(16, w).init(device),
            hidden: LinearConfig::new(w, w).init(device),
            head: LinearConfig::new(w, 50).init(device),
        };
        for embedding in [Scheme::Normal { mean: 0.0, std: 1.0 }, Scheme::LecunNormal] {
            let mup = Mup::new(vec!["head.weight".into()]).with_embedding(embedding.clone());
            let targets: Vec<[f64; 4]> = WIDTHS.iter().map(|&w| {
                let (_, manifest) = mup.policy(&lm(64), &lm(w)).unwrap().apply(lm(w), Key::new(2)).unwrap();
                ["token.weight", "position.weight", "hidden.bias", "hidden.weight"].map(|p| target(&manifest, p))
            }).collect();
            // SGD: an embedding is an input weight whose fan-out (d) grows: η·m.
            let rates = mup.learning_rates(&lm(64), &lm(256), MupOptimizer::Sgd).unwrap();
            let rate = |path: &str| rates.iter().find(|(p, _)| p == path).unwrap().1;
            assert_eq!((rate("token.weight"), rate("position.weight"), rate("head.weight")), (4.0, 4.0, 0.25));
            for (t, &w) in targets.iter().zip(&WIDTHS) {
                for (i, name) in ["token", "position", "hidden.bias"].iter().enumerate() {
                    assert!((t[i] / targets[0][i] - 1.0).abs() < 1e-12, "{embedding:?} {name} at {w}");
                }
                assert!((t[3] / targets[0][3] - (64.0 / w as f64).sqrt()).abs() < 1e-12);
            }
        }
    }

    /// The readout is named and checked, as `mup`'s `assert_hidden_size_inf` does.
    fn readouts_are_named_and_checked(device) {
        let (base, model) = (mlp(64, device), mlp(256, device));
        let error = |mup: Mup| mup.policy(&base, &model).unwrap_err();
        // A readout-shaped weight not named.
        let unnamed = error(Mup::new(vec![]));
        assert_eq!(unnamed, InitError::Policy(PolicyError::MupUnnamedReadout { path: "layers.3.weight".into() }));
        // A hidden weight named as the readout.
        let hidden = error(Mup::new(vec!["layers.3.weight".into(), "layers.1.weight".into()]));
        assert!(matches!(hidden, InitError::Policy(PolicyError::MupNotReadout { ref path, fan_in_ratio: 4.0, fan_out_ratio: 4.0 }) if path == "layers.1.weight"), "{hidden}");
        // A glob naming nothing.
        assert!(matches!(error(Mup::new(vec!["layers.3.weight".into(), "head.*".into()])), InitError::Policy(PolicyError::UnmatchedRule { rule: 1, .. })));
        // A base model of another architecture.
        assert!(matches!(readout().policy(&mlp(64, device), &Mlp { layers: mlp(256, device).layers[..3].to_vec() }), Err(InitError::Argument(ArgumentError::Shape { .. }))));
        // Zero readout (mup's readout_zero_init); the readout's bias stays a vector.
        let zero = readout().with_readout_init(MupReadout::Zero);
        let (model, _) = zero.policy(&base, &model).unwrap().apply(model, Key::new(0)).unwrap();
        assert!(values(model.layers[3].weight.val()).iter().all(|&v| v == 0.0));
        assert!(values(model.layers[3].bias.as_ref().unwrap().val()).iter().any(|&v| v != 0.0));
    }

    /// Table 3's learning-rate column, for m = 16.
    fn learning_rate_multipliers(device) {
        let mup = readout();
        let rates = |optimizer| mup.learning_rates(&mlp(64, device), &mlp(1024, device), optimizer).unwrap();
        let rate = |rates: &[(String, f64)], path: &str| rates.iter().find(|(p, _)| p == path).unwrap().1;
        let adam = rates(MupOptimizer::Adam);
        for (path, expected) in [("layers.0.weight", 1.0), ("layers.0.bias", 1.0), ("layers.1.weight", 1.0 / 16.0), ("layers.3.weight", 1.0 / 16.0), ("layers.3.bias", 1.0)] {
            assert_eq!(rate(&adam, path), expected, "Adam {path}");
        }
        let sgd = rates(MupOptimizer::Sgd);
        for (path, expected) in [("layers.0.weight", 16.0), ("layers.0.bias", 16.0), ("layers.1.weight", 1.0), ("layers.3.weight", 1.0 / 16.0), ("layers.3.bias", 1.0)] {
            assert_eq!(rate(&sgd, path), expected, "SGD {path}");
        }
    }

    /// The coordinate check (the `mup` package's test): widths 64 … 1024, one Adam step of
    /// η = 0.01 on a fixed batch, then the mean |change| of every layer's pre-activation. Adam's
    /// first step is ≈ η·sign(g), so a layer's change is ≈ η_layer·n·E|h|: it grows ×16 from 64
    /// to 1024 under one global rate (SP, and µP's initialisation alone), and stays level with
    /// µP's rates (hidden and readout η/m). Asserted: spread (largest / smallest over widths)
    /// ≥ 8 for the first two, ≤ 2 for µP, at the hidden layers and the output.
    fn coordinate_check_after_one_adam_step(device) {
        let device = device.clone().autodiff();
        let x = Scheme::Normal { mean: 0.0, std: 1.0 }.sample::<2>([64, 32], None, Key::new(7), &device).unwrap();
        let y = Scheme::Normal { mean: 0.0, std: 1.0 }.sample::<2>([64, 10], None, Key::new(8), &device).unwrap();
        let eta = 0.01;
        let change = |policy: Policy, rates: Option<Vec<(String, f64)>>, width: usize| -> Vec<f64> {
            let (model, _) = policy.apply(mlp(width, &device), Key::new(3)).unwrap();
            let before: Vec<Vec<f32>> = model.trace(x.clone()).into_iter().map(values).collect();
            let loss = MseLoss::new().forward(model.trace(x.clone()).pop().unwrap(), y.clone(), Reduction::Mean);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let mut scheduler = ModuleLrSchedulerConfig::new(LrSchedulerConfig::Constant(eta));
            for (path, rate) in rates.unwrap_or_default() {
                scheduler = scheduler.with_group(ParamGroup::from_paths(vec![path]), LrSchedulerConfig::Constant(eta * rate));
            }
            let lr = scheduler.init().unwrap().step();
            let model = AdamConfig::new().with_epsilon(1e-10).init().step(lr, model, grads);
            model.trace(x.clone()).into_iter().map(values).zip(before).map(|(after, before)| {
                after.iter().zip(&before).map(|(a, b)| f64::from((a - b).abs())).sum::<f64>() / after.len() as f64
            }).collect()
        };
        let spread = |runs: &[Vec<f64>], layer: usize| {
            let column: Vec<f64> = runs.iter().map(|r| r[layer]).collect();
            column.iter().copied().fold(0.0, f64::max) / column.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let base = mlp(64, &device);
        let sp: Vec<Vec<f64>> = WIDTHS.iter().map(|&w| change(Policy::pytorch_default(), None, w)).collect();
        let init_only: Vec<Vec<f64>> = WIDTHS.iter().map(|&w| change(readout().policy(&base, &mlp(w, &device)).unwrap(), None, w)).collect();
        let mup: Vec<Vec<f64>> = WIDTHS.iter().map(|&w| {
            let model = mlp(w, &device);
            let rates = readout().learning_rates(&base, &model, MupOptimizer::Adam).unwrap();
            change(readout().policy(&base, &model).unwrap(), Some(rates), w)
        }).collect();
        for layer in 1..4 {
            println!("layer {layer}: spread SP {:.2}, µP init only {:.2}, µP {:.2}", spread(&sp, layer), spread(&init_only, layer), spread(&mup, layer));
            assert!(spread(&sp, layer) >= 8.0, "SP layer {layer}: {}", spread(&sp, layer));
            assert!(spread(&init_only, layer) >= 8.0, "µP init alone, layer {layer}: {}", spread(&init_only, layer));
            assert!(spread(&mup, layer) <= 2.0, "µP layer {layer}: {}", spread(&mup, layer));
        }
    }
}
