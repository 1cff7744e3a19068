//! The study's networks, and the two heads burn-train trains them with.
//!
//! Every network is built from burn-init-models modules — [`DeepMlp`], [`ResidualStack`],
//! [`DepthwiseSeparable`], [`TransformerBlock`], [`DeepAutoencoder`] — **blank** (zero weights), and receives its
//! values from a [`Policy`](burn_init::policy::Policy) over the whole model (see
//! [`super::runs`]), so that the manifest covers every parameter. The one exception is the
//! "Burn default" run, built with Burn's own layer initializers, which is what a Burn user gets
//! without burn-init.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Tensor};
use burn::train::{ClassificationOutput, InferenceStep, RegressionOutput, TrainOutput, TrainStep};
use burn_init::diagnostics::probe;
use burn_init_models::transformer::{MlpActivation, Norm, TransformerBlock};
use burn_init_models::{DeepAutoencoder, DeepMlp, DepthwiseSeparable, ResidualStack};

use super::data::ImageBatch;

/// A network of the study: `[batch, features]` in, `[batch, outputs]` out, and a trace of its
/// hidden layers for the variance-at-initialisation plot.
pub trait Network: Module + burn::module::ModuleDisplay + core::fmt::Display + 'static {
    /// The output (logits, or the reconstruction).
    fn forward(&self, x: Tensor<2>) -> Tensor<2>;
    /// Every hidden layer's pre-activation, flattened to `[batch, ·]`, named, in order.
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)>;
}

fn named(prefix: &str, layers: Vec<Tensor<2>>) -> Vec<(String, Tensor<2>)> {
    layers
        .into_iter()
        .enumerate()
        .map(|(i, t)| (format!("{prefix}{}", i + 1), t))
        .collect()
}

impl Network for DeepMlp {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        DeepMlp::forward(self, x)
    }
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)> {
        let (_, trace) = self.forward_trace(x);
        named("layer ", trace)
    }
}

impl Network for DeepAutoencoder {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        DeepAutoencoder::forward(self, x)
    }
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)> {
        let (_, trace) = self.forward_trace(x);
        named("layer ", trace)
    }
}

/// Linear with Burn's default initializer (U(±1/√d_in) for weight and bias, Burn's RNG).
pub fn burn_linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out).init(device)
}

/// A Burn `Linear` whose parameters a policy fills: Burn's `Zeros` initializer, so a parameter
/// no rule matches stays 0 (never a draw from Burn's global generator). Burn's parameters are
/// lazy, so the zeros are never computed for a parameter the policy replaces.
pub fn zero_linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::Zeros)
        .init(device)
}

/// input Linear → residual stack (the stream stays linear; each branch has its ReLU) → output
/// Linear.
#[derive(Module, Debug)]
pub struct ResidualNet {
    /// Pixels → width.
    pub input: Linear,
    /// The blocks y = α·(x + f(x)).
    pub stack: ResidualStack,
    /// Width → classes.
    pub output: Linear,
}

impl Network for ResidualNet {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self.stack.forward(self.input.forward(x));
        probe::record("output", self.output.forward(h))
    }
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)> {
        let mut h = self.input.forward(x);
        let mut out = vec![("input".to_string(), h.clone())];
        for (i, block) in self.stack.blocks.iter().enumerate() {
            h = block.forward(h);
            out.push((format!("block {}", i + 1), h.clone()));
        }
        out.push(("logits".to_string(), self.output.forward(h)));
        out
    }
}

/// A small CNN: a 3×3 stride-2 stem (1 → C), depthwise-separable blocks (C → C, ReLU after each),
/// global average pooling and a Linear classifier.
#[derive(Module, Debug)]
pub struct SeparableCnn {
    /// 1 → C, 3×3, stride 2, 'same'-like padding 1: 28×28 → 14×14.
    pub stem: Conv2d,
    /// Depthwise k×k (groups = C, fan-in k²) then pointwise 1×1 (fan-in C).
    pub blocks: Vec<DepthwiseSeparable>,
    /// C → classes.
    pub head: Linear,
    #[module(skip)]
    image: [usize; 2],
}

