//! Fans of a parameter from its owning layer's type, Burn's real layouts and the layer's hint.
//!
//! | owner (Burn layout in memory) | fans of `weight` |
//! |---|---|
//! | `Linear` `[d_in, d_out]` (both `LinearLayout`s hold this in memory) | d_in, d_out |
//! | `Conv1d/2d/3d`, `DeformConv2d` `[c_out, c_in/g, k…]` | [`Fan::conv_weight`], g from the hint or the layer |
//! | `ConvTranspose1d/2d/3d` `[c_in, c_out/g, k…]` | [`Fan::conv_transpose`], g and stride from the hint or the layer |
//! | `Embedding` `[n, d]` | [`Fan::embedding`] |
//! | norms, `PRelu` | none |
//! | user module, rank 2 / rank ≥ 3 | as `Linear` / as `Conv` (override with a hinted `fan`) |
//!
//! Groups and stride come from a hint when one matches, else from the layer itself (Burn's
//! convolutions, [`facts`](super::facts)); a fact neither states is assumed (groups 1, stride 1)
//! and the assumption is returned for the manifest.
//!
//! A `bias` (or any 1-D parameter) takes the fans of its layer's `weight`, as in PyTorch, where
//! the bias bound 1/√fan_in uses the weight's fan-in. Burn itself gets several of these wrong:
//! `ConvTranspose` passes no fan_out, `Conv1d`'s bias no fan_out, `Embedding` no fans at all,
//! and `LinearLayout::Col` swaps them.

use super::facts::LayerFacts;
use super::hint::LayerHint;
use super::walk::ParamInfo;
use crate::error;
use crate::error::{PolicyError, SamplingError};
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

/// The fans of `param`, given its layer's `weight` shape (if any), hint and facts, with the
/// assumptions made for facts nobody stated.
pub(crate) fn fans(
    param: &ParamInfo,
    weight: Option<&[usize]>,
    hint: Option<&LayerHint>,
    facts: Option<&LayerFacts>,
) -> error::Result<(Option<Fan>, Vec<String>)> {
    if let Some(fan) = hint.and_then(|h| h.fan) {
        return Ok((Some(fan), Vec::new()));
    }
    if FANLESS.contains(&param.layer.as_str()) {
        return Ok((None, Vec::new()));
    }
    let shape = if param.shape.len() >= 2 {
        &param.shape[..]
    } else {
        match weight {
            Some(weight) if weight.len() >= 2 => weight,
            _ => return Ok((None, Vec::new())),
        }
    };
    // A hint may state what a layer does not carry, never contradict what it does.
    if let (Some(hint), Some(facts)) = (hint, facts) {
        let contradiction = |name, hint: String, layer: String| {
            Err(error::InitError::Policy(
                PolicyError::HintContradictsLayer { name, hint, layer },
            ))
        };
        match (&hint.groups, &hint.stride) {
            (Some(g), _) if *g != facts.groups => {
                return contradiction("groups", g.to_string(), facts.groups.to_string());
            }
            (_, Some(s)) if param.layer.starts_with("ConvTranspose") && *s != facts.stride => {
                return contradiction("stride", format!("{s:?}"), format!("{:?}", facts.stride));
            }
            _ => {}
        }
    }
    let mut assumed = Vec::new();
    let mut groups = || match (hint.and_then(|h| h.groups), facts) {
        (Some(groups), _) => groups,
        (None, Some(facts)) => facts.groups,
        (None, None) => {
            assumed.push("groups assumed 1 (no hint, not a Burn convolution)".to_string());
            1
        }
    };
    let fan = match param.layer.as_str() {
        "Embedding" => Fan::embedding(shape[0], shape[1]),
        "ConvTranspose1d" | "ConvTranspose2d" | "ConvTranspose3d" => {
            let groups = groups();
            let kernel = &shape[2..];
            let mode = hint.map_or(TransposedFan::Kernel, |h| h.transposed_fan);
            let stride = match (hint.and_then(|h| h.stride.clone()), facts) {
                (Some(stride), _) => stride,
                (None, Some(facts)) => facts.stride.clone(),
                (None, None) => {
                    if mode == TransposedFan::StrideAware {
                        assumed.push("stride assumed 1 (no hint, not a Burn layer)".to_string());
                    }
                    vec![1; kernel.len()]
                }
            };
            if mode == TransposedFan::StrideAware
                && let Some((d, (s, k))) = stride
                    .iter()
                    .zip(kernel)
                    .enumerate()
                    .find(|(_, (s, k))| s > k)
            {
                assumed.push(format!(
                    "stride {s} > kernel {k} in dimension {d}: a fraction 1 − k/s of the outputs receive no input; the stride-aware fan is the average over all outputs, zeros included"
                ));
            }
            let c_out = shape[1].checked_mul(groups).ok_or_else(|| {
                error::InitError::Sampling(SamplingError::TooLarge {
                    shape: shape.to_vec(),
                })
            })?;
            Fan::conv_transpose(shape[0], c_out, kernel, &stride, groups, mode)?
        }
        _ if shape.len() >= 3 => {
            let mode = hint.map_or(ConvFan::GroupCorrect, |h| h.conv_fan);
            Fan::conv_weight(shape, groups(), mode)?
        }
        _ => Fan::linear(shape[0], shape[1]),
    };
    Ok((Some(fan), assumed))
}
