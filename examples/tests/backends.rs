//! The backends study's foundations, on every enabled device: one key gives the same weights on
//! every backend (by fingerprint), the backends' forward passes agree layer by layer within the
//! tolerance f32 rounding allows, and a disagreement planted at one layer is named there.

use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::Probe;
use burn_init::{Key, Nonlinearity, fingerprint};
use burn_init_examples::backends::agreement::{
    self, Against, LayerAgreement, compare, first_disagreement, layers, rms,
};
use burn_init_models::{
    DeepMlpConfig, InceptionSumConfig, ResidualBlockConfig, ResidualStackConfig, SimpleRnnConfig,
    TransformerBlockConfig,
};

const WIDTH: usize = 128;

fn input(device: &Device) -> Tensor<2> {
    burn_init_examples::diagnose::gaussian([32, WIDTH], Key::new(2), device).unwrap()
}

#[test]
fn one_key_gives_the_same_weights_on_every_device() {
    // Fails if any backend held other bits: a parameter drawn, converted or uploaded differently.
    let prints = |device: &Device| {
        let key = Key::new(11);
        [
            fingerprint::of_module(&DeepMlpConfig::new(16, 32, 4, 10).init(key, device).unwrap()),
            fingerprint::of_module(
                &ResidualStackConfig::new(ResidualBlockConfig::new(32), 3)
                    .init(key, device)
                    .unwrap(),
            ),
            fingerprint::of_module(&InceptionSumConfig::new(4).init(key, device).unwrap()),
            fingerprint::of_module(&SimpleRnnConfig::new(8, 16).init(key, device).unwrap()),
            fingerprint::of_module(
                &TransformerBlockConfig::new(16, 2, 32)
                    .init_stack(2, key, device)
                    .unwrap(),
            ),
        ]
        .map(Result::unwrap)
    };
    let devices = burn_init::devices::enabled();
    let (first, on_first) = (&devices[0].0, prints(&devices[0].1));
    assert!(on_first.iter().all(|p| p.parameters > 0));
    for (name, device) in &devices[1..] {
        assert_eq!(prints(device), on_first, "{name} against {first}");
    }
}

/// Every layer of an 8-layer ReLU MLP of width 128 (He), on `device`, with `plant` = (layer,
/// size) adding `size` to one element (index 7) of that layer's activation.
fn run(device: &Device, plant: Option<(&str, f64)>) -> Vec<(String, Vec<f64>)> {
    let mlp = DeepMlpConfig::new(WIDTH, WIDTH, 8, 10)
        .with_activation(Nonlinearity::Relu)
        .init(Key::new(4), device)
        .unwrap();
    let x = input(device);
    let mut probe = Probe::new().keeping_tensors();
    if let Some((layer, size)) = plant {
        // One element moved by `size` (in the layer's units: its activations have rms ≈ 1 under
        // He, checked below against the measured rms).
        let mut delta = vec![0.0f32; 32 * WIDTH];
        delta[7] = size as f32;
        let delta =
            Tensor::<2>::from_data(burn::tensor::TensorData::new(delta, [32, WIDTH]), device);
        probe = probe.perturbing(layer, delta);
    }
    let (_, trace) = probe.capture(|| mlp.forward(x)).unwrap();
    layers(&trace).unwrap()
}

