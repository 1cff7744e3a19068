//! The classic schemes as whole-model presets: Xavier, He, LeCun, orthogonal.

use super::{Policy, Scheme};
use crate::fan::FanMode;
use crate::gain::{Gain, Nonlinearity};

impl Policy {
    /// Glorot & Bengio (2010): Xavier-uniform weights with the gain of `nonlinearity`, zero
    /// biases; embeddings too (fans d_model and the vocabulary size).
    pub fn xavier(nonlinearity: Nonlinearity) -> Self {
        let scheme = Scheme::XavierUniform {
            gain: Gain::Recommended(nonlinearity),
        };
        Self::standard(scheme.clone(), scheme, Scheme::Zeros)
    }

    /// He et al. (2015): Kaiming-normal weights, fan-in, with the gain of `nonlinearity`
    /// (√2 for ReLU), zero biases; embeddings N(0, 1).
    pub fn he(nonlinearity: Nonlinearity) -> Self {
        Self::standard(
            Scheme::kaiming_normal(FanMode::FanIn, nonlinearity),
            Scheme::Normal {
                mean: 0.0,
                std: 1.0,
            },
            Scheme::Zeros,
        )
    }

    /// Klambauer et al. (2017), self-normalising networks: LeCun-normal weights N(0, 1/fan_in)
    /// for SELU, zero biases.
    pub fn lecun_selu() -> Self {
        Self::standard(Scheme::LecunNormal, Scheme::LecunNormal, Scheme::Zeros)
    }

    /// Saxe et al. (2014): orthogonal weights (flattened `[shape[0], rest]`) with `gain`, zero
    /// biases.
    pub fn orthogonal(gain: f64) -> Self {
        let scheme = Scheme::orthogonal(gain);
        Self::standard(scheme.clone(), scheme, Scheme::Zeros)
    }
}
