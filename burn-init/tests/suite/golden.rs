//! Golden bits: a fingerprint of every value every scheme draws, for several shapes and keys,
//! and of every parameter a policy draws. A key's bits are a promise to users (checkpoints,
//! papers): a refactor keeps them, and a change on purpose comes with a new sampler version and
//! a new table here. The fingerprints were taken before the prepare-once core (issue 21) and
//! checked unchanged after it.
//!
//! The fingerprint is FNV-1a (64 bit) over the length and every value's bits
//! (`common/fingerprint.rs`, shared with burn-init-models' golden test).

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::conv::Conv2dConfig;
use burn::nn::{EmbeddingConfig, LayerNormConfig, LinearConfig};
use burn::tensor::{Device, Tensor};
use burn_init::policy::{Policy, Role, Rule};
use burn_init::sampling::SamplerVersion;
use burn_init::{Distribution, Fan, FanMode, Gain, Key, Nonlinearity, Scheme, VarianceScaling};

use crate::common::fingerprint::fingerprint;
use crate::common::values;

/// Every variant of `Scheme`, with shapes that cross the sampler's 32 768-value blocks (and
/// odd sizes that end inside a SIMD lane group).
pub(crate) fn schemes() -> Vec<(Scheme, Vec<Vec<usize>>)> {
    let dense = || vec![vec![3, 5], vec![96, 1024], vec![7, 9363]];
    let conv = || vec![vec![24, 8, 3, 3], vec![16, 4, 5]];
    vec![
        (Scheme::Zeros, dense()),
        (Scheme::Ones, dense()),
        (Scheme::Constant { value: -0.25 }, dense()),
        (
            Scheme::Uniform {
                low: -0.3,
                high: 0.7,
            },
            dense(),
        ),
        (
            Scheme::Normal {
                mean: 0.1,
                std: 0.02,
            },
            dense(),
        ),
        (Scheme::trunc_normal(0.0, 1.0, -2.0, 2.0), dense()),
        // A window of less than half the mass: the inverse-CDF path.
        (Scheme::trunc_normal(0.0, 1.0, 1.0, 3.0), dense()),
        (Scheme::trunc_normal(0.5, 0.2, -0.1, 0.2), dense()),
        (
            Scheme::VarianceScaling(VarianceScaling::new(
                2.0,
                FanMode::FanAvg,
                Distribution::TruncatedNormal,
            )),
            dense(),
        ),
        (
            Scheme::VarianceScaling(VarianceScaling::new(
                0.5,
                FanMode::FanOut,
                Distribution::Uniform,
            )),
            conv(),
        ),
        (Scheme::xavier_uniform(1.0), dense()),
        (Scheme::xavier_normal(Nonlinearity::Tanh), dense()),
        (
            Scheme::kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu),
            conv(),
        ),
        (
            Scheme::kaiming_normal(
                FanMode::FanOut,
                Nonlinearity::LeakyRelu {
                    negative_slope: 0.2,
                },
            ),
            dense(),
        ),
        (Scheme::LecunUniform, dense()),
        (Scheme::LecunNormal, conv()),
        (Scheme::PytorchDefault, conv()),
        (Scheme::PytorchFanOut, dense()),
        (
            Scheme::orthogonal(1.0),
            // [1100, 1024]: 1024 columns take the 64-column Householder blocks and the parallel
            // pieces (the mutation run found that path's bits unpinned; pinned on 2026-12-04 at
            // commit 669ed3c's bits).
            vec![
                vec![300, 200],
                vec![40, 600],
                vec![6, 2, 3, 3],
                vec![1100, 1024],
            ],
        ),
        (
            Scheme::DeltaOrthogonal {
                gain: Gain::Value(1.5),
                groups: 1,
            },
            vec![vec![24, 8, 3, 3]],
        ),
        (
            Scheme::DeltaOrthogonal {
                gain: Gain::Value(1.0),
                groups: 2,
            },
            vec![vec![16, 4, 3]],
        ),
        (
            Scheme::Eye {
                gain: Gain::Value(2.0),
            },
            vec![vec![30, 40], vec![40, 30]],
        ),
        (Scheme::Dirac { groups: 2 }, conv()),
        (
            Scheme::Sparse {
                sparsity: 0.3,
                std: 0.01,
            },
            vec![vec![64, 512], vec![10, 3]],
        ),
    ]
}

