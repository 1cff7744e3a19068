//! Drawing a scheme: host values, shards, Burn tensors and parameters.
//!
//! Every entry point prepares the scheme first ([`Scheme::prepare`]: every argument checked once,
//! nothing drawn for a refused call), then reads the same keyed stream: [`Scheme::sample_host`] is the whole tensor,
//! [`Scheme::fill_host`] any contiguous range of it, [`Scheme::sample`] and
//! [`Scheme::sample_rows`] upload those to a Burn device, `init`/`init_with` wrap them as `Param`.

use crate::error::{self, InitError, SamplingError};
use std::ops::Range;

use burn::module::Param;
use burn::tensor::{Device, Shape, Tensor};

use super::Scheme;
use crate::fan::Fan;
use crate::sampling::Key;

impl Scheme {
    /// The row-major values of a tensor of `shape`, drawn with `key`. This is the one sampling
    /// path; [`Scheme::sample`] uploads its result. Every argument is validated first.
    pub fn sample_host(
        &self,
        shape: &[usize],
        fan: Option<Fan>,
        key: impl Into<Key>,
    ) -> error::Result<Vec<f32>> {
        self.prepare(shape, fan)?.sample_host(key)
    }

    /// Elements `start..start + out.len()` of the row-major tensor [`Scheme::sample_host`] would
    /// return — a shard — computed without drawing the rest (structured schemes, which are
    /// defined by the whole matrix, compute it and copy the range). Bit-identical to that slice.
    ///
    /// ```
    /// use burn_init::{Fan, Key, Scheme};
    /// let scheme = Scheme::xavier_normal(1.0);
    /// let (shape, fan) = ([1024, 256], Fan::linear(256, 1024));
    /// let full = scheme.sample_host(&shape, Some(fan), &Key::new(1)).unwrap();
    /// let mut rows_8_to_16 = vec![0.0; 8 * 256];
    /// scheme.fill_host(&shape, Some(fan), &Key::new(1), 8 * 256, &mut rows_8_to_16).unwrap();
    /// assert_eq!(rows_8_to_16, full[8 * 256..16 * 256]);
    /// ```
    pub fn fill_host(
        &self,
        shape: &[usize],
        fan: Option<Fan>,
        key: impl Into<Key>,
        start: u64,
        out: &mut [f32],
    ) -> error::Result<()> {
        self.prepare(shape, fan)?.fill_host(key, start, out)
    }

    /// A Burn tensor of `shape` on `device`. Same key ⇒ same bits on every device.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let w: Tensor<2> = he
    ///     .sample([512, 256], Some(Fan::linear(512, 256)), Key::new(0), &Device::default())
    ///     .unwrap();
    /// ```
    pub fn sample<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<Fan>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        self.prepare(shape.as_slice(), fan)?.sample(key, device)
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
    /// ([`SamplingError::OutOfMemory`]), but one that fits the host and not a smaller GPU is not.
    ///
    /// (Compiled, not run: as a separate doctest process on llvmpipe with every feature on, this
    /// example aborted at exit with "double free or corruption" in 4 of 6 runs; the suite's
    /// `device_engine` tests run the same draw on every device.)
    ///
    /// ```no_run
    /// use burn::tensor::{Device, Tensor};
    /// use burn_init::{Key, Scheme};
    /// let t: Tensor<2> = Scheme::trunc_normal(0.0, 0.02, -0.04, 0.04)
    ///     .sample_on_device([768, 768], None, Key::new(0), &Device::default())
    ///     .unwrap();
    /// ```
    pub fn sample_on_device<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<Fan>,
        key: impl Into<Key>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        self.prepare(shape.as_slice(), fan)?
            .sample_on_device(key, device)
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
    ///     .sample_rows([3072, 768], Some(fan), Key::new(0), 1536..3072, &device)
    ///     .unwrap();
    /// assert_eq!(shard.dims(), [1536, 768]);
    /// ```
    pub fn sample_rows<const D: usize>(
        &self,
        shape: impl Into<Shape>,
        fan: Option<Fan>,
        key: impl Into<Key>,
        rows: Range<usize>,
        device: &Device,
    ) -> error::Result<Tensor<D>> {
        let shape: Shape = shape.into();
        self.prepare(shape.as_slice(), fan)?
            .sample_rows(key, rows, device)
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
            Some(fan),
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
        .ok_or_else(|| {
            InitError::Sampling(SamplingError::TooLarge {
                shape: shape.to_vec(),
            })
        })?;
    Ok(if shape.contains(&0) { 0 } else { nonzero })
}
