//! A recorder that a module's `forward` writes named activations into, for Burn, which has no
//! forward hooks.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use burn_init::diagnostics::probe::{self, Probe};
//!
//! fn forward(x: Tensor<2>) -> Tensor<2> {
//!     let z = probe::record("hidden", x.clone() * 2.0); // free unless a probe is capturing
//!     probe::record("output", z.clone() + x)
//! }
//!
//! let device = Device::default();
//! let x = Tensor::<2>::ones([4, 3], &device);
//! let (_, trace) = Probe::new().capture(|| forward(x.clone())).unwrap();
//! assert_eq!(trace.get("hidden").unwrap().stats.mean, 2.0);
//! assert_eq!(trace.records().len(), 2);
//! ```
//!
//! **Free when off.** Outside [`Probe::capture`], [`record`] is one relaxed atomic load and
//! returns its tensor untouched; names are only formatted while capturing, so
//! `record(format_args!("layers.{i}"), x)` allocates nothing when off.
//!
//! **While capturing**, each record reads the tensor back to the host for its
//! [`TensorStats`], and — when gradients are asked for and the tensor lives on an autodiff
//! device — adds a zero leaf `x + 0` that requires a gradient: Burn keeps gradients only for
//! such leaves, and the leaf's gradient is ∂loss/∂x. The returned tensor has the same values.
//!
//! Records are per thread: a capture sees the records of the forward pass it runs on its own
//! thread. [`scope`] prefixes names (`encoder.` …) for modules used inside others.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::{Gradients, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::stats::{TensorStats, host_f32};
use crate::error::{self, InitError};

/// Number of live captures, on any thread: zero means every `record` returns at once.
static LIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// What a module's theory says a recorded activation's variance should be, given its fans,
/// gains and composition factors (see [`composition`](crate::composition)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expected {
    /// Var(a) = the value.
    Variance(f64),
    /// Var(a) = `ratio` × the measured variance of the earlier record `of`.
    Ratio {
        /// An earlier record's name, in the scope of the record that declares it (a module
        /// names its own records; the scopes its parents opened are added to both).
        of: String,
        /// The factor.
        ratio: f64,
    },
    /// Var(a) = `ratio` × E[`of`²] + `offset`: a layer of zero-mean weights reads its input's
    /// second moment, not its variance, and adds a bias of variance `offset` (the mean-field
    /// recursion q = σ_w²·n·E[φ(z)²] + σ_b², Poole et al. 2016).
    Moment {
        /// An earlier record's name (scoped as for [`Expected::Ratio`]).
        of: String,
        /// The factor.
        ratio: f64,
        /// The added variance.
        offset: f64,
    },
}

impl Expected {
    /// The earlier record this prediction is relative to, its factor, its offset, and whether
    /// the factor applies to the reference's second moment (else to its variance).
    pub fn reference(&self) -> Option<(&str, f64, f64, bool)> {
        match self {
            Self::Variance(_) => None,
            Self::Ratio { of, ratio } => Some((of, *ratio, 0.0, false)),
            Self::Moment { of, ratio, offset } => Some((of, *ratio, *offset, true)),
        }
    }

    /// The numbers must make a variance: finite, and a variance, factor and offset ≥ 0.
    fn check(&self) -> error::Result<()> {
        let (name, value) = match self {
            Self::Variance(v) => ("Expected::Variance", *v),
            Self::Ratio { ratio, .. } => ("Expected::Ratio::ratio", *ratio),
            Self::Moment { ratio, offset, .. } => {
                error::non_negative("Expected::Moment::offset", *offset)?;
                ("Expected::Moment::ratio", *ratio)
            }
        };
        error::non_negative(name, value).map(|_| ())
    }

    fn scoped(self, scope: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Ratio { of, ratio } => Self::Ratio {
                of: scope(&of),
                ratio,
            },
            Self::Moment { of, ratio, offset } => Self::Moment {
                of: scope(&of),
                ratio,
                offset,
            },
            other => other,
        }
    }
}

