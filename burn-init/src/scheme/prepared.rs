//! A scheme prepared for one tensor: [`Scheme::prepare`] checks every argument against the shape
//! and the fans once and computes what the entries' law is; a [`Prepared`] then knows its mean,
//! standard deviation and reach, and draws — whole, a range, rows, on the host or a device —
//! without checking anything again and without failing except for memory.

use crate::error::{self, InitError, SamplingError, SchemeError};
use std::ops::Range;

use burn::tensor::{Device, Shape, Tensor, TensorData};

use super::{Class, Scheme, element_count};
use crate::fan::Fan;
use crate::sampling::normal::truncated;
use crate::sampling::{
    self, Key, Keyed, KeyedDistribution, Normal, SamplerVersion, TruncatedNormal, Uniform,
};
use crate::structured::{Moments, Structured};

/// A scheme checked against one tensor's shape and fans. Build it with [`Scheme::prepare`].
///
/// ```
/// use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
/// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
/// let prepared = he.prepare(&[256, 512], Some(Fan::linear(256, 512))).unwrap();
/// assert!((prepared.std() - (2.0f64 / 256.0).sqrt()).abs() < 1e-12);
/// // Drawing cannot fail for a bad argument any more: only memory can run out.
/// let values = prepared.sample_host(Key::new(0)).unwrap();
/// assert_eq!(values.len(), 256 * 512);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    name: &'static str,
    shape: Vec<usize>,
    len: usize,
    law: Law,
    moments: Moments,
    sampler: SamplerVersion,
}

/// Where the values come from.
#[derive(Debug, Clone, PartialEq)]
enum Law {
    Constant(f64),
    Keyed(Keyed),
    /// Computed whole: a shard of it costs the whole tensor.
    Structured(Structured),
}

impl Scheme {
    /// Checks every argument against `shape` and `fan` (the fans are needed by the
    /// variance-scaling schemes only) and returns the prepared draw. Every other method of
    /// `Scheme` that takes a shape goes through here, so a refused argument is refused the same
    /// way by a draw, a moment and a policy.
    pub fn prepare(&self, shape: &[usize], fan: Option<Fan>) -> error::Result<Prepared> {
        let len = element_count(shape)?;
        let (name, class) = self.class();
        let keyed = |law: Keyed, mean: f64, std: f64| {
            let reach = law.reach();
            (Law::Keyed(law), Moments { mean, std, reach })
        };
        let (law, moments) = match class {
            Class::Constant(value) => {
                let value = error::representable("value", value)?;
                let moments = Moments {
                    mean: value,
                    std: 0.0,
                    reach: value.abs(),
                };
                (Law::Constant(value), moments)
            }
            Class::Uniform(low, high) => {
                let law = Keyed::Uniform(Uniform::new(low, high)?);
                keyed(law, 0.5 * (low + high), (high - low) / 12f64.sqrt())
            }
            Class::Normal(mean, std) => {
                let law = Keyed::Normal(Normal::new(mean, std)?);
                keyed(law, mean, std)
            }
            Class::TruncatedNormal(mean, std, a, b) => {
                let law = Keyed::TruncatedNormal(TruncatedNormal::new(mean, std, a, b)?);
                let (shift, scale) = truncated((a - mean) / std, (b - mean) / std);
                keyed(law, mean + std * shift, std * scale)
            }
            Class::Scaled(scaled) => {
                let fan = fan.ok_or(InitError::Scheme(SchemeError::MissingFan { scheme: name }))?;
                let core = scaled.core()?;
                let std = core.std(fan)?;
                match core.distribution_for(fan)? {
                    Some(law) => keyed(law, 0.0, std),
                    None => (Law::Constant(0.0), Moments::default()),
                }
            }
            Class::Structured(structured) => {
                let moments = structured.check(shape)?;
                (Law::Structured(structured), moments)
            }
        };
        Ok(Prepared {
            name,
            shape: shape.to_vec(),
            len,
            law,
            moments,
            sampler: SamplerVersion::V1,
        })
    }
}

impl Prepared {
    /// The same draw by sampler `version` ([`SamplerVersion`]; a prepared scheme starts at
    /// version 1). Only the normal and truncated normal laws differ between versions; the
    /// normal's reach follows the version.
    pub fn with_sampler(mut self, version: SamplerVersion) -> Self {
        self.sampler = version;
        match &mut self.law {
            Law::Keyed(Keyed::Normal(normal)) => {
                *normal = normal.with_version(version);
                self.moments.reach = normal.reach();
            }
            Law::Keyed(Keyed::TruncatedNormal(truncated)) => {
                *truncated = truncated.with_version(version);
            }
            _ => {}
        }
        self
    }

    /// The sampler version the draw was prepared for.
    pub fn sampler(&self) -> SamplerVersion {
        self.sampler
    }

