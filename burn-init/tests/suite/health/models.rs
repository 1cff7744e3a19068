//! Models as a Burn user writes them: plain `burn::nn` layers, nothing declared — each forward
//! only records its layers' outputs under the layers' paths (`probe::record("layers.3", …)`).

use burn::module::Module;
use burn::nn::attention::{MhaInput, MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn_init::diagnostics::probe;

use super::super::diagnostics::gaussian;

/// Cross-entropy against labels b mod k: what a classifier's loss does to its logits.
pub fn cross_entropy(logits: Tensor<2>) -> Tensor<1> {
    let [batch, k] = logits.dims();
    let device = logits.device();
    let labels: Vec<i64> = (0..batch).map(|b| (b % k) as i64).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [batch]), &device);
    CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, labels)
}

/// What an MLP records: pre-activations (`layers.i`) or post-activations (`relu.i`, `tanh.i`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Recorded {
    Pre,
    Post,
}

/// `layers.0 … layers.{L−1}`: Linear → φ between layers, then the read-out `layers.L` to 10
/// classes.
#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
    #[module(skip)]
    pub tanh: bool,
    #[module(skip)]
    pub recorded: Recorded,
}

impl Mlp {
    pub fn new(widths: &[usize], device: &Device) -> Self {
        Self {
            layers: widths
                .windows(2)
                .map(|w| (w[0], w[1]))
                .chain([(widths[widths.len() - 1], 10)])
                .map(|(a, b)| LinearConfig::new(a, b).init(device))
                .collect(),
            tanh: false,
            recorded: Recorded::Pre,
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let phi = |z| if self.tanh { tanh(z) } else { relu(z) };
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            let z = layer.forward(h);
            if i == last {
                return probe::record(format_args!("layers.{i}"), z);
            }
            h = match self.recorded {
                Recorded::Pre => phi(probe::record(format_args!("layers.{i}"), z)),
                Recorded::Post if self.tanh => probe::record(format_args!("tanh.{i}"), phi(z)),
                Recorded::Post => probe::record(format_args!("relu.{i}"), phi(z)),
            };
        }
        unreachable!("an MLP has a last layer")
    }

    pub fn loss(&self, x: Tensor<2>) -> Tensor<1> {
        cross_entropy(self.forward(x))
    }
}

#[derive(Module, Debug)]
pub struct Block {
    pub fc1: Linear,
    pub fc2: Linear,
}

/// `input` → blocks x ← α·(x + fc2(ReLU(fc1(x)))) → `head`.
#[derive(Module, Debug)]
pub struct Residual {
    pub input: Linear,
    pub blocks: Vec<Block>,
    pub head: Linear,
    #[module(skip)]
    pub alpha: f64,
}

impl Residual {
    pub fn new(d_in: usize, width: usize, blocks: usize, alpha: f64, device: &Device) -> Self {
        let linear = |a, b| LinearConfig::new(a, b).init(device);
        Self {
            input: linear(d_in, width),
            blocks: (0..blocks)
                .map(|_| Block {
                    fc1: linear(width, width),
                    fc2: linear(width, width),
                })
                .collect(),
            head: linear(width, 10),
            alpha,
        }
    }

    pub fn loss(&self, x: Tensor<2>) -> Tensor<1> {
        let mut h = probe::record("input", self.input.forward(x));
        for (i, block) in self.blocks.iter().enumerate() {
            let branch = block.fc2.forward(relu(block.fc1.forward(h.clone())));
            h = probe::record(format_args!("blocks.{i}"), (h + branch) * self.alpha);
        }
        cross_entropy(probe::record("head", self.head.forward(h)))
    }
}

/// `stem` 3×3 → ReLU → [`depthwise.i` 3×3 (groups = C) → `pointwise.i` 1×1 → ReLU]ᵇ → global
/// average pool → `head`.
#[derive(Module, Debug)]
pub struct Cnn {
    pub stem: Conv2d,
    pub depthwise: Vec<Conv2d>,
    pub pointwise: Vec<Conv2d>,
    pub head: Linear,
}

impl Cnn {
    pub fn new(channels: usize, blocks: usize, device: &Device) -> Self {
        let same = PaddingConfig2d::Same;
        Self {
            stem: Conv2dConfig::new([3, channels], [3, 3])
                .with_padding(same.clone())
                .init(device),
            depthwise: (0..blocks)
                .map(|_| {
                    Conv2dConfig::new([channels, channels], [3, 3])
                        .with_groups(channels)
                        .with_padding(same.clone())
                        .init(device)
                })
                .collect(),
            pointwise: (0..blocks)
                .map(|_| Conv2dConfig::new([channels, channels], [1, 1]).init(device))
                .collect(),
            head: LinearConfig::new(channels, 10).init(device),
        }
    }

