//! Every config initialises through [`Blueprint`]: blank layers, one policy, a finish step. Its
//! manifest must describe the parameters `init` returns — same shapes, in Burn's visiting order;
//! a drawn std equal to the std of the values actually in the model (a finish step that changes
//! the weights and forgets the manifest fails here: the upsampler's per-tap factors); a target
//! std within 5 standard errors of it (SE from the sample's own fourth moment, so heavy tails
//! and per-tap mixtures widen it honestly) — and `init` gives the same bits as
//! `init_with_manifest`.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use burn_init::Key;
use burn_init::diagnostics::TensorStats;
use burn_init::policy::Manifest;
use burn_init_models::*;

/// Every float parameter's shape and values, in Burn's visiting order.
#[derive(Default)]
struct Values(Vec<(Vec<usize>, Vec<f32>)>);

impl ModuleVisitor for Values {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        self.0
            .push((shape, tensor.into_data().try_to_vec::<f32>().unwrap()));
    }
}

fn values<M: Module>(model: &M) -> Vec<(Vec<usize>, Vec<f32>)> {
    let mut v = Values::default();
    model.visit(&mut v);
    v.0
}

fn check_manifest(name: &str, model: &impl Module, manifest: &Manifest) {
    let values = values(model);
    assert_eq!(
        values.len(),
        manifest.entries.len(),
        "{name}: one entry per parameter"
    );
    for (entry, (shape, v)) in manifest.entries.iter().zip(&values) {
        let at = format!("{name} {}", entry.path);
        assert_eq!(
            &entry.shape, shape,
            "{at}: the entries follow Burn's visiting order"
        );
        let Some(drawn) = entry.drawn_std else {
            continue;
        };
        let stats = TensorStats::iid(v).unwrap();
        let std = stats.var.sqrt();
        assert!(
            (std - drawn).abs() <= 1e-5 * drawn.max(1e-6),
            "{at}: manifest says drawn σ = {drawn}, the model holds {std}"
        );
        let target = entry.target_std.expect("a drawn entry has a target");
        // SE(σ̂) = SE(var)/(2σ) by the delta method; a constant (σ = 0) must be met exactly.
        let band = if std > 0.0 {
            5.0 * stats.se_var / (2.0 * std)
        } else {
            1e-12
        };
        assert!(
            (std - target).abs() <= band + 1e-7,
            "{at}: target σ {target}, drawn {std} ± {band}"
        );
    }
}

fn check<C: Blueprint>(name: &str, config: &C, device: &Device)
where
    C::Model: Module,
{
    let (model, manifest) = config.init_with_manifest(Key::new(3), device).unwrap();
    check_manifest(name, &model, &manifest);
    let by_hand = config
        .policy()
        .unwrap()
        .apply(config.blank(device).unwrap(), Key::new(3))
        .unwrap();
    let finished = config.finish(by_hand.0, by_hand.1).unwrap();
    assert_eq!(
        values(&finished.0),
        values(&model),
        "{name}: blank → policy → finish by hand"
    );
}

per_device! {
    fn every_config_s_manifest_describes_its_model(device) {
        check("mlp", &DeepMlpConfig::new(32, 64, 3, 10), device);
        check("autoencoder", &DeepAutoencoderConfig::new(64, 16).with_n_layers(4), device);
        check("separable", &DepthwiseSeparableConfig::new(16, 32), device);
        check("separable wrong fan", &DepthwiseSeparableConfig::new(16, 32).with_wrong_depthwise_fan(true), device);
        check("unet", &UnetUpConfig::new(16), device);
        check("dense", &DenseBlockConfig::new(16).with_layers(3), device);
        check("graph attention", &GraphAttentionConfig::new(32, 32), device);
        check("weight norm", &WeightNormLinearConfig::new(64, 32), device);
        check("transformer", &TransformerBlockConfig::new(32, 4, 64), device);
        for scaling in [ResidualScaling::Unscaled, ResidualScaling::Scaled, ResidualScaling::ZeroGamma, ResidualScaling::ReZero, ResidualScaling::Fixup] {
            let block = ResidualBlockConfig::new(32).with_scaling(scaling);
            check(&format!("residual block {scaling:?}"), &block, device);
            check(&format!("residual stack {scaling:?}"), &ResidualStackConfig::new(block, 3), device);
        }
        for init in [BranchInit::He, BranchInit::Glorot] {
            check(&format!("inception {init:?}"), &InceptionSumConfig::new(16).with_init(init), device);
        }
        for recurrent in [RecurrentInit::Xavier, RecurrentInit::Orthogonal] {
            check(&format!("rnn {recurrent:?}"), &SimpleRnnConfig::new(16, 32).with_recurrent(recurrent), device);
        }
        for init in [UpsampleInit::Naive, UpsampleInit::StrideAware] {
            check(&format!("upsample {init:?}"), &UpsamplerConfig::new(32, 32).with_init(init), device);
        }
        let (stack, manifest) = TransformerBlockConfig::new(32, 4, 64).init_stack_with_manifest(2, Key::new(3), device).unwrap();
        check_manifest("transformer stack", &stack, &manifest);
    }

    fn the_upsampler_s_manifest_states_its_per_tap_step(device) {
        let config = UpsamplerConfig::new(32, 32).with_init(UpsampleInit::StrideAware);
        let (_, manifest) = config.init_with_manifest(Key::new(3), device).unwrap();
        let entry = manifest.get("conv.weight").unwrap();
        assert!(entry.assumptions.iter().any(|a| a.contains("per-tap multipliers")), "{:?}", entry.assumptions);
        // The target is the drawn law's σ times the taps' rms; phase equalisation moves
        // variance between taps and keeps their mean square at 1 (measured: rms = 1 to 1e-15),
        // so the whole weight's target stays σ while single taps move (the centre tap of k = 3,
        // s = 2 is scaled by 1/2, its neighbours up).
        let m = config.tap_multipliers().unwrap();
        let rms = (m.iter().map(|x| x * x).sum::<f64>() / m.len() as f64).sqrt();
        assert!((rms - 1.0).abs() < 1e-12, "rms {rms}");
        assert!(m.iter().any(|x| (x - 1.0).abs() > 0.2), "the taps move: {m:?}");
        let sigma = UpsamplerConfig::scheme().std(&config.shape(), Some(config.draw_fan().unwrap())).unwrap();
        assert!((entry.target_std.unwrap() - sigma).abs() < 1e-12, "{} vs {sigma}", entry.target_std.unwrap());
    }
}
