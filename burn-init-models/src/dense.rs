//! A DenseNet block: L layers, each BN → ReLU → He conv (k×k, `growth` output maps); layer l
//! sees the concatenation of the block input and all l previous new maps.
//!
//! **Claim** (claims §4): the fan-in of layer l grows, (c₀ + l·growth)·k², but He
//! (σ² = 2/fan_in) with the normalised input keeps **every new map at variance 1**: BN gives unit
//! variance, ReLU halves the second moment (E[ReLU(z)²] = ½, [`Nonlinearity::second_moment`]),
//! and He's n_in·σ² = 2 ([`burn_init::composition::forward_ratio`]) doubles it back:
//! 2·½ = 1, whatever n_in.
//!
//! BN normalises with batch statistics in training (an autodiff device); at inference with its
//! initial running statistics (mean 0, variance 1) it is the identity, and the claim holds for
//! unit-variance inputs. Convolutions have 'same' padding (border pixels see fewer taps) and no
//! bias (the next BN removes any shift).

use crate::Blueprint;
use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::probe;
use burn_init::policy::{Policy, Rule};
use burn_init::{ConvFan, Fan, FanMode, InitError, Key, Nonlinearity, Scheme};

/// Configuration of a [`DenseBlock`].
#[derive(Config, Debug)]
pub struct DenseBlockConfig {
    /// Channels c₀ of the block input.
    pub in_channels: usize,
    /// Growth rate: new maps per layer.
    #[config(default = 12)]
    pub growth: usize,
    /// Number of layers L.
    #[config(default = 4)]
    pub layers: usize,
    /// Square kernel size of every convolution.
    #[config(default = 3)]
    pub kernel: usize,
}

/// One BN → ReLU → conv layer of a [`DenseBlock`].
#[derive(Module, Debug)]
pub struct DenseLayer {
    /// Batch norm over the layer's input channels.
    pub norm: BatchNorm,
    /// He-initialised convolution `c_in → growth`.
    pub conv: Conv2d,
}

impl DenseLayer {
    /// ReLU(BN(x)): the input of the convolution.
    pub fn activation(&self, input: Tensor<4>) -> Tensor<4> {
        relu(self.norm.forward(input))
    }

    /// The layer's new maps, conv(ReLU(BN(x))).
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        probe::record("conv", self.conv.forward(self.activation(input)))
    }
}

/// L densely connected BN → ReLU → He-conv layers.
#[derive(Module, Debug)]
pub struct DenseBlock {
    /// The layers; layer l maps c₀ + l·growth channels to `growth`.
    pub layers: Vec<DenseLayer>,
}

impl DenseBlockConfig {
    /// The scheme of every convolution: He normal, fan-in, ReLU gain.
    pub fn scheme() -> Scheme {
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)
    }

    /// Draws `layers.{l}.conv.weight` from `key` (BN starts at γ = 1, β = 0).
    ///
    /// ```
    /// use burn_init_models::dense::DenseBlockConfig;
    /// let device = burn::tensor::Device::default();
    /// let block = DenseBlockConfig::new(8).with_growth(4).with_layers(3).init(0, &device).unwrap();
    /// let y = block.forward(burn::tensor::Tensor::zeros([2, 8, 6, 6], &device));
    /// assert_eq!(y.dims(), [2, 8 + 3 * 4, 6, 6]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<DenseBlock> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for DenseBlockConfig {
    type Model = DenseBlock;

    fn blank(&self, device: &Device) -> burn_init::Result<DenseBlock> {
        for (name, value) in [
            ("in_channels", self.in_channels),
            ("growth", self.growth),
            ("layers", self.layers),
        ] {
            if value == 0 {
                return Err(InitError::out_of_domain(name, 0_usize, "at least 1"));
            }
        }
        let (k, g) = (self.kernel, self.growth);
        let mut layers = Vec::with_capacity(self.layers);
        for l in 0..self.layers {
            let c_in = self.in_channels + l * g;
            // The fans the policy will read, checked before Burn builds the layer.
            Fan::conv(c_in, g, &[k, k], 1, ConvFan::GroupCorrect)?;
            let conv = Conv2dConfig::new([c_in, g], [k, k])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .with_initializer(Initializer::Zeros)
                .init(device);
            let norm = BatchNormConfig::new(c_in).init(device);
            layers.push(DenseLayer { norm, conv });
        }
        Ok(DenseBlock { layers })
    }

    /// [`DenseBlockConfig::scheme`] on every convolution.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new().rule(Rule::new(Self::scheme()).with_path(Some("*conv.weight".into()))))
    }
}

impl DenseBlock {
    /// The new maps of every layer, in order (each `[n, growth, h, w]`).
    pub fn forward_maps(&self, input: Tensor<4>) -> Vec<Tensor<4>> {
        let mut features = input;
        let mut maps = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            let scope = probe::scope(format_args!("layers.{i}"));
            let new = layer.forward(features.clone());
            drop(scope);
            features = Tensor::cat(vec![features, new.clone()], 1);
            maps.push(new);
        }
        maps
    }

    /// The concatenation of the input and every new map: `[n, c₀ + L·growth, h, w]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let mut maps = self.forward_maps(input.clone());
        maps.insert(0, input);
        Tensor::cat(maps, 1)
    }
}