fn scheme_fingerprints() -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for (scheme, shapes) in schemes() {
        for shape in shapes {
            let fan = Fan::pytorch(&shape).unwrap();
            for seed in [0, 7] {
                let drawn = scheme
                    .sample_host(&shape, Some(fan), Key::new(seed))
                    .unwrap();
                let label = format!("{scheme:?} {shape:?} seed {seed}");
                out.push((label, fingerprint(&drawn)));
            }
        }
    }
    out
}

#[derive(Module, Debug)]
struct Net {
    embed: burn::nn::Embedding,
    conv: burn::nn::conv::Conv2d,
    norm: burn::nn::LayerNorm,
    fc1: burn::nn::Linear,
    fc2: burn::nn::Linear,
}

/// Every float parameter's fingerprint, in Burn's visiting order.
struct Collect(Vec<u64>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(fingerprint(&values(param.val())));
    }
}

/// A policy over plain Burn layers: He with a multiplier, an activation gain, orthogonal, a
/// truncated normal and PyTorch's defaults, so the block-wise draw with a multiplier is pinned.
fn policy_fingerprints(sampler: SamplerVersion) -> Vec<u64> {
    let device = Device::default();
    let net = Net {
        embed: EmbeddingConfig::new(50, 16).init(&device),
        conv: Conv2dConfig::new([3, 8], [3, 3]).init(&device),
        norm: LayerNormConfig::new(16).init(&device),
        fc1: LinearConfig::new(16, 2100).init(&device),
        fc2: LinearConfig::new(2100, 10).init(&device),
    };
    let mut policy = Policy::new()
        .rule(
            Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu))
                .with_path(Some("fc1.weight".into()))
                .with_multiplier(0.5),
        )
        .rule(Rule::new(Scheme::orthogonal(1.0)).with_path(Some("fc2.weight".into())))
        .rule(
            Rule::new(Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04))
                .with_path(Some("embed.*".into())),
        )
        .rule(Rule::new(Scheme::PytorchDefault).with_layer(Some("Conv2d".into())))
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
    policy.sampler = Some(sampler);
    let (net, _) = policy.apply(net, Key::new(3)).unwrap();
    let mut collect = Collect(Vec::new());
    net.visit(&mut collect);
    collect.0
}

#[test]
fn every_scheme_keeps_its_bits() {
    assert_table(scheme_fingerprints(), GOLDEN_SCHEMES);
}

/// Fingerprints of `schemes` drawn by sampler version 2 on `shapes`, seeds 0 and 7.
fn version_2_fingerprints_of(schemes: &[Scheme], shapes: &[&[usize]]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for scheme in schemes {
        for &shape in shapes {
            let prepared = scheme
                .prepare(shape, Some(Fan::pytorch(shape).unwrap()))
                .unwrap()
                .with_sampler(SamplerVersion::V2);
            for seed in [0, 7] {
                let drawn = prepared.sample_host(Key::new(seed)).unwrap();
                out.push((
                    format!("{scheme:?} {shape:?} seed {seed}"),
                    fingerprint(&drawn),
                ));
            }
        }
    }
    out
}

/// Sampler version 2's normal laws, and the policy above drawn by version 2, taken when version 2
/// was introduced (issue 23): version 2's bits are a promise of their own.
fn version_2_fingerprints() -> Vec<(String, u64)> {
    let schemes = [
        Scheme::Normal {
            mean: 0.1,
            std: 0.02,
        },
        Scheme::xavier_normal(1.0),
        Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu),
        Scheme::LecunNormal,
    ];
    version_2_fingerprints_of(&schemes, &[&[3, 5], &[96, 1024], &[7, 9363]])
}

