//! A report on any Burn `Module` at initialisation: every parameter and every recorded
//! activation, forward and backward, with the theory's prediction beside the measurement.
//!
//! [`Diagnosis::run`] runs one forward pass under a [`Probe`] (activations recorded by the
//! model's `forward`, see [`probe`](super::probe)), one backward pass when the loss is tracked
//! (a model built on `device.autodiff()`), then reads every parameter and its gradient.
//!
//! Flags, each derived rather than guessed:
//! * **variance mismatch** — a record's measured variance is more than `sigmas` standard errors
//!   (+ a relative `slack`) from the variance its module declared ([`Expected`]). The standard
//!   error is taken across units ([`stats`](super::stats)) and evaluated at the prediction;
//!   for a ratio both records' errors are added in quadrature (conservative: they are
//!   positively correlated); a [`Expected::Moment`] compares second moments and adds the
//!   rectifier's spread. The deviation is Student-t with units − 1 degrees of freedom and is
//!   compared on the normal scale ([`t_to_normal`](super::stats::t_to_normal));
//! * **std mismatch** — a parameter's drawn std is more than `sigmas` standard errors (i.i.d.
//!   entries) + `slack`·target + 10⁻⁶ relative (f32 rounding) from the manifest's target (the
//!   weights are not what the policy says it drew);
//! * **FP16 overflow / subnormal** — any value above FP16's maximum, or at least
//!   [`Tolerance::subnormal`] of the values below its smallest normal;
//! * **dead** — at least `dead` of an activation's values are exactly zero;
//! * **symmetric** — units of a weight are exact copies ([`symmetry`](super::symmetry)) and
//!   the gradients do not separate them (equal non-zero gradients, all-zero gradients, or no
//!   backward pass).

use crate::error::{self, DiagnosisError, InitError, PolicyError};
use std::collections::HashMap;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::kind::Basic;
use burn::tensor::{Gradients, Tensor};
use serde::{Deserialize, Serialize};

use super::batch::BatchStats;
use super::flags::{Flag, Tolerance, headroom_flags};
use super::headroom::int8_scale;
use super::health::{self, Health, InputStats, Optimizer, Verdict};
use super::probe::{Expected, Probe, Record};
use super::rows::{ActivationRow, ParameterRow};
use super::stats::{TensorStats, host_f32};
use super::stats::{t_to_normal, units_dof};
use super::symmetry::{identical_nonzero_units, identical_units, unit_axis};
use crate::fan::Fan;
use crate::policy::{self, Manifest};
use crate::sampling::Key;

/// The report. `Display` prints the verdict, then the tables; [`Report::to_json`] serialises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Will it train: the verdict for the stated optimiser, its reasons, the signal per record
    /// and, from [`Diagnosis::run_and_fix`], the fix.
    pub health: Health,
    /// The batch, when it is a float tensor: the reference of the forward signal.
    pub input: Option<InputStats>,
    /// The loss at initialisation.
    pub loss: f64,
    /// Whether a backward pass ran (the loss was tracked by autodiff).
    pub backward: bool,
    /// The tolerance the flags used.
    pub tolerance: Tolerance,
    /// Every float parameter, in module order.
    pub parameters: Vec<ParameterRow>,
    /// Every recorded activation, in forward order.
    pub activations: Vec<ActivationRow>,
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// Every flag with where it was raised (parameter path or record name).
    pub fn flags(&self) -> Vec<(&str, &Flag)> {
        let params = self
            .parameters
            .iter()
            .flat_map(|p| p.flags.iter().map(move |f| (p.path.as_str(), f)));
        let acts = self
            .activations
            .iter()
            .flat_map(|a| a.flags.iter().map(move |f| (a.name.as_str(), f)));
        params.chain(acts).collect()
    }

    /// The activation row named `name`.
    pub fn activation(&self, name: &str) -> Option<&ActivationRow> {
        self.activations.iter().find(|a| a.name == name)
    }

    /// The health for another optimiser, from the same measurements (no second forward pass;
    /// the fix is not searched again).
    pub fn assess(&self, optimizer: Optimizer) -> Health {
        Health::assess(
            optimizer,
            self.input.as_ref(),
            &self.activations,
            &self.parameters,
        )
    }

    /// The parameter row at `path`.
    pub fn parameter(&self, path: &str) -> Option<&ParameterRow> {
        self.parameters.iter().find(|p| p.path == path)
    }
}

