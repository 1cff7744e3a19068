//! The generator of the tables of `inverse_normal` (`inverse_normal_table.rs` for 32-bit words,
//! `inverse_normal_wide_table.rs` for 64-bit probabilities): each (half, octave, segment)'s
//! polynomial in r (degree `DEGREE_PLUS_ONE − 1`), interpolated in f64 at the Chebyshev nodes
//! of [0, 1] (within a small factor of the best uniform approximation of that degree),
//! converted to powers of r and rounded to f32.

use super::{DEGREE_PLUS_ONE, R_BITS, SEGMENT_BITS, SEGMENTS, Width};
use crate::sampling::normal::{quantile, quantile_above_half};

/// The exact |z| of a word whose p is `p` (an integer on the words; any real between them) in
/// the tail half (`central` false: −Φ⁻¹(t), t = (p + ½)·2⁻ᵇⁱᵗˢ) or the centre (Φ⁻¹(½ + u),
/// u = (p + ½)·2⁻ᵇⁱᵗˢ, computed from u itself so that its relative precision is kept).
pub(crate) fn exact(width: Width, central: bool, p: f64) -> f64 {
    let x = (p + 0.5) * 2f64.powi(-(width.bits() as i32));
    if central {
        quantile_above_half(x)
    } else {
        -quantile(x)
    }
}

/// The p of octave `k`, segment `j`, at r: 2ᵇⁱᵗˢ⁻³⁻ᵏ·(1 + (j + r)/SEGMENTS), plus the mean of the
/// low bits of p that the segment's and r's bits leave out (for 32-bit words: two bits in
/// octave 0, one in octave 1).
pub(crate) fn p_at(width: Width, k: usize, j: usize, r: f64) -> f64 {
    let after = bits_after_lead(width, k);
    let dropped = after.saturating_sub(SEGMENT_BITS + R_BITS);
    let dropped_mean = ((1u64 << dropped) - 1) as f64 / 2.0;
    2f64.powi(after as i32) * (1.0 + (j as f64 + r) / SEGMENTS as f64) + dropped_mean
}

/// The bits p has after its leading one in octave `k` (none for p = 0).
fn bits_after_lead(width: Width, k: usize) -> u32 {
    (width.bits() - 3).saturating_sub(k as u32)
}

/// Whether segment `j` of octave `k` holds any word: in the last octaves p has fewer bits after
/// its leading one than the segment takes, so only some segments are reached; the last octave
/// is p = 0 alone.
pub(crate) fn reachable(width: Width, k: usize, j: usize) -> bool {
    if k == width.octaves() - 1 {
        return j == 0;
    }
    let missing = SEGMENT_BITS.saturating_sub(bits_after_lead(width, k));
    j.is_multiple_of(1 << missing)
}

/// Coefficients below this fraction of the constant term change no result (r < 1) and are set
/// to 0, so that no product of the evaluation can be subnormal.
const NEGLIGIBLE: f64 = 1.0 / (1u64 << 30) as f64;

/// The table of `width`, rows as in `inverse_normal::locate`, coefficients as f32 bit patterns.
pub(crate) fn table(width: Width) -> Vec<[u32; DEGREE_PLUS_ONE]> {
    let mut rows = Vec::with_capacity(width.rows());
    for central in [false, true] {
        for k in 0..width.octaves() {
            for j in 0..SEGMENTS {
                rows.push(row(width, central, k, j));
            }
        }
    }
    rows
}

fn row(width: Width, central: bool, k: usize, j: usize) -> [u32; DEGREE_PLUS_ONE] {
    let mut c = [0.0f64; DEGREE_PLUS_ONE];
    if !reachable(width, k, j) {
        return [0; DEGREE_PLUS_ONE];
    }
    let exact = |p: f64| exact(width, central, p);
    if k == width.octaves() - 1 {
        c[0] = exact(0.0);
    } else if bits_after_lead(width, k) <= SEGMENT_BITS {
        // No bit of p is left for r: one value per segment.
        c[0] = exact(p_at(width, k, j, 0.0));
    } else {
        c = interpolate(|r| exact(p_at(width, k, j, r)));
    }
    let c0 = c[0];
    c.map(|ci| {
        if ci.abs() < c0.abs() * NEGLIGIBLE {
            0
        } else {
            (ci as f32).to_bits()
        }
    })
}

/// The polynomial through f at the Chebyshev nodes of [0, 1], in powers of r.
fn interpolate(f: impl Fn(f64) -> f64) -> [f64; DEGREE_PLUS_ONE] {
    const N: usize = DEGREE_PLUS_ONE;
    let nodes: [f64; N] = std::array::from_fn(|i| {
        0.5 + 0.5 * ((2 * i + 1) as f64 * std::f64::consts::PI / (2 * N) as f64).cos()
    });
    // The Vandermonde system V·c = f(nodes), solved by Gaussian elimination with partial pivoting.
    let mut a: [[f64; N + 1]; N] = std::array::from_fn(|i| {
        std::array::from_fn(|col| {
            if col < N {
                nodes[i].powi(col as i32)
            } else {
                f(nodes[i])
            }
        })
    });
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .expect("rows left");
        a.swap(col, pivot);
        let pivot_row = a[col];
        for row in a.iter_mut().skip(col + 1) {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row.iter()).skip(col) {
                *x -= factor * p;
            }
        }
    }
    let mut c = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|x| a[row][x] * c[x]).sum();
        c[row] = (a[row][N] - tail) / a[row][row];
    }
    c
}

/// The table as the Rust source of its file (`Width::file`).
pub(crate) fn source(width: Width, rows: &[[u32; DEGREE_PLUS_ONE]]) -> String {
    let (bits, last, rows_len) = (width.bits(), width.octaves() - 1, width.rows());
    let (name, what) = match width {
        Width::Word32 => ("COEFFICIENTS", "normal deviates (one stream word each)"),
        Width::Word64 => (
            "WIDE_COEFFICIENTS",
            "truncated normal deviates (64-bit probabilities)",
        ),
    };
    let mut s = format!(
        "//! Generated by `sampling::inverse_normal`'s test `the_committed_tables_are_the_generators`\n\
         //! (run it with BURN_INIT_WRITE_TABLE=1 to rewrite this file): the coefficients of sampler\n\
         //! version 2's {what} as f32 bit patterns, c0 … c{} of\n\
         //! each row, rows ordered (half: tail, centre) × octave 0 … {last} × segment 0 … {} of\n\
         //! {bits}-bit probabilities. Changing a bit changes version 2's values: its golden\n\
         //! fingerprints fail.\n\n",
        DEGREE_PLUS_ONE - 1,
        SEGMENTS - 1,
    );
    assert_eq!(rows.len(), rows_len);
    s.push_str(&format!(
        "#[rustfmt::skip]\n\
         pub(crate) static {name}: [[u32; {DEGREE_PLUS_ONE}]; {rows_len}] = [\n"
    ));
    for row in rows {
        let words: Vec<String> = row.iter().map(|w| format!("0x{w:08x}")).collect();
        s.push_str(&format!("    [{}],\n", words.join(", ")));
    }
    s.push_str("];\n");
    s
}
