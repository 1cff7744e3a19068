//! How far a backend's layers are from a reference run of the same weights, and whether that is
//! more than f32 rounding allows.
//!
//! **The measure.** For a layer recorded by the probe (`burn_init::diagnostics::Probe`, tensors
//! kept), the largest difference of any element from the reference, in units of the reference
//! layer's root mean square: d = maxᵢ |xᵢ − rᵢ| / rms(r). Relative to the layer's scale rather
//! than to each element, so that an element that happens to be near 0 does not dominate; a layer
//! whose reference is exactly 0 everywhere has d = ∞ if any element is not 0 (where Burn's wgpu
//! `tanh` returned 2⁻²⁵ for 0 on llvmpipe), else 0.
//!
//! **The tolerance.** A length-K dot product summed in f32 carries a rounding error on each of
//! its K partial sums, each of relative size at most u = 2⁻²⁴; taken as independent zero-mean
//! terms, uniform, of standard deviation u/√3, they add up to an error of standard deviation
//! u·√(K/3) times the result's scale (the probabilistic analysis of Higham and Mary, "A new
//! approach to probabilistic rounding error analysis", SIAM J. Sci. Comput. 2019, whose bound
//! λ·√K·u holds with probability at least 1 − 2·exp(−λ²/2)). Through a stack whose layers keep
//! the scale of a perturbation (a good initialisation: He under ReLU has gain 1 in rms), the
//! errors made at the d layers up to this one are independent and add in quadrature:
//! σ(d) = u·√(K/3)·√d, with K the model's width, and tol(d) = λ·σ(d). λ = 8 covers the largest
//! of 10⁶ elements of a Gaussian error (√(2·ln 10⁶) = 5.3) with room for the activations' own
//! few ulps. Two f32 runs compared with each other (no f64 reference) differ by √2 times that.
//! Measured on an 8-layer MLP of width 128, batch 32 (`examples/tests/backends.rs`,
//! `backends_f64.rs`): flex and ndarray give the same bits; wgpu on llvmpipe differs from them by
//! 1.0·10⁻⁶ to 2.3·10⁻⁶, 0.15 to 0.18 of the tolerance at every depth; against the f64
//! reference, ndarray and wgpu are at 0.15 to 0.32 of it (ReLU and tanh), flat in depth as the
//! √d predicts. A 10-tolerance error planted at one layer is named there on every backend. And
//! wgpu's `tanh` (Burn 0.22.1, llvmpipe) is accurate near 0 only in absolute terms, to about
//! 1.5·10⁻⁸: relatively 1.7·10⁻⁵ at 10⁻³ and 1.3 % at 10⁻⁶, and 2⁻²⁵ for 10⁻⁹ and 10⁻¹¹
//! (`cargo test -p burn-init-examples --all-features --test backends_f64 tanh -- --nocapture`
//! prints them). A tanh MLP whose layer 3 is of scale 10⁻¹¹ is named at layer 4, the layer that
//! tanh feeds; the catalogue's `tanh_ordered`, whose signal halves at every layer, is named at
//! layers.6, its difference doubling per layer from layers.4.

/// u: the unit roundoff of f32.
pub const UNIT_ROUNDOFF: f64 = 1.0 / (1u64 << 24) as f64;

/// λ of the tolerance (module docs).
pub const LAMBDA: f64 = 8.0;

/// One layer of one backend against the reference.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerAgreement {
    /// The probe's record name.
    pub layer: String,
    /// Its position in forward order, from 1.
    pub depth: usize,
    /// maxᵢ |xᵢ − rᵢ| / rms(r) (module docs).
    pub difference: f64,
    /// The element where it is largest.
    pub at: usize,
    /// tol(depth) for this comparison.
    pub tolerance: f64,
}

impl LayerAgreement {
    /// Whether the difference is beyond rounding.
    pub fn disagrees(&self) -> bool {
        // NaN compares false: a NaN difference disagrees.
        self.difference.is_nan() || self.difference > self.tolerance
    }
}

/// What is compared with what: one f32 run against an f64 reference, or two f32 runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// An f64 reference run of the same weights.
    F64,
    /// Another f32 run (another backend): both carry rounding errors, √2 times the tolerance.
    F32,
}

impl Against {
    /// How many runs carry rounding errors: 1 against f64, 2 between two f32 runs.
    fn runs(self) -> f64 {
        match self {
            Self::F64 => 1.0,
            Self::F32 => 2.0,
        }
    }
}

