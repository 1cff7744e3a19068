//! Policies: initialise any Burn model with ordered rules, and get a manifest of what every
//! parameter received.
//!
//! PyTorch users write `model.apply(fn)` with `isinstance` chains; Burn users can only set an
//! initializer per layer config, and cannot re-initialise a model they did not write. A
//! [`Policy`] is a serialisable list of [`Rule`]s — layer type, enclosing type, role and path
//! glob → a [`Scheme`](crate::Scheme) of the catalogue — plus [`LayerHint`]s for what shapes cannot tell.
//! [`Policy::apply`] walks the model with Burn's `ModuleMapper`:
//!
//! * the first rule whose conditions hold decides a parameter's scheme; parameters no rule
//!   matches keep their values (or are an error under [`Policy::require_all`]); running
//!   statistics are never touched;
//! * fans come from Burn's real layouts ([`layer`](self) table), every `ParamId`, require-grad
//!   flag, device and dtype is kept;
//! * each parameter is drawn with the key `key.for_path(path)`: the policy (serde) and the key
//!   reproduce the same weights bit for bit on a fresh model, on any device;
//! * any error — a malformed glob, a rule naming nothing, a layer-type mismatch, a scheme that
//!   cannot serve a parameter — names the rule or the parameter path, and the model comes back
//!   unchanged in [`Refused`]: nothing is half-applied.
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_init::policy::{Policy, Role, Rule};
//! use burn_init::{FanMode, Key, Nonlinearity, Scheme};
//!
//! let model = LinearConfig::new(256, 128).init(&Device::default());
//! let policy = Policy::new()
//!     .rule(Rule::new(Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu)).with_role(Some(Role::Weight)))
//!     .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
//! let (model, manifest) = policy.apply(model, Key::new(0)).unwrap();
//! let weight = manifest.get("weight").unwrap();
//! assert_eq!(weight.fan.unwrap().fan_in, 256.0);
//! assert!((weight.drawn_std.unwrap() / weight.target_std.unwrap() - 1.0).abs() < 0.02);
//! ```

mod construct;
mod facts;
mod fresh;
mod hint;
mod json;
mod layer;
mod manifest;
mod plan;
mod presets;
pub(crate) mod rule;
pub(crate) mod walk;

pub use construct::InitWith;
pub use hint::LayerHint;
pub use manifest::{DrawnOn, Entry, Manifest};
pub use presets::{DeepNorm, Mup, MupClass, MupOptimizer, MupParameter, MupReadout};
pub use rule::{Role, Rule};

use crate::error::{self, InitError, PolicyError};
use std::sync::Arc;

use burn::config::Config;
use burn::module::Module;
use rayon::prelude::*;

use crate::fan::Fan;
use crate::sampling::{self, Key, SamplerVersion, stream::BLOCK};
use fresh::Fresh;
pub(crate) use plan::at_parameter;
use plan::{Assignment, Planned};
pub(crate) use walk::ParamInfo;
use walk::Replacer;

/// Ordered rules and layer hints. See the [module documentation](self).
#[derive(Config, Debug, PartialEq)]
pub struct Policy {
    /// Rules, first match wins.
    #[config(default = "Vec::new()")]
    pub rules: Vec<Rule>,
    /// Hints, first match (by layer path) wins.
    #[config(default = "Vec::new()")]
    pub hints: Vec<LayerHint>,
    /// Refuse a model with a parameter (other than running statistics) that no rule matches.
    #[config(default = false)]
    pub require_all: bool,
    /// The sampler version every parameter is drawn by ([`SamplerVersion`]); `None` is version 1,
    /// today's bits, and what a policy file written before versions existed reads as (an
    /// `Option` because Burn's `Config` files have no other way to leave a field out).
    #[config(default = "None")]
    pub sampler: Option<SamplerVersion>,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

/// A refused [`Policy::apply`]: the model, unchanged, and why.
#[derive(Debug)]
pub struct Refused<M> {
    /// The model as it was given.
    pub model: M,
    /// What was wrong.
    pub error: InitError,
}

impl<M: std::fmt::Debug> std::fmt::Display for Refused<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "policy refused, model unchanged: {}", self.error)
    }
}

impl<M: std::fmt::Debug> std::error::Error for Refused<M> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl Policy {
    /// Appends a rule (matched after the rules already present).
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The sampler version the policy draws by (version 1 unless [`Policy::sampler`] says).
    pub fn sampler_version(&self) -> SamplerVersion {
        self.sampler.unwrap_or_default()
    }

    /// Appends a layer hint.
    pub fn hint(mut self, hint: LayerHint) -> Self {
        self.hints.push(hint);
        self
    }

