//! Haar-distributed (semi-)orthogonal matrices: the Q of a Gaussian matrix's QR with the sign
//! fix Q·sign(diag R) (Mezzadri 2007; PyTorch's `orthogonal_`, Saxe et al. 2014). Without the sign
//! fix Q is not Haar-distributed.
//!
//! Computed as Stewart (1980) does: Householder QR applies each reflector to the columns on its
//! right, but a Gaussian column stays an independent Gaussian column under any orthogonal map, so
//! skipping those trailing updates leaves the joint distribution of the reflectors — and of Q —
//! unchanged. Each block of 32 or 64 columns is therefore factored on its own (faer's QR of an
//! m × b panel, which also yields the block's compact-WY factor), and Q is accumulated from the
//! reflectors backwards, each block touching only the rows and columns at and after its own
//! (LAPACK's `orgqr`). In f32 this is about (4/3)·n³ flops for a square n × n, half of PyTorch's
//! QR + Q. Both phases are cut into independent pieces at fixed positions (panels; column chunks
//! of Q) that run faer's sequential kernels on rayon's pool, so the bits depend on the shape only.
//!
//! Measured beside PyTorch 2.15's `orthogonal_` (same machine, 2 cores, medians;
//! `benches/pytorch/orthogonal.py`, numbers in `docs/sampling.md`): about 0.8× PyTorch's time at 256²,
//! 0.4× at 1024² and 4096².

use crate::error::{InitError, Result, SchemeError};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::{householder, qr::no_pivoting::factor};
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Conj, Mat, MatMut, Par};
use rayon::prelude::*;

use super::{Moments, centre_offset, conv_rank, share_of};
use crate::sampling::{Key, KeyedDistribution, Normal, buffer};

/// `gain`·Q for a tensor flattened to `[shape[0], ∏ shape[1..]]` like PyTorch: orthonormal rows
/// when there are fewer rows than columns, orthonormal columns otherwise. For a shape
/// [`check_orthogonal`] accepted.
pub(super) fn orthogonal(shape: &[usize], gain: f64, key: &Key) -> Result<Vec<f32>> {
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    semi_orthogonal(rows, cols, gain, key)
}

/// Delta-orthogonal (Xiao et al. 2018): a conv kernel `[c_out, c_in/g, k…]` that is zero except
/// at the centre tap, which holds `gain`·Q_j for each group j, Q_j a `(c_out/g) × (c_in/g)`
/// matrix with orthonormal columns (drawn with `key` when g = 1, `key.fold_in(j)` otherwise).
/// Each group's convolution is then an isometry at init (dynamical isometry for very deep CNNs).
/// For a shape [`check_delta_orthogonal`] accepted.
pub(super) fn delta_orthogonal(
    shape: &[usize],
    groups: usize,
    gain: f64,
    key: &Key,
) -> Result<Vec<f32>> {
    let (c_out, c_in, kernel) = (shape[0], shape[1], &shape[2..]);
    let taps: usize = kernel.iter().product();
    let centre = centre_offset(kernel);
    let mut out = buffer(c_out * c_in * taps)?;
    if out.is_empty() {
        // Nothing to draw (and c_out = 0 accepts any number of groups).
        return Ok(out);
    }
    let per_group = c_out / groups;
    for group in 0..groups {
        let key = if groups == 1 {
            *key
        } else {
            key.fold_in(group as u64)
        };
        let q = semi_orthogonal(per_group, c_in, gain, &key)?;
        let offset = group * per_group * c_in;
        for (pair, value) in q.into_iter().enumerate() {
            out[(offset + pair) * taps + centre] = value;
        }
    }
    Ok(out)
}

/// What [`orthogonal`] refuses, checked without drawing, and its moments: `[r, c]` (flattened)
/// holds g·Q with ‖Q‖²_F = min(r, c), so mean 0 and std |g|·√(min(r, c)/(r·c)); |entry| ≤ |g|.
pub(super) fn check_orthogonal(shape: &[usize], gain: f64) -> Result<Moments> {
    if shape.len() < 2 {
        return Err(InitError::Scheme(SchemeError::Rank {
            scheme: "orthogonal",
            expected: "≥ 2",
            shape: shape.to_vec(),
        }));
    }
    let rows = shape[0] as f64;
    let cols = shape[1..].iter().map(|&d| d as f64).product::<f64>();
    Ok(Moments {
        mean: 0.0,
        std: gain.abs() * share_of(shape)(rows.min(cols)).sqrt(),
        reach: gain.abs(),
    })
}

