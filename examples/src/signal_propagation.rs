//! Signal propagation through a deep MLP at initialisation (claims §1–2).
//!
//! A plain MLP of `depth` square `width × width` layers without bias, x ~ N(0, 1). Each linear
//! layer multiplies the second moment by n·σ² times what the activation keeps (ReLU keeps 1/2),
//! so over L layers the product is (n·σ²·k)^L. The study records, for every layer, the
//! pre-activation second moment q_l = E[h_l²] and the activation variance, under each scheme.

use burn::tensor::{Device, Tensor};
use burn_init::{Fan, FanMode, Gain, Key, Nonlinearity, Scheme};
use serde::Serialize;

/// The activations studied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
}

impl Activation {
    /// Both activations, in table order.
    pub const ALL: [Activation; 2] = [Activation::Tanh, Activation::Relu];

    fn nonlinearity(self) -> Nonlinearity {
        match self {
            Self::Tanh => Nonlinearity::Tanh,
            Self::Relu => Nonlinearity::Relu,
        }
    }

    fn apply(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Tanh => x.tanh(),
            Self::Relu => burn::tensor::activation::relu(x),
        }
    }
}

/// The schemes compared, with the label printed for each.
pub fn schemes(activation: Activation) -> Vec<(&'static str, Scheme)> {
    let gain = Gain::Recommended(activation.nonlinearity());
    vec![
        ("zeros", Scheme::Zeros),
        ("pytorch_default", Scheme::PytorchDefault),
        ("xavier", Scheme::xavier_uniform(1.0)),
        ("xavier_gain", Scheme::XavierUniform { gain: gain.clone() }),
        (
            "he",
            Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu),
        ),
        ("lecun", Scheme::LecunNormal),
        ("orthogonal", Scheme::Orthogonal { gain }),
    ]
}

/// Size of the study.
#[derive(Debug, Clone, Serialize)]
pub struct StudyConfig {
    /// Number of layers.
    pub depth: usize,
    /// Width of every layer.
    pub width: usize,
    /// Number of input samples.
    pub batch: usize,
    /// Root seed: layer l's weight uses the key of path `layers.{l}.weight`.
    pub seed: u64,
}

impl Default for StudyConfig {
    fn default() -> Self {
        Self {
            depth: 50,
            width: 512,
            batch: 512,
            seed: 0,
        }
    }
}

/// One (activation, scheme) run.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// Activation of every layer.
    pub activation: Activation,
    /// Scheme label.
    pub scheme: &'static str,
    /// E[h_l²] of the pre-activations of layers 1..=depth.
    pub pre_activation_second_moment: Vec<f64>,
    /// Var[φ(h_l)] of layers 1..=depth.
    pub activation_variance: Vec<f64>,
}

/// Runs every (activation, scheme) pair on `device`.
pub fn run(config: &StudyConfig, device: &Device) -> burn_init::Result<Vec<Trace>> {
    let root = Key::new(config.seed);
    let input: Tensor<2> = Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample(
        [config.batch, config.width],
        None,
        root.for_path("input"),
        device,
    )?;
    let fan = Fan::linear(config.width, config.width);
    let mut traces = Vec::new();
    for activation in Activation::ALL {
        for (label, scheme) in schemes(activation) {
            let mut x = input.clone();
            let mut trace = Trace {
                activation,
                scheme: label,
                pre_activation_second_moment: Vec::with_capacity(config.depth),
                activation_variance: Vec::with_capacity(config.depth),
            };
            for layer in 0..config.depth {
                let key = root.for_path(&format!("layers.{layer}.weight"));
                let weight: Tensor<2> =
                    scheme.sample([config.width, config.width], Some(&fan), key, device)?;
                let h = x.matmul(weight);
                trace
                    .pre_activation_second_moment
                    .push(mean(h.clone().powi_scalar(2)));
                x = activation.apply(h);
                let m = mean(x.clone());
                trace
                    .activation_variance
                    .push((mean(x.clone().powi_scalar(2)) - m * m).max(0.0));
            }
            traces.push(trace);
        }
    }
    Ok(traces)
}

/// Mean of a `[batch, width]` tensor: one short reduction per row on the device, then the rows
/// on the host in f64. Mesa's llvmpipe silently cuts reductions over axes longer than its
/// 65,535-iteration loop cap, so wide rows are read back and reduced on the host instead.
fn mean(x: Tensor<2>) -> f64 {
    const DEVICE_AXIS_LIMIT: usize = 16_384;
    let [_, width] = x.dims();
    let data = if width <= DEVICE_AXIS_LIMIT {
        x.mean_dim(1).into_data()
    } else {
        x.into_data()
    };
    let values = data.try_to_vec::<f32>().expect("f32 tensor");
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
}

/// A claim of the theory, checked against the traces.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimCheck {
    /// The claim.
    pub claim: String,
    /// Whether the measurement supports it.
    pub holds: bool,
    /// The measured numbers behind the verdict.
    pub measured: String,
}

