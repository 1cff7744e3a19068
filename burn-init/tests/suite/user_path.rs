//! The path a Burn user takes: build a model with Burn's configs, initialise it, train it.
//! `Policy::apply` never runs Burn's initializer; lazy results are bit-identical to eager ones;
//! `init_with` reads groups and stride from the config, and a policy reads them from Burn's
//! layers inside any model.

use burn_init::error::SchemeError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::{EmbeddingConfig, LinearConfig, LinearLayout};
use burn::tensor::{Device, Shape, Tensor};
use burn_init::policy::{DrawnOn, InitWith, Policy, Role, Rule};
use burn_init::sampling::SamplerVersion;
use burn_init::{Distribution, FanMode, InitError, Key, Nonlinearity, Scheme, VarianceScaling};

use crate::common::{SIGMAS, moments, values};

/// A parameter whose own initializer counts its calls (and returns ones).
fn counted<const D: usize>(
    shape: [usize; D],
    calls: &Arc<AtomicUsize>,
    device: &Device,
) -> Param<Tensor<D>> {
    let calls = calls.clone();
    Param::uninitialized(
        ParamId::new(),
        move |device, require_grad| {
            calls.fetch_add(1, Ordering::SeqCst);
            Tensor::ones(shape, device).set_require_grad(require_grad)
        },
        device.clone(),
        true,
        Shape::from(shape),
    )
}

/// Burn's layers (both linear layouts, a grouped conv, an embedding) and a user layer whose
/// initializer counts.
#[derive(Module, Debug)]
struct Net {
    embed: burn::nn::Embedding,
    row: burn::nn::Linear,
    col: burn::nn::Linear,
    conv: burn::nn::conv::Conv2d,
    up: burn::nn::conv::ConvTranspose2d,
    user: Param<Tensor<4>>,
}

fn net(device: &Device, calls: &Arc<AtomicUsize>) -> Net {
    Net {
        embed: EmbeddingConfig::new(50, 12).init(device),
        row: LinearConfig::new(12, 20).init(device),
        col: LinearConfig::new(20, 7)
            .with_layout(LinearLayout::Col)
            .init(device),
        conv: Conv2dConfig::new([8, 16], [3, 3])
            .with_groups(4)
            .init(device),
        up: ConvTranspose2dConfig::new([16, 4], [4, 4])
            .with_stride([2, 2])
            .with_groups(2)
            .init(device),
        user: counted([6, 3, 3, 3], calls, device),
    }
}

fn he() -> Scheme {
    Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)
}

fn policy() -> Policy {
    Policy::new()
        .rule(Rule::new(Scheme::orthogonal(1.0)).with_path(Some("col.weight".into())))
        .rule(Rule::new(he()).with_role(Some(Role::Weight)))
        .rule(
            Rule::new(Scheme::Normal {
                mean: 0.0,
                std: 0.5,
            })
            .with_path(Some("user".into())),
        )
        .rule(
            Rule::new(Scheme::Uniform {
                low: -0.1,
                high: 0.1,
            })
            .with_role(Some(Role::Bias)),
        )
}

/// Whether burn-init's own kernel runs on `device` (wgpu with the `device-stream` feature).
fn device_stream_runs_on(device: &Device) -> bool {
    #[cfg(feature = "device-stream")]
    {
        burn_init::sampling::device_stream::words(&Key::new(0), 0, 0, 1, device).is_ok()
    }
    #[cfg(not(feature = "device-stream"))]
    {
        let _ = device;
        false
    }
}

/// Whether each float parameter holds a value yet.
#[derive(Default)]
struct Initialised(Vec<bool>);
impl ModuleVisitor for Initialised {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.is_initialized());
    }
}
fn initialised<M: Module>(model: &M) -> Vec<bool> {
    let mut v = Initialised::default();
    model.visit(&mut v);
    v.0
}

#[derive(Default)]
struct Bits(Vec<Vec<u32>>);
impl ModuleVisitor for Bits {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0
            .push(values(param.val()).iter().map(|x| x.to_bits()).collect());
    }
}
fn bits<M: Module>(model: &M) -> Vec<Vec<u32>> {
    let mut v = Bits::default();
    model.visit(&mut v);
    v.0
}

