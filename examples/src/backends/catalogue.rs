//! The models of burn-init-models the backends study runs, each at a study size with its input
//! (drawn from a key, so identical on every device), as one function per model that builds it on
//! a device and hands it to [`capture`](super::capture).

use burn::tensor::{Device, Int, Tensor, TensorData};
use burn_init::policy::Policy;
use burn_init::{Key, Nonlinearity};
use burn_init_models::{
    DeepAutoencoderConfig, DeepMlpConfig, DenseBlockConfig, DepthwiseSeparableConfig,
    GraphAttentionConfig, InceptionSumConfig, ResidualBlockConfig, ResidualStackConfig,
    SimpleRnnConfig, TransformerBlockConfig, UnetUpConfig, UpsamplerConfig, WeightNormLinearConfig,
};

use super::capture::capture;
pub use super::capture::{Draw, Outcome, Run, Task, Timing};

/// A model of the catalogue: its name and how to build it on a device from a key and do a task.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub name: &'static str,
    pub run: fn(&Draw, &Device, Task) -> Result<Outcome, String>,
}

impl Model {
    /// Whether `draw` can draw the model's weights: `Err` with the reason (a policy's refusal).
    pub fn draw(&self, draw: impl Into<Draw>, device: &Device) -> Result<(), String> {
        match (self.run)(&draw.into(), device, Task::Draw)? {
            Outcome::Drawn => Ok(()),
            _ => Err("a draw gave more than the weights".to_string()),
        }
    }

    /// The model's [`Run`] on `device`'s autodiff device.
    pub fn capture(&self, draw: impl Into<Draw>, device: &Device) -> Result<Run, String> {
        match (self.run)(&draw.into(), &device.clone().autodiff(), Task::Capture)? {
            Outcome::Run(run) => Ok(run),
            _ => Err("a capture gave no run".to_string()),
        }
    }

    /// The median time of a forward pass on `device` (with `backward`, forward and backward on
    /// its autodiff device), in seconds, and the peak memory in use where the backend reports it.
    pub fn time(
        &self,
        draw: impl Into<Draw>,
        device: &Device,
        runs: usize,
        backward: bool,
    ) -> Result<Timing, String> {
        if runs == 0 {
            return Err("a timing needs at least one run".to_string());
        }
        let device = if backward {
            device.clone().autodiff()
        } else {
            device.clone()
        };
        match (self.run)(&draw.into(), &device, Task::Time { runs, backward })? {
            Outcome::Timed(timing) => Ok(timing),
            _ => Err("a timing gave no time".to_string()),
        }
    }
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
        Model {
            name: "unet_up",
            run: unet_up,
        },
        Model {
            name: "graph_attention",
            run: graph_attention,
        },
        Model {
            name: "tanh_ordered",
            run: tanh_ordered,
        },
    ]
}

/// N(0, 1) of `shape` from key 1 000 + `seed`, the same values on every device.
fn input<const D: usize>(
    shape: [usize; D],
    seed: u64,
    device: &Device,
) -> Result<Tensor<D>, String> {
    crate::diagnose::gaussian(shape, Key::new(1000 + seed), device)
}

fn mlp(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 0, device)?;
    capture(
        &DeepMlpConfig::new(128, 128, 8, 10),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

/// The deepest layers' signal below wgpu's `tanh` floor: a 32-layer tanh MLP of width 128 in the
/// ordered phase (Poole et al. 2016), He with tanh's gain 5/3 times 0.3, so that each layer
/// halves the signal (σ_w·gain = 0.5 in the near-linear regime) and layer 26 onwards is below
/// 3·10⁻⁸, where Burn 0.22.1's wgpu `tanh` returns ±2⁻²⁵ on llvmpipe.
fn tanh_ordered(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 11, device)?;
    let policy = crate::training::runs::scaled(Policy::he(Nonlinearity::Tanh), 0.3);
    capture(
        &DeepMlpConfig::new(128, 128, 32, 10)
            .with_activation(Nonlinearity::Tanh)
            .with_policy(Some(policy)),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn autoencoder(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 1, device)?;
    capture(
        &DeepAutoencoderConfig::new(128, 16),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn residual(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 2, device)?;
    let config = ResidualStackConfig::new(ResidualBlockConfig::new(128), 4);
    capture(&config, draw, device, task, |m| Ok(m.forward(x.clone())))
}

fn inception(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 12, 12], 3, device)?;
    capture(&InceptionSumConfig::new(16), draw, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn separable(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 12, 12], 4, device)?;
    capture(
        &DepthwiseSeparableConfig::new(16, 32),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn upsampler(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 8, 8], 5, device)?;
    capture(&UpsamplerConfig::new(16, 8), draw, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn dense(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 10, 10], 6, device)?;
    capture(&DenseBlockConfig::new(16), draw, device, task, |m| {
        Ok(m.forward(x.clone()))
    })
}

fn rnn(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([8, 12, 32], 7, device)?;
    capture(&SimpleRnnConfig::new(32, 64), draw, device, task, |m| {
        Ok(m.forward(x.clone(), None))
    })
}

fn transformer(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 64], 8, device)?;
    capture(
        &TransformerBlockConfig::new(64, 4, 256),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

/// Graph attention over 64 nodes of width 32, every one a target with degree 1 + (i mod 16)
/// among 16 neighbour slots (neighbour j of node i: (7i + 13j + 1) mod 64).
fn graph_attention(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let (n, k) = (64usize, 16usize);
    let x = input([n, 32], 12, device)?;
    let neighbours: Vec<i64> = (0..n)
        .flat_map(|i| (0..k).map(move |j| ((7 * i + 13 * j + 1) % n) as i64))
        .collect();
    let neighbours = Tensor::<2, Int>::from_data(TensorData::new(neighbours, [n, k]), device);
    let degrees: Vec<usize> = (0..n).map(|i| 1 + i % k).collect();
    capture(
        &GraphAttentionConfig::new(32, 32),
        draw,
        device,
        task,
        |m| {
            m.forward(x.clone(), neighbours.clone(), &degrees)
                .map(|out| out.output)
                .map_err(|e| e.to_string())
        },
    )
}

fn weight_norm(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([32, 128], 9, device)?;
    capture(
        &WeightNormLinearConfig::new(128, 64),
        draw,
        device,
        task,
        |m| Ok(m.forward(x.clone())),
    )
}

fn unet_up(draw: &Draw, device: &Device, task: Task) -> Result<Outcome, String> {
    let x = input([4, 16, 6, 6], 10, device)?;
    let skip = input([4, 16, 12, 12], 11, device)?;
    capture(&UnetUpConfig::new(16), draw, device, task, |m| {
        Ok(m.forward(x.clone(), skip.clone()))
    })
}
