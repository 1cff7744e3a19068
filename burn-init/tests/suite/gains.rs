//! Gains: PyTorch's table verbatim, numeric second-moment gains against closed forms and an
//! independent fine trapezoid rule.

use core::f64::consts::{E, PI, SQRT_2};

use burn_init::gain::{Nonlinearity, SELU_ALPHA, SELU_LAMBDA, numeric_gain, pass_fraction_gain};
use burn_init::sampling::normal::normal_cdf;

/// `torch.nn.init.calculate_gain` (PyTorch 2.x source).
#[test]
fn table_equals_pytorch() {
    use Nonlinearity::*;
    for unit in [
        Linear,
        Conv1d,
        Conv2d,
        Conv3d,
        ConvTranspose1d,
        ConvTranspose2d,
        ConvTranspose3d,
        Sigmoid,
    ] {
        assert_eq!(unit.gain().unwrap(), 1.0, "{unit:?}");
    }
    assert_eq!(Tanh.gain().unwrap(), 5.0 / 3.0);
    assert_eq!(Relu.gain().unwrap(), 2f64.sqrt());
    assert_eq!(
        LeakyRelu {
            negative_slope: 0.01
        }
        .gain()
        .unwrap(),
        (2.0 / (1.0 + 0.01f64.powi(2))).sqrt()
    );
    assert_eq!(
        LeakyRelu {
            negative_slope: 0.2
        }
        .gain()
        .unwrap(),
        (2.0 / 1.04f64).sqrt()
    );
    assert_eq!(Selu.gain().unwrap(), 0.75);
    assert_eq!(burn_init::calculate_gain(&Tanh).unwrap(), 5.0 / 3.0);
}

fn relative(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

/// E[φ(z)²] by the trapezoid rule, h = 1e−3 on [−14, 14]: an independent check for smooth φ.
fn trapezoid_second_moment(phi: impl Fn(f64) -> f64) -> f64 {
    let h = 1e-3;
    let n = (28.0 / h) as i64;
    (0..=n)
        .map(|i| {
            let z = -14.0 + i as f64 * h;
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            w * phi(z).powi(2) * (-0.5 * z * z).exp()
        })
        .sum::<f64>()
        * h
        / (2.0 * PI).sqrt()
}

#[test]
fn numeric_gains_match_closed_forms() {
    use Nonlinearity::*;
    // ReLU: E = 1/2 → √2, equal to PyTorch's table and to the pass-fraction rule at π = 1/2.
    assert!(relative(Relu.second_moment_gain().unwrap(), SQRT_2) < 1e-9);
    assert!(relative(pass_fraction_gain(0.5).unwrap(), SQRT_2) < 1e-15);
    for s in [0.01, 0.2, -0.5] {
        let leaky = LeakyRelu { negative_slope: s };
        assert!(
            relative(
                leaky.second_moment_gain().unwrap(),
                leaky.pytorch_gain().unwrap().unwrap()
            ) < 1e-9
        );
    }
    assert!(relative(Linear.second_moment_gain().unwrap(), 1.0) < 1e-9);
    // ELU(α): 1/2 + α²(e²Φ(−2) − 2e^{1/2}Φ(−1) + 1/2); SELU = λ·ELU(α) (≈ 1: its fixed point).
    let elu = |alpha: f64| {
        0.5 + alpha * alpha * (E * E * normal_cdf(-2.0) - 2.0 * E.sqrt() * normal_cdf(-1.0) + 0.5)
    };
    assert!(relative(Elu { alpha: 1.0 }.second_moment().unwrap(), elu(1.0)) < 1e-9);
    assert!(
        relative(
            Selu.second_moment().unwrap(),
            SELU_LAMBDA.powi(2) * elu(SELU_ALPHA)
        ) < 1e-9
    );
    assert!(relative(Selu.second_moment().unwrap(), 1.0) < 2e-3);
    // GELU: E[z²Φ(z)²] = 1/3 + 1/(2π√3) (Stein's lemma).
    let gelu = 1.0 / 3.0 + 1.0 / (2.0 * PI * 3f64.sqrt());
    assert!(relative(Gelu.second_moment().unwrap(), gelu) < 1e-9);
    // Closures: |x| → 1; sin → E[sin²] = (1 − e^{−2})/2; erf → (2/π)·asin(2/3).
    assert!(relative(numeric_gain(f64::abs).unwrap(), 1.0) < 1e-9);
    let sin = (1.0 - (-2f64).exp()) / 2.0;
    assert!(relative(numeric_gain(f64::sin).unwrap(), 1.0 / sin.sqrt()) < 1e-9);
    let erf = 2.0 / PI * (2.0f64 / 3.0).asin();
    assert!(relative(numeric_gain(libm::erf).unwrap(), 1.0 / erf.sqrt()) < 1e-9);
    // A kink away from 0: ReLU6-like clamp(x, 0, 0.37) (exact value in the quadrature unit test).
}

#[test]
fn numeric_gains_without_closed_form_agree_with_trapezoid() {
    use Nonlinearity::*;
    for phi in [
        Tanh,
        Sigmoid,
        Silu,
        Mish,
        Softplus { beta: 1.0 },
        Softplus { beta: 3.0 },
        Elu { alpha: 0.5 },
    ] {
        let quadrature = phi.second_moment().unwrap();
        let reference = trapezoid_second_moment(|z| phi.apply(z));
        assert!(
            relative(quadrature, reference) < 1e-9,
            "{phi:?}: {quadrature} vs {reference}"
        );
    }
}

#[test]
fn documented_differences_from_the_table() {
    use Nonlinearity::*;
    // tanh: table 5/3 ≈ 1.667, second-moment rule ≈ 1.593.
    let tanh = Tanh.second_moment_gain().unwrap();
    assert!((tanh - 1.5927).abs() < 1e-3, "{tanh}");
    // sigmoid: table 1, rule ≈ 1.85 (E[σ(z)²] includes the mean 1/2).
    assert!((Sigmoid.second_moment_gain().unwrap() - 1.8467).abs() < 1e-3);
    // SELU: table 3/4, rule ≈ 1.
    assert!((Selu.second_moment_gain().unwrap() - 1.0).abs() < 1e-3);
    // Activations PyTorch has no entry for use the rule.
    assert_eq!(Gelu.pytorch_gain().unwrap(), None);
    assert_eq!(Gelu.gain().unwrap(), Gelu.second_moment_gain().unwrap());
}
