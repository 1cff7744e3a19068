//! Transformer blocks: attention-logit variance at depth 1 and 12 (Pre-LN, Post-LN), He versus
//! Xavier projections, a short training run, and the typed error of a bad configuration.

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Tensor;
use burn_init::diagnostics::{Moments, Sharpness, VarianceRatio, host_values};
use burn_init::{Fan, FanMode, InitError, Nonlinearity, Scheme, composition};
use burn_init_models::transformer::{Norm, TransformerBlockConfig};

use crate::common::{SIGMAS, gaussian};

const D: usize = 128;
const HEADS: usize = 8;
const SHAPE: [usize; 3] = [8, 32, D];

/// The predicted logit variance r² with r = n_in·σ² of the projection scheme.
fn predicted(scheme: &Scheme) -> f64 {
    composition::forward_ratio(scheme, &[D, D], &Fan::linear(D, D))
        .unwrap()
        .powi(2)
}

/// The relative std, over draws of W_q and W_k, of the logit variance that one draw measures on
/// the fixed attention inputs `x` of `[b, t, d]`: what a finite width adds to the sampling error
/// over inputs.
///
/// Per head, X = Σ_b tr(A_b Z_q Z_kᵀ A_b Z_k Z_qᵀ) with A_b = Σ_i x_biᵀx_bi / t the tokens'
/// second moment in sequence b and Z_q, Z_k i.i.d. standard normal d × d_k. Gaussian quadratic
/// forms give E X = d_k Σ_b t_b² and Var X = 2 d_k Σ_bb' [(d_k + 1) c_bb'² + 2 t_b t_b' c_bb'],
/// t_b = tr A_b, c_bb' = tr(A_b A_b'); the heads are independent, so the relative variance is
/// Var X / (E X)² / heads. For the normalised Gaussian tokens of block 1 the std is 0.021;
/// when the tokens of each sequence collapse onto r directions (deep in a Pre-LN stack) the
/// variance grows to ≈ 2/r² per head: 0.176 at block 12, and 0.173 measured over 64 draws.
fn weight_spread(x: Tensor<3>) -> f64 {
    let [b, t, d] = x.dims();
    let dk = (d / HEADS) as f64;
    let values = host_values(x).unwrap();
    let moments: Vec<Vec<f64>> = values
        .chunks_exact(t * d)
        .map(|sequence| {
            let mut a = vec![0.0; d * d];
            for token in sequence.chunks_exact(d) {
                for (i, row) in a.chunks_exact_mut(d).enumerate() {
                    for (j, entry) in row.iter_mut().enumerate() {
                        *entry += token[i] * token[j] / t as f64;
                    }
                }
            }
            a
        })
        .collect();
    let trace = |a: &[f64]| (0..d).map(|i| a[i * d + i]).sum::<f64>();
    let (mut mean, mut var) = (0.0, 0.0);
    for a in &moments {
        mean += dk * trace(a).powi(2);
        for a2 in &moments {
            let c: f64 = a.iter().zip(a2).map(|(u, v)| u * v).sum();
            var += 2.0 * dk * ((dk + 1.0) * c * c + 2.0 * trace(a) * trace(a2) * c);
        }
    }
    debug_assert_eq!(moments.len(), b);
    (var / (mean * mean) / HEADS as f64).sqrt()
}

fn config(norm: Norm) -> TransformerBlockConfig {
    TransformerBlockConfig::new(D, HEADS, 2 * D).with_norm(norm)
}

/// Mean normalised entropy of the softmax rows of `[b, h, t, t]` logits, and its SE.
fn mean_entropy(logits: Tensor<4>) -> (f64, f64) {
    let t = logits.dims()[3];
    let values = host_values(logits).unwrap();
    let rows: Vec<f64> = values
        .chunks_exact(t)
        .map(|row| Sharpness::of_logits(row).unwrap().normalised_entropy)
        .collect();
    let m = Moments::of(&rows).unwrap();
    (m.mean, (m.var / rows.len() as f64).sqrt())
}

