//! Conversions between [`Scheme`] and Burn's own `burn::nn::Initializer`, wherever the two draw
//! from the same distribution given the same fans. (The numbers differ: Burn samples with the
//! device's global RNG, burn-init with explicit keys. Note also that Burn's layers compute their
//! own fans, wrongly for `ConvTranspose`, `LinearLayout::Col` and `Embedding`: see [`crate::fan`].)

use crate::error::{InitError, Result, SchemeError};
use burn::nn::Initializer;

use crate::fan::FanMode;
use crate::gain::Gain;
use crate::scheme::{Class, Scheme};
use crate::structured::Structured;
use crate::variance::{Distribution, VarianceScaling};

impl From<&Initializer> for Scheme {
    fn from(initializer: &Initializer) -> Self {
        let mode = |fan_out_only: bool| {
            if fan_out_only {
                FanMode::FanOut
            } else {
                FanMode::FanIn
            }
        };
        match *initializer {
            Initializer::Constant { value } => Scheme::Constant { value },
            Initializer::Ones => Scheme::Ones,
            Initializer::Zeros => Scheme::Zeros,
            Initializer::Uniform { min, max } => Scheme::Uniform {
                low: min,
                high: max,
            },
            Initializer::Normal { mean, std } => Scheme::Normal { mean, std },
            Initializer::KaimingUniform { gain, fan_out_only } => Scheme::KaimingUniform {
                mode: mode(fan_out_only),
                gain: Gain::Value(gain),
            },
            Initializer::KaimingNormal { gain, fan_out_only } => Scheme::KaimingNormal {
                mode: mode(fan_out_only),
                gain: Gain::Value(gain),
            },
            Initializer::XavierUniform { gain } => Scheme::XavierUniform {
                gain: Gain::Value(gain),
            },
            Initializer::XavierNormal { gain } => Scheme::XavierNormal {
                gain: Gain::Value(gain),
            },
            Initializer::Orthogonal { gain } => Scheme::Orthogonal {
                gain: Gain::Value(gain),
            },
        }
    }
}

impl From<Initializer> for Scheme {
    fn from(initializer: Initializer) -> Self {
        Self::from(&initializer)
    }
}

impl TryFrom<&Scheme> for Initializer {
    type Error = InitError;

    /// The Burn initializer with the same distribution. Named variance-scaling schemes map through
    /// their core: fan_in/fan_out → Kaiming with g = √scale, fan_avg → Xavier with g = √scale.
    fn try_from(scheme: &Scheme) -> Result<Self> {
        let none = || {
            InitError::Scheme(SchemeError::NoBurnEquivalent {
                scheme: format!("{scheme:?}"),
            })
        };
        Ok(match scheme.class().1 {
            Class::Constant(0.0) => Initializer::Zeros,
            Class::Constant(1.0) => Initializer::Ones,
            Class::Constant(value) => Initializer::Constant { value },
            Class::Uniform(min, max) => Initializer::Uniform { min, max },
            Class::Normal(mean, std) => Initializer::Normal { mean, std },
            Class::Structured(Structured::Orthogonal { gain }) => Initializer::Orthogonal {
                gain: gain.value()?,
            },
            Class::Scaled(scaled) => {
                let VarianceScaling {
                    scale,
                    mode,
                    distribution,
                } = scaled.core()?;
                let gain = crate::error::non_negative("scale", scale)?.sqrt();
                let fan_out_only = mode == FanMode::FanOut;
                match (mode, distribution) {
                    (FanMode::FanIn | FanMode::FanOut, Distribution::Uniform) => {
                        Initializer::KaimingUniform { gain, fan_out_only }
                    }
                    (FanMode::FanIn | FanMode::FanOut, Distribution::Normal) => {
                        Initializer::KaimingNormal { gain, fan_out_only }
                    }
                    (FanMode::FanAvg, Distribution::Uniform) => Initializer::XavierUniform { gain },
                    (FanMode::FanAvg, Distribution::Normal) => Initializer::XavierNormal { gain },
                    _ => return Err(none()),
                }
            }
            Class::TruncatedNormal(..) | Class::Structured(_) => return Err(none()),
        })
    }
}

impl TryFrom<Scheme> for Initializer {
    type Error = InitError;

    fn try_from(scheme: Scheme) -> Result<Self> {
        Self::try_from(&scheme)
    }
}
