//! Policies over whole Burn models: every layer type, ParamIds, require-grad, an optimizer step,
//! the combinations that panic in Burn, reproducibility from the serialised policy and the key,
//! typed errors with nothing half-applied, presets and µP's coordinate check.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::nn::attention::MultiHeadAttentionConfig;
use burn::nn::conv::{
    Conv1dConfig, Conv2dConfig, Conv3dConfig, ConvTranspose1dConfig, ConvTranspose2dConfig,
    ConvTranspose3dConfig, DeformConv2dConfig,
};
use burn::nn::{
    BatchNormConfig, EmbeddingConfig, GroupNormConfig, GruConfig, InstanceNormConfig,
    LayerNormConfig, LinearConfig, LstmConfig, PReluConfig, RmsNormConfig,
};
use burn::tensor::{Device, Tensor};
use burn_init::error::{ArgumentError, PolicyError, SchemeError};
use burn_init::policy::{LayerHint, Manifest, Policy, Role, Rule};
use burn_init::{FanMode, InitError, Key, Nonlinearity, Scheme, TransposedFan};

use crate::common::{SIGMAS, values};

/// A model holding every Burn layer type a policy must handle, plus a user module.
#[derive(Module, Debug)]
pub(crate) struct Everything {
    linear: burn::nn::Linear,
    conv1d: burn::nn::conv::Conv1d,
    conv2d: burn::nn::conv::Conv2d,
    conv3d: burn::nn::conv::Conv3d,
    up1d: burn::nn::conv::ConvTranspose1d,
    up2d: burn::nn::conv::ConvTranspose2d,
    up3d: burn::nn::conv::ConvTranspose3d,
    deform: burn::nn::conv::DeformConv2d,
    embedding: burn::nn::Embedding,
    lstm: burn::nn::Lstm,
    gru: burn::nn::Gru,
    mha: burn::nn::attention::MultiHeadAttention,
    batch_norm: burn::nn::BatchNorm,
    layer_norm: burn::nn::LayerNorm,
    group_norm: burn::nn::GroupNorm,
    instance_norm: burn::nn::InstanceNorm,
    rms_norm: burn::nn::RmsNorm,
    prelu: burn::nn::PRelu,
    custom: Custom,
}

/// A user module with a parameter of its own.
#[derive(Module, Debug)]
pub(crate) struct Custom {
    mixing: Param<Tensor<2>>,
}

pub(crate) fn everything(device: &Device) -> Everything {
    Everything {
        linear: LinearConfig::new(96, 80).init(device),
        conv1d: Conv1dConfig::new(16, 24, 5).init(device),
        conv2d: Conv2dConfig::new([16, 32], [3, 3])
            .with_groups(4)
            .init(device),
        conv3d: Conv3dConfig::new([8, 16], [3, 3, 3]).init(device),
        up1d: ConvTranspose1dConfig::new([24, 16], 4)
            .with_stride(2)
            .init(device),
        up2d: ConvTranspose2dConfig::new([32, 16], [3, 3])
            .with_stride([2, 2])
            .init(device),
        up3d: ConvTranspose3dConfig::new([16, 8], [2, 2, 2]).init(device),
        deform: DeformConv2dConfig::new([16, 32], [3, 3]).init(device),
        embedding: EmbeddingConfig::new(200, 48).init(device),
        lstm: LstmConfig::new(48, 64, true).init(device),
        gru: GruConfig::new(48, 64, true).init(device),
        mha: MultiHeadAttentionConfig::new(64, 4).init(device),
        batch_norm: BatchNormConfig::new(32).init(device),
        layer_norm: LayerNormConfig::new(64).init(device),
        group_norm: GroupNormConfig::new(4, 32).init(device),
        instance_norm: InstanceNormConfig::new(32).with_affine(true).init(device),
        rms_norm: RmsNormConfig::new(64).init(device),
        prelu: PReluConfig::new().with_num_parameters(32).init(device),
        custom: Custom {
            mixing: Param::from_tensor(Tensor::zeros([64, 128], device)),
        },
    }
}

