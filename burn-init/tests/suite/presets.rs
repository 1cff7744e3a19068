//! Presets on Burn models, and µP's coordinate check.

use burn::module::Module;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Distribution, Tensor};
use burn_init::policy::{Mup, Policy, Role, Rule};
use burn_init::{Key, Nonlinearity, Scheme};

use crate::common::values;

fn encoder(device: &Device, n_layers: usize) -> TransformerEncoder {
    TransformerEncoderConfig::new(64, 256, 4, n_layers).init(device)
}

fn target(manifest: &burn_init::policy::Manifest, path: &str) -> f64 {
    manifest
        .get(path)
        .unwrap_or_else(|| panic!("no {path}"))
        .target_std
        .unwrap()
}

per_device! {
    fn gpt2_scales_the_residual_projections(device) {
        let (_, manifest) = Policy::gpt2(4, &[])
            .with_require_all(true)
            .apply(encoder(device, 4), Key::new(0))
            .unwrap();
        let scaled = 0.02 / (2.0f64 * 4.0).sqrt();
        for layer in 0..4 {
            let p = |name: &str| format!("layers.{layer}.{name}");
            assert!((target(&manifest, &p("mha.output.weight")) - scaled).abs() < 1e-12);
            assert!((target(&manifest, &p("pwff.linear_outer.weight")) - scaled).abs() < 1e-12);
            assert!((target(&manifest, &p("mha.query.weight")) - 0.02).abs() < 1e-12);
            assert!((target(&manifest, &p("pwff.linear_inner.weight")) - 0.02).abs() < 1e-12);
            assert_eq!(target(&manifest, &p("mha.output.bias")), 0.0);
            let gamma = manifest.get(&p("norm_1.gamma")).unwrap();
            assert_eq!((gamma.drawn_mean, gamma.drawn_std), (Some(1.0), Some(0.0)));
        }
    }

    fn t_fixup_scales_value_output_and_feed_forward(device) {
        let (_, manifest) = Policy::t_fixup(6, 64)
            .apply(encoder(device, 6), Key::new(0))
            .unwrap();
        let xavier = (2.0f64 / 128.0).sqrt();
        let block = 0.67 * 6f64.powf(-0.25);
        assert!((target(&manifest, "layers.2.mha.value.weight") - xavier * block).abs() < 1e-9);
        assert!((target(&manifest, "layers.2.mha.query.weight") - xavier).abs() < 1e-9);
    }

    fn zero_init_residual_and_rezero_come_first(device) {
        let policy = Policy::zero_init_residual(&["layers.*.norm_2"])
            .then(Policy::rezero(&["layers.0.norm_1.beta"]))
            .then(Policy::he(Nonlinearity::Relu));
        let (_, manifest) = policy.apply(encoder(device, 2), Key::new(0)).unwrap();
        for path in ["layers.0.norm_2.gamma", "layers.1.norm_2.gamma", "layers.0.norm_1.beta"] {
            assert_eq!(manifest.get(path).unwrap().drawn_std, Some(0.0), "{path}");
            assert_eq!(manifest.get(path).unwrap().drawn_mean, Some(0.0), "{path}");
        }
        assert_eq!(manifest.get("layers.0.norm_1.gamma").unwrap().drawn_mean, Some(1.0));
    }

    fn fixup_zeroes_last_layers_and_scales_inner_ones(device) {
        let (_, manifest) = Policy::fixup(8, 2, "*.linear_inner.weight", "*.linear_outer.weight", "layers.1.mha.output.weight")
            .apply(encoder(device, 2), Key::new(0))
            .unwrap();
        let he = (2.0f64 / 64.0).sqrt();
        // L^(−1/(2m−2)) = 8^(−1/2).
        assert!((target(&manifest, "layers.0.pwff.linear_inner.weight") - he / 8f64.sqrt()).abs() < 1e-12);
        assert_eq!(manifest.get("layers.0.pwff.linear_outer.weight").unwrap().drawn_std, Some(0.0));
        assert_eq!(manifest.get("layers.1.mha.output.weight").unwrap().drawn_std, Some(0.0));
    }

    fn mup_keeps_hidden_activations_across_widths(device) {
        // Mean |activation| after each hidden layer of a 4-layer ReLU MLP, widths 64…1024.
        let widths = [64, 128, 256, 512, 1024];
        let input = Tensor::<2>::random([256, 32], Distribution::Normal(0.0, 1.0), device);
        let base = Scheme::Normal { mean: 0.0, std: 0.125 };
        let run = |policy: &dyn Fn(usize) -> Policy| -> Vec<Vec<f64>> {
            widths.iter().map(|&width| {
                let (mlp, _) = policy(width).apply(Mlp::new(width, device), Key::new(9)).unwrap();
                mlp.activations(input.clone())
            }).collect()
        };
        let mup = run(&|width| Mup::new(64, width, "layers.0.weight".into(), "layers.3.weight".into())
            .with_scheme(Some(base.clone()))
            .policy());
        let standard = run(&|_| Policy::new()
            .rule(Rule::new(base.clone()).with_role(Some(Role::Weight)))
            .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias))));
        let spread = |runs: &[Vec<f64>], layer: usize| {
            let column: Vec<f64> = runs.iter().map(|r| r[layer]).collect();
            column.iter().cloned().fold(0.0, f64::max) / column.iter().cloned().fold(f64::INFINITY, f64::min)
        };
        for layer in 0..3 {
            assert!(spread(&mup, layer) <= 2.0, "µP layer {layer}: spread {}", spread(&mup, layer));
        }
        // Standard parametrisation with the base std at every width: the hidden layers grow as
        // √(width/64) per layer (measured ≈ 4× and ≈ 16× at 1024 for layers 1 and 2).
        assert!(spread(&standard, 1) > 3.0, "SP layer 1 spread {}", spread(&standard, 1));
        assert!(spread(&standard, 2) > 10.0, "SP layer 2 spread {}", spread(&standard, 2));
    }
}

/// 32 → width → width → width → 10, ReLU.
#[derive(Module, Debug)]
struct Mlp {
    layers: Vec<Linear>,
    relu: Relu,
}

impl Mlp {
    fn new(width: usize, device: &Device) -> Self {
        let dims = [32, width, width, width, 10];
        Self {
            layers: dims
                .windows(2)
                .map(|d| LinearConfig::new(d[0], d[1]).init(device))
                .collect(),
            relu: Relu::new(),
        }
    }

    /// Mean |h| after each hidden layer's ReLU, then the readout's mean |output|.
    fn activations(&self, mut x: Tensor<2>) -> Vec<f64> {
        let mut out = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i + 1 < self.layers.len() {
                x = self.relu.forward(x);
            }
            // Averaged on the host: long reductions on llvmpipe are not trusted.
            let host = values(x.clone());
            out.push(host.iter().map(|v| f64::from(v.abs())).sum::<f64>() / host.len() as f64);
        }
        out
    }
}
