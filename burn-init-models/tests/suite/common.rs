//! Shared test helpers.

use burn::tensor::{Device, Tensor};
use burn_init::Key;

/// Margin of every statistical assertion, in standard errors.
pub const SIGMAS: f64 = 5.0;

/// A unit-variance Gaussian input drawn with a key (the same on every device).
pub fn gaussian<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    burn_init::Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample(shape, None, Key::new(seed), device)
    .expect("unit normal")
}

/// Per-row mean squared error of `output` against `target` (`[rows, …]`), on the host.
pub fn row_errors<const D: usize>(output: Tensor<D>, target: Tensor<D>) -> Vec<f64> {
    let rows = output.dims()[0];
    let values = burn_init::diagnostics::host_values((output - target).powi_scalar(2)).unwrap();
    values
        .chunks_exact(values.len() / rows)
        .map(|row| row.iter().sum::<f64>() / row.len() as f64)
        .collect()
}

/// The paired statistic of a good-against-bad training contrast on held-out rows: the mean
/// and standard error of ln(bad_i / good_i) (the same rows for both). The bad initialisation
/// is worse when the mean clears `SIGMAS` standard errors.
pub fn paired_log_ratio(bad: &[f64], good: &[f64]) -> (f64, f64) {
    let logs: Vec<f64> = bad.iter().zip(good).map(|(b, g)| (b / g).ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}