    /// Appends every rule and hint of `other` after this policy's (the sampler version stays
    /// this policy's).
    pub fn then(mut self, other: Policy) -> Self {
        self.rules.extend(other.rules);
        self.hints.extend(other.hints);
        self.require_all |= other.require_all;
        self
    }

    /// Initialises `model`: every parameter a rule matches is drawn with `key.for_path(path)`.
    /// Returns the model and the manifest (with the moments actually drawn), or the unchanged
    /// model and the error.
    ///
    /// Burn's own initializer never runs: a parameter Burn created lazily (every layer built with
    /// `XxxConfig::init`) is replaced before its first read, so building a model and applying a
    /// policy costs burn-init's sampling alone. Parameters that hold values already (a trained
    /// model being re-initialised) are replaced too, keeping their dtype.
    ///
    /// To load a checkpoint afterwards, prefer [`Policy::apply_lazy`]: Burn 0.22.1 cannot load a
    /// `LinearLayout::Col` record into a materialised `Col` layer (it checks the record's
    /// `[d_out, d_in]` against the value's `[d_in, d_out]`), whoever materialised it.
    pub fn apply<M: Module>(
        &self,
        model: M,
        key: impl Into<Key>,
    ) -> core::result::Result<(M, Manifest), Refused<M>> {
        let key = key.into();
        self.replace(model, |planned, assignment| {
            fits_device(planned, assignment)?;
            let (drawn, moments) = draw(assignment, &planned.info, &key, true)?;
            let entry = entry(planned, moments, Some(DrawnOn::Host));
            Ok((Fresh::Values(drawn), entry))
        })
    }

    /// Like [`Policy::apply`], but every new value stays lazy: it is drawn on the parameter's
    /// first use, on the parameter's device (after a `to_device`, on the new one), bit for bit
    /// what [`Policy::apply`] would draw. Building a model, initialising it and then loading a
    /// checkpoint therefore samples nothing, and counting parameters never draws. With the
    /// `device-stream` feature, a uniform-family parameter on a wgpu device is drawn there by
    /// burn-init's own kernel, with the same bits.
    ///
    /// Everything is validated here, as for `apply`; the manifest is complete except for the
    /// moments actually drawn (`drawn_mean`, `drawn_std` are `None`). A buffer no host could
    /// give is refused here too; the one failure left for the first use is the machine running
    /// out of memory in between: Burn's lazy initialiser has no error path, so the draw then
    /// panics naming the parameter.
    ///
    /// On a device without autodiff, Burn's public API does not tell a lazy parameter's
    /// configured require-grad flag; lazy results there take it as `true`, Burn's layers'
    /// default (on an autodiff device, and for [`Policy::apply`], it is kept exactly).
    ///
    /// ```
    /// use burn::module::Module;
    /// use burn::nn::LinearConfig;
    /// use burn::tensor::Device;
    /// use burn_init::policy::{Policy, Role, Rule};
    /// use burn_init::{Key, Scheme};
    ///
    /// let model = LinearConfig::new(512, 512).init(&Device::default());
    /// let policy = Policy::new()
    ///     .rule(Rule::new(Scheme::orthogonal(1.0)).with_role(Some(Role::Weight)))
    ///     .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)));
    /// let (model, manifest) = policy.apply_lazy(model, Key::new(0)).unwrap();
    /// assert_eq!(model.num_params(), 512 * 512 + 512); // nothing drawn yet
    /// assert!(!model.weight.is_initialized());
    /// assert!(manifest.get("weight").unwrap().drawn_std.is_none());
    /// ```
    pub fn apply_lazy<M: Module>(
        &self,
        model: M,
        key: impl Into<Key>,
    ) -> core::result::Result<(M, Manifest), Refused<M>> {
        let key = key.into();
        self.replace(model, |planned, assignment| {
            // A buffer larger than the host's memory is refused now, not at the first use (where
            // Burn's lazy initialiser has no error path). The plan validated the shape.
            sampling::check_allocatable(assignment.prepared.len())
                .map_err(|e| at_parameter(&planned.info, e))?;
            fits_device(planned, assignment)?;
            let on_device = device_draw(assignment, &planned.info, &key);
            // Where the draw goes on the device the parameter has now.
            let drawn_on = if on_device.is_some() && kernel_applies(assignment, &planned.info) {
                DrawnOn::Device
            } else {
                DrawnOn::Host
            };
            let (assignment, info) = (assignment.clone(), planned.info.clone());
            let draw = move || {
                // The plan validated this draw; only the allocation itself can fail here.
                let drawn = draw(&assignment, &info, &key, false);
                drawn.map(|(values, _)| values).unwrap_or_else(|error| {
                    panic!(
                        "burn-init: a validated lazy draw of `{}` failed: {error}",
                        info.path
                    )
                })
            };
            let lazy = fresh::Lazy {
                host: Arc::new(draw),
                device: on_device,
            };
            Ok((Fresh::Lazy(lazy), entry(planned, None, Some(drawn_on))))
        })
    }

