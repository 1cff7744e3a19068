//! The backends study's f64 reference, in a test binary of its own: flex is configured to f64
//! before any tensor exists (Burn fixes a device's float type once per process), and every
//! other enabled backend runs in f32 against it.

#![cfg(feature = "flex")]

use burn::tensor::{DType, Device, Tensor};
use burn_init::diagnostics::Probe;
use burn_init::{Key, Nonlinearity, Scheme, fingerprint};
use burn_init_examples::backends::agreement::{Against, compare, first_disagreement, layers};
use burn_init_examples::backends::reference;
use burn_init_models::DeepMlpConfig;

const WIDTH: usize = 128;

/// An 8-layer MLP of width 128 with `activation` and `policy` (He when `None`), on `device`: its
/// layers (batch 32, keyed input) and its weights' fingerprint.
fn run_with(
    device: &Device,
    activation: Nonlinearity,
    policy: Option<burn_init::policy::Policy>,
) -> (Vec<(String, Vec<f64>)>, u64) {
    let mlp = DeepMlpConfig::new(WIDTH, WIDTH, 8, 10)
        .with_activation(activation)
        .with_policy(policy)
        .init(Key::new(4), device)
        .unwrap();
    let print = fingerprint::of_module(&mlp).unwrap().hash;
    let x: Tensor<2> =
        burn_init_examples::diagnose::gaussian([32, WIDTH], Key::new(2), device).unwrap();
    let (_, trace) = Probe::new()
        .keeping_tensors()
        .capture(|| mlp.forward(x))
        .unwrap();
    (layers(&trace).unwrap(), print)
}

fn run(device: &Device, activation: Nonlinearity) -> (Vec<(String, Vec<f64>)>, u64) {
    run_with(device, activation, None)
}

#[test]
fn every_f32_backend_is_within_rounding_of_the_f64_reference() {
    let f64_flex = reference::device().unwrap();
    for activation in [Nonlinearity::Relu, Nonlinearity::Tanh] {
        let (reference, print) = run(&f64_flex, activation.clone());
        // The reference really runs in f64, on the f32 runs' own weights.
        let mlp = DeepMlpConfig::new(4, 4, 1, 2)
            .init(Key::new(0), &f64_flex)
            .unwrap();
        assert_eq!(
            mlp.forward(Tensor::zeros([1, 4], &f64_flex)).dtype(),
            DType::F64
        );
        for (name, device) in burn_init::devices::enabled() {
            if name == "flex" {
                continue;
            }
            let (run, run_print) = run(&device, activation.clone());
            assert_eq!(
                run_print, print,
                "{name}: other weights than the reference's"
            );
            let layers = compare(&run, &reference, WIDTH, Against::F64).unwrap();
            let shown: Vec<String> = layers
                .iter()
                .map(|l| format!("{} {:.2}", l.layer, l.difference / l.tolerance))
                .collect();
            println!(
                "{name} {activation:?}, difference / tolerance: {}",
                shown.join(", ")
            );
            assert_eq!(first_disagreement(&layers), None, "{name}: {shown:?}");
        }
    }
}

/// The disagreement that motivated the study: Burn's wgpu `tanh` returned 2⁻²⁵ for every
/// |x| < 3·10⁻⁸ on llvmpipe. A tanh MLP whose layer 3 has weights of std 10⁻¹² feeds values of
/// about 10⁻¹¹ into a tanh: the reference's layer 4 is tiny, a backend whose tanh floors them at
/// 2⁻²⁵ is thousands of times off there and named at layer 4; one whose tanh keeps them is not
/// (measured, and printed, per backend).
#[test]
fn a_tanh_that_floors_tiny_values_is_named_at_the_layer_it_feeds() {
    use burn_init::policy::{Policy, Rule};
    let f64_flex = reference::device().unwrap();
    let run = |device: &Device| {
        let policy = Policy::new()
            .rule(
                Rule::new(Scheme::Normal {
                    mean: 0.0,
                    std: 1e-12,
                })
                .with_path(Some("layers.3.weight".into())),
            )
            .then(Policy::he(Nonlinearity::Tanh));
        run_with(device, Nonlinearity::Tanh, Some(policy)).0
    };
    let reference = run(&f64_flex);
    let rms = |layers: &[(String, Vec<f64>)], name: &str| {
        burn_init_examples::backends::agreement::rms(
            &layers.iter().find(|(n, _)| n == name).unwrap().1,
        )
    };
    // Layer 3 of the reference is of order 10⁻¹¹, far below 2⁻²⁵ = 3·10⁻⁸, and so is layer 4.
    assert!(rms(&reference, "layers.3") < 1e-9 && rms(&reference, "layers.4") < 1e-9);
    for (name, device) in burn_init::devices::enabled() {
        if name == "flex" {
            continue;
        }
        let tiny = Tensor::<1>::from_floats([1e-11], &device);
        let tanh_of_tiny = burn::tensor::activation::tanh(tiny)
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .unwrap()[0];
        let layers = compare(&run(&device), &reference, WIDTH, Against::F64).unwrap();
        let first = first_disagreement(&layers).map(|l| l.layer.clone());
        println!("{name}: tanh(1e-11) = {tanh_of_tiny:e}, first disagreement: {first:?}");
        let floors = (f64::from(tanh_of_tiny) / 1e-11 - 1.0).abs() > 1e-3;
        let expected = floors.then(|| "layers.4".to_string());
        assert_eq!(first, expected, "{name}: tanh(1e-11) = {tanh_of_tiny:e}");
    }
}

