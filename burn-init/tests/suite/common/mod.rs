//! Shared test helpers: per-device test generation and statistics with explicit margins.

pub mod fingerprint;

use burn::tensor::Tensor;

/// Margin of every statistical assertion, in standard errors.
pub const SIGMAS: f64 = 5.0;

/// The values of a tensor, read back to the host.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// Sample mean, variance and the standard errors of both (the variance's from the sample's own
/// fourth central moment: SE² = (m₄ − m₂²)/n).
pub struct Moments {
    pub mean: f64,
    pub var: f64,
    pub se_mean: f64,
    pub se_var: f64,
}

pub fn moments(values: &[f32]) -> Moments {
    let n = values.len() as f64;
    let mean = values.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for &x in values {
        let d = f64::from(x) - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    let (m2, m4) = (m2 / n, m4 / n);
    Moments {
        mean,
        var: m2,
        se_mean: (m2 / n).sqrt(),
        se_var: ((m4 - m2 * m2) / n).sqrt(),
    }
}

/// Mean and variance within [`SIGMAS`] standard errors of the formula.
pub fn assert_moments(label: &str, values: &[f32], mean: f64, var: f64) {
    let m = moments(values);
    // When the expected variance is exact, the mean's SE uses it (robust if the sample is degenerate).
    let se_mean = (var / values.len() as f64).sqrt().max(m.se_mean);
    assert!(
        (m.mean - mean).abs() <= SIGMAS * se_mean,
        "{label}: mean {} vs {mean} (SE {se_mean:.3e})",
        m.mean
    );
    assert!(
        (m.var - var).abs() <= SIGMAS * m.se_var,
        "{label}: variance {} vs {var} (SE {:.3e})",
        m.var,
        m.se_var
    );
}

/// Kolmogorov–Smirnov: √n·D ≤ 2.75, the critical value at p ≈ 5.7e−7 (a two-sided 5σ event).
pub fn assert_ks(label: &str, values: &[f32], cdf: impl Fn(f64) -> f64) {
    let mut sorted: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max);
    assert!(
        d * n.sqrt() <= 2.75,
        "{label}: KS statistic √n·D = {:.3}",
        d * n.sqrt()
    );
}

/// Every variant of `Scheme`, as serde (Burn's `Config` derive) knows them: the list is read from
/// the error that deserialising an unknown variant gives, so it follows the enum by itself and a
/// test can check that a hand-written list of schemes misses none.
pub fn scheme_variants() -> Vec<String> {
    let error = serde_json::from_str::<burn_init::Scheme>("\"NoSuchScheme\"")
        .expect_err("not a variant")
        .to_string();
    let list = error
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("serde's message changed: {error}"));
    list.split(", ")
        .map(|v| v.split('`').nth(1).expect("a quoted variant").to_string())
        .collect()
}

/// The variant of `scheme` (its serde tag).
pub fn variant_of(scheme: &burn_init::Scheme) -> String {
    match serde_json::to_value(scheme).expect("serialisable") {
        serde_json::Value::String(unit) => unit,
        serde_json::Value::Object(map) => map.keys().next().expect("one tag").clone(),
        other => panic!("unexpected serde form {other}"),
    }
}

/// Panics naming the variants of `Scheme` that `schemes` (the list called `list`) misses.
pub fn assert_every_variant(list: &str, schemes: &[burn_init::Scheme]) {
    let have: std::collections::BTreeSet<String> = schemes.iter().map(variant_of).collect();
    let missing: Vec<String> = scheme_variants()
        .into_iter()
        .filter(|v| !have.contains(v))
        .collect();
    assert!(missing.is_empty(), "{list} misses {missing:?}");
}