/// He for weights, orthogonal recurrent weights, Xavier for the user module, everything matched.
fn full_policy() -> Policy {
    Policy::new()
        .rule(
            Rule::new(Scheme::orthogonal(1.0))
                .with_within(Some("GateController".into()))
                .with_path(Some("*.hidden_transform.weight".into())),
        )
        .rule(Rule::new(Scheme::xavier_normal(1.0)).with_layer(Some("Custom".into())))
        .then(Policy::he(Nonlinearity::Relu))
        .with_require_all(true)
}

/// Every float parameter's id and path, in traversal order.
#[derive(Default)]
struct Ids {
    ids: Vec<ParamId>,
}

impl ModuleVisitor for Ids {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.ids.push(param.id);
    }
}

pub(crate) fn ids<M: Module>(model: &M) -> Vec<ParamId> {
    let mut ids = Ids::default();
    model.visit(&mut ids);
    ids.ids
}

/// Every float parameter's values, in traversal order.
#[derive(Default)]
struct AllValues {
    values: Vec<Vec<f32>>,
}

impl ModuleVisitor for AllValues {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.values.push(values(param.val()));
    }
}

pub(crate) fn all_values<M: Module>(model: &M) -> Vec<Vec<f32>> {
    let mut all = AllValues::default();
    model.visit(&mut all);
    all.values
}

/// The drawn std of every initialised entry within 5 SE of its target (SE of a sample std with
/// kurtosis ≤ 3: σ·√(2/(4n))), and the manifest's numbers are those of the model's values.
fn assert_manifest_on_target(manifest: &Manifest, model_values: &[Vec<f32>]) {
    assert_eq!(manifest.entries.len(), model_values.len());
    for (entry, values) in manifest.entries.iter().zip(model_values) {
        let (Some(target), Some(drawn)) = (entry.target_std, entry.drawn_std) else {
            continue;
        };
        let n = entry.shape.iter().product::<usize>() as f64;
        let se = target * (0.5 / n).sqrt();
        assert!(
            (drawn - target).abs() <= SIGMAS * se + 1e-7,
            "{}: drawn std {drawn} vs target {target} (SE {se:.2e})",
            entry.path
        );
        let m = crate::common::moments(values);
        assert!(
            (m.var.sqrt() - drawn).abs() <= 1e-5 * drawn.max(1e-6),
            "{}: manifest says {drawn}, the model holds {}",
            entry.path,
            m.var.sqrt()
        );
    }
}

