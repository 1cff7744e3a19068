//! Presets on Burn models: the drawn weights against the papers' numbers, and typed errors.

use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig};
use burn::tensor::{Device, Tensor};
use burn_init::error::ArgumentError;
use burn_init::policy::{DeepNorm, Policy};
use burn_init::{Key, Nonlinearity};

use crate::common::{SIGMAS, values};

fn encoder(device: &Device, n_layers: usize) -> TransformerEncoder {
    TransformerEncoderConfig::new(64, 256, 4, n_layers).init(device)
}

/// The pooled sample std of `weights` (population mean 0) within 5 SE of `expected`: SE of a
/// sample std is σ·√((κ − 1)/(4n)), κ the kurtosis (3 Gaussian, 1.8 uniform). A 10 % error in the
/// std is ≥ 7 SE at the smallest pool here (16 384 Gaussian values: 5 SE = 2.8 %).
fn assert_std(label: &str, weights: &[Tensor<2>], expected: f64, kurtosis: f64) {
    let values: Vec<f32> = weights.iter().flat_map(|w| values(w.clone())).collect();
    let n = values.len() as f64;
    let std = (values.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n).sqrt();
    let se = expected * ((kurtosis - 1.0) / (4.0 * n)).sqrt();
    assert!(
        (std - expected).abs() <= SIGMAS * se,
        "{label}: drawn std {std:.6} vs {expected:.6} (5 SE = {:.2e})",
        SIGMAS * se
    );
}

const GAUSSIAN: f64 = 3.0;
const UNIFORM: f64 = 1.8;

fn all_zero(label: &str, tensor: Tensor<2>) {
    assert!(
        values(tensor).iter().all(|&v| v == 0.0),
        "{label} is not all zero"
    );
}

