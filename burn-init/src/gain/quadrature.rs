//! Deterministic Gaussian expectations E[f(z)], z ~ N(0, 1), by adaptive Gauss–Kronrod quadrature.
//!
//! Written by hand because no maintained crate offers an adaptive rule on a weighted integrand
//! with a fixed, reproducible evaluation order. Gauss–Hermite (the classic choice) converges
//! slowly on functions with a kink away from 0 (ReLU6, hard-tanh, user closures); adaptive
//! 7/15-point Gauss–Kronrod on [−16, 16] (the N(0,1) mass outside is < 1e−57) bisects towards
//! kinks and reaches ~1e−13 absolute error on every activation in the gain table.

/// Kronrod nodes (QUADPACK `qk15`), positive half; the last is the centre.
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
/// Kronrod weights matching [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
/// 7-point Gauss weights for the nodes XGK[1], XGK[3], XGK[5] and the centre XGK[7].
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

const HALF_WIDTH: f64 = 16.0;
/// Panels beyond ±TAIL must contribute nothing (N(0,1) mass there is < 1e−32).
const TAIL: f64 = 12.0;
/// A panel is accepted when |K15 − G7| ≤ max(ABS_TOL, REL_TOL·|K15|)…
const ABS_TOL: f64 = 1e-14;
const REL_TOL: f64 = 1e-13;
/// …or when it is this many bisections deep (kinks converge long before; a pathological closure
/// stops here instead of running forever).
const MAX_DEPTH: u32 = 40;
/// Panels evaluated at most, over the whole integral (each costs 15 evaluations).
const MAX_PANELS: usize = 1 << 16;

/// The standard normal density.
pub(crate) fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() * (0.5 / core::f64::consts::PI).sqrt()
}

/// E[f(z)] for z ~ N(0, 1). Returns a non-finite value if `f` does.
pub(crate) fn gaussian_expectation(f: &dyn Fn(f64) -> f64) -> f64 {
    let g = |z: f64| f(z) * normal_pdf(z);
    // Unit-width starting panels put a panel edge on every integer (0 included: ReLU's kink).
    let panels = (2.0 * HALF_WIDTH) as i32;
    let mut budget = MAX_PANELS;
    let (mut total, mut tail) = (0.0, 0.0);
    for i in 0..panels {
        let a = -HALF_WIDTH + f64::from(i);
        let part = adaptive(&g, a, a + 1.0, ABS_TOL / f64::from(panels), 0, &mut budget);
        total += part;
        if !(-TAIL..TAIL).contains(&a) {
            tail += part.abs();
        }
    }
    // A φ² that outgrows the Gaussian (e.g. e^{z²}) has no finite expectation; truncating the
    // domain would hide that, so a tail that still matters reports divergence.
    if tail > 1e-9 * total.abs() {
        f64::INFINITY
    } else {
        total
    }
}

fn adaptive(
    g: &dyn Fn(f64) -> f64,
    a: f64,
    b: f64,
    tol: f64,
    depth: u32,
    budget: &mut usize,
) -> f64 {
    let (kronrod, gauss) = kronrod15(g, a, b);
    *budget = budget.saturating_sub(1);
    let error = (kronrod - gauss).abs();
    if !kronrod.is_finite()
        || error <= tol.max(REL_TOL * kronrod.abs())
        || depth >= MAX_DEPTH
        || *budget == 0
    {
        return kronrod;
    }
    let mid = 0.5 * (a + b);
    adaptive(g, a, mid, 0.5 * tol, depth + 1, budget)
        + adaptive(g, mid, b, 0.5 * tol, depth + 1, budget)
}

