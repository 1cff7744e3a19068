//! The records of one capture, and the rank-erased handles on their tensors that gradients and
//! [`spectra`](super::spectra) need.

use std::any::Any;
use std::collections::HashMap;

use burn::tensor::{Gradients, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::batch::{BatchStats, cross_entropy_gradient};
use super::expected::Expected;
use super::stats::{TensorStats, host_f32};
use crate::error;

/// One recorded activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Its name, scope prefixes included.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Forward statistics.
    pub stats: TensorStats,
    /// Statistics across the batch (axis 0): distinct fraction, dead units, saturation,
    /// softmax; `None` below rank 2 or with one example.
    pub batch: Option<BatchStats>,
    /// What the module declared about its variance.
    pub expected: Option<Expected>,
    /// Statistics of ∂loss/∂a, once [`Trace::read_gradients`] has run.
    pub gradient: Option<TensorStats>,
    /// Whether ∂loss/∂a has a cross-entropy's shape over the last axis of every row, (p − y)/B
    /// (a sum of zero, one negative entry): the loss reads this record through a softmax, so it
    /// holds logits.
    #[serde(default)]
    pub logits: bool,
}

/// Reads a leaf's gradient without knowing its rank.
pub(crate) trait Leaf: Send {
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
    /// Its values on the host in f64 (exact for f32 and f64 tensors); `None` when they cannot be
    /// read.
    fn host_f64(&self) -> Option<Vec<f64>>;
    /// Σ a ⊙ u, a scalar that keeps `a`'s autodiff graph (a vector-Jacobian product's loss).
    fn dot(&self, u: &[f32]) -> Tensor<1>;
    /// A tensor of `a`'s rank, shape and device holding `v`, boxed for [`Probe::perturbing`](super::Probe::perturbing).
    fn like(&self, v: &[f32]) -> Box<dyn Any + Send>;
}

impl<const D: usize> Kept for Tensor<D> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn host(&self) -> Vec<f32> {
        host_f32(self.clone()).map(|(v, _)| v).unwrap_or_default()
    }

    fn host_f64(&self) -> Option<Vec<f64>> {
        super::measures::host_values(self.clone()).ok()
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
    pub(crate) records: Vec<Record>,
    pub(crate) leaves: Vec<(usize, Box<dyn Leaf>)>,
    pub(crate) kept: HashMap<String, Box<dyn Kept>>,
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
    /// Records made without gradients (plain device, or [`Probe::with_gradients`](super::Probe::with_gradients) off) keep
    /// `None`.
    pub fn read_gradients(&mut self, grads: &Gradients) -> error::Result<()> {
        for (index, leaf) in &self.leaves {
            if let Some((values, shape)) = leaf.gradient(grads) {
                let record = &mut self.records[*index];
                record.gradient = Some(TensorStats::of(&values, &shape)?);
                record.logits = cross_entropy_gradient(&values, &shape);
            }
        }
        Ok(())
    }

    /// The recorded tensor itself, when the probe kept tensors ([`Probe::keeping_tensors`](super::Probe::keeping_tensors)).
    pub fn tensor<const D: usize>(&self, name: &str) -> Option<Tensor<D>> {
        self.kept
            .get(name)?
            .as_any()
            .downcast_ref::<Tensor<D>>()
            .cloned()
    }

    /// The values of the tensor recorded as `name`, whatever its rank, on the host in f64 (exact
    /// for f32 and f64 tensors), when the probe kept tensors: what a comparison of two runs of
    /// the same model (two backends, or a backend and an f64 reference) reads layer by layer.
    /// `None` when the record was not kept or its values cannot be read back.
    pub fn values(&self, name: &str) -> Option<Vec<f64>> {
        self.kept.get(name)?.host_f64()
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
