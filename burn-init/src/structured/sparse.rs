//! Sparse initialisation (Martens 2010; PyTorch's `sparse_`).

use crate::error::{self, InitError, Result, SchemeError};
use rand_chacha::rand_core::Rng;

use super::Moments;
use crate::sampling::{Key, KeyedDistribution, Normal};

/// A 2-D tensor drawn from N(0, std²), then in every column exactly ⌈sparsity·rows⌉ entries (at
/// uniformly random rows, independent per column) set to 0.
///
/// The count is computed without PyTorch's floating-point slip: PyTorch's `math.ceil(0.07 * 100)`
/// is 8 because 0.07·100 = 7.000000000000001 in f64; here it is 7. For arguments [`check_sparse`]
/// accepted.
pub(super) fn sparse(shape: &[usize], sparsity: f64, std: f64, key: &Key) -> Result<Vec<f32>> {
    let (rows, cols) = (shape[0], shape[1]);
    let zeros = zeros_per_column(sparsity, rows);
    let mut out = Normal::new(0.0, std)?.sample(&key.fold_in(0), rows * cols)?;
    if out.is_empty() || zeros == 0 {
        // Nothing to zero (and no per-column loop over a huge empty axis).
        return Ok(out);
    }
    let positions = key.fold_in(1);
    let mut order: Vec<usize> = Vec::with_capacity(rows);
    for col in 0..cols {
        let mut rng = positions.fold_in(col as u64).stream_at(0, 0);
        order.clear();
        order.extend(0..rows);
        // Partial Fisher–Yates: the first `zeros` entries are a uniform random subset.
        for i in 0..zeros {
            let j = i + below(&mut rng, (rows - i) as u64) as usize;
            order.swap(i, j);
            out[order[i] * cols + col] = 0.0;
        }
    }
    Ok(out)
}

/// What [`sparse`] refuses, checked without drawing, and its moments: a share z/rows of each
/// column is 0, so mean 0 and std = std·√(1 − z/rows); the normal's tail stays below 11σ.
pub(super) fn check_sparse(shape: &[usize], sparsity: f64, std: f64) -> Result<Moments> {
    if shape.len() != 2 {
        return Err(InitError::Scheme(SchemeError::Rank {
            scheme: "sparse",
            expected: "2",
            shape: shape.to_vec(),
        }));
    }
    if !(sparsity.is_finite() && (0.0..1.0).contains(&sparsity)) {
        return Err(InitError::out_of_domain(
            "sparsity",
            sparsity,
            "a fraction in [0, 1)",
        ));
    }
    error::non_negative("std", std)?;
    // The values come from N(0, std²), whose draws must fit in f32 (as `Normal::new` checks).
    error::fits_f32(0.0, std, 11.0)?;
    let rows = shape[0];
    let kept = 1.0 - zeros_per_column(sparsity, rows) as f64 / rows.max(1) as f64;
    Ok(Moments {
        mean: 0.0,
        std: std * kept.sqrt(),
        reach: 11.0 * std,
    })
}

/// ⌈sparsity·rows⌉, treating products within rounding error of an integer as that integer.
fn zeros_per_column(sparsity: f64, rows: usize) -> usize {
    let product = sparsity * rows as f64;
    let nearest = product.round();
    let count = if (product - nearest).abs() <= 1e-9 * product.max(1.0) {
        nearest
    } else {
        product.ceil()
    };
    count as usize
}

/// A uniform integer in [0, n), n ≥ 1 (Lemire's multiply-and-reject).
fn below(rng: &mut impl Rng, n: u64) -> u64 {
    let threshold = n.wrapping_neg() % n;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(n);
        if product as u64 >= threshold {
            return (product >> 64) as u64;
        }
    }
}
