//! A deep plain autoencoder: `n_layers` Linear layers (20 by default), ReLU between them, no
//! normalisation, He initialisation through a [`Policy`].
//!
//! Claim (§2): a 20-layer plain ReLU net trains with He and stalls with Glorot or a wrong σ.
//! With σ² = 2/n_in every pre-activation keeps the input's variance whatever the layer widths
//! (the fan-in, not the fan-out, sets the forward variance), so the signal neither dies on the
//! way down to the bottleneck nor explodes on the way back up. [`DeepAutoencoder::forward_trace`]
//! returns every pre-activation to measure it.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation;
use burn::tensor::{Device, Tensor};
use burn_init::policy::Policy;
use burn_init::{InitError, Key, Nonlinearity};

use crate::Blueprint;
use crate::mlp::{blank_linear, positive_size};

/// Configuration of a [`DeepAutoencoder`]: widths shrink geometrically from `d_input` to
/// `bottleneck` over the first `n_layers / 2` layers and grow back over the others.
#[derive(Config, Debug)]
pub struct DeepAutoencoderConfig {
    /// Input (and reconstruction) features.
    pub d_input: usize,
    /// Width of the code.
    pub bottleneck: usize,
    /// Number of Linear layers (even, ≥ 2).
    #[config(default = 20)]
    pub n_layers: usize,
    /// The initialisation; `None` means [`Policy::he`]`(Relu)`.
    #[config(default = "None")]
    pub policy: Option<Policy>,
}

/// Encoder and decoder layers with ReLU after every layer but the last. See the
/// [module documentation](self).
#[derive(Module, Debug)]
pub struct DeepAutoencoder {
    /// The layers, `layers.0` … `layers.{n_layers−1}`.
    pub layers: Vec<Linear>,
}

impl DeepAutoencoderConfig {
    /// The widths at the `n_layers + 1` interfaces, from `d_input` through `bottleneck` back to
    /// `d_input`.
    pub fn widths(&self) -> burn_init::Result<Vec<usize>> {
        positive_size("d_input", self.d_input)?;
        positive_size("bottleneck", self.bottleneck)?;
        if self.n_layers < 2 || !self.n_layers.is_multiple_of(2) {
            return Err(InitError::out_of_domain(
                "n_layers",
                self.n_layers,
                "an even number of layers, at least 2",
            ));
        }
        let half = self.n_layers / 2;
        let ratio = self.bottleneck as f64 / self.d_input as f64;
        let down: Vec<usize> = (0..=half)
            .map(|i| {
                let w = self.d_input as f64 * ratio.powf(i as f64 / half as f64);
                (w.round() as usize).max(1)
            })
            .collect();
        Ok(down
            .iter()
            .chain(down.iter().rev().skip(1))
            .copied()
            .collect())
    }

    /// Builds the layers and initialises them with the policy (`key.for_path("layers.i.weight")`).
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::Key;
    /// use burn_init_models::autoencoder::DeepAutoencoderConfig;
    ///
    /// let device = Device::default();
    /// let ae = DeepAutoencoderConfig::new(64, 8).init(Key::new(0), &device).unwrap();
    /// assert_eq!(ae.layers.len(), 20);
    /// let y = ae.forward(Tensor::<2>::ones([4, 64], &device));
    /// assert_eq!(y.dims(), [4, 64]);
    /// // Reading the values waits for the device: on wgpu, a process that exits while the
    /// // driver still compiles kernels can crash in its exit handlers (seen on llvmpipe).
    /// assert!(y.into_data().to_vec::<f32>().unwrap().iter().all(|v| v.is_finite()));
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<DeepAutoencoder> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for DeepAutoencoderConfig {
    type Model = DeepAutoencoder;

    fn blank(&self, device: &Device) -> burn_init::Result<DeepAutoencoder> {
        let layers = self
            .widths()?
            .windows(2)
            .map(|w| blank_linear(w[0], w[1], device))
            .collect();
        Ok(DeepAutoencoder { layers })
    }

    /// The config's `policy`, or He for ReLU.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(self
            .policy
            .clone()
            .unwrap_or_else(|| Policy::he(Nonlinearity::Relu)))
    }
}

impl DeepAutoencoder {
    /// The reconstruction, `[batch, d_input]` → `[batch, d_input]`.
    /// Records (see [`burn_init::diagnostics::probe`]) every pre-activation as `layers.i`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut x = x;
        for (i, layer) in self.layers.iter().enumerate() {
            let z =
                burn_init::diagnostics::probe::record(format_args!("layers.{i}"), layer.forward(x));
            x = if i == last { z } else { activation::relu(z) };
        }
        x
    }

    /// The reconstruction and every layer's pre-activation (the last one is the reconstruction).
    pub fn forward_trace(&self, x: Tensor<2>) -> (Tensor<2>, Vec<Tensor<2>>) {
        let last = self.layers.len() - 1;
        let mut trace = Vec::with_capacity(self.layers.len());
        let mut x = x;
        for (i, layer) in self.layers.iter().enumerate() {
            let z = layer.forward(x);
            trace.push(z.clone());
            x = if i == last { z } else { activation::relu(z) };
        }
        (x, trace)
    }
}
