//! What a [`Prepared`] says of its draw — mean, std, reach, shape — is what it draws. The
//! mutation run found these moments tested only through the policy's manifest of fan-based
//! schemes: a uniform's std (b − a)/√12 or a truncated normal's mean could be wrong and no
//! test of burn-init would fail. Here each is compared with a large draw of its own scheme
//! (mean and std within 5 SE, the std's SE from the sample's fourth moment), its reach with the
//! largest drawn value and with the f32 range it guards.

use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};

use crate::common::SIGMAS;

const LEN: usize = 1 << 18;

fn check_moments(scheme: Scheme, fan: Option<Fan>) {
    check_moments_on(scheme, &[LEN], fan);
}

/// `prepared`'s host draw under `seed`, as f64.
fn drawn(prepared: &burn_init::Prepared, seed: u64) -> Vec<f64> {
    let values = prepared.sample_host(Key::new(seed)).unwrap();
    values.into_iter().map(f64::from).collect()
}

fn check_moments_on(scheme: Scheme, shape: &[usize], fan: Option<Fan>) {
    let prepared = scheme.prepare(shape, fan).unwrap();
    let values = drawn(&prepared, 70);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let m2 = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let (std, se_std) = (m2.sqrt(), ((m4 - m2 * m2) / n).sqrt() / (2.0 * m2.sqrt()));
    let label = format!("{scheme:?}");
    assert!(
        (prepared.mean() - mean).abs() <= SIGMAS * std / n.sqrt(),
        "{label}: mean {} vs drawn {mean}",
        prepared.mean()
    );
    assert!(
        (prepared.std() - std).abs() <= SIGMAS * se_std,
        "{label}: std {} vs drawn {std} ± {se_std}",
        prepared.std()
    );
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        prepared.reach() >= largest,
        "{label}: reach {} below a drawn {largest}",
        prepared.reach()
    );
    assert!(
        (prepared.second_moment() - (prepared.std().powi(2) + prepared.mean().powi(2))).abs()
            < 1e-12
    );
    assert!(
        (scheme.mean(shape, fan).unwrap() - prepared.mean()).abs() < 1e-15,
        "{label}: Scheme::mean"
    );
}

#[test]
fn each_law_s_moments_are_those_of_its_draw() {
    check_moments(
        Scheme::Uniform {
            low: 1.0,
            high: 4.0,
        },
        None,
    );
    check_moments(
        Scheme::Uniform {
            low: -3.0,
            high: -2.0,
        },
        None,
    );
    check_moments(
        Scheme::Normal {
            mean: 2.0,
            std: 0.5,
        },
        None,
    );
    check_moments(Scheme::trunc_normal(1.0, 2.0, 0.0, 3.0), None);
    check_moments(Scheme::trunc_normal(-0.5, 1.0, -4.0, 0.0), None);
    check_moments(
        Scheme::kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu),
        Some(Fan::linear(64, 32)),
    );
    check_moments(
        Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Tanh),
        Some(Fan::linear(64, 32)),
    );
    // Sparse: 3 of each column's 10 entries are 0, so std = 2·√0.7 (the mutation run found
    // the kept share untested).
    check_moments_on(
        Scheme::Sparse {
            sparsity: 0.3,
            std: 2.0,
        },
        &[10, LEN / 10],
        None,
    );
}

/// The reach guards f32's range: a normal whose 11σ tail (the ziggurat's bound) would pass
/// f32::MAX is refused, one well inside is drawn; a truncated normal's reach is its window when
/// the window is nearer than 40σ.
#[test]
fn the_reach_guards_the_f32_range() {
    let max = f64::from(f32::MAX);
    assert!(
        Scheme::Normal {
            mean: 0.0,
            std: max / 8.0
        }
        .prepare(&[4], None)
        .is_err()
    );
    assert!(
        Scheme::Normal {
            mean: max / 2.0,
            std: max / 20.0
        }
        .prepare(&[4], None)
        .is_err()
    );
    let inside = Scheme::Normal {
        mean: 0.0,
        std: max / 20.0,
    }
    .prepare(&[4], None)
    .unwrap();
    assert!(inside.reach() >= 11.0 * max / 20.0 && inside.reach() < max);
    let window = Scheme::trunc_normal(0.0, 1.0, -2.0, 3.0)
        .prepare(&[4], None)
        .unwrap();
    assert_eq!(window.reach(), 3.0);
    let fan = Fan::linear(1, 1);
    let huge = Scheme::kaiming_normal(FanMode::FanIn, 1e38);
    assert!(
        huge.prepare(&[4], Some(fan)).is_err(),
        "11σ = 1.1e39 > f32::MAX must be refused"
    );
}

