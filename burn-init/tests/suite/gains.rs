//! Gains: PyTorch's table verbatim, numeric second-moment gains against closed forms and an
//! independent fine trapezoid rule.

use core::f64::consts::{E, PI, SQRT_2};

use burn_init::InitError;
use burn_init::error::ArgumentError;
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
    // Leaky ReLU: E = (1 + s²)/2, so the gain is √(2/(1 + s²)) (PyTorch's table too).
    for s in [0.01, 0.2, -0.5f64] {
        let leaky = LeakyRelu { negative_slope: s };
        let expected = (2.0 / (1.0 + s * s)).sqrt();
        assert!(relative(leaky.second_moment_gain().unwrap(), expected) < 1e-9);
        assert!(relative(leaky.pytorch_gain().unwrap().unwrap(), expected) < 1e-15);
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
    // Klambauer et al.'s λ and α make (mean 0, variance 1) a fixed point exactly.
    assert!(relative(Selu.second_moment().unwrap(), 1.0) < 1e-9);
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

/// E[φ(z)²] of activations without a closed form, against constants computed outside the
/// library (mpmath quadrature to 30 digits, and a 400 001-point trapezoid on [−16, 16] in
/// Python: they agree to 10⁻¹³), and the library's φ against the published definitions written
/// here — so that a wrong formula (SiLU as x·σ(2x), Mish with tanh(x), softplus without 1/β,
/// ELU's branch as α·x) fails even though the quadrature would integrate it faithfully.
#[test]
fn numeric_gains_without_closed_form_match_published_constants() {
    use Nonlinearity::*;
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let softplus = |x: f64, beta: f64| {
        if beta * x > 30.0 {
            x
        } else {
            (beta * x).exp().ln_1p() / beta
        }
    };
    type Definition = Box<dyn Fn(f64) -> f64>;
    let cases: [(Nonlinearity, Definition, f64); 7] = [
        (Tanh, Box::new(f64::tanh), 0.394_294_490_397_841),
        (Sigmoid, Box::new(sigmoid), 0.293_379_035_858_093),
        (
            Silu,
            Box::new(move |x| x * sigmoid(x)),
            0.355_775_519_817_352,
        ),
        (
            Mish,
            Box::new(move |x| x * softplus(x, 1.0).tanh()),
            0.452_342_192_375_883,
        ),
        (
            Softplus { beta: 1.0 },
            Box::new(move |x| softplus(x, 1.0)),
            0.921_245_908_859_300,
        ),
        (
            Softplus { beta: 3.0 },
            Box::new(move |x| softplus(x, 3.0)),
            0.528_850_613_974_539,
        ),
        (
            Elu { alpha: 0.5 },
            Box::new(|x: f64| if x > 0.0 { x } else { 0.5 * x.exp_m1() }),
            0.536_236_354_373_231,
        ),
    ];
    for (phi, definition, moment) in &cases {
        for x in [-7.5, -2.0, -0.3, 0.0, 0.4, 1.7, 6.0] {
            assert!(
                (phi.apply(x) - definition(x)).abs() <= 1e-12 * (1.0 + x.abs()),
                "{phi:?}({x})"
            );
        }
        assert!(
            relative(phi.second_moment().unwrap(), *moment) < 1e-9,
            "{phi:?}"
        );
        assert!(relative(phi.second_moment_gain().unwrap(), 1.0 / moment.sqrt()) < 1e-9);
    }
    // The trapezoid on the test's own definitions agrees with the constants too.
    for (_, definition, moment) in &cases {
        assert!(relative(trapezoid_second_moment(definition), *moment) < 1e-9);
    }
}

#[test]
fn documented_differences_from_the_table() {
    use Nonlinearity::*;
    // tanh: table 5/3, second-moment rule 1/√0.394294490397841 = 1.59253741972.
    assert_eq!(Tanh.pytorch_gain().unwrap(), Some(5.0 / 3.0));
    assert!(relative(Tanh.second_moment_gain().unwrap(), 1.592_537_419_72) < 1e-9);
    // sigmoid: table 1, rule 1.84622854534 (E[σ(z)²] includes the mean 1/2).
    assert!(relative(Sigmoid.second_moment_gain().unwrap(), 1.846_228_545_34) < 1e-9);
    // SELU: table 3/4, rule exactly 1 (its fixed point).
    assert_eq!(Selu.pytorch_gain().unwrap(), Some(0.75));
    assert!(relative(Selu.second_moment_gain().unwrap(), 1.0) < 1e-9);
    // Activations PyTorch has no entry for use the rule.
    assert_eq!(Gelu.pytorch_gain().unwrap(), None);
    assert_eq!(Gelu.gain().unwrap(), Gelu.second_moment_gain().unwrap());
}

/// φ itself at points whose values are known in closed form (not from the library's formula):
/// a second moment cannot see a sign or a mirror image (E[φ(z)²] of leaky ReLU, or of GELU
/// mirrored to x·(1 − Φ(x)), is unchanged), so the mutation run of `apply` found branches only
/// these values test. SELU's constants are Klambauer et al.'s; Φ(1) = 0.8413447460685429.
#[test]
fn activations_take_their_known_values() {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    let leaky = Nonlinearity::LeakyRelu {
        negative_slope: 0.1,
    };
    assert!(close(leaky.apply(-2.0), -0.2) && close(leaky.apply(3.0), 3.0));
    assert!(close(
        Nonlinearity::Gelu.apply(1.0),
        0.841_344_746_068_542_9
    ));
    assert!(close(
        Nonlinearity::Gelu.apply(-1.0),
        -0.158_655_253_931_457_05
    ));
    assert!(close(Nonlinearity::Selu.apply(1.0), SELU_LAMBDA));
    assert!(close(
        Nonlinearity::Selu.apply(-1.0),
        SELU_LAMBDA * SELU_ALPHA * (1.0 / E - 1.0)
    ));
    let elu = Nonlinearity::Elu { alpha: 0.5 };
    assert!(close(elu.apply(-1.0), 0.5 * (1.0 / E - 1.0)) && close(elu.apply(2.0), 2.0));
    // Softplus far out is x itself, not exp's overflow (ln(1 + e^1000) = ∞ in f64).
    let softplus = Nonlinearity::Softplus { beta: 1.0 };
    assert!(close(softplus.apply(1000.0), 1000.0) && close(softplus.apply(0.0), 2f64.ln()));
    // PyTorch's table has the linear and conv layers (gain 1) and no GELU: `pytorch_gain` says
    // which values are PyTorch's (the second-moment gain of the identity is 1 too, so `gain`
    // alone cannot tell).
    for identity in [
        Nonlinearity::Linear,
        Nonlinearity::Conv2d,
        Nonlinearity::ConvTranspose3d,
    ] {
        assert_eq!(identity.pytorch_gain().unwrap(), Some(1.0), "{identity:?}");
    }
    assert_eq!(Nonlinearity::Gelu.pytorch_gain().unwrap(), None);
    // A non-finite ELU α is refused by name, as a leaky slope is (not as a degenerate quadrature).
    let refused = Nonlinearity::Elu { alpha: f64::NAN }.gain().unwrap_err();
    assert!(
        matches!(
            refused,
            InitError::Argument(ArgumentError::OutOfDomain { name: "alpha", .. })
        ),
        "{refused:?}"
    );
}