/// Sampler version 2's truncated normal laws, taken when their version-2 transform was built
/// (issue 23; before it, version 2 drew version 1's truncated values, which were not promised).
fn truncated_version_2_fingerprints() -> Vec<(String, u64)> {
    let schemes = [
        Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04),
        Scheme::trunc_normal(0.5, 1.0, -1.0, 2.0),
        Scheme::trunc_normal(0.0, 1.0, 3.0, 6.0),
        Scheme::VarianceScaling(VarianceScaling::new(
            1.0,
            FanMode::FanIn,
            Distribution::TruncatedNormal,
        )),
    ];
    version_2_fingerprints_of(&schemes, &[&[3, 5], &[7, 9363]])
}

/// `measured` against a golden table, printing today's table to paste when a change is on
/// purpose.
fn assert_table(measured: Vec<(String, u64)>, golden: &[(&str, u64)]) {
    let table: String = measured
        .iter()
        .map(|(label, hash)| format!("    ({label:?}, 0x{hash:016x}),\n"))
        .collect();
    let expected: Vec<(String, u64)> = golden.iter().map(|(l, h)| (l.to_string(), *h)).collect();
    assert_eq!(measured, expected, "today's table:\n{table}");
}

#[test]
fn truncated_normals_of_sampler_version_2_keep_their_bits() {
    assert_table(
        truncated_version_2_fingerprints(),
        GOLDEN_TRUNCATED_VERSION_2,
    );
}

const GOLDEN_TRUNCATED_VERSION_2: &[(&str, u64)] = &[
    (
        "TruncatedNormal { mean: 0.0, std: 0.02, a: -0.04, b: 0.04 } [3, 5] seed 0",
        0x4490df678c00599f,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 0.02, a: -0.04, b: 0.04 } [3, 5] seed 7",
        0x78a60a49cb708299,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 0.02, a: -0.04, b: 0.04 } [7, 9363] seed 0",
        0x4b0fb037ef9399b0,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 0.02, a: -0.04, b: 0.04 } [7, 9363] seed 7",
        0x529f19cd425877cf,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 1.0, a: -1.0, b: 2.0 } [3, 5] seed 0",
        0x0d17bb60f75799b7,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 1.0, a: -1.0, b: 2.0 } [3, 5] seed 7",
        0xa327bc86f9fb8403,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 1.0, a: -1.0, b: 2.0 } [7, 9363] seed 0",
        0x53fae1e37f7b5ed2,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 1.0, a: -1.0, b: 2.0 } [7, 9363] seed 7",
        0xc2f76835a0120934,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 3.0, b: 6.0 } [3, 5] seed 0",
        0xef8f2d397f54ac47,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 3.0, b: 6.0 } [3, 5] seed 7",
        0x5b6461d8a21b2d1d,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 3.0, b: 6.0 } [7, 9363] seed 0",
        0x42f080af4eefd2f1,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 3.0, b: 6.0 } [7, 9363] seed 7",
        0xceaff96bf7323a01,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 1.0, mode: FanIn, distribution: TruncatedNormal }) [3, 5] seed 0",
        0x0f5eadc13d3cd501,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 1.0, mode: FanIn, distribution: TruncatedNormal }) [3, 5] seed 7",
        0x355194a18eb18be8,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 1.0, mode: FanIn, distribution: TruncatedNormal }) [7, 9363] seed 0",
        0x0f189fc874c175b0,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 1.0, mode: FanIn, distribution: TruncatedNormal }) [7, 9363] seed 7",
        0x4889f45068bb9907,
    ),
];

#[test]
fn sampler_version_2_keeps_its_bits() {
    assert_table(version_2_fingerprints(), GOLDEN_VERSION_2);
}

