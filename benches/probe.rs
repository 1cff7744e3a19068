//! The probe is free when off: a forward pass of an 8-layer MLP (width 256, batch 64) with a
//! `probe::record` on every layer, beside the same pass without them — one group, side by side,
//! so the ratio is what counts on a noisy machine. A third row captures (reads every record
//! back for its statistics): the price of diagnosing.
//!
//! `cargo bench -p burn-init-benches --bench probe`

use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Probe, probe};
use burn_init::{Key, Scheme};
use criterion::{Criterion, criterion_group, criterion_main};

fn layers(device: &Device) -> Vec<Linear> {
    (0..8)
        .map(|_| LinearConfig::new(256, 256).init(device))
        .collect()
}

fn plain(layers: &[Linear], x: Tensor<2>) -> Tensor<2> {
    layers.iter().fold(x, |x, l| relu(l.forward(x)))
}

fn recorded(layers: &[Linear], x: Tensor<2>) -> Tensor<2> {
    layers.iter().enumerate().fold(x, |x, (i, l)| {
        relu(probe::record(format_args!("layers.{i}"), l.forward(x)))
    })
}

fn bench(c: &mut Criterion) {
    let device = Device::default();
    let layers = layers(&device);
    let x: Tensor<2> = Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample([64, 256], None, Key::new(0), &device)
    .unwrap();
    let force = |y: Tensor<2>| y.into_data();
    let mut group = c.benchmark_group("probe/mlp8x256_batch64");
    group.bench_function("plain", |b| b.iter(|| force(plain(&layers, x.clone()))));
    group.bench_function("recorded_off", |b| {
        b.iter(|| force(recorded(&layers, x.clone())))
    });
    group.bench_function("recorded_capturing", |b| {
        b.iter(|| {
            let (y, trace) = Probe::new()
                .capture(|| recorded(&layers, x.clone()))
                .unwrap();
            (force(y), trace.records().len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
