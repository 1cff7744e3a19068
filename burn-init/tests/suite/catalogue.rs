//! Every distribution-type scheme: mean and variance within 5 SE of its formula, bounds never
//! exceeded, and a Kolmogorov–Smirnov test against the analytic CDF — on every enabled device.

use burn::tensor::{Device, Tensor};
use burn_init::sampling::SamplerVersion;
use burn_init::sampling::normal::{normal_cdf, truncated_moments};
use burn_init::{Distribution, Fan, FanMode, Gain, Key, Nonlinearity, Scheme, VarianceScaling};

use crate::common::{assert_every_variant, assert_ks, assert_moments, values, variant_of};

const FAN_IN: usize = 256;
const FAN_OUT: usize = 512;

fn draw(scheme: &Scheme, key: u64, device: &Device) -> Vec<f32> {
    let fan = Fan::linear(FAN_IN, FAN_OUT);
    let tensor: Tensor<2> = scheme
        .sample([FAN_IN, FAN_OUT], Some(fan), Key::new(key), device)
        .unwrap();
    values(tensor)
}

/// U(−bound, bound): moments, bounds, KS.
pub(crate) fn check_uniform(label: &str, values: &[f32], low: f64, high: f64) {
    assert!(
        values.iter().all(|&x| x >= low as f32 && x <= high as f32),
        "{label}: outside [{low}, {high}]"
    );
    assert_moments(
        label,
        values,
        0.5 * (low + high),
        (high - low).powi(2) / 12.0,
    );
    assert_ks(label, values, |x| {
        ((x - low) / (high - low)).clamp(0.0, 1.0)
    });
}

pub(crate) fn check_normal(label: &str, values: &[f32], mean: f64, std: f64) {
    assert_moments(label, values, mean, std * std);
    assert_ks(label, values, |x| normal_cdf((x - mean) / std));
}

/// N(mean, std²) conditioned on [a, b].
pub(crate) fn check_truncated(label: &str, values: &[f32], mean: f64, std: f64, a: f64, b: f64) {
    assert!(
        values.iter().all(|&x| x >= a as f32 && x <= b as f32),
        "{label}: outside [{a}, {b}]"
    );
    let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
    let (t_mean, t_std) = truncated_moments(alpha, beta).unwrap();
    assert_moments(label, values, mean + std * t_mean, (std * t_std).powi(2));
    let (lo, mass) = (normal_cdf(alpha), normal_cdf(beta) - normal_cdf(alpha));
    assert_ks(label, values, |x| {
        ((normal_cdf((x - mean) / std) - lo) / mass).clamp(0.0, 1.0)
    });
}

