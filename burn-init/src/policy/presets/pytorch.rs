//! PyTorch's own initialisation, layer by layer, on Burn's layers that have a PyTorch twin.

use std::f64::consts::FRAC_1_SQRT_2;

use super::{Policy, Role, Rule, Scheme, at, on};

const TRANSPOSED: [&str; 3] = ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"];

impl Policy {
    /// What PyTorch's `reset_parameters` gives the same layers (in distribution; the random
    /// streams differ):
    ///
    /// | Burn layer | PyTorch's code | weights and biases |
    /// |---|---|---|
    /// | `Linear`, `Conv1d/2d/3d`, `DeformConv2d` | `kaiming_uniform_(a=√5)`, bias U(±1/√fan_in) | U(±1/√fan_in) |
    /// | `ConvTranspose1d/2d/3d` | the same on `[c_in, c_out/g, k…]`: fan_in read as (c_out/g)·∏k | U(±1/√((c_out/g)·∏k)) |
    /// | `Lstm`, `Gru` (every `GateController`) | `RNNBase`: U(±1/√hidden) for everything | U(±1/√hidden) |
    /// | `MultiHeadAttention` | `xavier_uniform_` on the packed `[3E, E]` in-projection, biases 0 | q, k, v U(±√(6/4E)); output U(±1/√E), biases 0 |
    /// | `Embedding` | `normal_` | N(0, 1) |
    /// | norms, `PRelu` | ones, zeros; 0.25 | γ = 1, β = 0; α = 0.25 |
    ///
    /// PyTorch's transposed convolutions count the output channels as the fan-in (its fan helper
    /// reads dimension 1 of the weight, which is c_out/g there): this preset reproduces that, as
    /// U(±1/√fan_out) of burn-init's true fans ((c_out/g)·∏k is their fan-out). It expects those
    /// default fans: a hint with `TransposedFan::Pytorch` swaps them, and the bound with them.
    /// [`Policy::pytorch_default_corrected`] uses the true fan-in (c_in/g)·∏k instead.
    ///
    /// ```
    /// use burn::nn::conv::ConvTranspose2dConfig;
    /// use burn_init::{policy::Policy, Key};
    /// let up = ConvTranspose2dConfig::new([256, 128], [2, 2]).with_groups(2).init(&Default::default());
    /// let (_, manifest) = Policy::pytorch_default().apply(up, Key::new(0)).unwrap();
    /// // PyTorch: fan_in = (128/2)·2·2 = 256, bound 1/16, std 1/(16·√3).
    /// let std = manifest.get("weight").unwrap().target_std.unwrap();
    /// assert!((std - 1.0 / (16.0 * 3f64.sqrt())).abs() < 1e-12);
    /// ```
    pub fn pytorch_default() -> Self {
        Self::pytorch(Scheme::PytorchFanOut)
    }

    /// [`Policy::pytorch_default`] with the transposed convolutions' fan corrected: U(±1/√n) with
    /// n = (c_in/g)·∏k, the number of inputs each output actually sums (see [`crate::fan`]).
    pub fn pytorch_default_corrected() -> Self {
        Self::pytorch(Scheme::PytorchDefault)
    }

    fn pytorch(transposed: Scheme) -> Self {
        let within = |rule: Rule, owner: &str| rule.with_within(Some(owner.to_string()));
        // PyTorch packs q, k, v into `in_proj_weight` [3E, E]: xavier_uniform_'s bound is
        // √(6/(E + 3E)), which is Xavier-uniform with gain √(2/(1 + 3)) = 1/√2 on each of Burn's
        // square [E, E] projections (Burn's attention has no kdim/vdim).
        let packed = Scheme::xavier_uniform(FRAC_1_SQRT_2);
        // Hidden size = the fan-out of every gate `Linear` (input [d_in, H], hidden [H, H]); a
        // bias gets its weight's fans.
        let mut policy = Policy::new()
            .rule(within(
                on("Linear", Role::Weight, Scheme::PytorchFanOut),
                "GateController",
            ))
            .rule(within(
                on("Linear", Role::Bias, Scheme::PytorchFanOut),
                "GateController",
            ))
            .rule(within(
                at("*{query,key,value}.weight", packed),
                "MultiHeadAttention",
            ))
            .rule(within(
                on("Linear", Role::Bias, Scheme::Zeros),
                "MultiHeadAttention",
            ));
        // The attention's output weight falls through to the Linear rule: U(±1/√E), as PyTorch.
        // The corrected preset's transposed rules are `standard`'s own (PyTorch's default).
        for layer in TRANSPOSED
            .iter()
            .filter(|_| transposed != Scheme::PytorchDefault)
        {
            policy = policy
                .rule(on(layer, Role::Weight, transposed.clone()))
                .rule(on(layer, Role::Bias, transposed.clone()));
        }
        policy.then(Self::standard(
            Scheme::PytorchDefault,
            Scheme::Normal {
                mean: 0.0,
                std: 1.0,
            },
            Scheme::PytorchDefault,
        ))
    }
}
