//! µP: the maximal-update parametrisation (see [`Mup`]).

use crate::error::{self, ArgumentError, InitError, PolicyError};
use burn::config::Config;
use burn::module::Module;

use super::{Policy, Rule, Scheme};
use crate::fan::Fan;
use crate::policy::walk::ParamInfo;
use crate::policy::{Role, layout};

/// How µP initialises the readout.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum MupReadout {
    /// σ_base/m_in (TP5 Table 3: variance ∝ 1/fan_in²).
    Scaled,
    /// Zero, as the `mup` package's `readout_zero_init` (recommended by its authors).
    Zero,
}

/// The optimiser whose learning rates [`Mup::learning_rates`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MupOptimizer {
    /// Adam, AdamW and other optimisers whose step ignores the gradient's scale.
    Adam,
    /// SGD (with or without momentum).
    Sgd,
}

/// A parameter's µP class (see [`Mup`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MupClass {
    /// Fan-in fixed (embeddings, the first layer).
    Input,
    /// Both fans grow.
    Hidden,
    /// Fan-in grows, fan-out fixed, named by `readout`.
    Readout,
    /// Biases, norm parameters, PReLU's α.
    Vector,
}

/// One parameter as µP sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MupParameter {
    /// Its path in the model.
    pub path: String,
    /// Its class.
    pub class: MupClass,
    /// m_in = fan_in / base fan_in (for vectors, their length ratio).
    pub fan_in_ratio: f64,
    /// m_out = fan_out / base fan_out (for vectors, their length ratio).
    pub fan_out_ratio: f64,
}

/// µP, the maximal-update parametrisation (Yang & Hu 2021, "Feature learning in infinite-width
/// neural networks"; Yang et al. 2022, "Tensor Programs V", Table 3): an initialisation and
/// per-parameter learning rates under which the size of every update stays the same as a model
/// widens, so that hyperparameters tuned on a narrow model transfer to a wide one.
///
/// Widths are read, as in the `mup` package's `set_base_shapes`, from a **base model**: the same
/// architecture at the width the hyperparameters were tuned at. For each parameter, m_in and
/// m_out are the ratios of its fans to the base model's; a fan that does not change is finite.
///
/// | class | which parameters | init std | Adam LR | SGD LR |
/// |---|---|---|---|---|
/// | input | `Embedding` tables; weights whose fan-in does not grow (m_in = 1) | σ_base | η | η·m_out |
/// | hidden | both fans grow | σ_base·m_in^−½ | η/m_in | η·m_out/m_in |
/// | readout | named by `readout`: fan-in grows, fan-out does not | σ_base/m_in (or 0) | η/m_in | η/m_in |
/// | vector | biases, norms' γ and β, PReLU's α | as at the base | η | η·(length ratio) |
///
/// σ_base is the scheme's std **at the base model's fans**: the scheme is drawn at the real shape
/// and multiplied by σ_base/σ(real fans) × the class factor, so a fan-based scheme (LeCun, He,
/// PyTorch's default) counts the width once, and at the base width µP is exactly the standard
/// parametrisation (SP: σ² ∝ 1/fan_in everywhere, one learning rate). The readout's 1/m is
/// folded into its weights (Table 3), not into a forward multiplier (the `mup` package's
/// `MuReadout`, Table 8): with this initialisation use [`Mup::learning_rates`], not `MuAdam`'s
/// rules, which leave the readout's rate unscaled.
///
/// Not covered: attention logits scaled by 1/d instead of 1/√d (Burn's `MultiHeadAttention`
/// divides by √d_k; a µP transformer needs an attention of its own) and weight decay (Burn's
/// AdamW decays by lr·λ, so a group whose rate is divided by m needs λ·m to keep the decay).
///
/// ```
/// use burn::nn::{Linear, LinearConfig};
/// use burn_init::policy::{Mup, MupOptimizer, Policy};
/// use burn_init::Key;
///
/// #[derive(burn::module::Module, Debug)]
/// struct Mlp { input: Linear, hidden: Linear, readout: Linear }
/// let mlp = |width: usize| Mlp {
///     input: LinearConfig::new(32, width).init(&Default::default()),
///     hidden: LinearConfig::new(width, width).init(&Default::default()),
///     readout: LinearConfig::new(width, 10).init(&Default::default()),
/// };
/// let mup = Mup::new(vec!["readout.weight".into()]);
/// let (base, model) = (mlp(64), mlp(1024));
/// let policy = mup.policy(&base, &model).unwrap();
/// let (model, manifest) = policy.apply(model, Key::new(0)).unwrap();
/// // PyTorch's default at the base fans, then × m^−½ (hidden) and × 1/m (readout), m = 16.
/// let hidden = manifest.get("hidden.weight").unwrap().target_std.unwrap();
/// assert!((hidden - 1.0 / (64f64.sqrt() * 3f64.sqrt()) / 4.0).abs() < 1e-12);
/// let rates = mup.learning_rates(&mlp(64), &model, MupOptimizer::Adam).unwrap();
/// assert_eq!(rates.iter().find(|(p, _)| p == "hidden.weight").unwrap().1, 1.0 / 16.0);
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct Mup {
    /// Globs over the readout weights (fan-in grows with the width, fan-out does not). Each
    /// must match a readout-shaped weight, and every readout-shaped weight must be named.
    pub readout: Vec<String>,
    /// The weights' scheme as tuned at the base model (default: PyTorch's, the SP of the µP
    /// papers' experiments).
    #[config(default = "Scheme::PytorchDefault")]
    pub scheme: Scheme,
    /// The biases' scheme at the base model (default: PyTorch's U(±1/√fan_in)).
    #[config(default = "Scheme::PytorchDefault")]
    pub bias: Scheme,
    /// `Embedding` tables (input weights, never scaled with the width; default N(0, 1)).
    #[config(default = "Scheme::Normal { mean: 0.0, std: 1.0 }")]
    pub embedding: Scheme,
    /// The readout's initialisation.
    #[config(default = "MupReadout::Scaled")]
    pub readout_init: MupReadout,
}