    pub fn loss(&self, x: Tensor<4>) -> Tensor<1> {
        let mut h = relu(probe::record("stem", self.stem.forward(x)));
        for (i, (dw, pw)) in self.depthwise.iter().zip(&self.pointwise).enumerate() {
            let d = probe::record(format_args!("depthwise.{i}"), dw.forward(h));
            h = relu(probe::record(format_args!("pointwise.{i}"), pw.forward(d)));
        }
        let [b, c, _, _] = h.dims();
        let pooled = adaptive_avg_pool2d(h, [1, 1]).reshape([b, c]);
        cross_entropy(probe::record("head", self.head.forward(pooled)))
    }
}

#[derive(Module, Debug)]
pub struct Layer {
    pub norm1: LayerNorm,
    pub attn: MultiHeadAttention,
    pub norm2: LayerNorm,
    pub fc1: Linear,
    pub fc2: Linear,
}

/// Pre-LN blocks x ← x + attn(LN(x)), x ← x + fc2(ReLU(fc1(LN(x)))), then the mean token →
/// `head`. Records the attention weights (`blocks.i.weights`) and the stream (`blocks.i`).
#[derive(Module, Debug)]
pub struct Transformer {
    pub blocks: Vec<Layer>,
    pub head: Linear,
}

impl Transformer {
    pub fn new(d: usize, heads: usize, blocks: usize, device: &Device) -> Self {
        Self {
            blocks: (0..blocks)
                .map(|_| Layer {
                    norm1: LayerNormConfig::new(d).init(device),
                    attn: MultiHeadAttentionConfig::new(d, heads)
                        .with_dropout(0.0)
                        .init(device),
                    norm2: LayerNormConfig::new(d).init(device),
                    fc1: LinearConfig::new(d, 4 * d).init(device),
                    fc2: LinearConfig::new(4 * d, d).init(device),
                })
                .collect(),
            head: LinearConfig::new(d, 10).init(device),
        }
    }

    pub fn loss(&self, x: Tensor<3>) -> Tensor<1> {
        let mut h = x;
        for (i, b) in self.blocks.iter().enumerate() {
            let out = b
                .attn
                .forward(MhaInput::self_attn(b.norm1.forward(h.clone())));
            probe::record(format_args!("blocks.{i}.weights"), out.weights);
            h = h + out.context;
            let ff = b
                .fc2
                .forward(relu(b.fc1.forward(b.norm2.forward(h.clone()))));
            h = probe::record(format_args!("blocks.{i}"), h + ff);
        }
        let [batch, _, d] = h.dims();
        let pooled = h.mean_dim(1).reshape([batch, d]);
        cross_entropy(probe::record("head", self.head.forward(pooled)))
    }
}

/// `input` (recorded as `stream`) → LayerNorm → `head` (recorded): a Pre-LN model's last steps.
/// The LayerNorm subtracts its input's mean, so the gradient reaching `stream` sums to zero over
/// each row, as a cross-entropy's does at the logits.
#[derive(Module, Debug)]
pub struct Normed {
    pub input: Linear,
    pub norm: LayerNorm,
    pub head: Linear,
}

impl Normed {
    pub fn new(d: usize, device: &Device) -> Self {
        Self {
            input: LinearConfig::new(d, d).init(device),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, 10).init(device),
        }
    }

    pub fn loss(&self, x: Tensor<2>) -> Tensor<1> {
        let stream = probe::record("stream", self.input.forward(x));
        cross_entropy(probe::record(
            "head",
            self.head.forward(self.norm.forward(stream)),
        ))
    }
}

/// x ~ N(0, 1) of `shape`, keyed.
pub fn input<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    gaussian(shape, seed, device)
}

/// 32 images [3, 16, 16] with structure at every scale a 16×16 input has room for: N(0, 1) noise
/// at 4×4 blown up to 16×16 (blocks of 4×4 pixels), plus pixel noise of variance ¼. White noise
/// alone has no content a global average pool keeps: every pooled image would look alike.
pub fn images(seed: u64, device: &Device) -> Tensor<4> {
    let coarse = gaussian([32, 3, 4, 1, 4, 1], seed, device)
        .repeat_dim(3, 4)
        .repeat_dim(5, 4)
        .reshape([32, 3, 16, 16]);
    coarse + gaussian([32, 3, 16, 16], seed + 1_000_000, device) * 0.5
}