impl SeparableCnn {
    /// The layers with `initializer` (zeros for a policy, Burn's default for the baseline).
    pub fn new(
        image: [usize; 2],
        channels: usize,
        n_blocks: usize,
        initializer: Option<Initializer>,
        device: &Device,
    ) -> Self {
        let conv = |config: Conv2dConfig| match &initializer {
            Some(init) => config.with_initializer(init.clone()).init(device),
            None => config.init(device),
        };
        let stem = conv(
            Conv2dConfig::new([1, channels], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        );
        let blocks = (0..n_blocks)
            .map(|_| DepthwiseSeparable {
                depthwise: conv(
                    Conv2dConfig::new([channels, channels], [3, 3])
                        .with_groups(channels)
                        .with_padding(PaddingConfig2d::Same)
                        .with_bias(false),
                ),
                pointwise: conv(Conv2dConfig::new([channels, channels], [1, 1]).with_bias(false)),
            })
            .collect();
        let head = match &initializer {
            Some(init) => LinearConfig::new(channels, 10)
                .with_initializer(init.clone())
                .init(device),
            None => burn_linear(channels, 10, device),
        };
        Self {
            stem,
            blocks,
            head,
            image,
        }
    }

    fn image(&self, x: Tensor<2>) -> Tensor<4> {
        let [n, _] = x.dims();
        x.reshape([n, 1, self.image[0], self.image[1]])
    }
}

fn flat(x: Tensor<4>) -> Tensor<2> {
    let [n, c, h, w] = x.dims();
    x.reshape([n, c * h * w])
}

impl Network for SeparableCnn {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = activation::relu(probe::record("stem", self.stem.forward(self.image(x))));
        for (i, block) in self.blocks.iter().enumerate() {
            // Each block records `depthwise` and `pointwise`: scoped by its path.
            let _scope = probe::scope(format_args!("blocks.{i}"));
            h = activation::relu(block.forward(h));
        }
        let [n, c, _, _] = h.dims();
        let pooled = adaptive_avg_pool2d(h, [1, 1]).reshape([n, c]);
        probe::record("head", self.head.forward(pooled))
    }
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)> {
        let z = self.stem.forward(self.image(x));
        let mut out = vec![("stem".to_string(), flat(z.clone()))];
        let mut h = activation::relu(z);
        for (i, block) in self.blocks.iter().enumerate() {
            let z = block.forward(h);
            out.push((format!("block {}", i + 1), flat(z.clone())));
            h = activation::relu(z);
        }
        let [n, c, _, _] = h.dims();
        let pooled = adaptive_avg_pool2d(h, [1, 1]).reshape([n, c]);
        out.push(("logits".to_string(), self.head.forward(pooled)));
        out
    }
}

/// One Pre-LN transformer block over the image's patches (a ViT of depth 1): the p×p patches
/// (16 of 7×7 on a 28×28 image) embedded by a Linear to d, the block (GELU MLP of width 4d), a
/// final LayerNorm, the mean over the patches, a Linear classifier. No position embedding: the
/// mean-pooled read-out is a function of the set of patches (and the verdict study compares
/// initialisations of one architecture, not architectures).
#[derive(Module, Debug)]
pub struct PatchTransformer {
    /// p² pixels → d.
    pub embed: Linear,
    /// The block (paths `block.query.weight`, … `block.fc2.bias`, `block.norm1.gamma`).
    pub block: TransformerBlock,
    /// The final LayerNorm.
    pub norm: LayerNorm,
    /// d → classes.
    pub head: Linear,
    #[module(skip)]
    image: [usize; 2],
    #[module(skip)]
    patch: usize,
}

impl PatchTransformer {
    /// The layers of width `d` with `heads` heads over `patch`×`patch` patches of `image`, every
    /// Linear from `linear(d_in, d_out)` (blank for a policy, Burn's default for the baseline),
    /// LayerNorms γ = 1, β = 0, attention logits scaled by
    /// [`attention_scale`](burn_init::composition::attention_scale). `heads` that does not divide
    /// `d`, or a `patch` that does not divide the image, is a typed error.
    pub fn new(
        image: [usize; 2],
        patch: usize,
        d: usize,
        heads: usize,
        linear: impl Fn(usize, usize) -> Linear,
        device: &Device,
    ) -> burn_init::Result<Self> {
        let invalid = |name, value: usize, expected| {
            burn_init::InitError::out_of_domain(name, value, expected)
        };
        if heads == 0 || !d.is_multiple_of(heads) {
            return Err(invalid("heads", heads, "a positive divisor of the width"));
        }
        if patch == 0 || !image[0].is_multiple_of(patch) || !image[1].is_multiple_of(patch) {
            return Err(invalid("patch", patch, "a divisor of both image sides"));
        }
        let block = TransformerBlock {
            query: linear(d, d),
            key: linear(d, d),
            value: linear(d, d),
            output: linear(d, d),
            fc1: linear(d, 4 * d),
            fc2: linear(4 * d, d),
            norm1: LayerNormConfig::new(d).init(device),
            norm2: LayerNormConfig::new(d).init(device),
            n_heads: heads,
            scale: burn_init::composition::attention_scale(d / heads)?,
            norm: Norm::PreLn,
            activation: MlpActivation::Gelu,
        };
        Ok(Self {
            embed: linear(patch * patch, d),
            block,
            norm: LayerNormConfig::new(d).init(device),
            head: linear(d, 10),
            image,
            patch,
        })
    }

