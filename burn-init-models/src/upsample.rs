//! A learned upsampler: a 2-D transposed convolution (kernel k, stride s) and its initialisation.
//!
//! **Claim** (claims §3, the checkerboard): output pixels of a transposed convolution fall into
//! s×s phases, and the phase (r_h, r_w) receives t(r_h)·t(r_w) kernel taps with
//! t(r) = ⌈(k − r)/s⌉ ([`composition::phase_taps`]). With one scalar variance every phase gets
//! c_in·t_h·t_w·σ²: for k = 3, s = 2 the taps are [2, 1] per axis, so the four phases get 4 : 2 :
//! 2 : 1 — a checkerboard that no single σ can flatten (σ only sets the level).
//!
//! * [`UpsampleInit::Naive`]: He (linear gain) with the fan of the kernel only,
//!   [`TransposedFan::Kernel`]: fan_in = c_in·k², so the average level is 1/s² and the phases
//!   keep the tap-count spread.
//! * [`UpsampleInit::StrideAware`]: He (linear gain) with the average fan
//!   [`TransposedFan::StrideAware`], fan_in = c_in·k²/s², which fixes the *average* level at 1,
//!   **and** the per-tap factors of [`composition::phase_equalisation`] multiplied into the
//!   weight: each tap is scaled by √(k/(s·t)) per axis, t the tap count of the phase it feeds, so
//!   every phase receives c_in·(k/s)²·σ² = 1 exactly (in expectation over the weights). When k is
//!   a multiple of s the factors are all 1 and this is plain stride-aware He.
//!
//! The upsampler is linear (no activation, no bias): He with gain 1 is the variance-preserving
//! choice, and the predicted level is [`composition::forward_ratio`] with the stride-aware fan.
//! Pixels within k − 1 of the border see fewer input pixels and are excluded from the claim.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Initializer;
use burn::nn::conv::{ConvTranspose2d, ConvTranspose2dConfig};
use burn::tensor::{Device, Tensor, TensorData};
use burn_init::diagnostics::stats::host_f32;
use burn_init::diagnostics::{TensorStats, probe};
use burn_init::policy::{LayerHint, Manifest, Policy, Rule};
use burn_init::{Fan, FanMode, InitError, Key, Nonlinearity, Scheme, TransposedFan, composition};

use crate::Blueprint;

/// How the transposed convolution's weight is drawn.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum UpsampleInit {
    /// Fan from the kernel only (c_in·k²): phases keep the tap-count spread.
    Naive,
    /// Stride-aware average fan (c_in·k²/s²) and per-tap phase equalisation.
    StrideAware,
}

/// Configuration of an [`Upsampler`].
#[derive(Config, Debug)]
pub struct UpsamplerConfig {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Square kernel size k.
    #[config(default = 3)]
    pub kernel: usize,
    /// Stride s (the upsampling factor).
    #[config(default = 2)]
    pub stride: usize,
    /// Padding (removed from each side of the output).
    #[config(default = 0)]
    pub padding: usize,
    /// The initialisation.
    #[config(default = "UpsampleInit::StrideAware")]
    pub init: UpsampleInit,
}

/// A transposed convolution `c_in → c_out` upsampling by the stride.
#[derive(Module, Debug)]
pub struct Upsampler {
    /// The transposed convolution, weight `[c_in, c_out, k, k]`.
    pub conv: ConvTranspose2d,
}

