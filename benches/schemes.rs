//! Per-scheme sampling throughput on a [1024, 1024] weight, against Burn's own `Initializer` on
//! the same device. `BURN_INIT_BENCH_DEVICE` picks the device (default: the first CPU device).

use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};
use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SHAPE: [usize; 2] = [1024, 1024];

fn device() -> (String, Device) {
    let name = std::env::var("BURN_INIT_BENCH_DEVICE")
        .unwrap_or_else(|_| burn_init::devices::names()[0].to_string());
    let device = burn_init::devices::by_name(&name)
        .unwrap_or_else(|| panic!("device {name} is not enabled"));
    (name, device)
}

fn schemes(c: &mut Criterion) {
    let (name, device) = device();
    let fan = Fan::linear(SHAPE[0], SHAPE[1]);
    let mut group = c.benchmark_group(format!("sample_1024x1024_{name}"));
    group.throughput(Throughput::Elements((SHAPE[0] * SHAPE[1]) as u64));
    let cases = [
        (
            "xavier_uniform",
            Scheme::xavier_uniform(1.0),
            Some(Initializer::XavierUniform { gain: 1.0 }),
        ),
        (
            "kaiming_normal",
            Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu),
            Some(Initializer::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: false,
            }),
        ),
        (
            "trunc_normal",
            Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04),
            None,
        ),
    ];
    for (label, scheme, burn) in cases {
        group.bench_function(format!("burn_init/{label}"), |b| {
            b.iter(|| {
                let t: Tensor<2> = scheme
                    .sample(SHAPE, Some(&fan), Key::new(0), &device)
                    .unwrap();
                device.sync().unwrap();
                t
            })
        });
        if let Some(initializer) = burn {
            group.bench_function(format!("burn/{label}"), |b| {
                b.iter(|| {
                    let t: Tensor<2> = initializer
                        .init_with(SHAPE, Some(SHAPE[0]), Some(SHAPE[1]), &device)
                        .val();
                    device.sync().unwrap();
                    t
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, schemes);
criterion_main!(benches);
