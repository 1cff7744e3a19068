//! Transposed-conv upsampler: kernel 3, stride 2 makes a checkerboard of phase variances with the
//! naive fan; the stride-aware fan with per-tap phase equalisation flattens it at level 1.
//! Kernel 4, stride 2 is flat either way.

use burn_init::InitError;
use burn_init::diagnostics::{Moments, phase_spread, phase_variances};
use burn_init::error::ArgumentError;
use burn_init_models::upsample::{UpsampleInit, UpsamplerConfig};

use crate::common::{SIGMAS, gaussian, readme_row};
use crate::conv_measure::{finite_width, interior};

const C: usize = 64;

/// Phase moments of the upsampled interior (k − 1 pixels from each edge, rounded up to a whole
/// stride period so the phases keep their labels).
fn phases(config: &UpsamplerConfig, device: &burn::tensor::Device) -> Vec<Moments> {
    let x = gaussian([4, C, 16, 16], 51, device);
    let up = config.init(8, device).unwrap();
    let s = config.stride;
    let border = (config.kernel - 1).div_ceil(s) * s;
    phase_variances(interior(up.forward(x), border), [s, s]).unwrap()
}

per_device! {
    fn a_stride_aware_upsampler_trains_on_an_autodiff_device(device) {
        // The per-tap factors are multiplied into the drawn weight after the policy: the product
        // must be a fresh leaf, or the second backward pass finds the tape consumed (it did,
        // found by the backends study's timing of forward + backward).
        let ad = device.clone().autodiff();
        let up = UpsamplerConfig::new(4, 4).init(8, &ad).unwrap();
        assert!(up.conv.weight.val().is_require_grad());
        let x = gaussian([1, 4, 5, 5], 3, &ad);
        for _ in 0..2 {
            let grads = up.forward(x.clone()).powi_scalar(2).mean().backward();
            let g = up.conv.weight.grad(&grads).expect("the weight has a gradient");
            assert!(g.abs().sum().into_scalar::<f32>() > 0.0);
        }
    }

    fn upsampler_phase_spread_naive_vs_stride_aware(device) {
        for (k, naive_min) in [(3, Some(1.5)), (4, None)] {
            let mut spreads = Vec::new();
            for init in [UpsampleInit::Naive, UpsampleInit::StrideAware] {
                let config = UpsamplerConfig::new(C, C).with_kernel(k).with_stride(2).with_init(init);
                let p = phases(&config, device);
                let spread = phase_spread(&p);
                spreads.push(spread);
                let vars: Vec<f64> = p.iter().map(|m| m.var).collect();
                println!("upsample k={k} {init:?}: phase vars {vars:.4?}, spread {spread:.4}");
                match (init, naive_min) {
                    (UpsampleInit::Naive, Some(min)) => assert!(spread >= min, "k={k}: {spread}"),
                    _ => assert!(spread <= 1.1, "k={k} {init:?}: {spread}"),
                }
                // Level: every phase (stride-aware) or their mean (naive) at predicted_level,
                // 1 or 1/s². Input variance is 1 by construction (unit Gaussian).
                let level = config.predicted_level().unwrap();
                // Literals: 1 with the stride-aware fan, 1/s² = 1/4 for the naive one (s = 2).
                let literal = if matches!(init, UpsampleInit::Naive) { 0.25 } else { 1.0 };
                assert!((level - literal).abs() < 1e-12, "k={k} {init:?}: {level}");
                let mean = vars.iter().sum::<f64>() / vars.len() as f64;
                let se = p.iter().map(|m| m.se_var * m.se_var).sum::<f64>().sqrt() / vars.len() as f64;
                // Finite width: Σw² of the c_in·c_out·k² weights strays by √(2/numel).
                let slack = SIGMAS * finite_width(C * C * k * k) * level;
                println!("  mean level {mean:.4} ± {se:.4}, predicted {level:.4}");
                assert!((mean - level).abs() <= SIGMAS * se + slack + 0.02 * level, "k={k} {init:?}: {mean} vs {level}");
            }
            readme_row(device, &format!("`Upsampler` k = {k}, s = 2"), &spreads);
        }
    }

    fn upsampler_bad_config_is_a_typed_error(device) {
        let err = UpsamplerConfig::new(0, 4).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "channels_in", .. })), "{err:?}");
        let err = UpsamplerConfig::new(4, 0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "channels_out", .. })), "{err:?}");
        let err = UpsamplerConfig::new(4, 4).with_kernel(0).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "kernel", .. })), "{err:?}");
        for init in [UpsampleInit::Naive, UpsampleInit::StrideAware] {
            let err = UpsamplerConfig::new(4, 4).with_stride(0).with_init(init).init(0, device).unwrap_err();
            assert!(matches!(err, InitError::Argument(ArgumentError::Shape { argument: "stride", .. })), "{err:?}");
        }
        let err = UpsamplerConfig::new(4, 4).with_padding(3).init(0, device).unwrap_err();
        assert!(matches!(err, InitError::Argument(ArgumentError::OutOfDomain { name: "padding", .. })), "{err:?}");
    }
}