#[test]
fn a_prepared_draw_knows_its_shape_and_name() {
    let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    let prepared = he.prepare(&[3, 5], Some(Fan::linear(3, 5))).unwrap();
    assert_eq!(
        (prepared.shape(), prepared.len(), prepared.is_empty()),
        (&[3, 5][..], 15, false)
    );
    assert_eq!(prepared.name(), he.name());
    assert!(!prepared.name().is_empty());
    // Orthogonal is computed whole (a shard of it costs the whole QR); a keyed law is not.
    let orthogonal = Scheme::orthogonal(1.0).prepare(&[4, 4], None).unwrap();
    assert!(orthogonal.is_whole() && !prepared.is_whole());
    let empty = Scheme::Zeros.prepare(&[0, 5], None).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
}

/// A policy's multiplier is refused where multiplier × reach would pass f32::MAX: the reach is
/// the bound of the law actually drawn — 11σ for the ziggurat of a fan-based normal, 40σ for a
/// truncated normal whose window is wider than that — so a wrong reach lets an overflowing
/// multiplier through (the mutation run's survivors 11 + σ, 11/σ, 40 + σ, 40/σ).
#[test]
fn a_multiplier_is_refused_where_the_reach_would_pass_f32() {
    let max = f64::from(f32::MAX);
    let device = burn::tensor::Device::default();
    let with = |scheme: Scheme, multiplier: f64| {
        let rule = burn_init::policy::Rule::new(scheme)
            .with_path(Some("weight".into()))
            .with_multiplier(multiplier);
        let linear = burn::nn::LinearConfig::new(1, 1).init(&device);
        burn_init::policy::Policy::new()
            .rule(rule)
            .apply(linear, Key::new(0))
            .map(|_| ())
            .map_err(|refused| refused.error)
    };
    // He normal, gain 2, fan-in 1: σ = 2, reach 22.
    let he = Scheme::kaiming_normal(FanMode::FanIn, 2.0);
    assert!(
        with(he.clone(), max / 15.0).is_err(),
        "22·MAX/15 passes f32"
    );
    assert!(with(he, max / 30.0).is_ok());
    // σ = 2 in a window of ±10⁶: reach 40σ = 80.
    let wide = Scheme::trunc_normal(0.0, 2.0, -1e6, 1e6);
    assert!(
        with(wide.clone(), max / 50.0).is_err(),
        "80·MAX/50 passes f32"
    );
    assert!(with(wide, max / 100.0).is_ok());
    // Sparse, σ = 2: its non-zero entries are N(0, 4), reach 11σ = 22 like He's.
    let sparse = Scheme::Sparse {
        sparsity: 0.0,
        std: 2.0,
    };
    assert!(
        with(sparse.clone(), max / 15.0).is_err(),
        "22·MAX/15 passes f32"
    );
    assert!(with(sparse, max / 30.0).is_ok());
}

/// The deterministic structured schemes' moments are those of their tensor, exactly: a dirac
/// kernel holds k = groups · min(c_out/groups, c_in/groups) ones among N, eye min(rows, cols)
/// gains. (The mutation run found the grouped count untested: `groups + …`, `c_out % groups` and
/// `c_out · groups` passed; the shapes below tell each apart from the formula.)
#[test]
fn structured_moments_are_those_of_their_tensor() {
    for (scheme, shape) in [
        // k = 3 · min(2, 1) = 3 of 18.
        (Scheme::Dirac { groups: 3 }, vec![6, 1, 3]),
        // k = 2 · min(2, 3) = 4 of 36.
        (Scheme::Dirac { groups: 2 }, vec![4, 3, 3]),
        // k = min(2, 5) = 2 of 30.
        (Scheme::Dirac { groups: 1 }, vec![2, 5, 3]),
        // k = 3 of 15, each 2.
        (Scheme::Eye { gain: 2.0.into() }, vec![3, 5]),
    ] {
        let prepared = scheme.prepare(&shape, None).unwrap();
        let values = drawn(&prepared, 1);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let label = format!("{scheme:?} on {shape:?}");
        assert!(
            (prepared.mean() - mean).abs() < 1e-12,
            "{label}: mean {} vs {mean}",
            prepared.mean()
        );
        assert!(
            (prepared.std() - std).abs() < 1e-12,
            "{label}: std {} vs {std}",
            prepared.std()
        );
        assert_eq!(prepared.reach(), largest, "{label}");
    }
}
