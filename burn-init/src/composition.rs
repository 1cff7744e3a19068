//! Corrections for how layers are put together (claims §4–5): sums of branches, residual
//! connections, concatenation, dropout, sparse masks, weight normalisation, the phases of a
//! transposed convolution, attention logits and graph attention over nodes of any degree.
//!
//! Every factor is derived from fans, branch counts or an activation's second moment; this
//! module is the one place these formulas live. The modules of `burn-init-models` take their
//! factors from here, and their tests measure that the variance the formulas predict is the
//! variance the modules produce.

use crate::error::{self, InitError};
use crate::fan::Fan;
use crate::gain::Nonlinearity;
use crate::scheme::Scheme;

fn at_least_one(name: &'static str, value: usize) -> error::Result<f64> {
    if value == 0 {
        return Err(InitError::out_of_domain(name, 0_usize, "at least 1"));
    }
    Ok(value as f64)
}

fn fraction(name: &'static str, value: f64, expected: &'static str) -> error::Result<f64> {
    if !(value > 0.0 && value <= 1.0) {
        return Err(InitError::out_of_domain(name, value, expected));
    }
    Ok(value)
}

/// The factor for a sum of N balanced, uncorrelated branches (Inception-style): the variances
/// add, Var(Σ fᵢ) = N·σ², so the sum is scaled by **1/√N** (three branches 1×1, 3×3, 5×5 → 1/√3).
///
/// ```
/// let s = burn_init::composition::sum_scale(3).unwrap();
/// assert!((s - 1.0 / 3f64.sqrt()).abs() < 1e-15);
/// ```
pub fn sum_scale(branches: usize) -> error::Result<f64> {
    Ok(1.0 / at_least_one("branches", branches)?.sqrt())
}

/// The factor α of a residual connection y = α·(x + Σᵢ fᵢ(x)) with `branches` balanced branches
/// uncorrelated with x: Var y = (1 + branches)·Var x, so **α = 1/√(1 + branches)** (1/√2 for the
/// usual single branch). Without it every block doubles the variance: 2¹⁰⁰ after 100 blocks.
///
/// ```
/// let a = burn_init::composition::residual_scale(1).unwrap();
/// assert!((a - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
/// ```
pub fn residual_scale(branches: usize) -> error::Result<f64> {
    Ok(1.0 / (1.0 + at_least_one("branches", branches)?).sqrt())
}

/// E[(Wx)²]/E\[x²\] of a layer drawn with `scheme`: **n_in·E\[w²\]** (= n_in·σ_w² for a centred
/// scheme; [`Scheme::second_moment`] for this shape and these fans, so that `Eye`, `Ones` and
/// constants count their mean), for inputs with independent entries.
///
/// Glorot after concatenating two c-channel maps (n_in = 2c·k², n_out = c·k²):
/// 2c·k² · 2/(3c·k²) = **4/3**: neither the 1 the scheme promises nor the 2 of a plain sum.
///
/// ```
/// use burn_init::{composition, ConvFan, Fan, Scheme};
/// let (c, k) = (32, 3);
/// let fan = Fan::conv(2 * c, c, &[k, k], 1, ConvFan::GroupCorrect).unwrap();
/// let glorot = Scheme::xavier_normal(1.0);
/// let r = composition::forward_ratio(&glorot, &[c, 2 * c, k, k], fan).unwrap();
/// assert!((r - 4.0 / 3.0).abs() < 1e-12);
/// ```
pub fn forward_ratio(scheme: &Scheme, shape: &[usize], fan: Fan) -> error::Result<f64> {
    let fan_in = error::non_negative("fan_in", fan.fan_in)?;
    let ratio = fan_in * scheme.second_moment(shape, Some(fan))?;
    error::finite("forward ratio n_in·E[w²]", ratio)
}

/// The multiplier that brings [`forward_ratio`] to 1: **1/√(n_in·σ_w²)**. For Glorot after a
/// concatenation that doubles the channels it is √3/2 (claim §4, U-Net skips).
///
/// ```
/// use burn_init::{composition, ConvFan, Fan, Scheme};
/// let fan = Fan::conv(64, 32, &[3, 3], 1, ConvFan::GroupCorrect).unwrap();
/// let m = composition::forward_correction(&Scheme::xavier_uniform(1.0), &[32, 64, 3, 3], fan).unwrap();
/// assert!((m - 3f64.sqrt() / 2.0).abs() < 1e-12);
/// ```
pub fn forward_correction(scheme: &Scheme, shape: &[usize], fan: Fan) -> error::Result<f64> {
    let ratio = forward_ratio(scheme, shape, fan)?;
    if !(ratio > 0.0 && ratio.is_finite()) {
        return Err(InitError::out_of_domain(
            "forward_ratio",
            ratio,
            "a positive, finite variance ratio (a scheme that draws non-zero weights)",
        ));
    }
    Ok(1.0 / ratio.sqrt())
}

