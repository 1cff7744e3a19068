//! Sampling throughput, per scheme and per model, against Burn's own `Initializer` on the same
//! device and against the floor (a fill and a memcpy of the same size into fresh memory).
//!
//! Function names inside each group: `floor/*`, `inplace/<scheme>` (burn-init's engine filling an
//! existing host buffer, like PyTorch's in-place `nn.init`), `host/<scheme>` (a fresh host
//! `Vec`), `tensor/<scheme>` (a Burn tensor on the device, synchronised) and `burn/<scheme>`
//! (Burn's `Initializer`, forced and synchronised), `upload/<scheme>` (the host draw and its
//! upload, whatever path `tensor/` takes). A `_v2` suffix is the same law drawn by sampler
//! version 2 (normal and truncated normal laws: one word per value, the device kernel's
//! transform), beside version 1's. `summary` turns the results into one table.

use std::hint::black_box;
use std::time::Duration;

use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};
use burn_init::sampling::SamplerVersion;
use burn_init::{Distribution, Fan, FanMode, Key, Nonlinearity, Prepared, Scheme, VarianceScaling};
use burn_init_benches::{ParamShape, count, device, gpt2_small, resnet50};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

const RELU: Nonlinearity = Nonlinearity::Relu;

/// (label, scheme, Burn's equivalent when it has one), drawn by sampler version 1.
fn cases_v1() -> Vec<(&'static str, Scheme, Option<Initializer>)> {
    let sqrt2 = 2f64.sqrt();
    vec![
        (
            "uniform",
            Scheme::Uniform {
                low: -1.0,
                high: 1.0,
            },
            Some(Initializer::Uniform {
                min: -1.0,
                max: 1.0,
            }),
        ),
        (
            "xavier_uniform",
            Scheme::xavier_uniform(1.0),
            Some(Initializer::XavierUniform { gain: 1.0 }),
        ),
        (
            "kaiming_uniform",
            Scheme::kaiming_uniform(FanMode::FanIn, RELU),
            Some(Initializer::KaimingUniform {
                gain: sqrt2,
                fan_out_only: false,
            }),
        ),
        ("pytorch_default", Scheme::PytorchDefault, None),
        (
            "normal",
            Scheme::Normal {
                mean: 0.0,
                std: 0.02,
            },
            Some(Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }),
        ),
        (
            "xavier_normal",
            Scheme::xavier_normal(1.0),
            Some(Initializer::XavierNormal { gain: 1.0 }),
        ),
        (
            "kaiming_normal",
            Scheme::kaiming_normal(FanMode::FanIn, RELU),
            Some(Initializer::KaimingNormal {
                gain: sqrt2,
                fan_out_only: false,
            }),
        ),
        (
            "trunc_normal",
            Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04),
            None,
        ),
        (
            "lecun_normal_truncated",
            Scheme::VarianceScaling(VarianceScaling::new(
                1.0,
                FanMode::FanIn,
                Distribution::TruncatedNormal,
            )),
            None,
        ),
    ]
}

