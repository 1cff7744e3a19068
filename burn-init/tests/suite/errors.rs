//! Every invalid input gets a typed error naming the argument and the value — never a panic or a
//! NaN (`robustness.rs` throws arbitrary parameters at every scheme).

use burn::tensor::Tensor;
use burn_init::error::{ArgumentError, SchemeError};
use burn_init::gain::{Nonlinearity, numeric_gain, pass_fraction_gain};
use burn_init::{
    ConvFan, Distribution, Fan, FanMode, Gain, InitError, Key, Scheme, TransposedFan,
    VarianceScaling,
};

fn host(scheme: &Scheme, shape: &[usize], fan: Option<Fan>) -> Result<Vec<f32>, InitError> {
    scheme.sample_host(shape, fan, Key::new(0))
}

fn invalid(name: &str) -> impl Fn(&InitError) -> bool + '_ {
    move |e| matches!(e, InitError::Argument(ArgumentError::OutOfDomain { name: n, .. }) if *n == name)
}

#[track_caller]
fn assert_err(
    result: Result<Vec<f32>, InitError>,
    check: impl Fn(&InitError) -> bool,
    words: &[&str],
) {
    let error = result.expect_err("expected an error");
    assert!(check(&error), "wrong variant: {error:?}");
    let message = error.to_string();
    for word in words {
        assert!(message.contains(word), "message `{message}` lacks `{word}`");
    }
}

#[test]
fn zero_fan() {
    let fan = Fan::linear(0, 10);
    let he = Scheme::kaiming_normal(FanMode::FanIn, 1.0);
    assert_err(
        host(&he, &[0, 10], Some(fan)),
        |e| {
            matches!(
                e,
                InitError::Scheme(SchemeError::ZeroFan {
                    mode: FanMode::FanIn,
                    ..
                })
            )
        },
        &["FanIn", "fan_in = 0"],
    );
    // fan_out mode of the same layer is fine.
    assert!(
        host(
            &Scheme::kaiming_normal(FanMode::FanOut, 1.0),
            &[0, 10],
            Some(fan)
        )
        .unwrap()
        .is_empty()
    );
    assert_err(
        host(&Scheme::xavier_uniform(1.0), &[3, 3], None),
        |e| matches!(e, InitError::Scheme(SchemeError::MissingFan { .. })),
        &["xavier_uniform"],
    );
}

#[test]
fn rank() {
    let rank = |e: &InitError| matches!(e, InitError::Scheme(SchemeError::Rank { .. }));
    assert_err(
        host(&Scheme::orthogonal(1.0), &[5], None),
        rank,
        &["orthogonal", "[5]"],
    );
    assert_err(
        host(&Scheme::Eye { gain: 1.0.into() }, &[2, 2, 2], None),
        rank,
        &["eye"],
    );
    assert_err(
        host(
            &Scheme::Sparse {
                sparsity: 0.1,
                std: 1.0,
            },
            &[4],
            None,
        ),
        rank,
        &["sparse"],
    );
    assert_err(
        host(&Scheme::Dirac { groups: 1 }, &[4, 4], None),
        rank,
        &["dirac"],
    );
    assert_err(
        host(
            &Scheme::DeltaOrthogonal {
                gain: 1.0.into(),
                groups: 1,
            },
            &[4, 4],
            None,
        ),
        rank,
        &["delta_orthogonal"],
    );
    assert!(matches!(
        Fan::pytorch(&[3]),
        Err(InitError::Scheme(SchemeError::Rank { .. }))
    ));
    assert!(matches!(
        Fan::conv_weight(&[3, 3], 1, ConvFan::Pytorch),
        Err(InitError::Scheme(SchemeError::Rank { .. }))
    ));
    // The tensor's rank D must match the shape's.
    let device = burn_init::devices::default_cpu().unwrap().1;
    let wrong: Result<Tensor<2>, _> = Scheme::Zeros.sample([2, 3, 4], None, Key::new(0), &device);
    assert!(
        matches!(
            wrong,
            Err(InitError::Scheme(SchemeError::Rank { expected: "2", .. }))
        ),
        "{wrong:?}"
    );
}

