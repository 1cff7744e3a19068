//! Statistics of a recorded activation across the examples of its batch (axis 0): how much of
//! the signal still tells the examples apart, which units never fire, how saturated a squashing
//! activation is, and how peaked a softmax over the last axis would be. Computed on the host in
//! f64, like [`TensorStats`](super::TensorStats), from the same values.
//!
//! **Distinct fraction.** Poole et al. (2016) and Schoenholz et al. (2017) follow two inputs a,
//! b through a deep net by the correlation c_ab = q_ab/√(q_aa·q_bb) of their representations
//! (q_ab = E_units[h_a·h_b]). Averaged over all pairs of a batch of B examples it has the exact
//! closed form 1 − c̄ = δ with
//!
//! δ = [Σ_j Σ_b (a_bj − ā_j)²/(B − 1)] / [Σ_j Σ_b a_bj²/B],
//!
//! the fraction of the representation's second moment that varies between examples (j runs over
//! every non-batch position). δ = 1 for uncorrelated examples, δ → 0 when every input maps to
//! the same representation: then nothing downstream can tell the examples apart and the network
//! cannot learn from its input. It is computed in two passes (means first), so a δ of 10⁻¹²
//! is measured as such and not lost to cancellation.

use serde::{Deserialize, Serialize};

use super::stats::unit_axis;

/// A squashing activation's output is saturated where its derivative is below 2 % of its
/// largest: |a| ≥ 0.99 for tanh (1 − a² ≤ 0.02), a ≤ 0.0102 or a ≥ 0.9898 for the logistic
/// sigmoid (4·a(1 − a) ≤ 0.04).
pub const SATURATION_DERIVATIVE: f64 = 0.02;

/// What a record's batch says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStats {
    /// Examples (the size of axis 0).
    pub examples: usize,
    /// The distinct fraction δ = 1 − mean correlation between different examples (see the
    /// [module documentation](self)); 0 when every value is zero.
    pub distinct: f64,
    /// Units along the unit axis (features of `[batch, features]` and `[batch, tokens,
    /// features]`, channels of `[batch, channels, …]`).
    pub units: usize,
    /// Units that are exactly zero for every example and position: a ReLU that never fires on
    /// this batch passes neither signal nor gradient.
    pub dead_units: usize,
    /// When every value lies in a squashing activation's range — [−1, 1] with a negative value
    /// (tanh), or (0, 1] with no exact zero (sigmoid) — the fraction of values where its
    /// derivative is below [`SATURATION_DERIVATIVE`] of its largest; `None` otherwise.
    pub saturated: Option<f64>,
    /// The rows' distribution over the last axis (see [`SoftmaxStats`]).
    pub softmax: Option<SoftmaxStats>,
    /// Standard error across units of E[a₊²] − E[a₋²] (positive and negative parts): the spread
    /// that a rectifier after this record adds to a prediction made from its second moment
    /// (see [`Expected::Moment`](super::Expected::Moment)).
    pub se_rectified: f64,
}

/// How peaked a softmax over the last axis is, averaged over its rows: of the record itself when
/// its rows are probabilities (attention weights), else of the softmax of its rows read as
/// logits (rank 2 or 3 only), centred over the batch (each logit's mean over the examples
/// removed: a shared offset is the bias's to learn, the input-dependent spread is the
/// initialisation's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftmaxStats {
    /// Classes K (the last axis).
    pub classes: usize,
    /// Whether the rows are probabilities themselves (else logits).
    pub probabilities: bool,
    /// Mean entropy of the rows divided by ln K: 1 for uniform predictions, 0 for one-hot.
    pub entropy: f64,
    /// Mean of the largest probability of each row.
    pub max_probability: f64,
}

impl BatchStats {
    /// Statistics of `values` laid out row-major in `shape`, examples along axis 0; `None` for a
    /// tensor of rank < 2, fewer than 2 examples or an empty one. Non-finite values are left out.
    pub fn of(values: &[f32], shape: &[usize]) -> Option<Self> {
        if shape.len() < 2 || shape[0] < 2 || values.is_empty() {
            return None;
        }
        let examples = shape[0];
        let per_example = values.len() / examples;
        let finite = |v: f32| if v.is_finite() { f64::from(v) } else { 0.0 };
        let mut mean = vec![0.0f64; per_example];
        for row in values.chunks_exact(per_example) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += finite(v);
            }
        }
        let b = examples as f64;
        mean.iter_mut().for_each(|m| *m /= b);
        let (mut between, mut second) = (0.0f64, 0.0f64);
        for row in values.chunks_exact(per_example) {
            for (m, &v) in mean.iter().zip(row) {
                let v = finite(v);
                between += (v - m) * (v - m);
                second += v * v;
            }
        }
        let distinct = if second > 0.0 {
            (between / (b - 1.0)) / (second / b)
        } else {
            0.0
        };
        let (units, dead_units, se_rectified) = units(values, shape);
        Some(Self {
            examples,
            distinct,
            units,
            dead_units,
            saturated: saturated(values),
            softmax: softmax(values, shape),
            se_rectified,
        })
    }
}

