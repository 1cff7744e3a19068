//! Fans: how many inputs feed one output (fan-in) and how many outputs one input feeds (fan-out),
//! for every Burn weight layout.
//!
//! The variance of a layer's output is n_in·σ²·(input second moment) (claims §1), so every
//! variance-scaling scheme needs the *semantic* fans of the layer, which a weight shape alone does
//! not give: Burn stores Linear as `[d_in, d_out]` (PyTorch: `[out, in]`), ConvTranspose as
//! `[c_in, c_out/g, k…]`, and grouped, depthwise and strided layers need more than the shape.
//!
//! | layer (Burn layout) | fan_in | fan_out |
//! |---|---|---|
//! | Linear `[d_in, d_out]` | d_in | d_out |
//! | Conv `[c_out, c_in/g, k…]`, [`ConvFan::Pytorch`] | (c_in/g)·∏k | c_out·∏k |
//! | Conv, [`ConvFan::GroupCorrect`] | (c_in/g)·∏k | (c_out/g)·∏k |
//! | depthwise k (g = c_in = c_out) | ∏k | ∏k |
//! | pointwise (1×1) | c_in | c_out |
//! | ConvTranspose `[c_in, c_out/g, k…]`, [`TransposedFan::Pytorch`] | (c_out/g)·∏k | c_in·∏k |
//! | ConvTranspose, [`TransposedFan::Kernel`] | (c_in/g)·∏k | (c_out/g)·∏k |
//! | ConvTranspose, [`TransposedFan::StrideAware`] | (c_in/g)·∏(k/s) | (c_out/g)·∏k |
//! | Embedding `[n, d]` | d | n |
//!
//! Where PyTorch is wrong (`_calculate_fan_in_and_fan_out` reads the shape only): grouped and
//! depthwise convs get fan_out = c_out·∏k, g times too large (pytorch#23854); transposed convs get
//! fan_in and fan_out swapped (pytorch#5521) and ignore the stride. The `Pytorch` modes reproduce
//! those values for parity; the other modes are the corrected ones.

pub(crate) mod mode;

use crate::error::{self, ArgumentError, InitError, SamplingError, SchemeError};
use burn::config::Config;
use burn::nn::LinearLayout;

pub use mode::FanMode;

/// How fans of a (grouped) convolution are counted.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum ConvFan {
    /// PyTorch's `_calculate_fan_in_and_fan_out` on the weight shape: fan_out = c_out·∏k.
    Pytorch,
    /// Each input reaches only its group's c_out/g outputs: fan_out = (c_out/g)·∏k.
    GroupCorrect,
}

/// How fans of a transposed convolution are counted.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum TransposedFan {
    /// PyTorch on Burn's shape `[c_in, c_out/g, k…]`: fan_in = (c_out/g)·∏k, fan_out = c_in·∏k.
    Pytorch,
    /// The true roles, counting every kernel tap: fan_in = (c_in/g)·∏k, fan_out = (c_out/g)·∏k.
    Kernel,
    /// The average effective fan-in with stride s (claims §3, zero insertion): an output pixel sees
    /// on average k/s taps per spatial dimension, so fan_in = (c_in/g)·∏(k/s); fan_out as `Kernel`.
    StrideAware,
}

/// The fans of one weight tensor. Fractional values are allowed (stride-aware fans are averages).
#[derive(Config, Debug, PartialEq, Copy)]
pub struct Fan {
    /// Inputs feeding one output.
    pub fan_in: f64,
    /// Outputs fed by one input.
    pub fan_out: f64,
}

impl Fan {
    /// Explicit fans (finite, ≥ 0).
    pub fn explicit(fan_in: f64, fan_out: f64) -> error::Result<Self> {
        Ok(Self {
            fan_in: error::non_negative("fan_in", fan_in)?,
            fan_out: error::non_negative("fan_out", fan_out)?,
        })
    }