per_device! {
    fn apply_never_runs_burns_initializer(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let model = net(device, &calls);
        // Clones share Burn's lazy state: had `apply` run an initializer, the clone would hold
        // a value afterwards.
        let untouched = model.clone();
        let (model, manifest) = policy().apply(model, Key::new(3)).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "the user layer's initializer ran");
        assert!(initialised(&untouched).iter().all(|done| !done), "a Burn initializer ran: {:?}", initialised(&untouched));
        assert!(initialised(&model).iter().all(|&done| done), "apply is eager");
        // The values are burn-init's draws of the path keys, not Burn's.
        let host = |path: &str| {
            let e = manifest.get(path).unwrap();
            e.scheme.clone().unwrap().sample_host(&e.shape, e.fan, Key::new(3).for_path(path)).unwrap()
        };
        assert_eq!(values(model.user.val()), host("user"));
        assert_eq!(values(model.embed.weight.val()), host("embed.weight"));
        assert_eq!(values(model.col.weight.val()), host("col.weight"));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    fn a_materialised_model_is_reinitialised_in_place(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        // A "trained" model: every value materialised (Burn's draws and the counting init ran).
        let model = net(device, &calls);
        let _ = bits(&model);
        assert!(initialised(&model).iter().all(|&done| done));
        let ids = (model.row.weight.id, model.col.weight.id, model.user.id);
        let (eager, manifest) = policy().apply(model, Key::new(7)).unwrap();
        assert_eq!((eager.row.weight.id, eager.col.weight.id, eager.user.id), ids);
        let (fresh, _) = policy().apply(net(device, &calls), Key::new(7)).unwrap();
        assert_eq!(bits(&eager), bits(&fresh), "re-initialising a trained model draws the same values");
        assert_eq!(manifest.get("col.weight").unwrap().shape, vec![20, 7]);
        // Lazily, too: the old values are dropped, the new ones drawn on first use.
        let model = net(device, &calls);
        let _ = bits(&model);
        let (lazy, _) = policy().apply_lazy(model, Key::new(7)).unwrap();
        assert!(!lazy.row.weight.is_initialized());
        assert_eq!(bits(&lazy), bits(&fresh));
    }

    fn blocks_and_multipliers_match_the_host_sampler(device) {
        // 300 × 300 spans three of the sampler's blocks; the multiplier scales each in place.
        let layer = LinearConfig::new(300, 300).init(device);
        let rule = Rule::new(he()).with_role(Some(Role::Weight)).with_multiplier(0.5);
        let policy = Policy::new().rule(rule).rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
        let host: Vec<f32> = he()
            .sample_host(&[300, 300], Some(burn_init::Fan::linear(300, 300)), Key::new(8).for_path("weight"))
            .unwrap()
            .iter()
            .map(|x| x * 0.5)
            .collect();
        let (eager, manifest) = policy.apply(layer.clone(), Key::new(8)).unwrap();
        let (lazy, _) = policy.apply_lazy(layer, Key::new(8)).unwrap();
        assert_eq!(values(eager.weight.val()), host);
        assert_eq!(values(lazy.weight.val()), host);
        let m = moments(&host);
        let entry = manifest.get("weight").unwrap();
        assert!((entry.drawn_std.unwrap() - m.var.sqrt()).abs() <= 1e-6 * m.var.sqrt());
        assert!((entry.drawn_mean.unwrap() - m.mean).abs() <= 1e-9);
    }

    fn kernel_draws_with_multipliers_are_the_hosts_bits_on_first_use(device) {
        // With the device-stream feature a lazy uniform draw, and a normal and a truncated normal
        // one of sampler version 2, run burn-init's kernel on wgpu and scale on the device; a multiplier that could make
        // a value subnormal (1e-30 on values near 0.1) stays on the host. Every case must give
        // the host's bits.
        let relu = Nonlinearity::Relu;
        let cases = [
            (Scheme::kaiming_uniform(FanMode::FanIn, relu.clone()), SamplerVersion::V1),
            (Scheme::kaiming_normal(FanMode::FanIn, relu), SamplerVersion::V2),
            (Scheme::VarianceScaling(VarianceScaling::new(2.0, FanMode::FanIn, Distribution::TruncatedNormal)), SamplerVersion::V2),
        ];
        for ((scheme, version), multiplier) in cases.iter().flat_map(|c| [1.0, 0.5, 3.0, 1e-30].map(|m| (c, m))) {
            let layer = LinearConfig::new(300, 300).init(device);
            let rule = Rule::new(scheme.clone()).with_role(Some(Role::Weight)).with_multiplier(multiplier);
            let policy = Policy::new()
                .rule(rule)
                .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)))
                .with_sampler(Some(*version));
            let host: Vec<f32> = scheme
                .prepare(&[300, 300], Some(burn_init::Fan::linear(300, 300)))
                .unwrap()
                .with_sampler(*version)
                .sample_host(Key::new(9).for_path("weight"))
                .unwrap()
                .iter()
                .map(|x| x * multiplier as f32)
                .collect();
            let (lazy, manifest) = policy.apply_lazy(layer, Key::new(9)).unwrap();
            // The manifest says where: the kernel on wgpu with the feature, unless the multiplier
            // could make a value subnormal; the host elsewhere and for the zero bias.
            let kernel = cfg!(feature = "device-stream") && device_stream_runs_on(device) && multiplier >= 1e-20;
            let expected = if kernel { DrawnOn::Device } else { DrawnOn::Host };
            let label = format!("{scheme:?} {version:?} multiplier {multiplier}");
            assert_eq!(manifest.get("weight").unwrap().drawn_on, Some(expected), "{label}");
            assert_eq!(manifest.get("weight").unwrap().sampler, *version, "{label}");
            assert_eq!(manifest.get("bias").unwrap().drawn_on, Some(DrawnOn::Host));
            let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(values(lazy.weight.val())), bits(host), "{label}");
        }
        // A non-square `Col` layer (stored [d_in, d_out], drawn [d_out, d_in] then transposed by its
        // mappers): the lazy draw, on the device where the kernel applies, equals the eager one.
        let col = || LinearConfig::new(40, 70).with_layout(LinearLayout::Col).init(device);
        let policy = Policy::new().rule(Rule::new(cases[0].0.clone()).with_role(Some(Role::Weight))).rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
        let (eager, _) = policy.apply(col(), Key::new(10)).unwrap();
        let (lazy, manifest) = policy.apply_lazy(col(), Key::new(10)).unwrap();
        let expected = if cfg!(feature = "device-stream") && device_stream_runs_on(device) { DrawnOn::Device } else { DrawnOn::Host };
        assert_eq!(manifest.get("weight").unwrap().drawn_on, Some(expected));
        assert_eq!(lazy.weight.val().dims(), eager.weight.val().dims());
        assert_eq!(values(lazy.weight.val()), values(eager.weight.val()));
    }

    fn a_lazily_reinitialised_col_model_still_loads_a_checkpoint(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let (trained, _) = Policy::new().rule(Rule::new(Scheme::Ones)).apply_lazy(net(device, &calls), Key::new(0)).unwrap();
        let materialised = net(device, &calls);
        let _ = bits(&materialised);
        let (lazy, _) = policy().apply_lazy(materialised, Key::new(1)).unwrap();
        assert_eq!(lazy.col.weight.lazy_shape().dims::<2>(), [7, 20], "the checkpoint's shape");
        let loaded = lazy.load_record(trained.clone().into_record());
        assert_eq!(bits(&loaded), bits(&trained));
    }

    fn linear_col_layout_keeps_its_shape_and_mappers(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let (model, manifest) = policy().apply(net(device, &calls), Key::new(4)).unwrap();
        // In memory Burn holds Col as [d_in, d_out]; the fans are read from that.
        assert_eq!(model.col.weight.dims(), [20, 7]);
        let entry = manifest.get("col.weight").unwrap();
        assert_eq!(entry.shape, vec![20, 7]);
        assert_eq!((entry.fan.unwrap().fan_in, entry.fan.unwrap().fan_out), (20.0, 7.0));
        // Semi-orthogonal [20, 7]: orthonormal columns, WᵀW = I.
        let w = values(model.col.weight.val());
        for (i, j) in [(0, 0), (3, 3), (0, 5), (2, 6)] {
            let dot: f64 = (0..20).map(|r| f64::from(w[r * 7 + i]) * f64::from(w[r * 7 + j])).sum();
            assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-5, "({i}, {j}): {dot}");
        }
        // The save mapper survived: a checkpoint stores Col as [d_out, d_in], transposed.
        let saved = model.col.weight.transform_for_save().val();
        assert_eq!(saved.dims(), [7, 20]);
        assert_eq!(values(saved), values(model.col.weight.val().transpose()));
        // The forward pass works with the new weight.
        let y = model.col.forward(Tensor::<2>::ones([3, 20], device));
        assert_eq!(y.dims(), [3, 7]);
    }

    fn lazy_results_are_bit_identical_to_eager_and_draw_on_first_use(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let (eager, eager_manifest) = policy().apply(net(device, &calls), Key::new(5)).unwrap();
        let (lazy, lazy_manifest) = policy().apply_lazy(net(device, &calls), Key::new(5)).unwrap();
        assert!(initialised(&lazy).iter().all(|done| !done), "apply_lazy drew: {:?}", initialised(&lazy));
        // Counting parameters and reading shapes never draws.
        assert_eq!(lazy.num_params(), eager.num_params());
        // Like Burn's own, a lazy Col weight declares the checkpoint's shape [d_out, d_in].
        assert_eq!(lazy.col.weight.lazy_shape().dims::<2>(), [7, 20]);
        assert!(initialised(&lazy).iter().all(|done| !done));
        // The manifest is complete before any draw, less the drawn moments.
        for (e, l) in eager_manifest.entries.iter().zip(&lazy_manifest.entries) {
            assert_eq!((&e.path, &e.shape, e.fan, &e.scheme, e.target_std), (&l.path, &l.shape, l.fan, &l.scheme, l.target_std));
            assert!(l.drawn_std.is_none());
        }
        // A clone taken before first use holds the same bits, whichever of the two is used
        // first (Burn's tracker reports clones of lazy models drawing different weights; in
        // Burn 0.22.1 a cloned lazy Linear shares its pending cell — measured: the same bits —
        // so the check pins the property rather than a bug seen here).
        let (twin, first) = (lazy.clone(), lazy.clone());
        assert!(initialised(&twin).iter().all(|done| !done), "cloning drew");
        assert_eq!(bits(&twin), bits(&eager), "a clone drawn first differs");
        assert_eq!(bits(&lazy), bits(&eager), "lazy and eager draws differ");
        assert_eq!(bits(&first), bits(&eager), "a clone drawn after the original differs");
        assert!(initialised(&lazy).iter().all(|&done| done));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // A lazy model moved before its first use draws on the new device, the same bits.
        let other = burn_init::devices::names().into_iter().filter_map(burn_init::devices::by_name).find(|d| d != device);
        if let Some(other) = other {
            let (moved, _) = policy().apply_lazy(net(device, &calls), Key::new(5)).unwrap();
            let moved = moved.to_device(&other);
            assert!(!moved.conv.weight.is_initialized());
            assert_eq!(&moved.conv.weight.val().device(), &other);
            assert_eq!(bits(&moved), bits(&eager));
        }
    }

    fn a_checkpoint_loaded_into_a_lazy_model_replaces_the_pending_draw(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let (trained, _) = Policy::new().rule(Rule::new(Scheme::Ones)).apply(net(device, &calls), Key::new(0)).unwrap();
        let (lazy, _) = policy().apply_lazy(net(device, &calls), Key::new(6)).unwrap();
        let loaded = lazy.load_record(trained.clone().into_record());
        assert_eq!(bits(&loaded), bits(&trained), "the checkpoint's values must win");
        assert_eq!(loaded.col.weight.dims(), [20, 7], "the Col load mapper transposed the checkpoint");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // (Burn 0.22.1 itself cannot load a Col checkpoint into a *materialised* Col layer: it
        // checks the record [d_out, d_in] against the value's [d_in, d_out]. Lazy results keep
        // Burn's declared shape, so they load.)
    }

    fn require_grad_is_kept(device) {
        let autodiff = device.clone().autodiff();
        let calls = Arc::new(AtomicUsize::new(0));
        for lazy in [false, true] {
            let apply = |model: Net| {
                let applied = if lazy { policy().apply_lazy(model, Key::new(1)) } else { policy().apply(model, Key::new(1)) };
                applied.map_err(|refused| refused.error)
            };
            let (frozen, _) = apply(net(&autodiff, &calls).no_grad()).unwrap();
            let (trainable, _) = apply(net(&autodiff, &calls)).unwrap();
            assert!(!frozen.row.weight.val().is_require_grad(), "lazy: {lazy}");
            assert!(trainable.row.weight.val().is_require_grad(), "lazy: {lazy}");
            assert!(trainable.user.val().is_require_grad(), "lazy: {lazy}");
            assert!(trainable.row.weight.val().device().is_autodiff());
        }
        // On a plain device the configured flag is kept for `train()` (eager results).
        let (frozen, _) = policy().apply(net(device, &calls).no_grad(), Key::new(1)).unwrap();
        let (trainable, _) = policy().apply(net(device, &calls), Key::new(1)).unwrap();
        assert!(!frozen.train().row.weight.val().is_require_grad());
        assert!(trainable.train().row.weight.val().is_require_grad());
    }

    fn a_policy_reads_groups_and_stride_from_burns_layers(device) {
        let calls = Arc::new(AtomicUsize::new(0));
        let stride_aware = Policy::new()
            .rule(Rule::new(he()))
            .hint(burn_init::policy::LayerHint::new("up".into()).with_transposed_fan(burn_init::TransposedFan::StrideAware));
        let (_, manifest) = stride_aware.apply_lazy(net(device, &calls), Key::new(2)).unwrap();
        let fan = |path: &str| {
            let f = manifest.get(path).unwrap().fan.unwrap();
            (f.fan_in, f.fan_out)
        };
        // conv: [16, 8/4, 3, 3], groups 4 (no hint): fan_in = 2·9, fan_out = (16/4)·9.
        assert_eq!(fan("conv.weight"), (18.0, 36.0));
        assert_eq!(fan("conv.bias"), (18.0, 36.0));
        // up: [16, 4/2, 4, 4], groups 2, stride 2 read from the layer: fan_in = (16/2)·16/4.
        assert_eq!(fan("up.weight"), (32.0, 32.0));
        assert!(manifest.get("conv.weight").unwrap().assumptions.is_empty());
        // A user layer's groups are unknown: the manifest says what was assumed.
        assert_eq!(manifest.get("user").unwrap().assumptions, vec!["groups assumed 1 (no hint, not a Burn convolution)".to_string()]);
        assert_eq!(fan("user"), (27.0, 54.0));
    }

    fn init_with_reads_fans_from_the_config(device) {
        let key = Key::new(9);
        // (config, expected fans, PyTorch's fans where PyTorch is right about fan_in).
        let depthwise = Conv2dConfig::new([256, 256], [3, 3]).with_groups(256);
        let (conv, manifest) = depthwise.init_with_manifest(&he(), key, device).unwrap();
        let fan = manifest.get("weight").unwrap().fan.unwrap();
        // PyTorch: weight [256, 1, 3, 3] → fan_in 1·9 = 9 (right); fan_out 256·9 (counts every
        // output channel, though each input reaches one): here (256/256)·9.
        assert_eq!((fan.fan_in, fan.fan_out), (9.0, 9.0));
        let grouped = Conv2dConfig::new([64, 128], [3, 3]).with_groups(4);
        let (_, m) = grouped.init_with_manifest(&he(), key, device).unwrap();
        let f = m.get("weight").unwrap().fan.unwrap();
        assert_eq!((f.fan_in, f.fan_out), (144.0, 288.0)); // PyTorch: fan_in (64/4)·9 = 144 too.
        let up = ConvTranspose2dConfig::new([64, 32], [4, 4]).with_stride([2, 2]);
        let (up, m) = up.init_with_manifest(&he(), key, device).unwrap();
        let f = m.get("weight").unwrap().fan.unwrap();
        // c_in·k²/s² = 64·16/4 (claims §3); PyTorch would say 32·16 = 512 (swapped roles).
        assert_eq!((f.fan_in, f.fan_out), (256.0, 512.0));
        // The drawn weights follow those fans: std √(2/fan_in) within 5 SE of the sample.
        for (label, w, fan_in) in [("depthwise", values(conv.weight.val()), 9.0), ("transposed", values(up.weight.val()), 256.0)] {
            let m = moments(&w);
            let target = 2.0 / fan_in;
            assert!((m.var - target).abs() <= SIGMAS * m.se_var, "{label}: variance {} vs {target} ± {}", m.var, m.se_var);
        }
        // Biases are zero; the layer draws on first use, from the config's own shape.
        assert!(values(conv.bias.unwrap().val()).iter().all(|&b| b == 0.0));
        let fc = LinearConfig::new(300, 100).init_with(&he(), key, device).unwrap();
        assert!(!fc.weight.is_initialized());
        let m = moments(&values(fc.weight.val()));
        assert!((m.var - 2.0 / 300.0).abs() <= SIGMAS * m.se_var, "linear: {}", m.var);
        // The config's own facts are what the layer gets (also without reading the layer).
        assert_eq!(depthwise.hint().unwrap().groups, Some(256));
        assert_eq!(ConvTranspose2dConfig::new([8, 4], [4, 4]).with_stride([2, 3]).hint().unwrap().stride, Some(vec![2, 3]));
        // Configs Burn's `init` would panic on are typed errors.
        let bad = Conv2dConfig::new([6, 8], [3, 3]).with_groups(4);
        let error = bad.init_with(&he(), key, device).unwrap_err();
        assert!(matches!(error, InitError::Scheme(SchemeError::InvalidGroups { channels: 6, groups: 4, .. })), "{error}");
        use burn::nn::conv::{Conv3dConfig, DeformConv2dConfig};
        use burn::nn::{BatchNormConfig, GroupNormConfig, PaddingConfig2d, PaddingConfig3d, RmsNormConfig};
        let errors = [
            BatchNormConfig::new(8).with_momentum(2.0).init_with(&Scheme::Ones, key, device).map(|_| ()),
            BatchNormConfig::new(0).init_with(&Scheme::Ones, key, device).map(|_| ()),
            GroupNormConfig::new(0, 8).init_with(&Scheme::Ones, key, device).map(|_| ()),
            GroupNormConfig::new(3, 8).init_with(&Scheme::Ones, key, device).map(|_| ()),
            RmsNormConfig::new(8).with_epsilon(0.0).init_with(&Scheme::Ones, key, device).map(|_| ()),
            DeformConv2dConfig::new([6, 6], [3, 3]).with_offset_groups(4).init_with(&he(), key, device).map(|_| ()),
            DeformConv2dConfig::new([6, 6], [2, 2]).with_padding(PaddingConfig2d::Same).init_with(&he(), key, device).map(|_| ()),
            Conv3dConfig::new([4, 4], [2, 3, 3]).with_padding(PaddingConfig3d::Same).init_with(&he(), key, device).map(|_| ()),
        ];
        for (i, result) in errors.into_iter().enumerate() {
            assert!(result.is_err(), "config {i} was accepted");
        }
        // A structured scheme whose draw could not fit in f32 is refused before any lazy draw.
        let sparse = Scheme::Sparse { sparsity: 0.1, std: 1e38 };
        assert!(LinearConfig::new(8, 8).init_with(&sparse, key, device).is_err());
    }
}

/// A materialised parameter keeps its dtype (f64 on the CPU backends here).
#[test]
fn a_materialised_parameter_keeps_its_dtype() {
    use burn::tensor::DType;
    let device = burn_init::devices::default_cpu().unwrap().1;
    let mut layer = LinearConfig::new(16, 8).init(&device);
    layer.weight = layer.weight.map(|w| w.cast(DType::F64));
    let (layer, _) = Policy::new()
        .rule(Rule::new(he()).with_role(Some(Role::Weight)))
        .apply(layer, Key::new(0))
        .unwrap();
    assert_eq!(layer.weight.val().dtype(), DType::F64);
    let host = he()
        .sample_host(
            &[16, 8],
            Some(burn_init::Fan::linear(16, 8)),
            Key::new(0).for_path("weight"),
        )
        .unwrap();
    let drawn = layer.weight.val().into_data().try_to_vec::<f64>().unwrap();
    assert_eq!(
        drawn,
        host.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()
    );
}
