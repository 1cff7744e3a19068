//! Drawing a scheme: host values, shards, Burn tensors and parameters.
//!
//! Every entry point validates all its arguments first (nothing is drawn for a refused call),
//! then reads the same keyed stream: [`Scheme::sample_host`] is the whole tensor,
//! [`Scheme::fill_host`] any contiguous range of it, [`Scheme::sample`] and
//! [`Scheme::sample_rows`] upload those to a Burn device, `init`/`init_with` wrap them as `Param`.

use std::ops::Range;

use burn::module::Param;
use burn::tensor::{Device, Shape, Tensor, TensorData};

use super::Scheme;
use crate::error::{self, InitError};
use crate::fan::Fan;
use crate::sampling::{self, Key, KeyedDistribution, Normal, TruncatedNormal, Uniform};
use crate::structured;

/// Where a tensor's values come from, once every argument has been checked.
enum Source {
    Constant(f32),
    Keyed(Box<dyn KeyedDistribution>),
    /// Structured schemes (orthogonal, eye, dirac, sparse) are computed whole.
    Whole(Vec<f32>),
}

impl Scheme {
    fn source(&self, shape: &[usize], fan: Option<&Fan>, key: &Key) -> error::Result<Source> {
        if let Some(value) = self.constant()? {
            return Ok(Source::Constant(value as f32));
        }
        let keyed = |d: Box<dyn KeyedDistribution>| Ok(Source::Keyed(d));
        match self {
            Self::Uniform { low, high } => keyed(Box::new(Uniform::new(*low, *high)?)),
            Self::Normal { mean, std } => keyed(Box::new(Normal::new(*mean, *std)?)),
            Self::TruncatedNormal { mean, std, a, b } => {
                keyed(Box::new(TruncatedNormal::new(*mean, *std, *a, *b)?))
            }
            Self::Orthogonal { gain } => Ok(Source::Whole(structured::orthogonal(
                shape,
                gain.value()?,
                key,
            )?)),
            Self::DeltaOrthogonal { gain, groups } => Ok(Source::Whole(
                structured::delta_orthogonal(shape, *groups, gain.value()?, key)?,
            )),
            Self::Eye { gain } => Ok(Source::Whole(structured::eye(shape, gain.value()?)?)),
            Self::Dirac { groups } => Ok(Source::Whole(structured::dirac(shape, *groups)?)),
            Self::Sparse { sparsity, std } => Ok(Source::Whole(structured::sparse(
                shape, *sparsity, *std, key,
            )?)),
            _ => {
                let core = self
                    .variance_scaling()?
                    .expect("every other scheme is variance scaling");
                let fan = fan.ok_or(InitError::MissingFan {
                    scheme: self.name(),
                })?;
                Ok(match core.distribution_for(fan)? {
                    Some(distribution) => Source::Keyed(distribution),
                    None => Source::Constant(0.0),
                })
            }
        }
    }

    /// Structured schemes (orthogonal, delta-orthogonal, eye, Dirac, sparse) are defined by the
    /// whole tensor: a shard of them costs the whole draw. Every other scheme fills any range
    /// of a tensor independently ([`Scheme::fill_host`]).
    pub(crate) fn is_whole(&self) -> bool {
        matches!(
            self,
            Self::Orthogonal { .. }
                | Self::DeltaOrthogonal { .. }
                | Self::Eye { .. }
                | Self::Dirac { .. }
                | Self::Sparse { .. }
        )
    }

    /// Checks every argument a draw of `shape` with these fans would check, without drawing: a
    /// validated draw fails only if memory runs out (lazy policies rely on it).
    pub(crate) fn validate(&self, shape: &[usize], fan: Option<&Fan>) -> error::Result<()> {
        element_count(shape)?;
        match self {
            Self::Orthogonal { gain } => {
                gain.value()?;
                structured::check_orthogonal(shape)
            }
            Self::DeltaOrthogonal { gain, groups } => {
                gain.value()?;
                structured::check_delta_orthogonal(shape, *groups)
            }
            Self::Eye { gain } => {
                gain.value()?;
                structured::check_eye(shape)
            }
            Self::Dirac { groups } => structured::check_dirac(shape, *groups),
            Self::Sparse { sparsity, std } => structured::check_sparse(shape, *sparsity, *std),
            _ => self.source(shape, fan, &Key::new(0)).map(|_| ()),
        }
    }

