//! Policies: arbitrary rules and hints, presets with arbitrary arguments, and mutated JSON,
//! applied (eagerly and lazily) to a model holding every Burn layer type. Each gives a model with
//! finite values of the same shapes, or a typed error and the model unchanged.

use burn::module::Module;
use burn::tensor::Device;
use burn_init::Key;
use burn_init::policy::{LayerHint, Mup, Policy, Role, Rule};
use burn_init::sampling::SamplerVersion;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

use super::*;
use crate::policy::{Everything, all_values, everything, ids};

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_string)
}

/// Globs that match much, little, nothing, or do not parse.
fn any_glob() -> impl Strategy<Value = String> {
    pick(&[
        "*",
        "*.weight",
        "*bias",
        "linear.*",
        "lstm.*",
        "mha.*output*",
        "custom.mixing",
        "a[",
        "{x",
        "",
        "**",
        "up?d.weight",
    ])
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![
        Role::Weight,
        Role::Bias,
        Role::Gamma,
        Role::Beta,
        Role::Alpha,
        Role::Other,
    ])
}

fn any_rule() -> impl Strategy<Value = Rule> {
    let layer = pick(&[
        "Linear",
        "Conv2d",
        "ConvTranspose2d",
        "Embedding",
        "LayerNorm",
        "Custom",
        "Lstm",
        "Nope",
    ]);
    let within = pick(&["GateController", "MultiHeadAttention", "Lstm", "Nope"]);
    (
        any_scheme(),
        prop::option::of(layer),
        prop::option::of(within),
        prop::option::of(any_role()),
        prop::option::of(any_glob()),
        prop_oneof![3 => Just(1.0), 1 => any_number()],
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(scheme, layer, within, role, path, multiplier, (activation_gain, optional))| {
                Rule::new(scheme)
                    .with_layer(layer)
                    .with_within(within)
                    .with_role(role)
                    .with_path(path)
                    .with_multiplier(multiplier)
                    .with_activation_gain(activation_gain)
                    .with_optional(optional)
            },
        )
}

fn any_hint() -> impl Strategy<Value = LayerHint> {
    (
        any_glob(),
        prop::option::of(any_size()),
        prop::option::of(prop::collection::vec(any_size(), 0..4)),
        prop::option::of(any_nonlinearity()),
        (any_conv_fan(), any_transposed_fan()),
        any_fan(),
    )
        .prop_map(
            |(path, groups, stride, activation, (conv_fan, transposed_fan), fan)| {
                LayerHint::new(path)
                    .with_groups(groups)
                    .with_stride(stride)
                    .with_activation(activation)
                    .with_conv_fan(conv_fan)
                    .with_transposed_fan(transposed_fan)
                    .with_fan(fan)
            },
        )
}

/// Presets with arbitrary counts and globs.
fn any_preset() -> impl Strategy<Value = burn_init::Result<Policy>> {
    (
        any_size(),
        any_size(),
        any_glob(),
        any_glob(),
        any_glob(),
        any_nonlinearity(),
        any_number(),
    )
        .prop_flat_map(|(n, m, a, b, c, nonlinearity, gain)| {
            prop_oneof![
                Just(Ok(Policy::pytorch_default())),
                Just(Ok(Policy::xavier(nonlinearity.clone()))),
                Just(Ok(Policy::he(nonlinearity.clone()))),
                Just(Ok(Policy::orthogonal(gain))),
                Just(Ok(Policy::lecun_selu())),
                Just(Policy::gpt2(n, &[a.as_str()])),
                Just(Policy::t_fixup(n, m)),
                Just(Policy::fixup(n, m, &a, &b, &c)),
                Just(Ok(
                    Policy::zero_init_residual(&[a.as_str()]).then(Policy::rezero(&[b.as_str()]))
                )),
            ]
        })
}

fn any_policy() -> impl Strategy<Value = burn_init::Result<Policy>> {
    let custom = (
        prop::collection::vec(any_rule(), 0..6),
        prop::collection::vec(any_hint(), 0..3),
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(SamplerVersion::V1)),
            Just(Some(SamplerVersion::V2))
        ],
    )
        .prop_map(|(rules, hints, require_all, sampler)| {
            Ok(Policy {
                rules,
                hints,
                require_all,
                sampler,
            })
        });
    prop_oneof![3 => custom, 1 => any_preset()]
}

