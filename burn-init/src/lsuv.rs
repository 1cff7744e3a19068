//! Layer-sequential unit-variance initialisation (Mishkin & Matas 2016, "All you need is a
//! good init"): an orthonormal start, then, layer by layer in forward order, rescale the layer
//! until its output on one batch has unit variance.
//!
//! The paper's algorithm: pre-initialise with orthonormal matrices; for each layer L, while
//! |Var(B_L) − 1| ≥ Tol_var and fewer than T_max iterations: W_L ← W_L / √Var(B_L), where B_L is
//! the layer's output on a batch. Here:
//!
//! * a layer is a probed record whose name is a layer's path (`layers.0` for the parameters
//!   `layers.0.weight` and `layers.0.bias`): record the output of each layer to normalise (before
//!   its activation, as the paper does) under its path, see [`probe`](crate::diagnostics::probe);
//!   records naming no layer are ignored;
//! * the weight **and the bias** are scaled by 1/√Var: the output of an affine layer then scales
//!   exactly, so a layer converges in one iteration unless something downstream of it (a norm,
//!   a residual sum recorded under the same name) is not homogeneous;
//! * the tolerance is relative: |Var − target| < tolerance·target (the paper's Tol_var = 0.1 for
//!   a target of 1);
//! * the start is keyed (`key`), the batch is the caller's: the same key and batch give the same
//!   weights. Each layer's final scale is recorded in the manifest (multiplier, target std and
//!   drawn moments updated, and a note).

use crate::error::{self, ArgumentError, DiagnosisError, InitError};
use std::collections::HashMap;

use burn::config::Config;
use burn::module::Module;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Probe;
use crate::policy::walk::{Lister, Scaler};
use crate::policy::{Manifest, Policy, Refused};
use crate::sampling::Key;

/// LSUV settings. See the [module documentation](self).
#[derive(Config, Debug, PartialEq)]
pub struct Lsuv {
    /// The output variance every layer is brought to.
    #[config(default = 1.0)]
    pub target_variance: f64,
    /// Relative tolerance on the variance (the paper's Tol_var).
    #[config(default = 0.1)]
    pub tolerance: f64,
    /// Most rescaling iterations per layer (the paper's T_max).
    #[config(default = 10)]
    pub max_iterations: usize,
    /// The start; `None` is the paper's: [`Policy::orthogonal`] with gain 1, zero biases.
    #[config(default = "None")]
    pub start: Option<Policy>,
}

/// What LSUV did to one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsuvLayer {
    /// The record (and layer path).
    pub layer: String,
    /// The parameters scaled.
    pub parameters: Vec<String>,
    /// The product of the scales applied.
    pub scale: f64,
    /// The output variance before any scaling.
    pub initial_variance: f64,
    /// The output variance after the last scaling.
    pub variance: f64,
    /// Rescaling iterations run.
    pub iterations: usize,
    /// Whether the variance is within the tolerance.
    pub converged: bool,
}

