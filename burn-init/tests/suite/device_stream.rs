//! The keyed stream drawn by burn-init's own CubeCL kernel (feature `device-stream`) is the
//! host's, bit for bit: the generator is `rand_chacha`'s ChaCha8 for any key, stream and counter
//! (including counters whose low word wraps), and every uniform-family scheme gives the host's
//! bits on every shape and shard. On a device without CubeCL the host draws, and says why.

use burn::nn::LinearConfig;
use burn::tensor::{Device, Tensor};
use burn_init::error::{PolicyError, SamplingError};
use burn_init::policy::{Policy, Role, Rule};
use burn_init::sampling::device_stream::{self, HostReason};
use burn_init::sampling::{SamplerVersion, inverse_normal};
use burn_init::{
    Distribution, Fan, FanMode, InitError, Key, Nonlinearity, Prepared, Scheme, VarianceScaling,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::common::values;

/// Whether `device` runs burn-init's kernels, checked to be exactly the wgpu device: were the
/// kernel path dead on wgpu, every bit-identity test below would pass on the host's bits.
fn has_kernels(device: &Device) -> bool {
    let runs =
        device_stream::words(&Key::new(0), 0, 0, 1, device) != Err(HostReason::NoKernelRuntime);
    let is_wgpu = burn_init::devices::by_name("wgpu").is_some_and(|wgpu| &wgpu == device);
    assert_eq!(runs, is_wgpu, "the kernel runs on {device:?}: {runs}");
    runs
}

fn host_words(key: &Key, stream: u64, start: u64, len: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::from_seed(key.bytes());
    rng.set_stream(stream);
    rng.set_word_pos(u128::from(start));
    (0..len).map(|_| rng.next_u32()).collect()
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// The host's values at 1 and at 2 threads (they must agree with each other as well).
fn host_at_two_thread_counts(prepared: &Prepared, key: &Key, start: u64, len: usize) -> Vec<u32> {
    let draw = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut out = vec![0.0f32; len];
            prepared.fill_host(key, start, &mut out).unwrap();
            bits(&out)
        })
    };
    let one = draw(1);
    assert_eq!(one, draw(2), "the host's draw depends on the thread count");
    one
}

/// `scheme` drawn by sampler `version` on `device` on ten shapes (odd sizes among them, each with
/// the fans of an [out, in] weight) and four row shards that start mid-block gives the host's
/// bits at 1 and 2 threads, by the kernel where the device has one.
fn draws_the_hosts_bits(scheme: &Scheme, version: SamplerVersion, device: &Device) {
    let shapes: [&[usize]; 10] = [
        &[1, 1],
        &[1, 7],
        &[16, 1],
        &[17, 1],
        &[33, 5],
        &[1, 1000],
        &[257, 129],
        &[3, 4097],
        &[31, 33],
        &[512, 768],
    ];
    let key = Key::new(7).for_path("layers.3.weight");
    let prepare = |shape: &[usize]| {
        scheme
            .prepare(shape, Some(Fan::linear(shape[1], shape[0])))
            .unwrap()
            .with_sampler(version)
    };
    for shape in shapes {
        let prepared = prepare(shape);
        let on_device: Tensor<2> = prepared.sample(key, device).unwrap();
        let host = host_at_two_thread_counts(&prepared, &key, 0, prepared.len());
        assert_eq!(bits(&values(on_device)), host, "{scheme:?} {shape:?}");
        let expected = if has_kernels(device) {
            Ok(())
        } else {
            Err(HostReason::NoKernelRuntime)
        };
        assert_eq!(
            prepared.device_path(device),
            expected,
            "{scheme:?} {shape:?}"
        );
    }
    // Shards that start mid-block: rows 5..30 of [37, 3] are words 15..90.
    let prepared = prepare(&[37, 3]);
    for rows in [5..30, 0..1, 36..37, 11..37] {
        let shard: Tensor<2> = prepared.sample_rows(key, rows.clone(), device).unwrap();
        let host =
            host_at_two_thread_counts(&prepared, &key, rows.start as u64 * 3, rows.len() * 3);
        assert_eq!(bits(&values(shard)), host, "{scheme:?} rows {rows:?}");
    }
}

