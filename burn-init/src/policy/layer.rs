//! Fans of a parameter from its owning layer's type, Burn's real layouts and the layer's hint.
//!
//! | owner (Burn layout in memory) | fans of `weight` |
//! |---|---|
//! | `Linear` `[d_in, d_out]` (both `LinearLayout`s hold this in memory) | d_in, d_out |
//! | `Conv1d/2d/3d`, `DeformConv2d` `[c_out, c_in/g, k…]` | [`Fan::conv_weight`], g from the hint |
//! | `ConvTranspose1d/2d/3d` `[c_in, c_out/g, k…]` | [`Fan::conv_transpose`], g and stride from the hint |
//! | `Embedding` `[n, d]` | [`Fan::embedding`] |
//! | norms, `PRelu` | none |
//! | user module, rank 2 / rank ≥ 3 | as `Linear` / as `Conv` (override with a hinted `fan`) |
//!
//! A `bias` (or any 1-D parameter) takes the fans of its layer's `weight`, as in PyTorch, where
//! the bias bound 1/√fan_in uses the weight's fan-in. Burn itself gets several of these wrong:
//! `ConvTranspose` passes no fan_out, `Conv1d`'s bias no fan_out, `Embedding` no fans at all,
//! and `LinearLayout::Col` swaps them.

use super::hint::LayerHint;
use super::walk::ParamInfo;
use crate::error;
use crate::fan::{ConvFan, Fan, TransposedFan};

/// Layers whose parameters have no fans.
const FANLESS: [&str; 6] = [
    "BatchNorm",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm",
    "RmsNorm",
    "PRelu",
];

/// The fans of `param`, given its layer's `weight` shape (if any) and hint.
pub(crate) fn fans(
    param: &ParamInfo,
    weight: Option<&[usize]>,
    hint: Option<&LayerHint>,
) -> error::Result<Option<Fan>> {
    if let Some(fan) = hint.and_then(|h| h.fan) {
        return Ok(Some(fan));
    }
    if FANLESS.contains(&param.layer.as_str()) {
        return Ok(None);
    }
    let shape = if param.shape.len() >= 2 {
        &param.shape[..]
    } else {
        match weight {
            Some(weight) if weight.len() >= 2 => weight,
            _ => return Ok(None),
        }
    };
    let groups = hint.map_or(1, |h| h.groups);
    Ok(Some(match param.layer.as_str() {
        "Embedding" => Fan::embedding(shape[0], shape[1]),
        "ConvTranspose1d" | "ConvTranspose2d" | "ConvTranspose3d" => {
            let kernel = &shape[2..];
            let ones = vec![1; kernel.len()];
            let stride = hint.and_then(|h| h.stride.as_deref()).unwrap_or(&ones);
            let mode = hint.map_or(TransposedFan::Kernel, |h| h.transposed_fan);
            Fan::conv_transpose(shape[0], shape[1] * groups, kernel, stride, groups, mode)?
        }
        _ if shape.len() >= 3 => {
            let mode = hint.map_or(ConvFan::GroupCorrect, |h| h.conv_fan);
            Fan::conv_weight(shape, groups, mode)?
        }
        _ => Fan::linear(shape[0], shape[1]),
    }))
}
