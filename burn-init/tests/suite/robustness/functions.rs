//! The host functions: fans, gains, variance scaling, distributions, composition factors, keys
//! and the diagnostics' helpers — finite results or typed errors for any argument.

use burn_init::composition::{self, DropoutConvention};
use burn_init::diagnostics::headroom::two_sided_quantile;
use burn_init::diagnostics::{Headroom, int8_scale};
use burn_init::sampling::normal::{normal_cdf, normal_quantile, truncated_moments};
use burn_init::sampling::{Normal, TruncatedNormal, Uniform};
use burn_init::{ConvFan, Fan, FanMode, Key, KeyedDistribution, Scheme, VarianceScaling};
use proptest::prelude::*;

use super::*;

fn finite_fan(fan: burn_init::Result<Fan>) -> Result<(), TestCaseError> {
    if let Ok(fan) = fan {
        prop_assert!(fan.fan_in.is_finite() && fan.fan_in >= 0.0, "{:?}", fan);
        prop_assert!(fan.fan_out.is_finite() && fan.fan_out >= 0.0, "{:?}", fan);
    }
    Ok(())
}

fn finite(what: &str, value: burn_init::Result<f64>) -> Result<(), TestCaseError> {
    if let Ok(value) = value {
        prop_assert!(value.is_finite(), "{}: {}", what, value);
    }
    Ok(())
}

use proptest::test_runner::TestCaseError;