/// How a dropout layer treats the units it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DropoutConvention {
    /// Kept units are divided by 1 − p during training (PyTorch, Burn): the second moment grows by
    /// 1/(1 − p).
    Inverted,
    /// Kept units pass unchanged: the signal shrinks by (1 − p).
    Plain,
}

/// The weight multiplier after a dropout layer with drop probability `p` that keeps the next
/// layer's output variance: inverted dropout grows the second moment by 1/(1 − p), compensated by
/// σ² × (1 − p), i.e. **√(1 − p)** (claim §4, text 001); plain dropout shrinks it by (1 − p),
/// compensated by **1/√(1 − p)** (text 000).
///
/// ```
/// use burn_init::composition::{dropout_correction, DropoutConvention};
/// let m = dropout_correction(0.5, DropoutConvention::Inverted).unwrap();
/// assert!((m - 0.5f64.sqrt()).abs() < 1e-15);
/// ```
pub fn dropout_correction(p: f64, convention: DropoutConvention) -> error::Result<f64> {
    if !(0.0..1.0).contains(&p) {
        return Err(InitError::out_of_domain(
            "p",
            p,
            "a drop probability in [0, 1)",
        ));
    }
    Ok(match convention {
        DropoutConvention::Inverted => (1.0 - p).sqrt(),
        DropoutConvention::Plain => 1.0 / (1.0 - p).sqrt(),
    })
}

/// The std multiplier for a layer whose connections are kept with probability `keep` (a sparse
/// sub-network, a lottery ticket): the mask multiplies the variance by `keep` per layer, keep^L
/// over L layers; re-initialising with σ² = 2/(n·keep) — **1/√keep** — restores it.
pub fn sparse_correction(keep: f64) -> error::Result<f64> {
    Ok(1.0 / fraction("keep", keep, "a kept fraction in (0, 1]")?.sqrt())
}

/// The initial g of a weight-normalised layer w = g·v/‖v‖ (one norm per output unit) that keeps
/// the variance through the activation: each row has squared norm g², so for inputs of second
/// moment E[φ(z)²] the pre-activation has variance g²·E[φ(z)²], and keeping it at 1 needs
/// **g = 1/√E[φ(z)²]**, independent of the width: √2 for ReLU (claim §4).
///
/// ```
/// use burn_init::{composition, Nonlinearity};
/// let g = composition::weight_norm_gain(&Nonlinearity::Relu).unwrap();
/// assert!((g - 2f64.sqrt()).abs() < 1e-9);
/// ```
pub fn weight_norm_gain(nonlinearity: &Nonlinearity) -> error::Result<f64> {
    nonlinearity.second_moment_gain()
}

/// Kernel taps feeding each output phase of a transposed convolution along one axis: with
/// kernel k and stride s, the taps κ with κ mod s = r land on the same phase, **⌈(k − r)/s⌉** of
/// them (padding only relabels the phases). k = 3, s = 2 → [2, 1]: one phase receives twice
/// the variance of the other (the checkerboard). k = 4, s = 2 → [2, 2]: flat.
///
/// ```
/// assert_eq!(burn_init::composition::phase_taps(3, 2).unwrap(), vec![2, 1]);
/// ```
pub fn phase_taps(kernel: usize, stride: usize) -> error::Result<Vec<usize>> {
    at_least_one("kernel", kernel)?;
    at_least_one("stride", stride)?;
    let mut taps = crate::sampling::with_capacity(stride)?;
    taps.extend((0..stride).map(|r| (kernel.saturating_sub(r)).div_ceil(stride)));
    Ok(taps)
}