/// Every model of the study's catalogue, on every f32 backend, against the f64 reference: the same
/// weights (fingerprints), every layer, the loss and every gradient within rounding (the
/// transformer's gradients on ndarray and wgpu excepted: see the GELU test below). Measured (2026-12-04, llvmpipe): the
/// worst layer of each model at 0.19 to 0.77 of its tolerance on ndarray and wgpu (the largest,
/// 0.77, graph attention's on ndarray, then the upsampler's 0.70, whose K = 36 leaves the
/// activations' own ulps the most weight).
#[test]
fn the_catalogue_on_every_backend_against_f64() {
    use burn_init_examples::backends::catalogue;
    let f64_flex = reference::device().unwrap();
    let key = Key::new(24);
    for model in catalogue::models() {
        let reference = model.capture(key, &f64_flex).unwrap();
        for (name, device) in burn_init::devices::enabled() {
            if name == "flex" {
                continue;
            }
            if model.name == "tanh_ordered" {
                // The next test's subject.
                continue;
            }
            let run = model.capture(key, &device).unwrap();
            assert_eq!(
                run.fingerprint, reference.fingerprint,
                "{} on {name}",
                model.name
            );
            let layers = compare(&run.layers, &reference.layers, run.width, Against::F64).unwrap();
            let worst = burn_init_examples::backends::study::worst_of(&layers);
            let first = first_disagreement(&layers).map(|l| l.layer.clone());
            println!(
                "{} (K = {}) on {name}: worst {worst:.3} of the tolerance, first disagreement {first:?}",
                model.name, run.width
            );
            assert_eq!(first, None, "{} on {name}: worst {worst:.3}", model.name);
            // The loss and every gradient too, but for the transformer's, upstream of a GELU whose
            // backward ndarray and wgpu approximate (the next test).
            use burn_init_examples::backends::agreement::{compare_gradients, gradient_tolerance};
            let tol = gradient_tolerance(run.layers.len(), run.width, run.reduced, Against::F64);
            assert!(
                (run.loss - reference.loss).abs() <= tol * reference.loss.abs(),
                "{} on {name}",
                model.name
            );
            let gradients = compare_gradients(&run.gradients, &reference.gradients, tol).unwrap();
            assert_eq!(gradients.len(), reference.gradients.len());
            if model.name != "transformer" {
                assert_eq!(
                    first_disagreement(&gradients),
                    None,
                    "{} on {name}",
                    model.name
                );
            }
        }
    }
}

