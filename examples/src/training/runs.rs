//! Which runs the study makes: four model families, each under several initialisations.
//!
//! Every run of a family starts from the same root key ([`StudyConfig::seed`]; each parameter
//! is drawn with `key.for_path(path)`) and sees the same data in the same order (the training
//! loader shuffles with the same seed), so two runs differ only by their initialisation.

use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};
use burn_init::Lsuv;
use burn_init::policy::{Manifest, Policy, Role, Rule};
use burn_init::{FanMode, Key, Nonlinearity, Scheme};
use burn_init_models::residual::{ResidualBlockConfig, ResidualScaling, ResidualStackConfig};
use burn_init_models::{Blueprint, DeepAutoencoderConfig, DeepMlp, DeepMlpConfig};
use serde::{Deserialize, Serialize};

pub use super::config::StudyConfig;

use super::StudyError;
use super::models::{
    Classifier, PatchTransformer, Reconstructor, ResidualNet, SeparableCnn, burn_linear,
    zero_linear,
};

/// A model family of the study.
#[derive(
    Debug,
    Clone,
    Copy,
    Serialize,
    Deserialize,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// The plain deep ReLU MLP (no normalisation, no skip).
    Mlp,
    /// A residual stack, scaled against unscaled.
    Residual,
    /// A small depthwise-separable CNN.
    Cnn,
    /// The deep ReLU autoencoder (reconstruction loss).
    Autoencoder,
    /// One Pre-LN transformer block over the image's patches (the verdict study's; the main
    /// job does not run it, so `--families` does not offer it).
    #[value(skip)]
    Transformer,
}

impl Family {
    /// Every family of the main job, in report order.
    pub const ALL: [Family; 4] = [Self::Mlp, Self::Residual, Self::Cnn, Self::Autoencoder];

    /// Heads of the patch transformer.
    pub const TRANSFORMER_HEADS: usize = 4;

    /// The name used in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mlp => "mlp",
            Self::Residual => "residual",
            Self::Cnn => "cnn",
            Self::Autoencoder => "autoencoder",
            Self::Transformer => "transformer",
        }
    }

    /// A sentence for the report.
    pub fn describe(self, c: &StudyConfig) -> String {
        match self {
            Self::Mlp => format!(
                "plain ReLU MLP: {} hidden layers of {} units, no normalisation, no skip",
                c.mlp_depth, c.mlp_width
            ),
            Self::Residual => format!(
                "Linear → {} residual blocks y = α·(x + W₂·ReLU(W₁x)) of width {} → Linear",
                c.residual_blocks, c.residual_width
            ),
            Self::Cnn => format!(
                "3×3 stride-2 stem (1 → {c}) → {} depthwise-separable blocks (ReLU after each) → global average pool → Linear",
                c.cnn_blocks,
                c = c.cnn_channels
            ),
            Self::Autoencoder => format!(
                "{}-layer ReLU autoencoder pixels → {} → pixels, widths geometric, no normalisation; MSE of the standardised image",
                c.ae_layers, c.ae_bottleneck
            ),
            Self::Transformer => format!(
                "{p}×{p} patches → Linear to d = {d} → one Pre-LN block ({h} heads, GELU MLP of 4d) → LayerNorm → mean over patches → Linear",
                p = c.patch,
                d = c.transformer_width,
                h = Self::TRANSFORMER_HEADS
            ),
        }
    }
}

/// How a run initialises its model.
#[derive(Debug, Clone)]
pub enum Init {
    /// A burn-init policy over the whole (blank) model.
    Policy(Policy),
    /// Burn's own layer initializers (what a user gets without burn-init), Burn's RNG seeded
    /// with the study's seed.
    BurnDefault,
    /// LSUV (Mishkin & Matas 2016): its orthonormal start, then every layer rescaled to unit
    /// output variance on the first training batch (MLP family only).
    Lsuv(Lsuv),
}

/// One run: a family under a named initialisation.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The family.
    pub family: Family,
    /// Short name (`he`, `xavier`, `unscaled`…).
    pub init_name: String,
    /// The initialisation.
    pub init: Init,
    /// For the residual family: how blocks combine skip and branch.
    pub scaling: ResidualScaling,
}

impl RunSpec {
    /// `family/init`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.family.name(), self.init_name)
    }
}

