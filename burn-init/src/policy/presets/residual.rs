//! Presets for residual networks and transformers: GPT-2, zero-γ, ReZero, Fixup, T-Fixup.

use super::{Policy, Role, Scheme, at, at_least, on};
use crate::error::Result;
use crate::fan::FanMode;
use crate::gain::Nonlinearity;

impl Policy {
    /// GPT-2 (Radford et al. 2019; nanoGPT's reading of it): every weight N(0, 0.02²), zero
    /// biases, LayerNorm γ = 1, β = 0, and the residual output projections scaled by
    /// 1/√(2·n_layers) so that the residual stream's variance does not grow with depth. The
    /// projections are Burn's `MultiHeadAttention.output` and `PositionWiseFeedForward.linear_outer`
    /// plus any parameter whose path matches one of `residual` (e.g. `*.c_proj.weight`).
    /// `n_layers` must be at least 1.
    pub fn gpt2(n_layers: usize, residual: &[&str]) -> Result<Self> {
        let normal = Scheme::Normal {
            mean: 0.0,
            std: 0.02,
        };
        let scale = 1.0 / (2.0 * at_least("n_layers", n_layers, 1)?).sqrt();
        let projection = |within: &str, path: &str| {
            at(path, normal.clone())
                .with_within(Some(within.to_string()))
                .with_multiplier(scale)
        };
        let mut policy = Policy::new()
            .rule(projection("MultiHeadAttention", "*output.weight"))
            .rule(projection(
                "PositionWiseFeedForward",
                "*linear_outer.weight",
            ));
        for path in residual {
            policy = policy.rule(at(path, normal.clone()).with_multiplier(scale));
        }
        Ok(policy.then(Self::standard(normal.clone(), normal, Scheme::Zeros)))
    }

    /// Goyal et al. (2017), torchvision's `zero_init_residual`: γ = 0 for the last norm of each
    /// residual branch, named by `norms` (globs over layer paths, e.g. `*.bn3` for Bottleneck
    /// blocks), so that every block starts as the identity. Combine with a base policy:
    /// `Policy::zero_init_residual(&["*.bn3"]).then(Policy::he(Nonlinearity::Relu))`.
    pub fn zero_init_residual(norms: &[&str]) -> Self {
        norms.iter().fold(Policy::new(), |policy, norm| {
            policy.rule(at(&format!("{norm}.gamma"), Scheme::Zeros))
        })
    }

    /// ReZero (Bachlechner et al. 2020) and SkipInit (De & Smith 2020): the learnable scalar
    /// gating each residual branch starts at 0, so every block starts as the identity. `gates`
    /// are globs over the gates' parameter paths (e.g. `*.rezero_alpha`).
    pub fn rezero(gates: &[&str]) -> Self {
        gates.iter().fold(Policy::new(), |policy, gate| {
            policy.rule(at(gate, Scheme::Zeros))
        })
    }

    /// Fixup (Zhang et al. 2019) for `branches` residual branches of `depth` layers each (L and
    /// m in the paper): the last layer of each branch (`last`) and the classifier (`classifier`)
    /// are zero; the other layers of the branches (`inner`) are He-normal scaled by
    /// L^(−1/(2m−2)); everything else He-normal, zero biases. The scalar multipliers (1) and
    /// biases (0) Fixup adds are model fields: give them rules of your own. `branches` must be
    /// at least 1 and `depth` at least 2 (with m = 1 the exponent −1/(2m − 2) is undefined: a
    /// one-layer branch is zero-initialised whole and needs no scaling).
    pub fn fixup(
        branches: usize,
        depth: usize,
        inner: &str,
        last: &str,
        classifier: &str,
    ) -> Result<Self> {
        let branches = at_least("branches", branches, 1)?;
        let exponent = -1.0 / (2.0 * at_least("depth", depth, 2)? - 2.0);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        Ok(Policy::new()
            .rule(at(last, Scheme::Zeros))
            .rule(at(classifier, Scheme::Zeros))
            .rule(at(inner, he.clone()).with_multiplier(branches.powf(exponent)))
            .then(Self::he(Nonlinearity::Relu)))
    }

    /// T-Fixup (Huang et al. 2020) for a Burn `TransformerEncoder` of `n_layers` layers and
    /// width `d_model`: Xavier-uniform everywhere, embeddings N(0, d_model⁻¹) (std d^−½) scaled
    /// by (9N)^(−¼), and in every layer the attention's value and output projections and the
    /// feed-forward weights scaled by 0.67·N^(−¼). (The paper also removes the layer norms and
    /// the warm-up; that is the model's and the optimiser's business.) Both counts must be at
    /// least 1.
    pub fn t_fixup(n_layers: usize, d_model: usize) -> Result<Self> {
        let n = at_least("n_layers", n_layers, 1)?;
        let d_model = at_least("d_model", d_model, 1)?;
        let xavier = Scheme::xavier_uniform(1.0);
        let block = 0.67 * n.powf(-0.25);
        let scaled = |within: &str, path: &str| {
            at(path, xavier.clone())
                .with_within(Some(within.to_string()))
                .with_multiplier(block)
        };
        let embedding = Scheme::Normal {
            mean: 0.0,
            std: d_model.powf(-0.5),
        };
        Ok(Policy::new()
            .rule(scaled("MultiHeadAttention", "*value.weight"))
            .rule(scaled("MultiHeadAttention", "*output.weight"))
            .rule(
                on("Linear", Role::Weight, xavier.clone())
                    .with_within(Some("PositionWiseFeedForward".into()))
                    .with_multiplier(block),
            )
            .rule(
                on("Embedding", Role::Weight, embedding.clone())
                    .with_multiplier((9.0 * n).powf(-0.25)),
            )
            .then(Self::standard(xavier, embedding, Scheme::Zeros)))
    }
}