/// Builds a [`Report`]. See the [diagnostics module](crate::diagnostics).
#[derive(Debug, Clone, Default)]
pub struct Diagnosis<'a> {
    manifest: Option<&'a Manifest>,
    tolerance: Tolerance,
    optimizer: Optimizer,
}

impl<'a> Diagnosis<'a> {
    /// Default tolerance, no manifest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compare drawn weights with this manifest's targets (`None`: no comparison).
    pub fn with_manifest(mut self, manifest: impl Into<Option<&'a Manifest>>) -> Self {
        self.manifest = manifest.into();
        self
    }

    /// Flag thresholds.
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The optimiser the verdict is for (default [`Optimizer::Adam`]).
    pub fn for_optimizer(mut self, optimizer: Optimizer) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// [`Diagnosis::run`], and when the verdict is not *trains*, the smallest policy change that
    /// heals the model ([`Fix`](super::health::Fix)): each candidate policy is applied with `key`
    /// to a clone of `model` and the clone diagnosed again (`model` itself is not changed).
    ///
    /// ```
    /// use burn::nn::{Linear, LinearConfig};
    /// use burn::tensor::{Device, Tensor, activation::relu};
    /// use burn_init::diagnostics::{probe, Diagnosis, Verdict};
    /// use burn_init::policy::Policy;
    /// use burn_init::{Key, Nonlinearity};
    ///
    /// #[derive(burn::module::Module, Debug)]
    /// struct Net { layers: Vec<Linear> }
    ///
    /// let device = Device::default().autodiff();
    /// let layers = (0..12).map(|_| LinearConfig::new(64, 64).init(&device)).collect();
    /// // Glorot with gain 1 on a ReLU stack halves the signal at every layer.
    /// let (net, _) = Policy::xavier(Nonlinearity::Linear).apply(Net { layers }, Key::new(0)).unwrap();
    /// let x = Tensor::<2>::random([128, 64], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    /// let report = Diagnosis::new()
    ///     .run_and_fix(&net, Key::new(1), x, |net, x| {
    ///         let mut h = x;
    ///         for (i, layer) in net.layers.iter().enumerate() {
    ///             h = probe::record(format_args!("layers.{i}"), layer.forward(relu(h)));
    ///         }
    ///         h.powi_scalar(2).mean()
    ///     })
    ///     .unwrap();
    /// assert_eq!(report.health.verdict, Verdict::AtRisk); // Adam copes, slowly
    /// assert_eq!(report.health.fix.unwrap().verdict, Verdict::Trains); // He heals it
    /// ```
    pub fn run_and_fix<M, const D: usize, K>(
        &self,
        model: &M,
        key: impl Into<Key>,
        batch: Tensor<D, K>,
        loss: impl Fn(&M, Tensor<D, K>) -> Tensor<1>,
    ) -> error::Result<Report>
    where
        M: Module,
        K: Basic,
    {
        let key = key.into();
        let mut report = self.run(model, batch.clone(), &loss)?;
        if report.health.verdict == Verdict::Trains {
            return Ok(report);
        }
        let candidates = health::candidates(&report.health, &report.parameters);
        // The manifest's targets belong to the model's own policy, not to the candidate's.
        let plain = Self {
            manifest: None,
            ..self.clone()
        };
        report.health.fix = health::search(report.health.verdict, candidates, |policy| {
            let (fixed, _) = policy.apply(model.clone(), key).ok()?;
            let again = plain.run(&fixed, batch.clone(), &loss).ok()?;
            Some(again.health.verdict)
        });
        Ok(report)
    }

