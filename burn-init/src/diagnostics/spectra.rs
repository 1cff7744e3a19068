//! Spectra at initialisation: the spectral norm of each layer's Jacobian, and the empirical
//! neural tangent kernel of a small model (claims §8).
//!
//! **Layer Jacobians.** For two consecutive records a → b of a probed forward pass, J = ∂b/∂a.
//! Its largest singular value is found by power iteration on JᵀJ: Jv by a central difference
//! (the probe adds ±εv at a; Burn has no forward-mode autodiff), Jᵀu by one backward pass of
//! Σ b ⊙ u to a zero leaf at a. The map is the whole batch's, so for layers that treat examples
//! independently the result is the largest over the batch's per-example Jacobians. The forward
//! pass must run on an autodiff device.
//!
//! For a He-initialised ReLU layer of width n, J = W·D with D keeping about half of the
//! columns; random-matrix theory (Bai–Yin) puts ‖W·D‖₂ at σ(√n + √(n/2)) = 1 + √2 ≈ 2.41 for
//! σ² = 2/n, and Xavier (σ² = 1/n) at (1 + √2)/√2 ≈ 1.71. The claim "spectral radius → 1" is
//! about eigenvalues (|λ| ≤ √(n·σ²/2) = 1 for He); singular values are larger.
//!
//! **Empirical NTK.** Θ = G·Gᵀ with G the Jacobian of every output value (N examples × K
//! outputs) with respect to every parameter: one backward pass per output value. Its trace sets
//! the size of the first gradient steps and its condition number λ_max/λ_min how unevenly they
//! move. Limited to models of at most [`NTK_MAX_PARAMETERS`] parameters and 2 048 output values.

use crate::error::{self, DiagnosisError, InitError};
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Gradients, Tensor};
use serde::{Deserialize, Serialize};

use super::probe::Probe;
use super::stats::host_f32;
use crate::Scheme;
use crate::sampling::Key;

/// The largest model [`empirical_ntk`] accepts: G holds N·K × P f64 values.
pub const NTK_MAX_PARAMETERS: usize = 100_000;
/// The most output values (N·K rows of G) [`empirical_ntk`] accepts.
pub const NTK_MAX_OUTPUTS: usize = 2_048;

/// The spectral norm of one layer's Jacobian.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JacobianNorm {
    /// The input record.
    pub from: String,
    /// The output record.
    pub to: String,
    /// ‖J‖₂, the largest singular value.
    pub norm: f64,
    /// Power iterations run.
    pub iterations: usize,
    /// Whether the estimate changed by less than the tolerance in the last iteration.
    pub converged: bool,
}

/// Power-iteration settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerIteration {
    /// Most iterations per layer (default 30).
    pub max_iterations: usize,
    /// Relative change of the estimate that ends the iteration (default 10⁻³).
    pub tolerance: f64,
    /// Size of the central-difference step, relative to ‖a‖ (default 10⁻³).
    pub step: f64,
    /// Seed of the starting vectors.
    pub seed: u64,
}

impl Default for PowerIteration {
    fn default() -> Self {
        Self {
            max_iterations: 30,
            tolerance: 1e-3,
            step: 1e-3,
            seed: 0,
        }
    }
}

fn norm(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

fn scaled(v: &[f32], s: f64) -> Vec<f32> {
    v.iter().map(|&x| (f64::from(x) * s) as f32).collect()
}

/// ‖∂b/∂a‖₂ for every consecutive pair of records (a, b) that `forward` makes, by power
/// iteration (see the [module documentation](self)). `forward` runs 3 times per iteration.
pub fn jacobian_norms<R>(
    forward: impl Fn() -> R,
    settings: PowerIteration,
) -> error::Result<Vec<JacobianNorm>> {
    error::positive("tolerance", settings.tolerance)?;
    error::positive("step", settings.step)?;
    if settings.max_iterations == 0 {
        return Err(InitError::out_of_domain(
            "max_iterations",
            0_usize,
            "at least 1",
        ));
    }
    let (_, trace) = Probe::new().capture(&forward)?;
    let names: Vec<String> = trace.records().iter().map(|r| r.name.clone()).collect();
    names
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            layer_norm(&forward, &pair[0], &pair[1], settings, i as u64).map_err(|e| {
                InitError::Diagnosis(DiagnosisError::AtActivation {
                    name: pair[1].clone(),
                    source: Box::new(e),
                })
            })
        })
        .collect()
}