/// What the study found in the gradients (2026-12-04, Burn 0.22.1): ndarray's and wgpu's GELU
/// backward is not the derivative of their exact-erf GELU forward (at x = −2: −0.086099 against
/// Φ(−2) − 2φ(−2) = −0.085232, 1 % off; flex is exact), so every gradient upstream of the
/// transformer's GELU is beyond rounding against f64 (42 tolerances) and the ones downstream of
/// it (fc2) are not. Checked per backend from its own GELU derivative, so the test follows a fix.
#[test]
fn an_inexact_gelu_backward_is_flagged_upstream_of_it_and_not_downstream() {
    use burn::tensor::{DType, TensorData};
    use burn_init_examples::backends::agreement::{compare_gradients, gradient_tolerance};
    use burn_init_examples::backends::catalogue;
    let f64_flex = reference::device().unwrap();
    let transformer = catalogue::models()
        .into_iter()
        .find(|m| m.name == "transformer")
        .unwrap();
    let key = Key::new(24);
    let reference = transformer.capture(key, &f64_flex).unwrap();
    let exact = {
        let x: f64 = -2.0;
        let phi = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        burn_init::sampling::normal::normal_cdf(x) + x * phi
    };
    for (name, device) in burn_init::devices::enabled() {
        if name == "flex" {
            continue;
        }
        let ad = device.clone().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(vec![-2.0f32], [1]), (&ad, DType::F32))
            .require_grad();
        let grads = burn::tensor::activation::gelu(x.clone()).sum().backward();
        let derivative: f32 = x.grad(&grads).unwrap().into_scalar();
        // An exact derivative in f32 is within a few ulps (10⁻⁸); the approximation is 10⁻³ off.
        let inexact = (f64::from(derivative) - exact).abs() > 1e-5;
        let run = transformer.capture(key, &device).unwrap();
        let tol = gradient_tolerance(run.layers.len(), run.width, run.reduced, Against::F64);
        let flagged: Vec<String> = compare_gradients(&run.gradients, &reference.gradients, tol)
            .unwrap()
            .into_iter()
            .filter(|g| g.disagrees())
            .map(|g| g.layer)
            .collect();
        println!("{name}: GELU'(−2) = {derivative} (exact {exact:.6}); flagged {flagged:?}");
        assert_eq!(
            flagged.contains(&"fc1.weight".to_string()),
            inexact,
            "{name}"
        );
        assert!(
            !flagged.iter().any(|p| p.starts_with("fc2.")),
            "{name}: {flagged:?}"
        );
    }
}

/// What the study found in wgpu's `tanh` (Burn 0.22.1, llvmpipe): near 0 it is accurate to an
/// absolute ≈ 1.5·10⁻⁸ (2⁻²⁶), not relatively (1.3 % off at 10⁻⁶; ±2⁻²⁵ for every |x| below
/// 3·10⁻⁸). The catalogue's `tanh_ordered`, a tanh MLP whose signal halves at every layer, shows
/// it: on a backend whose tanh is relatively accurate nothing is flagged; on one that is not, a
/// layer is, and not among the first four, where the signal is above 1/16 and such an error is
/// below 10⁻⁶ of it (measured on wgpu: the difference doubles per layer from layers.4, flagged
/// at layers.6). Keyed to each backend's own tanh(10⁻⁶), so the test follows a fix.
#[test]
fn a_tanh_accurate_only_in_absolute_terms_is_flagged_where_the_signal_has_shrunk() {
    use burn::tensor::TensorData;
    use burn_init_examples::backends::catalogue;
    let f64_flex = reference::device().unwrap();
    let model = catalogue::models()
        .into_iter()
        .find(|m| m.name == "tanh_ordered")
        .unwrap();
    let key = Key::new(24);
    let reference = model.capture(key, &f64_flex).unwrap();
    for (name, device) in burn_init::devices::enabled() {
        if name == "flex" {
            continue;
        }
        // Its error at a few points, the numbers `agreement.rs` quotes (`-- --nocapture`).
        let points = vec![1e-1f32, 1e-3, 1e-6, 1e-9, 1e-11];
        let x = Tensor::<1>::from_data(TensorData::new(points.clone(), [points.len()]), &device);
        let ys: Vec<f32> = x.tanh().into_data().try_to_vec::<f32>().unwrap();
        for (x, y) in points.iter().zip(&ys) {
            let exact = f64::from(*x).tanh();
            let error = f64::from(*y) - exact;
            println!(
                "{name}: tanh({x:e}) = {y:e}, error {error:.2e}, relative {:.2e}",
                error / exact
            );
        }
        let y = ys[2];
        // 1e-6 in f32 and its tanh differ by 3·10⁻¹³ relatively: exact to an ulp (6·10⁻⁸).
        let relative = (f64::from(y) / f64::from(1e-6f32) - 1.0).abs() < 1e-6;
        let run = model.capture(key, &device).unwrap();
        assert_eq!(run.fingerprint, reference.fingerprint, "{name}");
        let layers = compare(&run.layers, &reference.layers, run.width, Against::F64).unwrap();
        let first = first_disagreement(&layers).map(|l| l.depth);
        println!("{name}: tanh(1e-6) = {y:e}; first disagreement at depth {first:?}");
        if relative {
            assert_eq!(first, None, "{name}");
        } else {
            // Depth 1 is the input, 2–5 are layers.0–layers.3.
            assert!(first.is_some_and(|d| d > 5), "{name}: {first:?}");
        }
    }
}
