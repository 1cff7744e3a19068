//! Initialise at construction, the Burn way: `LinearConfig::new(784, 256).init_with(&scheme, key,
//! &device)` builds the layer with the scheme's weights, reading every fact the fans need —
//! shape, layout, groups, stride — from the config itself.
//!
//! Burn's `XxxConfig::init` creates lazy parameters; `init_with` builds the layer that way and
//! hands it to a policy ([`Policy::apply_lazy`]), so Burn's own initializer never runs and the
//! scheme's values are drawn on first use, on the layer's device — as cheap to build as Burn's
//! `init`, and bit-identical to drawing them eagerly.

use crate::error::{ArgumentError, InitError, Result};
use burn::module::Module;
use burn::nn::conv::{
    Conv1dConfig, Conv2dConfig, Conv3dConfig, ConvTranspose1dConfig, ConvTranspose2dConfig,
    ConvTranspose3dConfig, DeformConv2dConfig,
};
use burn::nn::{
    BatchNormConfig, EmbeddingConfig, GroupNormConfig, InstanceNormConfig, LayerNormConfig,
    LinearConfig, PReluConfig, RmsNormConfig,
};
use burn::nn::{PaddingConfig2d, PaddingConfig3d};
use burn::tensor::Device;

use super::{LayerHint, Manifest, Policy, Role, Rule};
use crate::fan::{TransposedFan, check_groups};
use crate::sampling::Key;
use crate::scheme::Scheme;

/// Builds a Burn layer from its config with burn-init's schemes, reading every fact the fans
/// need — shape, layout, groups, stride — from the config itself. The layer is built by Burn's
/// `init` (lazy parameters) and handed to a policy ([`Policy::apply_lazy`]): Burn's own
/// initializer never runs, and the scheme's values are drawn on first use, on the layer's
/// device — as cheap to build as Burn's `init`, and bit-identical to drawing them eagerly.
///
/// ```
/// use burn::nn::conv::Conv2dConfig;
/// use burn::nn::LinearConfig;
/// use burn::tensor::Device;
/// use burn_init::policy::InitWith;
/// use burn_init::{FanMode, Key, Nonlinearity, Scheme};
///
/// let device = Device::default();
/// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
/// let fc = LinearConfig::new(784, 256).init_with(&he, Key::new(0).for_path("fc"), &device).unwrap();
/// // A depthwise conv: fan_in = 3·3, not 32·3·3 — read from the config's groups.
/// let depthwise = Conv2dConfig::new([32, 32], [3, 3]).with_groups(32);
/// let (conv, manifest) = depthwise
///     .init_with_manifest(&he, Key::new(0).for_path("dw"), &device)
///     .unwrap();
/// assert_eq!(manifest.get("weight").unwrap().fan.unwrap().fan_in, 9.0);
/// assert_eq!(conv.weight.dims(), [32, 1, 3, 3]);
/// ```
pub trait InitWith {
    /// The layer the config builds.
    type Module: Module;

    /// The layer built by Burn's `init`, lazily: no value drawn yet.
    fn build(&self, device: &Device) -> Self::Module;

    /// What the fans need from the config beyond the weight's shape (groups, stride).
    fn hint(&self) -> Option<LayerHint> {
        None
    }

    /// Refuses, with a typed error, a config Burn's `init` would panic on (channels that the
    /// groups do not divide).
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// The layer with `scheme` for its weight (a norm's `gamma`, PReLU's `alpha`) and zeros for
    /// its bias (`beta`), the convention of Flax and Keras; the draw happens on first use. Each
    /// parameter is drawn with `key.for_path(field)`: give each layer its own key
    /// (`key.for_path("encoder.fc1")`).
    fn init_with(
        &self,
        scheme: &Scheme,
        key: impl Into<Key>,
        device: &Device,
    ) -> Result<Self::Module> {
        Ok(self.init_with_manifest(scheme, key, device)?.0)
    }