#[test]
fn non_finite_or_negative_numbers() {
    for std in [-1.0, f64::NAN, f64::INFINITY] {
        assert_err(
            host(&Scheme::Normal { mean: 0.0, std }, &[4], None),
            invalid("std"),
            &["std"],
        );
    }
    assert_err(
        host(
            &Scheme::Normal {
                mean: f64::NAN,
                std: 1.0,
            },
            &[4],
            None,
        ),
        invalid("mean"),
        &["mean", "NaN"],
    );
    assert_err(
        host(
            &Scheme::Constant {
                value: f64::INFINITY,
            },
            &[4],
            None,
        ),
        invalid("value"),
        &["inf"],
    );
    let fan = Fan::linear(4, 4);
    for gain in [-1.0, f64::NAN, f64::INFINITY] {
        assert_err(
            host(&Scheme::xavier_normal(gain), &[4, 4], Some(fan)),
            invalid("gain"),
            &["gain"],
        );
        assert_err(
            host(&Scheme::orthogonal(gain), &[4, 4], None),
            invalid("gain"),
            &["gain"],
        );
    }
    for scale in [-2.0, f64::NAN] {
        let core = Scheme::VarianceScaling(VarianceScaling::new(
            scale,
            FanMode::FanIn,
            Distribution::Uniform,
        ));
        assert_err(
            host(&core, &[4, 4], Some(fan)),
            invalid("scale"),
            &["scale"],
        );
    }
    assert!(matches!(
        Fan::explicit(-1.0, 3.0),
        Err(InitError::Argument(ArgumentError::OutOfDomain {
            name: "fan_in",
            ..
        }))
    ));
    assert_err(
        host(
            &Scheme::Uniform {
                low: 0.0,
                high: f64::NAN,
            },
            &[4],
            None,
        ),
        invalid("high"),
        &["high"],
    );
    assert_err(
        host(&Scheme::trunc_normal(0.0, 0.0, -1.0, 1.0), &[4], None),
        invalid("std"),
        &["std"],
    );
}

#[test]
fn bounds() {
    let bounds = |e: &InitError| matches!(e, InitError::Argument(ArgumentError::Bounds { .. }));
    assert_err(
        host(&Scheme::trunc_normal(0.0, 1.0, 1.0, 1.0), &[4], None),
        bounds,
        &["expected `a` < `b`", "a = 1", "b = 1"],
    );
    assert_err(
        host(&Scheme::trunc_normal(0.0, 1.0, 2.0, -2.0), &[4], None),
        bounds,
        &["a = 2"],
    );
    assert_err(
        host(&Scheme::trunc_normal(0.0, 1.0, f64::NAN, 1.0), &[4], None),
        bounds,
        &["NaN"],
    );
    assert_err(
        host(
            &Scheme::Uniform {
                low: 1.0,
                high: 0.0,
            },
            &[4],
            None,
        ),
        bounds,
        &["expected `low` ≤ `high`", "low = 1", "high = 0"],
    );
    // A uniform is not a truncation: its message names its own arguments.
    let uniform = host(
        &Scheme::Uniform {
            low: 1.0,
            high: -1.0,
        },
        &[4],
        None,
    )
    .unwrap_err();
    assert!(
        !uniform.to_string().contains("truncation") && !uniform.to_string().contains("a ="),
        "{uniform}"
    );
    let empty = |e: &InitError| matches!(e, InitError::Scheme(SchemeError::EmptyTruncation { .. }));
    assert_err(
        host(&Scheme::trunc_normal(0.0, 1.0, 50.0, 60.0), &[4], None),
        empty,
        &["50"],
    );
}

#[test]
fn sparsity_outside_unit_interval() {
    for sparsity in [1.0, -0.1, f64::NAN, 2.0] {
        assert_err(
            host(&Scheme::Sparse { sparsity, std: 1.0 }, &[4, 4], None),
            invalid("sparsity"),
            &["sparsity", "[0, 1)"],
        );
    }
    assert_err(
        host(
            &Scheme::Sparse {
                sparsity: 0.5,
                std: -1.0,
            },
            &[4, 4],
            None,
        ),
        invalid("std"),
        &["std"],
    );
}

#[test]
fn delta_orthogonal_kernel_and_channels() {
    let delta = Scheme::DeltaOrthogonal {
        gain: 1.0.into(),
        groups: 1,
    };
    assert_err(
        host(&delta, &[8, 8, 4, 4], None),
        |e| matches!(e, InitError::Scheme(SchemeError::EvenKernel { .. })),
        &["[4, 4]"],
    );
    assert_err(
        host(&delta, &[8, 8, 3, 2], None),
        |e| matches!(e, InitError::Scheme(SchemeError::EvenKernel { .. })),
        &["[3, 2]"],
    );
    assert_err(
        host(&delta, &[4, 8, 3, 3], None),
        |e| {
            matches!(
                e,
                InitError::Scheme(SchemeError::TooFewOutputChannels { c_out: 4, c_in: 8 })
            )
        },
        &["c_out = 4", "c_in = 8"],
    );
    // Groups that do not divide c_out are refused (the mutation run found this untested: with
    // `&&` for `||` they passed), and so are zero groups.
    for groups in [4, 0] {
        let grouped = Scheme::DeltaOrthogonal {
            gain: 1.0.into(),
            groups,
        };
        assert_err(
            host(&grouped, &[6, 1, 3], None),
            |e| matches!(e, InitError::Scheme(SchemeError::InvalidGroups { .. })),
            &["shape[0]"],
        );
    }
    // Square blocks (c_out/groups = c_in) are the edge of the contract, and allowed: each group's
    // centre tap is an orthogonal 4 × 4 (here 2 groups of 4 × 4 on [8, 4, 3]).
    let grouped = Scheme::DeltaOrthogonal {
        gain: 1.0.into(),
        groups: 2,
    };
    let w = host(&grouped, &[8, 4, 3], None).unwrap();
    for g in 0..2 {
        for i in 0..4 {
            for j in 0..4 {
                // Column dot products of the group's centre tap: Wᵀ W = I.
                let dot: f64 = (0..4)
                    .map(|o| {
                        let at = |c: usize| f64::from(w[((g * 4 + o) * 4 + c) * 3 + 1]);
                        at(i) * at(j)
                    })
                    .sum();
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-5, "group {g} ({i}, {j}): {dot}");
            }
        }
    }
}