burn_init::per_device! {
    fn the_generator_is_rand_chachas_chacha8(device) {
        // Keys from seeds and from raw bytes; streams past 2³²; ranges that start and end
        // mid-block; counters whose low word wraps (words 2³⁶ − 21 … 2³⁶ + 28 are blocks
        // 2³² − 2 … 2³² + 1).
        let keys = [Key::new(0), Key::new(20_261_204), Key::from_bytes(core::array::from_fn(|i| (i * 37 + 11) as u8))];
        let streams = [0, 1, 0xFFFF_FFFF, (1 << 32) | 7];
        let ranges = [(0, 1), (0, 16), (3, 29), (15, 2), (1000, 4099), ((1 << 36) - 21, 50), (5 << 40, 33)];
        if !has_kernels(device) {
            assert_eq!(device_stream::words(&keys[0], 0, 0, 16, device), Err(HostReason::NoKernelRuntime));
            return;
        }
        for key in &keys {
            for stream in streams {
                for (start, len) in ranges {
                    assert_eq!(
                        device_stream::words(key, stream, start, len, device).unwrap(),
                        host_words(key, stream, start, len),
                        "key {key:?}, stream {stream}, words {start}..{}", start + len as u64
                    );
                }
            }
        }
        assert_eq!(device_stream::words(&keys[0], 0, 0, 0, device), Err(HostReason::Empty));
        assert_eq!(device_stream::words(&keys[0], 0, 7, 1 << 31, device), Err(HostReason::TooLong));
    }

    fn uniform_schemes_draw_the_hosts_bits_on_the_device(device) {
        let relu = Nonlinearity::Relu;
        let schemes = [
            Scheme::Uniform { low: -0.3, high: 0.7 },
            Scheme::Uniform { low: 2.0, high: 2.0 },
            Scheme::Uniform { low: -1e30, high: 1e30 },
            Scheme::xavier_uniform(1.0),
            Scheme::kaiming_uniform(FanMode::FanIn, relu),
            Scheme::LecunUniform,
            Scheme::PytorchDefault,
        ];
        for scheme in &schemes {
            draws_the_hosts_bits(scheme, SamplerVersion::V1, device);
        }
    }

    fn normal_schemes_of_sampler_version_2_draw_the_hosts_bits_on_the_device(device) {
        let schemes = [
            Scheme::Normal { mean: 0.0, std: 0.02 },
            Scheme::Normal { mean: 0.5, std: 3.0 },
            Scheme::Normal { mean: -1e30, std: 1e29 },
            Scheme::xavier_normal(1.0),
            Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu),
            Scheme::LecunNormal,
        ];
        for scheme in &schemes {
            draws_the_hosts_bits(scheme, SamplerVersion::V2, device);
        }
    }

    fn truncated_schemes_of_sampler_version_2_draw_the_hosts_bits_on_the_device(device) {
        let schemes = [
            // timm's trunc_normal_(std = 0.02) with absolute bounds ±2: a window of ±100σ.
            Scheme::TruncatedNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 },
            Scheme::TruncatedNormal { mean: 0.5, std: 1.0, a: -1.0, b: 2.0 },
            Scheme::TruncatedNormal { mean: 0.0, std: 1.0, a: 0.0, b: f64::INFINITY },
            Scheme::TruncatedNormal { mean: 0.0, std: 1.0, a: 3.0, b: 6.0 },
            Scheme::TruncatedNormal { mean: 0.0, std: 1.0, a: -8.0, b: -6.0 },
            // JAX's truncated variance scaling (±2σ of the parent, scaled to the exact std).
            Scheme::VarianceScaling(VarianceScaling::new(2.0, FanMode::FanIn, Distribution::TruncatedNormal)),
        ];
        for scheme in &schemes {
            draws_the_hosts_bits(scheme, SamplerVersion::V2, device);
        }
    }

    fn what_the_kernel_does_not_cover_is_drawn_on_the_host_with_its_reason(device) {
        let key = Key::new(3);
        let tiny = Scheme::Uniform { low: -1e-35, high: 1e-35 }.prepare(&[40, 3], None).unwrap();
        let normal = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu).prepare(&[40, 3], Some(Fan::linear(3, 40))).unwrap();
        let empty = Scheme::Uniform { low: 0.0, high: 1.0 }.prepare(&[0, 3], None).unwrap();
        let kernels = has_kernels(device);
        let reason = |r| if kernels { r } else { HostReason::NoKernelRuntime };
        assert_eq!(tiny.device_path(device), Err(reason(HostReason::Subnormal)));
        // The contract's edge: |bound| = 2⁻¹⁰⁰ is the kernel's, 2⁻¹⁰¹ the host's.
        let edge = |b: f32| Scheme::Uniform { low: -f64::from(b), high: f64::from(b) }.prepare(&[40, 3], None).unwrap();
        let at = edge(f32::from_bits(27 << 23));
        assert_eq!(at.device_path(device), if kernels { Ok(()) } else { Err(HostReason::NoKernelRuntime) });
        assert_eq!(edge(f32::from_bits(26 << 23)).device_path(device), Err(reason(HostReason::Subnormal)));
        let t: Tensor<2> = at.sample(key, device).unwrap();
        assert_eq!(bits(&values(t)), bits(&at.sample_host(key).unwrap()));
        assert_eq!(normal.device_path(device), Err(HostReason::NoTransform));
        // Version 2's normal: a std under 2⁻⁶⁸ or a mean under 2⁻¹⁰⁰ could give subnormal values.
        let v2 = |mean: f64, std: f64| Scheme::Normal { mean, std }.prepare(&[40, 3], None).unwrap().with_sampler(SamplerVersion::V2);
        let (at_std, below_std) = (f64::from(f32::from_bits(59 << 23)), f64::from(f32::from_bits(58 << 23)));
        assert_eq!(v2(0.0, at_std).device_path(device), if kernels { Ok(()) } else { Err(HostReason::NoKernelRuntime) });
        assert_eq!(v2(0.0, below_std).device_path(device), Err(reason(HostReason::Subnormal)));
        assert_eq!(v2(1e-35, 1.0).device_path(device), Err(reason(HostReason::Subnormal)));
        for prepared in [v2(0.0, at_std), v2(0.0, below_std), v2(1e-35, 1.0)] {
            let t: Tensor<2> = prepared.sample(key, device).unwrap();
            assert_eq!(bits(&values(t)), bits(&prepared.sample_host(key).unwrap()));
        }
        // Version 2's truncated normal: a window with less than 2⁻³² of the mass has no
        // version-2 transform, a std under 2⁻³⁶ could give subnormal values; version 1 has none.
        let truncated = |std: f64, a: f64, b: f64, version| Scheme::TruncatedNormal { mean: 0.0, std, a, b }.prepare(&[40, 3], None).unwrap().with_sampler(version);
        let (at_std, below_std) = (f64::from(f32::from_bits(91 << 23)), f64::from(f32::from_bits(90 << 23)));
        let v2 = SamplerVersion::V2;
        assert_eq!(truncated(at_std, -at_std, at_std, v2).device_path(device), if kernels { Ok(()) } else { Err(HostReason::NoKernelRuntime) });
        assert_eq!(truncated(below_std, -below_std, below_std, v2).device_path(device), Err(reason(HostReason::Subnormal)));
        assert_eq!(truncated(1.0, 6.3, 7.0, v2).device_path(device), Err(HostReason::NoTransform));
        assert_eq!(truncated(1.0, -2.0, 2.0, SamplerVersion::V1).device_path(device), Err(HostReason::NoTransform));
        for prepared in [truncated(at_std, -at_std, at_std, v2), truncated(below_std, -below_std, below_std, v2), truncated(1.0, 6.3, 7.0, v2)] {
            let t: Tensor<2> = prepared.sample(key, device).unwrap();
            assert_eq!(bits(&values(t)), bits(&prepared.sample_host(key).unwrap()));
        }
        // A narrow window draws version 1's values under version 2.
        assert_eq!(truncated(1.0, 6.3, 7.0, v2).sample_host(key).unwrap(), truncated(1.0, 6.3, 7.0, SamplerVersion::V1).sample_host(key).unwrap());
        assert_eq!(empty.device_path(device), Err(reason(HostReason::Empty)));
        // The same bits either way.
        for prepared in [&tiny, &normal, &empty] {
            let t: Tensor<2> = prepared.sample(key, device).unwrap();
            assert_eq!(bits(&values(t)), bits(&prepared.sample_host(key).unwrap()));
        }
    }

    fn a_tensor_larger_than_the_devices_buffers_is_a_typed_error(device) {
        // llvmpipe's wgpu buffers hold at most 128 MiB (measured: Burn's own `from_data` of
        // 2²⁵ + 16 f32 fails at the first read): refused before drawing, for the kernel's path
        // and for the host's. A device that holds it (flex, ndarray, a GPU) draws it.
        let n = (1usize << 25) + 16;
        let key = Key::new(4);
        let limit = device_stream::buffer_limit(device);
        assert_eq!(limit.is_some(), has_kernels(device), "only wgpu states a buffer limit");
        let schemes = [Scheme::Uniform { low: -1.0, high: 1.0 }, Scheme::Normal { mean: 0.0, std: 1.0 }];
        for scheme in schemes {
            let prepared = scheme.prepare(&[n], None).unwrap();
            for (len, result) in [
                (n, prepared.sample::<1>(key, device).map(|t| t.dims()[0])),
                (n - 8, prepared.sample_rows::<1>(key, 8..n, device).map(|t| t.dims()[0])),
            ] {
                match (limit, result) {
                    (Some(limit), Err(InitError::Sampling(SamplingError::DeviceBufferLimit { bytes, limit: reported, .. }))) => {
                        assert_eq!((bytes, reported), (len as u64 * 4, limit));
                        assert!(bytes > limit, "{scheme:?}: {bytes} ≤ {limit} refused");
                    }
                    (limit, Ok(got)) => {
                        assert!(limit.is_none_or(|l| len as u64 * 4 <= l), "{scheme:?}: {len} f32 beyond {limit:?} accepted");
                        assert_eq!(got, len);
                    }
                    (_, other) => panic!("{scheme:?}: {other:?}"),
                }
            }
        }
    }

    fn a_policy_refuses_a_parameter_larger_than_the_devices_buffers(device) {
        // An 8 193 × 4 097 Linear weight is 134 MB, over llvmpipe's 128 MiB: `apply` and
        // `apply_lazy` refuse it naming the parameter, before anything is drawn (Burn would fail
        // at the first read). A device without a stated limit takes it lazily.
        let layer = || LinearConfig::new(4097, 8193).init(device);
        let policy = Policy::new().rule(Rule::new(Scheme::kaiming_uniform(FanMode::FanIn, Nonlinearity::Relu)).with_role(Some(Role::Weight)));
        let limit = device_stream::buffer_limit(device);
        let bytes = 4097u64 * 8193 * 4;
        let refused = |result: Result<(), InitError>| match result {
            Err(InitError::Policy(PolicyError::AtParameter { path, source, .. })) => {
                assert_eq!(path, "weight");
                assert!(matches!(*source, InitError::Sampling(SamplingError::DeviceBufferLimit { bytes: b, .. }) if b == bytes), "{source:?}");
            }
            other => panic!("expected the weight refused, got {other:?}"),
        };
        if limit.is_some_and(|l| bytes > l) {
            refused(policy.apply(layer(), Key::new(1)).map(|_| ()).map_err(|r| r.error));
            refused(policy.apply_lazy(layer(), Key::new(1)).map(|_| ()).map_err(|r| r.error));
        } else {
            assert!(policy.apply_lazy(layer(), Key::new(1)).is_ok());
        }
    }

    fn the_version_2_transform_is_the_hosts_on_every_edge_of_its_table(device) {
        if !has_kernels(device) {
            assert_eq!(device_stream::standard_normals(0, 16, device), Err(HostReason::NoKernelRuntime));
            return;
        }
        for (first, len) in transform_ranges() {
            let host: Vec<u32> = (first..=first + (len - 1)).map(|w| inverse_normal::deviate(w).to_bits()).collect();
            assert_eq!(device_stream::standard_normals(first, len, device).unwrap(), host, "words {first:#x} + {len}");
        }
    }

    fn the_truncated_transform_is_the_hosts_on_every_edge_of_its_table(device) {
        // The 64-bit probabilities at every octave's and segment's start in both halves of the
        // wide table, their neighbours, the middle and the ends, in both halves of the line.
        if !has_kernels(device) {
            assert_eq!(device_stream::deviates_at(&[0], device), Err(HostReason::NoKernelRuntime));
            return;
        }
        let low_63 = u64::MAX >> 1;
        let mut probabilities = vec![0, 1, 2, low_63 >> 1, low_63 - 1, low_63, low_63 + 1, u64::MAX - 1, u64::MAX];
        for k in 0..62u32 {
            for j in 0..32u128 {
                let p = (1u64 << (61 - k)) + (((j << (61 - k)) / 32) as u64);
                for m in [p - 1, p, p + 1, low_63 - p - 1, low_63 - p, low_63 - p + 1] {
                    probabilities.extend([m, !m]);
                }
            }
        }
        let host: Vec<u32> = probabilities.iter().map(|&f| inverse_normal::deviate_at(f).to_bits()).collect();
        assert_eq!(device_stream::deviates_at(&probabilities, device).unwrap(), host);
    }
}

