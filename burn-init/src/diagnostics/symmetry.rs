//! Symmetry: units of a layer that are exact copies of one another (claims §1). Equal incoming
//! weights give equal outputs and equal gradients, so gradient descent never tells them apart —
//! a zero- or constant-initialised layer trains like a single unit. The check compares each
//! unit's values bit for bit (after mapping −0 to +0).
//!
//! A unit is a slice along the layer's output axis, which depends on Burn's layout:
//!
//! | owner | layout | unit axis |
//! |---|---|---|
//! | `Linear`, any rank-2 weight | `[d_in, d_out]` | 1 (a column) |
//! | `Embedding` | `[n, d]` | 0 (a token's row) |
//! | `ConvTranspose*` | `[c_in, c_out/g, k…]` | 1 |
//! | `Conv*`, any rank ≥ 3 | `[c_out, c_in/g, k…]` | 0 |
//! | rank 1 (biases, norms) | — | not checked: equal biases are the usual start |

use std::collections::HashMap;

/// The unit (output) axis of a parameter owned by `layer` with `rank` dimensions.
pub fn unit_axis(layer: &str, rank: usize) -> Option<usize> {
    match (layer, rank) {
        (_, 0 | 1) => None,
        ("Embedding", _) => Some(0),
        (l, _) if l.starts_with("ConvTranspose") => Some(1),
        (_, 2) => Some(1),
        _ => Some(0),
    }
}

/// How many units along `axis` equal another unit exactly: 0 when all are distinct, U when all
/// U units are copies (counted per group, every member of a group of size ≥ 2); 0 when `axis`
/// or `shape` does not fit the values, or the tensor is empty.
///
/// ```
/// use burn_init::diagnostics::identical_units;
/// // A [2, 3] Linear weight: columns 0 and 2 are equal.
/// assert_eq!(identical_units(&[1.0, 2.0, 1.0, 3.0, 4.0, 3.0], &[2, 3], 1), 2);
/// assert_eq!(identical_units(&[0.0; 6], &[2, 3], 1), 3);
/// ```
pub fn identical_units(values: &[f32], shape: &[usize], axis: usize) -> usize {
    twins(values, shape, axis, false)
}

/// [`identical_units`] among the units that are not all zero: for gradients, where an all-zero
/// unit is dead (inactive on every example), not a copy.
pub fn identical_nonzero_units(values: &[f32], shape: &[usize], axis: usize) -> usize {
    twins(values, shape, axis, true)
}

fn twins(values: &[f32], shape: &[usize], axis: usize, skip_zero: bool) -> usize {
    let len = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if values.is_empty() || axis >= shape.len() || len != Some(values.len()) {
        // Not empty, so every dimension is ≥ 1 and below the value count: `units` fits.
        return 0;
    }
    let units = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let mut keys: Vec<Vec<u32>> = vec![Vec::new(); units];
    for (i, &v) in values.iter().enumerate() {
        let v = if v == 0.0 { 0.0f32 } else { v };
        keys[(i / inner) % units].push(v.to_bits());
    }
    let mut groups: HashMap<Vec<u32>, usize> = HashMap::new();
    for key in keys {
        if skip_zero && key.iter().all(|&bits| bits == 0) {
            continue;
        }
        *groups.entry(key).or_default() += 1;
    }
    groups.values().filter(|&&n| n >= 2).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_follow_burn_layouts() {
        assert_eq!(unit_axis("Linear", 2), Some(1));
        assert_eq!(unit_axis("Embedding", 2), Some(0));
        assert_eq!(unit_axis("Conv2d", 4), Some(0));
        assert_eq!(unit_axis("ConvTranspose2d", 4), Some(1));
        assert_eq!(unit_axis("Linear", 1), None);
        // A conv weight [c_out = 2, c_in = 1, 2]: rows 0 and 1 differ; column-wise they would not.
        assert_eq!(identical_units(&[1.0, 1.0, 2.0, 2.0], &[2, 1, 2], 0), 0);
        assert_eq!(identical_units(&[1.0, 1.0, 2.0, 2.0], &[2, 2], 1), 2);
        assert_eq!(identical_units(&[-0.0, 0.0], &[1, 2], 1), 2);
        assert_eq!(
            identical_nonzero_units(&[0.0, 0.0, 1.0, 1.0], &[1, 4], 1),
            2
        );
    }
}
