//! Helpers of the convolution-block tests (inception, unet, dense, separable, upsample).

use burn::module::Param;
use burn::tensor::Tensor;
use burn_init::diagnostics::host_values;

/// The interior of a `[n, c, h, w]` map: `border` pixels removed from every edge ('same'
/// padding: border pixels see fewer taps, so the variance claims are about the interior).
pub fn interior(map: Tensor<4>, border: usize) -> Tensor<4> {
    let [n, c, h, w] = map.dims();
    assert!(h > 2 * border && w > 2 * border, "map too small to crop");
    map.slice([0..n, 0..c, border..h - border, border..w - border])
}

/// Σ w² of a weight ÷ `per` (e.g. the number of output channels): the realised n_in·σ² of a
/// conv on independent unit inputs, averaged over its outputs.
pub fn sum_sq(weight: &Param<Tensor<4>>, per: usize) -> f64 {
    host_values(weight.val())
        .unwrap()
        .iter()
        .map(|w| w * w)
        .sum::<f64>()
        / per as f64
}

/// The relative standard deviation of Σ w² over `numel` i.i.d. Gaussian weights, √(2/numel):
/// how far a finite layer's realised n_in·σ² strays from the population value (finite width).
pub fn finite_width(numel: usize) -> f64 {
    (2.0 / numel as f64).sqrt()
}