    /// The scheme's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The tensor's shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the tensor has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The mean of the entries (population value; formulas at [`Scheme::mean`]).
    pub fn mean(&self) -> f64 {
        self.moments.mean
    }

    /// The standard deviation of the entries (population value; formulas at [`Scheme::std`]).
    pub fn std(&self) -> f64 {
        self.moments.std
    }

    /// E\[w²\] = std² + mean².
    pub fn second_moment(&self) -> f64 {
        let (mean, std) = (self.mean(), self.std());
        std * std + mean * mean
    }

    /// A bound on |value| over every entry a draw can give: the normal's tails stay below 11σ
    /// (the ziggurat, sampler version 1) or 6.34σ (version 2), the inverse-CDF truncated normal within 40σ of its mean and inside [a, b],
    /// orthonormal and identity entries within |gain|, uniforms within their bounds.
    pub fn reach(&self) -> f64 {
        self.moments.reach
    }

    /// Whether the values are defined by the whole tensor (orthogonal, delta-orthogonal, eye,
    /// Dirac, sparse): a shard of them costs the whole draw. Every other scheme fills any range
    /// independently ([`Prepared::fill_host`]).
    pub fn is_whole(&self) -> bool {
        matches!(self.law, Law::Structured(_))
    }

    /// The convolution groups the scheme was built for (Dirac, delta-orthogonal).
    pub(crate) fn groups(&self) -> Option<usize> {
        match &self.law {
            Law::Structured(structured) => structured.groups(),
            _ => None,
        }
    }

    /// The row-major values drawn with `key`: the one sampling path, which every draw reads.
    pub fn sample_host(&self, key: impl Into<Key>) -> error::Result<Vec<f32>> {
        let key = key.into();
        Ok(match &self.law {
            Law::Constant(value) => {
                let mut values = sampling::buffer(self.len)?;
                if *value != 0.0 {
                    values.fill(*value as f32);
                }
                values
            }
            Law::Keyed(law) => law.sample(&key, self.len)?,
            Law::Structured(structured) => structured.values(&self.shape, &key)?,
        })
    }

    /// Elements `start..start + out.len()` of [`Prepared::sample_host`]'s tensor — a shard —
    /// computed without drawing the rest (structured schemes compute the whole tensor and copy
    /// the range). Bit-identical to that slice.
    pub fn fill_host(&self, key: impl Into<Key>, start: u64, out: &mut [f32]) -> error::Result<()> {
        let end = start.checked_add(out.len() as u64);
        if end.is_none_or(|end| end > self.len as u64) {
            return Err(InitError::Sampling(SamplingError::InvalidRange {
                what: "element",
                start,
                end: end.unwrap_or(u64::MAX),
                total: self.len as u64,
                shape: self.shape.clone(),
            }));
        }
        let key = key.into();
        match &self.law {
            Law::Constant(value) => out.fill(*value as f32),
            Law::Keyed(law) => law.fill(&key, start, out),
            Law::Structured(structured) => {
                let values = structured.values(&self.shape, &key)?;
                out.copy_from_slice(&values[start as usize..start as usize + out.len()]);
            }
        }
        Ok(())
    }

