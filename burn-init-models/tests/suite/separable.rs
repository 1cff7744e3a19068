//! Depthwise-separable block: with the depthwise fan k² (and pointwise C) the variance is kept;
//! with the standard conv fan C·k² on the depthwise weight it drops by 1/C per block.

use burn_init::InitError;
use burn_init::diagnostics::{VarianceRatio, host_values};
use burn_init::error::ArgumentError;
use burn_init_models::separable::DepthwiseSeparableConfig;

use crate::common::{SIGMAS, gaussian, readme_row};
use crate::conv_measure::{finite_width, interior};

const C: usize = 32;

per_device! {
    fn separable_right_fans_keep_variance_wrong_fan_decays(device) {
        let x = gaussian([8, C, 32, 32], 41, device);
        let k = 3;
        let mut measured = Vec::new();
        for wrong in [false, true] {
            let config = DepthwiseSeparableConfig::new(C, C).with_kernel(k).with_wrong_depthwise_fan(wrong);
            let predicted = config.predicted_ratio().unwrap(); // 1, or 1/C
            let literal = if wrong { 1.0 / C as f64 } else { 1.0 };
            assert!((predicted - literal).abs() < 1e-12, "wrong={wrong}: {predicted}");
            let block = config.init(6, device).unwrap();
            // Realised with these weights (interior pixels, i.i.d. unit inputs):
            // (1/C_out)·Σ_o Σ_c pw[o,c]²·‖dw[c]‖².
            let dw = host_values(block.depthwise.weight.val()).unwrap();
            let pw = host_values(block.pointwise.weight.val()).unwrap();
            let dw_norms: Vec<f64> = dw.chunks_exact(k * k).map(|f| f.iter().map(|w| w * w).sum()).collect();
            let realised = pw
                .chunks_exact(C)
                .map(|row| row.iter().zip(&dw_norms).map(|(p, n)| p * p * n).sum::<f64>())
                .sum::<f64>()
                / C as f64;
            let r = VarianceRatio::measure(x.clone(), interior(block.forward(x.clone()), k / 2)).unwrap();
            println!("separable wrong={wrong}: ratio {:.5} ± {:.5}, realised {realised:.5}, predicted {predicted:.5}", r.ratio, r.se);
            measured.extend([r.ratio, r.se]);
            assert!(r.agrees_with(realised, SIGMAS, 0.0), "wrong={wrong}: {r:?} vs realised {realised}");
            // Finite width: only C·k² = 288 depthwise weights, so the realised ‖dw‖² strays from
            // its mean by √(2/288) ≈ 8 % (relative SD), the pointwise weights by √(2/C²).
            let slack = SIGMAS * finite_width(C * k * k).hypot(finite_width(C * C));
            assert!(r.agrees_with(predicted, SIGMAS, slack), "wrong={wrong}: {r:?} vs {predicted}");
        }
        readme_row(device, "`DepthwiseSeparable`", &measured);
        // The wrong fan is not a small error: the ratio is C times smaller.
        let right = DepthwiseSeparableConfig::new(C, C).predicted_ratio().unwrap();
        let wrong = DepthwiseSeparableConfig::new(C, C).with_wrong_depthwise_fan(true).predicted_ratio().unwrap();
        assert!((right / wrong - C as f64).abs() < 1e-9);
    }

    fn separable_bad_config_is_a_typed_error(device) {
        let err = DepthwiseSeparableConfig::new(0, 4).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "channels", .. })), "{err:?}");
        let err = DepthwiseSeparableConfig::new(4, 0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "out_channels", .. })), "{err:?}");
        let err = DepthwiseSeparableConfig::new(4, 4).with_kernel(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "kernel", .. })), "{err:?}");
    }
}
