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

/// The relative std of the logit variance over draws of W_q, W_k (what a finite width adds to
/// the sampling error over inputs), used as slack, 5 of them: for inputs spread over `rank`
/// effective directions ‖P W_q W_kᵀ P‖²_F per head fluctuates by √(4/(rank·d_k) + 1/rank²),
/// averaged over the heads. Deep in a Pre-LN stack the normalised tokens share a few strong
/// directions (rank ≈ 10 of 128), which makes one stack's logit variance wander by ±20 %.
fn weight_slack(rank: f64) -> f64 {
    let dk = (D / HEADS) as f64;
    SIGMAS * (4.0 / (rank * dk) + 1.0 / (rank * rank)).sqrt() / (HEADS as f64).sqrt()
}

/// The participation ratio (tr S)²/tr(S²) of the uncentred second-moment matrix S of the
/// tokens of `[b, t, d]` (d for isotropic tokens), on the host.
fn effective_rank(x: Tensor<3>) -> f64 {
    let values = host_values(x).unwrap();
    let tokens = values.len() / D;
    let mut s = vec![0.0; D * D];
    for token in values.chunks_exact(D) {
        for a in 0..D {
            for b in 0..D {
                s[a * D + b] += token[a] * token[b] / tokens as f64;
            }
        }
    }
    let trace: f64 = (0..D).map(|a| s[a * D + a]).sum();
    let trace2: f64 = s.iter().map(|v| v * v).sum();
    println!("effective rank {:.1}", trace * trace / trace2);
    trace * trace / trace2
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
            if depth == 0 || depth == 11 {
                // The attention input: LN of the block's input (the raw input for block 1).
                let input = if depth == 0 { gaussian(SHAPE, 6, device) } else { traces[depth - 1].output.clone() };
                let normed = stack.blocks[depth].norm1.forward(input);
                let slack = weight_slack(effective_rank(normed)) * expected;
                assert!((m.var - expected).abs() <= SIGMAS * m.se_var + slack,
                    "depth {}: logit var {} vs {expected} (SE {}, slack {slack})", depth + 1, m.var, m.se_var);
            }
        }
        // The residual stream of Pre-LN grows with depth (each block adds its branches).
        let first = Moments::of_tensor(traces[0].output.clone()).unwrap().var;
        let last = Moments::of_tensor(traces[11].output.clone()).unwrap().var;
        assert!(last > 2.0 * first, "pre-LN stream {first} → {last}");
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
        assert!((first.var - expected).abs() <= SIGMAS * first.se_var + weight_slack(D as f64) * expected);
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
        let (_, lh) = he_block.forward_with_logits(x);
        let ratio = VarianceRatio::measure(lx.clone(), lh.clone()).unwrap();
        let expected = predicted(&he) / predicted(&Scheme::xavier_normal(1.0));
        println!("He/Xavier logit variance {:.4} ± {:.4} (predicted {expected})", ratio.ratio, ratio.se);
        assert!((expected - 4.0).abs() < 1e-12);
        assert!(ratio.agrees_with(expected, SIGMAS, weight_slack(D as f64)));
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