#[test]
fn degenerate_numeric_gains() {
    let degenerate = |r: Result<f64, InitError>| {
        matches!(
            r,
            Err(InitError::Scheme(SchemeError::DegenerateGain { .. }))
        )
    };
    assert!(degenerate(numeric_gain(|_| 0.0)));
    assert!(degenerate(numeric_gain(|_| f64::NAN)));
    assert!(degenerate(numeric_gain(|x: f64| (x * x).exp())));
    let message = numeric_gain(|_| 0.0).unwrap_err().to_string();
    assert!(
        message.contains("closure") && message.contains("= 0"),
        "{message}"
    );
    assert!(matches!(
        Nonlinearity::Softplus { beta: 0.0 }.gain(),
        Err(InitError::Argument(ArgumentError::OutOfDomain {
            name: "beta",
            ..
        }))
    ));
    assert!(matches!(
        Nonlinearity::LeakyRelu {
            negative_slope: f64::NAN
        }
        .gain(),
        Err(InitError::Argument(ArgumentError::OutOfDomain {
            name: "negative_slope",
            ..
        }))
    ));
    assert!(matches!(
        pass_fraction_gain(0.0),
        Err(InitError::Argument(ArgumentError::OutOfDomain {
            name: "pass_fraction",
            ..
        }))
    ));
    assert!(matches!(
        Gain::PassFraction(1.5).value(),
        Err(InitError::Argument(ArgumentError::OutOfDomain {
            name: "pass_fraction",
            ..
        }))
    ));
}

#[test]
fn groups_strides_and_axes() {
    assert!(matches!(
        Fan::conv(3, 64, &[3, 3], 2, ConvFan::Pytorch),
        Err(InitError::Scheme(SchemeError::InvalidGroups {
            argument: "c_in",
            channels: 3,
            groups: 2
        }))
    ));
    assert!(matches!(
        Fan::conv(4, 4, &[3], 0, ConvFan::Pytorch),
        Err(InitError::Scheme(SchemeError::InvalidGroups {
            groups: 0,
            ..
        }))
    ));
    assert!(matches!(
        Fan::conv(4, 4, &[3, 0], 1, ConvFan::Pytorch),
        Err(InitError::Argument(ArgumentError::Shape {
            argument: "kernel",
            ..
        }))
    ));
    assert!(matches!(
        Fan::conv_transpose(4, 4, &[3, 3], &[2], 1, TransposedFan::StrideAware),
        Err(InitError::Argument(ArgumentError::Shape {
            argument: "stride",
            ..
        }))
    ));
    assert!(matches!(
        Fan::from_axes(&[3, 4], &[0], &[0], &[]),
        Err(InitError::Argument(ArgumentError::Shape {
            argument: "out_axes",
            ..
        }))
    ));
    assert!(matches!(
        Fan::from_axes(&[3, 4], &[2], &[0], &[]),
        Err(InitError::Argument(ArgumentError::Shape {
            argument: "in_axes",
            ..
        }))
    ));
    assert_err(
        host(&Scheme::Dirac { groups: 4 }, &[6, 6, 3, 3], None),
        |e| matches!(e, InitError::Scheme(SchemeError::InvalidGroups { .. })),
        &["groups = 4"],
    );
}

/// A value that is not a real number is not printed as one (issue 21): a clashing prefix is
/// quoted (it was `decoder_prefix = NaN`), a count stays exact (`usize::MAX` as f64 printed
/// 18446744073709552000).
#[test]
fn values_print_as_what_they_are() {
    use burn_init::error::Value;
    use burn_init::policy::DeepNorm;
    let clash = DeepNorm::new(6, 6)
        .with_encoder_prefix("model.".into())
        .with_decoder_prefix("model.decoder.".into())
        .policy()
        .unwrap_err();
    assert!(
        clash
            .to_string()
            .contains("`decoder_prefix` = \"model.decoder.\""),
        "{clash}"
    );
    assert_eq!(Value::from(usize::MAX).to_string(), "18446744073709551615");
    assert_eq!(Value::from(0.5).to_string(), "0.5");
}
