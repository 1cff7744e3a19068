//! Structure-aware fuzzing of every public entry point: arbitrary (mostly invalid) numbers,
//! shapes, fans, schemes, rules, hints, preset arguments and mutated JSON policies. Every call
//! must give `Ok` with finite values of the right shape, or a typed `Err` — never a panic, an
//! abort, a NaN or an infinity — and a refused policy must leave the model unchanged.
//!
//! CI runs proptest's default number of cases per property (256); the long run is opt-in:
//! `PROPTEST_CASES=1000000 cargo test -p burn-init --all-features --test suite -- robustness`.
//!
//! Shapes mix small dimensions (0–5) with huge ones (2⁶⁰, usize::MAX / 3, usize::MAX), so every
//! tensor has at most 5⁴ elements, none, or more than any allocator can give (≥ 2⁶² bytes, past
//! even 57-bit address spaces): the huge ones must be refused as `TooLarge` or `OutOfMemory`,
//! never attempted.

mod draws;
mod functions;
mod models;
mod policies;

use burn_init::{ConvFan, Distribution, Fan, FanMode, Gain, Nonlinearity, Scheme, TransposedFan};
use burn_init::{Key, VarianceScaling};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// proptest's runner with its default configuration, which reads `PROPTEST_CASES`.
pub fn runner() -> TestRunner {
    TestRunner::new(Config::default())
}

/// Numbers that break formulas: NaN, ±∞, 0, negatives, f32's edges, huge and tiny values.
pub fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        Just(1.0),
        Just(1e300),
        Just(-1e38),
        Just(f64::from(f32::MAX)),
        Just(1e-310),
        -1e6..1e6f64,
        -3.0..3.0f64,
        0.0..1.0f64,
    ]
}

/// A dimension or count: mostly small, sometimes beyond any memory or usize's range.
pub fn any_size() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => 0usize..6,
        1 => Just(1usize << 60),
        1 => Just(usize::MAX / 3),
        1 => Just(usize::MAX),
    ]
}

pub fn any_shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(any_size(), 0..5)
}

pub fn any_fan() -> impl Strategy<Value = Option<Fan>> {
    let fan = prop_oneof![4 => 0.5..100.0f64, 1 => any_number()];
    prop::option::of((fan.clone(), fan).prop_map(|(fan_in, fan_out)| Fan { fan_in, fan_out }))
}

pub fn any_nonlinearity() -> impl Strategy<Value = Nonlinearity> {
    let n = any_number;
    prop_oneof![
        Just(Nonlinearity::Linear),
        Just(Nonlinearity::Conv2d),
        Just(Nonlinearity::ConvTranspose3d),
        Just(Nonlinearity::Sigmoid),
        Just(Nonlinearity::Tanh),
        Just(Nonlinearity::Relu),
        n().prop_map(|negative_slope| Nonlinearity::LeakyRelu { negative_slope }),
        Just(Nonlinearity::Selu),
        Just(Nonlinearity::Gelu),
        Just(Nonlinearity::Silu),
        Just(Nonlinearity::Mish),
        n().prop_map(|alpha| Nonlinearity::Elu { alpha }),
        n().prop_map(|beta| Nonlinearity::Softplus { beta }),
    ]
}

pub fn any_gain() -> impl Strategy<Value = Gain> {
    prop_oneof![
        any_number().prop_map(Gain::from),
        any_nonlinearity().prop_map(Gain::from),
    ]
}

pub fn any_fan_mode() -> impl Strategy<Value = FanMode> {
    prop_oneof![
        Just(FanMode::FanIn),
        Just(FanMode::FanOut),
        Just(FanMode::FanAvg),
        Just(FanMode::FanGeoAvg),
    ]
}

pub fn any_conv_fan() -> impl Strategy<Value = ConvFan> {
    prop_oneof![Just(ConvFan::Pytorch), Just(ConvFan::GroupCorrect)]
}

pub fn any_transposed_fan() -> impl Strategy<Value = TransposedFan> {
    prop_oneof![
        Just(TransposedFan::Kernel),
        Just(TransposedFan::StrideAware),
        Just(TransposedFan::Pytorch),
    ]
}

/// Every scheme of the catalogue, with arbitrary parameters.
pub fn any_scheme() -> impl Strategy<Value = Scheme> {
    let n = any_number;
    let distribution = prop_oneof![
        Just(Distribution::Normal),
        Just(Distribution::TruncatedNormal),
        Just(Distribution::Uniform),
    ];
    prop_oneof![
        Just(Scheme::Zeros),
        Just(Scheme::Ones),
        n().prop_map(|value| Scheme::Constant { value }),
        (n(), n()).prop_map(|(low, high)| Scheme::Uniform { low, high }),
        (n(), n()).prop_map(|(mean, std)| Scheme::Normal { mean, std }),
        (n(), n(), n(), n()).prop_map(|(mean, std, a, b)| Scheme::TruncatedNormal {
            mean,
            std,
            a,
            b
        }),
        any_gain().prop_map(|gain| Scheme::XavierUniform { gain }),
        any_gain().prop_map(|gain| Scheme::XavierNormal { gain }),
        (any_fan_mode(), any_gain()).prop_map(|(mode, gain)| Scheme::KaimingUniform { mode, gain }),
        (any_fan_mode(), any_gain()).prop_map(|(mode, gain)| Scheme::KaimingNormal { mode, gain }),
        (n(), any_fan_mode(), distribution).prop_map(|(scale, mode, d)| Scheme::VarianceScaling(
            VarianceScaling::new(scale, mode, d)
        )),
        Just(Scheme::LecunNormal),
        Just(Scheme::LecunUniform),
        Just(Scheme::PytorchDefault),
        Just(Scheme::PytorchFanOut),
        any_gain().prop_map(|gain| Scheme::Orthogonal { gain }),
        (any_gain(), any_size())
            .prop_map(|(gain, groups)| Scheme::DeltaOrthogonal { gain, groups }),
        any_gain().prop_map(|gain| Scheme::Eye { gain }),
        any_size().prop_map(|groups| Scheme::Dirac { groups }),
        (n(), n()).prop_map(|(sparsity, std)| Scheme::Sparse { sparsity, std }),
    ]
}

/// An arbitrary key.
pub fn any_key() -> impl Strategy<Value = Key> {
    any::<u64>().prop_map(Key::new)
}