/// A JSON value that breaks a field: wrong types, extremes, garbage.
fn any_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(true)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(0.5)),
        Just(serde_json::json!("*")),
        Just(serde_json::json!("")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!({"Normal": {"mean": 0.0, "std": -1.0}})),
        Just(serde_json::json!([1, 2, 3])),
    ]
}

/// Replaces the value at a pseudo-random position (chosen by `path`) of `value` by `new`, or
/// removes that object key when `new` is `null` and `remove` is set.
fn mutate(value: &mut Value, path: &[usize], new: Value, remove: bool) {
    let Some((&step, rest)) = path.split_first() else {
        *value = new;
        return;
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            let i = step % items.len();
            mutate(&mut items[i], rest, new, remove)
        }
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(step % map.len()).unwrap().clone();
            if remove && rest.is_empty() {
                map.remove(&key);
            } else {
                mutate(map.get_mut(&key).unwrap(), rest, new, remove)
            }
        }
        _ => *value = new,
    }
}

fn any_mutation() -> impl Strategy<Value = (Vec<usize>, Value, bool)> {
    (
        prop::collection::vec(0usize..16, 0..6),
        any_json(),
        any::<bool>(),
    )
}

per_device! {
    fn policies_give_finite_models_or_refuse_and_change_nothing(device) {
        let model = everything(device);
        let before = (ids(&model), all_values(&model));
        // µP needs the models: its arguments are drawn here and its policy made in the body.
        let mup = (prop::collection::vec(any_glob(), 0..3), any_scheme(), any_scheme(), any_scheme(), any::<bool>())
            .prop_map(|(readout, scheme, bias, embedding, zero)| {
                let init = if zero { burn_init::policy::MupReadout::Zero } else { burn_init::policy::MupReadout::Scaled };
                Mup::new(readout).with_scheme(scheme).with_bias(bias).with_embedding(embedding).with_readout_init(init)
            });
        let strategy = (any_policy(), prop::option::of(mup), prop::collection::vec(any_mutation(), 0..3), any_key(), any::<bool>());
        runner()
            .run(&strategy, |(policy, mup, mutations, key, lazy)| {
                let policy = match mup {
                    Some(mup) => mup.policy(&model, &model),
                    None => policy,
                };
                let Ok(policy) = policy else { return Ok(()) };
                let mut json = serde_json::to_value(&policy).unwrap();
                for (path, new, remove) in mutations {
                    mutate(&mut json, &path, new, remove);
                }
                // serde refuses what does not fit the types; what it accepts must apply or refuse.
                let Ok(policy) = serde_json::from_value::<Policy>(json) else { return Ok(()) };
                check(&policy, model.clone(), &before, key, lazy, device)
            })
            .unwrap();
    }
}

fn check(
    policy: &Policy,
    model: Everything,
    before: &(Vec<burn::module::ParamId>, Vec<Vec<f32>>),
    key: Key,
    lazy: bool,
    _device: &Device,
) -> Result<(), TestCaseError> {
    let result = if lazy {
        policy.apply_lazy(model, key)
    } else {
        policy.apply(model, key)
    };
    match result {
        Ok((model, manifest)) => {
            prop_assert_eq!(&ids(&model), &before.0);
            let after = all_values(&model);
            prop_assert_eq!(manifest.entries.len(), after.len());
            for ((values, old), entry) in after.iter().zip(&before.1).zip(&manifest.entries) {
                prop_assert_eq!(values.len(), old.len(), "{}", entry.path);
                prop_assert!(
                    values.iter().all(|v| v.is_finite()),
                    "{}: non-finite under {:?}",
                    entry.path,
                    policy
                );
                for moment in [entry.target_std, entry.drawn_mean, entry.drawn_std]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(moment.is_finite(), "{}: manifest {}", entry.path, moment);
                }
            }
            prop_assert!(model.num_params() > 0);
        }
        Err(refused) => {
            prop_assert_eq!(&ids(&refused.model), &before.0);
            prop_assert!(
                all_values(&refused.model) == before.1,
                "refused ({}) but changed the model",
                refused.error
            );
        }
    }
    Ok(())
}
