//! The entry points that take a model: layers built with `init_with` from arbitrary configs and
//! schemes, LSUV with arbitrary settings, and the diagnosis with arbitrary tolerances — a
//! finite model or report, or a typed error, never a panic.

use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::{EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, activation::relu};
use burn_init::Lsuv;
use burn_init::diagnostics::{Diagnosis, Tolerance, probe};
use burn_init::policy::InitWith;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{any_key, any_number, any_scheme, any_size, runner};
use crate::common::values;
use crate::policy::all_values;

/// Two linear layers that record their outputs (what LSUV and the diagnosis read).
#[derive(Module, Debug)]
struct Net {
    first: Linear,
    second: Linear,
}

impl Net {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = probe::record("first", self.first.forward(x));
        probe::record("second", self.second.forward(relu(h)))
    }
}

fn finite<M: Module>(model: &M) -> bool {
    all_values(model).iter().flatten().all(|v| v.is_finite())
}

per_device! {
    fn layers_built_with_init_with_are_finite_or_typed_errors(device) {
        let strategy = (any_scheme(), (any_size(), any_size(), any_size(), any_size()), any_key());
        runner()
            .run(&strategy, |(scheme, (a, b, k, g), key)| {
                check_layers(&scheme, (a, b, k, g), key, device)
            })
            .unwrap();
    }

    fn lsuv_and_diagnosis_accept_any_settings_or_refuse_them(device) {
        let ad = device.clone().autodiff();
        let x = burn_init::Scheme::Normal { mean: 0.0, std: 1.0 }.sample::<2>([16, 8], None, 1u64, &ad).unwrap();
        let net = Net {
            first: LinearConfig::new(8, 16).init(&ad),
            second: LinearConfig::new(16, 4).init(&ad),
        };
        let settings = (any_number(), any_number(), 0usize..4, (any_number(), any_number(), any_number(), any_number(), any_number()));
        runner()
            .run(&settings, |(target, tolerance, iterations, (sigmas, slack, dead, delta, subnormal))| {
                let lsuv = Lsuv::new().with_target_variance(target).with_tolerance(tolerance).with_max_iterations(iterations);
                match lsuv.apply(net.clone(), 3u64, |m: &Net| m.forward(x.clone())) {
                    Ok((model, _, layers)) => {
                        prop_assert!(finite(&model), "LSUV gave a non-finite model");
                        prop_assert!(layers.iter().all(|l| l.scale.is_finite() && l.variance.is_finite()));
                    }
                    Err(refused) => prop_assert!(all_values(&refused.model) == all_values(&net)),
                }
                let tolerance = Tolerance { sigmas, slack, dead, int8_delta: delta, subnormal };
                if let Ok(report) = Diagnosis::new().with_tolerance(tolerance).run(&net, x.clone(), |m: &Net, x| m.forward(x).powi_scalar(2).mean()) {
                    prop_assert!(!report.to_json().is_empty());
                }
                Ok(())
            })
            .unwrap();
    }
}

fn check_layers(
    scheme: &burn_init::Scheme,
    (a, b, k, g): (usize, usize, usize, usize),
    key: burn_init::Key,
    device: &Device,
) -> Result<(), TestCaseError> {
    if let Ok(linear) = LinearConfig::new(a, b).init_with(scheme, key, device) {
        prop_assert_eq!(linear.weight.dims(), [a, b]);
        prop_assert!(values(linear.weight.val()).iter().all(|v| v.is_finite()));
    }
    if let Ok(embedding) = EmbeddingConfig::new(a, b).init_with(scheme, key, device) {
        prop_assert!(values(embedding.weight.val()).iter().all(|v| v.is_finite()));
    }
    if let Ok(conv) = Conv2dConfig::new([a, b], [k, k])
        .with_groups(g)
        .init_with(scheme, key, device)
    {
        prop_assert!(finite(&conv));
    }
    Ok(())
}