/// The README's test command runs this module twice: in the workspace's build (Burn's `fusion`
/// off) and with `--features burn/fusion` and `BURN_INIT_EXPECT_FUSION=1`, where the kernel's
/// buffers are registered with Burn's fusion stream; this checks each run is the build it claims.
#[test]
fn the_build_fuses_exactly_when_the_run_says_so() {
    let expected = std::env::var_os("BURN_INIT_EXPECT_FUSION").is_some();
    assert_eq!(device_stream::fused(), expected);
}

/// The bit-identity tests above can see a fused product: CubeCL rewrites `a·b + c` into
/// `fma(a, b, c)` and a GPU driver may contract one too, which is why the kernel passes every
/// product through an integer barrier. Over the words the uniform test draws for U(−0.3, 0.7),
/// `fma(low, 1 − u, high·u)` differs from the two-rounding host value on a measurable share, so a
/// kernel whose products were fused would fail there. (llvmpipe, which CI runs, evaluates `fma`
/// without fusing; a GPU that fuses is where the barrier matters.)
#[test]
fn a_fused_product_would_change_the_bits_the_tests_compare() {
    let key = Key::new(7).for_path("layers.3.weight");
    let (low, high) = (-0.3f32, 0.7f32);
    let words = host_words(&key, 0, 0, 512 * 768);
    let differ = words
        .iter()
        .filter(|&&w| {
            let u = (w >> 8) as f32 * (1.0 / 16_777_216.0);
            let two_roundings = low * (1.0 - u) + high * u;
            let fused = low.mul_add(1.0 - u, high * u);
            two_roundings.to_bits() != fused.to_bits()
        })
        .count();
    // Measured: 80 748 of 393 216 (20.5 %); the bound below is 20 times under it.
    assert!(
        differ > words.len() / 100,
        "{differ} of {} differ",
        words.len()
    );
}