/// One recorded activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Its name, scope prefixes included.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Forward statistics.
    pub stats: TensorStats,
    /// What the module declared about its variance.
    pub expected: Option<Expected>,
    /// Statistics of ∂loss/∂a, once [`Trace::read_gradients`] has run.
    pub gradient: Option<TensorStats>,
}

/// Reads a leaf's gradient without knowing its rank.
trait Leaf: Send {
    fn gradient(&self, grads: &Gradients) -> Option<(Vec<f32>, Vec<usize>)>;
}

impl<const D: usize> Leaf for Tensor<D> {
    fn gradient(&self, grads: &Gradients) -> Option<(Vec<f32>, Vec<usize>)> {
        host_f32(self.grad(grads)?).ok()
    }
}

/// A kept activation, rank erased: what [`spectra`](super::spectra) needs of it.
pub(crate) trait Kept: Send {
    fn as_any(&self) -> &dyn Any;
    /// Its values on the host.
    fn host(&self) -> Vec<f32>;
    /// Σ a ⊙ u, a scalar that keeps `a`'s autodiff graph (a vector-Jacobian product's loss).
    fn dot(&self, u: &[f32]) -> Tensor<1>;
    /// A tensor of `a`'s rank, shape and device holding `v`, boxed for [`Probe::perturbing`].
    fn like(&self, v: &[f32]) -> Box<dyn Any + Send>;
}

impl<const D: usize> Kept for Tensor<D> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn host(&self) -> Vec<f32> {
        host_f32(self.clone()).map(|(v, _)| v).unwrap_or_default()
    }

    fn dot(&self, u: &[f32]) -> Tensor<1> {
        let u = Tensor::<D>::from_data(TensorData::new(u.to_vec(), self.shape()), &self.device());
        (self.clone() * u).sum()
    }

    fn like(&self, v: &[f32]) -> Box<dyn Any + Send> {
        let device = self.device();
        let plain = Tensor::<D>::from_data(TensorData::new(v.to_vec(), self.shape()), &device);
        Box::new(plain)
    }
}

/// The records of one capture, in the order the forward pass made them.
#[derive(Default)]
pub struct Trace {
    records: Vec<Record>,
    leaves: Vec<(usize, Box<dyn Leaf>)>,
    kept: HashMap<String, Box<dyn Kept>>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl Trace {
    /// Every record, in forward order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The record named `name`.
    pub fn get(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }

    /// Takes the records out.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    /// Fills each record's gradient statistics from a backward pass of the captured forward.
    /// Records made without gradients (plain device, or [`Probe::with_gradients`] off) keep
    /// `None`.
    pub fn read_gradients(&mut self, grads: &Gradients) -> error::Result<()> {
        for (index, leaf) in &self.leaves {
            if let Some((values, shape)) = leaf.gradient(grads) {
                let record = &mut self.records[*index];
                record.gradient = Some(TensorStats::of(&values, &shape)?);
            }
        }
        Ok(())
    }

    /// The recorded tensor itself, when the probe kept tensors ([`Probe::keeping_tensors`]).
    pub fn tensor<const D: usize>(&self, name: &str) -> Option<Tensor<D>> {
        self.kept
            .get(name)?
            .as_any()
            .downcast_ref::<Tensor<D>>()
            .cloned()
    }

    pub(crate) fn kept(&self, name: &str) -> Option<&dyn Kept> {
        self.kept.get(name).map(|k| k.as_ref())
    }

    /// The host gradient of the leaf added at record `name`.
    pub(crate) fn leaf_gradient(&self, name: &str, grads: &Gradients) -> Option<Vec<f32>> {
        let index = self.records.iter().position(|r| r.name == name)?;
        let (_, leaf) = self.leaves.iter().find(|(i, _)| *i == index)?;
        leaf.gradient(grads).map(|(values, _)| values)
    }
}

/// Starts captures. See the [module documentation](self).
#[derive(Default)]
pub struct Probe {
    gradients: bool,
    keep: bool,
    perturbations: HashMap<String, Box<dyn Any + Send>>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("gradients", &self.gradients)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

impl Probe {
    /// A probe that records forward statistics only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also insert gradient leaves, for [`Trace::read_gradients`] after `loss.backward()`.
    pub fn with_gradients(mut self, gradients: bool) -> Self {
        self.gradients = gradients;
        self
    }

