//! Residual blocks y = α·(x + f(x)) with f = Linear → ReLU → Linear, and stacks of them.
//!
//! Claim (§4): a balanced branch (Var f(x) = Var x) uncorrelated with x doubles the variance,
//! Var(x + f(x)) = 2·Var x, so N plain blocks multiply it by 2ᴺ. Four fixes, one per
//! [`ResidualScaling`] variant:
//!
//! * [`Scaled`](ResidualScaling::Scaled): α = [`composition::residual_scale`]`(1)` = 1/√2,
//!   the variance stays at Var x through any number of blocks;
//! * [`ZeroGamma`](ResidualScaling::ZeroGamma): the branch ends in a LayerNorm whose γ starts at
//!   0 ([`Policy::zero_init_residual`]); every block starts as the identity;
//! * [`ReZero`](ResidualScaling::ReZero): y = x + r·f(x) with a learnable scalar r starting at 0
//!   ([`Policy::rezero`]); identity at initialisation;
//! * [`Fixup`](ResidualScaling::Fixup) (Zhang et al. 2019): the last layer of every branch is 0
//!   and the inner layer is He-normal × L^(−1/(2m−2)) for L blocks of m = 2 layers, the formula
//!   of [`Policy::fixup`] (used as is, so it lives in one place); identity at initialisation,
//!   and the inner scale keeps the update of the output bounded once the last layer moves.
//!   (Fixup's scalar multipliers and biases are not part of this block.)
//!
//! The branch is balanced by construction: the inner layer is He (Var = 2·Var x before the ReLU,
//! E[ReLU(z)²] = Var x after it), the outer layer Kaiming-normal with the gain of `Linear`
//! (σ² = 1/hidden, no activation follows), so Var f(x) = hidden · (1/hidden) · Var x = Var x.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation;
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::{Expected, probe};
use burn_init::policy::{Policy, Rule};
use burn_init::{FanMode, Key, Nonlinearity, Scheme, composition};

use crate::Blueprint;
use crate::mlp::{blank_linear, positive_size};

/// How the branch and the skip of a [`ResidualBlock`] are combined. See the
/// [module documentation](self).
#[derive(Config, Debug, PartialEq, Copy)]
pub enum ResidualScaling {
    /// y = x + f(x): the variance doubles per block.
    Unscaled,
    /// y = (x + f(x))/√2 ([`composition::residual_scale`]).
    Scaled,
    /// y = x + LayerNorm(f(x)) with γ = 0 at initialisation.
    ZeroGamma,
    /// y = x + r·f(x) with a learnable scalar r = 0 at initialisation.
    ReZero,
    /// y = x + f(x), last branch layer 0, inner layer scaled by L^(−1/(2m−2)).
    Fixup,
}

/// Configuration of a [`ResidualBlock`].
#[derive(Config, Debug)]
pub struct ResidualBlockConfig {
    /// Features of x and y.
    pub width: usize,
    /// How skip and branch are combined.
    #[config(default = "ResidualScaling::Scaled")]
    pub scaling: ResidualScaling,
    /// Units of the branch's hidden layer (`None`: `width`).
    #[config(default = "None")]
    pub hidden: Option<usize>,
}

/// Configuration of a [`ResidualStack`] of `n_blocks` identical blocks.
#[derive(Config, Debug)]
pub struct ResidualStackConfig {
    /// The blocks.
    pub block: ResidualBlockConfig,
    /// How many (L in Fixup's formula).
    pub n_blocks: usize,
}

/// y = α·(x + g(f(x))), see the [module documentation](self).
#[derive(Module, Debug)]
pub struct ResidualBlock {
    /// Inner branch layer (He, ReLU follows).
    pub fc1: Linear,
    /// Outer branch layer (gain 1: the branch is balanced).
    pub fc2: Linear,
    /// The branch's closing norm (zero-γ only).
    pub norm: Option<LayerNorm>,
    /// The ReZero gate r, shape `[1]` (ReZero only).
    pub gate: Option<Param<Tensor<1>>>,
    #[module(skip)]
    alpha: f64,
    /// Var(output)/Var(input) at initialisation: α²·(1 + b), with b = 1 for a balanced branch
    /// (`Unscaled`, `Scaled`) and b = 0 for a branch that starts at zero (`ZeroGamma`, `ReZero`,
    /// `Fixup`).
    #[module(skip)]
    predicted_ratio: f64,
}

/// A sequence of [`ResidualBlock`]s.
#[derive(Module, Debug)]
pub struct ResidualStack {
    /// The blocks, `blocks.0` … .
    pub blocks: Vec<ResidualBlock>,
}

impl ResidualBlockConfig {
    fn hidden(&self) -> usize {
        self.hidden.unwrap_or(self.width)
    }

    /// The factor α on x + f(x): [`composition::residual_scale`]`(1)` when
    /// [`ResidualScaling::Scaled`], 1 otherwise.
    pub fn alpha(&self) -> burn_init::Result<f64> {
        match self.scaling {
            ResidualScaling::Scaled => composition::residual_scale(1),
            _ => Ok(1.0),
        }
    }

