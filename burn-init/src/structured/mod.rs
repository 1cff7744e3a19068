//! Schemes whose weights have structure, not just a distribution: orthogonal (Haar), delta
//! orthogonal, identity, Dirac and sparse. Each file holds a scheme's check, the mean and
//! standard deviation its entries have (its formula), and its generator, side by side.

mod identity;
mod orthogonal;
mod sparse;

use crate::error::{InitError, Result, SchemeError};
use crate::gain::Gain;
use crate::sampling::Key;

/// A structured scheme with its arguments (gains not yet evaluated).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Structured {
    Orthogonal { gain: Gain },
    DeltaOrthogonal { gain: Gain, groups: usize },
    Eye { gain: Gain },
    Dirac { groups: usize },
    Sparse { sparsity: f64, std: f64 },
}

/// The population mean and standard deviation of a tensor's entries, and a bound on |value|.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Moments {
    pub(crate) mean: f64,
    pub(crate) std: f64,
    pub(crate) reach: f64,
}

impl Structured {
    /// Checks every argument against `shape` (nothing is computed) and returns the moments of
    /// the entries the scheme gives there.
    pub(crate) fn check(&self, shape: &[usize]) -> Result<Moments> {
        match self {
            Self::Orthogonal { gain } => orthogonal::check_orthogonal(shape, gain.value()?),
            Self::DeltaOrthogonal { gain, groups } => {
                orthogonal::check_delta_orthogonal(shape, *groups, gain.value()?)
            }
            Self::Eye { gain } => identity::check_eye(shape, gain.value()?),
            Self::Dirac { groups } => identity::check_dirac(shape, *groups),
            Self::Sparse { sparsity, std } => sparse::check_sparse(shape, *sparsity, *std),
        }
    }

    /// The row-major values for a shape [`Structured::check`] accepted (only memory can fail).
    pub(crate) fn values(&self, shape: &[usize], key: &Key) -> Result<Vec<f32>> {
        match self {
            Self::Orthogonal { gain } => orthogonal::orthogonal(shape, gain.value()?, key),
            Self::DeltaOrthogonal { gain, groups } => {
                orthogonal::delta_orthogonal(shape, *groups, gain.value()?, key)
            }
            Self::Eye { gain } => identity::eye(shape, gain.value()?),
            Self::Dirac { groups } => identity::dirac(shape, *groups),
            Self::Sparse { sparsity, std } => sparse::sparse(shape, *sparsity, *std, key),
        }
    }

    /// The convolution groups the scheme was built for (Dirac, delta-orthogonal).
    pub(crate) fn groups(&self) -> Option<usize> {
        match self {
            Self::DeltaOrthogonal { groups, .. } | Self::Dirac { groups } => Some(*groups),
            _ => None,
        }
    }
}

/// k/N for a tensor of N = ∏ shape entries; 0 for an empty tensor (nothing to spread).
fn share_of(shape: &[usize]) -> impl Fn(f64) -> f64 {
    let numel: f64 = shape.iter().map(|&d| d as f64).product();
    move |k| if numel > 0.0 { k / numel } else { 0.0 }
}

/// Checks that a conv kernel `[c_out, c_in/g, k…]` has 1 to 3 spatial dimensions.
fn conv_rank(scheme: &'static str, shape: &[usize]) -> Result<()> {
    if (3..=5).contains(&shape.len()) {
        Ok(())
    } else {
        Err(InitError::Scheme(SchemeError::Rank {
            scheme,
            expected: "3 to 5 ([c_out, c_in, k…])",
            shape: shape.to_vec(),
        }))
    }
}

/// Row-major index of the kernel's centre tap within one `[k…]` block.
fn centre_offset(kernel: &[usize]) -> usize {
    kernel.iter().fold(0, |offset, &k| offset * k + k / 2)
}