    /// Runs `loss(model, batch)` (forward, records, loss), one backward pass when the loss is
    /// tracked, and reads every parameter.
    ///
    /// Errors: an empty batch, a loss that is not one element, NaN in the loss or in a recorded
    /// activation (naming it), a probe name recorded twice, an invalid tolerance.
    pub fn run<M, const D: usize, K>(
        &self,
        model: &M,
        batch: Tensor<D, K>,
        loss: impl FnOnce(&M, Tensor<D, K>) -> Tensor<1>,
    ) -> error::Result<Report>
    where
        M: Module,
        K: Basic,
    {
        let t = self.tolerance;
        error::positive("sigmas", t.sigmas)?;
        error::non_negative("slack", t.slack)?;
        error::positive("int8_delta", t.int8_delta)?;
        error::non_negative("subnormal", t.subnormal)?;
        if !(t.dead > 0.0 && t.dead <= 1.0) {
            return Err(InitError::out_of_domain(
                "dead",
                t.dead,
                "a fraction in (0, 1]",
            ));
        }
        if batch.shape().num_elements() == 0 {
            return Err(InitError::Diagnosis(DiagnosisError::EmptyBatch {
                shape: batch.dims().to_vec(),
            }));
        }
        let layout = policy::layout(model)?;
        let input = input_stats(&batch)?;
        let (loss, mut trace) = Probe::new()
            .with_gradients(true)
            .capture(|| loss(model, batch))?;
        let loss_shape = loss.dims().to_vec();
        if loss.shape().num_elements() != 1 {
            return Err(InitError::Diagnosis(DiagnosisError::NonScalarLoss {
                shape: loss_shape,
            }));
        }
        let loss_value = f64::from(host_f32(loss.clone())?.0[0]);
        if !loss_value.is_finite() {
            return Err(InitError::Diagnosis(DiagnosisError::NonFinite {
                layer: "loss".into(),
                count: 1,
                total: 1,
            }));
        }
        let grads = loss.is_tracked().then(|| loss.backward());
        if let Some(grads) = &grads {
            trace.read_gradients(grads)?;
        }
        let parameters = self.parameters(model, &layout, grads.as_ref())?;
        let activations = self.activations(trace.into_records())?;
        let health = Health::assess(self.optimizer, input.as_ref(), &activations, &parameters);
        Ok(Report {
            health,
            input,
            loss: loss_value,
            backward: grads.is_some(),
            tolerance: t,
            parameters,
            activations,
        })
    }

