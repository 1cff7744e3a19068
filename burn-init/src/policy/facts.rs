//! What a weight's shape cannot tell — a convolution's groups, a transposed convolution's
//! stride — read from Burn's own layers inside any model, with no path-string hint.
//!
//! A `ModuleVisitor` sees parameters, not the layers' other fields, and Burn's `Display` of a
//! layer reads its weight's shape, which runs a lazy initializer. Every Burn module derives
//! `Debug` (the `Module` trait requires it), and the `Debug` text of Burn's convolutions lists
//! their public fields — `weight: Param: <id> - …`, `stride: [2, 2]`, `groups: 4` — without
//! touching any value. The facts are keyed by the weight's `ParamId`, so neither paths nor
//! traversal order need to agree with the text. A layer whose `Debug` is hand-written and omits
//! these fields is simply not found; the policy then records the assumption it made.

use std::collections::HashMap;

use burn::module::{Module, ParamId};

/// Groups and stride of one of Burn's convolutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayerFacts {
    /// `groups` (`weight_groups` for `DeformConv2d`).
    pub(crate) groups: usize,
    /// The stride, one entry per spatial dimension.
    pub(crate) stride: Vec<usize>,
}

/// Burn's layers whose groups or stride change the fans.
const LAYERS: [&str; 7] = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "DeformConv2d",
];

/// The facts of every Burn convolution in `model`, by the `ParamId` of its weight.
pub(crate) fn read<M: Module>(model: &M) -> HashMap<ParamId, LayerFacts> {
    let text = format!("{model:?}");
    let mut facts = HashMap::new();
    let mut rest = text.as_str();
    while let Some(found) = next_layer(rest) {
        match parse_layer(found.layer, found.body) {
            Some((id, layer_facts)) => {
                facts.insert(id, layer_facts);
                rest = found.after;
            }
            // Not one of Burn's layers (a user struct of the same name): look inside it.
            None => rest = found.inside,
        }
    }
    facts
}

/// A `Layer { … }` found in the text.
struct Found<'a> {
    layer: &'static str,
    /// Between the braces.
    body: &'a str,
    /// After the closing brace.
    after: &'a str,
    /// From the opening brace's next character to the end of the text.
    inside: &'a str,
}

