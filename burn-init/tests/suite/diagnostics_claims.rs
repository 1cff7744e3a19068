//! The seeds' diagnostic claims, measured: FP16 overflow (×10) and subnormals (×0.1) through
//! five linear layers, with real f16 tensors where the device has them; LSUV; the spectral norm
//! of a He layer's Jacobian; the NTK trace of He against Xavier.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{DType, Device, Tensor};
use burn_init::Lsuv;
use burn_init::diagnostics::headroom::{FP16_MAX, FP16_MIN_NORMAL, Headroom};
use burn_init::diagnostics::probe;
use burn_init::diagnostics::spectra::{PowerIteration, empirical_ntk, jacobian_norms};
use burn_init::error::{ArgumentError, DiagnosisError};
use burn_init::policy::Policy;
use burn_init::{InitError, Key, Nonlinearity, Scheme};

use crate::diagnostics::{Mlp, gaussian};

fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Five linear layers [256 → 256], weights N(0, (m/√n)²): m × the std that keeps the variance
/// (Kaiming, gain 1). Returns every layer's output, computed in `dtype`.
fn five_layers(m: f64, dtype: DType, device: &Device) -> Vec<Vec<f32>> {
    let n = 256;
    let mut x = gaussian([256, n], 20, device).cast(dtype);
    let scheme = Scheme::Normal {
        mean: 0.0,
        std: m / (n as f64).sqrt(),
    };
    (0..5)
        .map(|l| {
            let w: Tensor<2> = scheme
                .sample([n, n], None, Key::new(21).fold_in(l), device)
                .unwrap();
            x = x.clone().matmul(w.cast(dtype));
            host(x.clone())
        })
        .collect()
}

/// The relative standard error of a layer's output std after `layers` Gaussian layers of width
/// n on a batch of B: each layer multiplies the second moment by n·σ²·(1 + ε), Var ε =
/// 2·tr(C²)/(n·tr C)² ≈ 2(1 + n/B)/n² (C the input's n × n sample second-moment matrix); the
/// input's own second moment adds 2/(nB). The std's error is half the variance's.
fn std_se(layers: f64, n: f64, b: f64) -> f64 {
    0.5 * (layers * 2.0 * (1.0 + n / b) / (n * n) + 2.0 / (n * b)).sqrt()
}

/// d/d(ln σ) of P(|a| > t) (or of P(|a| < t)) for a ~ N(0, σ²): (2/√π)·x·e^(−x²), x = t/(σ√2).
fn tail_sensitivity(t: f64, sigma: f64) -> f64 {
    let x = t / (sigma * std::f64::consts::SQRT_2);
    2.0 / std::f64::consts::PI.sqrt() * x * (-x * x).exp()
}