fn trace<'a>(traces: &'a [Trace], activation: Activation, scheme: &str) -> &'a Trace {
    traces
        .iter()
        .find(|t| t.activation == activation && t.scheme == scheme)
        .expect("every pair is run")
}

/// Range of q_l / q_1 over all layers, and the largest |ln(q_l/q_1)| in units of the
/// finite-width band of layer l (see [`band`]).
fn drift(trace: &Trace, width: usize) -> (f64, f64, f64) {
    let q = &trace.pre_activation_second_moment;
    q.iter()
        .enumerate()
        .skip(1)
        .fold((1.0f64, 1.0f64, 0.0f64), |(lo, hi, worst), (l, &v)| {
            let r = v / q[0];
            (
                lo.min(r),
                hi.max(r),
                worst.max(r.ln().abs() / band(l, width)),
            )
        })
}

/// How far ln q_l may wander from ln q_1 at a critical initialisation of finite width n:
/// 5 standard deviations of the fluctuation, whose variance grows like 5·l/n for ReLU networks
/// (Hanin & Rolnick 2018, "How to start training": Var ln‖x_l‖² ≈ 5·Σ 1/n_k). At width 128 and
/// depth 50 one network's q_50/q_1 can lie anywhere in ≈ [e⁻⁷, e⁷] by chance alone — a fixed
/// 0.1–10 band fails on some seeds — while a signal that dies like 2⁻ˡ leaves it by far.
fn band(layers: usize, width: usize) -> f64 {
    5.0 * (5.0 * layers as f64 / width as f64).sqrt()
}

/// The claims of §1–2 that this study measures (`width`: the network's width).
pub fn check_claims(traces: &[Trace], width: usize) -> Vec<ClaimCheck> {
    let mut checks = Vec::new();
    // ReLU at criticality has no attracting fixed point: q_l wanders (log-normally, see `band`).
    let (lo, hi, worst) = drift(trace(traces, Activation::Relu, "he"), width);
    checks.push(ClaimCheck {
        claim: "He on ReLU: ln(q_l/q_1) stays within the finite-width band ±5·√(5·l/n)".into(),
        holds: worst <= 1.0,
        measured: format!("q_l/q_1 in [{lo:.3}, {hi:.3}], worst |ln| = {worst:.2} of its band"),
    });
    // tanh with gain 5/3 converges to a non-zero fixed point q* (it neither dies nor explodes).
    let (lo, hi, _) = drift(trace(traces, Activation::Tanh, "xavier_gain"), width);
    checks.push(ClaimCheck {
        claim: "Xavier with tanh's gain 5/3 on tanh: q_l/q_1 settles within 0.1–10".into(),
        holds: lo >= 0.1 && hi <= 10.0,
        measured: format!("q_l/q_1 in [{lo:.3}, {hi:.3}]"),
    });
    let mut decays = |activation, scheme: &str, what: &str| {
        let q = &trace(traces, activation, scheme).pre_activation_second_moment;
        let ratio = q[q.len() - 1] / q[0];
        checks.push(ClaimCheck {
            claim: format!("{what}: the signal decays by orders of magnitude (q_L/q_1 < 1e-3)"),
            holds: ratio < 1e-3,
            measured: format!("q_L/q_1 = {ratio:.3e}"),
        });
    };
    decays(Activation::Relu, "xavier", "Xavier (gain 1) on ReLU");
    decays(
        Activation::Relu,
        "pytorch_default",
        "PyTorch's default on ReLU",
    );
    decays(
        Activation::Tanh,
        "pytorch_default",
        "PyTorch's default on tanh",
    );
    for activation in Activation::ALL {
        let q = &trace(traces, activation, "zeros").pre_activation_second_moment;
        checks.push(ClaimCheck {
            claim: format!("zeros on {activation:?}: every layer's signal is exactly 0"),
            holds: q.iter().all(|&v| v == 0.0),
            measured: format!("max q_l = {:e}", q.iter().copied().fold(0.0, f64::max)),
        });
    }
    checks
}

/// The compact table: q_l at layer 1, every 10th layer and the last.
pub fn table(traces: &[Trace]) -> String {
    let depth = traces
        .first()
        .map_or(0, |t| t.pre_activation_second_moment.len());
    let mut layers: Vec<usize> = std::iter::once(1).chain((10..depth).step_by(10)).collect();
    if depth > 1 {
        layers.push(depth);
    }
    let mut out = String::new();
    for activation in Activation::ALL {
        out += &format!("\n{activation:?}: pre-activation second moment E[h_l²] by layer l\n");
        out += &format!("{:<16}", "scheme");
        for l in &layers {
            out += &format!("{:>11}", format!("l={l}"));
        }
        out += "\n";
        for t in traces.iter().filter(|t| t.activation == activation) {
            out += &format!("{:<16}", t.scheme);
            for &l in &layers {
                out += &format!("{:>11.3e}", t.pre_activation_second_moment[l - 1]);
            }
            out += "\n";
        }
    }
    out
}
