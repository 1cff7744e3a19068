//! The models of burn-init-models the backends study runs, each at a study size with its input
//! (drawn from a key, so identical on every device), as one function per model that builds it on
//! a device and runs its forward pass under the probe.
//!
//! The width K of each model, which the tolerance reads (`agreement::tolerance`), is the largest
//! fan-in over its parameters, from the manifest of its initialisation: the longest dot product
//! its forward pass sums.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Probe, probe};
use burn_init::policy::Manifest;
use burn_init::{Key, Scheme, fingerprint};
use burn_init_models::{
    Blueprint, DeepAutoencoderConfig, DeepMlpConfig, DenseBlockConfig, DepthwiseSeparableConfig,
    InceptionSumConfig, ResidualBlockConfig, ResidualStackConfig, SimpleRnnConfig,
    TransformerBlockConfig, UpsamplerConfig, WeightNormLinearConfig,
};

use super::agreement::layers;

/// One model's forward pass on one device: its layers in forward order (the probe's records and
/// the output, as `study.output`), its weights' fingerprint and its width K.
#[derive(Debug, Clone)]
pub struct Run {
    pub layers: Vec<(String, Vec<f64>)>,
    pub fingerprint: u64,
    pub width: usize,
}

/// A model of the catalogue: its name and how to run it on a device from a key.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub name: &'static str,
    pub run: fn(Key, &Device) -> Result<Run, String>,
}

/// Every model of the catalogue.
pub fn models() -> Vec<Model> {
    vec![
        Model {
            name: "mlp",
            run: mlp,
        },
        Model {
            name: "autoencoder",
            run: autoencoder,
        },
        Model {
            name: "residual",
            run: residual,
        },
        Model {
            name: "inception",
            run: inception,
        },
        Model {
            name: "separable",
            run: separable,
        },
        Model {
            name: "upsampler",
            run: upsampler,
        },
        Model {
            name: "dense",
            run: dense,
        },
        Model {
            name: "rnn",
            run: rnn,
        },
        Model {
            name: "transformer",
            run: transformer,
        },
        Model {
            name: "weight_norm",
            run: weight_norm,
        },
    ]
}

/// N(0, 1) of `shape` from key 1 000 + `seed`, the same values on every device.
fn input<const D: usize>(
    shape: [usize; D],
    seed: u64,
    device: &Device,
) -> Result<Tensor<D>, String> {
    Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample(shape, None, Key::new(1000 + seed), device)
    .map_err(|e| e.to_string())
}

/// Builds `config` with `key` on `device` and records `forward`'s layers and output.
fn capture<B: Blueprint, const D: usize>(
    config: &B,
    key: Key,
    device: &Device,
    forward: impl FnOnce(&B::Model) -> Result<Tensor<D>, String>,
) -> Result<Run, String>
where
    B::Model: Module,
{
    let (model, manifest) = config
        .init_with_manifest(key, device)
        .map_err(|e| e.to_string())?;
    let fingerprint = fingerprint::of_module(&model)
        .map_err(|e| e.to_string())?
        .hash;
    let (output, trace) = Probe::new()
        .keeping_tensors()
        .capture(|| forward(&model).map(|y| probe::record("study.output", y)))
        .map_err(|e| e.to_string())?;
    output?;
    Ok(Run {
        layers: layers(&trace)?,
        fingerprint,
        width: width(&manifest),
    })
}

/// The largest fan-in of the manifest's parameters (1 when none has a fan).
fn width(manifest: &Manifest) -> usize {
    manifest
        .entries
        .iter()
        .filter_map(|entry| entry.fan.map(|fan| fan.fan_in))
        .fold(1.0f64, f64::max)
        .round() as usize
}

fn mlp(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([32, 128], 0, device)?;
    capture(&DeepMlpConfig::new(128, 128, 8, 10), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn autoencoder(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([32, 128], 1, device)?;
    capture(&DeepAutoencoderConfig::new(128, 16), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn residual(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([32, 128], 2, device)?;
    let config = ResidualStackConfig::new(ResidualBlockConfig::new(128), 4);
    capture(&config, key, device, |m| Ok(m.forward(x)))
}

fn inception(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([4, 16, 12, 12], 3, device)?;
    capture(&InceptionSumConfig::new(16), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn separable(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([4, 16, 12, 12], 4, device)?;
    capture(&DepthwiseSeparableConfig::new(16, 32), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn upsampler(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([4, 16, 8, 8], 5, device)?;
    capture(&UpsamplerConfig::new(16, 8), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn dense(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([4, 16, 10, 10], 6, device)?;
    capture(
        &DenseBlockConfig::new(16),
        key,
        device,
        |m| Ok(m.forward(x)),
    )
}

fn rnn(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([8, 12, 32], 7, device)?;
    capture(&SimpleRnnConfig::new(32, 64), key, device, |m| {
        Ok(m.forward(x, None))
    })
}

fn transformer(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([4, 16, 64], 8, device)?;
    capture(&TransformerBlockConfig::new(64, 4, 256), key, device, |m| {
        Ok(m.forward(x))
    })
}

fn weight_norm(key: Key, device: &Device) -> Result<Run, String> {
    let x = input([32, 128], 9, device)?;
    capture(&WeightNormLinearConfig::new(128, 64), key, device, |m| {
        Ok(m.forward(x))
    })
}