/// Per-tap multipliers, row-major over the kernel window, that give every output phase of a
/// transposed convolution the same variance. A tap κ feeding a phase with t taps is scaled by
/// **√(k/(s·t))** per axis (product over axes): with the stride-aware fan (c_in·∏ k/s) every
/// phase then receives exactly the target variance, where a single scalar variance can only fix
/// the average (claims §3; the checkerboard). All ones when every k is a multiple of its s.
///
/// ```
/// let m = burn_init::composition::phase_equalisation(&[3], &[2]).unwrap();
/// assert!((m[0] - 0.75f64.sqrt()).abs() < 1e-15 && (m[1] - 1.5f64.sqrt()).abs() < 1e-15);
/// ```
pub fn phase_equalisation(kernel: &[usize], stride: &[usize]) -> error::Result<Vec<f64>> {
    if kernel.len() != stride.len() || kernel.is_empty() {
        return Err(InitError::out_of_domain(
            "stride",
            stride.len(),
            "one stride per kernel axis",
        ));
    }
    for (&k, &s) in kernel.iter().zip(stride) {
        at_least_one("kernel", k)?;
        at_least_one("stride", s)?;
    }
    // Every axis is ≥ 1, so the window bounds each axis: once it is allocated, they all fit.
    let window = crate::scheme::element_count(kernel)?;
    let mut multipliers = crate::sampling::with_capacity(window)?;
    multipliers.push(1.0);
    for (&k, &s) in kernel.iter().zip(stride) {
        let taps = phase_taps(k, s)?;
        let axis: Vec<f64> = (0..k)
            .map(|tap| (k as f64 / (s as f64 * taps[tap % s] as f64)).sqrt())
            .collect();
        multipliers = multipliers
            .iter()
            .flat_map(|m| axis.iter().map(move |a| m * a))
            .collect();
    }
    Ok(multipliers)
}

/// The attention logit scale **1/√d_k**: with unit-variance queries and keys, q·k sums d_k
/// products of unit variance, so the scaled logits have variance 1 for any head width.
pub fn attention_scale(d_k: usize) -> error::Result<f64> {
    Ok(1.0 / at_least_one("d_k", d_k)?.sqrt())
}

/// The degree-aware logit multiplier of graph attention: **√(ln d / ln d_ref)**.
///
/// Over d neighbours with i.i.d. N(0, σ²) logits the softmax's entropy is ln d − σ²/2 while
/// σ² < 2 ln d (the random-energy-model estimate), so its entropy ÷ ln d is 1 − σ²/(2 ln d):
/// with a fixed σ, high-degree nodes attend *more* uniformly, low-degree nodes more sharply.
/// Scaling the logits by this factor keeps σ²/ln d, hence entropy ÷ ln d, the same at every
/// degree as at `reference` (the degree the logits were calibrated for) — asymptotically: at
/// finite degree it over-corrects (measured in `tests/suite/composition.rs`: from degree 16 to
/// 256 at σ = 0.7 it removes the entropy drift 0.034 and overshoots by 0.009; at σ = 1.5 from
/// degree 8 to 64 it overshoots by 0.084, more than the drift 0.073). The seed's claim —
/// high-degree nodes get near one-hot attention — holds only beyond the condensation point
/// σ² > 2 ln d, i.e. for large logit variance, which this factor also keeps level.
pub fn degree_logit_scale(degree: usize, reference: usize) -> error::Result<f64> {
    for (name, d) in [("degree", degree), ("reference", reference)] {
        if d < 2 {
            return Err(InitError::out_of_domain(
                name,
                d,
                "a degree of at least 2 (ln 1 = 0)",
            ));
        }
    }
    Ok(((degree as f64).ln() / (reference as f64).ln()).sqrt())
}

