//! µP: initialisation that keeps its meaning as a model widens.

use burn::config::Config;

use super::{Policy, Rule, Scheme, at_least};
use crate::error;

/// µP (Yang et al. 2021, microsoft/mup) for widening a model from `base_width` to `width`:
/// with m = width / base_width, hidden weights get std × m^−½, the readout std × m^−1, and the
/// input layer (whose fan-in does not grow) keeps its std, so that activations keep their size
/// as the width grows. `scheme` is the initialisation tuned at the base width.
#[derive(Config, Debug, PartialEq)]
pub struct Mup {
    /// Width at which `scheme` was tuned.
    pub base_width: usize,
    /// Width of the model to initialise.
    pub width: usize,
    /// Glob over the input layer's weight path (not rescaled).
    pub input: String,
    /// Glob over the readout's weight path (× 1/m).
    pub readout: String,
    /// The base-width initialisation (default N(0, 1/base_width)).
    #[config(default = "None")]
    pub scheme: Option<Scheme>,
}

impl Mup {
    /// The width multiplier m = width / base_width; both must be at least 1.
    pub fn multiplier(&self) -> error::Result<f64> {
        Ok(at_least("width", self.width, 1)? / at_least("base_width", self.base_width, 1)?)
    }

    /// The policy: input as tuned, readout × 1/m, every other weight × m^−½, zero biases.
    pub fn policy(&self) -> error::Result<Policy> {
        let m = self.multiplier()?;
        let scheme = self.scheme.clone().unwrap_or(Scheme::Normal {
            mean: 0.0,
            std: (self.base_width as f64).powf(-0.5),
        });
        Ok(Policy::new()
            .rule(Rule::new(scheme.clone()).with_path(Some(self.input.clone())))
            .rule(
                Rule::new(scheme.clone())
                    .with_path(Some(self.readout.clone()))
                    .with_multiplier(1.0 / m),
            )
            .then(
                Policy::standard(scheme.clone(), scheme, Scheme::Zeros)
                    .scaled_weights(m.powf(-0.5)),
            ))
    }
}
