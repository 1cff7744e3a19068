//! Schemes whose weights have structure, not just a distribution: orthogonal (Haar), delta
//! orthogonal, identity, Dirac and sparse. Each returns the row-major values of the tensor.

mod identity;
mod orthogonal;
mod sparse;

pub(crate) use identity::{check_dirac, check_eye, dirac, eye};
pub(crate) use orthogonal::{
    check_delta_orthogonal, check_orthogonal, delta_orthogonal, orthogonal,
};
pub(crate) use sparse::{check_sparse, sparse, zeros_per_column};

use crate::error::{InitError, Result};

/// Checks that a conv kernel `[c_out, c_in/g, k…]` has 1 to 3 spatial dimensions.
fn conv_rank(scheme: &'static str, shape: &[usize]) -> Result<()> {
    if (3..=5).contains(&shape.len()) {
        Ok(())
    } else {
        Err(InitError::Rank {
            scheme,
            expected: "3 to 5 ([c_out, c_in, k…])",
            shape: shape.to_vec(),
        })
    }
}

/// Row-major index of the kernel's centre tap within one `[k…]` block.
fn centre_offset(kernel: &[usize]) -> usize {
    kernel.iter().fold(0, |offset, &k| offset * k + k / 2)
}