#[test]
fn backends_agree_within_rounding_and_a_planted_disagreement_is_named_at_its_layer() {
    let devices = burn_init::devices::enabled();
    let reference = run(&devices[0].1, None);
    let show = |layers: &[LayerAgreement]| {
        layers
            .iter()
            .map(|l| format!("{} {:.2e}/{:.2e}", l.layer, l.difference, l.tolerance))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The same run on the same device is bit-identical; on other backends, within rounding.
    for (name, device) in &devices {
        let layers = compare(&run(device, None), &reference, WIDTH, Against::F32).unwrap();
        println!("{name}: {}", show(&layers));
        assert_eq!(
            first_disagreement(&layers),
            None,
            "{name}: {}",
            show(&layers)
        );
    }
    // Planted at layers.3 (depth 4 after the input record): 10 tolerances there are named as the
    // first disagreement, on every backend; a tenth of one is not seen.
    let depth = reference
        .iter()
        .position(|(name, _)| name == "layers.3")
        .unwrap()
        + 1;
    let scale = rms(&reference[depth - 1].1);
    let tol = agreement::tolerance(depth, WIDTH, Against::F32) * scale;
    for (name, device) in &devices {
        let planted = compare(
            &run(device, Some(("layers.3", 10.0 * tol))),
            &reference,
            WIDTH,
            Against::F32,
        )
        .unwrap();
        let first =
            first_disagreement(&planted).unwrap_or_else(|| panic!("{name}: {}", show(&planted)));
        assert_eq!(
            (first.layer.as_str(), first.at),
            ("layers.3", 7),
            "{name}: {}",
            show(&planted)
        );
        let faint = compare(
            &run(device, Some(("layers.3", 0.1 * tol))),
            &reference,
            WIDTH,
            Against::F32,
        )
        .unwrap();
        assert_eq!(first_disagreement(&faint), None, "{name}: {}", show(&faint));
    }
}

#[test]
fn peak_memory_is_read_where_the_backend_reports_it_and_holds_weights_and_gradients() {
    // The catalogue's MLP, forward and backward once. While its gradients are alive the
    // allocator holds at least the weights and one gradient per weight, 2 × 4 bytes each: a
    // sample taken at the wrong time (before the backward pass), or a wrong field, is below
    // it. flex and ndarray report no pool (`None`); wgpu does.
    let mlp = burn_init_examples::backends::catalogue::models()
        .into_iter()
        .find(|m| m.name == "mlp")
        .unwrap();
    for (name, device) in burn_init::devices::enabled() {
        let timing = mlp.time(Key::new(24), &device, 1, true).unwrap();
        let weights: usize = mlp
            .capture(Key::new(24), &device)
            .unwrap()
            .gradients
            .iter()
            .map(|(_, g)| g.len())
            .sum();
        match (name, timing.peak_bytes) {
            ("wgpu", Some(peak)) => {
                assert!(
                    peak as usize >= 2 * 4 * weights,
                    "{peak} bytes, {weights} weights"
                )
            }
            ("wgpu", None) => panic!("wgpu reported no memory"),
            (_, peak) => assert_eq!(peak, None, "{name}"),
        }
    }
}

#[test]
fn a_users_policy_draws_every_model_it_fits_the_same_everywhere_and_names_the_others() {
    // `backends_study --policy FILE`: Xavier on every Linear weight, zero biases, every parameter
    // required to match. The MLPs, the autoencoder, the residual stack and graph attention are all Linear: drawn
    // by this policy (not their own: another fingerprint) and the same on every device. Every
    // other model is refused with the reason.
    use burn_init::Scheme;
    use burn_init::policy::{Policy, Role, Rule};
    use burn_init_examples::backends::{catalogue, study};
    let linear = || Some("Linear".to_string());
    let user = Policy::new()
        .rule(
            Rule::new(Scheme::xavier_uniform(1.0))
                .with_layer(linear())
                .with_role(Some(Role::Weight)),
        )
        .rule(
            Rule::new(Scheme::Zeros)
                .with_layer(linear())
                .with_role(Some(Role::Bias)),
        )
        .with_require_all(true);
    let draw = study::draw(Some(&user));
    let devices = burn_init::devices::enabled();
    for model in catalogue::models() {
        let fits = [
            "mlp",
            "autoencoder",
            "residual",
            "graph_attention",
            "tanh_ordered",
        ]
        .contains(&model.name);
        let runs: Vec<_> = devices
            .iter()
            .map(|(_, device)| model.capture(draw.clone(), device))
            .collect();
        if !fits {
            for run in runs {
                let error = run.err().unwrap_or_default();
                assert!(
                    error.contains("matches no parameter") || error.contains("matches no rule"),
                    "{}: {error}",
                    model.name
                );
            }
            continue;
        }
        let prints: Vec<u64> = runs.into_iter().map(|r| r.unwrap().fingerprint).collect();
        assert!(
            prints.iter().all(|p| *p == prints[0]),
            "{}: {prints:?}",
            model.name
        );
        let own = model.capture(Key::new(study::KEY), &devices[0].1).unwrap();
        assert_ne!(
            own.fingerprint, prints[0],
            "{}: its own policy's weights",
            model.name
        );
    }
}