/// `policy` with every rule's multiplier times `multiplier` (He × 2: σ twice He's).
pub fn scaled(policy: Policy, multiplier: f64) -> Policy {
    let mut policy = policy;
    for rule in &mut policy.rules {
        rule.multiplier *= multiplier;
    }
    policy
}

/// Every parameter 0.
pub fn zeros() -> Policy {
    Policy::new().rule(Rule::new(Scheme::Zeros))
}

/// Every weight the same non-zero value 1/width (each hidden layer then passes its input's
/// level on: c·n = 1), biases 0: the units of a layer compute the same function and receive
/// the same non-zero gradient.
fn constant(width: usize) -> Policy {
    Policy::new()
        .rule(
            Rule::new(Scheme::Constant {
                value: 1.0 / width as f64,
            })
            .with_role(Some(Role::Weight)),
        )
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)))
}

fn spec(family: Family, name: &str, init: Init) -> RunSpec {
    RunSpec {
        family,
        init_name: name.to_string(),
        init,
        scaling: ResidualScaling::Scaled,
    }
}

/// The CNN's He policy: the depthwise conv and the classifier are followed by no activation
/// (gain 1), the stem and pointwise convs by a ReLU (gain √2); fans from Burn's layouts (the
/// depthwise weight `[C, 1, k, k]` has fan-in k²).
pub fn cnn_he() -> Policy {
    let linear = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Linear);
    Policy::new()
        .rule(Rule::new(linear.clone()).with_path(Some("*depthwise.weight".into())))
        .rule(Rule::new(linear).with_path(Some("*head.weight".into())))
        .then(Policy::he(Nonlinearity::Relu))
}

/// The patch transformer's policy: the block's MLP input He with GELU's gain, every other
/// weight Xavier (σ² = 2/(fan_in + fan_out): 1/d on the square projections, so that the scaled
/// attention logits have variance ≈ 1 on LayerNorm'd tokens), biases 0, norms γ = 1, β = 0.
pub fn transformer_xavier() -> Policy {
    Policy::new()
        .rule(
            Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Gelu))
                .with_path(Some("*fc1.weight".into())),
        )
        .then(Policy::xavier(Nonlinearity::Linear))
}

/// The runs of the default study, plus every `custom` policy (name, policy) on every family;
/// an error when the configuration gives a preset an impossible argument (0 residual blocks).
pub fn plan(config: &StudyConfig, custom: &[(String, Policy)]) -> Result<Vec<RunSpec>, StudyError> {
    use Family::*;
    let relu = Nonlinearity::Relu;
    let mut runs = Vec::new();
    for &family in &config.families {
        let mut add = |name: &str, init: Init| runs.push(spec(family, name, init));
        match family {
            Mlp => {
                add("zeros", Init::Policy(zeros()));
                add("constant", Init::Policy(constant(config.mlp_width)));
                add("burn_default", Init::BurnDefault);
                add("pytorch_default", Init::Policy(Policy::pytorch_default()));
                add("xavier", Init::Policy(Policy::xavier(Nonlinearity::Linear)));
                add("he", Init::Policy(Policy::he(relu.clone())));
                add("orthogonal", Init::Policy(Policy::orthogonal(2f64.sqrt())));
                add("lsuv", Init::Lsuv(Lsuv::new()));
            }
            Residual => {
                for (name, scaling) in [
                    ("scaled", ResidualScaling::Scaled),
                    ("unscaled", ResidualScaling::Unscaled),
                ] {
                    let block =
                        ResidualBlockConfig::new(config.residual_width).with_scaling(scaling);
                    let policy = block
                        .stack_policy(config.residual_blocks)
                        .map_err(|e| StudyError::Argument(format!("residual blocks: {e}")))?
                        .then(Policy::he(relu.clone()));
                    runs.push(RunSpec {
                        scaling,
                        ..spec(family, name, Init::Policy(policy))
                    });
                }
            }
            Cnn => {
                add("burn_default", Init::BurnDefault);
                add("he", Init::Policy(cnn_he()));
            }
            Transformer => {
                add("burn_default", Init::BurnDefault);
                add("xavier", Init::Policy(transformer_xavier()));
            }
            Autoencoder => {
                add("he", Init::Policy(Policy::he(relu.clone())));
                add("xavier", Init::Policy(Policy::xavier(Nonlinearity::Linear)));
                add(
                    "he_x0.5",
                    Init::Policy(scaled(Policy::he(relu.clone()), 0.5)),
                );
                add("he_x2", Init::Policy(scaled(Policy::he(relu.clone()), 2.0)));
            }
        }
        for (name, policy) in custom {
            runs.push(spec(family, name, Init::Policy(policy.clone())));
        }
    }
    Ok(runs)
}