per_device! {
    fn fp16_overflows_at_ten_times_and_underflows_at_a_tenth(device) {
        let (n, b) = (256.0, 256.0);
        let count = n * b;
        for (m, layer, threshold) in [(10.0, 5, FP16_MAX), (0.1, 4, FP16_MIN_NORMAL)] {
            let outputs = five_layers(m, DType::F32, device);
            // The std grows (shrinks) tenfold per layer: 10^±l, within the finite-width band.
            for (l, values) in outputs.iter().enumerate() {
                let l = l + 1;
                let std = (values.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / count).sqrt();
                let theory = m.powi(l as i32);
                let se = std_se(l as f64, n, b);
                assert!((std / theory - 1.0).abs() <= 5.0 * se, "×{m} layer {l}: std {std:e} vs {theory:e}");
            }
            // The fraction beyond FP16's range at layer 5 (×10) or 4 (×0.1): Gaussian prediction
            // at the theory's std, SE from the binomial count and the std's own error.
            let sigma = m.powi(layer);
            let predicted = Headroom::gaussian(sigma).unwrap();
            let measured = Headroom::of(&outputs[layer as usize - 1]);
            let (p, q) = if m > 1.0 {
                (predicted.fp16_overflow, measured.fp16_overflow)
            } else {
                (predicted.fp16_subnormal, measured.fp16_subnormal)
            };
            let se = (p * (1.0 - p) / count).sqrt().hypot(tail_sensitivity(threshold, sigma) * std_se(f64::from(layer), n, b));
            eprintln!("fp16 ×{m}: layer {layer} beyond FP16's normal range: measured {q:.4}, predicted {p:.4} (SE {se:.4})");
            assert!((q - p).abs() <= 5.0 * se, "×{m}: measured {q} vs predicted {p} (SE {se})");
            // ×10: about half of layer 5 overflows (erfc(0.463) = 0.513); ×0.1: 46 % of layer 4
            // and every value of layer 5 are below FP16's smallest normal.
            if m > 1.0 {
                assert!((p - 0.5128).abs() < 1e-3);
            } else {
                assert!((p - 0.4583).abs() < 1e-3);
                assert!(Headroom::of(&outputs[4]).fp16_subnormal > 0.999);
            }
        }
        // The same network in real f16, where the device computes in it: what overflowed in f32
        // is ±∞ in f16, what was below 2⁻¹⁴ is subnormal or flushed. Values within f16's
        // rounding (≈ 10⁻³ relative after five layers) of the threshold may land either side:
        // the density there (≈ 0.4 per unit of ln|a|) × 10⁻³ is 4·10⁻⁴; 0.01 is 25 times that.
        if device.supports_dtype(DType::F16) {
            let f32_big = Headroom::of(&five_layers(10.0, DType::F32, device)[4]).fp16_overflow;
            let f16_big = five_layers(10.0, DType::F16, device);
            let inf = f16_big[4].iter().filter(|v| v.is_infinite() || v.is_nan()).count() as f64 / count;
            eprintln!("fp16 ×10 in real f16: layer 5 non-finite {inf:.4} (f32 run: {f32_big:.4} above 65504)");
            assert!((inf - f32_big).abs() < 0.01, "f16: {inf} non-finite vs {f32_big} predicted by f32");
            assert!(f16_big[3].iter().all(|v| v.is_finite()), "layer 4 (std 10⁴) fits FP16");
            let f16_small = five_layers(0.1, DType::F16, device);
            let f32_small = Headroom::of(&five_layers(0.1, DType::F32, device)[3]).fp16_subnormal;
            let tiny = |values: &[f32]| values.iter().filter(|v| f64::from(v.abs()) < FP16_MIN_NORMAL).count() as f64 / count;
            assert!((tiny(&f16_small[3]) - f32_small).abs() < 0.01);
            eprintln!("fp16 ×0.1 in real f16: below 2⁻¹⁴ at layer 4 {:.4} (f32 run {f32_small:.4}), layer 5 {:.4}", tiny(&f16_small[3]), tiny(&f16_small[4]));
            assert!(tiny(&f16_small[4]) > 0.999);
        }
    }

    fn the_int8_scale_from_the_predicted_variance_clips_delta(device) {
        // Layer 0 of a He layer on x ~ N(0, I): given W, unit u is exactly N(0, σ_u²) with
        // σ_u² = Σ_j w_uj², whose mean is the predicted 2 and whose relative variance is
        // v = 2/n (χ²). The scale s = σ·z/127 from the prediction clips P(|a| > 127 s) = δ at
        // σ_u² = 2; the spread over units adds ½·v·f''(0), f(ε) = erfc(z/√(2(1 + ε))) (second
        // difference of libm's erfc, independent of the library's quantile). SE: binomial over
        // the N = 512·512 values (units nearly independent: their tail correlation is O(1/n)).
        let (n, batch, delta) = (512usize, 512usize, 1e-3);
        let x = gaussian([batch, n], 70, device);
        let he = Scheme::kaiming_normal(burn_init::FanMode::FanIn, Nonlinearity::Relu);
        let w: Tensor<2> = he.sample([n, n], Some(burn_init::Fan::linear(n, n)), Key::new(71), device).unwrap();
        let a = host(x.matmul(w));
        let s = burn_init::diagnostics::int8_scale(2.0, delta).unwrap();
        let clipped = a.iter().filter(|v| f64::from(v.abs()) > 127.0 * s).count() as f64 / a.len() as f64;
        let z = 127.0 * s / 2f64.sqrt();
        let f = |e: f64| libm::erfc(z / (2.0 * (1.0 + e)).sqrt());
        let h = 1e-3;
        let curvature = (f(h) - 2.0 * f(0.0) + f(-h)) / (h * h);
        let expected = f(0.0) + 0.5 * (2.0 / n as f64) * curvature;
        let se = (expected / a.len() as f64).sqrt();
        eprintln!("int8: δ = {delta}, clipped {clipped:.5}, expected {expected:.5} (SE {se:.5})");
        assert!((f(0.0) - delta).abs() < 1e-9, "the scale's quantile: {}", f(0.0));
        assert!((clipped - expected).abs() <= 5.0 * se, "clipped {clipped} vs {expected} ± {se}");
    }

    fn lsuv_rediscovers_he_and_keeps_the_model_trainable(device) {
        let ad = device.clone().autodiff();
        let n = 256;
        let x = gaussian([128, n], 30, &ad);
        let model = Mlp::new(&[n, n, n, n, n], &ad);
        let lsuv = Lsuv::new();
        let (model, manifest, layers) = lsuv.apply(model, Key::new(31), |m: &Mlp| m.forward(x.clone())).unwrap();
        let names: Vec<&str> = layers.iter().map(|l| l.layer.as_str()).collect();
        assert_eq!(names, ["layers.0", "layers.1", "layers.2", "layers.3"]);
        let input_var = {
            let v = host(x.clone());
            let mean = v.iter().map(|&a| f64::from(a)).sum::<f64>() / v.len() as f64;
            v.iter().map(|&a| (f64::from(a) - mean).powi(2)).sum::<f64>() / v.len() as f64
        };
        // Layer 0: an orthogonal square matrix keeps every example's norm, so the output
        // variance is the input's (to f32 rounding and the mean's share, < 10⁻³) — within
        // tolerance already: no rescaling.
        assert!((layers[0].initial_variance / input_var - 1.0).abs() < 1e-3, "{layers:?}");
        assert_eq!((layers[0].iterations, layers[0].scale), (0, 1.0));
        for l in &layers {
            eprintln!("lsuv: {} variance {:.4} → {:.4}, scale {:.4}, {} iteration(s)", l.layer, l.initial_variance, l.variance, l.scale, l.iterations);
        }
        for layer in &layers[1..] {
            // After a unit-variance layer, ReLU halves the second moment and the orthogonal
            // layer keeps it: 1/2, so LSUV's scale is He's √2. ReLU halves exactly only on
            // average over units: a unit of mean m and std s keeps (m² + s²)/2 + ≈ 2φ(0)·m·s,
            // and the unit means spread as N(0, 0.16) (ā has E[ReLU(z)]² = 1/(2π) per entry):
            // sd 2·0.399·0.4·0.92 ≈ 0.29 per unit, SE 0.29/√256 ≈ 0.018 on the ½ — 5 SE is
            // 0.092 absolute, and 9.2 % on the scale √(½/v).
            assert!((layer.initial_variance - 0.5).abs() < 0.092, "{layer:?}");
            assert!((layer.scale / 2f64.sqrt() - 1.0).abs() < 0.092, "{layer:?}");
            // One iteration: weight and bias are scaled together, the output scales exactly.
            assert_eq!(layer.iterations, 1, "{layer:?}");
            assert!((layer.variance - 1.0).abs() < 1e-3);
            let entry = manifest.get(&format!("{}.weight", layer.layer)).unwrap();
            assert!((entry.multiplier - layer.scale).abs() < 1e-12);
            assert!(entry.assumptions.iter().any(|a| a.starts_with("LSUV")));
        }
        // The unit variance on the batch LSUV normalised holds by its stopping rule; on a held-out
        // batch of the same distribution it must hold too. Two noises: the held-out batch's own
        // (the spread of the per-example mean squares over √B, examples being independent) and
        // the LSUV batch's, which set each layer's scale and compound from layer to layer: a
        // batch of the same size has the same SE per layer, so layer l's total SE is
        // √(SE_l² + Σ_{k≤l} SE_k²). Asserted within 5 of those.
        let held_out = gaussian([128, n], 32, &ad);
        let (_, trace) = burn_init::diagnostics::Probe::new()
            .keeping_tensors()
            .capture(|| model.forward(held_out.clone()))
            .unwrap();
        let mut fitted = 0.0;
        for layer in &layers {
            let values = host(trace.tensor::<2>(&layer.layer).unwrap());
            let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
            let per_example: Vec<f64> = values
                .chunks_exact(n)
                .map(|row| row.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n as f64)
                .collect();
            let b = per_example.len() as f64;
            let var = per_example.iter().sum::<f64>() / b;
            let sd = (per_example.iter().map(|m| (m - var).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
            let se = sd / b.sqrt();
            fitted += se * se;
            let total = (se * se + fitted).sqrt();
            eprintln!("lsuv held out: {} variance {var:.4} ± {total:.4}", layer.layer);
            assert!((var - 1.0).abs() <= 5.0 * total, "{}: held-out variance {var} ± {total}", layer.layer);
        }
        // Still trainable: every weight is a leaf that receives a gradient.
        let grads = model.forward(x).powi_scalar(2).mean().backward();
        struct Grads<'a>(&'a burn::tensor::Gradients, usize);
        impl ModuleVisitor for Grads<'_> {
            fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
                self.1 += usize::from(p.val().grad(self.0).is_some());
            }
        }
        let mut seen = Grads(&grads, 0);
        model.visit(&mut seen);
        assert_eq!(seen.1, 8);
        // Bad settings are refused with the model unchanged.
        let refused = Lsuv::new().with_tolerance(0.0).apply(Mlp::new(&[4, 4], &ad), Key::new(0), |m: &Mlp| m.forward(gaussian([2, 4], 0, &ad))).unwrap_err();
        assert!(matches!(refused.error, InitError::Argument(ArgumentError::OutOfDomain { name: "tolerance", .. })));
        // A forward pass whose records name no layer: nothing to rescale is an error, not a no-op.
        let refused = Lsuv::new().apply(Mlp::new(&[4, 4], &ad), Key::new(0), |m: &Mlp| m.layers[0].forward(gaussian([2, 4], 0, &ad))).unwrap_err();
        assert!(matches!(refused.error, InitError::Argument(ArgumentError::Shape { argument: "forward", .. })));
    }

    fn lsuv_and_the_diagnosis_refuse_one_fault_with_one_error(device) {
        let ad = device.clone().autodiff();
        let model = || Mlp::new(&[4, 4], &ad);
        // Outputs that overflow to ±∞ (every |value| > 1 times f32::MAX): the finite rest has a
        // variance, and LSUV "converged" on it. LSUV refuses, naming the record; the diagnosis
        // reports the overflow as its verdict's reason (a finding, not an error), and refuses
        // the infinite loss.
        let overflow = |m: &Mlp, x: Tensor<2>| probe::record("layers.0", m.layers[0].forward(x).mul_scalar(f32::MAX));
        let x = gaussian([16, 4], 40, &ad);
        let lsuv = Lsuv::new().apply(model(), Key::new(41), |m: &Mlp| overflow(m, x.clone())).unwrap_err().error;
        assert!(matches!(&lsuv, InitError::Diagnosis(DiagnosisError::NonFinite { layer, count, total: 64 }) if layer == "layers.0" && *count > 0), "{lsuv:?}");
        let diagnosis = burn_init::diagnostics::Diagnosis::new();
        let report = diagnosis.run(&model(), x.clone(), |m, x| overflow(m, x).clamp(-1.0, 1.0).mean()).unwrap();
        assert_eq!(report.health.verdict, burn_init::diagnostics::Verdict::WillNotTrain, "{report}");
        assert!(report.health.findings.iter().any(|f| f.check == burn_init::diagnostics::Check::Precision && f.at == ["layers.0"]), "{report}");
        let loss = diagnosis.run(&model(), x, |m, x| overflow(m, x).powi_scalar(2).mean()).unwrap_err();
        assert_eq!(loss, InitError::Diagnosis(DiagnosisError::NonFinite { layer: "loss".into(), count: 1, total: 1 }));
        // An empty batch: EmptyBatch from both (LSUV said AtActivation(InvalidShape)). (The
        // record is the empty batch itself: Burn's ndarray matmul divides by zero on 0 rows, so
        // a forward pass through a layer panics inside Burn before LSUV sees a record; the
        // diagnosis, which is handed the batch, refuses it before running.)
        let empty = Tensor::<2>::zeros([0, 4], &ad);
        let lsuv = Lsuv::new().apply(model(), Key::new(41), |_: &Mlp| probe::record("layers.0", empty.clone())).unwrap_err().error;
        assert_eq!(lsuv, InitError::Diagnosis(DiagnosisError::EmptyBatch { shape: vec![0, 4] }));
        let diagnosis = burn_init::diagnostics::Diagnosis::new().run(&model(), empty, |m, x| m.forward(x).powi_scalar(2).mean()).unwrap_err();
        assert_eq!(diagnosis, lsuv);
    }

    fn a_he_relu_layer_has_the_bai_yin_jacobian_norm(device) {
        // One example, width n = 256. input → layers.0: J = W (n × n, σ² = 2/n): ‖J‖₂ ≈
        // σ·2√n = 2√2. layers.0 → layers.1: J = D·W, D keeping the m ≈ n/2 active inputs:
        // ‖J‖₂ ≈ σ(√n + √m) = 1 + √2 at m = n/2. Tracy–Widom at this size shifts the largest
        // singular value by −1.21·s ± 1.27·s with s = σ²(√n+√m)(1/√n+1/√m)^⅓/(2·‖J‖₂) ≈ 0.023:
        // the band is the mean shift plus 5 TW standard deviations, ± 0.17.
        let ad = device.clone().autodiff();
        let n = 256;
        let x = gaussian([1, n], 40, &ad);
        let settings = PowerIteration { max_iterations: 60, ..Default::default() };
        let norms = |policy: Policy| {
            let (model, _) = policy.apply(Mlp::new(&[n, n, n], &ad), Key::new(41)).unwrap();
            let z0 = host(model.layers[0].forward(x.clone()));
            let active = z0.iter().filter(|&&z| z > 0.0).count() as f64;
            let norms = jacobian_norms(|| model.forward(x.clone()), settings).unwrap();
            (norms, active)
        };
        let bai_yin = |sigma2: f64, m: f64| sigma2.sqrt() * ((n as f64).sqrt() + m.sqrt());
        let band = |sigma2: f64, m: f64| {
            let k = bai_yin(sigma2, m);
            let s = sigma2 * ((n as f64).sqrt() + m.sqrt()) * (1.0 / (n as f64).sqrt() + 1.0 / m.sqrt()).cbrt() / (2.0 * k);
            (k - 1.21 * s, 5.0 * 1.27 * s)
        };
        for (policy, sigma2) in [(Policy::he(Nonlinearity::Relu), 2.0 / n as f64), (Policy::xavier(Nonlinearity::Linear), 1.0 / n as f64)] {
            let (found, active) = norms(policy);
            assert_eq!(found.len(), 2);
            assert_eq!((found[0].from.as_str(), found[1].to.as_str()), ("input", "layers.1"));
            for (j, m) in [(&found[0], n as f64), (&found[1], active)] {
                let (centre, width) = band(sigma2, m);
                eprintln!("jacobian σ² = {sigma2:.5}: {} → {}: ‖J‖₂ = {:.4} ({} iterations), Bai–Yin {centre:.4} ± {width:.4}", j.from, j.to, j.norm, j.iterations);
                assert!((j.norm - centre).abs() <= width, "σ² = {sigma2}: {} → {}: {} vs {centre} ± {width}", j.from, j.to, j.norm);
            }
        }
    }

    fn he_gives_the_ntk_trace_the_recursion_predicts_sixteen_times_xavier(device) {
        // Infinite-width recursion (independent of the library): per example with ‖x‖² = d₀,
        // q₀ = σ₀²·d₀, ‖a_l‖² = n·q_l/2, q_{l+1} = σ²_{l+1}·‖a_l‖²; backward ‖δ₂‖² = n·σ₃²/2,
        // ‖δ_l‖² = n·σ²_{l+1}·‖δ_{l+1}‖²/2; tr Θ = Σ_l ‖δ_l‖²(‖a_{l−1}‖² + 1) + ‖a₂‖² + 1.
        let ad = device.clone().autodiff();
        let (d0, n, batch) = (16usize, 128usize, 16usize);
        let predict = |s: [f64; 4], x2: f64| {
            let nf = n as f64;
            let q0 = s[0] * x2;
            let a0 = nf * q0 / 2.0;
            let a1 = nf * s[1] * a0 / 2.0;
            let a2 = nf * s[2] * a1 / 2.0;
            let d2 = nf * s[3] / 2.0;
            let d1 = nf * s[2] * d2 / 2.0;
            let d0_ = nf * s[1] * d1 / 2.0;
            d0_ * (x2 + 1.0) + d1 * (a0 + 1.0) + d2 * (a1 + 1.0) + a2 + 1.0
        };
        let (nf, d0f) = (n as f64, d0 as f64);
        let he = [2.0 / d0f, 2.0 / nf, 2.0 / nf, 2.0 / nf];
        let xavier = [2.0 / (d0f + nf), 1.0 / nf, 1.0 / nf, 2.0 / (nf + 1.0)];
        let seeds = 8;
        let mut results = Vec::new();
        for (policy, sigmas) in [(Policy::he(Nonlinearity::Relu), he), (Policy::xavier(Nonlinearity::Linear), xavier)] {
            let mut ratios = Vec::new();
            for seed in 0..seeds {
                let x = gaussian([batch, d0], 50 + seed, &ad);
                let x2 = host(x.clone()).iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / batch as f64;
                let (model, _) = policy.clone().apply(Mlp::new(&[d0, n, n, n, 1], &ad), Key::new(60 + seed)).unwrap();
                let ntk = empirical_ntk(&model, |m: &Mlp| m.forward(x.clone())).unwrap();
                assert_eq!((ntk.outputs, ntk.parameters), (batch, model.num_params()));
                ratios.push((ntk.trace / batch as f64 / predict(sigmas, x2), ntk.condition));
            }
            results.push(ratios);
        }
        for (name, ratios) in ["he", "xavier"].iter().zip(&results) {
            let k = ratios.len() as f64;
            let mean = ratios.iter().map(|r| r.0).sum::<f64>() / k;
            let sd = (ratios.iter().map(|r| (r.0 - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
            let conds: Vec<String> = ratios.iter().map(|r| format!("{:.0}", r.1)).collect();
            eprintln!("ntk {name}: measured/predicted trace {mean:.3} ± {:.3} over {k} seeds; condition numbers {}", sd / k.sqrt(), conds.join(", "));
            // Measured ÷ predicted trace, mean over seeds within 5 SE of 1.
            assert!((mean - 1.0).abs() <= 5.0 * sd / k.sqrt(), "{name}: measured/predicted {mean} ± {}", sd / k.sqrt());
            assert!(ratios.iter().all(|r| r.1.is_finite() && r.1 > 1.0));
        }
        // At d₀ = 16, n = 128: tr Θ ≈ 404 (He) and 24.4 (Xavier) per example.
        let predicted_ratio = predict(he, d0f) / predict(xavier, d0f);
        assert!((predicted_ratio - 16.6).abs() < 0.1, "{predicted_ratio}");
    }
}

#[test]
fn jacobian_norms_of_parallel_branches_are_zero_and_bad_settings_are_refused() {
    let device = Device::default().autodiff();
    let x = gaussian([2, 8], 1, &device);
    // `b` does not depend on `a`: ∂b/∂a = 0, not an error.
    let forward = || {
        probe::record("a", x.clone() * 2.0);
        probe::record("b", x.clone() * 3.0)
    };
    let norms = jacobian_norms(forward, PowerIteration::default()).unwrap();
    assert_eq!(norms.len(), 1);
    assert_eq!(norms[0].norm, 0.0);
    let zero = PowerIteration {
        max_iterations: 0,
        ..Default::default()
    };
    assert!(matches!(
        jacobian_norms(forward, zero).unwrap_err(),
        InitError::Argument(ArgumentError::OutOfDomain {
            name: "max_iterations",
            ..
        })
    ));
}

#[test]
fn the_ntk_refuses_large_models_and_plain_devices() {
    let device = Device::default();
    let big = Mlp::new(&[400, 300], &device);
    let err = empirical_ntk(&big, |m: &Mlp| m.forward(gaussian([2, 400], 0, &device))).unwrap_err();
    assert!(matches!(
        err,
        InitError::Argument(ArgumentError::OutOfDomain { name: "model", .. })
    ));
    let small = Mlp::new(&[4, 2], &device);
    let err = empirical_ntk(&small, |m: &Mlp| m.forward(gaussian([2, 4], 0, &device))).unwrap_err();
    assert!(matches!(
        err,
        InitError::Argument(ArgumentError::OutOfDomain {
            name: "forward",
            ..
        })
    ));
}