/// The variance of dot-product attention logits (W h_i)·(W h_j)/√d_out when queries and keys
/// share **one** projection W (`[d_in, d_out]`, entries of variance σ² from `scheme`), on
/// independent unit-variance inputs h: E‖WᵀW‖²_F/d_out = **σ⁴·d_in·(d_in + d_out + 1)**.
/// With separate Q and K the logit variance is (n_in·σ²)² ([`forward_ratio`] squared); sharing
/// W correlates the two factors (WWᵀ is positive semi-definite, the Marchenko–Pastur second
/// moment), so Xavier on a square W gives ≈ 2, not 1 (dot-product graph attention with GAT's
/// shared W).
///
/// ```
/// use burn_init::{composition, Scheme};
/// let v = composition::shared_projection_logit_variance(&Scheme::xavier_normal(1.0), 32, 32).unwrap();
/// assert!((v - 65.0 / 32.0).abs() < 1e-12);
/// ```
pub fn shared_projection_logit_variance(
    scheme: &Scheme,
    d_in: usize,
    d_out: usize,
) -> error::Result<f64> {
    let (n_in, n_out) = (at_least_one("d_in", d_in)?, at_least_one("d_out", d_out)?);
    let std = scheme.std(&[d_in, d_out], Some(Fan::linear(d_in, d_out)))?;
    Ok(std.powi(4) * n_in * (n_in + n_out + 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ArgumentError;

    #[test]
    fn forward_ratio_counts_the_mean_of_non_centred_schemes() {
        // The identity keeps the signal exactly: n·E[w²] = 8·(1/8) = 1 (the centred std alone
        // gave 1 − 1/8). All-ones sums 4 inputs: 4; a constant 0.5: 4·0.25.
        let fan = Fan::linear(8, 8);
        let eye = Scheme::Eye { gain: 1.0.into() };
        assert_eq!(forward_ratio(&eye, &[8, 8], fan).unwrap(), 1.0);
        let fan = Fan::linear(4, 6);
        assert_eq!(forward_ratio(&Scheme::Ones, &[4, 6], fan).unwrap(), 4.0);
        let half = Scheme::Constant { value: 0.5 };
        assert_eq!(forward_ratio(&half, &[4, 6], fan).unwrap(), 1.0);
        // Invalid schemes are errors, not a negative or meaningless std passed through.
        let negative = Scheme::Normal {
            mean: 0.0,
            std: -1.0,
        };
        assert!(negative.std(&[4, 6], None).is_err());
        assert!(forward_ratio(&negative, &[4, 6], fan).is_err());
        let reversed = Scheme::Uniform {
            low: 1.0,
            high: -1.0,
        };
        assert!(matches!(
            reversed.std(&[4, 6], None),
            Err(InitError::Argument(ArgumentError::Bounds { .. }))
                | Err(InitError::Argument(ArgumentError::OutOfDomain { .. }))
        ));
    }

    #[test]
    fn bad_arguments_are_typed_errors() {
        assert!(matches!(
            sum_scale(0),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "branches",
                ..
            }))
        ));
        assert!(matches!(
            sparse_correction(0.0),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "keep",
                ..
            }))
        ));
        assert!(matches!(
            dropout_correction(1.0, DropoutConvention::Plain),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "p",
                ..
            }))
        ));
        assert!(matches!(
            phase_equalisation(&[3, 3], &[2]),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "stride",
                ..
            }))
        ));
        assert!(matches!(
            degree_logit_scale(1, 4),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "degree",
                ..
            }))
        ));
        assert!(matches!(
            forward_correction(&Scheme::Zeros, &[4, 4], Fan::linear(4, 4)),
            Err(InitError::Argument(ArgumentError::OutOfDomain {
                name: "forward_ratio",
                ..
            }))
        ));
    }

    #[test]
    fn shared_projection_logit_variance_matches_a_draw() {
        // Monte Carlo over W (host draws): mean of ‖WᵀW‖²_F/d_out against the formula.
        let (d_in, d_out) = (24, 16);
        let scheme = Scheme::xavier_normal(1.0);
        let draws = 200;
        let mut sum = 0.0;
        for seed in 0..draws {
            let w = scheme
                .sample_host(
                    &[d_in, d_out],
                    Some(Fan::linear(d_in, d_out)),
                    crate::Key::new(seed),
                )
                .unwrap();
            for a in 0..d_out {
                for b in 0..d_out {
                    let g: f64 = (0..d_in)
                        .map(|c| f64::from(w[c * d_out + a]) * f64::from(w[c * d_out + b]))
                        .sum();
                    sum += g * g / d_out as f64;
                }
            }
        }
        let measured = sum / draws as f64;
        let predicted = shared_projection_logit_variance(&scheme, d_in, d_out).unwrap();
        assert!(
            (measured / predicted - 1.0).abs() < 0.03,
            "{measured} vs {predicted}"
        );
        assert!(shared_projection_logit_variance(&scheme, 0, 4).is_err());
    }

    #[test]
    fn phase_multipliers_equalise_every_phase() {
        // Σ over the taps of a phase of m² must be k/s per axis (the average tap count).
        for (k, s) in [(3, 2), (5, 2), (4, 2), (5, 3), (1, 2), (7, 4)] {
            let m = phase_equalisation(&[k], &[s]).unwrap();
            for r in 0..s {
                let sum: f64 = (r..k).step_by(s).map(|t| m[t] * m[t]).sum();
                if sum > 0.0 {
                    assert!(
                        (sum - k as f64 / s as f64).abs() < 1e-12,
                        "k {k} s {s} phase {r}"
                    );
                }
            }
        }
        assert!(
            phase_equalisation(&[4, 4], &[2, 2])
                .unwrap()
                .iter()
                .all(|&m| (m - 1.0).abs() < 1e-15)
        );
        assert_eq!(phase_equalisation(&[3, 3], &[2, 2]).unwrap().len(), 9);
    }
}