/// A model of the study, built and initialised.
pub enum Built {
    /// MLP classifier.
    Mlp(Classifier<DeepMlp>),
    /// Residual classifier.
    Residual(Classifier<ResidualNet>),
    /// CNN classifier.
    Cnn(Classifier<SeparableCnn>),
    /// Patch-transformer classifier.
    Transformer(Box<Classifier<PatchTransformer>>),
    /// Autoencoder.
    Autoencoder(Reconstructor<burn_init_models::DeepAutoencoder>),
}

fn apply<M: burn::module::Module>(
    policy: &Policy,
    model: M,
    key: Key,
) -> Result<(M, Option<Manifest>), StudyError> {
    policy
        .apply(model, key)
        .map(|(m, manifest)| (m, Some(manifest)))
        .map_err(|refused| StudyError::Policy(refused.error.to_string()))
}

/// Builds `run`'s model on `device` and runs one image through it: what [`build`] will do, so that
/// a policy that does not fit the model, or images the model cannot take, are refused before any
/// training.
pub fn check(
    run: &RunSpec,
    config: &StudyConfig,
    features: usize,
    image: [usize; 2],
    device: &Device,
) -> Result<(), StudyError> {
    use super::models::Network;
    let x = burn::tensor::Tensor::<2>::zeros([1, features], device);
    let (built, _) = build(run, config, features, image, device, None)?;
    let out = match built {
        Built::Mlp(m) => m.net.forward(x),
        Built::Residual(m) => m.net.forward(x),
        Built::Cnn(m) => m.net.forward(x),
        Built::Transformer(m) => m.net.forward(x),
        Built::Autoencoder(m) => m.net.forward(x),
    };
    out.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map(|_| ())
        .map_err(|e| StudyError::Training(format!("{}: {e:?}", run.label())))
}

/// Burn's (global) random generator, held while a model is built with Burn's own initializers.
static BURN_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Materialise;

impl burn::module::ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// `build()` with Burn's generator seeded with `seed`, under a lock, every parameter drawn before
/// the lock is released: Burn's initializers draw from one process-wide generator, lazily, when a
/// parameter is first used, so two models built at once (tests run in parallel) would interleave
/// their draws and neither would be the seed's.
fn burn_default<M: burn::module::Module>(
    device: &Device,
    seed: u64,
    build: impl FnOnce() -> burn_init::Result<M>,
) -> Result<M, StudyError> {
    let _held = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    device.seed(seed);
    let built = build().map_err(|e| StudyError::Policy(e.to_string()))?;
    built.visit(&mut Materialise);
    Ok(built)
}

