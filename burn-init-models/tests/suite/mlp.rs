//! DeepMlp: He keeps the pre-activation variance over 20 ReLU layers, Glorot (gain 1) halves it
//! per layer; typed errors; training.

use burn::tensor::Device;
use burn_init::diagnostics::{Moments, VarianceRatio, host_values};
use burn_init::policy::Policy;
use burn_init::{Fan, InitError, Key, Nonlinearity, Scheme, composition};
use burn_init_models::mlp::DeepMlpConfig;

use crate::common::gaussian;

const WIDTH: usize = 256;
const DEPTH: usize = 20;

/// Var z_L / Var z_1 of the hidden pre-activations.
fn depth_ratio(policy: Policy, device: &Device) -> VarianceRatio {
    let mlp = DeepMlpConfig::new(WIDTH, WIDTH, DEPTH, 10)
        .with_policy(Some(policy))
        .init(Key::new(21), device)
        .unwrap();
    let (_, trace) = mlp.forward_trace(gaussian([256, WIDTH], 6, device));
    let first = Moments::of_tensor(trace[0].clone()).unwrap();
    let last = Moments::of_tensor(trace[DEPTH - 1].clone()).unwrap();
    VarianceRatio::from_moments(&first, &last)
}

/// Per-layer factor Var z_{l+1} / Var z_l = n·σ²·E[ReLU(z)²]/Var z, from the scheme and the
/// activation's second moment.
fn per_layer(scheme: &Scheme) -> f64 {
    composition::forward_ratio(scheme, &[WIDTH, WIDTH], &Fan::linear(WIDTH, WIDTH)).unwrap()
        * Nonlinearity::Relu.second_moment().unwrap()
}

per_device! {
    fn he_keeps_the_pre_activation_variance_over_twenty_relu_layers(device) {
        let he = Scheme::kaiming_normal(burn_init::FanMode::FanIn, Nonlinearity::Relu);
        let expected = per_layer(&he).powi(DEPTH as i32 - 1);
        let r = depth_ratio(Policy::he(Nonlinearity::Relu), device);
        println!("He + ReLU, depth {DEPTH}: Var z_L / Var z_1 = {} ± {} (expected {expected})", r.ratio, r.se);
        // 19 random layers of width 256: the draw's own fluctuation compounds (a random walk in
        // log); a factor-of-2 band around the prediction.
        assert!(r.ratio > 0.5 * expected && r.ratio < 2.0 * expected, "{r:?}");
    }

    fn glorot_with_gain_one_halves_the_variance_per_relu_layer(device) {
        let glorot = Scheme::xavier_uniform(1.0);
        let expected = per_layer(&glorot).powi(DEPTH as i32 - 1);
        let r = depth_ratio(Policy::xavier(Nonlinearity::Linear), device);
        println!("Glorot(1) + ReLU, depth {DEPTH}: Var z_L / Var z_1 = {:e} (expected {expected:e} = 2^{})", r.ratio, expected.log2());
        assert!((r.ratio.log2() - expected.log2()).abs() < 1.0, "{r:?} vs {expected:e}");
        assert!(r.ratio < 1e-4);
    }

    fn bad_configurations_are_typed_errors(device) {
        let err = DeepMlpConfig::new(4, 8, 2, 1)
            .with_activation(Nonlinearity::Selu)
            .init(Key::new(0), device)
            .unwrap_err();
        assert!(matches!(err, InitError::InvalidShape { argument: "activation", .. }), "{err}");
        assert!(err.to_string().contains("Selu"), "{err}");
        let err = DeepMlpConfig::new(4, 8, 0, 1).init(Key::new(0), device).unwrap_err();
        assert!(matches!(err, InitError::InvalidArgument { name: "depth", value: 0.0, .. }), "{err}");
        // A policy that cannot serve the model: the policy's error, unchanged.
        let policy = Policy::new().rule(
            burn_init::policy::Rule::new(Scheme::Zeros).with_path(Some("decoder.*".into())),
        );
        let err = DeepMlpConfig::new(4, 8, 2, 1)
            .with_policy(Some(policy))
            .init(Key::new(0), device)
            .unwrap_err();
        assert!(matches!(err, InitError::UnmatchedRule { rule: 0, .. }), "{err}");
    }

    fn same_key_same_weights_and_tanh_runs(device) {
        let config = DeepMlpConfig::new(8, 16, 3, 2).with_activation(Nonlinearity::Tanh);
        let a = config.init(Key::new(5), device).unwrap();
        let b = config.init(Key::new(5), device).unwrap();
        assert_eq!(host_values(a.layers[2].weight.val()).unwrap(), host_values(b.layers[2].weight.val()).unwrap());
        let y = a.forward(gaussian([4, 8], 7, device));
        assert!(host_values(y).unwrap().iter().all(|v| v.is_finite()));
    }

    fn deep_mlp_trains(device) {
        use burn::optim::{AdamConfig, GradientsParams};
        let device = device.clone().autodiff();
        let d = 8;
        let mut model = DeepMlpConfig::new(d, 32, 5, 1).init(Key::new(22), &device).unwrap();
        let x = gaussian([64, d], 8, &device);
        // Target sin(x·u) with x·u ~ N(0, 1).
        let u = gaussian([d, 1], 9, &device).mul_scalar(composition::sum_scale(d).unwrap());
        let target = x.clone().matmul(u).sin();
        let mut optim = AdamConfig::new().init();
        let loss_of = |model: &burn_init_models::DeepMlp| {
            (model.forward(x.clone()) - target.clone()).powi_scalar(2).mean()
        };
        let initial = host_values(loss_of(&model)).unwrap()[0];
        for _ in 0..40 {
            let loss = loss_of(&model);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        let last = host_values(loss_of(&model)).unwrap()[0];
        println!("DeepMlp training: loss {initial} -> {last}");
        assert!(last < 0.2 * initial, "{initial} -> {last}");
    }
}
