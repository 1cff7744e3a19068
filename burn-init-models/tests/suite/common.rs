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
