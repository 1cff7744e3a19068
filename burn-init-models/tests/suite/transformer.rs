//! Transformer blocks: attention-logit variance at depth 1 and 12 (Pre-LN, Post-LN), He versus
//! Xavier projections, a short training run, and the typed error of a bad configuration.

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Tensor;
use burn_init::diagnostics::{Moments, Sharpness, VarianceRatio, host_values};
use burn_init::error::ArgumentError;
use burn_init::{Fan, FanMode, InitError, Nonlinearity, Scheme, composition};
use burn_init_models::transformer::{Norm, TransformerBlockConfig};

use crate::common::{SIGMAS, gaussian, paired_log_ratio, readme_row, row_errors};

const D: usize = 128;
const HEADS: usize = 8;
const SHAPE: [usize; 3] = [8, 32, D];

/// The predicted logit variance r² with r = n_in·σ² of the projection scheme.
fn predicted(scheme: &Scheme) -> f64 {
    composition::forward_ratio(scheme, &[D, D], Fan::linear(D, D))
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

/// Block 12 redrawn `draws` times on the real depth-11 stream of a stack placed by `norm`: the
/// mean logit variance over draws is r² = 1 within 5 SE, and 5 SE < 20 % of it (a gain 10 % off
/// on Q or K moves r² by 21 %); the spread between draws is the one [`weight_spread`] predicts
/// from the block's attention inputs, within 5 sampling errors of a std over `draws` draws
/// (relative SE 1/√(2(draws − 1))).
fn depth_12_over_draws(norm: Norm, draws: u64, device: &burn::tensor::Device) {
    let stream = config(norm)
        .init_stack(11, 5, device)
        .unwrap()
        .forward(gaussian(SHAPE, 6, device));
    let expected = predicted(&Scheme::xavier_normal(1.0));
    let mut inputs = None;
    let vars: Vec<f64> = (0..draws)
        .map(|draw| {
            let block = config(norm).init(1000 + draw, device).unwrap();
            let x = match norm {
                Norm::PreLn => block.norm1.forward(stream.clone()),
                _ => stream.clone(),
            };
            let (_, logits) = block.attention(x.clone());
            inputs = Some(x);
            Moments::of_tensor(logits).unwrap().var
        })
        .collect();
    let over_draws = Moments::of(&vars).unwrap();
    let se = (over_draws.var / draws as f64).sqrt();
    let spread = over_draws.var.sqrt() / expected;
    let predicted_spread = weight_spread(inputs.unwrap());
    let label = format!("`TransformerBlock` {norm:?}, block 12 redrawn {draws} times");
    readme_row(
        device,
        &label,
        &[over_draws.mean, se, spread, predicted_spread],
    );
    println!(
        "{norm:?} depth 12 over {draws} draws: logit var {:.4} ± {se:.4}; spread between draws {spread:.3} (predicted {predicted_spread:.3})",
        over_draws.mean
    );
    assert!(
        (over_draws.mean - expected).abs() <= SIGMAS * se,
        "mean {} ± {se}",
        over_draws.mean
    );
    assert!(SIGMAS * se < 0.2 * expected, "SE {se}");
    let ratio = spread / predicted_spread;
    assert!(
        (ratio - 1.0).abs() <= SIGMAS / (2.0 * (draws - 1) as f64).sqrt(),
        "spread {spread} vs {predicted_spread}"
    );
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

    /// Block 12 of a Pre-LN stack: the attention input is a LayerNorm output whose
    /// normalised tokens of a sequence share a few directions (see [`weight_spread`]). Its
    /// expectation over weight draws is still r² = 1: block 12 is redrawn 64 times on the
    /// real depth-11 stream, the mean over draws is 1 within 5 SE, and the spread between draws
    /// is the one [`weight_spread`] predicts from the tokens.
    fn pre_ln_depth_12_logit_variance_is_one_over_weight_draws(device) {
        depth_12_over_draws(Norm::PreLn, 64, device);
    }

    /// The same for Post-LN, where block 12's attention sees the depth-11 stream itself (the
    /// previous block's LayerNorm output, whose tokens share fewer directions: one draw
    /// scatters by ≈ 45 %, so 160 draws are averaged).
    fn post_ln_depth_12_logit_variance_is_one_over_weight_draws(device) {
        depth_12_over_draws(Norm::PostLn, 160, device);
    }

    /// Post-LN: block 1's logits see the raw unit-variance input (r²); the MLP branch, which
    /// the block's LayerNorm then hides (its output has variance 1 whatever the weights), has
    /// an exact prediction. Its input x₁ = LN(x + attention(x)) has Σᵢx²ᵢ = d per token, so fc1
    /// (He with GELU's gain g = (1/3 + 1/(2π√3))^(−½) = 1.5335304412) gives h ~ N(0, g²) exactly
    /// and E[gelu(h)²] = g²·I(g), I(a) = E[z²Φ(az)²] = ¼ + arcsin(a²/(1+a²))/(2π) +
    /// a²/(π(1+a²)√(1+2a²)) (checked against quadrature to 10⁻¹³); fc2 (Xavier, σ² = 2/384 over
    /// 256 inputs) multiplies by 4/3: Var = 1.4652580479. One draw scatters by ≈ 3 % (the
    /// GELU output's mean reaching 128 units as χ²₁₂₈/128), so 16 draws are averaged: 5 SE ≈ 4 %.
    /// A gain 10 % off on fc1 moves the value by ≈ 25 %, on fc2 by 21 %.
    fn post_ln_first_block_logits_and_mlp_branch(device) {
        const DRAWS: u64 = 16;
        let x = gaussian(SHAPE, 6, device);
        let expected = predicted(&Scheme::xavier_normal(1.0));
        let first = config(Norm::PostLn).init(1000, device).unwrap();
        let (_, logits) = first.attention(x.clone());
        let logits = Moments::of_tensor(logits).unwrap();
        let spread = weight_spread(x.clone());
        assert!((logits.var - expected).abs() <= SIGMAS * (logits.se_var + spread * expected), "block 1 logit var {}", logits.var);
        let vars: Vec<f64> = (0..DRAWS).map(|draw| {
            let block = config(Norm::PostLn).init(1000 + draw, device).unwrap();
            let x1 = block.norm1.forward(x.clone() + block.attention(x.clone()).0);
            Moments::of_tensor(block.mlp(x1)).unwrap().var
        }).collect();
        let over = Moments::of(&vars).unwrap();
        let se = (over.var / DRAWS as f64).sqrt();
        println!("post-LN MLP branch variance over {DRAWS} draws: {:.4} ± {se:.4} (predicted 1.4653)", over.mean);
        readme_row(device, "`TransformerBlock` Post-LN, MLP branch at block 1 (16 draws)", &[over.mean, se]);
        assert!((over.mean - 1.465_258_047_9).abs() <= SIGMAS * se, "MLP branch {} ± {se}", over.mean);
        assert!(SIGMAS * se < 0.1 * 1.465_258_047_9, "SE {se}");
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
        readme_row(device, "He instead of Xavier for Q/K", &[ratio.ratio, ratio.se, ex, eh]);
        assert!(ex - eh > SIGMAS * sx.hypot(sh), "He must sharpen: {ex} vs {eh}");
    }

    /// Xavier projections against projections drawn N(0, 1) (σ = 1 instead of 1/√d: logit
    /// variance d_k·(d·1)²/d_k = 256, a one-hot softmax whose Jacobian is ≈ 0, and a value path
    /// ×d² too loud), trained by Adam on a target that needs attention: every token's target
    /// is the sequence's mean token through a fixed projection, which uniform attention computes
    /// and a per-token MLP cannot. Paired ln(bad/good) of the held-out per-sequence errors must
    /// clear 5 SE, and the Xavier block must train (error below half its initial).
    fn xavier_block_trains_where_unit_projections_saturate(device) {
        let device = device.clone().autodiff();
        let teacher = gaussian([16, 16], 12, &device).mul_scalar(0.25);
        let data = |seed| {
            let x = gaussian([32, 8, 16], seed, &device);
            let y = x.clone().mean_dim(1).matmul(teacher.clone().unsqueeze()).repeat_dim(1, 8);
            (x, y)
        };
        let ((x, y), (held_x, held_y)) = (data(10), data(100));
        let train = |config: TransformerBlockConfig| {
            let mut model = config.init(9, &device).unwrap();
            let initial = row_errors(model.forward(held_x.clone()), held_y.clone());
            let mut optim = AdamConfig::new().init();
            for _ in 0..40 {
                let loss = (model.forward(x.clone()) - y.clone()).powi_scalar(2).mean();
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(1e-2, model, grads);
            }
            (initial, row_errors(model.forward(held_x.clone()), held_y.clone()))
        };
        let (good_initial, good) = train(TransformerBlockConfig::new(16, 2, 32));
        let (_, bad) = train(TransformerBlockConfig::new(16, 2, 32).with_projection(Scheme::Normal { mean: 0.0, std: 1.0 }));
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ratio, se) = paired_log_ratio(&bad, &good);
        println!("transformer block, 40 Adam steps: held-out MSE Xavier {:.4} (from {:.4}), N(0, 1) projections {:.4}; paired ln {ratio:.3} ± {se:.3}", mean(&good), mean(&good_initial), mean(&bad));
        assert!(mean(&good) < 0.5 * mean(&good_initial), "the Xavier block did not train");
        assert!(ratio > SIGMAS * se, "unit projections not worse: {ratio} ± {se}");
    }

    fn bad_config_is_a_typed_error(device) {
        let error = TransformerBlockConfig::new(30, 4, 64).init(0, device).unwrap_err();
        assert!(matches!(error, InitError::Argument(ArgumentError::OutOfDomain { name: "n_heads", ref value, .. }) if *value == burn_init::error::Value::Count(4)), "{error}");
        assert!(TransformerBlockConfig::new(32, 0, 64).init(0, device).is_err());
        assert!(matches!(TransformerBlockConfig::new(32, 4, 0).init(0, device), Err(InitError::Argument(ArgumentError::OutOfDomain { name: "d_ff", .. }))));
    }
}