    /// The fan selected by `mode`.
    pub fn get(&self, mode: FanMode) -> f64 {
        match mode {
            FanMode::FanIn => self.fan_in,
            FanMode::FanOut => self.fan_out,
            // Written so that fans near f64::MAX do not overflow.
            FanMode::FanAvg => 0.5 * self.fan_in + 0.5 * self.fan_out,
            FanMode::FanGeoAvg => self.fan_in.sqrt() * self.fan_out.sqrt(),
        }
    }

    /// A dense layer with `d_in` inputs and `d_out` outputs, whatever its storage layout.
    pub fn linear(d_in: usize, d_out: usize) -> Self {
        Self {
            fan_in: d_in as f64,
            fan_out: d_out as f64,
        }
    }

    /// Fans of a Burn `Linear` weight as stored: `Row` is `[d_in, d_out]`, `Col` is
    /// `[d_out, d_in]` (Burn 0.22's `LinearConfig::init` passes these fans swapped for `Col`).
    pub fn linear_weight(shape: [usize; 2], layout: LinearLayout) -> Self {
        match layout {
            LinearLayout::Row => Self::linear(shape[0], shape[1]),
            LinearLayout::Col => Self::linear(shape[1], shape[0]),
        }
    }

    /// A convolution with `c_in` → `c_out` channels, spatial `kernel` and `groups`.
    pub fn conv(
        c_in: usize,
        c_out: usize,
        kernel: &[usize],
        groups: usize,
        mode: ConvFan,
    ) -> error::Result<Self> {
        let receptive = receptive_field(kernel)?;
        check_groups("c_in", c_in, groups)?;
        check_groups("c_out", c_out, groups)?;
        let fan_in = (c_in / groups) as f64 * receptive;
        let fan_out = match mode {
            ConvFan::Pytorch => c_out as f64 * receptive,
            ConvFan::GroupCorrect => (c_out / groups) as f64 * receptive,
        };
        Ok(Self { fan_in, fan_out })
    }

    /// Fans of a Burn conv weight `[c_out, c_in/g, k…]` with `groups`.
    pub fn conv_weight(shape: &[usize], groups: usize, mode: ConvFan) -> error::Result<Self> {
        if shape.len() < 3 {
            return Err(InitError::Scheme(SchemeError::Rank {
                scheme: "Fan::conv_weight",
                expected: "≥ 3",
                shape: shape.to_vec(),
            }));
        }
        let c_in = shape[1].checked_mul(groups).ok_or_else(|| {
            InitError::Sampling(SamplingError::TooLarge {
                shape: shape.to_vec(),
            })
        })?;
        Self::conv(c_in, shape[0], &shape[2..], groups, mode)
    }

    /// A depthwise convolution (one k-filter per channel, groups = channels): fan_in = ∏k — not
    /// c_in·∏k (claims §3: the standard formula shrinks the weights and the signal decays).
    pub fn depthwise(channels: usize, kernel: &[usize]) -> error::Result<Self> {
        Self::conv(channels, channels, kernel, channels, ConvFan::GroupCorrect)
    }

    /// A pointwise (1×1) convolution: fan_in = c_in, fan_out = c_out.
    pub fn pointwise(c_in: usize, c_out: usize) -> Self {
        Self::linear(c_in, c_out)
    }

    /// A transposed convolution `c_in` → `c_out` with `kernel`, `stride` and `groups`.
    pub fn conv_transpose(
        c_in: usize,
        c_out: usize,
        kernel: &[usize],
        stride: &[usize],
        groups: usize,
        mode: TransposedFan,
    ) -> error::Result<Self> {
        let receptive = receptive_field(kernel)?;
        if stride.len() != kernel.len() || stride.contains(&0) {
            return Err(InitError::Argument(ArgumentError::Shape {
                argument: "stride",
                reason: format!(
                    "{stride:?} must have one positive entry per kernel dimension {kernel:?}"
                ),
            }));
        }
        check_groups("c_in", c_in, groups)?;
        check_groups("c_out", c_out, groups)?;
        let (per_in, per_out) = ((c_in / groups) as f64, (c_out / groups) as f64);
        Ok(match mode {
            TransposedFan::Pytorch => Self {
                fan_in: per_out * receptive,
                fan_out: c_in as f64 * receptive,
            },
            TransposedFan::Kernel => Self {
                fan_in: per_in * receptive,
                fan_out: per_out * receptive,
            },
            TransposedFan::StrideAware => {
                let strides: f64 = stride.iter().map(|&s| s as f64).product();
                Self {
                    fan_in: per_in * receptive / strides,
                    fan_out: per_out * receptive,
                }
            }
        })
    }

