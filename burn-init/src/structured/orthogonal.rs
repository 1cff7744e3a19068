//! Haar-distributed (semi-)orthogonal matrices: QR of a Gaussian matrix with the sign fix
//! Q·sign(diag R) (Mezzadri 2007; PyTorch's `orthogonal_`, Saxe et al. 2014). Without the sign
//! fix Q is not Haar-distributed. QR runs in f64 through faer.

use faer::Mat;

use super::{centre_offset, conv_rank};
use crate::error::{InitError, Result};
use crate::sampling::{Key, KeyedDistribution, Normal};

/// `gain`·Q for a tensor flattened to `[shape[0], ∏ shape[1..]]` like PyTorch: orthonormal rows
/// when there are fewer rows than columns, orthonormal columns otherwise.
pub(crate) fn orthogonal(shape: &[usize], gain: f64, key: &Key) -> Result<Vec<f32>> {
    if shape.len() < 2 {
        return Err(InitError::Rank {
            scheme: "orthogonal",
            expected: "≥ 2",
            shape: shape.to_vec(),
        });
    }
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    Ok(semi_orthogonal(rows, cols, gain, key))
}

/// Delta-orthogonal (Xiao et al. 2018): a conv kernel `[c_out, c_in, k…]` that is zero except at
/// the centre tap, which holds `gain`·Q, Q a `c_out × c_in` matrix with orthonormal columns. The
/// convolution is then an isometry at init (dynamical isometry for very deep CNNs).
pub(crate) fn delta_orthogonal(shape: &[usize], gain: f64, key: &Key) -> Result<Vec<f32>> {
    conv_rank("delta_orthogonal", shape)?;
    let (c_out, c_in, kernel) = (shape[0], shape[1], &shape[2..]);
    if kernel.iter().any(|k| k % 2 == 0) {
        return Err(InitError::EvenKernel {
            kernel: kernel.to_vec(),
        });
    }
    if c_out < c_in {
        return Err(InitError::TooFewOutputChannels { c_out, c_in });
    }
    let taps: usize = kernel.iter().product();
    let centre = centre_offset(kernel);
    let q = semi_orthogonal(c_out, c_in, gain, key);
    let mut out = vec![0.0; c_out * c_in * taps];
    for (pair, value) in q.into_iter().enumerate() {
        out[pair * taps + centre] = value;
    }
    Ok(out)
}

fn semi_orthogonal(rows: usize, cols: usize, gain: f64, key: &Key) -> Vec<f32> {
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let gaussian = Normal::new(0.0, 1.0)
        .expect("N(0, 1) is valid")
        .sample(key, rows * cols);
    // Factor the tall orientation: A (rows ≥ cols) or Aᵀ (PyTorch transposes wide matrices).
    let wide = rows < cols;
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let a = Mat::<f64>::from_fn(m, n, |i, j| {
        f64::from(if wide {
            gaussian[j * cols + i]
        } else {
            gaussian[i * cols + j]
        })
    });
    let qr = a.qr();
    let q = qr.compute_thin_Q();
    let r = qr.thin_R();
    let sign: Vec<f64> = (0..n)
        .map(|j| if r[(j, j)] < 0.0 { -gain } else { gain })
        .collect();
    let mut out = vec![0.0; rows * cols];
    for i in 0..m {
        for j in 0..n {
            let value = (q[(i, j)] * sign[j]) as f32;
            if wide {
                out[j * cols + i] = value;
            } else {
                out[i * cols + j] = value;
            }
        }
    }
    out
}
