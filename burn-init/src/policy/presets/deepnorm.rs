//! DeepNorm: Post-LN transformers a thousand layers deep.

use burn::config::Config;

use super::{Policy, Role, Rule, Scheme};
use crate::error::{self, InitError};

/// DeepNorm (Wang et al. 2022, "DeepNet: Scaling Transformers to 1,000 Layers") for Post-LN
/// transformers: each sub-layer computes x ← LN(α·x + G(x)), and G's value and output
/// projections and feed-forward weights are Xavier-normal with gain β (queries and keys gain 1),
/// so that the model update per step stays O(1) however deep. With N encoder and M decoder
/// layers (the paper's Table 1):
///
/// | architecture | α | β |
/// |---|---|---|
/// | encoder-only (N) or decoder-only (M) | (2N)^¼ | (8N)^−¼ |
/// | encoder of an encoder-decoder | 0.81·(N⁴M)^1/16 | 0.87·(N⁴M)^−1/16 |
/// | decoder of an encoder-decoder | (3M)^¼ | (12M)^−¼ |
///
/// The policy sets β; α is the model's (Burn's `TransformerEncoderLayer` has no residual
/// factor: a DeepNorm model multiplies its skip by [`DeepNorm::encoder`]'s α). Embeddings are
/// N(0, 1/d_model) (LeCun-normal over the table's fans, as torchscale's `std = d^−½`), biases 0,
/// norms γ = 1, β = 0. The attention and feed-forward rules are required: a prefix that names
/// no layer is an error.
#[derive(Config, Debug, PartialEq)]
pub struct DeepNorm {
    /// Encoder layers N (0 for a decoder-only model).
    pub encoder_layers: usize,
    /// Decoder layers M (0 for an encoder-only model).
    pub decoder_layers: usize,
    /// Path prefix of the encoder's layers (`""`: the whole model, for a single stack).
    #[config(default = "String::new()")]
    pub encoder_prefix: String,
    /// Path prefix of the decoder's layers.
    #[config(default = "String::new()")]
    pub decoder_prefix: String,
}

impl DeepNorm {
    /// (α, β) of the encoder, `None` for a decoder-only model.
    pub fn encoder(&self) -> error::Result<Option<(f64, f64)>> {
        let (n, m) = self.layers()?;
        Ok(match (n, m) {
            (0.0, _) => None,
            (n, 0.0) => Some(((2.0 * n).powf(0.25), (8.0 * n).powf(-0.25))),
            (n, m) => {
                let r = (n.powi(4) * m).powf(1.0 / 16.0);
                Some((0.81 * r, 0.87 / r))
            }
        })
    }

    /// (α, β) of the decoder, `None` for an encoder-only model.
    pub fn decoder(&self) -> error::Result<Option<(f64, f64)>> {
        let (n, m) = self.layers()?;
        Ok(match (n, m) {
            (_, 0.0) => None,
            (0.0, m) => Some(((2.0 * m).powf(0.25), (8.0 * m).powf(-0.25))),
            (_, m) => Some(((3.0 * m).powf(0.25), (12.0 * m).powf(-0.25))),
        })
    }

    fn layers(&self) -> error::Result<(f64, f64)> {
        if self.encoder_layers == 0 && self.decoder_layers == 0 {
            return Err(InitError::out_of_domain(
                "encoder_layers",
                0_usize,
                "at least 1 layer in the encoder or the decoder",
            ));
        }
        let (e, d) = (&self.encoder_prefix, &self.decoder_prefix);
        // Both stacks' rules are globs `{prefix}*…`: a prefix that starts the other one (the
        // empty prefix starts every path) would let the first stack's rules take the second's.
        if self.encoder_layers > 0
            && self.decoder_layers > 0
            && (e.starts_with(d.as_str()) || d.starts_with(e.as_str()))
        {
            return Err(InitError::out_of_domain(
                "decoder_prefix",
                d.as_str(),
                "a path prefix that neither starts nor is started by the encoder's (both stacks are present)",
            ));
        }
        Ok((self.encoder_layers as f64, self.decoder_layers as f64))
    }

    /// The policy: β-scaled Xavier-normal for each stack present, then the base.
    pub fn policy(&self) -> error::Result<Policy> {
        let mut policy = Policy::new();
        for (prefix, constants) in [
            (&self.encoder_prefix, self.encoder()?),
            (&self.decoder_prefix, self.decoder()?),
        ] {
            let Some((_, beta)) = constants else { continue };
            let attention = |field: &str, gain: f64| {
                Rule::new(Scheme::xavier_normal(gain))
                    .with_within(Some("MultiHeadAttention".into()))
                    .with_path(Some(format!("{prefix}*{field}.weight")))
            };
            policy = policy
                .rule(attention("value", beta))
                .rule(attention("output", beta))
                .rule(attention("query", 1.0))
                .rule(attention("key", 1.0))
                .rule(
                    Rule::new(Scheme::xavier_normal(beta))
                        .with_layer(Some("Linear".into()))
                        .with_role(Some(Role::Weight))
                        .with_within(Some("PositionWiseFeedForward".into()))
                        .with_path(Some(format!("{prefix}*"))),
                );
        }
        let xavier = Scheme::xavier_normal(1.0);
        Ok(policy.then(Policy::standard(xavier, Scheme::LecunNormal, Scheme::Zeros)))
    }
}
