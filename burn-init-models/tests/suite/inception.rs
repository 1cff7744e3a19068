//! InceptionSum: N = 3 linear branches (1×1, 3×3, 5×5) sum to 3× the input variance; the
//! composition factor 1/√3 brings the sum back to 1.

use burn_init::diagnostics::VarianceRatio;
use burn_init::error::ArgumentError;
use burn_init::{ConvFan, Fan, InitError, composition};
use burn_init_models::inception::{BranchInit, InceptionSumConfig};

use crate::common::{SIGMAS, gaussian, readme_row};
use crate::conv_measure::{finite_width, interior, sum_sq};

const C: usize = 32;

per_device! {
    fn inception_sum_scales_three_branches_back_to_one(device) {
        let x = gaussian([8, C, 32, 32], 11, device);
        let mut measured = Vec::new();
        for init in [BranchInit::He, BranchInit::Glorot] {
            for unscaled in [true, false] {
                let config = InceptionSumConfig::new(C).with_init(init).with_unscaled(unscaled);
                let block = config.init(5, device).unwrap();
                let n = config.kernels.len();
                let s = if unscaled { 1.0 } else { composition::sum_scale(n).unwrap() };
                // Population prediction: s²·Σᵢ n_in·σ²ᵢ (= 3 unscaled, 1 scaled).
                let mut predicted = 0.0;
                let mut rel_var = 0.0;
                for &k in &config.kernels {
                    let fan = Fan::conv(C, C, &[k, k], 1, ConvFan::GroupCorrect).unwrap();
                    predicted += composition::forward_ratio(&init.scheme(), &[C, C, k, k], fan).unwrap();
                    rel_var += finite_width(C * C * k * k).powi(2);
                }
                predicted *= s * s;
                // The library's factors against the literals: He-linear and Glorot both have
                // n_in·σ² = 1 on C → C, so Σ = 3 branches, and s = 1/√3 brings it to 1.
                let literal = if unscaled { 3.0 } else { 1.0 };
                assert!((predicted - literal).abs() < 1e-12, "{init:?} {unscaled}: {predicted}");
                // Realised prediction with these weights: s²·Σᵢ Σw²ᵢ / c_out (interior pixels).
                let realised: f64 = s * s * block.branches.iter().map(|b| sum_sq(&b.weight, C)).sum::<f64>();
                let border = config.kernels.iter().max().unwrap() / 2;
                let r = VarianceRatio::measure(x.clone(), interior(block.forward(x.clone()), border)).unwrap();
                println!("inception {init:?} unscaled={unscaled}: ratio {:.4} ± {:.4}, realised {realised:.4}, predicted {predicted:.4}", r.ratio, r.se);
                measured.extend([r.ratio, r.se]);
                assert!(r.agrees_with(realised, SIGMAS, 0.0), "{init:?} {unscaled}: {r:?} vs realised {realised}");
                // Finite width: the realised Σw² of each branch strays by √(2/numel) (relative
                // SD; the branches contribute a third each), so SIGMAS of those on top.
                let slack = SIGMAS * rel_var.sqrt() / n as f64;
                assert!(r.agrees_with(predicted, SIGMAS, slack), "{init:?} {unscaled}: {r:?} vs {predicted}");
            }
        }
        readme_row(device, "`InceptionSum`, N = 3", &measured);
    }

    fn inception_bad_config_is_a_typed_error(device) {
        let err = InceptionSumConfig::new(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "channels", .. })), "{err:?}");
        let err = InceptionSumConfig::new(4).with_kernels(vec![]).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "branches", .. })), "{err:?}");
        let err = InceptionSumConfig::new(4).with_kernels(vec![1, 0]).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "kernel", .. })), "{err:?}");
    }
}