/// GPT-2 small's matrices (the token embedding and 12 × {c_attn, c_proj, c_fc, mlp c_proj}, 124 M
/// weights) under PyTorch's default and under N(0, 0.02²) by sampler version 2, drawn on the
/// device and on the host: the same bits. Ignored
/// in CI: llvmpipe's wgpu device holds no buffer over 128 MiB (Burn's own tensors included), and
/// the token embedding is 154 MB; `benches/gpu/check.sh` runs it on a GPU.
#[test]
#[ignore = "124 M values: run on a GPU by benches/gpu/check.sh"]
fn gpt2_small_under_pytorchs_default_is_the_hosts_bits_on_wgpu() {
    let Some(device) = burn_init::devices::by_name("wgpu") else {
        return;
    };
    let mut shapes = vec![("wte.weight".to_string(), [50257usize, 768])];
    for layer in 0..12 {
        for (name, shape) in [
            ("attn.c_attn", [768, 2304]),
            ("attn.c_proj", [768, 768]),
            ("mlp.c_fc", [768, 3072]),
            ("mlp.c_proj", [3072, 768]),
        ] {
            shapes.push((format!("h.{layer}.{name}.weight"), shape));
        }
    }
    let root = Key::new(0);
    // PyTorch's default (uniform), then GPT-2's own N(0, 0.02²) under sampler version 2.
    let normal = Scheme::Normal {
        mean: 0.0,
        std: 0.02,
    };
    for (scheme, version) in [
        (Scheme::PytorchDefault, SamplerVersion::V1),
        (normal, SamplerVersion::V2),
    ] {
        let mut checked = 0;
        for (path, shape) in &shapes {
            let prepared = scheme
                .prepare(shape, Some(Fan::linear(shape[0], shape[1])))
                .unwrap()
                .with_sampler(version);
            assert_eq!(prepared.device_path(&device), Ok(()), "{path}");
            let key = root.for_path(path);
            let on_device: Tensor<2> = prepared.sample(key, &device).unwrap();
            assert_eq!(
                bits(&values(on_device)),
                bits(&prepared.sample_host(key).unwrap()),
                "{scheme:?} {path}"
            );
            checked += prepared.len();
        }
        assert_eq!(checked, 123_532_032);
    }
}