/// Every case with its sampler version: version 1's, each normal law followed at once by the
/// same law under version 2 (one word per value, the device kernel's transform), so that the two
/// are timed side by side.
fn cases() -> Vec<(String, Scheme, SamplerVersion, Option<Initializer>)> {
    let mut out = Vec::new();
    for (label, scheme, burn) in cases_v1() {
        let v2 = [
            "normal",
            "kaiming_normal",
            "trunc_normal",
            "lecun_normal_truncated",
        ]
        .contains(&label);
        out.push((
            label.to_string(),
            scheme.clone(),
            SamplerVersion::V1,
            burn.clone(),
        ));
        if v2 {
            out.push((format!("{label}_v2"), scheme, SamplerVersion::V2, burn));
        }
    }
    out
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, elements: usize) {
    group.throughput(Throughput::Elements(elements as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
}

/// Fill and memcpy of `n` f32 into fresh memory: what any initializer must at least pay.
fn floors(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group.bench_function("floor/fill", |b| b.iter(|| black_box(vec![0.5f32; n])));
    let source = vec![0.5f32; n];
    group.bench_function("floor/memcpy", |b| b.iter(|| black_box(source.clone())));
}

fn burn_tensor<const D: usize>(
    init: &Initializer,
    shape: [usize; D],
    fan: Fan,
    device: &Device,
) -> Tensor<D> {
    let (fan_in, fan_out) = (fan.fan_in as usize, fan.fan_out as usize);
    let t = init
        .init_with(shape, Some(fan_in), Some(fan_out), device)
        .val();
    device.sync().unwrap();
    t
}

fn per_scheme<const D: usize>(c: &mut Criterion, label: &str, shape: [usize; D], full: bool) {
    let (name, device) = device();
    let n: usize = shape.iter().product();
    let fan = Fan::pytorch(&shape).unwrap();
    let mut group = c.benchmark_group(format!("{name}/{label}"));
    configure(&mut group, n);
    floors(&mut group, n);
    let mut buffer = vec![0.0f32; n];
    for (scheme_label, scheme, version, burn) in cases() {
        let prepared = scheme
            .prepare(&shape, Some(fan))
            .unwrap()
            .with_sampler(version);
        if full {
            group.bench_function(format!("inplace/{scheme_label}"), |b| {
                b.iter(|| prepared.fill_host(Key::new(0), 0, &mut buffer).unwrap())
            });
            group.bench_function(format!("host/{scheme_label}"), |b| {
                b.iter(|| prepared.sample_host(Key::new(0)).unwrap())
            });
        }
        group.bench_function(format!("tensor/{scheme_label}"), |b| {
            b.iter(|| {
                let t: Tensor<D> = prepared.sample(Key::new(0), &device).unwrap();
                device.sync().unwrap();
                t
            })
        });
        // The host draw and its upload, whatever path `tensor/` takes: with the `device-stream`
        // feature on a GPU, `tensor/` of a uniform-family scheme is burn-init's own kernel.
        group.bench_function(format!("upload/{scheme_label}"), |b| {
            b.iter(|| {
                let t = upload::<D>(&prepared, Key::new(0), &device);
                device.sync().unwrap();
                t
            })
        });
        if let Some(init) = burn.filter(|_| version == SamplerVersion::V1) {
            group.bench_function(format!("burn/{scheme_label}"), |b| {
                b.iter(|| burn_tensor(&init, shape, fan, &device))
            });
        }
    }
    group.finish();
}

/// Drawn on the host and uploaded (the path every draw took before the device stream).
fn upload<const D: usize>(prepared: &Prepared, key: Key, device: &Device) -> Tensor<D> {
    let values = prepared.sample_host(key).unwrap();
    Tensor::from_data(
        burn::tensor::TensorData::new(values, prepared.shape().to_vec()),
        device,
    )
}

fn weights(c: &mut Criterion) {
    per_scheme(c, "weight_4096x4096", [4096, 4096], true);
    per_scheme(c, "conv_256x256x3x3", [256, 256, 3, 3], false);
}

fn orthogonal(c: &mut Criterion) {
    let (name, device) = device();
    let mut group = c.benchmark_group(format!("{name}/orthogonal"));
    for n in [256, 1024, 4096] {
        configure(&mut group, n * n);
        if n == 4096 {
            group.measurement_time(Duration::from_secs(20));
        }
        let scheme = Scheme::orthogonal(1.0);
        // The host buffer alone: what `benches/pytorch/orthogonal.py` sets beside PyTorch.
        group.bench_function(format!("host/orthogonal_{n}"), |b| {
            b.iter(|| scheme.sample_host(&[n, n], None, Key::new(0)).unwrap())
        });
        group.bench_function(format!("tensor/orthogonal_{n}"), |b| {
            b.iter(|| {
                let t: Tensor<2> = scheme.sample([n, n], None, Key::new(0), &device).unwrap();
                device.sync().unwrap();
                t
            })
        });
        // Burn's own orthogonal takes 8.7 s at 1024² here; at 4096² it would take hours.
        if n <= 1024 {
            group.bench_function(format!("burn/orthogonal_{n}"), |b| {
                b.iter(|| {
                    burn_tensor(
                        &Initializer::Orthogonal { gain: 1.0 },
                        [n, n],
                        Fan::linear(n, n),
                        &device,
                    )
                })
            });
        }
    }
    group.finish();
}

/// `scheme` prepared for a parameter of `shape` (flattened: the fans are given) under `version`.
fn prepare(scheme: Scheme, shape: &[usize], fan: Fan, version: SamplerVersion) -> Prepared {
    scheme
        .prepare(&[shape.iter().product()], Some(fan))
        .unwrap()
        .with_sampler(version)
}

/// Initialises every parameter of a model, each keyed by its path, as Burn tensors (burn-init's
/// own kernel where it applies).
fn init_model(
    params: &[ParamShape],
    scheme: &dyn Fn(&[usize]) -> Scheme,
    version: SamplerVersion,
    device: &Device,
) -> usize {
    each_param(params, device, |shape, fan, key| {
        let prepared = prepare(scheme(shape), shape, fan, version);
        prepared.sample::<1>(key, device).unwrap().dims()[0]
    })
}

/// Every parameter drawn on the host and uploaded.
fn upload_model(
    params: &[ParamShape],
    scheme: &dyn Fn(&[usize]) -> Scheme,
    version: SamplerVersion,
    device: &Device,
) -> usize {
    each_param(params, device, |shape, fan, key| {
        upload::<1>(&prepare(scheme(shape), shape, fan, version), key, device).dims()[0]
    })
}

/// `draw(shape, fans, path key)` for every parameter, then one sync: the sum of what each returns.
fn each_param(
    params: &[ParamShape],
    device: &Device,
    draw: impl Fn(&[usize], Fan, Key) -> usize,
) -> usize {
    let root = Key::new(0);
    let live = params
        .iter()
        .map(|(path, shape)| {
            let fan = Fan::pytorch(shape).unwrap_or(Fan::explicit(1.0, 1.0).unwrap());
            draw(shape, fan, root.for_path(path))
        })
        .sum();
    device.sync().unwrap();
    live
}

/// Re-initialises a model's parameters in place (host buffers allocated once), as PyTorch's
/// `model.apply(init)` does: the cost without allocation and page faults.
fn reinit_model(
    params: &[ParamShape],
    scheme: &dyn Fn(&[usize]) -> Scheme,
    buffers: &mut [Vec<f32>],
) {
    let root = Key::new(0);
    for ((path, shape), buffer) in params.iter().zip(buffers) {
        let fan = Fan::pytorch(shape).unwrap_or(Fan::explicit(1.0, 1.0).unwrap());
        scheme(shape)
            .fill_host(shape, Some(fan), root.for_path(path), 0, buffer)
            .unwrap();
    }
}

fn model_buffers(params: &[ParamShape]) -> Vec<Vec<f32>> {
    params
        .iter()
        .map(|(_, shape)| vec![0.0; shape.iter().product()])
        .collect()
}

/// The same with Burn's `Initializer`.
fn init_model_burn(params: &[ParamShape], init: &Initializer, device: &Device) -> usize {
    let mut live = 0;
    for (_, shape) in params {
        let fan = Fan::pytorch(shape).unwrap_or(Fan::explicit(1.0, 1.0).unwrap());
        let (fi, fo) = (Some(fan.fan_in as usize), Some(fan.fan_out as usize));
        live += match shape.len() {
            1 => init
                .init_with::<1, _>(shape.clone(), fi, fo, device)
                .val()
                .dims()[0],
            2 => init
                .init_with::<2, _>(shape.clone(), fi, fo, device)
                .val()
                .dims()[0],
            _ => init
                .init_with::<4, _>(shape.clone(), fi, fo, device)
                .val()
                .dims()[0],
        };
    }
    device.sync().unwrap();
    live
}

fn models(c: &mut Criterion) {
    let (name, device) = device();
    let mut group = c.benchmark_group(format!("{name}/model"));
    // GPT-2: N(0, 0.02²) everywhere (Radford et al. 2019).
    let gpt2 = gpt2_small();
    configure(&mut group, count(&gpt2));
    group.measurement_time(Duration::from_secs(10));
    floors(&mut group, count(&gpt2));
    let normal = |_: &[usize]| Scheme::Normal {
        mean: 0.0,
        std: 0.02,
    };
    group.bench_function("tensor/gpt2_small", |b| {
        b.iter(|| init_model(&gpt2, &normal, SamplerVersion::V1, &device))
    });
    // The same under sampler version 2: one word per value, drawn on the device by burn-init's
    // kernel with the `device-stream` feature on a GPU, and its host draw and upload.
    group.bench_function("tensor/gpt2_small_v2", |b| {
        b.iter(|| init_model(&gpt2, &normal, SamplerVersion::V2, &device))
    });
    group.bench_function("upload/gpt2_small_v2", |b| {
        b.iter(|| upload_model(&gpt2, &normal, SamplerVersion::V2, &device))
    });
    let mut buffers = model_buffers(&gpt2);
    group.bench_function("inplace/gpt2_small", |b| {
        b.iter(|| reinit_model(&gpt2, &normal, &mut buffers))
    });
    drop(buffers);
    let burn_normal = Initializer::Normal {
        mean: 0.0,
        std: 0.02,
    };
    group.bench_function("burn/gpt2_small", |b| {
        b.iter(|| init_model_burn(&gpt2, &burn_normal, &device))
    });
    // GPT-2's shapes under PyTorch's default, U(±1/√fan_in) everywhere: the uniform family, which
    // the device stream draws on the device (`tensor/`), against the host draw and upload and
    // Burn's equivalent (Kaiming uniform with gain 1/√3).
    let uniform = |_: &[usize]| Scheme::PytorchDefault;
    group.bench_function("tensor/gpt2_small_uniform", |b| {
        b.iter(|| init_model(&gpt2, &uniform, SamplerVersion::V1, &device))
    });
    group.bench_function("upload/gpt2_small_uniform", |b| {
        b.iter(|| upload_model(&gpt2, &uniform, SamplerVersion::V1, &device))
    });
    let burn_uniform = Initializer::KaimingUniform {
        gain: 1.0 / 3f64.sqrt(),
        fan_out_only: false,
    };
    group.bench_function("burn/gpt2_small_uniform", |b| {
        b.iter(|| init_model_burn(&gpt2, &burn_uniform, &device))
    });
    // ResNet-50: He normal, fan_out (torchvision), the classifier PyTorch's default.
    let resnet = resnet50();
    configure(&mut group, count(&resnet));
    let he = |shape: &[usize]| {
        if shape.len() == 4 {
            Scheme::kaiming_normal(FanMode::FanOut, RELU)
        } else {
            Scheme::PytorchDefault
        }
    };
    group.bench_function("tensor/resnet50", |b| {
        b.iter(|| init_model(&resnet, &he, SamplerVersion::V1, &device))
    });
    group.bench_function("tensor/resnet50_v2", |b| {
        b.iter(|| init_model(&resnet, &he, SamplerVersion::V2, &device))
    });
    group.bench_function("upload/resnet50_v2", |b| {
        b.iter(|| upload_model(&resnet, &he, SamplerVersion::V2, &device))
    });
    let mut buffers = model_buffers(&resnet);
    group.bench_function("inplace/resnet50", |b| {
        b.iter(|| reinit_model(&resnet, &he, &mut buffers))
    });
    let burn_he = Initializer::KaimingNormal {
        gain: 2f64.sqrt(),
        fan_out_only: true,
    };
    group.bench_function("burn/resnet50", |b| {
        b.iter(|| init_model_burn(&resnet, &burn_he, &device))
    });
    group.finish();
}

criterion_group!(benches, weights, orthogonal, models);
criterion_main!(benches);
