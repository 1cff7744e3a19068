//! Conversions to and from Burn's `Initializer`, and burn-init params inside Burn layers.

use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::Tensor;
use burn_init::error::SchemeError;
use burn_init::{Fan, FanMode, InitError, Key, Nonlinearity, Scheme};

use crate::common::values;

#[test]
fn every_burn_initializer_round_trips() {
    let all = [
        Initializer::Constant { value: 0.3 },
        Initializer::Ones,
        Initializer::Zeros,
        Initializer::Uniform {
            min: -1.0,
            max: 1.0,
        },
        Initializer::Normal {
            mean: 0.0,
            std: 0.1,
        },
        Initializer::KaimingUniform {
            gain: 2f64.sqrt(),
            fan_out_only: false,
        },
        Initializer::KaimingNormal {
            gain: 1.0,
            fan_out_only: true,
        },
        Initializer::XavierUniform { gain: 5.0 / 3.0 },
        Initializer::XavierNormal { gain: 1.0 },
        Initializer::Orthogonal { gain: 1.0 },
    ];
    for initializer in all {
        let scheme = Scheme::from(&initializer);
        assert_eq!(Initializer::try_from(&scheme).unwrap(), initializer);
    }
}

#[test]
fn named_schemes_map_through_the_core() {
    let to_burn = |s: Scheme| Initializer::try_from(s).unwrap();
    assert_eq!(
        to_burn(Scheme::LecunNormal),
        Initializer::KaimingNormal {
            gain: 1.0,
            fan_out_only: false
        }
    );
    let Initializer::KaimingUniform {
        gain,
        fan_out_only: false,
    } = to_burn(Scheme::PytorchDefault)
    else {
        panic!()
    };
    assert!((gain - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
    let Initializer::KaimingUniform {
        gain,
        fan_out_only: true,
    } = to_burn(Scheme::PytorchFanOut)
    else {
        panic!()
    };
    assert!((gain - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
    let Initializer::KaimingNormal {
        gain,
        fan_out_only: true,
    } = to_burn(Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu))
    else {
        panic!()
    };
    assert!((gain - 2f64.sqrt()).abs() < 1e-15);
    // Schemes Burn's `Initializer` cannot express are refused, not approximated.
    for scheme in [
        Scheme::Sparse {
            sparsity: 0.5,
            std: 1.0,
        },
        Scheme::Dirac { groups: 1 },
        Scheme::Eye { gain: 1.0.into() },
        Scheme::trunc_normal(0.0, 1.0, -2.0, 2.0),
    ] {
        let result = Initializer::try_from(&scheme);
        assert!(
            matches!(
                result,
                Err(InitError::Scheme(SchemeError::NoBurnEquivalent { .. }))
            ),
            "{scheme:?}: {result:?}"
        );
    }
    let geo = Scheme::kaiming_normal(FanMode::FanGeoAvg, 1.0);
    assert!(matches!(
        Initializer::try_from(&geo),
        Err(InitError::Scheme(SchemeError::NoBurnEquivalent { .. }))
    ));
}

per_device! {
    fn params_work_inside_burn_layers(device) {
        let mut layer: Linear = LinearConfig::new(64, 32).init(device);
        let scheme = Scheme::kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu);
        let param = scheme.init_with::<2>([64, 32], Fan::linear(64, 32), Key::new(3), device).unwrap();
        let expected = values(param.val());
        layer.weight = param;
        layer.bias = Some(Scheme::Zeros.init([32], Key::new(0), device).unwrap());
        let x = Tensor::<2>::eye(64, device);
        // With x = I, the output rows are the weight rows.
        assert_eq!(values(layer.forward(x)), expected);
    }
}