    /// Also keep every recorded tensor (with its autodiff graph), for [`Trace::tensor`].
    pub fn keeping_tensors(mut self) -> Self {
        self.keep = true;
        self
    }

    /// Adds `delta` to the activation recorded as `name` (a directional perturbation: the
    /// Jacobian-vector products of [`spectra`](super::spectra)).
    pub fn perturbing<const D: usize>(mut self, name: &str, delta: Tensor<D>) -> Self {
        self.perturbations.insert(name.to_string(), Box::new(delta));
        self
    }

    pub(crate) fn perturbing_boxed(mut self, name: &str, delta: Box<dyn Any + Send>) -> Self {
        self.perturbations.insert(name.to_string(), delta);
        self
    }

    /// Runs `forward` with recording on for this thread and returns its result with the trace.
    ///
    /// Errors (nothing is returned but the error): a name recorded twice
    /// ([`InitError::DuplicateProbe`]), a NaN in a recorded activation
    /// ([`InitError::NonFinite`], naming the first such record), an [`Expected`] relative to a
    /// record not made before it, a capture already running on this thread.
    pub fn capture<R>(self, forward: impl FnOnce() -> R) -> error::Result<(R, Trace)> {
        let session = Session {
            names: HashSet::new(),
            gradients: self.gradients,
            keep: self.keep,
            scopes: Vec::new(),
            trace: Trace::default(),
            perturbations: self.perturbations,
            error: None,
        };
        let busy = SESSION.with(|s| {
            let mut slot = s.borrow_mut();
            if slot.is_some() {
                return true;
            }
            *slot = Some(session);
            false
        });
        if busy {
            return Err(InitError::InvalidArgument {
                name: "probe",
                value: 1.0,
                expected: "no other capture running on this thread",
            });
        }
        let guard = Live::start();
        let out = forward();
        let session = guard.finish();
        if let Some(error) = session.error {
            return Err(error);
        }
        if let Some(name) = session.perturbations.keys().next() {
            return Err(InitError::UnknownProbe {
                name: name.clone(),
                by: "a perturbation".to_string(),
            });
        }
        check_references(&session.trace.records)?;
        Ok((out, session.trace))
    }
}

/// Ends the session even if `forward` panics.
struct Live;

impl Live {
    fn start() -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Live
    }