    /// Plans, then maps every parameter: `fresh(planned, assignment)` gives an assigned
    /// parameter's new values and manifest entry.
    fn replace<M: Module>(
        &self,
        model: M,
        mut fresh: impl FnMut(&Planned, &Assignment) -> error::Result<(Fresh, Entry)>,
    ) -> core::result::Result<(M, Manifest), Refused<M>> {
        let plan = match plan::plan(self, &model) {
            Ok(plan) => plan,
            Err(error) => return Err(Refused { model, error }),
        };
        // Burn's modules share tensors between clones: the clone is the untouched model to give
        // back if drawing fails part-way.
        let original = model.clone();
        let mut failure = None;
        let mut entries = Vec::with_capacity(plan.len());
        let mapped = model.map(&mut Replacer::new(|index, info| {
            let planned = plan.get(index).filter(|p| p.info == *info);
            let Some(planned) = planned else {
                failure.get_or_insert(InitError::Policy(PolicyError::ModelChanged {
                    path: info.path.clone(),
                }));
                return None;
            };
            let Some(assignment) = &planned.assignment else {
                entries.push(entry(planned, None, None));
                return None;
            };
            match fresh(planned, assignment) {
                Ok((values, entry)) => {
                    entries.push(entry);
                    Some(values)
                }
                Err(error) => {
                    failure.get_or_insert(plan::at_parameter(&planned.info, error));
                    entries.push(entry(planned, None, None));
                    None
                }
            }
        }));
        match failure {
            Some(error) => Err(Refused {
                model: original,
                error,
            }),
            None => Ok((mapped, Manifest { entries })),
        }
    }
}

/// The parameter's draw on a device where burn-init's own kernel applies (feature
/// `device-stream`): the scheme's values times the multiplier, bit for bit [`draw`]'s. The product
/// by the multiplier is one f32 rounding on both sides; it is taken on the device only when it
/// cannot be subnormal (`Prepared::scales_exactly_on_device`: a normal multiplier, and every
/// non-zero uniform bound or a mean-0 normal's std times it above the kernel's own limits), since
/// GPUs may flush subnormals. Whether the kernel
/// applies is asked on the device of the first use (after a `to_device`, the new one); the host
/// draws where it does not.
#[cfg(feature = "device-stream")]
fn device_draw(assignment: &Assignment, info: &ParamInfo, key: &Key) -> Option<fresh::DeviceDraw> {
    let multiplier = assignment.multiplier as f32;
    if !assignment.prepared.scales_exactly_on_device(multiplier) {
        return None;
    }
    let (prepared, key) = (assignment.prepared.clone(), key.for_path(&info.path));
    Some(Arc::new(move |device: &burn::tensor::Device| {
        let flat = prepared.on_device(&key, 0, prepared.len(), device)?;
        Some(if multiplier != 1.0 {
            flat.mul_scalar(multiplier)
        } else {
            flat
        })
    }))
}

/// Refuses a parameter larger than its device's largest buffer (feature `device-stream`, which
/// can ask a wgpu device its limit): Burn would fail only at the first read.
fn fits_device(planned: &Planned, assignment: &Assignment) -> error::Result<()> {
    #[cfg(feature = "device-stream")]
    sampling::device_stream::check_fits(
        &planned.info.shape,
        assignment.prepared.len(),
        &planned.info.device,
    )?;
    #[cfg(not(feature = "device-stream"))]
    let _ = (planned, assignment);
    Ok(())
}

/// Whether burn-init's kernel draws this parameter on the device it has now.
#[cfg(feature = "device-stream")]
fn kernel_applies(assignment: &Assignment, info: &ParamInfo) -> bool {
    assignment.prepared.device_path(&info.device).is_ok()
}

#[cfg(not(feature = "device-stream"))]
fn kernel_applies(_: &Assignment, _: &ParamInfo) -> bool {
    false
}

#[cfg(not(feature = "device-stream"))]
fn device_draw(_: &Assignment, _: &ParamInfo, _: &Key) -> Option<fresh::DeviceDraw> {
    None
}

