//! Property test: arbitrary (often invalid) parameters, shapes and fans for every scheme give an
//! error or finite values of the right count — never a panic, a NaN or an infinity.

use burn_init::{Distribution, Fan, FanMode, Key, Scheme, VarianceScaling};
use proptest::prelude::*;

fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-1.0),
        Just(1e300),
        Just(-1e38),
        -1e6..1e6f64,
        -3.0..3.0f64,
    ]
}

fn any_scheme() -> impl Strategy<Value = Scheme> {
    let n = any_number;
    prop_oneof![
        n().prop_map(|value| Scheme::Constant { value }),
        (n(), n()).prop_map(|(low, high)| Scheme::Uniform { low, high }),
        (n(), n()).prop_map(|(mean, std)| Scheme::Normal { mean, std }),
        (n(), n(), n(), n()).prop_map(|(mean, std, a, b)| Scheme::TruncatedNormal {
            mean,
            std,
            a,
            b
        }),
        n().prop_map(Scheme::xavier_uniform),
        n().prop_map(|g| Scheme::kaiming_normal(FanMode::FanGeoAvg, g)),
        n().prop_map(|scale| Scheme::VarianceScaling(VarianceScaling::new(
            scale,
            FanMode::FanAvg,
            Distribution::TruncatedNormal
        ))),
        n().prop_map(Scheme::orthogonal),
        n().prop_map(|g| Scheme::DeltaOrthogonal { gain: g.into() }),
        (0usize..4).prop_map(|groups| Scheme::Dirac { groups }),
        (n(), n()).prop_map(|(sparsity, std)| Scheme::Sparse { sparsity, std }),
        Just(Scheme::LecunNormal),
        Just(Scheme::PytorchDefault),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    /// Any parameters, any small shape, any fans: an error, or finite values of the right count.
    #[test]
    fn never_a_panic_or_a_nan(
        scheme in any_scheme(),
        shape in prop::collection::vec(0usize..6, 0..5),
        fan_in in prop_oneof![Just(0.0), 0.5..100.0f64],
        fan_out in prop_oneof![Just(0.0), 0.5..100.0f64],
    ) {
        let fan = Fan { fan_in, fan_out };
        if let Ok(values) = scheme.sample_host(&shape, Some(&fan), &Key::new(1)) {
            prop_assert_eq!(values.len(), shape.iter().product::<usize>());
            prop_assert!(values.iter().all(|x| x.is_finite()), "{:?} gave a non-finite value", scheme);
        }
    }
}
