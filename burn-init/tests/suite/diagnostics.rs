//! Diagnostics on user models. Every diagnostic is shown a right and a wrong model (a wrong fan,
//! a gain 10 % off, a missing residual scale, a missing dropout correction, a constant layer)
//! and must flag exactly the wrong one. Bands are the report's own 5-SE tolerance, where the SE
//! is taken across units (independent given the layer's input, see `diagnostics::stats`).

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use burn_init::diagnostics::{Diagnosis, Expected, Flag, Probe, Report, probe};
use burn_init::error::{ArgumentError, DiagnosisError};
use burn_init::policy::{Manifest, Policy, Role, Rule};
use burn_init::{FanMode, InitError, Key, Nonlinearity, Scheme, composition};

pub fn gaussian<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample(shape, None, Key::new(seed), device)
    .unwrap()
}

/// A plain ReLU MLP whose forward declares He's theory: the first pre-activation has variance
/// gain² · Var(x) = 2 · Var(x) (no ReLU before it), every later one keeps its predecessor's
/// (n_in · 2/n_in · E[ReLU(z)²]/Var z = 1).
#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
}

impl Mlp {
    pub fn new(widths: &[usize], device: &Device) -> Self {
        Self {
            layers: widths
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = probe::record("input", x);
        for (i, layer) in self.layers.iter().enumerate() {
            let (input, of, ratio) = if i == 0 {
                (h, "input".to_string(), 2.0)
            } else {
                (relu(h), format!("layers.{}", i - 1), 1.0)
            };
            h = probe::record_expecting(format_args!("layers.{i}"), layer.forward(input), || {
                Expected::Ratio { of, ratio }
            });
        }
        h
    }
}

fn weights_and_zero_biases(weights: Scheme) -> Policy {
    Policy::new()
        .rule(Rule::new(weights).with_role(Some(Role::Weight)))
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)))
}

fn mse(y: Tensor<2>) -> Tensor<1> {
    y.powi_scalar(2).mean()
}

fn diagnose(model: &Mlp, manifest: &Manifest, x: Tensor<2>) -> Report {
    Diagnosis::new()
        .with_manifest(manifest)
        .run(model, x, |m, x| mse(m.forward(x)))
        .unwrap()
}

fn variance_flags(report: &Report) -> Vec<String> {
    report
        .flags()
        .into_iter()
        .filter(|(_, f)| matches!(f, Flag::VarianceMismatch { .. }))
        .map(|(at, _)| at.to_string())
        .collect()
}

fn std_flags(report: &Report) -> Vec<String> {
    report
        .flags()
        .into_iter()
        .filter(|(_, f)| matches!(f, Flag::StdMismatch { .. }))
        .map(|(at, _)| at.to_string())
        .collect()
}

const WIDTHS: [usize; 5] = [128, 512, 128, 512, 64];