per_device! {
    fn every_layer_type_on_target_with_ids_kept(device) {
        let model = everything(device);
        let before = ids(&model);
        let (model, manifest) = full_policy().apply(model, Key::new(11)).unwrap();
        assert_eq!(ids(&model), before, "ParamIds must be kept");
        assert_manifest_on_target(&manifest, &all_values(&model));
        // Every parameter but the running statistics was initialised.
        for entry in &manifest.entries {
            let running = entry.path.contains("running_");
            assert_eq!(entry.rule.is_none(), running, "{}", entry.path);
        }
        // Fans from Burn's real layouts, with the corrections Burn lacks.
        let fan = |path: &str| manifest.get(path).unwrap().fan.unwrap();
        assert_eq!((fan("linear.weight").fan_in, fan("linear.weight").fan_out), (96.0, 80.0));
        assert_eq!(fan("linear.bias").fan_in, 96.0);
        assert_eq!((fan("up2d.weight").fan_in, fan("up2d.weight").fan_out), (32.0 * 9.0, 16.0 * 9.0));
        assert_eq!((fan("embedding.weight").fan_in, fan("embedding.weight").fan_out), (48.0, 200.0));
        assert_eq!(fan("conv1d.bias").fan_out, 24.0 * 5.0);
        assert!(manifest.get("batch_norm.gamma").unwrap().fan.is_none());
        // The recurrent weights are orthogonal: WᵀW = I.
        let w = values(model.lstm.input_gate.hidden_transform.weight.val());
        let gram: f64 = (0..64).map(|i| (0..64).map(|k| f64::from(w[k * 64 + i]).powi(2)).sum::<f64>()).sum();
        assert!((gram - 64.0).abs() < 1e-3, "‖W‖² = {gram}");
    }

    fn reapplying_the_saved_policy_gives_the_same_bits(device) {
        let policy = full_policy();
        let json = serde_json::to_string(&policy).unwrap();
        let restored: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, policy);
        let (first, manifest) = policy.apply(everything(device), Key::new(5)).unwrap();
        let (second, _) = restored.apply(everything(device), Key::new(5)).unwrap();
        let bits = |m: &Everything| all_values(m).concat().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&first), bits(&second));
        // And they are the host draw of the path key: the same on every device.
        let entry = manifest.get("linear.weight").unwrap();
        let host = entry.scheme.clone().unwrap()
            .sample_host(&entry.shape, entry.fan, Key::new(5).for_path("linear.weight"))
            .unwrap();
        assert_eq!(values(first.linear.weight.val()), host);
        // The manifest round-trips through JSON exactly and prints a table.
        let back: Manifest = serde_json::from_str(&manifest.to_json()).unwrap();
        assert_eq!(back, manifest);
        assert!(manifest.to_string().contains("lstm.input_gate.hidden_transform.weight"));
    }

    fn burns_panicking_combinations_work(device) {
        // Burn panics on Xavier for ConvTranspose (no fan_out), Kaiming fan_out for Embedding
        // (no fans) and Xavier for Conv1d's bias (no fan_out).
        let policy = Policy::new()
            .rule(Rule::new(Scheme::xavier_uniform(1.0)).with_layer(Some("ConvTranspose2d".into())))
            .rule(Rule::new(Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu)).with_layer(Some("Embedding".into())))
            .rule(Rule::new(Scheme::xavier_normal(1.0)).with_layer(Some("Conv1d".into())));
        let (model, manifest) = policy.apply(everything(device), Key::new(2)).unwrap();
        assert_manifest_on_target(&manifest, &all_values(&model));
        for path in ["up2d.weight", "up2d.bias", "embedding.weight", "conv1d.weight", "conv1d.bias"] {
            assert!(manifest.get(path).unwrap().drawn_std.unwrap() > 0.0, "{path}");
        }
        // Unmatched parameters kept their values.
        assert!(manifest.get("linear.weight").unwrap().rule.is_none());
    }

    fn stride_hint_gives_the_stride_aware_fan(device) {
        let model = everything(device);
        let hint = LayerHint::from_conv_transpose2d("up2d", &model.up2d)
            .with_transposed_fan(TransposedFan::StrideAware);
        let policy = Policy::new()
            .rule(Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)).with_layer(Some("ConvTranspose2d".into())).with_role(Some(Role::Weight)))
            .hint(hint);
        let (_, manifest) = policy.apply(model, Key::new(3)).unwrap();
        // fan_in = c_in·k²/s² = 32·9/4.
        assert_eq!(manifest.get("up2d.weight").unwrap().fan.unwrap().fan_in, 72.0);
    }

    fn a_stride_beyond_the_kernel_is_noted_in_the_manifest(device) {
        // Kernel 2, stride 3: a third of the output rows and columns receive no input, so the
        // stride-aware fan c_in·(k/s)² is an average over outputs that include zeros.
        let up = ConvTranspose2dConfig::new([8, 8], [2, 2]).with_stride([3, 3]).init(device);
        let hint = LayerHint::from_conv_transpose2d("*", &up).with_transposed_fan(TransposedFan::StrideAware);
        let (_, manifest) = Policy::he(Nonlinearity::Relu).hint(hint).apply(up, Key::new(5)).unwrap();
        let entry = manifest.get("weight").unwrap();
        assert!((entry.fan.unwrap().fan_in - 8.0 * 4.0 / 9.0).abs() < 1e-12);
        assert!(entry.assumptions.iter().any(|a| a.contains("stride 3 > kernel 2")), "{:?}", entry.assumptions);
        // Stride equal to the kernel: every output gets exactly one tap, nothing to note.
        let even = ConvTranspose2dConfig::new([8, 8], [2, 2]).with_stride([2, 2]).init(device);
        let hint = LayerHint::from_conv_transpose2d("*", &even).with_transposed_fan(TransposedFan::StrideAware);
        let (_, manifest) = Policy::he(Nonlinearity::Relu).hint(hint).apply(even, Key::new(5)).unwrap();
        assert!(manifest.get("weight").unwrap().assumptions.is_empty());
    }

    fn activation_gain_and_pytorch_default(device) {
        // Xavier with the gain of the activation the hint names: tanh's 5/3.
        let policy = Policy::new()
            .rule(Rule::new(Scheme::xavier_normal(1.0)).with_layer(Some("Linear".into())).with_path(Some("linear.weight".into())).with_activation_gain(true))
            .hint(LayerHint::new("linear".into()).with_activation(Some(Nonlinearity::Tanh)));
        let (_, manifest) = policy.apply(everything(device), Key::new(4)).unwrap();
        let expected = 5.0 / 3.0 * (2.0f64 / (96.0 + 80.0)).sqrt();
        assert!((manifest.get("linear.weight").unwrap().target_std.unwrap() - expected).abs() < 1e-12);
        // Without a hint for a matched layer: a typed error naming the path.
        let no_hint = Policy::new().rule(Rule::new(Scheme::xavier_normal(1.0)).with_layer(Some("Linear".into())).with_activation_gain(true));
        let error = no_hint.apply(everything(device), Key::new(4)).unwrap_err().error;
        assert!(matches!(&error, InitError::Policy(PolicyError::AtParameter { source, .. }) if matches!(**source, InitError::Policy(PolicyError::MissingHint { what: "activation", .. }))), "{error}");
        // PyTorch's default: weight and bias U(±1/√fan_in), std 1/√(3·fan_in).
        let (model, manifest) = Policy::pytorch_default().apply(everything(device), Key::new(4)).unwrap();
        for path in ["linear.weight", "linear.bias", "conv2d.weight"] {
            let entry = manifest.get(path).unwrap();
            let fan_in = entry.fan.unwrap().fan_in;
            assert!((entry.target_std.unwrap() - (3.0 * fan_in).sqrt().recip()).abs() < 1e-12, "{path}");
        }
        assert_manifest_on_target(&manifest, &all_values(&model));
    }

    fn optimizer_step_after_apply(device) {
        use burn::optim::{GradientsParams, SgdConfig};
        let device = device.clone().autodiff();
        let model = LinearConfig::new(8, 4).init(&device);
        let id = model.weight.id;
        let (model, _) = Policy::he(Nonlinearity::Relu).apply(model, Key::new(1)).unwrap();
        assert!(model.weight.val().is_require_grad());
        let x = Tensor::<2>::ones([3, 8], &device);
        let loss = model.forward(x).powi_scalar(2).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let before = values(model.weight.val());
        let mut optim = SgdConfig::new().init();
        let model = optim.step(0.1, model, grads);
        assert_eq!(model.weight.id, id);
        assert_ne!(values(model.weight.val()), before, "the step changed nothing");
    }

    fn refused_policies_name_the_path_and_leave_the_model_unchanged(device) {
        let model = everything(device);
        let (before_ids, before_values) = (ids(&model), all_values(&model));
        let refuse = |policy: Policy, model: Everything| -> (InitError, Everything) {
            let refused = policy.apply(model, Key::new(0)).unwrap_err();
            (refused.error, refused.model)
        };
        // A path that names nothing.
        let (error, model) = refuse(Policy::new().rule(Rule::new(Scheme::Zeros).with_path(Some("decoder.*".into()))), model);
        assert!(matches!(error, InitError::Policy(PolicyError::UnmatchedRule { rule: 0, .. })), "{error}");
        // A path whose layer is not the type the rule names.
        let (error, model) = refuse(Policy::new().rule(Rule::new(Scheme::Zeros).with_layer(Some("Conv2d".into())).with_path(Some("linear.weight".into()))), model);
        assert_eq!(error, InitError::Policy(PolicyError::LayerMismatch { rule: 0, path: "linear.weight".into(), expected: "Conv2d".into(), found: "Linear".into() }));
        // An invalid scheme: found while planning.
        let (error, model) = refuse(Policy::new().rule(Rule::new(Scheme::Normal { mean: 0.0, std: -1.0 }).with_path(Some("linear.weight".into()))), model);
        let InitError::Policy(PolicyError::AtParameter { path, source, .. }) = &error else { panic!("{error}") };
        assert_eq!(path, "linear.weight");
        assert!(matches!(**source, InitError::Argument(ArgumentError::OutOfDomain { name: "std", .. })), "{source}");
        // A structured scheme that cannot serve a later parameter (delta-orthogonal on a matrix):
        // refused by the plan, before the earlier parameters are drawn.
        let policy = Policy::new()
            .rule(Rule::new(Scheme::Ones).with_layer(Some("Linear".into())))
            .rule(Rule::new(Scheme::DeltaOrthogonal { gain: 1.0.into(), groups: 1 }).with_layer(Some("Custom".into())));
        let (error, model) = refuse(policy, model);
        let InitError::Policy(PolicyError::AtParameter { path, .. }) = &error else { panic!("{error}") };
        assert_eq!(path, "custom.mixing");
        // A grouped scheme with other groups than its convolution (conv2d has 4): the identity
        // it promises would be wrong, so it is refused (it was drawn silently before).
        let dirac = |groups| Policy::new().rule(Rule::new(Scheme::Dirac { groups }).with_path(Some("conv2d.weight".into())));
        let (error, model) = refuse(dirac(1), model);
        let InitError::Policy(PolicyError::AtParameter { path, source, .. }) = &error else { panic!("{error}") };
        assert_eq!(path, "conv2d.weight");
        assert!(matches!(**source, InitError::Scheme(SchemeError::GroupsMismatch { scheme_groups: 1, layer_groups: 4, .. })), "{source}");
        assert!(dirac(4).apply(everything(device), Key::new(0)).is_ok());
        // A hint that contradicts the layer's own groups (conv2d has 4) or stride (up2d has 2):
        // used silently before, with the hint's fans.
        let zeros_with = |hint: LayerHint| Policy::new().rule(Rule::new(Scheme::Zeros)).hint(hint);
        let (error, model) = refuse(zeros_with(LayerHint::new("conv2d".into()).with_groups(Some(1))), model);
        let InitError::Policy(PolicyError::AtParameter { path, source, .. }) = &error else { panic!("{error}") };
        assert_eq!(path, "conv2d.weight");
        assert_eq!(**source, InitError::Policy(PolicyError::HintContradictsLayer { name: "groups", hint: "1".into(), layer: "4".into() }));
        assert!(error.to_string().contains("`groups` = 1 contradicts the layer's own groups = 4"), "{error}");
        let (error, model) = refuse(zeros_with(LayerHint::new("up2d".into()).with_stride(Some(vec![1, 1]))), model);
        let InitError::Policy(PolicyError::AtParameter { path, source, .. }) = &error else { panic!("{error}") };
        assert_eq!(path, "up2d.weight");
        assert!(matches!(**source, InitError::Policy(PolicyError::HintContradictsLayer { name: "stride", .. })), "{source}");
        // Unmatched parameters under require_all, and a malformed glob.
        let (error, model) = refuse(Policy::new().rule(Rule::new(Scheme::Zeros).with_layer(Some("Linear".into()))).with_require_all(true), model);
        assert!(matches!(error, InitError::Policy(PolicyError::UnmatchedParameter { .. })), "{error}");
        let (error, model) = refuse(Policy::new().rule(Rule::new(Scheme::Zeros).with_path(Some("a[".into()))), model);
        assert!(matches!(error, InitError::Policy(PolicyError::InvalidPattern { what: "rule", index: 0, .. })), "{error}");
        assert_eq!(ids(&model), before_ids);
        assert_eq!(all_values(&model), before_values, "a refused policy changed the model");
    }
}

/// Every f64 of a policy survives JSON bit for bit (serde_json's `float_roundtrip`; without it
/// about one value in ten came back 1 ulp off, measured), so a saved policy reproduces its weights.
#[test]
fn policy_floats_round_trip_through_json_exactly() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        f64::from_bits((state >> 12) | 0x3ff0_0000_0000_0000) - 0.999
    };
    let mut policy = Policy::new();
    for _ in 0..2000 {
        policy = policy.rule(
            Rule::new(Scheme::Normal {
                mean: next(),
                std: next(),
            })
            .with_multiplier(next()),
        );
    }
    let restored: Policy = serde_json::from_str(&serde_json::to_string(&policy).unwrap()).unwrap();
    assert_eq!(restored, policy);
}