/// The next `Layer { … }` of [`LAYERS`] outside string and char literals.
fn next_layer(text: &str) -> Option<Found<'_>> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'\'' => i = skip_char(bytes, i),
            c if c.is_ascii_alphabetic() && (i == 0 || !is_ident(bytes[i - 1])) => {
                let end = (i..bytes.len())
                    .find(|&j| !is_ident(bytes[j]))
                    .unwrap_or(bytes.len());
                let word = &text[i..end];
                let layer = LAYERS.iter().find(|&&l| l == word);
                if let Some(layer) = layer
                    && text[end..].starts_with(" {")
                {
                    let open = end + 1;
                    match matching_brace(bytes, open) {
                        Some(close) => {
                            return Some(Found {
                                layer,
                                body: &text[open + 1..close],
                                after: &text[close + 1..],
                                inside: &text[open + 1..],
                            });
                        }
                        // Unbalanced (a hand-written Debug): skip this name, keep scanning.
                        None => i = open + 1,
                    }
                    continue;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Index just past the string literal starting at `start` (a `"`).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index just past a char literal starting at `start` (a `'`): `'"'`, `'\''`, `'a'`; a lone
/// `'` (a lifetime in a type name) is stepped over.
fn skip_char(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start + 1..start + 4) {
        Some([b'\\', _, b'\'']) => start + 4,
        Some([_, b'\'', _]) => start + 3,
        _ => start + 1,
    }
}

/// Index of the bracket closing the one at `open`, skipping string literals.
fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'\'' => {
                i = skip_char(bytes, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The top-level `name: value` fields of a struct body.
fn fields(body: &str) -> Vec<(&str, &str)> {
    let bytes = body.as_bytes();
    let (mut parts, mut start, mut depth, mut i) = (Vec::new(), 0, 0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'\'' => {
                i = skip_char(bytes, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .filter_map(|part| {
            let (name, value) = part.split_once(':')?;
            Some((name.trim(), value.trim()))
        })
        .collect()
}

fn parse_layer(layer: &str, body: &str) -> Option<(ParamId, LayerFacts)> {
    let fields = fields(body);
    let field = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    // `Param: <base32 id> - ParamMapper { … }`
    let weight = field("weight")?.strip_prefix("Param:")?.trim_start();
    // A `ParamId` prints as 13 base32 characters (8 bytes); longer tokens would make Burn's
    // parser panic, so only that form is read.
    let token = weight.split_whitespace().next()?;
    if token.len() != 13 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let id: ParamId = token.parse().ok()?;
    let groups_field = if layer == "DeformConv2d" {
        "weight_groups"
    } else {
        "groups"
    };
    let groups = field(groups_field)?.parse().ok()?;
    let stride = field("stride")?;
    let stride = match stride.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().parse().ok())
            .collect::<Option<Vec<usize>>>()?,
        None => vec![stride.parse().ok()?],
    };
    Some((id, LayerFacts { groups, stride }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv1dConfig, ConvTranspose2dConfig, DeformConv2dConfig};
    use burn::tensor::Device;

    #[derive(Module, Debug)]
    struct Net {
        #[module(skip)]
        label: String,
        #[module(skip)]
        quote: char,
        convs: Vec<burn::nn::conv::Conv1d>,
        up: Option<burn::nn::conv::ConvTranspose2d>,
        deform: burn::nn::conv::DeformConv2d,
        wrapped: Conv2d,
    }

    /// A user module named like Burn's layer, holding one.
    #[derive(Module, Debug)]
    struct Conv2d {
        inner: burn::nn::conv::Conv2d,
    }

    #[test]
    fn reads_groups_and_stride_of_nested_layers_by_weight_id() {
        let device = Device::default();
        let decoy = burn::nn::conv::Conv1dConfig::new(4, 4, 1).init(&device);
        let net = Net {
            // A string that looks like a layer (with a real id) must not be read as one, nor
            // may a char holding a quote start a string.
            label: format!(
                "Conv1d {{ weight: Param: {} - x, groups: 9, stride: 9 }}",
                decoy.weight.id
            ),
            quote: '"',
            convs: vec![
                Conv1dConfig::new(8, 8, 3).with_groups(4).init(&device),
                Conv1dConfig::new(8, 16, 3).with_stride(2).init(&device),
            ],
            up: Some(
                ConvTranspose2dConfig::new([8, 4], [4, 4])
                    .with_stride([2, 3])
                    .with_groups(2)
                    .init(&device),
            ),
            deform: DeformConv2dConfig::new([8, 8], [3, 3])
                .with_weight_groups(2)
                .with_offset_groups(4)
                .init(&device),
            wrapped: Conv2d {
                inner: burn::nn::conv::Conv2dConfig::new([6, 6], [3, 3])
                    .with_groups(3)
                    .with_stride([2, 1])
                    .init(&device),
            },
        };
        let facts = read(&net);
        assert_eq!(facts.len(), 5, "{facts:?}");
        assert!(!facts.contains_key(&decoy.weight.id));
        let of = |id| facts[&id].clone();
        assert_eq!(
            of(net.convs[0].weight.id),
            LayerFacts {
                groups: 4,
                stride: vec![1]
            }
        );
        assert_eq!(
            of(net.convs[1].weight.id),
            LayerFacts {
                groups: 1,
                stride: vec![2]
            }
        );
        let up = net.up.as_ref().unwrap();
        assert_eq!(
            of(up.weight.id),
            LayerFacts {
                groups: 2,
                stride: vec![2, 3]
            }
        );
        assert_eq!(
            of(net.deform.weight.id),
            LayerFacts {
                groups: 2,
                stride: vec![1, 1]
            }
        );
        // Reading the facts ran no initializer.
        assert!(!net.convs[0].weight.is_initialized());
        assert!(!up.weight.is_initialized());
    }
}