/// Units, dead units and the SE across units of E[a₊²] − E[a₋²].
fn units(values: &[f32], shape: &[usize]) -> (usize, usize, f64) {
    let Some(axis) = unit_axis(shape.len()) else {
        return (0, 0, 0.0);
    };
    let count = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let mut alive = vec![false; count];
    let mut halves = vec![(0.0f64, 0usize); count];
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let unit = (i / inner) % count;
        alive[unit] |= v != 0.0;
        let v = f64::from(v);
        halves[unit].0 += v * v.abs();
        halves[unit].1 += 1;
    }
    let dead = alive.iter().filter(|a| !**a).count();
    let per_unit: Vec<f64> = halves
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| s / *n as f64)
        .collect();
    let u = per_unit.len() as f64;
    let se = if u >= 2.0 {
        let avg = per_unit.iter().sum::<f64>() / u;
        let spread = per_unit.iter().map(|d| (d - avg) * (d - avg)).sum::<f64>() / (u - 1.0);
        (spread / u).sqrt()
    } else {
        0.0
    };
    (count, dead, se)
}

fn saturated(values: &[f32]) -> Option<f64> {
    let finite = values.iter().filter(|v| v.is_finite());
    let (mut lo, mut hi, mut zero, mut n) = (f32::INFINITY, f32::NEG_INFINITY, false, 0usize);
    for &v in finite {
        lo = lo.min(v);
        hi = hi.max(v);
        zero |= v == 0.0;
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let fraction = |flat: &dyn Fn(f64) -> bool| {
        values
            .iter()
            .filter(|v| v.is_finite() && flat(f64::from(**v)))
            .count() as f64
            / n as f64
    };
    let d = SATURATION_DERIVATIVE;
    if lo >= -1.0 && hi <= 1.0 && lo < 0.0 {
        // tanh: 1 − a² ≤ d.
        Some(fraction(&|a| 1.0 - a * a <= d))
    } else if lo > 0.0 && hi <= 1.0 && !zero {
        // sigmoid: a(1 − a)/¼ ≤ d.
        Some(fraction(&|a| 4.0 * a * (1.0 - a) <= d))
    } else {
        None
    }
}

/// Whether every row (last axis) holds probabilities: values in [0, 1] summing to 1.
fn probability_rows(values: &[f32], classes: usize) -> bool {
    values.chunks_exact(classes).all(|row| {
        let sum: f64 = row.iter().map(|&v| f64::from(v)).sum();
        row.iter().all(|&v| (0.0..=1.0).contains(&v)) && (sum - 1.0).abs() <= 1e-3
    })
}

fn softmax(values: &[f32], shape: &[usize]) -> Option<SoftmaxStats> {
    let classes = *shape.last()?;
    if shape.len() < 2 || classes < 2 {
        return None;
    }
    let probabilities = probability_rows(values, classes);
    if !probabilities && shape.len() > 3 {
        return None;
    }
    // Logits are centred over the batch: an offset every example shares is the bias's to learn
    // in a few steps; the input-dependent spread is what the initialisation's scale sets.
    let per_example = values.len() / shape[0];
    let mut centre = vec![0.0f64; per_example];
    if !probabilities {
        for example in values.chunks_exact(per_example) {
            for (c, &v) in centre.iter_mut().zip(example) {
                *c += f64::from(v) / shape[0] as f64;
            }
        }
    }
    let (mut entropy, mut top, mut rows) = (0.0f64, 0.0f64, 0usize);
    let mut p = vec![0.0f64; classes];
    for (r, row) in values.chunks_exact(classes).enumerate() {
        if row.iter().any(|v| !v.is_finite()) {
            continue;
        }
        if probabilities {
            p.iter_mut().zip(row).for_each(|(p, &v)| *p = f64::from(v));
        } else {
            let start = (r * classes) % per_example;
            let centre = &centre[start..start + classes];
            let z = |(&v, &c): (&f32, &f64)| f64::from(v) - c;
            let max = row
                .iter()
                .zip(centre)
                .map(z)
                .fold(f64::NEG_INFINITY, f64::max);
            p.iter_mut()
                .zip(row.iter().zip(centre))
                .for_each(|(p, vc)| *p = (z(vc) - max).exp());
            let total: f64 = p.iter().sum();
            p.iter_mut().for_each(|p| *p /= total);
        }
        entropy -= p
            .iter()
            .filter(|&&p| p > 0.0)
            .map(|p| p * p.ln())
            .sum::<f64>();
        top += p.iter().fold(0.0f64, |m, &p| m.max(p));
        rows += 1;
    }
    (rows > 0).then(|| SoftmaxStats {
        classes,
        probabilities,
        entropy: entropy / rows as f64 / (classes as f64).ln(),
        max_probability: top / rows as f64,
    })
}

/// Whether ∂loss/∂a has the shape of a cross-entropy's gradient on every row of the last axis,
/// ∂L/∂z = (p − y)/B: one negative entry (the label's, p_y − 1 < 0), every other entry ≥ 0, and
/// a sum of zero (and not all rows zero). That is the signature of a loss that reads `a` through
/// a softmax, so `a` holds logits. A sum of zero alone is not: a LayerNorm's input gets a
/// gradient whose rows sum to zero too (its mean is subtracted), with entries of either sign.
///
/// The gradient is computed in f32, where p_y carries an absolute rounding error of a few ε
/// (ε = 2⁻²³) times the scale 1/B: a row whose label the softmax already gives 1 − O(ε) has no room
/// left for the signature (p_y rounds to 1, its entry to 0, the others stay tiny and positive).
/// Such rows count as zero, and every row's sum may be off by that rounding. The scale is read
/// from the largest row, 2(1 − p_y)/B ≈ 2/B when some example is confidently wrong, as exploded
/// logits make most of them.
pub(crate) fn cross_entropy_gradient(gradient: &[f32], shape: &[usize]) -> bool {
    /// Rounding allowed in a row, in units of ε times the largest row's size (softmax's few ε,
    /// with room to spare).
    const ROUNDING: f64 = 16.0 * f32::EPSILON as f64;
    let Some(&classes) = shape.last() else {
        return false;
    };
    if !(2..=3).contains(&shape.len()) || classes < 2 || gradient.is_empty() {
        return false;
    }
    let rows: Vec<(f64, f64, usize)> = gradient
        .chunks_exact(classes)
        .map(|row| {
            let (sum, size) = row.iter().fold((0.0f64, 0.0f64), |(s, a), &g| {
                (s + f64::from(g), a + f64::from(g).abs())
            });
            (sum, size, row.iter().filter(|&&g| g < 0.0).count())
        })
        .collect();
    let largest = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let rounding = ROUNDING * largest;
    largest > 0.0
        && rows.iter().all(|&(sum, size, negative)| {
            size <= rounding || (negative == 1 && sum.abs() <= 1e-3 * size + rounding)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_fraction_is_one_minus_the_mean_pairwise_correlation() {
        // Three examples of two units: h = (1, 0), (0, 1), (1, 1). Pairwise q_ab/q: the mean of
        // ⟨h_a, h_b⟩ over the 6 ordered pairs is (0 + 1 + 1)·2/6 = 2/3, the mean ‖h‖² is 4/3:
        // c̄ = 1/2, δ = 1/2.
        let s = BatchStats::of(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2]).unwrap();
        assert!((s.distinct - 0.5).abs() < 1e-12);
        // Identical examples: nothing distinct; all zeros: nothing at all.
        let same = BatchStats::of(&[0.3, -2.0, 0.3, -2.0], &[2, 2]).unwrap();
        assert_eq!(same.distinct, 0.0);
        assert_eq!(BatchStats::of(&[0.0; 4], &[2, 2]).unwrap().distinct, 0.0);
        // Opposite examples are as distinct as can be: c̄ = −1, δ = 2.
        let opposite = BatchStats::of(&[1.0, -1.0, -1.0, 1.0], &[2, 2]).unwrap();
        assert!((opposite.distinct - 2.0).abs() < 1e-12);
        assert!(BatchStats::of(&[1.0, 2.0], &[1, 2]).is_none());
    }

    #[test]
    fn dead_units_saturation_and_softmax() {
        // Unit 1 of [batch 2, units 3] is zero for both examples.
        let s = BatchStats::of(&[0.5, 0.0, 0.2, 0.1, 0.0, 0.0], &[2, 3]).unwrap();
        assert_eq!((s.units, s.dead_units), (3, 1));
        // Values inside [0, 1] with exact zeros are ReLU outputs, not a sigmoid's.
        assert_eq!(s.saturated, None);
        let tanh = BatchStats::of(&[0.995, -0.999, 0.2, -0.5], &[2, 2]).unwrap();
        assert_eq!(tanh.saturated, Some(0.5));
        let sigmoid = BatchStats::of(&[0.001, 0.5, 0.999, 0.5], &[2, 2]).unwrap();
        assert_eq!(sigmoid.saturated, Some(0.5));
        // Logits (0, ln 3) and (0, −ln 3) over 2 classes: centred over the batch they stay as
        // they are, p = (¼, ¾) and (¾, ¼). A shared offset (+5 on both examples) changes nothing.
        let l3 = 3f32.ln();
        let l = BatchStats::of(&[0.0, l3, 0.0, -l3], &[2, 2]).unwrap();
        let sm = l.softmax.unwrap();
        let h = -(0.25f64 * 0.25f64.ln() + 0.75 * 0.75f64.ln()) / 2f64.ln();
        assert!((sm.entropy - h).abs() < 1e-6);
        assert!((sm.max_probability - 0.75).abs() < 1e-6);
        let shifted = BatchStats::of(&[5.0, 5.0 + l3, 5.0, 5.0 - l3], &[2, 2]).unwrap();
        assert!((shifted.softmax.unwrap().entropy - h).abs() < 1e-6);
        assert!(!sm.probabilities);
        // Rows that are probabilities are read as such, at any rank: (1, 0) and (½, ½).
        let p = BatchStats::of(&[1.0, 0.0, 0.5, 0.5], &[2, 1, 1, 2]).unwrap();
        let sm = p.softmax.unwrap();
        assert!(sm.probabilities);
        assert!((sm.entropy - 0.5).abs() < 1e-12 && (sm.max_probability - 0.75).abs() < 1e-12);
    }

    #[test]
    fn cross_entropy_gradients_mark_logits() {
        // (p − y)/B: rows sum to zero, one negative entry each (a row with p_y = 1 is all zero).
        let ce = [0.2, -0.3, 0.1, -0.5, 0.25, 0.25, 0.0, 0.0, 0.0];
        assert!(cross_entropy_gradient(&ce, &[3, 3]));
        assert!(cross_entropy_gradient(&ce, &[1, 3, 3]));
        // A squared error's 2(ŷ − y)/n: rows do not sum to zero.
        let mse = [0.2, 0.3, 0.1, -0.5, 0.25, 0.25];
        assert!(!cross_entropy_gradient(&mse, &[2, 3]));
        // A LayerNorm's input: rows sum to zero with two negative entries.
        let norm = [0.3, -0.1, -0.2, -0.5, 0.25, 0.25];
        assert!(!cross_entropy_gradient(&norm, &[2, 3]));
        assert!(!cross_entropy_gradient(&[0.0; 6], &[2, 3]));
    }

    /// (softmax(z) − onehot(y))/B computed in f32, as a backward pass computes it.
    fn f32_cross_entropy_gradient(logits: &[[f32; 3]], labels: &[usize]) -> Vec<f32> {
        let b = logits.len() as f32;
        logits
            .iter()
            .zip(labels)
            .flat_map(|(z, &y)| {
                let top = z.iter().copied().fold(f32::MIN, f32::max);
                let e: Vec<f32> = z.iter().map(|x| (x - top).exp()).collect();
                let total: f32 = e.iter().sum();
                (0..3).map(move |k| (e[k] / total - if k == y { 1.0 } else { 0.0 }) / b)
            })
            .collect()
    }

    #[test]
    fn exploded_logits_are_still_logits() {
        // Logits of scale 30, as an unscaled residual stack's read-out gives at initialisation
        // (docs/study: a second moment of 938). The first example is confidently right: p_y
        // rounds to 1 in f32, its row is (0, 4e-18, 2e-19)/B, with no negative entry. The
        // others are confidently wrong, or right to 1 − 10⁻⁶ (a sum off by f32's rounding).
        let logits = [
            [40.0, 0.0, -3.0],
            [0.0, 35.0, 1.0],
            [-2.0, 12.0, 26.0],
            [14.0, 0.0, 0.5],
        ];
        let g = f32_cross_entropy_gradient(&logits, &[0, 0, 1, 0]);
        assert_eq!(g[0], 0.0, "the label's entry rounds to zero");
        assert!(cross_entropy_gradient(&g, &[4, 3]));
        // The same rows read as a squared error's gradient (z − y)/B are not.
        let mse: Vec<f32> = logits.iter().flatten().map(|z| z / 4.0).collect();
        assert!(!cross_entropy_gradient(&mse, &[4, 3]));
        // A row of tiny positive entries in a batch whose largest row is as tiny is no
        // cross-entropy: the rounding allowance is relative to the batch's largest row.
        assert!(!cross_entropy_gradient(
            &[1e-9, 1e-9, 0.0, 2e-9, 0.0, 1e-9],
            &[2, 3]
        ));
    }
}
