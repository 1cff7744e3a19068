//! WeightNormLinear: g = √2 after a ReLU keeps the variance, whatever the fan-in.

use burn::tensor::activation::relu;
use burn_init::diagnostics::VarianceRatio;
use burn_init::error::ArgumentError;
use burn_init::{InitError, Key, Nonlinearity, composition};
use burn_init_models::weight_norm::WeightNormLinearConfig;

use crate::common::{SIGMAS, gaussian, readme_row};

const D_OUTPUT: usize = 512;

per_device! {
    fn relu_gain_keeps_the_variance_at_any_fan_in(device) {
        let g = composition::weight_norm_gain(&Nonlinearity::Relu).unwrap();
        let expected = g * g * Nonlinearity::Relu.second_moment().unwrap();
        // g = √2 (1/√E[ReLU²] with E = ½): the prediction is the literal 1.
        assert!((g - 2f64.sqrt()).abs() < 1e-9 && (expected - 1.0).abs() < 1e-9, "g {g}");
        let mut measured = Vec::new();
        for (n, batch) in [(64, 512), (1024, 128)] {
            let layer = WeightNormLinearConfig::new(n, D_OUTPUT).init(Key::new(31), device).unwrap();
            let z = gaussian([batch, n], 10, device);
            let r = VarianceRatio::measure(z.clone(), layer.forward(relu(z))).unwrap();
            println!("weight norm n = {n}: Var y / Var z = {} ± {} (expected {expected})", r.ratio, r.se);
            measured.extend([r.ratio, r.se]);
            // Slack: ReLU's mean E[h] = 1/√(2π) gives unit j the offset g·E[h]·Σv/‖v‖, whose
            // spread over the 512 units is a weight-sampling error of relative size
            // E[h]²·g²·√(2/512) ≈ 0.02 that the sample SE does not see; 5 × that.
            let slack = SIGMAS * (2.0 / D_OUTPUT as f64).sqrt() / std::f64::consts::PI;
            assert!(r.agrees_with(expected, SIGMAS, slack), "n = {n}: {r:?}");
        }
        readme_row(device, "`WeightNormLinear`, ReLU inputs, n = 64 and 1024", &measured);
    }

    fn bad_sizes_are_typed_errors(device) {
        let err = WeightNormLinearConfig::new(0, 4).init(Key::new(0), device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "d_input", .. })), "{err}");
    }
}