    fn finish(self) -> Session {
        let session = SESSION.with(|s| s.borrow_mut().take());
        drop(self);
        session.expect("a live capture has a session")
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        SESSION.with(|s| s.borrow_mut().take());
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn check_references(records: &[Record]) -> error::Result<()> {
    for (i, record) in records.iter().enumerate() {
        if let Some(expected) = &record.expected {
            expected.check().map_err(|e| InitError::AtActivation {
                name: record.name.clone(),
                source: Box::new(e),
            })?;
        }
        if let Some((of, ..)) = record.expected.as_ref().and_then(Expected::reference)
            && !records[..i].iter().any(|r| r.name == of)
        {
            return Err(InitError::UnknownProbe {
                name: of.to_string(),
                by: record.name.clone(),
            });
        }
    }
    Ok(())
}

struct Session {
    names: HashSet<String>,
    gradients: bool,
    keep: bool,
    scopes: Vec<String>,
    trace: Trace,
    perturbations: HashMap<String, Box<dyn Any + Send>>,
    error: Option<InitError>,
}

impl Session {
    fn full_name(&self, name: &str) -> String {
        let mut full = self.scopes.join(".");
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(name);
        full
    }

    fn record<const D: usize>(
        &mut self,
        name: String,
        x: Tensor<D>,
        expected: Option<Expected>,
    ) -> Tensor<D> {
        if self.error.is_some() {
            return x;
        }
        if !self.names.insert(name.clone()) {
            self.error = Some(InitError::DuplicateProbe { name });
            return x;
        }
        let x = match self.perturbations.remove(&name) {
            Some(delta) => match delta.downcast_ref::<Tensor<D>>() {
                Some(delta) if delta.dims() == x.dims() => x + delta.clone(),
                Some(delta) => {
                    self.error = Some(InitError::InvalidShape {
                        argument: "perturbation",
                        reason: format!(
                            "the perturbation of `{name}` has shape {:?}, the record {:?}",
                            delta.dims(),
                            x.dims()
                        ),
                    });
                    return x;
                }
                None => {
                    self.error = Some(InitError::InvalidShape {
                        argument: "perturbation",
                        reason: format!("the perturbation of `{name}` is not of rank {D}"),
                    });
                    return x;
                }
            },
            None => x,
        };
        let shape = x.dims().to_vec();
        let stats =
            host_f32(x.clone()).and_then(|(values, shape)| TensorStats::of(&values, &shape));
        let stats = match stats {
            Ok(stats) if stats.nan > 0 => {
                self.error = Some(InitError::NonFinite {
                    layer: name,
                    count: stats.nan,
                    total: stats.n,
                });
                return x;
            }
            Ok(stats) => stats,
            Err(error) => {
                self.error = Some(InitError::AtActivation {
                    name,
                    source: Box::new(error),
                });
                return x;
            }
        };
        let x = if self.gradients && x.is_autodiff() {
            let leaf = x.zeros_like().detach().require_grad();
            self.trace
                .leaves
                .push((self.trace.records.len(), Box::new(leaf.clone())));
            x + leaf
        } else {
            x
        };
        if self.keep {
            self.trace.kept.insert(name.clone(), Box::new(x.clone()));
        }
        self.trace.records.push(Record {
            name,
            shape,
            stats,
            expected,
            gradient: None,
        });
        x
    }
}

/// Whether a capture is running on this thread (for work a module does only to record).
pub fn is_capturing() -> bool {
    LIVE.load(Ordering::Relaxed) != 0 && SESSION.with(|s| s.borrow().is_some())
}

/// Records `x` under `name` while a [`Probe`] captures on this thread; returns `x` (plus a zero
/// gradient leaf, or a perturbation, when the probe asks for them).
pub fn record<const D: usize>(name: impl Display, x: Tensor<D>) -> Tensor<D> {
    record_with(name, x, || None)
}

/// [`record`] with the variance the module's theory predicts, computed only while capturing.
pub fn record_expecting<const D: usize>(
    name: impl Display,
    x: Tensor<D>,
    expected: impl FnOnce() -> Expected,
) -> Tensor<D> {
    record_with(name, x, || Some(expected()))
}

fn record_with<const D: usize>(
    name: impl Display,
    x: Tensor<D>,
    expected: impl FnOnce() -> Option<Expected>,
) -> Tensor<D> {
    if LIVE.load(Ordering::Relaxed) == 0 || !SESSION.with(|s| s.borrow().is_some()) {
        return x;
    }
    // Computed before borrowing the session: the closure and `Display` are the caller's code.
    let expected = expected();
    let name = name.to_string();
    SESSION.with(|s| match s.borrow_mut().as_mut() {
        Some(session) => {
            let name = session.full_name(&name);
            // A ratio's reference is named in the same scope as the record.
            let expected = expected.map(|e| e.scoped(|of| session.full_name(of)));
            session.record(name, x, expected)
        }
        None => x,
    })
}

/// Prefixes the names recorded on this thread with `name.` until the guard drops.
pub fn scope(name: impl Display) -> Scope {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return Scope { active: false };
    }
    let name = name.to_string();
    let active = SESSION.with(|s| match s.borrow_mut().as_mut() {
        Some(session) => {
            session.scopes.push(name);
            true
        }
        None => false,
    });
    Scope { active }
}

/// A name prefix, removed on drop. See [`scope`].
#[must_use = "the scope ends when the guard drops"]
#[derive(Debug)]
pub struct Scope {
    active: bool,
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.active {
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    session.scopes.pop();
                }
            });
        }
    }
}
