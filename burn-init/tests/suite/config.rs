//! Every scheme, gain and fan mode is a Burn `Config`: readable JSON that round-trips.

use burn::config::Config;
use burn_init::gain::Nonlinearity;
use burn_init::{
    ConvFan, Distribution, Fan, FanMode, Gain, Scheme, TransposedFan, VarianceScaling,
};

pub(crate) fn every_scheme() -> Vec<Scheme> {
    vec![
        Scheme::Constant { value: 0.5 },
        Scheme::Zeros,
        Scheme::Ones,
        Scheme::Uniform {
            low: -1.0,
            high: 2.0,
        },
        Scheme::Normal {
            mean: 0.0,
            std: 0.02,
        },
        Scheme::trunc_normal(0.0, 1.0, -2.0, 2.0),
        Scheme::VarianceScaling(VarianceScaling::new(
            2.0,
            FanMode::FanGeoAvg,
            Distribution::TruncatedNormal,
        )),
        Scheme::xavier_uniform(Nonlinearity::Tanh),
        Scheme::xavier_normal(1.0),
        Scheme::kaiming_uniform(FanMode::FanIn, Gain::SecondMoment(Nonlinearity::Gelu)),
        Scheme::kaiming_normal(
            FanMode::FanOut,
            Nonlinearity::LeakyRelu {
                negative_slope: 0.2,
            },
        ),
        Scheme::kaiming_normal(FanMode::FanIn, Gain::PassFraction(0.25)),
        Scheme::LecunUniform,
        Scheme::LecunNormal,
        Scheme::PytorchDefault,
        Scheme::PytorchFanOut,
        Scheme::orthogonal(Nonlinearity::Relu),
        Scheme::DeltaOrthogonal {
            gain: 1.0.into(),
            groups: 1,
        },
        Scheme::Eye {
            gain: Gain::Value(1.0),
        },
        Scheme::Dirac { groups: 2 },
        Scheme::Sparse {
            sparsity: 0.9,
            std: 0.01,
        },
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Softplus { beta: 2.0 }),
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Elu { alpha: 1.0 }),
    ]
}

#[test]
fn every_scheme_round_trips_through_json() {
    for scheme in every_scheme() {
        let json = serde_json::to_string(&scheme).unwrap();
        let back: Scheme = serde_json::from_str(&json).unwrap();
        assert_eq!(back, scheme, "{json}");
        // Burn's Config helpers agree.
        let burn_json = burn::config::config_to_json(&scheme);
        assert_eq!(Scheme::load_binary(burn_json.as_bytes()).unwrap(), scheme);
    }
}