per_device! {
    fn a_wrong_fan_is_flagged_and_the_right_one_is_not(device) {
        let ad = device.clone().autodiff();
        let x = gaussian([64, 128], 1, &ad);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        let (model, manifest) = weights_and_zero_biases(he).apply(Mlp::new(&WIDTHS, &ad), Key::new(2)).unwrap();
        let report = diagnose(&model, &manifest, x.clone());
        assert!(report.backward);
        assert_eq!(variance_flags(&report), Vec::<String>::new(), "{report}");
        assert_eq!(std_flags(&report), Vec::<String>::new(), "{report}");
        let w = report.parameter("layers.0.weight").unwrap();
        assert_eq!((w.fan.unwrap().fan_in, w.fan.unwrap().fan_out), (128.0, 512.0));
        assert!((w.target_std.unwrap() - (2.0f64 / 128.0).sqrt()).abs() < 1e-12);
        assert!(w.gradient.as_ref().unwrap().rms > 0.0 && w.grad_to_weight.unwrap() > 0.0);
        let z = report.activation("layers.2").unwrap();
        assert_eq!(z.shape, vec![64, 512]);
        assert!(z.gradient.as_ref().unwrap().rms > 0.0);
        // ReLU inputs: about half of the recorded pre-activations' ReLUs are zero, the records
        // themselves are not.
        assert_eq!(z.values.zero_fraction, 0.0);

        // Fan-out where every layer has fan_in ≠ fan_out: each ratio is off by n_in/n_out
        // (¼ … 8), and each layer is flagged.
        let fan_out = Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu);
        let (wrong, manifest) = weights_and_zero_biases(fan_out).apply(Mlp::new(&WIDTHS, &ad), Key::new(2)).unwrap();
        let report = diagnose(&wrong, &manifest, x);
        assert_eq!(variance_flags(&report), ["layers.0", "layers.1", "layers.2", "layers.3"], "{report}");
        // The manifest is right about what it drew: no std flag.
        assert_eq!(std_flags(&report), Vec::<String>::new());
    }

    fn a_gain_ten_percent_off_is_flagged_twice(device) {
        // 512 units and a batch of 256: the ratio's SE is ≈ 1 % (measured, printed with the
        // report), so a 21 % variance error is ≈ 20 SE; at 128 units and a batch of 64 it was
        // 5 % and 4 SE — the report's tolerance says which errors a batch can see.
        let ad = device.clone().autodiff();
        let x = gaussian([256, 256], 3, &ad);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        let (model, manifest) = weights_and_zero_biases(he).apply(Mlp::new(&[256, 512, 512, 256], &ad), Key::new(4)).unwrap();
        // The manifest says He; the weights of layer 1 are then scaled by 1.1 behind its back.
        let mut layers = model.layers;
        let w = layers[1].weight.clone();
        layers[1].weight = Param::initialized(w.id, w.val().mul_scalar(1.1).detach().require_grad());
        let tampered = Mlp { layers };
        let report = diagnose(&tampered, &manifest, x);
        // Drawn std: 262 144 values, SE ≈ 0.14 %.
        assert_eq!(std_flags(&report), ["layers.1.weight"], "{report}");
        assert_eq!(variance_flags(&report), ["layers.1"], "{report}");
    }

    fn gradients_are_measured_exactly(device) {
        // y = x·W + b, loss = Σ y: ∂L/∂W[i][j] = Σ_b x[b][i] for every j, ∂L/∂y = 1.
        #[derive(Module, Debug)]
        struct One { fc: Linear }
        let ad = device.clone().autodiff();
        let x = gaussian([8, 32], 5, &ad);
        let host = x.clone().into_data().try_to_vec::<f32>().unwrap();
        let sums: Vec<f64> = (0..32).map(|i| (0..8).map(|b| f64::from(host[b * 32 + i])).sum()).collect();
        let expected_rms = (sums.iter().map(|s| s * s).sum::<f64>() / 32.0).sqrt();
        let model = One { fc: LinearConfig::new(32, 16).init(&ad) };
        let (model, _) = Policy::he(Nonlinearity::Relu).apply(model, Key::new(6)).unwrap();
        let report = Diagnosis::new()
            .run(&model, x, |m, x| probe::record("out", m.fc.forward(x)).sum())
            .unwrap();
        let w = report.parameter("fc.weight").unwrap();
        let g = w.gradient.as_ref().unwrap();
        assert!((g.rms - expected_rms).abs() <= 1e-5 * expected_rms, "{} vs {expected_rms}", g.rms);
        assert!((w.grad_to_weight.unwrap() - g.rms / w.values.rms).abs() < 1e-12);
        // Every column of the gradient is the same vector: all 16 units have an identical twin.
        assert_eq!((w.identical_units, w.identical_gradient_units), (0, Some(16)));
        let bias = report.parameter("fc.bias").unwrap().gradient.as_ref().unwrap();
        assert!((bias.mean - 8.0).abs() < 1e-5 && bias.var < 1e-9);
        let out = report.activation("out").unwrap().gradient.as_ref().unwrap();
        assert_eq!((out.mean, out.var), (1.0, 0.0));
    }

    fn a_constant_layer_is_symmetric_and_he_is_not(device) {
        let ad = device.clone().autodiff();
        let x = gaussian([32, 128], 7, &ad);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        // Layers 1 and 2 constant: the 128 units of layer 1 have equal incoming and equal
        // outgoing weights, so equal gradients — the symmetry never breaks. Layer 2's 512 units
        // are copies too, but their outgoing weights (layer 3, He) differ: their gradients
        // differ and one step breaks the tie.
        let constant = Policy::new()
            .rule(Rule::new(Scheme::Constant { value: 0.01 }).with_path(Some("layers.[12].weight".into())))
            .then(weights_and_zero_biases(he.clone()));
        let (model, manifest) = constant.apply(Mlp::new(&WIDTHS, &ad), Key::new(8)).unwrap();
        let report = diagnose(&model, &manifest, x.clone());
        let symmetric: Vec<_> = report.flags().into_iter().filter(|(_, f)| matches!(f, Flag::Symmetric { .. })).collect();
        // Only layer 1 is flagged: layer 2's copies are separated by their first step.
        assert_eq!(symmetric, [("layers.1.weight", &Flag::Symmetric { units: 128 })]);
        assert_eq!(report.parameter("layers.2.weight").unwrap().identical_units, 512);
        assert_eq!(report.parameter("layers.1.weight").unwrap().identical_gradient_units, Some(128));
        assert_eq!(report.parameter("layers.2.weight").unwrap().identical_gradient_units, Some(0));
        let (model, manifest) = weights_and_zero_biases(he).apply(Mlp::new(&WIDTHS, &ad), Key::new(8)).unwrap();
        let report = diagnose(&model, &manifest, x);
        let twins: Vec<_> = report.parameters.iter().map(|p| (p.identical_units, p.identical_gradient_units)).collect();
        assert!(twins.iter().all(|&(w, g)| w == 0 && g.unwrap_or(0) == 0), "{twins:?}");
    }

    fn a_missing_residual_scale_is_flagged(device) {
        #[derive(Module, Debug)]
        struct Residual { branches: Vec<Linear>, alpha: f64 }
        impl Residual {
            // y = α·(x + W x); theory: Var y = α²·(1 + n·σ²)·Var x = 1 · Var x for σ² = 1/n and
            // α = composition::residual_scale(1) = 1/√2.
            fn forward(&self, x: Tensor<2>) -> Tensor<2> {
                let mut x = probe::record("stream.0", x);
                for (i, branch) in self.branches.iter().enumerate() {
                    let y = (x.clone() + branch.forward(x)).mul_scalar(self.alpha);
                    x = probe::record_expecting(format_args!("stream.{}", i + 1), y, || Expected::Ratio {
                        of: format!("stream.{i}"),
                        ratio: 1.0,
                    });
                }
                x
            }
        }
        let ad = device.clone().autodiff();
        let x = gaussian([64, 256], 9, &ad);
        let build = |alpha: f64| {
            let model = Residual { branches: (0..4).map(|_| LinearConfig::new(256, 256).init(&ad)).collect(), alpha };
            weights_and_zero_biases(Scheme::LecunNormal).apply(model, Key::new(10)).unwrap().0
        };
        let run = |model: &Residual| Diagnosis::new().run(model, x.clone(), |m, x| m.forward(x).sum()).unwrap();
        let scaled = run(&build(composition::residual_scale(1).unwrap()));
        assert_eq!(variance_flags(&scaled), Vec::<String>::new(), "{scaled}");
        let missing = run(&build(1.0));
        assert_eq!(variance_flags(&missing), ["stream.1", "stream.2", "stream.3", "stream.4"], "{missing}");
    }

    fn a_missing_dropout_correction_is_flagged(device) {
        // Inverted dropout (p = ½) grows E[x²] by 1/(1 − p); the next layer's σ² must shrink by
        // (1 − p) (composition::dropout_correction) to keep Var(fc) = Var(x).
        let p = 0.5;
        let ad = device.clone().autodiff();
        let x = gaussian([64, 256], 11, &ad);
        let keep = Scheme::Uniform { low: 0.0, high: 1.0 }
            .sample::<2>([64, 256], None, Key::new(12), &ad).unwrap()
            .lower_elem(1.0 - p).float();
        let run = |multiplier: f64| {
            let policy = Policy::new()
                .rule(Rule::new(Scheme::LecunNormal).with_role(Some(Role::Weight)).with_multiplier(multiplier))
                .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
            let (fc, _) = policy.apply(LinearConfig::new(256, 256).init(&ad), Key::new(13)).unwrap();
            Diagnosis::new().run(&fc, x.clone(), |fc, x| {
                let x = probe::record("input", x);
                let dropped = x * keep.clone() / (1.0 - p);
                let y = probe::record_expecting("fc", fc.forward(dropped), || Expected::Ratio { of: "input".into(), ratio: 1.0 });
                y.sum()
            }).unwrap()
        };
        let corrected = composition::dropout_correction(p, composition::DropoutConvention::Inverted).unwrap();
        assert_eq!(variance_flags(&run(corrected)), Vec::<String>::new());
        assert_eq!(variance_flags(&run(1.0)), ["fc"]);
    }

    fn kept_records_read_back_in_f64_at_any_rank(device) {
        // `Trace::values` reads a kept record of any rank in f64: an f32 record exactly, an f64
        // one without passing through f32 (1 + 2⁻⁴⁰ would round to 1 there); nothing for a
        // record the probe did not keep.
        let cube = gaussian([2, 3, 4], 5, device);
        let wide = Tensor::<1>::from_data(TensorData::new(vec![1.0 + 2f64.powi(-40), -3.0], [2]), (device, burn::tensor::DType::F64));
        let (_, trace) = Probe::new()
            .keeping_tensors()
            .capture(|| {
                probe::record("cube", cube.clone());
                probe::record("wide", wide.clone());
            })
            .unwrap();
        let expected: Vec<f64> = cube.into_data().convert::<f32>().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect();
        assert_eq!(trace.values("cube").unwrap(), expected);
        if wide.dtype() == burn::tensor::DType::F64 {
            assert_eq!(trace.values("wide").unwrap(), vec![1.0 + 2f64.powi(-40), -3.0]);
        }
        assert_eq!(trace.values("absent"), None);
        let (_, unkept) = Probe::new().capture(|| probe::record("cube", gaussian([2, 2], 1, device))).unwrap();
        assert_eq!(unkept.values("cube"), None);
    }

    fn bad_input_gives_typed_errors_naming_the_layer(device) {
        let ad = device.clone().autodiff();
        let model = Mlp::new(&[4, 8, 2], &ad);
        let diagnosis = Diagnosis::new();
        let empty = Tensor::<2>::zeros([0, 4], &ad);
        assert_eq!(diagnosis.run(&model, empty, |m, x| mse(m.forward(x))).unwrap_err(), InitError::Diagnosis(DiagnosisError::EmptyBatch { shape: vec![0, 4] }));
        let x = gaussian([3, 4], 14, &ad);
        assert_eq!(
            diagnosis.run(&model, x.clone(), |m, x| m.forward(x).sum_dim(1).reshape([3])).unwrap_err(),
            InitError::Diagnosis(DiagnosisError::NonScalarLoss { shape: vec![3] })
        );
        assert_eq!(
            diagnosis.run(&model, x.clone(), |m, x| { let y = m.forward(x); mse(probe::record("layers.1", y)) }).unwrap_err(),
            InitError::Diagnosis(DiagnosisError::DuplicateProbe { name: "layers.1".into() })
        );
        let mut host = vec![0.5f32; 12];
        host[7] = f32::NAN;
        let poisoned = Tensor::<2>::from_data(TensorData::new(host, [3, 4]), &ad);
        // The NaN enters through the input record: the error names it, not a later layer.
        assert_eq!(
            diagnosis.run(&model, poisoned, |m, x| mse(m.forward(x))).unwrap_err(),
            InitError::Diagnosis(DiagnosisError::NonFinite { layer: "input".into(), count: 1, total: 12 })
        );
        let strict = Diagnosis::new().with_tolerance(burn_init::diagnostics::Tolerance { dead: 0.0, ..Default::default() });
        assert!(matches!(strict.run(&model, x.clone(), |m, x| mse(m.forward(x))).unwrap_err(), InitError::Argument(ArgumentError::OutOfDomain { name: "dead", .. })));
        let unknown = Probe::new().capture(|| probe::record_expecting("a", x.clone(), || Expected::Ratio { of: "nothing".into(), ratio: 1.0 }));
        assert_eq!(unknown.unwrap_err(), InitError::Diagnosis(DiagnosisError::UnknownProbe { name: "nothing".into(), by: "a".into() }));
        // Declared predictions must be variances; perturbations must fit and be used.
        let negative = Probe::new().capture(|| probe::record_expecting("a", x.clone(), || Expected::Variance(-1.0)));
        assert!(matches!(negative.unwrap_err(), InitError::Diagnosis(DiagnosisError::AtActivation { name, .. }) if name == "a"));
        let wrong = Probe::new().perturbing("a", Tensor::<2>::zeros([1, 4], &ad)).capture(|| probe::record("a", x.clone()));
        assert!(matches!(wrong.unwrap_err(), InitError::Argument(ArgumentError::Shape { argument: "perturbation", .. })));
        let unused = Probe::new().perturbing("z", x.clone()).capture(|| probe::record("a", x.clone()));
        assert_eq!(unused.unwrap_err(), InitError::Diagnosis(DiagnosisError::UnknownProbe { name: "z".into(), by: "a perturbation".into() }));
        // ±∞ is an overflow, counted and flagged, not an error; an infinite loss is.
        let mut host = vec![0.5f32; 12];
        host[3] = f32::INFINITY;
        let overflowing = Tensor::<2>::from_data(TensorData::new(host, [3, 4]), &ad);
        let clean = x.clone();
        let report = diagnosis.run(&model, overflowing.clone(), |m, raw| { probe::record("raw", raw); mse(m.forward(clean)) }).unwrap();
        let raw = report.activation("raw").unwrap();
        assert_eq!((raw.values.infinite, raw.values.mean), (1, 0.5));
        assert!(raw.flags.iter().any(|f| matches!(f, Flag::Fp16Overflow { .. })));
        assert_eq!(
            diagnosis.run(&model, overflowing, |_, x| x.sum().reshape([1])).unwrap_err(),
            InitError::Diagnosis(DiagnosisError::NonFinite { layer: "loss".into(), count: 1, total: 1 })
        );
        // A tied parameter (one id at two paths) is read once and reported at both.
        #[derive(Module, Debug)]
        struct Tied { a: Linear, b: Linear }
        let shared = LinearConfig::new(4, 4).init(&ad);
        let tied = Tied { a: shared.clone(), b: shared };
        let report = diagnosis.run(&tied, x.clone(), |t, x| mse(t.b.forward(t.a.forward(x)))).unwrap();
        assert_eq!(report.parameters.len(), 4);
        // A plain device: the report is made, without gradients, and says so.
        let plain = Mlp::new(&[4, 8, 2], device);
        let report = diagnosis.run(&plain, gaussian([3, 4], 15, device), |m, x| mse(m.forward(x))).unwrap();
        assert!(!report.backward && report.parameters.iter().all(|p| p.gradient.is_none()));
        assert!(report.to_string().contains("not tracked"));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["activations"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn scopes_prefix_names_and_recording_is_off_outside_a_capture() {
    let device = Device::default();
    let x = Tensor::<2>::ones([2, 3], &device);
    // Off: the same tensor comes back and nothing is kept anywhere.
    let y = probe::record("ignored", x.clone());
    assert!(!probe::is_capturing());
    assert_eq!(y.into_data(), x.clone().into_data());
    let (_, trace) = Probe::new()
        .capture(|| {
            let _outer = probe::scope("encoder");
            {
                let _inner = probe::scope(format_args!("blocks.{}", 3));
                probe::record("fc", x.clone());
            }
            probe::record_expecting("out", x.clone(), || Expected::Ratio {
                of: "blocks.3.fc".into(),
                ratio: 1.0,
            })
        })
        .unwrap();
    let names: Vec<&str> = trace.records().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["encoder.blocks.3.fc", "encoder.out"]);
    // A ratio's reference is resolved in the declaring record's scope.
    assert_eq!(
        trace.get("encoder.out").unwrap().expected,
        Some(Expected::Ratio {
            of: "encoder.blocks.3.fc".into(),
            ratio: 1.0
        })
    );
    // A capture on another thread does not see this thread's records.
    let (_, other) = std::thread::spawn(|| Probe::new().capture(|| 0).unwrap())
        .join()
        .unwrap();
    assert!(other.records().is_empty());
    assert!(
        Probe::new()
            .capture(|| Probe::new().capture(|| 0).is_err())
            .unwrap()
            .0
    );
}
