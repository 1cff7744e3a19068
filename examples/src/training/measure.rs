//! Measurements a run takes outside burn-train: at initialisation (per-sample loss, gradient
//! norm, per-layer activation variance) and after training (per-sample validation error, the
//! symmetry of hidden units). Every reduction runs on the host in f64 — reductions on Mesa's
//! software Vulkan are cut short past 65 535 loop iterations (platform notes), and the report's
//! standard errors need the per-sample values anyway.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Gradients, Tensor};
use serde::{Deserialize, Serialize};

use super::data::ImageSet;
use super::models::Network;

/// Mean and standard error of a sample.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct MeanSe {
    /// Sample mean.
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    /// Standard error of the mean, sd/√n.
    #[serde(deserialize_with = "nan_if_null")]
    pub se: f64,
    /// Sample size.
    pub n: usize,
}

/// JSON has no NaN: serde_json writes a NaN (a diverged run's loss) as `null`; read it back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

impl MeanSe {
    /// Mean and standard error of `values`. The mean is NaN when empty and the standard error NaN
    /// below two values (one value says nothing about its spread, so no comparison built on it
    /// can clear a margin); any non-finite value makes the mean non-finite.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self {
                mean: f64::NAN,
                se: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            f64::NAN
        };
        Self {
            mean,
            se: (var / n as f64).sqrt(),
            n,
        }
    }
}

/// Variance and fraction of exact zeros of one hidden layer at initialisation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayerStat {
    /// The layer (`layer 3`, `block 2`, `logits`).
    pub name: String,
    /// Variance over the batch and the units (f64, on the host).
    pub variance: f64,
    /// Fraction of values that are exactly 0.
    pub zero_fraction: f64,
}

/// The state of a model at initialisation, on the probe batch.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InitProbe {
    /// Per-sample loss (cross-entropy, or squared error per pixel) at initialisation.
    pub loss: MeanSe,
    /// ‖∇θ L‖₂ over every parameter, for the mean loss of the probe batch.
    pub grad_norm: f64,
    /// Variance of the output (logits, or the reconstruction).
    pub output_variance: f64,
    /// Every traced layer.
    pub layers: Vec<LayerStat>,
}

/// Host copy of a 2-D tensor: `(rows, cols, values)`.
pub fn host(t: Tensor<2>) -> (usize, usize, Vec<f64>) {
    let [r, c] = t.dims();
    let values = t
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect();
    (r, c, values)
}

/// Population variance (f64).
pub fn variance(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
}

/// Per-sample cross-entropy of `[n, classes]` logits against `labels`, in f64 (log-sum-exp).
pub fn cross_entropy(rows: usize, cols: usize, logits: &[f64], labels: &[u8]) -> Vec<f64> {
    (0..rows)
        .map(|i| {
            let row = &logits[i * cols..(i + 1) * cols];
            let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            lse - row[labels[i] as usize]
        })
        .collect()
}

/// Per-sample correctness (1 or 0) of `[n, classes]` logits (first maximum wins; a row with a
/// non-finite logit is wrong, not "class 0").
pub fn correct(rows: usize, cols: usize, logits: &[f64], labels: &[u8]) -> Vec<f64> {
    (0..rows)
        .map(|i| {
            let row = &logits[i * cols..(i + 1) * cols];
            if row.iter().any(|v| !v.is_finite()) {
                return 0.0;
            }
            let arg = (0..cols).fold(0, |best, j| if row[j] > row[best] { j } else { best });
            f64::from(arg == labels[i] as usize)
        })
        .collect()
}

/// Per-sample mean squared error over the features.
pub fn squared_error(cols: usize, output: &[f64], target: &[f32]) -> Vec<f64> {
    output
        .chunks(cols)
        .zip(target.chunks(cols))
        .map(|(o, t)| {
            o.iter()
                .zip(t)
                .map(|(a, &b)| (a - b as f64).powi(2))
                .sum::<f64>()
                / cols as f64
        })
        .collect()
}

struct GradSquares<'a> {
    grads: &'a Gradients,
    sum: f64,
}

impl ModuleVisitor for GradSquares<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = param.val().grad(self.grads)
            && let Ok(values) = grad.into_data().convert::<f32>().try_into_vec::<f32>()
        {
            self.sum += values.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
        }
    }
}

/// ‖∇θ loss‖₂ over every float parameter of `model` (the model must live on an autodiff device).
pub fn grad_norm<M: Module>(model: &M, loss: Tensor<1>) -> f64 {
    let grads = loss.backward();
    let mut visitor = GradSquares {
        grads: &grads,
        sum: 0.0,
    };
    model.visit(&mut visitor);
    visitor.sum.sqrt()
}

/// Layer statistics of a trace.
pub fn layer_stats(trace: Vec<(String, Tensor<2>)>) -> Vec<LayerStat> {
    trace
        .into_iter()
        .map(|(name, t)| {
            let (_, _, values) = host(t);
            let zeros = values.iter().filter(|&&v| v == 0.0).count();
            LayerStat {
                name,
                variance: variance(&values),
                zero_fraction: zeros as f64 / values.len().max(1) as f64,
            }
        })
        .collect()
}

/// The network's outputs on every image of `set` (in chunks of `chunk`), on the host.
pub fn outputs<N: Network>(net: &N, set: &ImageSet, chunk: usize) -> (usize, Vec<f64>) {
    let device = net.devices()[0].clone();
    let mut cols = 0;
    let mut all = Vec::new();
    let indices: Vec<usize> = (0..set.len()).collect();
    for part in indices.chunks(chunk.max(1)) {
        let batch = set.batch(part, &device);
        let (_, c, values) = host(net.forward(batch.images));
        cols = c;
        all.extend(values);
    }
    (cols, all)
}

/// How far the hidden units of each `[d_in, d_out]` weight are from identical: for every layer,
/// max over units j of max_i |W[i, j] − W[i, 0]|, and the same over the bias (0 when every unit
/// is identical, as zero or constant initialisation leaves them forever); and how far training
/// moved the weights (so that identical units mean symmetry kept, not nothing learned).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitSpread {
    /// One value per hidden layer.
    pub per_layer: Vec<f64>,
    /// The largest.
    pub max: f64,
    /// max |W_trained − W_initial| over every hidden weight.
    pub moved: f64,
}

/// [`UnitSpread`] of the given `[d_in, d_out]` weights and `[d_out]` biases, after training
/// from `initial` (the same layers before training).
pub fn unit_spread(layers: &[(Tensor<2>, Option<Tensor<1>>)], initial: &[Tensor<2>]) -> UnitSpread {
    let moved = layers
        .iter()
        .zip(initial)
        .map(|((w, _), w0)| {
            let (_, _, after) = host(w.clone());
            let (_, _, before) = host(w0.clone());
            after
                .iter()
                .zip(&before)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max);
    let per_layer: Vec<f64> = layers
        .iter()
        .map(|(w, b)| {
            let (rows, cols, values) = host(w.clone());
            let mut spread = 0.0f64;
            for i in 0..rows {
                let row = &values[i * cols..(i + 1) * cols];
                for &v in row {
                    spread = spread.max((v - row[0]).abs());
                }
            }
            if let Some(b) = b {
                let (_, _, bias) = host(b.clone().unsqueeze::<2>());
                for &v in &bias {
                    spread = spread.max((v - bias[0]).abs());
                }
            }
            spread
        })
        .collect();
    let max = per_layer.iter().cloned().fold(0.0, f64::max);
    UnitSpread {
        per_layer,
        max,
        moved,
    }
}
