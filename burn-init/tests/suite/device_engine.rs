//! The device engine draws with the device's own RNG: the same statistical tests as the host
//! engine (moments within 5 SE, bounds, KS), on every enabled device.

use burn::tensor::{Device, Tensor};
use burn_init::error::ArgumentError;
use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};

use crate::catalogue::{check_normal, check_truncated, check_uniform};
use crate::common::values;

/// Seeds the backend's RNG first: the draw is fixed unless another test uses the same backend's
/// RNG at the same moment (the margins hold for any seed; the seed keeps runs repeatable).
fn draw(scheme: &Scheme, device: &Device) -> Vec<f32> {
    device.seed(20_261_123);
    let fan = Fan::linear(256, 512);
    let t: Tensor<2> = scheme
        .sample_on_device([256, 512], Some(fan), Key::new(0), device)
        .unwrap();
    values(t)
}

per_device! {
    fn device_engine_uniform_and_normal(device) {
        check_uniform("uniform", &draw(&Scheme::Uniform { low: -0.3, high: 0.7 }, device), -0.3, 0.7);
        let bound = (6.0f64 / 768.0).sqrt();
        check_uniform("xavier_uniform", &draw(&Scheme::xavier_uniform(1.0), device), -bound, bound);
        check_normal("normal", &draw(&Scheme::Normal { mean: 1.0, std: 2.0 }, device), 1.0, 2.0);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        check_normal("kaiming_normal", &draw(&he, device), 0.0, (2.0f64 / 256.0).sqrt());
    }

    fn device_engine_truncated_normal(device) {
        let cases = [(0.0, 0.02, -0.04, 0.04), (0.5, 1.0, -1.0, 2.0), (0.0, 1.0, 3.0, 5.0), (0.0, 1.0, -8.0, -6.0), (0.0, 1.0, 0.0, f64::INFINITY)];
        for (mean, std, a, b) in cases {
            let values = draw(&Scheme::trunc_normal(mean, std, a, b), device);
            check_truncated(&format!("device trunc_normal({mean}, {std}, {a}, {b})"), &values, mean, std, a, b);
        }
    }

    fn device_engine_structured_and_constant(device) {
        // Structured schemes are computed on the host: the same bits as the host engine.
        let host: Tensor<2> = Scheme::orthogonal(1.0).sample([64, 32], None, Key::new(3), device).unwrap();
        let dev: Tensor<2> = Scheme::orthogonal(1.0).sample_on_device([64, 32], None, Key::new(3), device).unwrap();
        assert_eq!(values(host), values(dev));
        assert!(draw(&Scheme::Zeros, device).iter().all(|&x| x == 0.0));
    }
}

#[test]
fn device_engine_validates_like_the_host_engine() {
    let (_, device) = burn_init::devices::default_cpu().unwrap();
    let err = Scheme::Normal {
        mean: 0.0,
        std: -1.0,
    }
    .sample_on_device::<2>([4, 4], None, Key::new(0), &device)
    .unwrap_err();
    assert!(
        matches!(
            err,
            burn_init::InitError::Argument(ArgumentError::OutOfDomain { name: "std", .. })
        ),
        "{err}"
    );
}