per_device! {
    fn xavier_uniform_matches_glorot(device) {
        let bound = (6.0 / (FAN_IN + FAN_OUT) as f64).sqrt();
        check_uniform("xavier_uniform", &draw(&Scheme::xavier_uniform(1.0), 1, device), -bound, bound);
        let tanh = 5.0 / 3.0 * bound;
        check_uniform("xavier_uniform(tanh)", &draw(&Scheme::xavier_uniform(Nonlinearity::Tanh), 2, device), -tanh, tanh);
    }

    fn xavier_normal_matches_glorot(device) {
        let std = (2.0 / (FAN_IN + FAN_OUT) as f64).sqrt();
        check_normal("xavier_normal", &draw(&Scheme::xavier_normal(1.0), 3, device), 0.0, std);
    }

    fn kaiming_uniform_matches_he(device) {
        let bound = 2f64.sqrt() * (3.0 / FAN_IN as f64).sqrt();
        let scheme = Scheme::kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu);
        check_uniform("kaiming_uniform", &draw(&scheme, 4, device), -bound, bound);
    }

    fn kaiming_normal_fan_out_matches_he(device) {
        let std = (2.0 / FAN_OUT as f64).sqrt();
        let scheme = Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu);
        check_normal("kaiming_normal(fan_out)", &draw(&scheme, 5, device), 0.0, std);
    }

    fn lecun_matches_formula(device) {
        let std = (1.0 / FAN_IN as f64).sqrt();
        check_uniform("lecun_uniform", &draw(&Scheme::LecunUniform, 6, device), -3f64.sqrt() * std, 3f64.sqrt() * std);
        check_normal("lecun_normal", &draw(&Scheme::LecunNormal, 7, device), 0.0, std);
    }

    fn pytorch_default_is_one_over_sqrt_fan_in(device) {
        let bound = 1.0 / (FAN_IN as f64).sqrt();
        check_uniform("pytorch_default", &draw(&Scheme::PytorchDefault, 8, device), -bound, bound);
        let bound = 1.0 / (FAN_OUT as f64).sqrt();
        check_uniform("pytorch_fan_out", &draw(&Scheme::PytorchFanOut, 18, device), -bound, bound);
    }

    fn truncated_variance_scaling_has_exact_variance(device) {
        for (mode, n) in [(FanMode::FanAvg, 0.5 * (FAN_IN + FAN_OUT) as f64), (FanMode::FanGeoAvg, ((FAN_IN * FAN_OUT) as f64).sqrt())] {
            let scheme = Scheme::VarianceScaling(VarianceScaling::new(2.0, mode, Distribution::TruncatedNormal));
            let std = (2.0 / n).sqrt();
            let parent = std / truncated_moments(-2.0, 2.0).unwrap().1;
            let label = format!("variance_scaling({mode:?}, truncated)");
            let values = draw(&scheme, 9, device);
            assert_moments(&label, &values, 0.0, std * std);
            check_truncated(&label, &values, 0.0, parent, -2.0 * parent, 2.0 * parent);
        }
    }

    fn uniform_normal_constant(device) {
        check_uniform("uniform", &draw(&Scheme::Uniform { low: -0.3, high: 0.7 }, 10, device), -0.3, 0.7);
        check_normal("normal", &draw(&Scheme::Normal { mean: 1.0, std: 2.0 }, 11, device), 1.0, 2.0);
        for (scheme, value) in [(Scheme::Zeros, 0.0), (Scheme::Ones, 1.0), (Scheme::Constant { value: -0.25 }, -0.25)] {
            assert!(draw(&scheme, 0, device).iter().all(|&x| x == value), "{scheme:?}");
        }
    }

    fn trunc_normal_asymmetric_and_tail(device) {
        // Both sampler versions; [−8, −6] holds 10⁻⁹ of the mass, still above version 2's 2⁻³².
        let cases = [(0.5, 1.0, -1.0, 2.0), (0.0, 1.0, -2.0, 2.0), (0.0, 1.0, 0.0, f64::INFINITY), (0.0, 1.0, -0.3, 0.4), (0.0, 0.02, -0.04, 0.04), (0.0, 1.0, 3.0, 5.0), (0.0, 1.0, -8.0, -6.0)];
        for version in [SamplerVersion::V1, SamplerVersion::V2] {
            for (i, (mean, std, a, b)) in cases.into_iter().enumerate() {
                let prepared = Scheme::trunc_normal(mean, std, a, b).prepare(&[FAN_IN, FAN_OUT], None).unwrap().with_sampler(version);
                let values = values(prepared.sample::<2>(Key::new(20 + i as u64), device).unwrap());
                check_truncated(&format!("{version:?} trunc_normal({mean}, {std}, {a}, {b})"), &values, mean, std, a, b);
            }
        }
    }

    fn version_2_truncations_reach_their_deep_octaves(device) {
        // 2²² values of [3σ, 6σ] (one-sided: 1.35·10⁻³ of the mass): the counts beyond 3.5σ,
        // 4σ and 5σ against n·P(Z > c | Z ∈ [3, 6]) within 5 binomial SEs. Values beyond 5σ are
        // read from the 64-bit table's octaves 19 to 27 (tail probabilities 2⁻²² to 2⁻³⁰), rows
        // that only windows this deep reach often; a misplaced row there moves the count by more.
        let (a, b) = (3.0, 6.0);
        let prepared = Scheme::trunc_normal(0.0, 1.0, a, b).prepare(&[1 << 22], None).unwrap().with_sampler(SamplerVersion::V2);
        let z = values(prepared.sample::<1>(Key::new(14), device).unwrap());
        let (n, mass) = (z.len() as f64, normal_cdf(-a) - normal_cdf(-b));
        for c in [3.5, 4.0, 5.0] {
            let p = (normal_cdf(-c) - normal_cdf(-b)) / mass;
            let count = z.iter().filter(|&&x| f64::from(x) > c).count() as f64;
            let se = (n * p * (1.0 - p)).sqrt();
            assert!((count - n * p).abs() <= 5.0 * se.max(1.0), "{count} beyond {c}σ, expected {:.1} ± {se:.1}", n * p);
        }
        assert!(z.iter().all(|&x| (a as f32..=b as f32).contains(&x)));
    }

    fn gains_reach_the_samples(device) {
        // SELU's table gain 3/4 against its second-moment gain ≈ 1: both reach the draw.
        let std_table = 0.75 / (FAN_IN as f64).sqrt();
        let table = Scheme::kaiming_normal(FanMode::FanIn, Gain::Recommended(Nonlinearity::Selu));
        check_normal("kaiming_normal(selu table)", &draw(&table, 30, device), 0.0, std_table);
        // SELU's second-moment gain is exactly 1 (Klambauer et al.'s fixed point).
        let rule = Scheme::kaiming_normal(FanMode::FanIn, Gain::SecondMoment(Nonlinearity::Selu));
        check_normal("kaiming_normal(selu rule)", &draw(&rule, 31, device), 0.0, 1.0 / (FAN_IN as f64).sqrt());
    }

    fn normals_of_both_sampler_versions_match_the_law_and_its_tails(device) {
        // Moments and KS on 2¹⁷ values, then the tails on 2²² standard deviates: the count beyond
        // 3σ, 4σ and 5σ against n·P(|Z| > c) within 5 binomial SEs (a misplaced table row, a
        // wrong octave or a ziggurat tail off by 10 % moves them by more), and nothing beyond
        // the version's stated reach (version 2: 6.34σ, the limit of one 32-bit word).
        for version in [SamplerVersion::V1, SamplerVersion::V2] {
            let scheme = Scheme::Normal { mean: 1.0, std: 2.0 };
            let prepared = scheme.prepare(&[FAN_IN, FAN_OUT], None).unwrap().with_sampler(version);
            let small: Tensor<2> = prepared.sample(Key::new(12), device).unwrap();
            check_normal(&format!("normal {version:?}"), &values(small), 1.0, 2.0);
            let standard = Scheme::Normal { mean: 0.0, std: 1.0 }.prepare(&[1 << 22], None).unwrap().with_sampler(version);
            let big: Tensor<1> = standard.sample(Key::new(13), device).unwrap();
            let z = values(big);
            let n = z.len() as f64;
            for c in [3.0, 4.0, 5.0] {
                let p = 2.0 * normal_cdf(-c);
                let count = z.iter().filter(|x| f64::from(x.abs()) > c).count() as f64;
                let se = (n * p * (1.0 - p)).sqrt();
                assert!((count - n * p).abs() <= 5.0 * se.max(1.0), "{version:?}: {count} beyond {c}σ, expected {:.1} ± {se:.1}", n * p);
            }
            let largest = z.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(f64::from(largest) <= standard.reach(), "{version:?}: {largest} beyond the reach {}", standard.reach());
        }
    }

    fn zero_scale_gives_zeros(device) {
        let scheme = Scheme::VarianceScaling(VarianceScaling::new(0.0, FanMode::FanIn, Distribution::TruncatedNormal));
        assert!(draw(&scheme, 0, device).iter().all(|&x| x == 0.0));
    }
}