per_device! {
    /// GPT-2 (nanoGPT: `std = 0.02/sqrt(2 * n_layer)` on c_proj): read from the model's weights.
    fn gpt2_scales_the_residual_projections(device) {
        let (model, _) = Policy::gpt2(4, &[])
            .unwrap()
            .with_require_all(true)
            .apply(encoder(device, 4), Key::new(0))
            .unwrap();
        let layers = &model.layers;
        let pick = |f: &dyn Fn(usize) -> Tensor<2>| (0..4).map(f).collect::<Vec<_>>();
        // 0.02/√8 = 0.00707107 (not 0.02/√4 = 0.01: the 2 counts attention and MLP per layer).
        assert_std("mha.output", &pick(&|l| layers[l].mha.output.weight.val()), 0.007_071_067_812, GAUSSIAN);
        assert_std("linear_outer", &pick(&|l| layers[l].pwff.linear_outer.weight.val()), 0.007_071_067_812, GAUSSIAN);
        assert_std("mha.query", &pick(&|l| layers[l].mha.query.weight.val()), 0.02, GAUSSIAN);
        assert_std("linear_inner", &pick(&|l| layers[l].pwff.linear_inner.weight.val()), 0.02, GAUSSIAN);
        for layer in layers.iter() {
            assert!(values(layer.mha.output.bias.as_ref().unwrap().val()).iter().all(|&v| v == 0.0));
            assert!(values(layer.norm_1.gamma.val()).iter().all(|&v| v == 1.0));
        }
    }

    /// T-Fixup (Huang et al. 2020): value, output and feed-forward weights are Xavier-uniform
    /// × 0.67·N^(−¼), queries and keys plain Xavier, embeddings N(0, d^−1)·(9N)^(−¼).
    fn t_fixup_scales_value_output_and_feed_forward(device) {
        let (model, _) = Policy::t_fixup(6, 64)
            .unwrap()
            .apply(encoder(device, 6), Key::new(0))
            .unwrap();
        let layers = &model.layers;
        let pick = |f: &dyn Fn(usize) -> Tensor<2>| (0..6).map(f).collect::<Vec<_>>();
        // √(2/128)·0.67·6^(−¼) and √(2/320)·0.67·6^(−¼).
        assert_std("mha.value", &pick(&|l| layers[l].mha.value.weight.val()), 0.053_511_484_98, UNIFORM);
        assert_std("mha.output", &pick(&|l| layers[l].mha.output.weight.val()), 0.053_511_484_98, UNIFORM);
        assert_std("linear_inner", &pick(&|l| layers[l].pwff.linear_inner.weight.val()), 0.033_843_634_7, UNIFORM);
        assert_std("linear_outer", &pick(&|l| layers[l].pwff.linear_outer.weight.val()), 0.033_843_634_7, UNIFORM);
        assert_std("mha.query", &pick(&|l| layers[l].mha.query.weight.val()), 0.125, UNIFORM);
        // Uniform: the largest |w| of 24 576 draws is within 0.1 % of the bound √3·std.
        let bound = 3f64.sqrt() * 0.053_511_484_98;
        let max = pick(&|l| layers[l].mha.value.weight.val()).into_iter()
            .flat_map(values).fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
        assert!(max <= bound * (1.0 + 1e-6) && max > bound * 0.999, "max {max} vs bound {bound}");
    }

    fn zero_init_residual_and_rezero_come_first(device) {
        let policy = Policy::zero_init_residual(&["layers.*.norm_2"])
            .then(Policy::rezero(&["layers.0.norm_1.beta"]))
            .then(Policy::he(Nonlinearity::Relu));
        let (_, manifest) = policy.apply(encoder(device, 2), Key::new(0)).unwrap();
        for path in ["layers.0.norm_2.gamma", "layers.1.norm_2.gamma", "layers.0.norm_1.beta"] {
            assert_eq!(manifest.get(path).unwrap().drawn_std, Some(0.0), "{path}");
            assert_eq!(manifest.get(path).unwrap().drawn_mean, Some(0.0), "{path}");
        }
        assert_eq!(manifest.get("layers.0.norm_1.gamma").unwrap().drawn_mean, Some(1.0));
    }

    /// Fixup (Zhang et al. 2019): L = 8 branches of m = 2 layers: inner He × 8^(−½), last
    /// layers and the classifier zero — read from the model.
    fn fixup_zeroes_last_layers_and_scales_inner_ones(device) {
        let (model, _) = Policy::fixup(8, 2, "*.linear_inner.weight", "*.linear_outer.weight", "layers.1.mha.output.weight")
            .unwrap()
            .apply(encoder(device, 2), Key::new(0))
            .unwrap();
        let layers = &model.layers;
        // He √(2/64) = 0.1768, × 8^(−1/(2·2−2)) = 0.0625.
        let inner: Vec<_> = layers.iter().map(|l| l.pwff.linear_inner.weight.val()).collect();
        assert_std("linear_inner", &inner, 0.0625, GAUSSIAN);
        let query: Vec<_> = layers.iter().map(|l| l.mha.query.weight.val()).collect();
        assert_std("mha.query", &query, 0.176_776_695_3, GAUSSIAN);
        for layer in layers.iter() {
            all_zero("linear_outer", layer.pwff.linear_outer.weight.val());
        }
        all_zero("classifier", layers[1].mha.output.weight.val());
    }

    /// Impossible arguments are typed errors naming the argument (they were clamped to 1 or 2).
    fn presets_refuse_impossible_arguments(device) {
        let _ = device;
        let named = |result: burn_init::Result<Policy>| match result {
            Err(burn_init::InitError::Argument(ArgumentError::OutOfDomain { name, .. })) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(named(Policy::gpt2(0, &[])), "n_layers");
        assert_eq!(named(Policy::t_fixup(0, 64)), "n_layers");
        assert_eq!(named(Policy::t_fixup(6, 0)), "d_model");
        assert_eq!(named(Policy::fixup(8, 1, "a", "b", "c")), "depth");
        assert_eq!(named(Policy::fixup(0, 2, "a", "b", "c")), "branches");
        assert_eq!(named(Policy::lstm_forget_bias(f64::NAN)), "value");
        assert_eq!(named(DeepNorm::new(0, 0).policy()), "encoder_layers");
        assert_eq!(named(DeepNorm::new(6, 6).policy()), "decoder_prefix");
    }

    /// DeepNorm (Wang et al. 2022, Table 1): an encoder of N = 6 has β = (8·6)^(−¼) = 0.379918
    /// on value, output and feed-forward weights (Xavier-normal), 1 on queries and keys.
    fn deepnorm_scales_value_output_and_feed_forward(device) {
        let deepnorm = DeepNorm::new(6, 0);
        let (alpha, beta) = deepnorm.encoder().unwrap().unwrap();
        assert!((alpha - 12f64.powf(0.25)).abs() < 1e-12 && (beta - 0.379_917_843).abs() < 1e-8);
        assert_eq!(deepnorm.decoder().unwrap(), None);
        // Encoder-decoder, N = M = 6: encoder 0.81·(6⁵)^(1/16), 0.87·(6⁵)^(−1/16); decoder (18)^¼, (72)^(−¼).
        let both = DeepNorm::new(6, 6).with_encoder_prefix("encoder.".into()).with_decoder_prefix("decoder.".into());
        let (ea, eb) = both.encoder().unwrap().unwrap();
        let (da, db) = both.decoder().unwrap().unwrap();
        assert!((ea - 1.417_938).abs() < 1e-6 && (eb - 0.496_989).abs() < 1e-6, "{ea} {eb}");
        assert!((da - 2.059_767).abs() < 1e-6 && (db - 0.343_295).abs() < 1e-6, "{da} {db}");
        let (model, _) = deepnorm.policy().unwrap().apply(encoder(device, 6), Key::new(0)).unwrap();
        let layers = &model.layers;
        let pick = |f: &dyn Fn(usize) -> Tensor<2>| (0..6).map(f).collect::<Vec<_>>();
        // Xavier-normal [64, 64]: √(2/128) = 0.125; [64, 256] and [256, 64]: √(2/320).
        assert_std("mha.value", &pick(&|l| layers[l].mha.value.weight.val()), 0.125 * 0.379_917_843, GAUSSIAN);
        assert_std("mha.output", &pick(&|l| layers[l].mha.output.weight.val()), 0.125 * 0.379_917_843, GAUSSIAN);
        assert_std("mha.key", &pick(&|l| layers[l].mha.key.weight.val()), 0.125, GAUSSIAN);
        let ffn = 0.079_056_941_5 * 0.379_917_843;
        assert_std("linear_inner", &pick(&|l| layers[l].pwff.linear_inner.weight.val()), ffn, GAUSSIAN);
        assert_std("linear_outer", &pick(&|l| layers[l].pwff.linear_outer.weight.val()), ffn, GAUSSIAN);
        // A prefix that names nothing is an error, not a silent no-op.
        let wrong = DeepNorm::new(6, 0).with_encoder_prefix("decoder.".into()).policy().unwrap();
        assert!(wrong.apply(encoder(device, 6), Key::new(0)).is_err());
    }
}
