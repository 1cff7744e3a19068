//! Presets: the policies of the literature, each a short list of rules.
//!
//! Every preset's rules are optional (a model without, say, convolutions is fine) and cover the
//! weights of Burn's `Linear`, `Conv1d/2d/3d`, `ConvTranspose1d/2d/3d`, `DeformConv2d` and
//! `Embedding`, their biases, and the norm layers (γ = 1, β = 0; running statistics untouched).
//! Combine presets with [`Policy::then`]: the first rule that matches wins, so put the specific
//! preset (zero-γ, ReZero gates…) before the general one.

use burn::config::Config;

use super::{Policy, Role, Rule};
use crate::fan::FanMode;
use crate::gain::{Gain, Nonlinearity};
use crate::scheme::Scheme;

/// Layers with a weight matrix or kernel (Burn's type names).
const WEIGHTED: [&str; 9] = [
    "Linear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "DeformConv2d",
    "Embedding",
];

/// Burn's norm layers.
const NORMS: [&str; 5] = [
    "BatchNorm",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm",
    "RmsNorm",
];

fn optional(scheme: Scheme) -> Rule {
    Rule::new(scheme).with_optional(true)
}

fn on(layer: &str, role: Role, scheme: Scheme) -> Rule {
    optional(scheme)
        .with_layer(Some(layer.to_string()))
        .with_role(Some(role))
}

fn at(path: &str, scheme: Scheme) -> Rule {
    optional(scheme).with_path(Some(path.to_string()))
}

impl Policy {
    /// `scheme` for every weight of the layers with weights except `Embedding` (which gets
    /// `embedding`), `bias` for their biases, γ = 1 and β = 0 for norms, PReLU's α = 0.25.
    fn standard(scheme: Scheme, embedding: Scheme, bias: Scheme) -> Self {
        let mut policy = Policy::new();
        for layer in WEIGHTED {
            let weight = if layer == "Embedding" {
                embedding.clone()
            } else {
                scheme.clone()
            };
            policy = policy.rule(on(layer, Role::Weight, weight)).rule(on(
                layer,
                Role::Bias,
                bias.clone(),
            ));
        }
        policy.then(Self::norms())
    }

    /// γ = 1, β = 0 for every norm layer, PReLU's α = 0.25 (PyTorch's default).
    fn norms() -> Self {
        let mut policy = Policy::new();
        for norm in NORMS {
            policy = policy.rule(on(norm, Role::Gamma, Scheme::Ones)).rule(on(
                norm,
                Role::Beta,
                Scheme::Zeros,
            ));
        }
        policy.rule(on("PRelu", Role::Alpha, Scheme::Constant { value: 0.25 }))
    }

    /// PyTorch's layer defaults: weights and biases U(±1/√fan_in) (kaiming_uniform with a = √5),
    /// embeddings N(0, 1). Fans are the correct ones (for `ConvTranspose` PyTorch reads
    /// (c_out/g)·∏k as the fan-in; here it is (c_in/g)·∏k, see [`crate::fan`]).
    pub fn pytorch_default() -> Self {
        Self::standard(
            Scheme::PytorchDefault,
            Scheme::Normal {
                mean: 0.0,
                std: 1.0,
            },
            Scheme::PytorchDefault,
        )
    }

    /// Glorot & Bengio (2010): Xavier-uniform weights with the gain of `nonlinearity`, zero
    /// biases; embeddings too (fans d_model and the vocabulary size).
    pub fn xavier(nonlinearity: Nonlinearity) -> Self {
        let scheme = Scheme::XavierUniform {
            gain: Gain::Recommended(nonlinearity),
        };
        Self::standard(scheme.clone(), scheme, Scheme::Zeros)
    }

    /// He et al. (2015): Kaiming-normal weights, fan-in, with the gain of `nonlinearity`
    /// (√2 for ReLU), zero biases; embeddings N(0, 1).
    pub fn he(nonlinearity: Nonlinearity) -> Self {
        Self::standard(
            Scheme::kaiming_normal(FanMode::FanIn, nonlinearity),
            Scheme::Normal {
                mean: 0.0,
                std: 1.0,
            },
            Scheme::Zeros,
        )
    }

    /// Klambauer et al. (2017), self-normalising networks: LeCun-normal weights N(0, 1/fan_in)
    /// for SELU, zero biases.
    pub fn lecun_selu() -> Self {
        Self::standard(Scheme::LecunNormal, Scheme::LecunNormal, Scheme::Zeros)
    }

    /// Saxe et al. (2014): orthogonal weights (flattened `[shape[0], rest]`) with `gain`, zero
    /// biases.
    pub fn orthogonal(gain: f64) -> Self {
        let scheme = Scheme::orthogonal(gain);
        Self::standard(scheme.clone(), scheme, Scheme::Zeros)
    }