impl Lsuv {
    fn check(&self) -> error::Result<()> {
        error::positive("target_variance", self.target_variance)?;
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(InitError::out_of_domain(
                "tolerance",
                self.tolerance,
                "a relative tolerance in (0, 1)",
            ));
        }
        if self.max_iterations == 0 {
            return Err(InitError::out_of_domain(
                "max_iterations",
                0_usize,
                "at least 1",
            ));
        }
        Ok(())
    }

    /// Applies the start policy with `key`, then rescales every probed layer of
    /// `forward(&model)` in forward order. On error the model comes back unchanged.
    pub fn apply<M: Module, R>(
        &self,
        model: M,
        key: impl Into<Key>,
        forward: impl Fn(&M) -> R,
    ) -> Result<(M, Manifest, Vec<LsuvLayer>), Refused<M>> {
        if let Err(error) = self.check() {
            return Err(Refused { model, error });
        }
        let original = model.clone();
        let start = self
            .start
            .clone()
            .unwrap_or_else(|| Policy::orthogonal(1.0));
        let (mut model, mut manifest) = start.apply(model, key.into())?;
        let mut lister = Lister::default();
        model.visit(&mut lister);
        let refuse = |error| Refused {
            model: original.clone(),
            error,
        };
        let (_, trace) = Probe::new().capture(|| forward(&model)).map_err(&refuse)?;
        let mut layers = Vec::new();
        for record in trace.records() {
            let parameters: Vec<String> = lister
                .params
                .iter()
                .filter(|p| p.layer_path == record.name && !p.is_running_statistic())
                .map(|p| p.path.clone())
                .collect();
            if parameters.is_empty() {
                continue;
            }
            let mut layer = LsuvLayer {
                layer: record.name.clone(),
                parameters,
                scale: 1.0,
                initial_variance: f64::NAN,
                variance: f64::NAN,
                iterations: 0,
                converged: false,
            };
            loop {
                let variance = self
                    .measure(&model, &forward, &layer.layer)
                    .map_err(&refuse)?;
                if layer.iterations == 0 {
                    layer.initial_variance = variance;
                }
                layer.variance = variance;
                layer.converged =
                    (variance - self.target_variance).abs() < self.tolerance * self.target_variance;
                if layer.converged || layer.iterations == self.max_iterations {
                    break;
                }
                if !(variance > 0.0 && variance.is_finite()) {
                    return Err(refuse(InitError::Diagnosis(DiagnosisError::AtActivation {
                        name: layer.layer.clone(),
                        source: Box::new(InitError::out_of_domain(
                            "variance",
                            variance,
                            "a positive output variance to rescale (a layer whose output is constant cannot be normalised)",
                        )),
                    })));
                }
                let factor = (self.target_variance / variance).sqrt();
                let factors: HashMap<String, f64> = layer
                    .parameters
                    .iter()
                    .map(|p| (p.clone(), factor))
                    .collect();
                model = model.map(&mut Scaler::new(&factors));
                layer.scale *= factor;
                layer.iterations += 1;
            }
            record_scale(&mut manifest, &layer);
            layers.push(layer);
        }
        if layers.is_empty() {
            return Err(refuse(InitError::Argument(ArgumentError::Shape {
                argument: "forward",
                reason: format!(
                    "none of its {} records names a layer of the model: record each layer's output under the layer's path (`layers.0` for `layers.0.weight`)",
                    trace.records().len()
                ),
            })));
        }
        Ok((model, manifest, layers))
    }

    fn measure<M, R>(
        &self,
        model: &M,
        forward: &impl Fn(&M) -> R,
        name: &str,
    ) -> error::Result<f64> {
        let (_, trace) = Probe::new().capture(|| forward(model))?;
        let record = trace.get(name).ok_or_else(|| {
            InitError::Diagnosis(DiagnosisError::UnknownProbe {
                name: name.to_string(),
                by: "lsuv".to_string(),
            })
        })?;
        // The probe refuses NaN; ±∞ it counts (the diagnosis flags it as an overflow), and the
        // variance of the finite rest would describe another tensor: LSUV "converged" on it.
        if record.stats.infinite > 0 {
            return Err(InitError::Diagnosis(DiagnosisError::NonFinite {
                layer: name.to_string(),
                count: record.stats.infinite,
                total: record.stats.n,
            }));
        }
        Ok(record.stats.var)
    }
}

/// The layer's scale in its parameters' manifest entries.
fn record_scale(manifest: &mut Manifest, layer: &LsuvLayer) {
    for entry in manifest
        .entries
        .iter_mut()
        .filter(|e| layer.parameters.contains(&e.path))
    {
        let s = layer.scale;
        entry.multiplier *= s;
        entry.target_std = entry.target_std.map(|t| t * s.abs());
        entry.drawn_std = entry.drawn_std.map(|t| t * s.abs());
        entry.drawn_mean = entry.drawn_mean.map(|m| m * s);
        entry.assumptions.push(format!(
            "LSUV ×{s:.4} ({} iterations, output variance {:.4} → {:.4})",
            layer.iterations, layer.initial_variance, layer.variance
        ));
    }
}
