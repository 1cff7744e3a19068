//! The path a Burn user takes, timed until every parameter holds its values: build a
//! GPT-2-small- or ResNet-50-shaped model from Burn's configs, then
//!
//! * `burn/<model>` — Burn's own initializer (same distributions);
//! * `policy/<model>` — `Policy::apply` (eager: draws and the manifest's moments);
//! * `lazy/<model>` — `Policy::apply_lazy`, then the first use draws;
//! * `init_with/<model>` — burn-init at construction (`XxxConfig::init_with`);
//! * `host/<model>` — the raw host sampler on the same shapes, schemes and keys (no model).
//!
//! `summary` prints each row's speed-up over `burn/` and its cost over `host/`.
//!
//! Every row starts from fresh memory, as a process initialising its model does: between
//! iterations (untimed) the previous result is dropped and the allocator returns its free memory
//! to the OS (`malloc_trim`). Without that, the allocator recycles the previous iteration's
//! already-mapped pages for some rows and not others (it depends on the order of frees), and the
//! comparison measures that instead: measured, the bare host loop took 0.9 k page faults per
//! GPT-2 where the model paths took 60 k.

use std::hint::black_box;
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::nn::Initializer;
use burn::tensor::Device;
use burn_init::Key;
use burn_init::policy::Policy;
use burn_init_benches::burn_models::{
    Build, force, gpt2, gpt2_policy, gpt2_scheme, host_draws, resnet_policy, resnet_scheme,
    resnet50,
};
use burn_init_benches::device;
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

/// Times `routine` from fresh memory: trims the allocator before each call and drops the result
/// after the clock stops.
fn fresh<T>(b: &mut Bencher<'_>, mut routine: impl FnMut() -> T) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            trim();
            let start = Instant::now();
            let out = black_box(routine());
            total += start.elapsed();
            drop(out);
        }
        total
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: `malloc_trim` only returns free heap memory to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// The five rows of one model: `burn` builds it with Burn's initializer, `init_with` with
/// burn-init's at construction; `policy` and `lazy` apply `policy` to Burn's build.
fn model_rows<M: Module>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    model: &str,
    (device, key): (&Device, &Key),
    burn: impl Fn() -> M,
    init_with: impl Fn() -> M,
    policy: &Policy,
) {
    let (_, manifest) = policy.apply_lazy(burn(), *key).unwrap();
    let elements: usize = manifest
        .entries
        .iter()
        .map(|e| e.shape.iter().product::<usize>())
        .sum();
    group.throughput(Throughput::Elements(elements as u64));
    let forced = |model: M| {
        force(&model, device);
        model
    };
    group.bench_function(format!("burn/{model}"), |b| fresh(b, || forced(burn())));
    group.bench_function(format!("policy/{model}"), |b| {
        fresh(b, || forced(policy.apply(burn(), *key).unwrap().0))
    });
    group.bench_function(format!("lazy/{model}"), |b| {
        fresh(b, || forced(policy.apply_lazy(burn(), *key).unwrap().0))
    });
    group.bench_function(format!("init_with/{model}"), |b| {
        fresh(b, || forced(init_with()))
    });
    group.bench_function(format!("host/{model}"), |b| {
        fresh(b, || host_draws(&manifest, key))
    });
}

fn user_path(c: &mut Criterion) {
    let (name, device) = device();
    let mut group = c.benchmark_group(format!("{name}/user_path"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    let key = Key::new(0);
    let at = (&device, &key);

    // GPT-2 small: N(0, 0.02²) weights; Burn draws its biases from the same normal.
    let normal = Build::Burn(Initializer::Normal {
        mean: 0.0,
        std: 0.02,
    });
    let scheme = gpt2_scheme();
    let init_with = Build::InitWith(&scheme, key);
    let (burn, ours) = (|| gpt2(&normal, &device), || gpt2(&init_with, &device));
    model_rows(&mut group, "gpt2_small", at, burn, ours, &gpt2_policy());

    // ResNet-50: He normal (fan_out) convolutions, BatchNorm, PyTorch's default classifier.
    let he = Build::Burn(Initializer::KaimingNormal {
        gain: 2f64.sqrt(),
        fan_out_only: true,
    });
    let scheme = resnet_scheme();
    let init_with = Build::InitWith(&scheme, key);
    let (burn, ours) = (|| resnet50(&he, &device), || resnet50(&init_with, &device));
    model_rows(&mut group, "resnet50", at, burn, ours, &resnet_policy());
    group.finish();
}

criterion_group!(benches, user_path);
criterion_main!(benches);