    /// The row-major values of a tensor of `shape`, drawn with `key`. This is the one sampling
    /// path; [`Scheme::sample`] uploads its result. Every argument is validated first.
    pub fn sample_host(
        &self,
        shape: &[usize],
        fan: Option<&Fan>,
        key: &Key,
    ) -> error::Result<Vec<f32>> {
        let len = element_count(shape)?;
        Ok(match self.source(shape, fan, key)? {
            Source::Constant(value) => {
                let mut values = sampling::buffer(len)?;
                if value != 0.0 {
                    values.fill(value);
                }
                values
            }
            Source::Keyed(distribution) => distribution.sample(key, len)?,
            Source::Whole(values) => values,
        })
    }

    /// Elements `start..start + out.len()` of the row-major tensor [`Scheme::sample_host`] would
    /// return — a shard — computed without drawing the rest (structured schemes, which are
    /// defined by the whole matrix, compute it and copy the range). Bit-identical to that slice.
    ///
    /// ```
    /// use burn_init::{Fan, Key, Scheme};
    /// let scheme = Scheme::xavier_normal(1.0);
    /// let (shape, fan) = ([1024, 256], Fan::linear(256, 1024));
    /// let full = scheme.sample_host(&shape, Some(&fan), &Key::new(1)).unwrap();
    /// let mut rows_8_to_16 = vec![0.0; 8 * 256];
    /// scheme.fill_host(&shape, Some(&fan), &Key::new(1), 8 * 256, &mut rows_8_to_16).unwrap();
    /// assert_eq!(rows_8_to_16, full[8 * 256..16 * 256]);
    /// ```
    pub fn fill_host(
        &self,
        shape: &[usize],
        fan: Option<&Fan>,
        key: &Key,
        start: u64,
        out: &mut [f32],
    ) -> error::Result<()> {
        let len = element_count(shape)?;
        let end = start.checked_add(out.len() as u64);
        if end.is_none_or(|end| end > len as u64) {
            return Err(InitError::InvalidRange {
                what: "element",
                start,
                end: end.unwrap_or(u64::MAX),
                total: len as u64,
                shape: shape.to_vec(),
            });
        }
        match self.source(shape, fan, key)? {
            Source::Constant(value) => out.fill(value),
            Source::Keyed(distribution) => distribution.fill(key, start, out),
            Source::Whole(values) => {
                out.copy_from_slice(&values[start as usize..start as usize + out.len()])
            }
        }
        Ok(())
    }

