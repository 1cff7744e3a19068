//! Identity-like initialisations: `eye` for matrices, `dirac` for convolutions.

use super::{Moments, centre_offset, conv_rank, share_of};
use crate::error::{InitError, Result, SchemeError};
use crate::sampling::buffer;

/// `gain`·I for a 2-D tensor (PyTorch's `eye_`, Keras' `Identity(gain)`); non-square matrices get
/// ones on the leading diagonal. For Burn's `Linear` (`[d_in, d_out]`) this maps input i to output i.
/// For a shape [`check_eye`] accepted.
pub(super) fn eye(shape: &[usize], gain: f64) -> Result<Vec<f32>> {
    let (rows, cols) = (shape[0], shape[1]);
    let mut out = buffer(rows * cols)?;
    for i in 0..rows.min(cols) {
        out[i * cols + i] = gain as f32;
    }
    Ok(out)
}

/// PyTorch's `dirac_(groups)` on a conv kernel `[c_out, c_in/g, k…]`: within each group, output
/// channel d copies input channel d through the centre tap, so the convolution (with "same"
/// padding) is the identity on the channels it keeps. For a shape [`check_dirac`] accepted.
pub(super) fn dirac(shape: &[usize], groups: usize) -> Result<Vec<f32>> {
    let (c_in, kernel) = (shape[1], &shape[2..]);
    let taps: usize = kernel.iter().product();
    let centre = centre_offset(kernel);
    let out_per_group = shape[0] / groups;
    let mut out = buffer(shape[0] * c_in * taps)?;
    if out.is_empty() {
        return Ok(out);
    }
    for g in 0..groups {
        for d in 0..out_per_group.min(c_in) {
            out[((g * out_per_group + d) * c_in + d) * taps + centre] = 1.0;
        }
    }
    Ok(out)
}

/// What [`eye`] refuses, checked without computing, and the moments of its k = min(rows, cols)
/// entries g among N: mean g·k/N, std |g|·√(k/N − (k/N)²).
pub(super) fn check_eye(shape: &[usize], gain: f64) -> Result<Moments> {
    if shape.len() != 2 {
        return Err(InitError::Scheme(SchemeError::Rank {
            scheme: "eye",
            expected: "2",
            shape: shape.to_vec(),
        }));
    }
    Ok(ones(shape, shape[0].min(shape[1]), gain))
}

/// What [`dirac`] refuses, checked without computing, and the moments of its
/// k = groups·min(c_out/groups, c_in/groups) ones among N.
pub(super) fn check_dirac(shape: &[usize], groups: usize) -> Result<Moments> {
    conv_rank("dirac", shape)?;
    if groups == 0 || !shape[0].is_multiple_of(groups) {
        return Err(InitError::Scheme(SchemeError::InvalidGroups {
            argument: "shape[0]",
            channels: shape[0],
            groups,
        }));
    }
    Ok(ones(shape, groups * (shape[0] / groups).min(shape[1]), 1.0))
}

/// The moments of a tensor of `shape` holding `gain` at k entries and 0 elsewhere.
fn ones(shape: &[usize], k: usize, gain: f64) -> Moments {
    let share = share_of(shape)(k as f64);
    Moments {
        mean: gain * share,
        std: gain.abs() * (share - share * share).max(0.0).sqrt(),
        reach: gain.abs(),
    }
}
