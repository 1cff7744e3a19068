//! A weight-normalised linear layer, w = g·v/‖v‖ (Salimans & Kingma 2016).
//!
//! Claim (§4): every output unit's weight vector has norm g, so for inputs with second moment
//! E[φ(z)²] the pre-activation has variance g²·E[φ(z)²] whatever the fan-in n; keeping it at
//! the previous layer's variance needs g = 1/√E[φ(z)²]
//! ([`composition::weight_norm_gain`]): √2 after a ReLU, independent of n.

use crate::Blueprint;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use burn_init::policy::{Policy, Rule};
use burn_init::{Key, Nonlinearity, Scheme, composition};

use crate::mlp::positive_size;

/// Configuration of a [`WeightNormLinear`].
#[derive(Config, Debug)]
pub struct WeightNormLinearConfig {
    /// Input features (n).
    pub d_input: usize,
    /// Output features (one norm, one g each).
    pub d_output: usize,
    /// The activation that produced the layer's input; g starts at its
    /// [`composition::weight_norm_gain`].
    #[config(default = "Nonlinearity::Relu")]
    pub activation: Nonlinearity,
}

/// y = x·w + b with w\[:, j\] = g_j · v\[:, j\] / ‖v\[:, j\]‖. See the [module documentation](self).
#[derive(Module, Debug)]
pub struct WeightNormLinear {
    /// The direction, `[d_input, d_output]` (Burn's Linear layout), drawn N(0, 1).
    pub v: Param<Tensor<2>>,
    /// The norm of each output unit's weights, `[d_output]`.
    pub g: Param<Tensor<1>>,
    /// The bias, `[d_output]`, zero.
    pub bias: Param<Tensor<1>>,
}

impl WeightNormLinearConfig {
    /// v ~ N(0, 1) drawn with `key.for_path("v")`, g = weight_norm_gain(activation), b = 0.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::Key;
    /// use burn_init_models::weight_norm::WeightNormLinearConfig;
    ///
    /// let device = Device::default();
    /// let layer = WeightNormLinearConfig::new(64, 32).init(Key::new(0), &device).unwrap();
    /// assert_eq!(layer.forward(Tensor::<2>::ones([4, 64], &device)).dims(), [4, 32]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(
        &self,
        key: impl Into<Key>,
        device: &Device,
    ) -> burn_init::Result<WeightNormLinear> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for WeightNormLinearConfig {
    type Model = WeightNormLinear;

    fn blank(&self, device: &Device) -> burn_init::Result<WeightNormLinear> {
        positive_size("d_input", self.d_input)?;
        positive_size("d_output", self.d_output)?;
        let (d_in, d_out) = (self.d_input, self.d_output);
        Ok(WeightNormLinear {
            v: Param::from_tensor(Tensor::zeros([d_in, d_out], device)),
            g: Param::from_tensor(Tensor::zeros([d_out], device)),
            bias: Param::from_tensor(Tensor::zeros([d_out], device)),
        })
    }

    /// v ~ N(0, 1), g = weight_norm_gain(activation), b = 0, each by its path.
    fn policy(&self) -> burn_init::Result<Policy> {
        let gain = composition::weight_norm_gain(&self.activation)?;
        let at = |scheme: Scheme, path: &str| Rule::new(scheme).with_path(Some(path.into()));
        let unit = Scheme::Normal {
            mean: 0.0,
            std: 1.0,
        };
        Ok(Policy::new()
            .rule(at(unit, "v"))
            .rule(at(Scheme::Constant { value: gain }, "g"))
            .rule(at(Scheme::Zeros, "bias")))
    }
}

impl WeightNormLinear {
    /// The effective weight g·v/‖v‖, `[d_input, d_output]`.
    pub fn weight(&self) -> Tensor<2> {
        let v = self.v.val();
        let norm = v.clone().powi_scalar(2).sum_dim(0).sqrt();
        v / norm * self.g.val().unsqueeze::<2>()
    }

    /// `[batch, d_input]` → `[batch, d_output]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = x.matmul(self.weight()) + self.bias.val().unsqueeze::<2>();
        burn_init::diagnostics::probe::record("output", y)
    }
}