fn kronrod15(g: &dyn Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let fc = g(centre);
    let mut kronrod = WGK[7] * fc;
    let mut gauss = WG[3] * fc;
    for j in 0..7 {
        let dx = half * XGK[j];
        let pair = g(centre - dx) + g(centre + dx);
        kronrod += WGK[j] * pair;
        if j % 2 == 1 {
            gauss += WG[j / 2] * pair;
        }
    }
    (kronrod * half, gauss * half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_the_normal() {
        assert!((gaussian_expectation(&|_| 1.0) - 1.0).abs() < 1e-13);
        assert!((gaussian_expectation(&|z| z * z) - 1.0).abs() < 1e-13);
        assert!((gaussian_expectation(&|z| z.powi(4)) - 3.0).abs() < 1e-12);
        // E[e^{2z}] = e^2 (the integrand peaks at z = 2, away from the origin).
        assert!(
            (gaussian_expectation(&|z| (2.0 * z).exp()) / core::f64::consts::E.powi(2) - 1.0).abs()
                < 1e-12
        );
    }

    /// Integrand evaluations of E[f] (a counter around `f`).
    fn evaluations(f: impl Fn(f64) -> f64) -> (f64, usize) {
        let count = core::cell::Cell::new(0usize);
        let value = gaussian_expectation(&|z| {
            count.set(count.get() + 1);
            f(z)
        });
        (value, count.get())
    }

    #[test]
    fn a_smooth_integrand_is_accepted_on_its_first_panels() {
        // 32 unit panels of 15 points each; a smooth φ² needs at most one bisection per panel.
        // (A panel that is accepted only at MAX_DEPTH or when the budget runs out costs 10⁶.)
        let (value, n) = evaluations(|z| z * z);
        assert!((value - 1.0).abs() < 1e-13);
        assert!(n <= 32 * 15 * 3, "{n} evaluations");
    }

    #[test]
    fn a_jump_stops_at_the_depth_limit_not_the_budget() {
        // A step at 0.3 is never resolved to the tolerance (K15 − G7 ≈ the jump × the panel's
        // width, like the tolerance): the bisection stops at MAX_DEPTH = 40. Each level adds two
        // panels to the 32 smooth ones, which are accepted at once: 15 × (32 + 2 × 40)
        // evaluations. Without the depth limit it would go on until the halves fall below f64's
        // resolution (2 100 evaluations), or for a wilder closure, to the 65 536-panel budget.
        let (value, n) = evaluations(|z| if z > 0.3 { 1.0 } else { 0.0 });
        let exact = 0.5 * libm::erfc(0.3 / core::f64::consts::SQRT_2);
        assert!((value - exact).abs() < 1e-10, "{value} vs {exact}");
        assert_eq!(n, 15 * (32 + 2 * 40), "evaluations");
    }

    #[test]
    fn a_large_finite_expectation_is_not_called_divergent() {
        // E[10⁶ e^{z²/4}] = 10⁶ √2: finite, with a tail beyond ±12 of about 10⁻¹⁰, negligible
        // against the total (the divergence test is relative: tail > 10⁻⁹ × total).
        let got = gaussian_expectation(&|z| 1e6 * (0.25 * z * z).exp());
        assert!(
            (got / (1e6 * core::f64::consts::SQRT_2) - 1.0).abs() < 1e-12,
            "{got}"
        );
        // E[e^{z²}] diverges, and is reported so.
        assert!(gaussian_expectation(&|z| (z * z).exp()).is_infinite());
    }

    #[test]
    fn kink_away_from_a_panel_edge() {
        // E[min(max(z, 0), 0.37)^2]: closed form by parts.
        let c: f64 = 0.37;
        let phi = normal_pdf(c);
        let cdf = |x: f64| 0.5 * libm::erfc(-x / core::f64::consts::SQRT_2);
        // ∫_0^c z² φ = (Φ(c) − 1/2) − c φ(c);  c² P(z > c).
        let exact = (cdf(c) - 0.5) - c * phi + c * c * (1.0 - cdf(c));
        let got = gaussian_expectation(&|z: f64| z.clamp(0.0, c).powi(2));
        assert!((got - exact).abs() < 1e-12, "{got} vs {exact}");
    }
}