const GOLDEN_VERSION_2: &[(&str, u64)] = &[
    (
        "Normal { mean: 0.1, std: 0.02 } [3, 5] seed 0",
        0x0b240292e689c362,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [3, 5] seed 7",
        0x29345136e9cb7f79,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [96, 1024] seed 0",
        0xdd92553d74a2ddf5,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [96, 1024] seed 7",
        0xd4c0eaee8fab7c53,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [7, 9363] seed 0",
        0x8a383c92e77fd3b4,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [7, 9363] seed 7",
        0x6532c7463eeae40c,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [3, 5] seed 0",
        0x6fff708716a42b73,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [3, 5] seed 7",
        0x4d4d33b6716d8e53,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [96, 1024] seed 0",
        0x9daa371d68f47efb,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [96, 1024] seed 7",
        0x6e17ae274a200b2b,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [7, 9363] seed 0",
        0x5984047a983a2143,
    ),
    (
        "XavierNormal { gain: Value(1.0) } [7, 9363] seed 7",
        0xeec8afe51fb9326e,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [3, 5] seed 0",
        0x9ac00cda56326010,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [3, 5] seed 7",
        0x768f1d79b4cb99e1,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [96, 1024] seed 0",
        0x6686fe8e2a7c0947,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [96, 1024] seed 7",
        0xc7f115529e512798,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [7, 9363] seed 0",
        0x77f75381b6d2ebb9,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(Relu) } [7, 9363] seed 7",
        0x2437a3340116926d,
    ),
    ("LecunNormal [3, 5] seed 0", 0xdb82ca9b9889a9b5),
    ("LecunNormal [3, 5] seed 7", 0x8fd3d35cc495d208),
    ("LecunNormal [96, 1024] seed 0", 0x2b1eba9b0f332277),
    ("LecunNormal [96, 1024] seed 7", 0x8dff9cc546c6b466),
    ("LecunNormal [7, 9363] seed 0", 0x474a186600e0268e),
    ("LecunNormal [7, 9363] seed 7", 0x0ee36e89f73b1923),
];

#[test]
fn a_policy_keeps_its_bits() {
    for (version, golden) in [
        (SamplerVersion::V1, GOLDEN_POLICY),
        (SamplerVersion::V2, GOLDEN_POLICY_VERSION_2),
    ] {
        let measured = policy_fingerprints(version);
        let table: String = measured.iter().map(|h| format!("0x{h:016x}, ")).collect();
        assert_eq!(measured, golden, "{version:?}, today's: [{table}]");
    }
}

/// Version 2 changes only fc1's He normal: every other parameter keeps version 1's bits.
// The first entry (embed.weight, a truncated normal) was taken anew when version 2's truncated
// transform was built: it had drawn version 1's values until then, which were not promised.
const GOLDEN_POLICY_VERSION_2: &[u64] = &[
    0x8a7704824d6224c1,
    0xd14e7cec140f684d,
    0xbc83726ee52c512e,
    0x36bcfbf90a4d2a55,
    0x70638d710f6670d5,
    0x720414d42937ca6d,
    0x95792bd98c9efb49,
    0x580f6bfbc7f6246c,
    0x7a5e3e6b66638e6f,
];

