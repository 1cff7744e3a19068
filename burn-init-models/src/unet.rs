//! A U-Net decoder step: nearest ×2 upsampling, concatenation with the encoder's skip map, and a
//! k×k convolution `2c → c`.
//!
//! **Claim** (claims §4, U-Net skips): the concatenation doubles the convolution's fan-in. Glorot
//! with n_in = 2c·k², n_out = c·k² draws σ² = 2/(3c·k²), so the output variance is
//! n_in·σ² = **4/3** of the input's ([`composition::forward_ratio`]), not the 1 the scheme
//! promises. `corrected` multiplies the weight by [`composition::forward_correction`] = √3/2,
//! which brings the ratio back to 1.
//!
//! Nearest upsampling keeps every pixel's variance; it correlates neighbouring pixels, but the
//! weights are independent and zero-mean, so the cross terms vanish in expectation over the
//! weights and the ratio is the same. Padding is 'same' (border pixels see fewer taps).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::probe;
use burn_init::policy::{Policy, Rule};
use burn_init::{ConvFan, Fan, InitError, Key, Scheme, composition};

use crate::Blueprint;

/// Configuration of a [`UnetUp`] step.
#[derive(Config, Debug)]
pub struct UnetUpConfig {
    /// Channels c of the decoder input and of the skip map (the conv maps 2c → c).
    pub channels: usize,
    /// Square kernel size k of the convolution after the concatenation.
    #[config(default = 3)]
    pub kernel: usize,
    /// Multiply the Glorot weight by [`composition::forward_correction`] (√3/2).
    #[config(default = true)]
    pub corrected: bool,
}

/// Upsample ×2 (nearest), concatenate the skip, convolve 2c → c (Glorot, corrected).
#[derive(Module, Debug)]
pub struct UnetUp {
    /// The convolution after the concatenation, weight `[c, 2c, k, k]`.
    pub conv: Conv2d,
}

impl UnetUpConfig {
    /// The weight's multiplier: [`composition::forward_correction`] of Glorot on this shape when
    /// `corrected`, else 1.
    pub fn multiplier(&self) -> burn_init::Result<f64> {
        let (shape, fan) = self.shape_and_fan()?;
        if self.corrected {
            composition::forward_correction(&Self::scheme(), &shape, fan)
        } else {
            Ok(1.0)
        }
    }

    /// The scheme the convolution is drawn with: Glorot (Xavier normal, gain 1).
    pub fn scheme() -> Scheme {
        Scheme::xavier_normal(1.0)
    }

    fn shape_and_fan(&self) -> burn_init::Result<([usize; 4], Fan)> {
        let (c, k) = (self.channels, self.kernel);
        if c == 0 {
            return Err(InitError::out_of_domain("channels", 0_usize, "at least 1"));
        }
        let fan = Fan::conv(2 * c, c, &[k, k], 1, ConvFan::GroupCorrect)?;
        Ok(([c, 2 * c, k, k], fan))
    }

    /// Draws `conv.weight` from `key`.
    ///
    /// ```
    /// use burn_init_models::unet::UnetUpConfig;
    /// use burn::tensor::Tensor;
    /// let device = burn::tensor::Device::default();
    /// let config = UnetUpConfig::new(4);
    /// assert!((config.multiplier().unwrap() - 3f64.sqrt() / 2.0).abs() < 1e-12);
    /// let up = config.init(1, &device).unwrap();
    /// let y = up.forward(Tensor::zeros([1, 4, 5, 5], &device), Tensor::zeros([1, 4, 10, 10], &device));
    /// assert_eq!(y.dims(), [1, 4, 10, 10]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<UnetUp> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for UnetUpConfig {
    type Model = UnetUp;

    fn blank(&self, device: &Device) -> burn_init::Result<UnetUp> {
        // The fans the policy will read, checked before Burn builds the layer.
        self.shape_and_fan()?;
        let (c, k) = (self.channels, self.kernel);
        let conv = Conv2dConfig::new([2 * c, c], [k, k])
            .with_padding(PaddingConfig2d::Same)
            .with_bias(false)
            .with_initializer(Initializer::Zeros)
            .init(device);
        Ok(UnetUp { conv })
    }

    /// [`UnetUpConfig::scheme`] on `conv.weight` (fans from Burn's layer: 2c·k², c·k²), times
    /// [`UnetUpConfig::multiplier`].
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new().rule(
            Rule::new(Self::scheme())
                .with_path(Some("conv.weight".into()))
                .with_multiplier(self.multiplier()?),
        ))
    }
}

/// Nearest-neighbour ×2 upsampling of `[n, c, h, w]` to `[n, c, 2h, 2w]` (each pixel copied to a
/// 2×2 block), by reshape and repeat: the same on every backend.
pub fn upsample_nearest2(input: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = input.dims();
    input
        .reshape([n, c, h, 1, w, 1])
        .repeat_dim(3, 2)
        .repeat_dim(5, 2)
        .reshape([n, c, 2 * h, 2 * w])
}

impl UnetUp {
    /// conv(concat[upsample(x), skip]): x `[n, c, h, w]`, skip `[n, c, 2h, 2w]` → `[n, c, 2h, 2w]`.
    pub fn forward(&self, input: Tensor<4>, skip: Tensor<4>) -> Tensor<4> {
        let joined = Tensor::cat(vec![upsample_nearest2(input), skip], 1);
        probe::record("conv", self.conv.forward(joined))
    }
}