    /// `[batch, pixels]` → `[batch, patches, p²]`, patches in row-major order.
    fn patches(&self, x: Tensor<2>) -> Tensor<3> {
        let [n, _] = x.dims();
        let p = self.patch;
        let (rows, cols) = (self.image[0] / p, self.image[1] / p);
        x.reshape([n, rows, p, cols, p])
            .swap_dims(2, 3)
            .reshape([n, rows * cols, p * p])
    }

    /// The mean over the patches of the final LayerNorm's output, `[batch, d]`.
    fn pooled(&self, x: Tensor<2>) -> Tensor<2> {
        let tokens = probe::record("embed", self.embed.forward(self.patches(x)));
        let stream = {
            let _block = probe::scope("block");
            self.block.forward(tokens)
        };
        let [n, _, d] = stream.dims();
        self.norm.forward(stream).mean_dim(1).reshape([n, d])
    }
}

impl Network for PatchTransformer {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        probe::record("head", self.head.forward(self.pooled(x)))
    }
    fn trace(&self, x: Tensor<2>) -> Vec<(String, Tensor<2>)> {
        let tokens = self.embed.forward(self.patches(x));
        let stream = self.block.forward(tokens.clone());
        let [n, t, d] = stream.dims();
        let pooled = self
            .norm
            .forward(stream.clone())
            .mean_dim(1)
            .reshape([n, d]);
        vec![
            ("embed".to_string(), tokens.reshape([n, t * d])),
            ("block".to_string(), stream.reshape([n, t * d])),
            ("logits".to_string(), self.head.forward(pooled)),
        ]
    }
}

/// A classifier for burn-train: cross-entropy on the network's logits.
#[derive(Module, Debug)]
pub struct Classifier<N: Module> {
    /// The network.
    pub net: N,
}

impl<N: Network> Classifier<N> {
    fn output(&self, batch: ImageBatch) -> ClassificationOutput {
        let logits = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits.clone(), batch.labels.clone());
        ClassificationOutput {
            loss,
            output: logits,
            targets: batch.labels,
        }
    }
}

impl<N: Network> TrainStep for Classifier<N> {
    type Input = ImageBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: ImageBatch) -> TrainOutput<ClassificationOutput> {
        let out = self.output(batch);
        TrainOutput::new(self, out.loss.backward(), out)
    }
}

impl<N: Network> InferenceStep for Classifier<N> {
    type Input = ImageBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: ImageBatch) -> ClassificationOutput {
        self.output(batch)
    }
}

/// An autoencoder for burn-train: mean squared reconstruction error of the (standardised) input.
#[derive(Module, Debug)]
pub struct Reconstructor<N: Module> {
    /// The network.
    pub net: N,
}

impl<N: Network> Reconstructor<N> {
    fn output(&self, batch: ImageBatch) -> RegressionOutput {
        let target = batch.images;
        let output = self.net.forward(target.clone());
        let loss = MseLoss::new().forward(output.clone(), target.clone(), Reduction::Mean);
        RegressionOutput {
            loss,
            output,
            targets: target,
        }
    }
}

impl<N: Network> TrainStep for Reconstructor<N> {
    type Input = ImageBatch;
    type Output = RegressionOutput;
    fn step(&self, batch: ImageBatch) -> TrainOutput<RegressionOutput> {
        let out = self.output(batch);
        TrainOutput::new(self, out.loss.backward(), out)
    }
}

impl<N: Network> InferenceStep for Reconstructor<N> {
    type Input = ImageBatch;
    type Output = RegressionOutput;
    fn step(&self, batch: ImageBatch) -> RegressionOutput {
        self.output(batch)
    }
}
