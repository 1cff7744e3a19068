//! Recurrent weights: spectral radius of W_hh (circular law for Glorot, unit circle for
//! orthogonal) and Burn's LSTM under an orthogonal-recurrent policy.

use burn::nn::LstmConfig;
use burn_init::diagnostics::{Moments, host_values, spectral_radius};
use burn_init::error::ArgumentError;
use burn_init::{Fan, InitError, Scheme};
use burn_init_models::rnn::{RecurrentInit, SimpleRnnConfig, lstm_with_policy};

use crate::common::{SIGMAS, gaussian, readme_row};

/// max |(WᵀW − I)_ij| of a square row-major matrix.
fn gram_deviation(w: &[f64], n: usize) -> f64 {
    let mut worst: f64 = 0.0;
    for i in 0..n {
        for j in 0..n {
            let dot: f64 = (0..n).map(|k| w[k * n + i] * w[k * n + j]).sum();
            worst = worst.max((dot - if i == j { 1.0 } else { 0.0 }).abs());
        }
    }
    worst
}

per_device! {
    fn recurrent_spectral_radius_is_one(device) {
        let n = 512;
        // Glorot on the square matrix: σ² = 1/n, the circular law's unit disc. Ginibre's largest
        // |λ| exceeds 1 by ≈ √(γ_n/4n) ≈ 0.02 at n = 512: tolerance 0.05.
        let cell = SimpleRnnConfig::new(8, n).with_recurrent(RecurrentInit::Xavier).init(1, device).unwrap();
        let w = host_values(cell.recurrent.val()).unwrap();
        let var = Moments::of(&w).unwrap().var;
        let std = Scheme::xavier_normal(1.0).std(&[n, n], Some(Fan::linear(n, n))).unwrap();
        assert!((std * std * n as f64 - 1.0).abs() < 1e-12, "σ² = 1/n");
        assert!((var - std * std).abs() < SIGMAS * std * std * (2.0 / (n * n) as f64).sqrt());
        let radius = spectral_radius(&w, n).unwrap();
        println!("xavier n={n}: spectral radius {radius:.4}");
        readme_row(device, "`SimpleRnnCell`, n = 512, Xavier W_hh", &[radius]);
        assert!((radius - 1.0).abs() < 0.05, "Xavier radius {radius}");
        // Orthogonal: every |λ| = 1.
        let cell = SimpleRnnConfig::new(8, n).init(1, device).unwrap();
        let w = host_values(cell.recurrent.val()).unwrap();
        let radius = spectral_radius(&w, n).unwrap();
        println!("orthogonal n={n}: spectral radius {radius:.6}");
        readme_row(device, "`SimpleRnnCell`, n = 512, orthogonal W_hh", &[radius]);
        assert!((radius - 1.0).abs() < 1e-3, "orthogonal radius {radius}");
        assert!(gram_deviation(&w, n) < 1e-4);
    }

    fn rnn_runs_over_a_sequence(device) {
        let cell = SimpleRnnConfig::new(16, 32).init(2, device).unwrap();
        let h = cell.forward(gaussian([4, 10, 16], 3, device), None);
        assert_eq!(h.dims(), [4, 10, 32]);
        let values = host_values(h).unwrap();
        assert!(values.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
        // Bias zero at the start.
        assert!(host_values(cell.input.bias.unwrap().val()).unwrap().iter().all(|&b| b == 0.0));
    }

    fn lstm_under_policy_has_orthogonal_recurrent_weights(device) {
        let (d_in, n) = (24, 64);
        let lstm = lstm_with_policy(&LstmConfig::new(d_in, n, true), 4, device).unwrap();
        let gates = [Some(&lstm.input_gate), lstm.forget_gate.as_ref(), Some(&lstm.output_gate), Some(&lstm.cell_gate)];
        let xavier = Scheme::xavier_normal(1.0).std(&[d_in, n], Some(Fan::linear(d_in, n))).unwrap();
        assert!((xavier - 0.150_755_672_288_881_8).abs() < 1e-12, "√(2/(24 + 64)) = {xavier}");
        for gate in gates.into_iter().flatten() {
            let w = host_values(gate.hidden_transform.weight.val()).unwrap();
            let deviation = gram_deviation(&w, n);
            assert!(deviation < 1e-4, "WᵀW − I: {deviation}");
            let input = Moments::of(&host_values(gate.input_transform.weight.val()).unwrap()).unwrap();
            let se = xavier * (0.5 / (d_in * n) as f64).sqrt();
            assert!((input.var.sqrt() - xavier).abs() < SIGMAS * se, "input std {} vs {xavier}", input.var.sqrt());
            for bias in [&gate.input_transform.bias, &gate.hidden_transform.bias].into_iter().flatten() {
                assert!(host_values(bias.val()).unwrap().iter().all(|&b| b == 0.0));
            }
        }
    }

    fn bad_rnn_config_is_a_typed_error(device) {
        let error = SimpleRnnConfig::new(8, 0).init(0, device).unwrap_err();
        assert!(matches!(error, InitError::Argument(ArgumentError::OutOfDomain { name: "d_hidden", .. })), "{error}");
    }
}
