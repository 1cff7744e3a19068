//! `Policy::pytorch_default` against the numbers PyTorch's own `reset_parameters` gives the same
//! layers (bounds worked out from PyTorch's source, written here as literals):
//!
//! * `RNNBase.reset_parameters`: every weight and bias U(±1/√hidden) — hidden 64: 0.125;
//! * `MultiheadAttention._reset_parameters`: `xavier_uniform_(in_proj_weight)` on the packed
//!   [3E, E] matrix, bound √(6/(E + 3E)) — E = 64: 0.153093; `in_proj_bias` and `out_proj.bias`
//!   zero; `out_proj.weight` keeps Linear's U(±1/√E) = 0.125;
//! * `_ConvNd.reset_parameters` on a transposed weight [c_in, c_out/g, k…]:
//!   `_calculate_fan_in_and_fan_out` reads fan_in = (c_out/g)·∏k — ConvTranspose2d(256 → 128,
//!   k 2×2): 1/√512 = 0.0441942; with groups 2: 1/√256 = 0.0625; ConvTranspose1d(24 → 16, k 4):
//!   1/√64 = 0.125. The bias uses the same fan_in.

use burn::module::Module;
use burn::nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::conv::{
    ConvTranspose1d, ConvTranspose1dConfig, ConvTranspose2d, ConvTranspose2dConfig,
};
use burn::nn::{Gru, GruConfig, Lstm, LstmConfig};
use burn::tensor::Device;
use burn_init::Key;
use burn_init::policy::Policy;

use crate::common::SIGMAS;
use crate::policy::all_values;

/// Burn's layers that have a PyTorch twin with a default of its own.
#[derive(Module, Debug)]
struct Twins {
    lstm: Lstm,
    gru: Gru,
    mha: MultiHeadAttention,
    up: ConvTranspose2d,
    up_grouped: ConvTranspose2d,
    up1d: ConvTranspose1d,
}

fn twins(device: &Device) -> Twins {
    Twins {
        lstm: LstmConfig::new(32, 64, true).init(device),
        gru: GruConfig::new(32, 64, true).init(device),
        mha: MultiHeadAttentionConfig::new(64, 4).init(device),
        up: ConvTranspose2dConfig::new([256, 128], [2, 2]).init(device),
        up_grouped: ConvTranspose2dConfig::new([256, 128], [2, 2])
            .with_groups(2)
            .init(device),
        up1d: ConvTranspose1dConfig::new([24, 16], 4).init(device),
    }
}

/// Values of the parameters whose path satisfies `select`, pooled.
fn pooled(policy: &Policy, device: &Device, select: &dyn Fn(&str) -> bool) -> Vec<f32> {
    let (model, manifest) = policy.apply(twins(device), Key::new(3)).unwrap();
    let all = all_values(&model);
    let pooled: Vec<f32> = manifest
        .entries
        .iter()
        .zip(all)
        .filter(|(entry, _)| select(&entry.path))
        .flat_map(|(_, values)| values)
        .collect();
    assert!(!pooled.is_empty());
    pooled
}

/// U(±bound): the largest |w| of n draws lies in (bound·(1 − 20/n), bound] except with
/// probability e^−20, and the std is bound/√3 within 5 SE (SE = σ·√(0.8/(4n)), kurtosis 1.8).
fn assert_uniform(label: &str, values: &[f32], bound: f64) {
    let n = values.len() as f64;
    let max = values
        .iter()
        .fold(0.0f64, |m, &v| m.max(f64::from(v.abs())));
    assert!(
        max <= bound * (1.0 + 1e-6) && max > bound * (1.0 - 20.0 / n),
        "{label}: max |w| {max:.6} vs bound {bound:.6} ({n} values)"
    );
    let std = (values.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n).sqrt();
    let expected = bound / 3f64.sqrt();
    let se = expected * (0.2 / n).sqrt();
    assert!(
        (std - expected).abs() <= SIGMAS * se,
        "{label}: std {std:.6} vs {expected:.6}"
    );
}

per_device! {
    fn pytorch_default_reproduces_pytorch(device) {
        let policy = Policy::pytorch_default().with_require_all(true);
        let pool = |select: &dyn Fn(&str) -> bool| pooled(&policy, device, select);
        for rnn in ["lstm.", "gru."] {
            assert_uniform(rnn, &pool(&|p| p.starts_with(rnn) && p.ends_with("weight")), 0.125);
            assert_uniform(rnn, &pool(&|p| p.starts_with(rnn) && p.ends_with("bias")), 0.125);
        }
        let in_projection = |p: &str| ["mha.query.weight", "mha.key.weight", "mha.value.weight"].contains(&p);
        assert_uniform("mha in-projection", &pool(&in_projection), 0.153_093_108_923_948_6);
        assert_uniform("mha.output.weight", &pool(&|p| p == "mha.output.weight"), 0.125);
        assert!(pool(&|p| p.starts_with("mha.") && p.ends_with("bias")).iter().all(|&v| v == 0.0));
        assert_uniform("up", &pool(&|p| p.starts_with("up.")), 0.044_194_173_824_159_22);
        assert_uniform("up_grouped", &pool(&|p| p.starts_with("up_grouped.")), 0.0625);
        assert_uniform("up1d", &pool(&|p| p.starts_with("up1d.")), 0.125);
    }

    /// The corrected preset divides by the true fan-in (c_in/g)·∏k of a transposed convolution:
    /// 256·4 → 1/32; grouped 128·4 → 1/√512; 24·4 → 1/√96. Everything else as PyTorch.
    fn pytorch_default_corrected_counts_the_true_fan_in(device) {
        let policy = Policy::pytorch_default_corrected().with_require_all(true);
        let pool = |select: &dyn Fn(&str) -> bool| pooled(&policy, device, select);
        assert_uniform("up", &pool(&|p| p.starts_with("up.")), 0.031_25);
        assert_uniform("up_grouped", &pool(&|p| p.starts_with("up_grouped.")), 0.044_194_173_824_159_22);
        assert_uniform("up1d", &pool(&|p| p.starts_with("up1d.")), 0.102_062_072_615_965_75);
        assert_uniform("lstm.", &pool(&|p| p.starts_with("lstm.")), 0.125);
    }

    /// Jozefowicz et al. (2015): the forget gate's total bias (input side + hidden side, summed
    /// in the gate as PyTorch's b_ih + b_hh) is exactly 1; the other gates keep the base policy.
    fn lstm_forget_bias_is_one(device) {
        let policy = Policy::lstm_forget_bias(1.0).unwrap().then(Policy::pytorch_default());
        let input = pool_one(&policy, device, "lstm.forget_gate.input_transform.bias");
        let hidden = pool_one(&policy, device, "lstm.forget_gate.hidden_transform.bias");
        assert!(input.iter().zip(&hidden).all(|(a, b)| a + b == 1.0));
        assert_uniform("other gates", &pool_one(&policy, device, "lstm.input_gate.input_transform.bias"), 0.125);
        // No LSTM forget gate: an error, not a silent no-op.
        let coupled = LstmConfig::new(8, 8, true).with_input_forget(true).init(device);
        assert!(Policy::lstm_forget_bias(1.0).unwrap().apply(coupled, Key::new(0)).is_err());
    }
}

fn pool_one(policy: &Policy, device: &Device, path: &str) -> Vec<f32> {
    pooled(policy, device, &|p| p == path)
}
