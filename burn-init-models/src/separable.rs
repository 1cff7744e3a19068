//! A depthwise-separable convolution (MobileNet): a depthwise k×k convolution (one filter per
//! channel, groups = C) followed by a pointwise 1×1 convolution C → C_out.
//!
//! **Claim** (claims §3): a depthwise filter sums only k² inputs, so its fan-in is
//! **n_in = k²** ([`Fan::depthwise`]), not the C·k² of the standard conv formula; the pointwise
//! conv has n_in = C ([`Fan::pointwise`]). Both are drawn with He and the linear gain
//! (σ² = 1/n_in) and the block is **linear** (no activation between or after): then each conv has
//! n_in·σ² = 1 and the block keeps the variance exactly, in expectation over the weights, with no
//! activation statistics in the prediction. Stacking blocks with activations changes only the
//! gain (√2 for ReLU), not the fans. With `wrong_depthwise_fan` the depthwise weight is drawn with
//! fan_in = C·k²: its ratio is k²/(C·k²) = **1/C** per block, and a stack decays as C^−L.
//!
//! Padding is 'same' (border pixels see fewer taps) and there are no biases.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::probe;
use burn_init::policy::{LayerHint, Policy, Role, Rule};
use burn_init::{ConvFan, Fan, FanMode, InitError, Key, Nonlinearity, Scheme, composition};

use crate::Blueprint;

/// Configuration of a [`DepthwiseSeparable`] block.
#[derive(Config, Debug)]
pub struct DepthwiseSeparableConfig {
    /// Channels C of the input (and of the depthwise output).
    pub channels: usize,
    /// Channels of the pointwise output.
    pub out_channels: usize,
    /// Square kernel size k of the depthwise convolution.
    #[config(default = 3)]
    pub kernel: usize,
    /// Draw the depthwise weight with the standard conv fan C·k² instead of k² — the mistake,
    /// only for comparison.
    #[config(default = false)]
    pub wrong_depthwise_fan: bool,
}

/// Depthwise k×k (groups = C) then pointwise 1×1, both He-initialised, linear.
#[derive(Module, Debug)]
pub struct DepthwiseSeparable {
    /// Depthwise convolution, weight `[C, 1, k, k]`, groups = C.
    pub depthwise: Conv2d,
    /// Pointwise convolution, weight `[C_out, C, 1, 1]`.
    pub pointwise: Conv2d,
}

impl DepthwiseSeparableConfig {
    /// The scheme of both convolutions: He normal, fan-in, linear gain (σ² = 1/fan_in).
    pub fn scheme() -> Scheme {
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Linear)
    }

    fn check(&self) -> burn_init::Result<()> {
        for (name, value) in [
            ("channels", self.channels),
            ("out_channels", self.out_channels),
        ] {
            if value == 0 {
                return Err(InitError::out_of_domain(name, 0_usize, "at least 1"));
            }
        }
        Ok(())
    }

    /// The fan the depthwise weight is drawn with: [`Fan::depthwise`] (k²), or with
    /// `wrong_depthwise_fan` the standard conv fan (C·k²).
    pub fn depthwise_draw_fan(&self) -> burn_init::Result<Fan> {
        self.check()?;
        let (c, k) = (self.channels, self.kernel);
        if self.wrong_depthwise_fan {
            Fan::conv(c, c, &[k, k], 1, ConvFan::GroupCorrect)
        } else {
            Fan::depthwise(c, &[k, k])
        }
    }

    /// The predicted Var(output)/Var(input): the product of the two convolutions' n_in·σ², each
    /// σ from the fan it was drawn with and n_in the true one (k², C):
    /// 1 with the right fans, 1/C with the wrong depthwise fan.
    pub fn predicted_ratio(&self) -> burn_init::Result<f64> {
        let (c, k) = (self.channels, self.kernel);
        let scheme = Self::scheme();
        let true_dw = Fan::depthwise(c, &[k, k])?;
        let dw_std = scheme.std(&[c, 1, k, k], Some(self.depthwise_draw_fan()?))?;
        let pw_fan = Fan::pointwise(c, self.out_channels);
        let pw = composition::forward_ratio(&scheme, &[self.out_channels, c, 1, 1], pw_fan)?;
        Ok(true_dw.fan_in * dw_std * dw_std * pw)
    }

    /// Draws `depthwise.weight` and `pointwise.weight` from `key`.
    ///
    /// ```
    /// use burn_init_models::separable::DepthwiseSeparableConfig;
    /// let device = burn::tensor::Device::default();
    /// let config = DepthwiseSeparableConfig::new(16, 8);
    /// assert!((config.predicted_ratio().unwrap() - 1.0).abs() < 1e-12);
    /// let wrong = config.clone().with_wrong_depthwise_fan(true);
    /// assert!((wrong.predicted_ratio().unwrap() - 1.0 / 16.0).abs() < 1e-12);
    /// let block = config.init(3, &device).unwrap();
    /// let y = block.forward(burn::tensor::Tensor::zeros([1, 16, 7, 7], &device));
    /// assert_eq!(y.dims(), [1, 8, 7, 7]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(
        &self,
        key: impl Into<Key>,
        device: &Device,
    ) -> burn_init::Result<DepthwiseSeparable> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for DepthwiseSeparableConfig {
    type Model = DepthwiseSeparable;

    fn blank(&self, device: &Device) -> burn_init::Result<DepthwiseSeparable> {
        // Checks the config (channels, kernel) as the fans do, before Burn builds anything.
        self.depthwise_draw_fan()?;
        let (c, co, k) = (self.channels, self.out_channels, self.kernel);
        let depthwise = Conv2dConfig::new([c, c], [k, k])
            .with_groups(c)
            .with_padding(PaddingConfig2d::Same)
            .with_bias(false)
            .with_initializer(Initializer::Zeros)
            .init(device);
        let pointwise = Conv2dConfig::new([c, co], [1, 1])
            .with_bias(false)
            .with_initializer(Initializer::Zeros)
            .init(device);
        Ok(DepthwiseSeparable {
            depthwise,
            pointwise,
        })
    }

    /// [`DepthwiseSeparableConfig::scheme`] on both weights, with the fans Burn's layers give
    /// (depthwise k², pointwise C) — or, with `wrong_depthwise_fan`, the depthwise weight drawn
    /// with the standard conv fan through a hint.
    fn policy(&self) -> burn_init::Result<Policy> {
        let policy = Policy::new().rule(Rule::new(Self::scheme()).with_role(Some(Role::Weight)));
        // Checks the config (channels, kernel) as the fans do, before Burn builds anything.
        let fan = self.depthwise_draw_fan()?;
        Ok(if self.wrong_depthwise_fan {
            policy.hint(LayerHint::new("depthwise".into()).with_fan(Some(fan)))
        } else {
            policy
        })
    }
}

impl DepthwiseSeparable {
    /// pointwise(depthwise(x)): `[n, C, h, w]` → `[n, C_out, h, w]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let depthwise = probe::record("depthwise", self.depthwise.forward(input));
        probe::record("pointwise", self.pointwise.forward(depthwise))
    }
}