    /// A Burn tensor of `shape` on `device`. Same key ⇒ same bits on every device.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let w: Tensor<2> = he
    ///     .sample([512, 256], Some(&Fan::linear(512, 256)), Key::new(0), &Device::default())
    ///     .unwrap();
    /// ```
    pub fn sample<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<&Fan>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        let dims = check_rank::<D>(self.name(), &shape)?;
        if let Some(value) = self.constant()? {
            // Filled on the device (no upload); Burn's allocation aborts when refused, so a
            // tensor no host could hold is refused first.
            sampling::check_allocatable(element_count(&dims)?)?;
            return Ok(Tensor::full(shape, value, device));
        }
        let values = self.sample_host(&dims, fan, &key.into())?;
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// The device engine (opt-in): like [`Scheme::sample`], but distribution schemes draw on
    /// `device` with its own RNG and transform there — no host work, no upload — for users who
    /// prefer raw GPU speed to bit-identity. Values follow the same distributions (the catalogue's
    /// statistical tests pass) but depend on Burn's per-backend seed, not on a key, and differ
    /// between devices. Structured schemes (orthogonal, sparse, …) are computed on the host and
    /// uploaded, as in [`Scheme::sample`].
    ///
    /// The tensor is allocated by Burn on the device, and Burn aborts when an allocation is
    /// refused: a tensor that no host could hold is refused here first
    /// ([`InitError::OutOfMemory`]), but one that fits the host and not a smaller GPU is not.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::{Key, Scheme};
    /// let t: Tensor<2> = Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04)
    ///     .sample_on_device([768, 768], None, Key::new(0), &Device::default())
    ///     .unwrap();
    /// ```
    pub fn sample_on_device<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<&Fan>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        let dims = check_rank::<D>(self.name(), &shape)?;
        let len = element_count(&dims)?;
        let key = key.into();
        // Burn cannot report a refused allocation (it aborts): refuse what no host could hold.
        // A device with less memory than the host is still Burn's to report.
        sampling::check_allocatable(len)?;
        let source = self.source(&dims, fan, &key)?;
        if len == 0 {
            // Burn's `reshape` reads a 0 as "keep this axis": build empty tensors directly.
            return Ok(Tensor::from_data(
                TensorData::new(Vec::<f32>::new(), shape),
                device,
            ));
        }
        Ok(match source {
            Source::Constant(value) => Tensor::full(shape, value, device),
            Source::Keyed(distribution) => distribution
                .sample_on_device(&key, len, device)?
                .reshape(shape),
            Source::Whole(values) => Tensor::from_data(TensorData::new(values, shape), device),
        })
    }

    /// Rows `rows` (along the first axis) of the tensor [`Scheme::sample`] would give for the
    /// full `shape`: a tensor-parallel shard, drawn locally without the other rows. Every device
    /// or machine that initialises its own shard this way gets the same model.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::{Fan, Key, Scheme};
    /// let device = Device::default();
    /// let (scheme, fan) = (Scheme::xavier_uniform(1.0), Fan::linear(768, 3072));
    /// let shard: Tensor<2> = scheme
    ///     .sample_rows([3072, 768], Some(&fan), Key::new(0), 1536..3072, &device)
    ///     .unwrap();
    /// assert_eq!(shard.dims(), [1536, 768]);
    /// ```
    pub fn sample_rows<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<&Fan>,
        key: impl Into<Key>,
        rows: Range<usize>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        let dims = check_rank::<D>(self.name(), &shape)?;
        let total = dims.first().copied().unwrap_or(1);
        if rows.start > rows.end || rows.end > total {
            return Err(InitError::InvalidRange {
                what: "row",
                start: rows.start as u64,
                end: rows.end as u64,
                total: total as u64,
                shape: dims,
            });
        }
        // The whole shape fits, so the shard's element count does too.
        element_count(&dims)?;
        let row_len: usize = dims.get(1..).unwrap_or(&[]).iter().product();
        let mut values = sampling::buffer(rows.len() * row_len)?;
        let start = (rows.start * row_len) as u64;
        self.fill_host(&dims, fan, &key.into(), start, &mut values)?;
        let mut shard = dims;
        if let Some(first) = shard.first_mut() {
            *first = rows.len();
        }
        Ok(Tensor::from_data(TensorData::new(values, shard), device))
    }

    /// A trainable Burn parameter (eagerly initialised), for schemes that need no fans.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use burn_init::{Key, Scheme};
    /// let device = Device::default();
    /// let w = Scheme::orthogonal(1.0).init::<2>([64, 64], Key::new(7), &device).unwrap();
    /// assert_eq!(w.dims(), [64, 64]);
    /// ```
    pub fn init<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Param<Tensor<D>>> {
        Ok(Param::from_tensor(self.sample(shape, None, key, device)?))
    }

    /// A trainable Burn parameter with the layer's fans.
    ///
    /// ```
    /// use burn::nn::{Linear, LinearConfig};
    /// use burn::tensor::Device;
    /// use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
    /// let device = Device::default();
    /// let mut layer: Linear = LinearConfig::new(784, 256).init(&device);
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// layer.weight = he.init_with([784, 256], Fan::linear(784, 256), Key::new(0), &device).unwrap();
    /// ```
    pub fn init_with<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Fan,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Param<Tensor<D>>> {
        Ok(Param::from_tensor(self.sample(
            shape,
            Some(&fan),
            key,
            device,
        )?))
    }
}

/// ∏ shape, refused when its f32 bytes do not fit in `isize` (the most one allocation can
/// address). The product of the non-zero dimensions must fit too, even when another dimension
/// is 0: row-major strides are such products (`[0, 2, usize::MAX]` overflowed Burn's strides).
pub(crate) fn element_count(shape: &[usize]) -> error::Result<usize> {
    let max = isize::MAX as usize / std::mem::size_of::<f32>();
    let nonzero = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d.max(1)))
        .filter(|&n| n <= max)
        .ok_or_else(|| InitError::TooLarge {
            shape: shape.to_vec(),
        })?;
    Ok(if shape.contains(&0) { 0 } else { nonzero })
}

fn check_rank<const D: usize>(scheme: &'static str, shape: &Shape) -> error::Result<Vec<usize>> {
    let dims = shape.as_slice().to_vec();
    if dims.len() != D {
        let expected = ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
            .get(D)
            .copied()
            .unwrap_or("D (the tensor's rank)");
        return Err(InitError::Rank {
            scheme,
            expected,
            shape: dims,
        });
    }
    Ok(dims)
}