/// What [`delta_orthogonal`] refuses, checked without drawing, and its moments: G blocks of
/// c_in/G unit columns give ‖W‖²_F = g²·c_in, so mean 0 and std |g|·√(c_in/N); |entry| ≤ |g|.
pub(super) fn check_delta_orthogonal(shape: &[usize], groups: usize, gain: f64) -> Result<Moments> {
    conv_rank("delta_orthogonal", shape)?;
    let (c_out, c_in, kernel) = (shape[0], shape[1], &shape[2..]);
    if kernel.iter().any(|k| k % 2 == 0) {
        return Err(InitError::Scheme(SchemeError::EvenKernel {
            kernel: kernel.to_vec(),
        }));
    }
    if groups == 0 || !c_out.is_multiple_of(groups) {
        return Err(InitError::Scheme(SchemeError::InvalidGroups {
            argument: "shape[0]",
            channels: c_out,
            groups,
        }));
    }
    // Per group: c_out/g outputs from c_in/g inputs (`shape[1]` is already per group).
    if c_out / groups < c_in {
        return Err(InitError::Scheme(SchemeError::TooFewOutputChannels {
            c_out: c_out / groups,
            c_in,
        }));
    }
    Ok(Moments {
        mean: 0.0,
        std: gain.abs() * share_of(shape)((c_in * groups) as f64).sqrt(),
        reach: gain.abs(),
    })
}

/// Columns per Householder block: narrow panels for small matrices (the panel's BLAS-2 work
/// dominates there), wider ones for big (the updates' GEMMs dominate). Measured on 2 cores:
/// 256² 1.7 → 1.4 ms with 32 instead of 128 columns; 4096² 656 → 618 ms with 64.
fn block_columns(n: usize) -> usize {
    if n < 1024 { 32 } else { 64 }
}

/// Columns of Q each task updates with one block reflector. The work is cut at these fixed
/// column positions and every piece runs faer's sequential kernels, so the bits depend on the
/// shape only — never on the thread count, nor on whether the pieces run in parallel.
const CHUNK: usize = 256;

/// Below this many elements the pieces run on the calling thread: waking the pool costs more
/// than it saves (measured: 256² took 8 ms with faer's own 8-part parallelism, 1.9 ms without).
const PARALLEL_ELEMENTS: usize = 512 * 512;

fn semi_orthogonal(rows: usize, cols: usize, gain: f64, key: &Key) -> Result<Vec<f32>> {
    if rows == 0 || cols == 0 {
        return Ok(Vec::new());
    }
    // Factor the tall orientation (PyTorch transposes wide matrices): m ≥ n. A square Q is
    // written transposed too — Qᵀ is Haar-distributed like Q, and its rows are Q's contiguous
    // columns (no transpose pass).
    let wide = rows <= cols;
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let mut gaussian = Normal::new(0.0, 1.0)
        .expect("N(0, 1) is valid")
        .sample(key, m * n)?;
    let mut a = MatMut::from_column_major_slice_mut(&mut gaussian, m, n);
    let q = haar_q(a.rb_mut());
    let gain = gain as f32;
    let sign: Vec<f32> = (0..n)
        .map(|j| if a[(j, j)] < 0.0 { -gain } else { gain })
        .collect();
    let mut out = buffer(rows * cols)?;
    let column = |j: usize| {
        q.col(j)
            .try_as_col_major()
            .expect("a Mat's columns are contiguous")
            .as_slice()
    };
    // Rows of `out` in bands: for a wide matrix out[j, i] = Q[i, j] (rows of `out` are columns
    // of Q, contiguous in both); otherwise out[i, j] = Q[i, j], a transpose of column-major Q,
    // done band by band so that the band's cache lines stay in L1 while the columns stream by
    // (a plain row loop strides by m: 4096² took 120 ms, measured).
    const BAND: usize = 64;
    let copy_band = |(band, chunk): (usize, &mut [f32])| {
        let first = band * BAND;
        let band_rows = chunk.len() / cols;
        if wide {
            for (r, row) in chunk.chunks_exact_mut(cols).enumerate() {
                let j = first + r;
                for (value, &q) in row.iter_mut().zip(column(j)) {
                    *value = q * sign[j];
                }
            }
        } else {
            for (j, &sign) in sign.iter().enumerate() {
                for (r, &q) in column(j)[first..first + band_rows].iter().enumerate() {
                    chunk[r * cols + j] = q * sign;
                }
            }
        }
    };
    if rows * cols >= PARALLEL_ELEMENTS {
        out.par_chunks_mut(BAND * cols)
            .enumerate()
            .for_each(copy_band);
    } else {
        out.chunks_mut(BAND * cols).enumerate().for_each(copy_band);
    }
    Ok(out)
}