/// Every hand-written list of schemes — the golden bits, the reproducibility catalogue, the JSON
/// round trip — and the catalogue table of `docs/catalogue.md` name every variant of `Scheme` (the variants
/// as serde knows them, so the list follows the enum): a variant added to the enum fails here
/// until each of them has it.
#[test]
fn every_variant_is_in_every_list() {
    let golden: Vec<Scheme> = crate::golden::schemes()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_every_variant("golden::schemes", &golden);
    let reproducibility: Vec<Scheme> = crate::reproducibility::catalogue()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_every_variant("reproducibility::catalogue", &reproducibility);
    assert_every_variant("config::every_scheme", &crate::config::every_scheme());
    let readme = include_str!("../../../docs/catalogue.md");
    let table = readme
        .split("## The catalogue")
        .nth(1)
        .and_then(|rest| rest.split("**Gains**").next())
        .expect("docs/catalogue.md has a catalogue section");
    for scheme in &golden {
        let (variant, name) = (variant_of(scheme), scheme.name());
        assert!(
            table.contains(&format!("`Scheme::{variant}"))
                || table.contains(&format!("`{variant}`"))
                || table.contains(&format!("`Scheme::{name}(")),
            "docs/catalogue.md's catalogue misses {variant} ({name})"
        );
    }
}

/// Every public function of PyTorch's `torch.nn.init` and every initializer of JAX's
/// `jax.nn.initializers` (plus `jax.random`'s key) is found by its own name in burn-init's docs:
/// an item of that name, or a `#[doc(alias)]`. Read from the sources, so that a renamed
/// constructor or a dropped alias fails here.
#[test]
fn pytorch_and_jax_names_find_ours() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let text: String = [
        "scheme.rs",
        "variance.rs",
        "fan/mod.rs",
        "gain/mod.rs",
        "sampling/key.rs",
    ]
    .iter()
    .map(|file| std::fs::read_to_string(src.join(file)).unwrap())
    .collect();
    let pytorch = [
        "calculate_gain",
        "uniform_",
        "normal_",
        "trunc_normal_",
        "constant_",
        "ones_",
        "zeros_",
        "eye_",
        "dirac_",
        "xavier_uniform_",
        "xavier_normal_",
        "kaiming_uniform_",
        "kaiming_normal_",
        "orthogonal_",
        "sparse_",
        "_calculate_fan_in_and_fan_out",
        "manual_seed",
    ];
    let jax = [
        "constant",
        "delta_orthogonal",
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
        "normal",
        "ones",
        "orthogonal",
        "truncated_normal",
        "uniform",
        "variance_scaling",
        "xavier_normal",
        "xavier_uniform",
        "kaiming_normal",
        "kaiming_uniform",
        "zeros",
        "PRNGKey",
        "fold_in",
        "split",
    ];
    let missing: Vec<&str> = pytorch
        .iter()
        .chain(&jax)
        .copied()
        .filter(|name| {
            !text.contains(&format!("#[doc(alias = \"{name}\")]"))
                && !text.contains(&format!("pub fn {name}("))
        })
        .collect();
    assert!(missing.is_empty(), "no item or doc alias for {missing:?}");
}
