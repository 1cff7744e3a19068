//! Layer hints: what a parameter's shape cannot tell.
//!
//! A `ModuleMapper` sees parameters, not layer configurations, and a weight's shape does not say
//! how many groups a convolution has, the stride of a transposed convolution, or which activation
//! follows the layer. A policy reads groups and stride from Burn's own convolutions by itself;
//! a hint states them for other layers (a hint that contradicts a Burn layer's own groups or
//! stride is an error, [`PolicyError::HintContradictsLayer`](crate::error::PolicyError::HintContradictsLayer)),
//! and says what nothing else can: the activation, the fan convention, explicit fans. The `from_*` constructors read Burn's layers.

use burn::config::Config;
use burn::nn::conv::{
    Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, DeformConv2d,
};

use crate::fan::{ConvFan, Fan, TransposedFan};
use crate::gain::Nonlinearity;

/// What a policy should know about the layers at `path`.
///
/// ```
/// use burn::nn::conv::ConvTranspose2dConfig;
/// use burn::tensor::Device;
/// use burn_init::policy::LayerHint;
/// use burn_init::TransposedFan;
/// let up = ConvTranspose2dConfig::new([64, 32], [3, 3]).with_stride([2, 2]).init(&Device::default());
/// let hint = LayerHint::from_conv_transpose2d("decoder.up", &up)
///     .with_transposed_fan(TransposedFan::StrideAware);
/// assert_eq!(hint.stride, Some(vec![2, 2]));
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct LayerHint {
    /// A glob over layer paths (the parameter path without its last segment, e.g. `decoder.up`).
    pub path: String,
    /// Groups of a (transposed) convolution; `None`: the layer's own (Burn's convolutions), else 1
    /// (recorded in the manifest as an assumption). On a Burn convolution it must equal the
    /// layer's own.
    #[config(default = "None")]
    pub groups: Option<usize>,
    /// Stride of a transposed convolution, one entry per spatial dimension; `None`: the layer's
    /// own (Burn's transposed convolutions), else 1.
    #[config(default = "None")]
    pub stride: Option<Vec<usize>>,
    /// The activation that follows the layer (for rules with `activation_gain`).
    #[config(default = "None")]
    pub activation: Option<Nonlinearity>,
    /// How to count a convolution's fans.
    #[config(default = "ConvFan::GroupCorrect")]
    pub conv_fan: ConvFan,
    /// How to count a transposed convolution's fans.
    #[config(default = "TransposedFan::Kernel")]
    pub transposed_fan: TransposedFan,
    /// Explicit fans, overriding everything else (user modules with their own layouts).
    #[config(default = "None")]
    pub fan: Option<Fan>,
}

macro_rules! from_conv {
    ($($name:ident: $layer:ty),*) => {
        impl LayerHint {
            $(
                #[doc = concat!("The groups of a Burn `", stringify!($layer), "` at `path`.")]
                pub fn $name(path: &str, layer: &$layer) -> Self {
                    Self::new(path.to_string()).with_groups(Some(layer.groups))
                }
            )*
        }
    };
}

from_conv!(from_conv1d: Conv1d, from_conv2d: Conv2d, from_conv3d: Conv3d);

impl LayerHint {
    /// The groups and stride of a Burn `ConvTranspose1d` at `path`.
    pub fn from_conv_transpose1d(path: &str, layer: &ConvTranspose1d) -> Self {
        Self::transposed(path, layer.groups, vec![layer.stride])
    }

    /// The groups and stride of a Burn `ConvTranspose2d` at `path`.
    pub fn from_conv_transpose2d(path: &str, layer: &ConvTranspose2d) -> Self {
        Self::transposed(path, layer.groups, layer.stride.to_vec())
    }

    /// The groups and stride of a Burn `ConvTranspose3d` at `path`.
    pub fn from_conv_transpose3d(path: &str, layer: &ConvTranspose3d) -> Self {
        Self::transposed(path, layer.groups, layer.stride.to_vec())
    }

    fn transposed(path: &str, groups: usize, stride: Vec<usize>) -> Self {
        Self::new(path.to_string())
            .with_groups(Some(groups))
            .with_stride(Some(stride))
    }
}

impl LayerHint {
    /// The weight groups of a Burn `DeformConv2d` at `path`.
    pub fn from_deform_conv2d(path: &str, layer: &DeformConv2d) -> Self {
        Self::new(path.to_string()).with_groups(Some(layer.weight_groups))
    }
}
