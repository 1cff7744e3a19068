//! U-Net decoder step: Glorot after the skip concatenation gives 4/3 of the input variance;
//! `composition::forward_correction` (√3/2) gives 1.

use burn::tensor::Tensor;
use burn_init::diagnostics::VarianceRatio;
use burn_init::error::ArgumentError;
use burn_init::{ConvFan, Fan, InitError, composition};
use burn_init_models::unet::{UnetUpConfig, upsample_nearest2};

use crate::common::{SIGMAS, gaussian, readme_row};
use crate::conv_measure::{finite_width, interior};

const C: usize = 32;

per_device! {
    fn unet_glorot_concat_is_four_thirds_and_corrected_is_one(device) {
        // Decoder input and skip: independent, unit variance.
        let x = gaussian([8, C, 16, 16], 21, device);
        let skip = gaussian([8, C, 32, 32], 22, device);
        let input = Tensor::cat(vec![upsample_nearest2(x.clone()), skip.clone()], 1);
        let k = 3;
        let fan = Fan::conv(2 * C, C, &[k, k], 1, ConvFan::GroupCorrect).unwrap();
        let ratio = composition::forward_ratio(&UnetUpConfig::scheme(), &[C, 2 * C, k, k], fan).unwrap();
        let mut measured = Vec::new();
        for corrected in [false, true] {
            let config = UnetUpConfig::new(C).with_corrected(corrected);
            let m = config.multiplier().unwrap();
            let predicted = ratio * m * m; // 4/3, or 1 with m = √3/2
            let literal = if corrected { 1.0 } else { 4.0 / 3.0 };
            assert!((predicted - literal).abs() < 1e-12, "corrected={corrected}: {predicted}");
            let up = config.init(3, device).unwrap();
            let y = up.forward(x.clone(), skip.clone());
            let r = VarianceRatio::measure(input.clone(), interior(y, k / 2)).unwrap();
            println!("unet corrected={corrected}: ratio {:.4} ± {:.4}, predicted {predicted:.4}", r.ratio, r.se);
            measured.extend([r.ratio, r.se]);
            // Finite width: Σw² of the 2c·c·k² weights strays by √(2/numel); the upsampled half
            // has correlated neighbours, whose cross terms vanish only in expectation over the
            // weights, about as large again: SIGMAS × √2 × √(2/numel).
            let slack = SIGMAS * 2f64.sqrt() * finite_width(2 * C * C * k * k);
            assert!(r.agrees_with(predicted, SIGMAS, slack), "corrected={corrected}: {r:?} vs {predicted}");
        }
        readme_row(device, "`UnetUp` (Glorot after the skip concat)", &measured);
    }

    fn unet_bad_config_is_a_typed_error(device) {
        let err = UnetUpConfig::new(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "channels", .. })), "{err:?}");
        let err = UnetUpConfig::new(4).with_kernel(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "kernel", .. })), "{err:?}");
    }
}