/// The thin Q (m × n, m ≥ n) of the Gaussian matrix `a`, Stewart's way (module docs). On return
/// the diagonal of `a` holds the diagonal of R.
///
/// Both phases split into independent pieces at fixed positions: every panel is factored on its
/// own (Stewart), and each block reflector updates Q in column chunks of [`CHUNK`]. The pieces run
/// faer's sequential kernels in parallel (rayon): about twice the speed of faer's inner
/// parallelism on two cores, where its synchronisation dominated (measured: 1024² 68 → 40 ms).
fn haar_q(a: MatMut<'_, f32>) -> Mat<f32> {
    let (m, n) = (a.nrows(), a.ncols());
    let parallel = m * n >= PARALLEL_ELEMENTS;
    let block = block_columns(n);
    let mut coeff = Mat::<f32>::zeros(block, n);
    // Phase 1: the panels, each with its compact-WY factor.
    let mut panels = Vec::new();
    let (mut rest_a, mut rest_c) = (a, coeff.as_mut());
    for start in (0..n).step_by(block) {
        let width = block.min(n - start);
        let (panel, next_a) = rest_a.split_at_col_mut(width);
        let (factor, next_c) = rest_c.split_at_col_mut(width);
        panels.push((
            panel.subrows_mut(start, m - start),
            factor.subrows_mut(0, width),
        ));
        (rest_a, rest_c) = (next_a, next_c);
    }
    let factor_panel = |(panel, factor): &mut (MatMut<'_, f32>, MatMut<'_, f32>)| {
        let (rows, cols) = (panel.nrows(), panel.ncols());
        let req =
            factor::qr_in_place_scratch::<f32>(rows, cols, cols, Par::Seq, Default::default());
        let mut stack = MemBuffer::new(req);
        factor::qr_in_place(
            panel.rb_mut(),
            factor.rb_mut(),
            Par::Seq,
            MemStack::new(&mut stack),
            Default::default(),
        );
    };
    if parallel {
        panels.par_iter_mut().for_each(factor_panel);
    } else {
        panels.iter_mut().for_each(factor_panel);
    }
    // Phase 2: Q = H₁·H₂·…·[I; 0], the last block first; block b touches rows and columns ≥ its
    // start only (LAPACK's `orgqr`).
    let mut q = Mat::<f32>::identity(m, n);
    for (index, (panel, factor)) in panels.iter().enumerate().rev() {
        let start = index * block;
        let mut chunks = Vec::new();
        let mut rest = q
            .as_mut()
            .subrows_mut(start, m - start)
            .subcols_mut(start, n - start);
        while rest.ncols() > 0 {
            let width = CHUNK.min(rest.ncols());
            let (chunk, next) = rest.split_at_col_mut(width);
            chunks.push(chunk);
            rest = next;
        }
        let apply = |chunk: &mut MatMut<'_, f32>| {
            let req = householder::apply_block_householder_on_the_left_in_place_scratch::<f32>(
                panel.nrows(),
                factor.nrows(),
                chunk.ncols(),
            );
            let mut stack = MemBuffer::new(req);
            householder::apply_block_householder_on_the_left_in_place_with_conj(
                panel.rb(),
                factor.rb(),
                Conj::No,
                chunk.rb_mut(),
                Par::Seq,
                MemStack::new(&mut stack),
            );
        };
        if parallel {
            chunks.par_iter_mut().for_each(apply);
        } else {
            chunks.iter_mut().for_each(apply);
        }
    }
    q
}