impl UpsamplerConfig {
    /// The scheme: He normal, fan-in, linear gain.
    pub fn scheme() -> Scheme {
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Linear)
    }

    /// The weight shape `[c_in, c_out, k, k]` (Burn's transposed layout).
    pub fn shape(&self) -> [usize; 4] {
        [
            self.channels_in,
            self.channels_out,
            self.kernel,
            self.kernel,
        ]
    }

    /// The fans with `mode` (validates channels, kernel and stride).
    pub fn fan(&self, mode: TransposedFan) -> burn_init::Result<Fan> {
        for (name, value) in [
            ("channels_in", self.channels_in),
            ("channels_out", self.channels_out),
        ] {
            if value == 0 {
                return Err(InitError::out_of_domain(name, 0_usize, "at least 1"));
            }
        }
        let (k, s) = (self.kernel, self.stride);
        Fan::conv_transpose(
            self.channels_in,
            self.channels_out,
            &[k, k],
            &[s, s],
            1,
            mode,
        )
    }

    /// The fan the weight is drawn with.
    pub fn draw_fan(&self) -> burn_init::Result<Fan> {
        self.fan(match self.init {
            UpsampleInit::Naive => TransposedFan::Kernel,
            UpsampleInit::StrideAware => TransposedFan::StrideAware,
        })
    }

    /// The per-tap multipliers (row-major `[k, k]`): [`composition::phase_equalisation`] for
    /// `StrideAware`, all ones for `Naive`.
    pub fn tap_multipliers(&self) -> burn_init::Result<Vec<f64>> {
        let (k, s) = (self.kernel, self.stride);
        match self.init {
            UpsampleInit::StrideAware => composition::phase_equalisation(&[k, k], &[s, s]),
            UpsampleInit::Naive => {
                self.draw_fan()?;
                Ok(vec![1.0; k * k])
            }
        }
    }

    /// The predicted output variance ÷ input variance averaged over the phases:
    /// σ² (from the draw fan) × the average fan-in c_in·k²/s² — 1 for `StrideAware`, 1/s² for
    /// `Naive`. For `StrideAware` every phase has this level.
    pub fn predicted_level(&self) -> burn_init::Result<f64> {
        let std = Self::scheme().std(&self.shape(), Some(self.draw_fan()?))?;
        Ok(self.fan(TransposedFan::StrideAware)?.fan_in * std * std)
    }

    /// Draws `conv.weight` from `key` and multiplies the per-tap factors into it.
    ///
    /// ```
    /// use burn_init_models::upsample::{UpsampleInit, UpsamplerConfig};
    /// let device = burn::tensor::Device::default();
    /// let config = UpsamplerConfig::new(8, 8);
    /// assert!((config.predicted_level().unwrap() - 1.0).abs() < 1e-12);
    /// let up = config.init(5, &device).unwrap();
    /// let y = up.forward(burn::tensor::Tensor::zeros([1, 8, 6, 6], &device));
    /// assert_eq!(y.dims(), [1, 8, 13, 13]); // (6 − 1)·2 + 3
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<Upsampler> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for UpsamplerConfig {
    type Model = Upsampler;

    fn blank(&self, device: &Device) -> burn_init::Result<Upsampler> {
        self.tap_multipliers()?; // checks channels, kernel and stride
        let (k, s) = (self.kernel, self.stride);
        if self.padding >= k {
            return Err(InitError::out_of_domain(
                "padding",
                self.padding,
                "less than the kernel size",
            ));
        }
        let conv = ConvTranspose2dConfig::new([self.channels_in, self.channels_out], [k, k])
            .with_stride([s, s])
            .with_padding([self.padding, self.padding])
            .with_bias(false)
            .with_initializer(Initializer::Zeros)
            .init(device);
        Ok(Upsampler { conv })
    }

    /// [`UpsamplerConfig::scheme`] on `conv.weight` with [`UpsamplerConfig::draw_fan`] (given
    /// to the policy by a hint: the layer alone does not say naive or stride-aware).
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new()
            .rule(Rule::new(Self::scheme()).with_path(Some("conv.weight".into())))
            .hint(LayerHint::new("conv".into()).with_fan(Some(self.draw_fan()?))))
    }

    /// Multiplies the per-tap factors ([`UpsamplerConfig::tap_multipliers`]) into the drawn
    /// weight; the manifest's target becomes σ·rms(m) and its drawn moments are measured again
    /// on the final weight, the step stated in its assumptions.
    fn finish(
        &self,
        mut model: Upsampler,
        mut manifest: Manifest,
    ) -> burn_init::Result<(Upsampler, Manifest)> {
        let multipliers = self.tap_multipliers()?;
        if multipliers.iter().all(|&m| m == 1.0) {
            return Ok((model, manifest));
        }
        let k = self.kernel;
        let taps: Vec<f32> = multipliers.iter().map(|&m| m as f32).collect();
        let device = model.conv.weight.device();
        let taps = Tensor::<4>::from_data(TensorData::new(taps, [1, 1, k, k]), &device);
        // The product is the new leaf: without `detach`, on an autodiff device the weight would
        // keep the product's graph, and a second backward pass would find its tape consumed.
        model.conv.weight = model.conv.weight.map(|w| {
            let trainable = w.is_require_grad();
            w.mul(taps).detach().set_require_grad(trainable)
        });
        let mean_square = multipliers.iter().map(|m| m * m).sum::<f64>() / multipliers.len() as f64;
        let rms = mean_square.sqrt();
        let (values, _) = host_f32(model.conv.weight.val())?;
        let measured = TensorStats::iid(&values)?;
        if let Some(entry) = manifest
            .entries
            .iter_mut()
            .find(|e| e.path == "conv.weight")
        {
            entry.target_std = entry.target_std.map(|std| std * rms);
            entry.drawn_mean = entry.drawn_mean.map(|_| measured.mean);
            entry.drawn_std = entry.drawn_std.map(|_| measured.var.sqrt());
            entry.assumptions.push(format!(
                "per-tap multipliers (composition::phase_equalisation, rms {rms:.4}) applied after the draw"
            ));
        }
        Ok((model, manifest))
    }
}

impl Upsampler {
    /// `[n, c_in, h, w]` → `[n, c_out, (h − 1)·s − 2p + k, (w − 1)·s − 2p + k]`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        probe::record("conv", self.conv.forward(input))
    }
}