    /// A Burn tensor on `device`, its values those of [`Prepared::sample_host`] (a constant is
    /// filled on the device, with no upload). Same key ⇒ same bits on every device.
    pub fn sample<const D: usize>(
        &self,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape = self.shape_of_rank::<D>()?;
        if let Law::Constant(value) = self.law {
            // Burn's allocation aborts when refused: a tensor no host could hold is refused first.
            sampling::check_allocatable(self.len)?;
            return Ok(Tensor::full(shape, value, device));
        }
        let key = key.into();
        #[cfg(feature = "device-stream")]
        {
            sampling::device_stream::check_fits(&self.shape, self.len, device)?;
            if let Some(tensor) = self.on_device(&key, 0, self.len, device) {
                return Ok(tensor.reshape(shape));
            }
        }
        let values = self.sample_host(key)?;
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// Elements `start .. start + len` drawn by burn-init's own kernel on `device`, bit-identical
    /// to [`Prepared::fill_host`]; `None` where the kernel does not apply (a law it has no
    /// transform for, a device without CubeCL, a range or bound outside its exact contract:
    /// [`HostReason`](crate::sampling::device_stream::HostReason)), and the host draws.
    #[cfg(feature = "device-stream")]
    pub(crate) fn on_device(
        &self,
        key: &Key,
        start: u64,
        len: usize,
        device: &Device,
    ) -> Option<Tensor<1>> {
        // Burn aborts on an allocation it cannot make: what no host could hold goes to the host
        // path, which refuses it with a typed error.
        sampling::check_allocatable(len).ok()?;
        sampling::device_stream::draw(self.device_law()?, key, start, len, device).ok()
    }

    /// The laws the kernels have a transform for, the one place that says so: a uniform law, and
    /// a normal or truncated normal law of sampler version 2 (every other law draws on the host).
    #[cfg(feature = "device-stream")]
    fn device_law(&self) -> Option<sampling::device_stream::DeviceLaw> {
        use sampling::device_stream::DeviceLaw;
        match &self.law {
            Law::Keyed(Keyed::Uniform(uniform)) => {
                let (low, high) = uniform.bounds_f32();
                Some(DeviceLaw::Uniform { low, high })
            }
            Law::Keyed(Keyed::Normal(normal)) if normal.version() == SamplerVersion::V2 => {
                let (mean, std) = normal.parameters_f32();
                Some(DeviceLaw::Normal { mean, std })
            }
            Law::Keyed(Keyed::TruncatedNormal(truncated)) => {
                let (window, affine) = truncated.version_2()?;
                Some(DeviceLaw::TruncatedNormal { window, affine })
            }
            _ => None,
        }
    }

    /// Whether the kernel's values times `multiplier` (one f32 product on the device) stay within
    /// its exact contract (`DeviceLaw::scales_exactly`); `false` for a law the kernel does not
    /// draw.
    #[cfg(feature = "device-stream")]
    pub(crate) fn scales_exactly_on_device(&self, multiplier: f32) -> bool {
        self.device_law()
            .is_some_and(|law| law.scales_exactly(multiplier))
    }

    /// Whether [`Prepared::sample`] on `device` runs burn-init's own kernel (`Ok`) or draws on the
    /// host and uploads, and why ([`HostReason`](sampling::device_stream::HostReason)). The bits
    /// are the same either way.
    #[cfg(feature = "device-stream")]
    pub fn device_path(&self, device: &Device) -> Result<(), sampling::device_stream::HostReason> {
        use sampling::device_stream::{HostReason, path};
        let law = self.device_law().ok_or(HostReason::NoTransform)?;
        path(law, 0, self.len, device).map(|_| ())
    }

    /// The device engine: see [`Scheme::sample_on_device`].
    pub fn sample_on_device<const D: usize>(
        &self,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape = self.shape_of_rank::<D>()?;
        let key = key.into();
        // Burn cannot report a refused allocation (it aborts): refuse what no host could hold.
        sampling::check_allocatable(self.len)?;
        if self.len == 0 {
            // Burn's `reshape` reads a 0 as "keep this axis": build empty tensors directly.
            return Ok(Tensor::from_data(
                TensorData::new(Vec::<f32>::new(), shape),
                device,
            ));
        }
        Ok(match &self.law {
            Law::Constant(value) => Tensor::full(shape, *value, device),
            Law::Keyed(law) => law.sample_on_device(&key, self.len, device)?.reshape(shape),
            Law::Structured(structured) => Tensor::from_data(
                TensorData::new(structured.values(&self.shape, &key)?, shape),
                device,
            ),
        })
    }

    /// Rows `rows` (along the first axis) of the tensor [`Prepared::sample`] gives: a
    /// tensor-parallel shard, drawn without the other rows.
    pub fn sample_rows<const D: usize>(
        &self,
        key: impl Into<Key>,
        rows: Range<usize>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let mut shard = self.shape_of_rank::<D>()?.as_slice().to_vec();
        let total = shard.first().copied().unwrap_or(1);
        if rows.start > rows.end || rows.end > total {
            return Err(InitError::Sampling(SamplingError::InvalidRange {
                what: "row",
                start: rows.start as u64,
                end: rows.end as u64,
                total: total as u64,
                shape: self.shape.clone(),
            }));
        }
        let row_len: usize = shard.get(1..).unwrap_or(&[]).iter().product();
        if let Some(first) = shard.first_mut() {
            *first = rows.len();
        }
        let key = key.into();
        let start = (rows.start * row_len) as u64;
        #[cfg(feature = "device-stream")]
        {
            sampling::device_stream::check_fits(&shard, rows.len() * row_len, device)?;
            if let Some(tensor) = self.on_device(&key, start, rows.len() * row_len, device) {
                return Ok(tensor.reshape(Shape::from(shard)));
            }
        }
        let mut values = sampling::buffer(rows.len() * row_len)?;
        self.fill_host(key, start, &mut values)?;
        Ok(Tensor::from_data(TensorData::new(values, shard), device))
    }

    /// The shape as a Burn `Shape`, refused when its rank is not `D`.
    fn shape_of_rank<const D: usize>(&self) -> error::Result<Shape> {
        if self.shape.len() != D {
            let expected = ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
                .get(D)
                .copied()
                .unwrap_or("D (the tensor's rank)");
            return Err(InitError::Scheme(SchemeError::Rank {
                scheme: self.name,
                expected,
                shape: self.shape.clone(),
            }));
        }
        Ok(Shape::from(self.shape.clone()))
    }
}