const GOLDEN_SCHEMES: &[(&str, u64)] = &[
    ("Zeros [3, 5] seed 0", 0xe18d0d5dac6d0cca),
    ("Zeros [3, 5] seed 7", 0xe18d0d5dac6d0cca),
    ("Zeros [96, 1024] seed 0", 0xf48ebbdca95f060c),
    ("Zeros [96, 1024] seed 7", 0xf48ebbdca95f060c),
    ("Zeros [7, 9363] seed 0", 0xff0ca2feabf31da9),
    ("Zeros [7, 9363] seed 7", 0xff0ca2feabf31da9),
    ("Ones [3, 5] seed 0", 0x3e193625caf84773),
    ("Ones [3, 5] seed 7", 0x3e193625caf84773),
    ("Ones [96, 1024] seed 0", 0x9897de64bebb060c),
    ("Ones [96, 1024] seed 7", 0x9897de64bebb060c),
    ("Ones [7, 9363] seed 0", 0x5ef794071a062204),
    ("Ones [7, 9363] seed 7", 0x5ef794071a062204),
    (
        "Constant { value: -0.25 } [3, 5] seed 0",
        0xf08d34ec11645a70,
    ),
    (
        "Constant { value: -0.25 } [3, 5] seed 7",
        0xf08d34ec11645a70,
    ),
    (
        "Constant { value: -0.25 } [96, 1024] seed 0",
        0x12fb410d2437060c,
    ),
    (
        "Constant { value: -0.25 } [96, 1024] seed 7",
        0x12fb410d2437060c,
    ),
    (
        "Constant { value: -0.25 } [7, 9363] seed 0",
        0x276ba89ce700aa17,
    ),
    (
        "Constant { value: -0.25 } [7, 9363] seed 7",
        0x276ba89ce700aa17,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [3, 5] seed 0",
        0x673e663c84320548,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [3, 5] seed 7",
        0x9392cfd8c01e0f11,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [96, 1024] seed 0",
        0xaa76e1a2d4f46118,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [96, 1024] seed 7",
        0xa900cbd176fef2da,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [7, 9363] seed 0",
        0x8fcc676a108d5492,
    ),
    (
        "Uniform { low: -0.3, high: 0.7 } [7, 9363] seed 7",
        0xaa906915ad18aad8,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [3, 5] seed 0",
        0x848c86e44c4713f5,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [3, 5] seed 7",
        0xa2a2f1a2120917b6,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [96, 1024] seed 0",
        0xa3b980d70295b326,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [96, 1024] seed 7",
        0xa39a7aeb6ad94dac,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [7, 9363] seed 0",
        0x0ecd7d1a30bbcd91,
    ),
    (
        "Normal { mean: 0.1, std: 0.02 } [7, 9363] seed 7",
        0x9eff5d1503fb288c,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [3, 5] seed 0",
        0x3cd6034f728b0568,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [3, 5] seed 7",
        0x80ade51d887faa60,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [96, 1024] seed 0",
        0x3965395cc3f1f2c2,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [96, 1024] seed 7",
        0x23947084a62246e2,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [7, 9363] seed 0",
        0x408c717c81b02242,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 } [7, 9363] seed 7",
        0x5a4cc865ded7361f,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [3, 5] seed 0",
        0xd02aeede2ff12d0e,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [3, 5] seed 7",
        0x89deab215c4d0740,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [96, 1024] seed 0",
        0x427634fcaadd181c,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [96, 1024] seed 7",
        0xbd087a32180d2feb,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [7, 9363] seed 0",
        0x0809b3fb90efdb04,
    ),
    (
        "TruncatedNormal { mean: 0.0, std: 1.0, a: 1.0, b: 3.0 } [7, 9363] seed 7",
        0x501a5a594a0f81b1,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [3, 5] seed 0",
        0xd6ef33995e414c04,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [3, 5] seed 7",
        0x1c6fd1a76be07259,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [96, 1024] seed 0",
        0xc337e15d31846cea,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [96, 1024] seed 7",
        0x953557ed90270bc4,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [7, 9363] seed 0",
        0xdcb4a145bd8b81de,
    ),
    (
        "TruncatedNormal { mean: 0.5, std: 0.2, a: -0.1, b: 0.2 } [7, 9363] seed 7",
        0xafba50f55c81d5a2,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [3, 5] seed 0",
        0x50441ade851e3329,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [3, 5] seed 7",
        0x77f9fcb0041b955e,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [96, 1024] seed 0",
        0x10bd749a52547818,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [96, 1024] seed 7",
        0xbd70657c58458c57,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [7, 9363] seed 0",
        0xcab1f2efe1928895,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 2.0, mode: FanAvg, distribution: TruncatedNormal }) [7, 9363] seed 7",
        0xe6bffcd5a6dd2d6a,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 0.5, mode: FanOut, distribution: Uniform }) [24, 8, 3, 3] seed 0",
        0xa8072d67cea7fa0f,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 0.5, mode: FanOut, distribution: Uniform }) [24, 8, 3, 3] seed 7",
        0x74526c6a48d34812,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 0.5, mode: FanOut, distribution: Uniform }) [16, 4, 5] seed 0",
        0xc11796b4921f93f9,
    ),
    (
        "VarianceScaling(VarianceScaling { scale: 0.5, mode: FanOut, distribution: Uniform }) [16, 4, 5] seed 7",
        0xbe98adc80d50a140,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [3, 5] seed 0",
        0xac4ad81bb11c4d4b,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [3, 5] seed 7",
        0x4981c9766f5ced69,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [96, 1024] seed 0",
        0x05c9680e802d4e41,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [96, 1024] seed 7",
        0x8b21e40ce978d5c2,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [7, 9363] seed 0",
        0x84253da3820acedf,
    ),
    (
        "XavierUniform { gain: Value(1.0) } [7, 9363] seed 7",
        0x6d065fdccfe3e568,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [3, 5] seed 0",
        0x0660036553f54e05,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [3, 5] seed 7",
        0xf3d8b267dbc87b51,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [96, 1024] seed 0",
        0xc3d5069acfd26b47,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [96, 1024] seed 7",
        0x21e47778326bab31,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [7, 9363] seed 0",
        0xe2f69af2098a40c4,
    ),
    (
        "XavierNormal { gain: Recommended(Tanh) } [7, 9363] seed 7",
        0x4c69464dda7a5a4d,
    ),
    (
        "KaimingUniform { mode: FanIn, gain: Recommended(Relu) } [24, 8, 3, 3] seed 0",
        0x1fd18a791b7502c3,
    ),
    (
        "KaimingUniform { mode: FanIn, gain: Recommended(Relu) } [24, 8, 3, 3] seed 7",
        0x747fafe92d28c8fa,
    ),
    (
        "KaimingUniform { mode: FanIn, gain: Recommended(Relu) } [16, 4, 5] seed 0",
        0x93a50727491ca595,
    ),
    (
        "KaimingUniform { mode: FanIn, gain: Recommended(Relu) } [16, 4, 5] seed 7",
        0xe4ae1ae21fbc4f52,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [3, 5] seed 0",
        0xb76d16f78c9c375f,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [3, 5] seed 7",
        0x61c5fface7683fbf,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [96, 1024] seed 0",
        0x74c8a95eead00929,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [96, 1024] seed 7",
        0xc45fb66746efd33e,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [7, 9363] seed 0",
        0x6ab6e34ad4e2ba13,
    ),
    (
        "KaimingNormal { mode: FanOut, gain: Recommended(LeakyRelu { negative_slope: 0.2 }) } [7, 9363] seed 7",
        0xbb5da0226cb4ea36,
    ),
    ("LecunUniform [3, 5] seed 0", 0x513c4e98cd004996),
    ("LecunUniform [3, 5] seed 7", 0xb3daac9ccf0cb326),
    ("LecunUniform [96, 1024] seed 0", 0x132582007ab86b9c),
    ("LecunUniform [96, 1024] seed 7", 0xb5ab444c8bed7494),
    ("LecunUniform [7, 9363] seed 0", 0xaaf1fd4a899c53a0),
    ("LecunUniform [7, 9363] seed 7", 0x66d5935388bf913b),
    ("LecunNormal [24, 8, 3, 3] seed 0", 0x48b0b25c3327ddc4),
    ("LecunNormal [24, 8, 3, 3] seed 7", 0x9e8a65c44664b887),
    ("LecunNormal [16, 4, 5] seed 0", 0x10b4f9feacce67f5),
    ("LecunNormal [16, 4, 5] seed 7", 0x50980be4639bd6e0),
    ("PytorchDefault [24, 8, 3, 3] seed 0", 0x21a5e6876c288f5a),
    ("PytorchDefault [24, 8, 3, 3] seed 7", 0x1c0cf482c73eaedf),
    ("PytorchDefault [16, 4, 5] seed 0", 0x52f330a6a6e103d9),
    ("PytorchDefault [16, 4, 5] seed 7", 0x6bc8e027877fdad7),
    ("PytorchFanOut [3, 5] seed 0", 0x067b96764ef8d453),
    ("PytorchFanOut [3, 5] seed 7", 0x40dd837a137dc817),
    ("PytorchFanOut [96, 1024] seed 0", 0x6c0d906e81e10d6b),
    ("PytorchFanOut [96, 1024] seed 7", 0x9e273787cd9cb34b),
    ("PytorchFanOut [7, 9363] seed 0", 0xb2f524678169d9a4),
    ("PytorchFanOut [7, 9363] seed 7", 0x4cce2bcf615e121e),
    (
        "Orthogonal { gain: Value(1.0) } [300, 200] seed 0",
        0xe877239a419f3f0b,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [300, 200] seed 7",
        0x0012d92743073dd1,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [40, 600] seed 0",
        0xcb3c325c046d7a17,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [40, 600] seed 7",
        0xa7554b79f56e6910,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [6, 2, 3, 3] seed 0",
        0x2b8cb813e65b8f2f,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [6, 2, 3, 3] seed 7",
        0xa8c9716168b7c153,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [1100, 1024] seed 0",
        0xc0808a643048cb7e,
    ),
    (
        "Orthogonal { gain: Value(1.0) } [1100, 1024] seed 7",
        0x68e2f334fd72d716,
    ),
    (
        "DeltaOrthogonal { gain: Value(1.5), groups: 1 } [24, 8, 3, 3] seed 0",
        0xe8e0401bce5dac06,
    ),
    (
        "DeltaOrthogonal { gain: Value(1.5), groups: 1 } [24, 8, 3, 3] seed 7",
        0x81683dea9abafe7c,
    ),
    (
        "DeltaOrthogonal { gain: Value(1.0), groups: 2 } [16, 4, 3] seed 0",
        0x473d02db8e6765e5,
    ),
    (
        "DeltaOrthogonal { gain: Value(1.0), groups: 2 } [16, 4, 3] seed 7",
        0x2af99804d48ecc13,
    ),
    (
        "Eye { gain: Value(2.0) } [30, 40] seed 0",
        0x9c894e3fff8d2549,
    ),
    (
        "Eye { gain: Value(2.0) } [30, 40] seed 7",
        0x9c894e3fff8d2549,
    ),
    (
        "Eye { gain: Value(2.0) } [40, 30] seed 0",
        0x70d586b9fee1c249,
    ),
    (
        "Eye { gain: Value(2.0) } [40, 30] seed 7",
        0x70d586b9fee1c249,
    ),
    (
        "Dirac { groups: 2 } [24, 8, 3, 3] seed 0",
        0x47dfe011e6b25ce3,
    ),
    (
        "Dirac { groups: 2 } [24, 8, 3, 3] seed 7",
        0x47dfe011e6b25ce3,
    ),
    ("Dirac { groups: 2 } [16, 4, 5] seed 0", 0x343cf98bd9eef46a),
    ("Dirac { groups: 2 } [16, 4, 5] seed 7", 0x343cf98bd9eef46a),
    (
        "Sparse { sparsity: 0.3, std: 0.01 } [64, 512] seed 0",
        0xd9848f28d49407b3,
    ),
    (
        "Sparse { sparsity: 0.3, std: 0.01 } [64, 512] seed 7",
        0x978a25f18b9754fe,
    ),
    (
        "Sparse { sparsity: 0.3, std: 0.01 } [10, 3] seed 0",
        0x5d9e1d4618fe79e2,
    ),
    (
        "Sparse { sparsity: 0.3, std: 0.01 } [10, 3] seed 7",
        0xe2298204840a0364,
    ),
];
const GOLDEN_POLICY: &[u64] = &[
    0x653da1d4bd7316e2,
    0xd14e7cec140f684d,
    0xbc83726ee52c512e,
    0x36bcfbf90a4d2a55,
    0x70638d710f6670d5,
    0x2becd43a3786a67f,
    0x95792bd98c9efb49,
    0x580f6bfbc7f6246c,
    0x7a5e3e6b66638e6f,
];