#[test]
fn json_is_readable() {
    let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    assert_eq!(
        serde_json::to_string(&he).unwrap(),
        r#"{"KaimingNormal":{"mode":"FanIn","gain":{"Recommended":"Relu"}}}"#
    );
    let core = Scheme::VarianceScaling(VarianceScaling::new(
        1.0,
        FanMode::FanAvg,
        Distribution::Uniform,
    ));
    assert_eq!(
        serde_json::to_string(&core).unwrap(),
        r#"{"VarianceScaling":{"scale":1.0,"mode":"FanAvg","distribution":"Uniform"}}"#
    );
    let parsed: Scheme =
        serde_json::from_str(r#"{"XavierUniform":{"gain":{"Value":1.0}}}"#).unwrap();
    assert_eq!(parsed, Scheme::xavier_uniform(1.0));
}

#[test]
fn fans_modes_and_gains_round_trip() {
    let fan = Fan {
        fan_in: 2.25,
        fan_out: 9.0,
    };
    assert_eq!(
        serde_json::from_str::<Fan>(&serde_json::to_string(&fan).unwrap()).unwrap(),
        fan
    );
    for mode in [
        FanMode::FanIn,
        FanMode::FanOut,
        FanMode::FanAvg,
        FanMode::FanGeoAvg,
    ] {
        assert_eq!(
            serde_json::from_str::<FanMode>(&serde_json::to_string(&mode).unwrap()).unwrap(),
            mode
        );
    }
    for mode in [ConvFan::Pytorch, ConvFan::GroupCorrect] {
        assert_eq!(
            serde_json::from_str::<ConvFan>(&serde_json::to_string(&mode).unwrap()).unwrap(),
            mode
        );
    }
    for mode in [
        TransposedFan::Pytorch,
        TransposedFan::Kernel,
        TransposedFan::StrideAware,
    ] {
        assert_eq!(
            serde_json::from_str::<TransposedFan>(&serde_json::to_string(&mode).unwrap()).unwrap(),
            mode
        );
    }
    let gain = Gain::SecondMoment(Nonlinearity::Mish);
    assert_eq!(
        serde_json::from_str::<Gain>(&serde_json::to_string(&gain).unwrap()).unwrap(),
        gain
    );
}

#[test]
fn config_files_round_trip() {
    let path = std::env::temp_dir().join(format!("burn-init-scheme-{}.json", std::process::id()));
    let scheme = Scheme::kaiming_uniform(FanMode::FanOut, Nonlinearity::Selu);
    scheme.save(&path).unwrap();
    assert_eq!(Scheme::load(&path).unwrap(), scheme);
    std::fs::remove_file(path).ok();
}

#[test]
fn the_sampler_version_travels_with_policies_and_manifests() {
    use burn::nn::LinearConfig;
    use burn_init::Key;
    use burn_init::policy::{Manifest, Policy, Rule};
    use burn_init::sampling::SamplerVersion;
    // A policy file written before versions existed reads as version 1, today's bits.
    let old: Policy =
        serde_json::from_str(r#"{"rules": [], "hints": [], "require_all": false}"#).unwrap();
    assert_eq!(old.sampler_version(), SamplerVersion::V1);
    let mut policy = Policy::new()
        .rule(Rule::new(Scheme::Normal {
            mean: 0.0,
            std: 0.1,
        }))
        .with_sampler(Some(SamplerVersion::V2));
    let json = serde_json::to_string(&policy).unwrap();
    assert!(json.contains(r#""sampler":"V2""#), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), policy);
    // The manifest says which version drew each parameter, and a version-1 entry reads the same
    // as one written before the field existed (it is not written).
    let device = burn::tensor::Device::default();
    let (model, manifest) = policy
        .apply(LinearConfig::new(4, 3).init(&device), Key::new(1))
        .unwrap();
    assert!(
        manifest
            .entries
            .iter()
            .all(|e| e.sampler == SamplerVersion::V2)
    );
    let json = serde_json::to_string(&manifest).unwrap();
    assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
    policy.sampler = None;
    let (again, manifest_v1) = policy.apply(model.clone(), Key::new(1)).unwrap();
    let json_v1 = serde_json::to_string(&manifest_v1).unwrap();
    assert!(!json_v1.contains("sampler"), "{json_v1}");
    assert!(
        serde_json::from_str::<Manifest>(&json_v1)
            .unwrap()
            .entries
            .iter()
            .all(|e| e.sampler == SamplerVersion::V1)
    );
    // And the two versions draw different weights from the same key.
    let weights = |m: &burn::nn::Linear| crate::common::values(m.weight.val());
    assert_ne!(weights(&model), weights(&again));
}

/// `Policy::from_json`: a hand-written file may leave out every field with a default, and reads
/// as the same policy built in code; a complete file (a preset written by serde) reads back
/// unchanged, hints and sampler included; a misspelt field, a missing scheme, a value of the
/// wrong type and a file that is not JSON are refused, naming where.
#[test]
fn a_hand_written_policy_file_reads_with_defaults_and_refuses_typos_by_name() {
    use burn_init::policy::{LayerHint, Policy, Role, Rule};
    use burn_init::sampling::SamplerVersion;
    let short = Policy::from_json(
        r#"{"rules": [
            {"layer": "Linear", "role": "Weight",
             "scheme": {"KaimingNormal": {"gain": {"Recommended": "Relu"}, "mode": "FanIn"}}},
            {"role": "Bias", "scheme": "Zeros"}
        ], "hints": [{"path": "up", "stride": [2, 2]}]}"#,
    )
    .unwrap();
    let built = Policy::new()
        .rule(
            Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu))
                .with_layer(Some("Linear".into()))
                .with_role(Some(Role::Weight)),
        )
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)))
        .hint(LayerHint::new("up".into()).with_stride(Some(vec![2, 2])));
    assert_eq!(short, built);
    // A complete file, as serde writes it, reads back as it was.
    let preset = Policy::he(Nonlinearity::Relu)
        .hint(LayerHint::new("a.*".into()).with_activation(Some(Nonlinearity::Tanh)))
        .with_require_all(true)
        .with_sampler(Some(SamplerVersion::V2));
    let text = serde_json::to_string(&preset).unwrap();
    assert_eq!(Policy::from_json(&text).unwrap(), preset);
    // Refusals name where.
    for (text, at) in [
        (
            r#"{"rules": [{"scheme": "Zeros", "multipler": 2.0}]}"#,
            "rules[0].multipler",
        ),
        (
            r#"{"rules": [{"scheme": "Zeros"}, {"role": "Bias"}]}"#,
            "rules[1]",
        ),
        (
            r#"{"rules": [{"scheme": "Zeros", "multiplier": "two"}]}"#,
            "rules[0].multiplier",
        ),
        (
            r#"{"rules": [{"scheme": "Zeros"}, {"scheme": "Zeros", "role": "Gain"}]}"#,
            "rules[1].role",
        ),
        (
            r#"{"hints": [{"path": "x", "activation": 3}]}"#,
            "hints[0].activation",
        ),
        (r#"{"require_all": "yes"}"#, "require_all"),
        (r#"{"rule": []}"#, "the policy.rule"),
        (
            r#"{"hints": [{"path": "x", "strides": [2]}]}"#,
            "hints[0].strides",
        ),
        (r#"{"rules": {"scheme": "Zeros"}}"#, "rules"),
        ("not json", "the file"),
    ] {
        let error = Policy::from_json(text).unwrap_err().to_string();
        assert!(error.contains(&format!("at `{at}`")), "{text}: {error}");
    }
}