/// Words around every octave's and segment's edge of version 2's table (both halves, both
/// signs), and 2¹⁶-word runs at the ends of the ranges.
fn transform_ranges() -> Vec<(u32, u32)> {
    let mut ranges = vec![
        (0, 1 << 16),
        ((1 << 30) - (1 << 15), 1 << 16),
        ((1 << 31) - (1 << 15), 1 << 16),
        (u32::MAX - (1 << 16) + 1, 1 << 16),
    ];
    for k in 0..30 {
        for j in 0..32u64 {
            let p = (1u32 << (29 - k)) + ((j << (29 - k)) / 32) as u32;
            for m in [p, (1 << 31) - 1 - p] {
                for sign in [0, 1u32 << 31] {
                    ranges.push(((m | sign).saturating_sub(2).min(u32::MAX - 4), 5));
                }
            }
        }
    }
    ranges
}

/// All 2³² words through version 2's transform on the GPU against the host, in 2²⁶-word pieces:
/// the exhaustive check of `benches/gpu/check.sh` (16 GiB of results; minutes on llvmpipe).
#[test]
#[ignore = "all 2³² words: run on a GPU by benches/gpu/check.sh"]
fn the_version_2_transform_is_the_hosts_on_all_words() {
    use rayon::prelude::*;
    let Some(device) = burn_init::devices::by_name("wgpu") else {
        return;
    };
    let piece = 1u32 << 26;
    let mut differ = 0usize;
    for first in (0..1u32 << 6).map(|i| i * piece) {
        let on_device = device_stream::standard_normals(first, piece, &device).unwrap();
        differ += on_device
            .par_iter()
            .enumerate()
            .filter(|(i, bits)| inverse_normal::deviate(first + *i as u32).to_bits() != **bits)
            .count();
    }
    println!("version 2's transform: {differ} of 2³² words differ between the GPU and the host");
    assert_eq!(differ, 0);
}