    /// [`InitWith::init_with`] and the manifest of what every parameter receives.
    fn init_with_manifest(
        &self,
        scheme: &Scheme,
        key: impl Into<Key>,
        device: &Device,
    ) -> Result<(Self::Module, Manifest)> {
        let main = |role| {
            Rule::new(scheme.clone())
                .with_role(Some(role))
                .with_optional(true)
        };
        let zero = |role| {
            Rule::new(Scheme::Zeros)
                .with_role(Some(role))
                .with_optional(true)
        };
        let policy = Policy::new()
            .rule(main(Role::Weight))
            .rule(main(Role::Gamma))
            .rule(main(Role::Alpha))
            .rule(zero(Role::Bias))
            .rule(zero(Role::Beta))
            .with_require_all(true);
        self.init_with_policy(&policy, key, device)
    }

    /// The layer initialised by `policy` (its hints first, then the config's facts); the draw
    /// happens on first use.
    fn init_with_policy(
        &self,
        policy: &Policy,
        key: impl Into<Key>,
        device: &Device,
    ) -> Result<(Self::Module, Manifest)> {
        self.check()?;
        let policy = match self.hint() {
            Some(hint) => policy.clone().hint(hint),
            None => policy.clone(),
        };
        policy
            .apply_lazy(self.build(device), key)
            .map_err(|refused| refused.error)
    }
}

/// Every parameter of a root layer: layer path "".
const ROOT: &str = "*";

macro_rules! init_with {
    ($($config:ty => $module:ty, |$c:ident| $check:expr),* $(,)?) => {
        $(impl InitWith for $config {
            type Module = $module;
            fn build(&self, device: &Device) -> $module {
                self.init(device)
            }
            fn check(&self) -> Result<()> {
                let $c = self;
                $check
            }
        })*
    };
}

init_with!(
    LinearConfig => burn::nn::Linear, |_c| Ok(()),
    EmbeddingConfig => burn::nn::Embedding, |_c| Ok(()),
    LayerNormConfig => burn::nn::LayerNorm, |_c| Ok(()),
    RmsNormConfig => burn::nn::RmsNorm, |c| positive("epsilon", c.epsilon),
    GroupNormConfig => burn::nn::GroupNorm, |c| check_groups("num_channels", c.num_channels, c.num_groups),
    InstanceNormConfig => burn::nn::InstanceNorm, |_c| Ok(()),
    BatchNormConfig => burn::nn::BatchNorm, |c| check_batch_norm(c),
    PReluConfig => burn::nn::PRelu, |_c| Ok(()),
);

/// What Burn's `BatchNormConfig::init` asserts.
fn check_batch_norm(config: &BatchNormConfig) -> Result<()> {
    if config.num_features == 0 {
        return Err(InitError::out_of_domain(
            "num_features",
            0_usize,
            "at least 1",
        ));
    }
    positive("epsilon", config.epsilon)?;
    if !(config.momentum.is_finite() && (0.0..=1.0).contains(&config.momentum)) {
        return Err(InitError::out_of_domain(
            "momentum",
            config.momentum,
            "a fraction in [0, 1]",
        ));
    }
    Ok(())
}

/// `epsilon` finite and > 0.
fn positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(InitError::out_of_domain(name, value, "finite and > 0"))
    }
}

/// Burn's `init` leaves "same" padding with an even kernel unimplemented (a panic).
fn check_same_padding(same: bool, kernel: &[usize]) -> Result<()> {
    if same && kernel.iter().any(|k| k % 2 == 0) {
        return Err(InitError::Argument(ArgumentError::Shape {
            argument: "kernel_size",
            reason: format!("{kernel:?}: Burn's \"same\" padding needs odd kernel sizes"),
        }));
    }
    Ok(())
}

