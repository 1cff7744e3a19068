//! The one way every model of this crate is initialised.
//!
//! Burn's habit is `XxxConfig::new(..).init(&device)`: the config checks itself and returns a
//! module whose parameters its `Initializer`s drew from Burn's global generator. Here every
//! config keeps that shape with two differences that keyed draws need: `init(key, &device)`
//! takes a [`Key`] (a `u64` seed works) and returns a `Result`, because a bad config is a typed
//! error, not a panic. Behind it, every config does the same three steps, which a user can also
//! take one by one:
//!
//! 1. [`Blueprint::blank`] — the layers, checked, with nothing drawn (zero weights and biases,
//!    Burn's norms at γ = 1, β = 0);
//! 2. [`Blueprint::policy`] — the one [`Policy`] that fills them, each parameter drawn from
//!    `key.for_path(<its path>)`, so a parameter's bits do not depend on the others;
//! 3. [`Blueprint::finish`] — what a policy cannot express, if anything (the upsampler's per-tap
//!    factors, the MLP's predictions read from the manifest).
//!
//! [`Blueprint::init_with_manifest`] runs the three and returns the [`Manifest`] of what every
//! parameter received; each config's `init` is that, without the manifest. Because the model is
//! blank and the policy is data, a model that embeds one of these blocks can apply the block's
//! policy to its own field (rules match `*fc1.weight` under any prefix) and get the same bits.

use burn::module::Module;
use burn::tensor::Device;
use burn_init::Key;
use burn_init::policy::{Manifest, Policy};

/// A model config that initialises through blank layers and one policy (see the
/// [module](self)).
///
/// ```
/// use burn_init::Key;
/// use burn_init_models::Blueprint;
/// use burn_init_models::mlp::DeepMlpConfig;
///
/// let device = burn::tensor::Device::default();
/// let config = DeepMlpConfig::new(16, 32, 4, 2);
/// let (mlp, manifest) = config.init_with_manifest(Key::new(0), &device).unwrap();
/// // He on every hidden weight: σ = √(2 / fan_in).
/// let entry = manifest.get("layers.1.weight").unwrap();
/// assert!((entry.target_std.unwrap() - (2.0f64 / 32.0).sqrt()).abs() < 1e-12);
/// // The same bits as `init`, and as the policy applied to the blank model by hand.
/// let by_hand = config.policy().unwrap().apply(config.blank(&device).unwrap(), Key::new(0));
/// let weight = |m: &burn_init_models::DeepMlp| m.layers[1].weight.val().into_data();
/// assert_eq!(weight(&mlp), weight(&by_hand.unwrap().0));
/// assert_eq!(weight(&mlp), weight(&config.init(Key::new(0), &device).unwrap()));
/// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
/// ```
pub trait Blueprint {
    /// The module this config builds.
    type Model: Module;

    /// The model's layers with every argument checked and nothing drawn.
    fn blank(&self, device: &Device) -> burn_init::Result<Self::Model>;

    /// The policy that initialises every parameter of [`Blueprint::blank`]'s model.
    fn policy(&self) -> burn_init::Result<Policy>;

    /// What the policy cannot express, applied after it; the manifest must keep describing the
    /// final parameters. The default changes nothing.
    fn finish(
        &self,
        model: Self::Model,
        manifest: Manifest,
    ) -> burn_init::Result<(Self::Model, Manifest)> {
        Ok((model, manifest))
    }

    /// Blank layers → the policy with `key` → [`Blueprint::finish`]: the model and the manifest
    /// of what every parameter received.
    fn init_with_manifest(
        &self,
        key: impl Into<Key>,
        device: &Device,
    ) -> burn_init::Result<(Self::Model, Manifest)>
    where
        Self: Sized,
    {
        let policy = self.policy()?;
        let (model, manifest) = policy
            .apply(self.blank(device)?, key)
            .map_err(|refused| refused.error)?;
        self.finish(model, manifest)
    }
}
