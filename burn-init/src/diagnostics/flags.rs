//! What a report flags, and how strict it is.

use serde::{Deserialize, Serialize};

use super::stats::TensorStats;

/// How strict the flags are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Standard errors allowed between measured and predicted (default 5).
    pub sigmas: f64,
    /// Relative slack on top, for what a prediction neglects (default 0).
    pub slack: f64,
    /// Fraction of exact zeros from which an activation is flagged dead (default 0.95).
    pub dead: f64,
    /// The INT8 clipping probability δ for the suggested scale (default 10⁻⁴).
    pub int8_delta: f64,
    /// Fraction of values below FP16's smallest normal from which a tensor is flagged (default
    /// 1 %). A centred Gaussian of std σ always has 2·6.1·10⁻⁵/(σ√(2π)) of its values there —
    /// 0.08 % at σ = 0.06, harmless — so only a distribution whose bulk nears the threshold
    /// (σ below ≈ 5·10⁻³) is flagged. Any overflow is flagged.
    pub subnormal: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            sigmas: 5.0,
            slack: 0.0,
            dead: 0.95,
            int8_delta: 1e-4,
            subnormal: 0.01,
        }
    }
}

/// Something the report found wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Flag {
    /// Measured variance ≠ the declared prediction.
    VarianceMismatch {
        /// Declared.
        predicted: f64,
        /// Measured.
        measured: f64,
        /// |measured − predicted| in standard errors.
        sigmas: f64,
    },
    /// Drawn std ≠ the manifest's target.
    StdMismatch {
        /// The manifest's target.
        target: f64,
        /// Measured.
        drawn: f64,
        /// |drawn − target| in standard errors.
        sigmas: f64,
    },
    /// Values above FP16's maximum.
    Fp16Overflow {
        /// Their fraction.
        fraction: f64,
    },
    /// Non-zero values below FP16's smallest normal.
    Fp16Subnormal {
        /// Their fraction.
        fraction: f64,
    },
    /// Nearly every value exactly zero.
    Dead {
        /// The zero fraction.
        fraction: f64,
    },
    /// Units that are exact copies of another unit.
    Symmetric {
        /// How many units have a twin.
        units: usize,
    },
}

pub(crate) fn headroom_flags(stats: &TensorStats, subnormal: f64, flags: &mut Vec<Flag>) {
    if stats.headroom.fp16_overflow > 0.0 {
        flags.push(Flag::Fp16Overflow {
            fraction: stats.headroom.fp16_overflow,
        });
    }
    if stats.headroom.fp16_subnormal > 0.0 && stats.headroom.fp16_subnormal >= subnormal {
        flags.push(Flag::Fp16Subnormal {
            fraction: stats.headroom.fp16_subnormal,
        });
    }
}