    /// The initialisation of a stack of `blocks` such blocks (paths may be prefixed, e.g.
    /// `blocks.3.`); `blocks` must be at least 1 (Fixup's scale depends on it). A lone block's
    /// [`Blueprint::policy`] is `stack_policy(1)`.
    pub fn stack_policy(&self, blocks: usize) -> burn_init::Result<Policy> {
        let path = |p: &str| Some(format!("*{p}"));
        let balanced = Policy::new()
            .rule(
                Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu))
                    .with_path(path("fc1.weight")),
            )
            .rule(
                Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Linear))
                    .with_path(path("fc2.weight")),
            )
            .then(Policy::he(Nonlinearity::Relu));
        positive_size("blocks", blocks)?;
        Ok(match self.scaling {
            ResidualScaling::Unscaled | ResidualScaling::Scaled => balanced,
            ResidualScaling::ZeroGamma => Policy::zero_init_residual(&["*norm"]).then(balanced),
            ResidualScaling::ReZero => Policy::rezero(&["*gate"]).then(balanced),
            ResidualScaling::Fixup => {
                Policy::fixup(blocks, 2, "*fc1.weight", "*fc2.weight", "classifier.weight")?
            }
        })
    }

    /// A block initialised with [`ResidualBlockConfig::stack_policy`]`(1)`, each parameter drawn
    /// with `key.for_path(path)`.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::Key;
    /// use burn_init_models::residual::{ResidualBlockConfig, ResidualScaling};
    ///
    /// let device = Device::default();
    /// let block = ResidualBlockConfig::new(8)
    ///     .with_scaling(ResidualScaling::ReZero)
    ///     .init(Key::new(0), &device)
    ///     .unwrap();
    /// let x = Tensor::<2>::ones([2, 8], &device);
    /// // ReZero starts as the identity.
    /// block.forward(x.clone()).into_data().assert_eq(&x.into_data(), true);
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<ResidualBlock> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for ResidualBlockConfig {
    type Model = ResidualBlock;

    fn blank(&self, device: &Device) -> burn_init::Result<ResidualBlock> {
        positive_size("width", self.width)?;
        positive_size("hidden", self.hidden())?;
        Ok(ResidualBlock {
            fc1: blank_linear(self.width, self.hidden(), device),
            fc2: blank_linear(self.hidden(), self.width, device),
            norm: (self.scaling == ResidualScaling::ZeroGamma)
                .then(|| LayerNormConfig::new(self.width).init(device)),
            gate: (self.scaling == ResidualScaling::ReZero)
                .then(|| Param::from_tensor(Tensor::zeros([1], device))),
            alpha: self.alpha()?,
            predicted_ratio: {
                let alpha = self.alpha()?;
                let branch = match self.scaling {
                    ResidualScaling::Unscaled | ResidualScaling::Scaled => 1.0,
                    _ => 0.0,
                };
                alpha * alpha * (1.0 + branch)
            },
        })
    }

    /// [`ResidualBlockConfig::stack_policy`]`(1)`.
    fn policy(&self) -> burn_init::Result<Policy> {
        self.stack_policy(1)
    }
}

impl ResidualStackConfig {
    /// `n_blocks` blocks initialised together with
    /// [`ResidualBlockConfig::stack_policy`]`(n_blocks)`.
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<ResidualStack> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for ResidualStackConfig {
    type Model = ResidualStack;

    /// The stack with every weight and bias 0 (LayerNorm γ = 1, gates 0), for a model that
    /// embeds it and initialises the whole with one policy: the stack's policy (its rules match
    /// `*fc1.weight`, `*fc2.weight`… under any prefix) is what [`init`](Self::init) applies.
    ///
    /// ```
    /// use burn_init::Key;
    /// use burn_init_models::Blueprint;
    /// use burn_init_models::residual::{ResidualBlockConfig, ResidualStackConfig};
    ///
    /// let device = burn::tensor::Device::default();
    /// let config = ResidualStackConfig::new(ResidualBlockConfig::new(8), 3);
    /// let (stack, manifest) = config.policy().unwrap().apply(config.blank(&device).unwrap(), Key::new(0)).unwrap();
    /// assert_eq!(stack.blocks.len(), 3);
    /// assert!(manifest.get("blocks.2.fc1.weight").unwrap().target_std.unwrap() > 0.0);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    fn blank(&self, device: &Device) -> burn_init::Result<ResidualStack> {
        positive_size("n_blocks", self.n_blocks)?;
        let blocks = (0..self.n_blocks)
            .map(|_| self.block.blank(device))
            .collect::<burn_init::Result<Vec<_>>>()?;
        Ok(ResidualStack { blocks })
    }

    /// [`ResidualBlockConfig::stack_policy`]`(n_blocks)`.
    fn policy(&self) -> burn_init::Result<Policy> {
        self.block.stack_policy(self.n_blocks)
    }
}

impl ResidualBlock {
    /// The branch f(x) = fc2(ReLU(fc1(x))), followed by the norm when there is one.
    pub fn branch(&self, x: Tensor<2>) -> Tensor<2> {
        let hidden = probe::record("fc1", self.fc1.forward(x));
        let f = probe::record("fc2", self.fc2.forward(activation::relu(hidden)));
        match &self.norm {
            Some(norm) => norm.forward(f),
            None => f,
        }
    }

    /// `[batch, width]` → `[batch, width]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let f = self.branch(x.clone());
        let f = match &self.gate {
            Some(gate) => f * gate.val().unsqueeze::<2>(),
            None => f,
        };
        if self.alpha == 1.0 {
            x + f
        } else {
            (x + f).mul_scalar(self.alpha)
        }
    }
}

impl ResidualStack {
    /// Every block in order. Records (see [`probe`]) `input` and every block's output
    /// `blocks.i` with the ratio its scaling predicts (α²·(1 + b)), the branch layers as
    /// `blocks.i.fc1`, `blocks.i.fc2`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = probe::record("input", x);
        self.blocks.iter().enumerate().fold(x, |x, (i, block)| {
            let scope = probe::scope(format_args!("blocks.{i}"));
            let y = block.forward(x);
            drop(scope);
            probe::record_expecting(format_args!("blocks.{i}"), y, || Expected::Ratio {
                of: if i == 0 {
                    "input".into()
                } else {
                    format!("blocks.{}", i - 1)
                },
                ratio: block.predicted_ratio,
            })
        })
    }
}
