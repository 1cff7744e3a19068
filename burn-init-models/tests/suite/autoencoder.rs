//! DeepAutoencoder: 20 plain ReLU layers keep the pre-activation variance with He.

use burn_init::diagnostics::Moments;
use burn_init::error::ArgumentError;
use burn_init::policy::{Policy, Role, Rule};
use burn_init::{Fan, FanMode, InitError, Key, Nonlinearity, Scheme, composition};
use burn_init_models::autoencoder::DeepAutoencoderConfig;

use crate::common::{gaussian, readme_row};

/// Mean over `keys` independent draws of ln(Var z_l / (Var x · n₀σ₀²)) per layer: the prediction
/// n·σ²·E[φ²] = 1 per layer makes every entry's population value 1 (the first layer sees the raw
/// input, n₀σ₀² = 2 with He; every later one n·σ²·E[ReLU(z)²]/Var z = 1).
fn mean_log_ratios(
    config: &DeepAutoencoderConfig,
    keys: u64,
    device: &burn::tensor::Device,
) -> Vec<f64> {
    let d = config.d_input;
    let x = gaussian([256, d], 11, device);
    let input = Moments::of_tensor(x.clone()).unwrap();
    let widths = config.widths().unwrap();
    let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    let first =
        composition::forward_ratio(&he, &[d, widths[1]], Fan::linear(d, widths[1])).unwrap();
    assert!((first - 2.0).abs() < 1e-12, "He's n·σ² = 2, not {first}");
    let mut sums = vec![0.0; widths.len() - 1];
    for key in 0..keys {
        let ae = config.init(Key::new(100 + key), device).unwrap();
        let (_, trace) = ae.forward_trace(x.clone());
        for (sum, z) in sums.iter_mut().zip(trace) {
            *sum += (Moments::of_tensor(z).unwrap().var / input.var / first).ln();
        }
    }
    sums.iter().map(|s| s / keys as f64).collect()
}

per_device! {
    /// Finite width (Hanin & Nica 2019, "Products of many large random matrices"): through ReLU
    /// layers of widths n_k, ln of a layer's variance ratio is close to Gaussian with variance
    /// s_l² ≤ Σ_{k≤l} 5/n_k (their per-input value; the batch average fluctuates less) and, the
    /// ratio having mean 1, mean −s_l²/2. Averaged over K = 16 keys the mean lies in
    /// [−s²/2 − 5·s/√K, 5·s/√K]. A He gain 10 % too large shifts layer l by l·ln 1.21: the same
    /// average then leaves the band from the middle layers on, which the contrast asserts.
    fn he_keeps_every_layer_level_through_the_bottleneck(device) {
        let config = DeepAutoencoderConfig::new(256, 64);
        let widths = config.widths().unwrap();
        assert_eq!(widths.len(), 21);
        let keys = 16;
        let band = |l: usize| {
            let s2: f64 = widths[1..=l + 1].iter().map(|&n| 5.0 / n as f64).sum();
            let half = 5.0 * s2.sqrt() / (keys as f64).sqrt();
            (-s2 / 2.0 - half, half)
        };
        let he = mean_log_ratios(&config, keys, device);
        println!("autoencoder mean ln(variance ratio): {he:.3?}");
        readme_row(device, "`DeepAutoencoder`, 20 ReLU layers (256 → 64 → 256)", &[he[he.len() - 1]]);
        for (l, r) in he.iter().enumerate() {
            let (low, high) = band(l);
            assert!((low..=high).contains(r), "layer {l}: {r:.3} outside [{low:.3}, {high:.3}]");
        }
        // The same measurement with every weight ×1.1 (a gain 10 % off) leaves the band.
        let wrong = Policy::new()
            .rule(Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)).with_role(Some(Role::Weight)).with_multiplier(1.1))
            .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
        let off = mean_log_ratios(&config.clone().with_policy(Some(wrong)), keys, device);
        let outside = off.iter().enumerate().filter(|&(l, r)| !(band(l).0..=band(l).1).contains(r)).count();
        assert!(outside >= 10, "a 10 % gain error left only {outside} of 20 layers outside the band: {off:.3?}");
    }

    fn odd_depth_is_a_typed_error(device) {
        let err = DeepAutoencoderConfig::new(8, 2).with_n_layers(5).init(Key::new(0), device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "n_layers", value: burn_init::error::Value::Count(5), .. })), "{err}");
    }
}