    /// An embedding table `[num_embeddings, d_model]`: fan_in = d_model, fan_out = num_embeddings,
    /// the convention of PyTorch's fan calculation on this shape and of Flax's `Embed` (the table
    /// read as the tied output projection h·Eᵀ). So `lecun_normal` gives std 1/√d_model; for
    /// PyTorch's N(0, 1) embedding use `Scheme::Normal`.
    pub fn embedding(num_embeddings: usize, d_model: usize) -> Self {
        Self {
            fan_in: d_model as f64,
            fan_out: num_embeddings as f64,
        }
    }

    /// PyTorch's `_calculate_fan_in_and_fan_out` on a PyTorch-layout shape `[out, in, k…]`.
    #[doc(alias = "_calculate_fan_in_and_fan_out")]
    pub fn pytorch(shape: &[usize]) -> error::Result<Self> {
        if shape.len() < 2 {
            return Err(InitError::Scheme(SchemeError::Rank {
                scheme: "Fan::pytorch",
                expected: "≥ 2",
                shape: shape.to_vec(),
            }));
        }
        let receptive: f64 = shape[2..].iter().map(|&k| k as f64).product();
        Ok(Self {
            fan_in: shape[1] as f64 * receptive,
            fan_out: shape[0] as f64 * receptive,
        })
    }

    /// Fans of any tensor from explicit axes, like JAX's `in_axis`/`out_axis`: fan_in =
    /// ∏ shape\[in_axes\] · r, fan_out = ∏ shape\[out_axes\] · r, where r is the product of the
    /// remaining (receptive-field) dimensions, minus `batch_axes`.
    pub fn from_axes(
        shape: &[usize],
        in_axes: &[usize],
        out_axes: &[usize],
        batch_axes: &[usize],
    ) -> error::Result<Self> {
        let mut owner = vec![None; shape.len()];
        for (argument, axes) in [
            ("in_axes", in_axes),
            ("out_axes", out_axes),
            ("batch_axes", batch_axes),
        ] {
            for &axis in axes {
                let slot = owner.get_mut(axis).ok_or_else(|| {
                    InitError::Argument(ArgumentError::Shape {
                        argument,
                        reason: format!("axis {axis} is out of range for shape {shape:?}"),
                    })
                })?;
                if let Some(other) = slot.replace(argument) {
                    return Err(InitError::Argument(ArgumentError::Shape {
                        argument,
                        reason: format!("axis {axis} is already one of `{other}`"),
                    }));
                }
            }
        }
        let product = |which: Option<&str>| -> f64 {
            shape
                .iter()
                .zip(&owner)
                .filter(|(_, o)| **o == which)
                .map(|(&d, _)| d as f64)
                .product()
        };
        let receptive = product(None);
        Ok(Self {
            fan_in: product(Some("in_axes")) * receptive,
            fan_out: product(Some("out_axes")) * receptive,
        })
    }
}

fn receptive_field(kernel: &[usize]) -> error::Result<f64> {
    if kernel.is_empty() || kernel.contains(&0) {
        return Err(InitError::Argument(ArgumentError::Shape {
            argument: "kernel",
            reason: format!("{kernel:?} must have at least one dimension, all positive"),
        }));
    }
    Ok(kernel.iter().map(|&k| k as f64).product())
}

pub(crate) fn check_groups(
    argument: &'static str,
    channels: usize,
    groups: usize,
) -> error::Result<()> {
    if groups == 0 || !channels.is_multiple_of(groups) {
        return Err(InitError::Scheme(SchemeError::InvalidGroups {
            argument,
            channels,
            groups,
        }));
    }
    Ok(())
}