    fn parameters<M: Module>(
        &self,
        model: &M,
        layout: &[(policy::ParamInfo, Option<Fan>)],
        grads: Option<&Gradients>,
    ) -> error::Result<Vec<ParameterRow>> {
        let mut reader = Reader {
            grads,
            axes: layout
                .iter()
                .map(|(info, _)| (info.id, unit_axis(&info.layer, info.shape.len())))
                .collect(),
            read: HashMap::new(),
        };
        model.visit(&mut reader);
        layout
            .iter()
            .map(|(info, fan)| {
                // `get`, not `remove`: a tied parameter appears at several paths with one id.
                let read = reader
                    .read
                    .get(&info.id)
                    .ok_or_else(|| {
                        InitError::Policy(PolicyError::ModelChanged {
                            path: info.path.clone(),
                        })
                    })?
                    .clone()
                    .map_err(|e| policy::at_parameter(info, e))?;
                let entry = self.manifest.and_then(|m| m.get(&info.path));
                let target_std = entry.and_then(|e| e.target_std);
                let mut flags = Vec::new();
                if let Some(target) = target_std {
                    let (drawn, se) = read.values.std_and_se();
                    let off = (drawn - target).abs();
                    let allowed = self.tolerance.sigmas * se
                        + self.tolerance.slack * target
                        + 1e-6 * target.max(drawn);
                    if off > allowed {
                        flags.push(Flag::StdMismatch {
                            target,
                            drawn,
                            sigmas: if se > 0.0 { off / se } else { f64::MAX },
                        });
                    }
                }
                headroom_flags(&read.values, self.tolerance.subnormal, &mut flags);
                // Copies are a failure only if the gradients do not tell them apart: equal
                // non-zero gradients, all-zero gradients, or none measured. A zero last layer
                // (Fixup, zero-γ) has copies that its first step separates: not flagged.
                let gradients_tie = match (&read.gradient, read.identical_gradient_units) {
                    (Some(g), Some(twins)) => twins > 0 || g.rms == 0.0,
                    _ => true,
                };
                if read.units >= 2 && read.identical_units > 0 && gradients_tie {
                    flags.push(Flag::Symmetric {
                        units: read.identical_units,
                    });
                }
                let grad_to_weight = read
                    .gradient
                    .as_ref()
                    .and_then(|g| (read.values.rms > 0.0).then(|| g.rms / read.values.rms));
                Ok(ParameterRow {
                    path: info.path.clone(),
                    layer: info.layer.clone(),
                    shape: info.shape.clone(),
                    fan: *fan,
                    scheme: entry.and_then(|e| e.scheme.as_ref().map(|s| s.name().to_string())),
                    target_std,
                    values: read.values,
                    gradient: read.gradient,
                    grad_to_weight,
                    identical_units: read.identical_units,
                    identical_gradient_units: read.identical_gradient_units,
                    units: read.units,
                    flags,
                })
            })
            .collect()
    }

    fn activations(&self, records: Vec<Record>) -> error::Result<Vec<ActivationRow>> {
        let t = self.tolerance;
        let mut rows: Vec<ActivationRow> = Vec::with_capacity(records.len());
        for record in records {
            let reference = record.expected.as_ref().and_then(Expected::reference);
            let prediction = match (&record.expected, reference) {
                (Some(Expected::Variance(v)), _) => {
                    Some((*v, record.stats.se_var, record.stats.var))
                }
                (_, None) => None,
                (_, Some((of, ratio, offset, second_moment))) => {
                    let base = rows.iter().find(|r| r.name == of).ok_or_else(|| {
                        InitError::Diagnosis(DiagnosisError::UnknownProbe {
                            name: of.to_string(),
                            by: record.name.clone(),
                        })
                    })?;
                    let reference = if second_moment {
                        base.values.rms * base.values.rms
                    } else {
                        base.values.var
                    };
                    let predicted = ratio * reference + offset;
                    // A Moment predicts E[z²] over the weights' draw, so the record's second
                    // moment is measured: its variance lacks the square of the mean across units
                    // and batch, a bias of −ρ/U (ρ the examples' mean correlation, U the units) —
                    // −0.4 SE on average at a 10-unit read-out.
                    let measured = if second_moment {
                        record.stats.rms * record.stats.rms
                    } else {
                        record.stats.var
                    };
                    // The record's own error evaluated at the prediction (its relative SE times
                    // the predicted variance): the SE measured at the measured variance shrinks
                    // when the variance comes out low, which biased z negative (mean −0.6 at a
                    // 10-unit read-out over 100 draws) and made it heavy-tailed.
                    let own = if measured > 0.0 {
                        record.stats.se_var / measured * predicted.abs()
                    } else {
                        record.stats.se_var
                    };
                    let se = match &record.expected {
                        // Given the measured input, the noise is this layer's weights (across
                        // units) and the rectifier's per-unit asymmetry (see Expected::Moment).
                        Some(Expected::Moment { rectified, .. }) => {
                            let asymmetry = base.batch.as_ref().map_or(0.0, |b| b.se_rectified);
                            own.hypot(ratio * rectified * asymmetry)
                        }
                        // Conservative: both records' errors in quadrature.
                        _ => own.hypot(ratio * base.values.se_var),
                    };
                    Some((predicted, se, measured))
                }
            };
            let mut flags = Vec::new();
            // The SE is estimated across the record's units: (measured − predicted)/SE is
            // Student-t with units − 1 degrees of freedom, compared on the normal scale.
            let dof = units_dof(&record.shape);
            let z = prediction
                .and_then(|(p, se, m)| (se > 0.0).then(|| t_to_normal((m - p) / se, dof)));
            if let Some((predicted, se, measured)) = prediction {
                let beyond = (measured - predicted).abs() - t.slack * predicted.abs();
                let sigmas = if se > 0.0 {
                    t_to_normal(beyond / se, dof)
                } else {
                    f64::MAX
                };
                if beyond > 0.0 && sigmas > t.sigmas {
                    flags.push(Flag::VarianceMismatch {
                        predicted,
                        measured,
                        sigmas: z.map_or(f64::MAX, f64::abs),
                    });
                }
            }
            headroom_flags(&record.stats, t.subnormal, &mut flags);
            if record.stats.zero_fraction >= t.dead {
                flags.push(Flag::Dead {
                    fraction: record.stats.zero_fraction,
                });
            }
            let variance = prediction.map_or(record.stats.var, |(p, ..)| p);
            rows.push(ActivationRow {
                name: record.name,
                shape: record.shape,
                int8_scale: int8_scale(variance, t.int8_delta).ok(),
                values: record.stats,
                predicted_var: prediction.map(|(p, ..)| p),
                se: prediction.map_or(0.0, |(_, se, _)| se),
                z,
                batch: record.batch,
                gradient: record.gradient,
                logits: record.logits,
                flags,
            });
        }
        Ok(rows)
    }
}