impl Mup {
    /// Every parameter of `model` classified against `base` (the same architecture at the
    /// width the hyperparameters were tuned at).
    pub fn classify<M: Module>(&self, base: &M, model: &M) -> error::Result<Vec<MupParameter>> {
        Ok(self
            .classify_layouts(base, model)?
            .into_iter()
            .map(|(parameter, ..)| parameter)
            .collect())
    }

    /// [`Mup::classify`] with each parameter's entry of the model's and the base's layouts.
    fn classify_layouts<M: Module>(
        &self,
        base: &M,
        model: &M,
    ) -> error::Result<Vec<(MupParameter, Entry, Entry)>> {
        let readout = self
            .readout
            .iter()
            .enumerate()
            .map(|(i, glob)| crate::policy::rule::glob_for("readout", i, glob))
            .collect::<error::Result<Vec<_>>>()?;
        let base = layout(base)?;
        let model = layout(model)?;
        if base.len() != model.len() {
            return Err(mismatch("", "the base model has other parameters"));
        }
        let mut used = vec![false; readout.len()];
        let mut classified = Vec::new();
        for ((info, fan), (base_info, base_fan)) in model.into_iter().zip(base) {
            if info.path != base_info.path || info.shape.len() != base_info.shape.len() {
                return Err(mismatch(
                    &info.path,
                    "the base model's parameter differs in path or rank",
                ));
            }
            if info.is_running_statistic() {
                continue;
            }
            let named: Vec<usize> = (0..readout.len())
                .filter(|&i| readout[i].is_match(&info.path))
                .collect();
            named.iter().for_each(|&i| used[i] = true);
            let (class, fan_in_ratio, fan_out_ratio) =
                match (Role::of(&info.field), &fan, &base_fan) {
                    (Role::Weight | Role::Other, Some(fan), Some(base_fan))
                        if info.shape.len() >= 2 =>
                    {
                        // µP reads an embedding `[vocab, d]` as fan-in vocab (finite), fan-out d; burn-init's
                        // `Fan::embedding` has them the other way round (d is what a row sums to).
                        let (fan, base_fan) = if info.layer == "Embedding" {
                            (
                                Fan {
                                    fan_in: fan.fan_out,
                                    fan_out: fan.fan_in,
                                },
                                Fan {
                                    fan_in: base_fan.fan_out,
                                    fan_out: base_fan.fan_in,
                                },
                            )
                        } else {
                            (*fan, *base_fan)
                        };
                        let (m_in, m_out) = (
                            ratio(fan.fan_in, base_fan.fan_in),
                            ratio(fan.fan_out, base_fan.fan_out),
                        );
                        let not_readout = || {
                            InitError::Policy(PolicyError::MupNotReadout {
                                path: info.path.clone(),
                                fan_in_ratio: m_in,
                                fan_out_ratio: m_out,
                            })
                        };
                        // An embedding's vocabulary is finite: an input weight (its `Fan::embedding`
                        // fan-in is d_model, which would make it look like a readout).
                        let class = if info.layer == "Embedding" {
                            if !named.is_empty() {
                                return Err(not_readout());
                            }
                            MupClass::Input
                        } else if !named.is_empty() {
                            // A readout's fan-out does not grow (at the base width nothing does).
                            if m_out != 1.0 {
                                return Err(not_readout());
                            }
                            MupClass::Readout
                        } else if m_in == 1.0 {
                            MupClass::Input
                        } else if m_out == 1.0 {
                            return Err(InitError::Policy(PolicyError::MupUnnamedReadout {
                                path: info.path.clone(),
                            }));
                        } else {
                            MupClass::Hidden
                        };
                        (class, m_in, m_out)
                    }
                    _ => {
                        let length = ratio(numel(&info.shape), numel(&base_info.shape));
                        (MupClass::Vector, length, length)
                    }
                };
            let parameter = MupParameter {
                path: info.path.clone(),
                class,
                fan_in_ratio,
                fan_out_ratio,
            };
            classified.push((parameter, (info, fan), (base_info, base_fan)));
        }
        if let Some(unused) = used.iter().position(|u| !u) {
            return Err(InitError::Policy(PolicyError::UnmatchedRule {
                rule: unused,
                description: format!("µP readout `{}` names no weight", self.readout[unused]),
            }));
        }
        Ok(classified)
    }