proptest! {
    #[test]
    fn fans_are_finite_or_typed_errors(
        shape in any_shape(),
        (a, b, groups) in (any_size(), any_size(), any_size()),
        stride in prop::collection::vec(any_size(), 0..4),
        (conv_fan, transposed_fan) in (any_conv_fan(), any_transposed_fan()),
        (x, y) in (any_number(), any_number()),
        axes in prop::collection::vec(0usize..6, 0..4),
    ) {
        let kernel = shape.get(..shape.len().min(3)).unwrap_or(&[]);
        finite_fan(Fan::explicit(x, y))?;
        finite_fan(Ok(Fan::linear(a, b)))?;
        finite_fan(Fan::conv(a, b, kernel, groups, conv_fan))?;
        finite_fan(Fan::conv_weight(&shape, groups, conv_fan))?;
        finite_fan(Fan::depthwise(a, kernel))?;
        finite_fan(Ok(Fan::pointwise(a, b)))?;
        finite_fan(Fan::conv_transpose(a, b, kernel, &stride, groups, transposed_fan))?;
        finite_fan(Ok(Fan::embedding(a, b)))?;
        finite_fan(Fan::pytorch(&shape))?;
        let (half, rest) = axes.split_at(axes.len() / 2);
        finite_fan(Fan::from_axes(&shape, half, rest, &[]))?;
        for mode in [FanMode::FanIn, FanMode::FanOut, FanMode::FanAvg, FanMode::FanGeoAvg] {
            if let Ok(fan) = Fan::explicit(x, y) {
                prop_assert!(fan.get(mode).is_finite());
            }
        }
    }

    #[test]
    fn gains_are_finite_positive_or_typed_errors(
        nonlinearity in any_nonlinearity(),
        gain in any_gain(),
        p in any_number(),
    ) {
        for (what, value) in [
            ("calculate_gain", burn_init::calculate_gain(&nonlinearity)),
            ("second_moment", nonlinearity.second_moment()),
            ("second_moment_gain", nonlinearity.second_moment_gain()),
            ("gain", nonlinearity.gain()),
            ("Gain::value", gain.value()),
            ("pass_fraction_gain", burn_init::gain::pass_fraction_gain(p)),
            ("weight_norm_gain", composition::weight_norm_gain(&nonlinearity)),
        ] {
            finite(what, value)?;
        }
        if let Ok(Some(g)) = nonlinearity.pytorch_gain() {
            prop_assert!(g.is_finite());
        }
        let phi = nonlinearity.clone();
        finite("numeric_gain", burn_init::gain::numeric_gain(move |x| phi.apply(x)))?;
    }

    #[test]
    fn variance_scaling_and_distributions_are_finite_or_typed_errors(
        (scale, mode) in (any_number(), any_fan_mode()),
        fan in any_fan(),
        (a, b, c, d) in (any_number(), any_number(), any_number(), any_number()),
        key in any_key(),
    ) {
        let fan = fan.unwrap_or(Fan { fan_in: 1.0, fan_out: 1.0 });
        for distribution in [burn_init::Distribution::Normal, burn_init::Distribution::Uniform, burn_init::Distribution::TruncatedNormal] {
            let core = VarianceScaling::new(scale, mode, distribution);
            finite("VarianceScaling::std", core.std(fan))?;
            if let Ok(Some(d)) = core.distribution_for(fan) {
                prop_assert!(d.sample(&key, 64).unwrap().iter().all(|v| v.is_finite()));
            }
        }
        let check = |d: &dyn KeyedDistribution, low: f64, high: f64| -> Result<(), TestCaseError> {
            let values = d.sample(&key, 64).unwrap();
            prop_assert!(values.iter().all(|&v| v.is_finite() && f64::from(v) >= low && f64::from(v) <= high));
            Ok(())
        };
        let (lo, hi) = (f64::from(f32::MIN), f64::from(f32::MAX));
        if let Ok(u) = Uniform::new(a, b) { check(&u, a as f32 as f64, b as f32 as f64)?; }
        if let Ok(u) = Uniform::symmetric(a) { check(&u, lo, hi)?; }
        if let Ok(n) = Normal::new(a, b) { check(&n, lo, hi)?; }
        if let Ok(t) = TruncatedNormal::new(a, b, c, d) { check(&t, c as f32 as f64, d as f32 as f64)?; }
        if let Ok(t) = TruncatedNormal::with_exact_std(a) { check(&t, lo, hi)?; }
        prop_assert!(!normal_cdf(a).is_nan() || a.is_nan());
        finite("normal_quantile", normal_quantile(a))?;
        if let Ok((mean, std)) = truncated_moments(a, b) {
            prop_assert!(mean.is_finite() && std.is_finite() && std >= 0.0, "{} {}: {} {}", a, b, mean, std);
        }
    }

    #[test]
    fn composition_factors_are_finite_or_typed_errors(
        (n, m) in (any_size(), any_size()),
        (p, q) in (any_number(), any_number()),
        scheme in any_scheme(),
        shape in any_shape(),
        fan in any_fan(),
        kernel in prop::collection::vec(any_size(), 0..3),
        stride in prop::collection::vec(any_size(), 0..3),
    ) {
        let fan = fan.unwrap_or(Fan { fan_in: 1.0, fan_out: 1.0 });
        for (what, value) in [
            ("sum_scale", composition::sum_scale(n)),
            ("residual_scale", composition::residual_scale(n)),
            ("forward_ratio", composition::forward_ratio(&scheme, &shape, fan)),
            ("forward_correction", composition::forward_correction(&scheme, &shape, fan)),
            ("dropout Inverted", composition::dropout_correction(p, DropoutConvention::Inverted)),
            ("dropout Plain", composition::dropout_correction(p, DropoutConvention::Plain)),
            ("sparse_correction", composition::sparse_correction(q)),
            ("attention_scale", composition::attention_scale(n)),
            ("degree_logit_scale", composition::degree_logit_scale(n, m)),
            ("shared_projection_logit_variance", composition::shared_projection_logit_variance(&scheme, n, m)),
        ] {
            finite(what, value)?;
        }
        let _ = composition::phase_taps(n, m);
        if let Ok(factors) = composition::phase_equalisation(&kernel, &stride) {
            prop_assert!(factors.iter().all(|f| f.is_finite()));
        }
    }

    #[test]
    fn keys_and_diagnostic_helpers_never_panic(
        text in ".{0,40}",
        (seed, n) in (any::<u64>(), 0usize..64),
        (x, y) in (any_number(), any_number()),
        values in prop::collection::vec(prop_oneof![Just(f32::NAN), Just(f32::INFINITY), -1e5f32..1e5], 0..40),
        shape in any_shape(),
        axis in 0usize..6,
    ) {
        let key = Key::new(seed).for_path(&text).fold_in_str(&text);
        prop_assert_eq!(key.split(n).len(), n);
        finite("two_sided_quantile", two_sided_quantile(x))?;
        finite("int8_scale", int8_scale(x, y))?;
        if let Ok(h) = Headroom::gaussian(x) {
            prop_assert!(h.fp16_overflow.is_finite() && h.fp16_subnormal.is_finite());
        }
        let _ = Headroom::of(&values);
        let _ = burn_init::diagnostics::identical_units(&values, &shape, axis);
        let _ = burn_init::diagnostics::identical_nonzero_units(&values, &shape, axis);
        let doubles: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        if let Ok(m) = burn_init::diagnostics::Moments::of(&doubles) {
            prop_assert!(m.mean.is_finite() && m.var.is_finite());
        }
        finite("spectral_radius", burn_init::diagnostics::spectral_radius(&doubles, n))?;
        let _ = burn_init::diagnostics::Sharpness::of_logits(&doubles);
        if let Ok(stats) = burn_init::diagnostics::TensorStats::of(&values, &shape) {
            let (std, se) = stats.std_and_se();
            prop_assert!(!std.is_nan() && !se.is_nan(), "{:?}", stats);
        }
        let _ = Scheme::Zeros;
        let _ = ConvFan::Pytorch;
    }
}