/// The batch's statistics when it holds floats (an integer batch — token ids — is no signal).
fn input_stats<const D: usize, K: Basic>(
    batch: &Tensor<D, K>,
) -> error::Result<Option<InputStats>> {
    if !batch.dtype().is_float() {
        return Ok(None);
    }
    let shape = batch.dims().to_vec();
    let values = batch
        .clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|refused| {
            InitError::out_of_domain("batch", format!("{refused:?}"), "a float tensor")
        })?;
    Ok(Some(InputStats {
        values: TensorStats::of(&values, &shape)?,
        batch: BatchStats::of(&values, &shape),
    }))
}

/// What the reader measured of one parameter.
#[derive(Clone)]
struct Read {
    values: TensorStats,
    gradient: Option<TensorStats>,
    identical_units: usize,
    identical_gradient_units: Option<usize>,
    units: usize,
}

/// Reads every parameter's values and gradient, keyed by id.
struct Reader<'g> {
    grads: Option<&'g Gradients>,
    axes: HashMap<ParamId, Option<usize>>,
    read: HashMap<ParamId, error::Result<Read>>,
}

impl ModuleVisitor for Reader<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let axis = self.axes.get(&param.id).copied().flatten();
        let value = param.val();
        let read = (|| {
            let (values, shape) = host_f32(value.clone())?;
            let stats = TensorStats::iid(&values)?;
            let units = axis.map_or(0, |a| shape[a]);
            let identical = axis.map_or(0, |a| identical_units(&values, &shape, a));
            let (gradient, identical_gradient_units) = match self.grads.and_then(|g| value.grad(g))
            {
                Some(grad) => {
                    let (g, shape) = host_f32(grad)?;
                    let same = axis.map(|a| identical_nonzero_units(&g, &shape, a));
                    (Some(TensorStats::iid(&g)?), same)
                }
                None => (None, None),
            };
            Ok(Read {
                values: stats,
                gradient,
                identical_units: identical,
                identical_gradient_units,
                units,
            })
        })();
        self.read.insert(param.id, read);
    }
}