/// tol(depth) = λ·u·√(K/3)·√depth for a model of width K (module docs), √2 times that against
/// an f32 run.
pub fn tolerance(depth: usize, width: usize, against: Against) -> f64 {
    let runs = against.runs();
    LAMBDA * UNIT_ROUNDOFF * (width as f64 / 3.0).sqrt() * (runs * depth as f64).sqrt()
}

/// The tolerance of the loss and of every parameter's gradient, for a model of width K and D
/// layers whose loss (a mean square) reduces R output elements: the forward error of the output
/// (D layers), the backward error of each layer's δ (at most D layers back), and the gradient's
/// own sum of at most R terms (a weight's gradient sums over the batch and the positions, never
/// more terms than the output has elements in the catalogue's models, none of which shrinks its
/// input), independent and in quadrature: λ·u·√(2·D·K/3 + R/3), √2 times that against an f32
/// run.
pub fn gradient_tolerance(depth: usize, width: usize, reduced: usize, against: Against) -> f64 {
    let runs = against.runs();
    let terms = 2.0 * depth as f64 * width as f64 / 3.0 + reduced as f64 / 3.0;
    LAMBDA * UNIT_ROUNDOFF * (runs * terms).sqrt()
}

/// maxᵢ |xᵢ − rᵢ| / rms(r) and the element where it is largest (module docs); `None` when the
/// lengths differ (not the same layer).
pub fn difference(values: &[f64], reference: &[f64]) -> Option<(f64, usize)> {
    difference_above(values, reference, 0.0)
}

/// [`difference`] in units of max(rms(r), `floor`).
pub fn difference_above(values: &[f64], reference: &[f64], floor: f64) -> Option<(f64, usize)> {
    if values.len() != reference.len() || values.is_empty() {
        return None;
    }
    // (`f64::max` would turn a NaN rms into the floor: a NaN reference must not agree.)
    let rms = rms(reference);
    let rms = if rms.is_nan() { rms } else { rms.max(floor) };
    let (mut worst, mut at) = (0.0f64, 0);
    for (i, (x, r)) in values.iter().zip(reference).enumerate() {
        let gap = (x - r).abs();
        // A NaN in the run or in the reference is the largest difference of all.
        let scaled = if gap.is_nan() || rms.is_nan() {
            f64::INFINITY
        } else if rms > 0.0 {
            gap / rms
        } else if gap != 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        if scaled > worst {
            (worst, at) = (scaled, i);
        }
    }
    Some((worst, at))
}

/// Every layer of `run` against the layer of the same name in `reference` (both in forward
/// order, as the probe records them), for a model of width `width`. A layer missing from the
/// reference, or of another size, is an error naming it.
pub fn compare(
    run: &[(String, Vec<f64>)],
    reference: &[(String, Vec<f64>)],
    width: usize,
    against: Against,
) -> Result<Vec<LayerAgreement>, String> {
    compare_above(run, reference, 0.0, |depth| {
        tolerance(depth, width, against)
    })
}

fn compare_above(
    run: &[(String, Vec<f64>)],
    reference: &[(String, Vec<f64>)],
    floor: f64,
    tolerance: impl Fn(usize) -> f64,
) -> Result<Vec<LayerAgreement>, String> {
    run.iter()
        .enumerate()
        .map(|(i, (layer, values))| {
            let (_, expected) = reference
                .iter()
                .find(|(name, _)| name == layer)
                .ok_or_else(|| format!("layer {layer:?} has no reference"))?;
            let (difference, at) = difference_above(values, expected, floor).ok_or_else(|| {
                format!(
                    "layer {layer:?}: {} values against the reference's {}",
                    values.len(),
                    expected.len()
                )
            })?;
            Ok(LayerAgreement {
                layer: layer.clone(),
                depth: i + 1,
                difference,
                at,
                tolerance: tolerance(i + 1),
            })
        })
        .collect()
}

/// The root mean square of `values`.
pub fn rms(values: &[f64]) -> f64 {
    (values.iter().map(|r| r * r).sum::<f64>() / values.len().max(1) as f64).sqrt()
}