/// New values and, when asked for, their mean and standard deviation.
type Drawn = (Vec<f32>, Option<(f64, f64)>);

/// The parameter's new values — the scheme's draw with its path key, times the multiplier — and,
/// when asked, their mean and standard deviation.
///
/// Schemes that fill any range independently are drawn block by block (the sampler's own
/// blocks, so the values are bit-identical to [`Scheme::sample_host`](crate::Scheme::sample_host)):
/// each block is scaled and summed while it is still in cache, instead of two more passes over
/// memory (measured: the separate moments pass was 15 % of an eager GPT-2 `apply`).
fn draw(
    assignment: &Assignment,
    info: &ParamInfo,
    key: &Key,
    with_moments: bool,
) -> error::Result<Drawn> {
    let (prepared, key) = (&assignment.prepared, key.for_path(&info.path));
    let multiplier = assignment.multiplier as f32;
    let scale = |block: &mut [f32]| {
        if multiplier != 1.0 {
            block.iter_mut().for_each(|v| *v *= multiplier);
        }
    };
    if prepared.is_whole() {
        let mut values = prepared.sample_host(key)?;
        values.par_chunks_mut(BLOCK).for_each(scale);
        let moments = with_moments.then(|| {
            let partials: Vec<Partial> = values.par_chunks(BLOCK).map(partial_sums).collect();
            moments(partials, values.len())
        });
        return Ok((values, moments));
    }
    let len = prepared.len();
    let mut values = sampling::buffer(len)?;
    let partials = values
        .par_chunks_mut(BLOCK)
        .enumerate()
        .map(|(i, block)| {
            prepared.fill_host(key, (i * BLOCK) as u64, block)?;
            scale(block);
            Ok(with_moments.then(|| partial_sums(block)))
        })
        .collect::<error::Result<Vec<_>>>()?;
    let moments = with_moments.then(|| moments(partials.into_iter().flatten(), len));
    Ok((values, moments))
}

/// Every float parameter of `model` — path, owning layer, shape, id — with its fans (from
/// Burn's layouts and the layers' groups and strides); no value is read.
pub(crate) fn layout<M: Module>(model: &M) -> error::Result<Vec<(ParamInfo, Option<Fan>)>> {
    Ok(plan::plan(&Policy::new(), model)?
        .into_iter()
        .map(|p| (p.info, p.fan))
        .collect())
}

fn entry(planned: &Planned, moments: Option<(f64, f64)>, drawn_on: Option<DrawnOn>) -> Entry {
    let assignment = planned.assignment.as_ref();
    Entry {
        path: planned.info.path.clone(),
        layer: planned.info.layer.clone(),
        shape: planned.info.shape.clone(),
        fan: planned.fan,
        rule: assignment.map(|a| a.rule),
        rule_text: assignment.map(|a| a.rule_text.clone()),
        scheme: assignment.map(|a| a.scheme.clone()),
        multiplier: assignment.map_or(1.0, |a| a.multiplier),
        target_std: assignment.map(|a| a.target_std),
        drawn_mean: moments.map(|m| m.0),
        drawn_std: moments.map(|m| m.1),
        assumptions: planned.assumptions.clone(),
        drawn_on,
        sampler: assignment.map_or(SamplerVersion::V1, |a| a.prepared.sampler()),
    }
}

/// Eight lanes of Σx and Σx² in f64: independent accumulators keep the sum off one dependency
/// chain (vectorised; one running sum ran at the latency of an add per element).
type Partial = ([f64; 8], [f64; 8]);

fn partial_sums(block: &[f32]) -> Partial {
    let (mut sum, mut sum_sq) = ([0.0; 8], [0.0; 8]);
    let lanes = block.chunks_exact(8);
    let tail = lanes.remainder();
    for eight in lanes {
        for lane in 0..8 {
            let v = f64::from(eight[lane]);
            sum[lane] += v;
            sum_sq[lane] += v * v;
        }
    }
    for (lane, &v) in tail.iter().enumerate() {
        let v = f64::from(v);
        sum[lane] += v;
        sum_sq[lane] += v * v;
    }
    (sum, sum_sq)
}

/// Mean and population standard deviation from per-block partial sums, combined in block order:
/// the result does not depend on the thread count.
fn moments(partials: impl IntoIterator<Item = Partial>, len: usize) -> (f64, f64) {
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (s, q) in partials {
        sum += s.iter().sum::<f64>();
        sum_sq += q.iter().sum::<f64>();
    }
    let n = len.max(1) as f64;
    let mean = sum / n;
    (mean, (sum_sq / n - mean * mean).max(0.0).sqrt())
}