/// Channels a config's groups must divide, as Burn's `init` asserts, and channels × kernel that
/// can be counted: Burn's `init` computes its fans channels/groups·∏k unchecked (an overflow
/// panics). The weight's own element count is checked when it is drawn (`TooLarge`).
fn check_channels(c_in: usize, c_out: usize, groups: usize, kernel: &[usize]) -> Result<()> {
    check_groups("channels in", c_in, groups)?;
    check_groups("channels out", c_out, groups)?;
    let widest: Vec<usize> = std::iter::once(c_in.max(c_out))
        .chain(kernel.iter().copied())
        .collect();
    crate::scheme::element_count(&widest).map(drop)
}

macro_rules! init_with_conv {
    ($($config:ty => $module:ty, $groups:ident, |$c:ident| $channels:expr),* $(,)?) => {
        $(impl InitWith for $config {
            type Module = $module;
            fn build(&self, device: &Device) -> $module {
                self.init(device)
            }
            fn hint(&self) -> Option<LayerHint> {
                Some(LayerHint::new(ROOT.into()).with_groups(Some(self.$groups)))
            }
            fn check(&self) -> Result<()> {
                let $c = self;
                let (c_in, c_out) = $channels;
                check_channels(c_in, c_out, self.$groups, &kernel_of(&self.kernel_size))
            }
        })*
    };
}

init_with_conv!(
    Conv1dConfig => burn::nn::conv::Conv1d, groups, |c| (c.channels_in, c.channels_out),
    Conv2dConfig => burn::nn::conv::Conv2d, groups, |c| (c.channels[0], c.channels[1]),
    Conv3dConfig => burn::nn::conv::Conv3d, groups, |c| {
        check_same_padding(c.padding == PaddingConfig3d::Same, &c.kernel_size)?;
        (c.channels[0], c.channels[1])
    },
    DeformConv2dConfig => burn::nn::conv::DeformConv2d, weight_groups, |c| {
        check_same_padding(c.padding == PaddingConfig2d::Same, &c.kernel_size)?;
        check_groups("channels in (offset groups)", c.channels[0], c.offset_groups)?;
        (c.channels[0], c.channels[1])
    },
);

/// Transposed convolutions count the fan-in an output pixel really sees: c_in·∏k/∏s per group
/// ([`TransposedFan::StrideAware`], claims §3 — a fan from the kernel alone leaves the output
/// variance periodic, the checkerboard).
macro_rules! init_with_transposed {
    ($($config:ty => $module:ty, |$c:ident| $stride:expr),* $(,)?) => {
        $(impl InitWith for $config {
            type Module = $module;
            fn build(&self, device: &Device) -> $module {
                self.init(device)
            }
            fn hint(&self) -> Option<LayerHint> {
                let $c = self;
                Some(
                    LayerHint::new(ROOT.into())
                        .with_groups(Some(self.groups))
                        .with_stride(Some($stride))
                        .with_transposed_fan(TransposedFan::StrideAware),
                )
            }
            fn check(&self) -> Result<()> {
                check_channels(self.channels[0], self.channels[1], self.groups, &kernel_of(&self.kernel_size))
            }
        })*
    };
}

init_with_transposed!(
    ConvTranspose1dConfig => burn::nn::conv::ConvTranspose1d, |c| vec![c.stride],
    ConvTranspose2dConfig => burn::nn::conv::ConvTranspose2d, |c| c.stride.to_vec(),
    ConvTranspose3dConfig => burn::nn::conv::ConvTranspose3d, |c| c.stride.to_vec(),
);

/// A config's kernel size as a slice of axes (Conv1d's is one number).
fn kernel_of(kernel: &impl KernelAxes) -> Vec<usize> {
    kernel.axes()
}

/// The kernel sizes of Burn's configs: one `usize` (1-D) or an array.
trait KernelAxes {
    fn axes(&self) -> Vec<usize>;
}

impl KernelAxes for usize {
    fn axes(&self) -> Vec<usize> {
        vec![*self]
    }
}

impl<const N: usize> KernelAxes for [usize; N] {
    fn axes(&self) -> Vec<usize> {
        self.to_vec()
    }
}