/// Builds `run`'s model on `device` (an autodiff device) and initialises it; returns the model
/// and the manifest (none for Burn's default).
///
/// `lsuv_batch` is the batch LSUV normalises on; without one an LSUV run gets only its start
/// (what [`check`] needs).
pub fn build(
    run: &RunSpec,
    config: &StudyConfig,
    features: usize,
    image: [usize; 2],
    device: &Device,
    lsuv_batch: Option<&Tensor<2>>,
) -> Result<(Built, Option<Manifest>), StudyError> {
    let key = Key::new(config.seed);
    let init_err = |e: burn_init::InitError| StudyError::Policy(e.to_string());
    Ok(match run.family {
        Family::Mlp => {
            let blank = DeepMlpConfig::new(features, config.mlp_width, config.mlp_depth, 10)
                .with_policy(Some(Policy::new()))
                .init(key, device)
                .map_err(init_err)?;
            let net = Classifier { net: blank };
            match &run.init {
                Init::Policy(policy) => {
                    let (mut m, manifest) = apply(policy, net, key)?;
                    // The model's predicted variances follow the policy that drew it.
                    if let Some(manifest) = &manifest {
                        m.net = m.net.with_predictions(manifest, "net.");
                    }
                    (Built::Mlp(m), manifest)
                }
                Init::Lsuv(lsuv) => {
                    let (mut m, manifest) = match lsuv_batch {
                        Some(batch) => {
                            // Records under the parameters' paths (`net.layers.0`).
                            let forward = |c: &Classifier<DeepMlp>| {
                                let _net = burn_init::diagnostics::probe::scope("net");
                                c.net.forward(batch.clone())
                            };
                            let (m, manifest, _) = lsuv
                                .apply(net, key, forward)
                                .map_err(|refused| StudyError::Policy(refused.error.to_string()))?;
                            (m, manifest)
                        }
                        None => {
                            let start = lsuv
                                .start
                                .clone()
                                .unwrap_or_else(|| Policy::orthogonal(1.0));
                            let (m, manifest) = apply(&start, net, key)?;
                            (m, manifest.unwrap_or_default())
                        }
                    };
                    m.net = m.net.with_predictions(&manifest, "net.");
                    (Built::Mlp(m), Some(manifest))
                }
                Init::BurnDefault => {
                    let mut net = net;
                    let w = config.mlp_width;
                    let (layers, output) = burn_default(device, config.seed, || {
                        let layers: Vec<_> = (0..config.mlp_depth)
                            .map(|i| burn_linear(if i == 0 { features } else { w }, w, device))
                            .collect();
                        Ok((layers, burn_linear(w, 10, device)))
                    })?;
                    net.net.layers = layers;
                    net.net.output = output;
                    (Built::Mlp(net), None)
                }
            }
        }
        Family::Residual => {
            let w = config.residual_width;
            let stack = ResidualStackConfig::new(
                ResidualBlockConfig::new(w).with_scaling(run.scaling),
                config.residual_blocks,
            )
            .blank(device)
            .map_err(init_err)?;
            let net = Classifier {
                net: ResidualNet {
                    input: zero_linear(features, w, device),
                    stack,
                    output: zero_linear(w, 10, device),
                },
            };
            let Init::Policy(policy) = &run.init else {
                return Err(StudyError::Policy(
                    "the residual family has only policy runs (no Burn default, no LSUV)".into(),
                ));
            };
            let (m, manifest) = apply(policy, net, key)?;
            (Built::Residual(m), manifest)
        }
        Family::Cnn => {
            let (c, b) = (config.cnn_channels, config.cnn_blocks);
            match &run.init {
                Init::Policy(policy) => {
                    let net = SeparableCnn::new(image, c, b, Some(Initializer::Zeros), device);
                    let (m, manifest) = apply(policy, Classifier { net }, key)?;
                    (Built::Cnn(m), manifest)
                }
                Init::BurnDefault => {
                    let net = burn_default(device, config.seed, || {
                        Ok(SeparableCnn::new(image, c, b, None, device))
                    })?;
                    (Built::Cnn(Classifier { net }), None)
                }
                Init::Lsuv(_) => {
                    return Err(StudyError::Policy(
                        "LSUV runs on the MLP family only".into(),
                    ));
                }
            }
        }
        Family::Transformer => {
            let (p, d, h) = (
                config.patch,
                config.transformer_width,
                Family::TRANSFORMER_HEADS,
            );
            match &run.init {
                Init::Policy(policy) => {
                    let blank = |i, o| zero_linear(i, o, device);
                    let net =
                        PatchTransformer::new(image, p, d, h, blank, device).map_err(init_err)?;
                    let (m, manifest) = apply(policy, Classifier { net }, key)?;
                    (Built::Transformer(Box::new(m)), manifest)
                }
                Init::BurnDefault => {
                    let burn = |i, o| burn_linear(i, o, device);
                    let net = burn_default(device, config.seed, || {
                        PatchTransformer::new(image, p, d, h, burn, device)
                    })?;
                    (Built::Transformer(Box::new(Classifier { net })), None)
                }
                Init::Lsuv(_) => {
                    return Err(StudyError::Policy(
                        "LSUV runs on the MLP family only".into(),
                    ));
                }
            }
        }
        Family::Autoencoder => {
            let blank = DeepAutoencoderConfig::new(features, config.ae_bottleneck)
                .with_n_layers(config.ae_layers)
                .with_policy(Some(Policy::new()))
                .init(key, device)
                .map_err(init_err)?;
            let net = Reconstructor { net: blank };
            let Init::Policy(policy) = &run.init else {
                return Err(StudyError::Policy(
                    "the autoencoder family has only policy runs (no Burn default, no LSUV)".into(),
                ));
            };
            let (m, manifest) = apply(policy, net, key)?;
            (Built::Autoencoder(m), manifest)
        }
    })
}
