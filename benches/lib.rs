//! Shared pieces of burn-init's criterion benchmarks (`sampling.rs`) and of the summary table
//! (`cargo run -p burn-init-benches --release --bin summary`).
//!
//! Run on the CPU: `cargo bench -p burn-init-benches --features ndarray` (flex is the default);
//! `BURN_INIT_BENCH_DEVICE=ndarray|flex|wgpu` picks the device (wgpu needs `--features wgpu`).

use burn::tensor::Device;

pub mod burn_models;

/// The device named by `BURN_INIT_BENCH_DEVICE` (default: the first enabled CPU device).
pub fn device() -> (String, Device) {
    let name = std::env::var("BURN_INIT_BENCH_DEVICE")
        .unwrap_or_else(|_| burn_init::devices::names()[0].to_string());
    let device = burn_init::devices::by_name(&name)
        .unwrap_or_else(|| panic!("device {name} is not enabled in this build"));
    (name, device)
}

/// A parameter of a model: its path and shape.
pub type ParamShape = (String, Vec<usize>);

/// GPT-2 small's matrices: 12 × {c_attn 768→2304, c_proj 768→768, c_fc 768→3072,
/// mlp c_proj 3072→768} (stored `[in, out]` like Burn's `Linear`) and the token embedding
/// 50257×768: 123 532 032 weights.
pub fn gpt2_small() -> Vec<ParamShape> {
    let mut params = vec![("wte.weight".to_string(), vec![50257, 768])];
    for layer in 0..12 {
        for (name, shape) in [
            ("attn.c_attn", [768, 2304]),
            ("attn.c_proj", [768, 768]),
            ("mlp.c_fc", [768, 3072]),
            ("mlp.c_proj", [3072, 768]),
        ] {
            params.push((format!("h.{layer}.{name}.weight"), shape.to_vec()));
        }
    }
    params
}

/// ResNet-50's convolution kernels `[c_out, c_in, k, k]` and its classifier (weight `[2048,
/// 1000]`, bias): 25 503 912 weights.
pub fn resnet50() -> Vec<ParamShape> {
    let mut params = vec![("conv1.weight".to_string(), vec![64, 3, 7, 7])];
    let mut c_in = 64;
    for (stage, (blocks, width)) in [(3, 64), (4, 128), (6, 256), (3, 512)]
        .into_iter()
        .enumerate()
    {
        for block in 0..blocks {
            let prefix = format!("layer{}.{block}", stage + 1);
            params.push((format!("{prefix}.conv1.weight"), vec![width, c_in, 1, 1]));
            params.push((format!("{prefix}.conv2.weight"), vec![width, width, 3, 3]));
            params.push((
                format!("{prefix}.conv3.weight"),
                vec![4 * width, width, 1, 1],
            ));
            if block == 0 {
                params.push((
                    format!("{prefix}.downsample.weight"),
                    vec![4 * width, c_in, 1, 1],
                ));
            }
            c_in = 4 * width;
        }
    }
    params.push(("fc.weight".to_string(), vec![2048, 1000]));
    params.push(("fc.bias".to_string(), vec![1000]));
    params
}

/// Total number of weights.
pub fn count(params: &[ParamShape]) -> usize {
    params
        .iter()
        .map(|(_, s)| s.iter().product::<usize>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_sizes() {
        assert_eq!(count(&gpt2_small()), 123_532_032);
        assert_eq!(count(&resnet50()), 25_503_912);
        assert_eq!(resnet50().len(), 1 + 16 * 3 + 4 + 2);
    }
}
