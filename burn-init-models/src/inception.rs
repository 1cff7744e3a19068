//! An Inception-style block whose branches are summed: y = s·Σᵢ convᵢ(x).
//!
//! **Claim** (claims §4): N balanced, uncorrelated branches add their variances, Var(Σ fᵢ) =
//! N·σ², so the sum is scaled by s = [`composition::sum_scale`]`(N)` = 1/√N. Each branch is a
//! linear `c → c` convolution with 'same' padding, drawn with He (gain 1, fan-in) or Glorot; with
//! equal channels in and out both give n_in·σ_w² = 1 ([`composition::forward_ratio`]), so the
//! unscaled sum has N times the input variance and the scaled sum the input variance. The
//! branches have no activation, so this algebra is exact (in expectation over the weights).
//!
//! Border pixels of a 'same'-padded convolution see fewer taps (the padding zeros): the claim is
//! about interior pixels, at least ⌊k_max/2⌋ from every edge.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::probe;
use burn_init::policy::{Policy, Rule};
use burn_init::{ConvFan, Fan, FanMode, InitError, Key, Nonlinearity, Scheme, composition};

use crate::Blueprint;

/// How each branch's weight is drawn.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum BranchInit {
    /// He / Kaiming normal with the linear gain (σ² = 1/fan_in).
    He,
    /// Glorot / Xavier normal (σ² = 2/(fan_in + fan_out); equal to 1/fan_in when c_in = c_out).
    Glorot,
}

impl BranchInit {
    /// The burn-init scheme of this choice.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::He => Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Linear),
            Self::Glorot => Scheme::xavier_normal(1.0),
        }
    }
}

/// Configuration of an [`InceptionSum`] block.
#[derive(Config, Debug)]
pub struct InceptionSumConfig {
    /// Channels in and out (every branch maps `channels → channels`).
    pub channels: usize,
    /// Square kernel size of each branch, one branch per entry.
    #[config(default = "vec![1, 3, 5]")]
    pub kernels: Vec<usize>,
    /// The scheme every branch is drawn with.
    #[config(default = "BranchInit::He")]
    pub init: BranchInit,
    /// Leave the sum unscaled (s = 1) — only for comparison with the scaled block.
    #[config(default = false)]
    pub unscaled: bool,
}

/// N parallel linear convolutions with 'same' padding, summed and scaled by 1/√N.
#[derive(Module, Debug)]
pub struct InceptionSum {
    /// The branches, in the order of [`InceptionSumConfig::kernels`].
    pub branches: Vec<Conv2d>,
    /// The factor s applied to the sum ([`composition::sum_scale`], or 1 when unscaled).
    pub scale: f64,
}

impl InceptionSumConfig {
    /// Draws every branch weight `branches.{i}.weight` from `key`.
    ///
    /// ```
    /// use burn_init_models::inception::InceptionSumConfig;
    /// let device = burn::tensor::Device::default();
    /// let block = InceptionSumConfig::new(8).init(7, &device).unwrap();
    /// assert_eq!(block.branches.len(), 3);
    /// assert!((block.scale - 1.0 / 3f64.sqrt()).abs() < 1e-12);
    /// let y = block.forward(burn::tensor::Tensor::zeros([2, 8, 6, 6], &device));
    /// assert_eq!(y.dims(), [2, 8, 6, 6]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<InceptionSum> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for InceptionSumConfig {
    type Model = InceptionSum;

    fn blank(&self, device: &Device) -> burn_init::Result<InceptionSum> {
        if self.channels == 0 {
            return Err(InitError::out_of_domain("channels", 0_usize, "at least 1"));
        }
        let scale = if self.unscaled {
            1.0
        } else {
            composition::sum_scale(self.kernels.len())?
        };
        if self.kernels.is_empty() {
            return Err(InitError::out_of_domain(
                "kernels",
                0_usize,
                "at least one branch",
            ));
        }
        let c = self.channels;
        let mut branches = Vec::with_capacity(self.kernels.len());
        for &k in &self.kernels {
            // The fans the policy will read, checked before Burn builds the layer.
            Fan::conv(c, c, &[k, k], 1, ConvFan::GroupCorrect)?;
            let conv = Conv2dConfig::new([c, c], [k, k])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .with_initializer(Initializer::Zeros)
                .init(device);
            branches.push(conv);
        }
        Ok(InceptionSum { branches, scale })
    }

    /// The branch scheme on every branch weight.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new()
            .rule(Rule::new(self.init.scheme()).with_path(Some("branches.*.weight".into()))))
    }
}

impl InceptionSum {
    /// y = s·Σᵢ convᵢ(x), `[batch, channels, h, w]` → same shape.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        // An empty sum (only possible for a hand-built module: `init` refuses it) is zero.
        let sum = self
            .branches
            .iter()
            .enumerate()
            .map(|(i, conv)| {
                probe::record(format_args!("branches.{i}"), conv.forward(input.clone()))
            })
            .reduce(|sum, branch| sum + branch)
            .unwrap_or_else(|| input.zeros_like());
        probe::record("sum", sum.mul_scalar(self.scale))
    }
}