/// A wgpu device whose default float type is not f32 (here f16, where the adapter has it) draws
/// on the host, says so, and holds the host's values in its own type. A second wgpu device (the
/// CPU adapter, llvmpipe in CI) is configured, so the suite's wgpu device keeps f32.
#[test]
fn a_device_whose_default_float_is_not_f32_draws_on_the_host() {
    if burn_init::devices::by_name("wgpu").is_none() {
        return;
    }
    let mut device = Device::wgpu(burn::tensor::DeviceKind::Cpu);
    if let Err(error) = device.configure(burn::tensor::FloatDType::F16) {
        println!("no f16 on this adapter: {error:?}");
        return;
    }
    let prepared = Scheme::Uniform {
        low: -1.0,
        high: 1.0,
    }
    .prepare(&[40, 3], None)
    .unwrap();
    assert_eq!(prepared.device_path(&device), Err(HostReason::NotF32));
    let key = Key::new(5);
    let t: Tensor<2> = prepared.sample(key, &device).unwrap();
    assert_eq!(t.dtype(), burn::tensor::DType::F16);
    let got: Vec<f32> = t.into_data().convert::<f32>().try_to_vec().unwrap();
    let host: Vec<f32> = prepared
        .sample_host(key)
        .unwrap()
        .iter()
        .map(|&x| burn::tensor::f16::from_f32(x).to_f32())
        .collect();
    assert_eq!(bits(&got), bits(&host));
}