per_device! {
    fn pre_ln_logit_variance_is_one_at_depth_1_and_12(device) {
        let stack = config(Norm::PreLn).init_stack(12, 5, device).unwrap();
        let traces = stack.trace(gaussian(SHAPE, 6, device));
        let expected = predicted(&Scheme::xavier_normal(1.0));
        assert!((expected - 1.0).abs() < 1e-12);
        for (depth, trace) in traces.iter().enumerate() {
            let m = Moments::of_tensor(trace.logits.clone()).unwrap();
            let stream = Moments::of_tensor(trace.output.clone()).unwrap();
            println!("pre-LN block {}: logit var {:.4} ± {:.4}, stream var {:.3}", depth + 1, m.var, m.se_var, stream.var);
        }
        // Block 1: one draw is tight, the normalised Gaussian tokens are nearly isotropic
        // (spread 0.021 computed).
        let normed = stack.blocks[0].norm1.forward(gaussian(SHAPE, 6, device));
        let spread = weight_spread(normed);
        let first = Moments::of_tensor(traces[0].logits.clone()).unwrap();
        println!("block 1: draw-to-draw spread {spread:.4}");
        assert!(spread < 0.03, "{spread}");
        assert!((first.var - expected).abs() <= SIGMAS * (first.se_var + spread * expected),
            "block 1: logit var {} vs {expected} (SE {}, spread {spread})", first.var, first.se_var);
        // Block 12: one draw can be 20 % off (measured spread 0.21), so the mean over weight
        // draws is asserted in `pre_ln_depth_12_logit_variance_is_one_over_weight_draws`.
        // The residual stream of Pre-LN grows with depth (each block adds its branches).
        let first = Moments::of_tensor(traces[0].output.clone()).unwrap().var;
        let last = Moments::of_tensor(traces[11].output.clone()).unwrap().var;
        assert!(last > 2.0 * first, "pre-LN stream {first} → {last}");
    }

    /// One draw of the stack leaves the depth-12 logit variance up to ±20 % off, because the
    /// normalised tokens of a sequence share a few directions (see [`weight_spread`]). Its
    /// expectation over weight draws is still r² = 1: block 12 is redrawn `DRAWS` times on the
    /// real depth-11 stream, the mean over draws is 1 within 5 SE, and the spread between draws
    /// is the one [`weight_spread`] predicts from the tokens.
    fn pre_ln_depth_12_logit_variance_is_one_over_weight_draws(device) {
        const DRAWS: u64 = 64;
        let stream = config(Norm::PreLn).init_stack(11, 5, device).unwrap().forward(gaussian(SHAPE, 6, device));
        let expected = predicted(&Scheme::xavier_normal(1.0));
        let mut normed = None;
        let vars: Vec<f64> = (0..DRAWS).map(|draw| {
            let block = config(Norm::PreLn).init(1000 + draw, device).unwrap();
            let x = block.norm1.forward(stream.clone());
            let (_, logits) = block.attention(x.clone());
            normed = Some(x);
            Moments::of_tensor(logits).unwrap().var
        }).collect();
        let over_draws = Moments::of(&vars).unwrap();
        let se = (over_draws.var / DRAWS as f64).sqrt();
        let spread = over_draws.var.sqrt() / expected;
        let predicted_spread = weight_spread(normed.unwrap());
        println!("depth 12 over {DRAWS} draws: logit var {:.4} ± {se:.4}; spread between draws {spread:.3} (predicted {predicted_spread:.3})", over_draws.mean);
        assert!((over_draws.mean - expected).abs() <= SIGMAS * se, "mean {} ± {se}", over_draws.mean);
        // The test has power: 5 SE stay under 15 % of the prediction.
        assert!(SIGMAS * se < 0.15 * expected, "SE {se}");
        // The spread between draws is the predicted one, within 5 sampling errors of a std over
        // DRAWS draws (relative SE 1/√(2(DRAWS − 1))).
        let ratio = spread / predicted_spread;
        assert!((ratio - 1.0).abs() <= SIGMAS / (2.0 * (DRAWS - 1) as f64).sqrt(), "spread {spread} vs {predicted_spread}");
    }

    fn post_ln_logits_and_stream_at_depth(device) {
        let stack = config(Norm::PostLn).init_stack(12, 5, device).unwrap();
        let traces = stack.trace(gaussian(SHAPE, 6, device));
        let expected = predicted(&Scheme::xavier_normal(1.0));
        let vars: Vec<(Moments, Moments)> = traces.iter().map(|t| (
            Moments::of_tensor(t.logits.clone()).unwrap(),
            Moments::of_tensor(t.output.clone()).unwrap(),
        )).collect();
        for (depth, (logits, stream)) in vars.iter().enumerate() {
            println!("post-LN block {}: logit var {:.4} ± {:.4}, stream var {:.4}", depth + 1, logits.var, logits.se_var, stream.var);
        }
        // Block 1 sees the raw unit-variance input: logit variance r².
        let (first, _) = vars[0];
        let spread = weight_spread(gaussian(SHAPE, 6, device));
        assert!((first.var - expected).abs() <= SIGMAS * (first.se_var + spread * expected));
        // After that every block sees a LayerNorm output: the stream stays at variance 1. The
        // logit variance shows no systematic drift at initialisation (mean over the 12 blocks
        // 0.97 measured) but wanders block to block (0.48 to 1.36 measured) as the normalised
        // tokens concentrate on a few directions.
        for (_, stream) in &vars {
            assert!((stream.var - 1.0).abs() < 1e-3, "post-LN stream var {}", stream.var);
        }
        let mean = vars.iter().map(|(l, _)| l.var).sum::<f64>() / vars.len() as f64;
        println!("post-LN mean logit variance over 12 blocks: {mean:.4}");
        assert!((mean / expected - 1.0).abs() < 0.15, "mean {mean}");
        for (logits, _) in &vars {
            assert!(logits.var > 0.35 * expected && logits.var < 2.0 * expected, "{}", logits.var);
        }
    }

    fn he_projections_quadruple_the_logit_variance_and_sharpen_attention(device) {
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        let x = gaussian(SHAPE, 7, device);
        let xavier_block = config(Norm::PreLn).init(8, device).unwrap();
        let he_block = config(Norm::PreLn).with_projection(he.clone()).init(8, device).unwrap();
        let (_, lx) = xavier_block.forward_with_logits(x.clone());
        let spread = weight_spread(xavier_block.norm1.forward(x.clone()));
        let (_, lh) = he_block.forward_with_logits(x);
        let ratio = VarianceRatio::measure(lx.clone(), lh.clone()).unwrap();
        let expected = predicted(&he) / predicted(&Scheme::xavier_normal(1.0));
        println!("He/Xavier logit variance {:.4} ± {:.4} (predicted {expected})", ratio.ratio, ratio.se);
        assert!((expected - 4.0).abs() < 1e-12);
        assert!(ratio.agrees_with(expected, SIGMAS, SIGMAS * spread));
        let (ex, sx) = mean_entropy(lx);
        let (eh, sh) = mean_entropy(lh);
        println!("normalised entropy: Xavier {ex:.4} ± {sx:.4}, He {eh:.4} ± {sh:.4}");
        assert!(ex - eh > SIGMAS * sx.hypot(sh), "He must sharpen: {ex} vs {eh}");
    }

    fn tiny_block_trains(device) {
        let device = device.clone().autodiff();
        let mut model = TransformerBlockConfig::new(16, 2, 32).init(9, &device).unwrap();
        let x = gaussian([4, 8, 16], 10, &device);
        let target = gaussian([4, 8, 16], 11, &device);
        let mut optim = AdamConfig::new().init();
        let mut losses = Vec::new();
        for _ in 0..30 {
            let loss = (model.forward(x.clone()) - target.clone()).powi_scalar(2).mean();
            losses.push(host_values(loss.clone()).unwrap()[0]);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        let last = host_values((model.forward(x) - target).powi_scalar(2).mean()).unwrap()[0];
        println!("training loss {:.4} → {last:.4}", losses[0]);
        assert!(last < losses[0] / MEASURED_TRAINING_FACTOR, "loss {} → {last}", losses[0]);
    }

    fn bad_config_is_a_typed_error(device) {
        let error = TransformerBlockConfig::new(30, 4, 64).init(0, device).unwrap_err();
        assert!(matches!(error, InitError::InvalidArgument { name: "n_heads", value, .. } if value == 4.0), "{error}");
        assert!(TransformerBlockConfig::new(32, 0, 64).init(0, device).is_err());
        assert!(matches!(TransformerBlockConfig::new(32, 4, 0).init(0, device), Err(InitError::InvalidArgument { name: "d_ff", .. })));
    }
}

/// Measured 3.91 → 0.33 on flex (×12); asserted ×4.
const MEASURED_TRAINING_FACTOR: f64 = 4.0;
