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

use crate::error::{self, ArgumentError, DiagnosisError, InitError};
use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Tensor;

use super::batch::BatchStats;
pub use super::expected::Expected;
use super::stats::{TensorStats, host_f32};
pub use super::trace::{Record, Trace};

/// Number of live captures, on any thread: zero means every `record` returns at once.
static LIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
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
    /// ([`DiagnosisError::DuplicateProbe`]), a NaN in a recorded activation
    /// ([`DiagnosisError::NonFinite`], naming the first such record), an [`Expected`] relative to a
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
            return Err(InitError::out_of_domain(
                "probe",
                "a second capture",
                "no other capture running on this thread",
            ));
        }
        let guard = Live::start();
        let out = forward();
        let session = guard.finish();
        if let Some(error) = session.error {
            return Err(error);
        }
        if let Some(name) = session.perturbations.keys().next() {
            return Err(InitError::Diagnosis(DiagnosisError::UnknownProbe {
                name: name.clone(),
                by: "a perturbation".to_string(),
            }));
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
            expected.check().map_err(|e| {
                InitError::Diagnosis(DiagnosisError::AtActivation {
                    name: record.name.clone(),
                    source: Box::new(e),
                })
            })?;
        }
        if let Some((of, ..)) = record.expected.as_ref().and_then(Expected::reference)
            && !records[..i].iter().any(|r| r.name == of)
        {
            return Err(InitError::Diagnosis(DiagnosisError::UnknownProbe {
                name: of.to_string(),
                by: record.name.clone(),
            }));
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
            self.error = Some(InitError::Diagnosis(DiagnosisError::DuplicateProbe {
                name,
            }));
            return x;
        }
        let x = match self.perturbations.remove(&name) {
            Some(delta) => match delta.downcast_ref::<Tensor<D>>() {
                Some(delta) if delta.dims() == x.dims() => x + delta.clone(),
                Some(delta) => {
                    self.error = Some(InitError::Argument(ArgumentError::Shape {
                        argument: "perturbation",
                        reason: format!(
                            "the perturbation of `{name}` has shape {:?}, the record {:?}",
                            delta.dims(),
                            x.dims()
                        ),
                    }));
                    return x;
                }
                None => {
                    self.error = Some(InitError::Argument(ArgumentError::Shape {
                        argument: "perturbation",
                        reason: format!("the perturbation of `{name}` is not of rank {D}"),
                    }));
                    return x;
                }
            },
            None => x,
        };
        let shape = x.dims().to_vec();
        if shape.contains(&0) {
            // One fault, one error: the diagnosis refuses an empty batch the same way.
            self.error = Some(InitError::Diagnosis(DiagnosisError::EmptyBatch { shape }));
            return x;
        }
        let measured = host_f32(x.clone()).and_then(|(values, shape)| {
            Ok((
                TensorStats::of(&values, &shape)?,
                BatchStats::of(&values, &shape),
            ))
        });
        let (stats, batch) = match measured {
            Ok((stats, _)) if stats.nan > 0 => {
                self.error = Some(InitError::Diagnosis(DiagnosisError::NonFinite {
                    layer: name,
                    count: stats.nan,
                    total: stats.n,
                }));
                return x;
            }
            Ok(measured) => measured,
            Err(error) => {
                self.error = Some(InitError::Diagnosis(DiagnosisError::AtActivation {
                    name,
                    source: Box::new(error),
                }));
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
            batch,
            expected,
            gradient: None,
            logits: false,
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