    /// The initialisation of `model` (apply it to `model`): one rule per parameter path, the
    /// scheme drawn at the real shape with multiplier σ_base/σ(real fans) × the class factor.
    /// Norms get γ = 1, β = 0 and PReLU α = 0.25, as in the other presets.
    pub fn policy<M: Module>(&self, base: &M, model: &M) -> error::Result<Policy> {
        let mut policy = Policy::new();
        for (parameter, (info, fan), (base_info, base_fan)) in self.classify_layouts(base, model)? {
            let scheme = match (parameter.class, Role::of(&info.field)) {
                (MupClass::Readout, _) if self.readout_init == MupReadout::Zero => Scheme::Zeros,
                (MupClass::Vector, Role::Bias) => self.bias.clone(),
                (MupClass::Vector, _) => continue,
                _ if info.layer == "Embedding" => self.embedding.clone(),
                _ => self.scheme.clone(),
            };
            let factor = match parameter.class {
                MupClass::Hidden => parameter.fan_in_ratio.powf(-0.5),
                MupClass::Readout => 1.0 / parameter.fan_in_ratio,
                MupClass::Input | MupClass::Vector => 1.0,
            };
            let at_base = scheme.std(&base_info.shape, base_fan)?;
            let here = scheme.std(&info.shape, fan)?;
            let multiplier = if here > 0.0 {
                factor * at_base / here
            } else {
                1.0
            };
            let multiplier = error::finite("µP multiplier", multiplier)?;
            policy = policy.rule(
                Rule::new(scheme)
                    .with_path(Some(globset::escape(&parameter.path)))
                    .with_multiplier(multiplier),
            );
        }
        Ok(policy.then(Policy::norms()))
    }

    /// Per-parameter learning-rate multipliers of µP for `optimizer` (the base learning rate η
    /// times these; the table in [`Mup`]), by parameter path — Burn's
    /// optimisers use the same paths (`ParamGroup::from_paths`, `ModuleLrSchedulerConfig`).
    pub fn learning_rates<M: Module>(
        &self,
        base: &M,
        model: &M,
        optimizer: MupOptimizer,
    ) -> error::Result<Vec<(String, f64)>> {
        Ok(self
            .classify(base, model)?
            .into_iter()
            .map(|p| {
                let (m_in, m_out) = (p.fan_in_ratio, p.fan_out_ratio);
                let rate = match (optimizer, p.class) {
                    (MupOptimizer::Adam, MupClass::Hidden | MupClass::Readout) => 1.0 / m_in,
                    (MupOptimizer::Adam, _) => 1.0,
                    (MupOptimizer::Sgd, MupClass::Hidden) => m_out / m_in,
                    (MupOptimizer::Sgd, MupClass::Readout) => 1.0 / m_in,
                    (MupOptimizer::Sgd, MupClass::Input | MupClass::Vector) => m_out,
                };
                (p.path, rate)
            })
            .collect())
    }
}

fn ratio(value: f64, base: f64) -> f64 {
    if base > 0.0 { value / base } else { 1.0 }
}

fn numel(shape: &[usize]) -> f64 {
    shape.iter().map(|&d| d as f64).product()
}

/// A parameter and its fans, from [`layout`].
type Entry = (ParamInfo, Option<Fan>);

fn mismatch(path: &str, reason: &str) -> InitError {
    InitError::Argument(ArgumentError::Shape {
        argument: "base",
        reason: format!("{path}: {reason} (µP's base model is the same architecture, narrower)"),
    })
}
