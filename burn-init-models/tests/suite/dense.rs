//! DenseNet block: BN → ReLU → He conv keeps every new map at variance 1 whatever its fan-in.

use burn::tensor::Tensor;
use burn_init::diagnostics::{Moments, VarianceRatio, host_values};
use burn_init::error::ArgumentError;
use burn_init::{ConvFan, Fan, InitError, Nonlinearity, composition};
use burn_init_models::dense::DenseBlockConfig;

use crate::common::{SIGMAS, gaussian, readme_row};
use crate::conv_measure::{finite_width, interior};

const C0: usize = 32;
const GROWTH: usize = 32;
const LAYERS: usize = 4;
/// The realised prediction neglects covariances between the taps of earlier new maps (their
/// neighbouring pixels and channels are correlated through shared weights): relative slack
/// (measured: ≤ 0.5 % for layers 0–2, 4 % for layer 3 with seed 4).
const REALISED_SLACK: f64 = 0.05;

per_device! {
    fn dense_every_new_map_has_unit_variance(device) {
        // BN normalises with batch statistics only in training, i.e. on an autodiff device.
        let device = &device.clone().autodiff();
        let x = gaussian([8, C0, 24, 24], 31, device);
        let input = Moments::of_tensor(x.clone()).unwrap();
        let config = DenseBlockConfig::new(C0).with_growth(GROWTH).with_layers(LAYERS);
        let block = config.init(4, device).unwrap();
        let k = config.kernel;
        // Every layer's padding shrinks the region of full receptive fields by k/2.
        let border = k / 2 * LAYERS;
        let relu = Nonlinearity::Relu.second_moment().unwrap();
        let mut features = x;
        let mut ratios = Vec::new();
        for (l, layer) in block.layers.iter().enumerate() {
            let c_in = C0 + l * GROWTH;
            let fan = Fan::conv(c_in, GROWTH, &[k, k], 1, ConvFan::GroupCorrect).unwrap();
            // BN: unit variance; ReLU: ×E[ReLU(z)²] = ½; He: ×n_in·σ² = 2 → 1.
            let he = composition::forward_ratio(&DenseBlockConfig::scheme(), &[GROWTH, c_in, k, k], fan).unwrap();
            let predicted = relu * he;
            assert!((predicted - 1.0).abs() < 1e-9, "layer {l}: {predicted} (literal 2·½ = 1)");
            let a = layer.activation(features.clone());
            let map = layer.conv.forward(a.clone());
            features = Tensor::cat(vec![features, map.clone()], 1);
            let out = Moments::of_tensor(interior(map, border)).unwrap();
            let r = VarianceRatio::from_moments(&input, &out);
            // Realised with these weights: ReLU outputs have a mean μ_c, which reaches output o
            // as (Σ_{c,t} w_oct·μ_c)², one draw per output channel; their variance v_c as
            // Σ w²·v_c. Var(new) = (1/G)·Σ_o [Σ_{c,t} w²_oct·v_c + (Σ_{c,t} w_oct·μ_c)²].
            let values = host_values(interior(a, border - k / 2)).unwrap();
            let plane = values.len() / (8 * c_in);
            let (mut mu, mut v) = (vec![0.0; c_in], vec![0.0; c_in]);
            for (i, chunk) in values.chunks_exact(plane).enumerate() {
                let m = Moments::of(chunk).unwrap();
                mu[i % c_in] += m.mean / 8.0;
                v[i % c_in] += (m.var + m.mean * m.mean) / 8.0;
            }
            for c in 0..c_in {
                v[c] -= mu[c] * mu[c];
            }
            let w = host_values(layer.conv.weight.val()).unwrap();
            let realised = w
                .chunks_exact(c_in * k * k)
                .map(|row| {
                    let (mut var, mut mean) = (0.0, 0.0);
                    for (c, taps) in row.chunks_exact(k * k).enumerate() {
                        var += taps.iter().map(|t| t * t).sum::<f64>() * v[c];
                        mean += taps.iter().sum::<f64>() * mu[c];
                    }
                    var + mean * mean
                })
                .sum::<f64>()
                / GROWTH as f64;
            ratios.push(r.ratio);
            println!(
                "dense layer {l} (fan_in {}): var {:.4} ± {:.4} (ratio {:.4}), realised {realised:.4}, predicted {predicted:.4}",
                fan.fan_in, out.var, out.se_var, r.ratio
            );
            assert!((out.var - realised).abs() <= SIGMAS * out.se_var + REALISED_SLACK * realised, "layer {l}: {out:?} vs realised {realised}");
            // Finite width: the ReLU mean (μ² = 1/(2π) of E[ReLU²] = ½, a fraction 1/π) reaches
            // each output channel through one Gaussian Σw, a χ²₁ draw: relative SD √(2/G)/π
            // over G channels; the variance part through Σw² (√(2/numel)).
            let mean_part = 1.0 / std::f64::consts::PI;
            let width = (finite_width(GROWTH) * mean_part).hypot(finite_width(GROWTH * c_in * k * k) * (1.0 - mean_part));
            assert!(r.agrees_with(predicted, SIGMAS, SIGMAS * width), "layer {l}: {r:?} vs {predicted}");
        }
        readme_row(device, "`DenseBlock` (BN → ReLU → He conv), 4 layers", &ratios);
    }

    fn dense_bad_config_is_a_typed_error(device) {
        for (config, name) in [
            (DenseBlockConfig::new(0), "in_channels"),
            (DenseBlockConfig::new(4).with_growth(0), "growth"),
            (DenseBlockConfig::new(4).with_layers(0), "layers"),
        ] {
            let err = config.init(0, device).unwrap_err();
            assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: n, .. }) if n == name), "{err:?}");
        }
        let err = DenseBlockConfig::new(4).with_kernel(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "kernel", .. })), "{err:?}");
    }
}