fn layer_norm<R>(
    forward: &impl Fn() -> R,
    from: &str,
    to: &str,
    settings: PowerIteration,
    index: u64,
) -> error::Result<JacobianNorm> {
    let (_, base) = Probe::new().keeping_tensors().capture(forward)?;
    let a = base.kept(from).ok_or_else(|| missing(from))?;
    let n = a.host().len();
    // The step is relative to ‖a‖; an all-zero a (a zero or dead layer) gets √n instead.
    let scale = match norm(&a.host()) {
        s if s > 0.0 => s,
        _ => (n as f64).sqrt(),
    };
    let start = Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample_host(&[n], None, Key::new(settings.seed).fold_in(index))?;
    let mut v = scaled(&start, 1.0 / norm(&start));
    let (mut estimate, mut converged, mut iterations) = (0.0_f64, false, 0);
    while iterations < settings.max_iterations && !converged {
        iterations += 1;
        // Jv by a central difference with a step of `step`·‖a‖.
        let eps = settings.step * scale;
        let side = |sign: f64| -> error::Result<Vec<f32>> {
            let delta = a.like(&scaled(&v, sign * eps));
            let (_, t) = Probe::new()
                .keeping_tensors()
                .perturbing_boxed(from, delta)
                .capture(forward)?;
            Ok(t.kept(to).ok_or_else(|| missing(to))?.host())
        };
        let (plus, minus) = (side(1.0)?, side(-1.0)?);
        let jv: Vec<f32> = plus
            .iter()
            .zip(&minus)
            .map(|(p, m)| ((f64::from(*p) - f64::from(*m)) / (2.0 * eps)) as f32)
            .collect();
        let sigma = norm(&jv);
        // Jᵀ(Jv) by a backward pass of Σ b ⊙ Jv to the leaf at a.
        let (_, t) = Probe::new()
            .with_gradients(true)
            .keeping_tensors()
            .capture(forward)?;
        let loss = t.kept(to).ok_or_else(|| missing(to))?.dot(&jv);
        if !loss.is_tracked() {
            return Err(not_tracked());
        }
        let grads: Gradients = loss.backward();
        // No gradient reaches a's leaf when b does not depend on a (parallel branches): J = 0.
        let jtjv = t
            .leaf_gradient(from, &grads)
            .unwrap_or_else(|| vec![0.0; n]);
        let size = norm(&jtjv);
        converged = iterations > 1 && (sigma - estimate).abs() <= settings.tolerance * sigma;
        estimate = sigma;
        if size == 0.0 || !size.is_finite() {
            break;
        }
        v = scaled(&jtjv, 1.0 / size);
    }
    Ok(JacobianNorm {
        from: from.to_string(),
        to: to.to_string(),
        norm: estimate,
        iterations,
        converged,
    })
}

fn missing(name: &str) -> InitError {
    InitError::Diagnosis(DiagnosisError::UnknownProbe {
        name: name.to_string(),
        by: "jacobian_norms".to_string(),
    })
}

fn not_tracked() -> InitError {
    InitError::out_of_domain(
        "forward",
        "a pass not tracked by autodiff",
        "a forward pass on an autodiff device (`device.autodiff()`)",
    )
}

/// The empirical NTK of a model on one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ntk {
    /// Its eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// tr Θ.
    pub trace: f64,
    /// λ_max/λ_min (∞ when λ_min ≤ 0 in floating point).
    pub condition: f64,
    /// Rows of G: output values.
    pub outputs: usize,
    /// Columns of G: parameters.
    pub parameters: usize,
}

/// Collects every parameter's gradient into one host row.
struct Row<'g> {
    grads: &'g Gradients,
    row: Vec<f64>,
}

impl ModuleVisitor for Row<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let len = value.shape().num_elements();
        match value.grad(self.grads) {
            Some(grad) => self.row.extend(
                host_f32(grad)
                    .map_or_else(|_| vec![0.0; len], |(v, _)| v)
                    .into_iter()
                    .map(f64::from),
            ),
            None => self.row.extend(std::iter::repeat_n(0.0, len)),
        }
    }
}

/// Θ = G·Gᵀ of `outputs(model)` (every value of the returned tensor is one row of G) with
/// respect to every parameter of `model`, which must live on an autodiff device.
pub fn empirical_ntk<M: Module, const D: usize>(
    model: &M,
    outputs: impl Fn(&M) -> Tensor<D>,
) -> error::Result<Ntk> {
    let parameters = model.num_params();
    if parameters > NTK_MAX_PARAMETERS {
        return Err(InitError::out_of_domain(
            "model",
            parameters,
            "at most 100 000 parameters for the empirical NTK",
        ));
    }
    let count = outputs(model).shape().num_elements();
    if count == 0 || count > NTK_MAX_OUTPUTS {
        return Err(InitError::out_of_domain(
            "outputs",
            count,
            "between 1 and 2 048 output values",
        ));
    }
    let mut g = faer::Mat::<f64>::zeros(count, parameters);
    for r in 0..count {
        let out = outputs(model).reshape([count]).narrow(0, r, 1).sum();
        if !out.is_tracked() {
            return Err(not_tracked());
        }
        let grads = out.backward();
        let mut row = Row {
            grads: &grads,
            row: Vec::with_capacity(parameters),
        };
        model.visit(&mut row);
        for (c, x) in row.row.into_iter().enumerate().take(parameters) {
            g[(r, c)] = x;
        }
    }
    let theta = &g * g.transpose();
    let mut eigenvalues = theta
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .map_err(|_| {
            InitError::out_of_domain("ntk", count, "a kernel whose eigenvalues converge")
        })?;
    eigenvalues.sort_by(f64::total_cmp);
    let max = eigenvalues.last().copied().unwrap_or(0.0);
    let min = eigenvalues.first().copied().unwrap_or(0.0);
    Ok(Ntk {
        trace: (0..count).map(|i| theta[(i, i)]).sum(),
        condition: if min > 0.0 { max / min } else { f64::INFINITY },
        eigenvalues,
        outputs: count,
        parameters,
    })
}