/// Every parameter's gradient of `run` against `reference`'s (same names, visiting order), all
/// with the tolerance `tolerance`, each in units of max(its own rms, the rms of all the
/// reference's gradients): a gradient that is 0 in exact arithmetic (a key projection's under a
/// zero query projection, whose logits do not depend on it) is rounding noise in f64 and in
/// f32 alike, and is measured against the model's gradient scale, of which its summands are.
pub fn compare_gradients(
    run: &[(String, Vec<f64>)],
    reference: &[(String, Vec<f64>)],
    tolerance: f64,
) -> Result<Vec<LayerAgreement>, String> {
    let all: Vec<f64> = reference
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    let floor = rms(&all);
    compare_above(run, reference, floor, |_| tolerance)
}

/// The first layer, in forward order, whose difference is beyond rounding.
pub fn first_disagreement(layers: &[LayerAgreement]) -> Option<&LayerAgreement> {
    layers.iter().find(|layer| layer.disagrees())
}

/// The kept records of a probe's trace, in forward order, as (name, values in f64).
pub fn layers(trace: &burn_init::diagnostics::Trace) -> Result<Vec<(String, Vec<f64>)>, String> {
    trace
        .records()
        .iter()
        .map(|record| {
            let values = trace
                .values(&record.name)
                .ok_or_else(|| format!("layer {:?} was not kept", record.name))?;
            Ok((record.name.clone(), values))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_is_in_units_of_the_layers_scale() {
        // rms(r) = √((9 + 16)/2) = 3.536: a gap of 0.5 at element 1 is 0.1414 of it.
        let (d, at) = difference(&[3.0, 4.5], &[3.0, 4.0]).unwrap();
        assert!(
            (d - 0.5 / 12.5f64.sqrt()).abs() < 1e-15 && at == 1,
            "{d} at {at}"
        );
        // A reference of exact zeros: any non-zero value is infinitely far, zeros agree.
        assert_eq!(
            difference(&[0.0, 2f64.powi(-25)], &[0.0, 0.0]),
            Some((f64::INFINITY, 1))
        );
        assert_eq!(difference(&[0.0, 0.0], &[0.0, 0.0]), Some((0.0, 0)));
        // A NaN is flagged, whatever the tolerance.
        assert_eq!(
            difference(&[1.0, f64::NAN], &[1.0, 1.0]),
            Some((f64::INFINITY, 1))
        );
        // A NaN in the reference (a diverged reference run) agrees with nothing, also where the
        // run's value there is 0 or the reference is otherwise all zeros.
        assert_eq!(
            difference(&[1.0, 0.0], &[1.0, f64::NAN]),
            Some((f64::INFINITY, 0))
        );
        assert_eq!(
            difference_above(&[0.0, f64::NAN], &[0.0, 0.0], 0.0),
            Some((f64::INFINITY, 1))
        );
        assert_eq!(difference(&[1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn the_tolerance_grows_with_width_and_depth() {
        // λ·u·√(K/3)·√d: 8 · 2⁻²⁴ · 16 for K = 768, d = 1; 4 times that for d = 16.
        let t = tolerance(1, 768, Against::F64);
        assert!((t - 8.0 * 16.0 / 16_777_216.0).abs() < 1e-18, "{t}");
        assert!((tolerance(16, 768, Against::F64) / t - 4.0).abs() < 1e-12);
        assert!((tolerance(16, 768, Against::F32) / t - 32f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_first_layer_beyond_rounding_is_named() {
        let reference: Vec<(String, Vec<f64>)> = (0..4)
            .map(|l| (format!("layers.{l}"), vec![1.0, -1.0, 0.5, -0.5]))
            .collect();
        // Gaps in units of the layers' rms, √(2.5/4).
        let rms = 0.625f64.sqrt();
        let tol = |d| rms * tolerance(d, 64, Against::F64);
        // Within rounding at layers 0 and 1, beyond it at 2 (and 3, which it feeds).
        let mut run = reference.clone();
        run[0].1[0] += 0.5 * tol(1);
        run[1].1[1] += 0.9 * tol(2);
        run[2].1[2] += 3.0 * tol(3);
        run[3].1[2] += 3.0 * tol(4);
        let layers = compare(&run, &reference, 64, Against::F64).unwrap();
        let first = first_disagreement(&layers).unwrap();
        assert_eq!(
            (first.layer.as_str(), first.depth, first.at),
            ("layers.2", 3, 2)
        );
        assert!(compare(&run[..1], &reference[1..], 64, Against::F64).is_err());
    }
}