    /// GPT-2 (Radford et al. 2019; nanoGPT's reading of it): every weight N(0, 0.02²), zero
    /// biases, LayerNorm γ = 1, β = 0, and the residual output projections scaled by
    /// 1/√(2·n_layers) so that the residual stream's variance does not grow with depth. The
    /// projections are Burn's `MultiHeadAttention.output` and `PositionWiseFeedForward.linear_outer`
    /// plus any parameter whose path matches one of `residual` (e.g. `*.c_proj.weight`).
    pub fn gpt2(n_layers: usize, residual: &[&str]) -> Self {
        let normal = Scheme::Normal {
            mean: 0.0,
            std: 0.02,
        };
        let scale = 1.0 / (2.0 * n_layers.max(1) as f64).sqrt();
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
        policy.then(Self::standard(normal.clone(), normal, Scheme::Zeros))
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
    /// biases (0) Fixup adds are model fields: give them rules of your own.
    pub fn fixup(branches: usize, depth: usize, inner: &str, last: &str, classifier: &str) -> Self {
        let exponent = -1.0 / (2.0 * depth.max(2) as f64 - 2.0);
        let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
        Policy::new()
            .rule(at(last, Scheme::Zeros))
            .rule(at(classifier, Scheme::Zeros))
            .rule(at(inner, he.clone()).with_multiplier((branches.max(1) as f64).powf(exponent)))
            .then(Self::he(Nonlinearity::Relu))
    }

    /// T-Fixup (Huang et al. 2020) for a Burn `TransformerEncoder` of `n_layers` layers and
    /// width `d_model`: Xavier-uniform everywhere, embeddings N(0, d_model⁻¹) (std d^−½) scaled
    /// by (9N)^(−¼), and in every layer the attention's value and output projections and the
    /// feed-forward weights scaled by 0.67·N^(−¼). (The paper also removes the layer norms and
    /// the warm-up; that is the model's and the optimiser's business.)
    pub fn t_fixup(n_layers: usize, d_model: usize) -> Self {
        let n = n_layers.max(1) as f64;
        let xavier = Scheme::xavier_uniform(1.0);
        let block = 0.67 * n.powf(-0.25);
        let scaled = |within: &str, path: &str| {
            at(path, xavier.clone())
                .with_within(Some(within.to_string()))
                .with_multiplier(block)
        };
        let embedding = Scheme::Normal {
            mean: 0.0,
            std: (d_model.max(1) as f64).powf(-0.5),
        };
        Policy::new()
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
            .then(Self::standard(xavier, embedding, Scheme::Zeros))
    }
}

/// µP (Yang et al. 2021, microsoft/mup) for widening a model from `base_width` to `width`:
/// with m = width / base_width, hidden weights get std × m^−½, the readout std × m^−1, and the
/// input layer (whose fan-in does not grow) keeps its std, so that activations keep their size
/// as the width grows. `scheme` is the initialisation tuned at the base width.
#[derive(Config, Debug, PartialEq)]
pub struct Mup {
    /// Width at which `scheme` was tuned.
    pub base_width: usize,
    /// Width of the model to initialise.
    pub width: usize,
    /// Glob over the input layer's weight path (not rescaled).
    pub input: String,
    /// Glob over the readout's weight path (× 1/m).
    pub readout: String,
    /// The base-width initialisation (default N(0, 1/base_width)).
    #[config(default = "None")]
    pub scheme: Option<Scheme>,
}

impl Mup {
    /// The width multiplier m = width / base_width.
    pub fn multiplier(&self) -> f64 {
        self.width as f64 / self.base_width.max(1) as f64
    }

    /// The policy: input as tuned, readout × 1/m, every other weight × m^−½, zero biases.
    pub fn policy(&self) -> Policy {
        let m = self.multiplier();
        let scheme = self.scheme.clone().unwrap_or(Scheme::Normal {
            mean: 0.0,
            std: (self.base_width.max(1) as f64).powf(-0.5),
        });
        Policy::new()
            .rule(Rule::new(scheme.clone()).with_path(Some(self.input.clone())))
            .rule(
                Rule::new(scheme.clone())
                    .with_path(Some(self.readout.clone()))
                    .with_multiplier(1.0 / m),
            )
            .then(
                Policy::standard(scheme.clone(), scheme, Scheme::Zeros)
                    .scaled_weights(m.powf(-0.5)),
            )
    }
}

impl Policy {
    /// Multiplies every weight rule's multiplier by `factor`.
    fn scaled_weights(mut self, factor: f64) -> Self {
        for rule in &mut self.rules {
            if rule.role == Some(Role::Weight) {
                rule.multiplier *= factor;
            }
        }
        self
    }
}
