//! The keyed stream drawn on the device (feature `device-stream`): the same key gives the same
//! bits as the host's draw, written by burn-init's own CubeCL kernel on Burn's wgpu device
//! instead of drawn on the host and uploaded.
//!
//! **The generator.** One GPU thread computes one ChaCha8 block of 16 words, laid out as
//! `rand_chacha` lays it out (RFC 7539's state: the constant, the key's 8 little-endian words,
//! the 64-bit block counter, the 64-bit stream; four double rounds), and writes the words of it
//! that fall inside the requested range. Element i of a tensor is word i of its key's stream 0 on
//! every device, and a shard `start .. start + len` is that range of the same stream, with no
//! communication between devices.
//!
//! **The contract that keeps the floats bit-identical.** The device transforms use integer
//! operations and f32 `+ − ×` only, which Vulkan and CUDA round correctly. CubeCL's optimiser
//! rewrites a product that feeds one sum into `fma` (one rounding instead of two), and a driver
//! may contract one too, so every product that feeds a sum passes through an integer xor with a
//! runtime zero, which no compiler can see through; the host computes the same operations in the
//! same order. Uniform: u = ⌊w/2⁸⌋·2⁻²⁴ (exact), x = low·(1 − u) + high·u with each product
//! rounded on its own, then kept inside [low, high]. Normal (sampler version 2,
//! [`inverse_normal`]): the word's table row and r by integer operations
//! (leading zeros, shifts, masks), Horner's rule over the row's four f32 coefficients with each
//! product rounded on its own, the word's sign bit, then mean + std·z; the table (31 KiB) is
//! uploaded with each draw. Truncated normal (version 2, `sampling::truncated`): the word's
//! 64-bit probability in the window as two u32 halves (`mul_hi`, carries by comparison), the
//! same steps on the 64-bit table (63 KiB), then mean + std·z kept inside [a, b]. GPUs may
//! flush subnormal values to zero, so uniform bounds below 2⁻¹⁰⁰ in magnitude (other than 0),
//! whose products could be subnormal, a normal's mean below 2⁻¹⁰⁰ or its std below 2⁻⁶⁸ (a
//! truncated normal's below 2⁻³⁶) are drawn on the host; both tables keep every product of the
//! evaluation above 2⁻¹⁰³ (tests of `inverse_normal` check it). What does not fit the
//! contract is drawn on the host with the same bits, and [`HostReason`] says why.
//!
//! Burn's `fusion` feature may be on or off in the application: with it on, the kernel's buffer
//! is registered with the fusion stream as Burn registers an uploaded one (`fused.rs`).

mod fused;
mod kernel;

use burn::backend::DispatchDevice;
use burn::tensor::{DType, Device, FloatDType, Shape, Tensor};
use burn_cubecl::CubeDevice;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::{BufferArg, Client, CubeCount, CubeDim};

use super::Affine;
use super::inverse_normal::{self, Width};
use super::key::Key;
use super::truncated::Window;
use crate::error::{InitError, SamplingError};

/// Why a draw takes the host path instead of the device kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostReason {
    /// The law has no device transform: the normal and truncated normal of sampler version 1
    /// reject (the ziggurat), so an element's stream position depends on earlier elements; a
    /// truncation holding less than 2⁻³² of its mass draws version 1's values under version 2
    /// too; structured schemes are computed whole.
    NoTransform,
    /// Nothing to draw.
    Empty,
    /// The device's default float type is not f32 (the host's values are converted to it).
    NotF32,
    /// The device is not a wgpu device (flex, ndarray, a remote device, or a CubeCL runtime the
    /// contract is not tested on).
    NoKernelRuntime,
    /// The range's offset in its first block plus its length reaches 2³¹ words, past the
    /// kernel's 32-bit indices (where it starts in the stream does not matter).
    TooLong,
    /// A bound is so small (0 < |b| < 2⁻¹⁰⁰) that a product could be subnormal, which GPUs may
    /// flush to zero.
    Subnormal,
    /// The device failed to give a result back ([`words`] only: a launch itself reports
    /// nothing, CubeCL's launch returns no error).
    DeviceError,
}

/// Ranges must end below this many words (the kernel indexes with u32 and adds 15).
const MAX_WORDS: u64 = 1 << 31;

/// The smallest non-zero |bound| the kernel takes. Products with a 24-bit fraction stay normal
/// from 2⁻¹⁰² on; the margin is for sums that cancel, which need both products above about half
/// the smaller bound and so stay at least 2⁻¹²⁵ (normal) from 2⁻¹⁰⁰ on. Do not tighten it to 2⁻¹⁰².
pub(crate) const SMALLEST_BOUND: f32 = f32::from_bits(27 << 23); // 2⁻¹⁰⁰: biased exponent 27

/// The CubeCL device under `device` when it is wgpu, the runtime the contract is tested on
/// (Vulkan: llvmpipe in CI, NVIDIA's driver on the GPU check). CUDA, ROCm, Metal and CubeCL's CPU
/// runtime compile the kernel through other compilers whose float options are untested here:
/// they draw on the host.
fn cube(device: &Device) -> Option<CubeDevice> {
    match device.clone().without_autodiff().as_dispatch() {
        DispatchDevice::Cube(cube @ CubeDevice::Wgpu(_)) => Some(cube.clone()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The largest buffer, in bytes, of `device` when it is a wgpu device (`None` otherwise): what
/// [`Prepared::sample`](crate::Prepared::sample) checks a tensor against.
#[doc(hidden)]
pub fn buffer_limit(device: &Device) -> Option<u64> {
    Some(cube(device)?.client().properties().memory.max_page_size)
}

/// Refuses a tensor of `shape` (`len` f32) that `device` cannot hold in one buffer, whichever
/// path would draw it: Burn itself fails only at the first read.
pub(crate) fn check_fits(shape: &[usize], len: usize, device: &Device) -> crate::error::Result<()> {
    let bytes = len as u64 * 4;
    match buffer_limit(device) {
        Some(limit) if bytes > limit => {
            Err(InitError::Sampling(SamplingError::DeviceBufferLimit {
                shape: shape.to_vec(),
                bytes,
                limit,
            }))
        }
        _ => Ok(()),
    }
}

/// The launch arguments of the range `start .. start + len` of `key`'s stream `stream`.
fn args(key: &Key, stream: u64, start: u64, len: usize) -> kernel::StreamArgsLaunch {
    let bytes = key.bytes();
    let k = |i: usize| {
        u32::from_le_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ])
    };
    let first = start / 16;
    kernel::StreamArgsLaunch::new(
        k(0),
        k(1),
        k(2),
        k(3),
        k(4),
        k(5),
        k(6),
        k(7),
        first as u32,
        (first >> 32) as u32,
        stream as u32,
        (stream >> 32) as u32,
        (start % 16) as u32,
        len as u32,
    )
}

fn check_range(start: u64, len: usize) -> Result<(), HostReason> {
    if len == 0 {
        return Err(HostReason::Empty);
    }
    // The kernel's word index is relative to the first block: lead + len must fit.
    if (start % 16) + len as u64 >= MAX_WORDS {
        return Err(HostReason::TooLong);
    }
    Ok(())
}

/// A law the kernels draw, with its f32 parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DeviceLaw {
    /// U(low, high): `uniform_kernel`.
    Uniform { low: f32, high: f32 },
    /// N(mean, std²) by sampler version 2: `normal_kernel`.
    Normal { mean: f32, std: f32 },
    /// N(mean, std²) conditioned on [low, high] by sampler version 2, its words spread over
    /// `window`: `truncated_kernel`.
    TruncatedNormal { window: Window, affine: Affine },
}

/// The smallest non-zero std the normal kernel takes: version 2's smallest |z| is
/// √(2π)·2⁻³³ > 2⁻³², so std·z stays at least 2⁻¹⁰⁰ (as [`SMALLEST_BOUND`] asks) from 2⁻⁶⁸ on.
pub(crate) const SMALLEST_STD: f32 = f32::from_bits(59 << 23); // 2⁻⁶⁸: biased exponent 59

/// The smallest std the truncated kernel takes: its smallest |z| (at the middle probability of
/// 64 bits) is √(2π)·2⁻⁶⁵ > 2⁻⁶⁴, so std·z stays at least 2⁻¹⁰⁰ from 2⁻³⁶ on.
pub(crate) const SMALLEST_TRUNCATED_STD: f32 = f32::from_bits(91 << 23); // 2⁻³⁶

impl DeviceLaw {
    /// The one statement of the kernel's limits for this law: its mean (0 for a uniform law) and
    /// the values its draws are made of (bounds, std), each with the smallest non-zero
    /// magnitude the exact contract allows it (a 0 pads the list).
    fn limits(&self) -> (f32, [(f32, f32); 3]) {
        match *self {
            Self::Uniform { low, high } => (
                0.0,
                [(low, SMALLEST_BOUND), (high, SMALLEST_BOUND), (0.0, 0.0)],
            ),
            Self::Normal { mean, std } => (mean, [(std, SMALLEST_STD), (0.0, 0.0), (0.0, 0.0)]),
            Self::TruncatedNormal { affine, .. } => {
                let (mean, std, low, high) = affine.parts();
                (
                    mean,
                    [
                        (std, SMALLEST_TRUNCATED_STD),
                        (low, SMALLEST_BOUND),
                        (high, SMALLEST_BOUND),
                    ],
                )
            }
        }
    }

    /// Whether a value's products or sums could be subnormal, which GPUs may flush to zero: a
    /// non-zero mean below 2⁻¹⁰⁰, or a value below its limit ([`DeviceLaw::limits`]).
    fn could_be_subnormal(&self) -> bool {
        let tiny = |x: f32, smallest: f32| x != 0.0 && x.abs() < smallest;
        let (mean, values) = self.limits();
        tiny(mean, SMALLEST_BOUND) || values.iter().any(|&(x, smallest)| tiny(x, smallest))
    }

    /// Whether every value times `multiplier` (one f32 product on the device) stays normal or
    /// zero: every non-zero bound or std times it stays above its limit. A law with a non-zero
    /// mean is not scaled on the device (mean + std·z can cancel to anything).
    pub(crate) fn scales_exactly(&self, multiplier: f32) -> bool {
        if multiplier == 1.0 {
            return true;
        }
        if !multiplier.is_normal() {
            return false;
        }
        let (mean, values) = self.limits();
        mean == 0.0
            && values
                .iter()
                .all(|&(x, smallest)| x == 0.0 || (x * multiplier).abs() >= smallest)
    }
}

/// The device a draw of `law` over `start .. start + len` runs on, or why it runs on the host.
pub(crate) fn path(
    law: DeviceLaw,
    start: u64,
    len: usize,
    device: &Device,
) -> Result<CubeDevice, HostReason> {
    let cube = cube(device).ok_or(HostReason::NoKernelRuntime)?;
    check_range(start, len)?;
    if device.settings().float_dtype != FloatDType::F32 {
        return Err(HostReason::NotF32);
    }
    if law.could_be_subnormal() {
        return Err(HostReason::Subnormal);
    }
    Ok(cube)
}

/// Launch geometry: one unit per block of 16 words.
fn geometry(client: &Client, start: u64, len: usize) -> (CubeCount, CubeDim) {
    let blocks = ((start % 16) as usize + len).div_ceil(16);
    let dim = CubeDim::new_1d(256);
    (
        cubecl::calculate_cube_count_elemwise(client, blocks, dim),
        dim,
    )
}

/// Elements `start .. start + len` of `law` drawn with `key` on `device`: bit-identical to the
/// host's fill of the same range (`Uniform`, or `Normal` of sampler version 2).
pub(crate) fn draw(
    law: DeviceLaw,
    key: &Key,
    start: u64,
    len: usize,
    device: &Device,
) -> Result<Tensor<1>, HostReason> {
    let cube = path(law, start, len, device)?;
    let client = cube.client();
    let handle = client.empty(len * size_of::<f32>());
    let (count, dim) = geometry(&client, start, len);
    // SAFETY: the buffer was made for `len` f32 just above.
    let out = unsafe { BufferArg::from_raw_parts(handle.clone(), len) };
    let args = args(key, 0, start, len);
    match law {
        DeviceLaw::Uniform { low, high } => {
            kernel::uniform_kernel::launch(&client, count, dim, out, args, low, high, 0u32);
        }
        DeviceLaw::Normal { mean, std } => {
            let table = table(&client, Width::Word32);
            kernel::normal_kernel::launch(&client, count, dim, out, args, table, mean, std, 0u32);
        }
        DeviceLaw::TruncatedNormal { window, affine } => {
            let table = table(&client, Width::Word64);
            let (mean, std, low, high) = affine.parts();
            let window = kernel::TruncationArgsLaunch::new(
                window.start as u32,
                (window.start >> 32) as u32,
                window.span as u32,
                (window.span >> 32) as u32,
                mean,
                std,
                low,
                high,
            );
            kernel::truncated_kernel::launch(&client, count, dim, out, args, table, window, 0u32);
        }
    }
    let tensor =
        CubeTensor::new_contiguous(client, cube.clone(), Shape::new([len]), handle, DType::F32);
    let tensor = fused::into_tensor(tensor, &cube);
    Ok(match device.gradient_checkpointing_strategy() {
        Some(strategy) => tensor
            .autodiff()
            .with_gradient_checkpointing_strategy(strategy),
        None => tensor,
    })
}

/// A buffer of u32 read back from the device (for the tests' kernels).
fn read_u32(client: &Client, handle: cubecl::server::Handle) -> Result<Vec<u32>, HostReason> {
    let bytes = client
        .read_one(handle)
        .map_err(|_| HostReason::DeviceError)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect())
}

/// One of version 2's coefficient tables (`inverse_normal`), uploaded to `client`.
fn table(client: &Client, width: Width) -> BufferArg {
    let table = inverse_normal::table_bits(width);
    let handle = client.create_from_slice(bytemuck::cast_slice(table));
    // SAFETY: the buffer holds the table's f32 bit patterns just written.
    unsafe { BufferArg::from_raw_parts(handle, table.len()) }
}

/// The version-2 standard normal deviates of the words `first .. first + len` themselves (no
/// generator), computed on `device` and read back as bits: the transform alone, for tests
/// against the host's over chosen words or all 2³² of them.
#[doc(hidden)]
pub fn standard_normals(first: u32, len: u32, device: &Device) -> Result<Vec<u32>, HostReason> {
    let cube = cube(device).ok_or(HostReason::NoKernelRuntime)?;
    if len == 0 {
        return Err(HostReason::Empty);
    }
    let client = cube.client();
    let handle = client.empty(len as usize * size_of::<u32>());
    let dim = CubeDim::new_1d(256);
    let count = cubecl::calculate_cube_count_elemwise(&client, len as usize, dim);
    kernel::deviates_kernel::launch(
        &client,
        count,
        dim,
        // SAFETY: the buffer was made for `len` u32 just above.
        unsafe { BufferArg::from_raw_parts(handle.clone(), len as usize) },
        first,
        len,
        table(&client, Width::Word32),
        0u32,
    );
    read_u32(&client, handle)
}

/// The version-2 deviates at the 64-bit probabilities `probabilities`
/// ([`inverse_normal::deviate_at`]), computed on `device` and read back as bits: the transform of
/// the truncated normal alone, for tests against the host's at chosen probabilities.
#[doc(hidden)]
pub fn deviates_at(probabilities: &[u64], device: &Device) -> Result<Vec<u32>, HostReason> {
    let cube = cube(device).ok_or(HostReason::NoKernelRuntime)?;
    if probabilities.is_empty() {
        return Err(HostReason::Empty);
    }
    let len = probabilities.len();
    let client = cube.client();
    let handle = client.empty(len * size_of::<u32>());
    let halves: Vec<u32> = probabilities
        .iter()
        .flat_map(|&f| [f as u32, (f >> 32) as u32])
        .collect();
    let input = client.create_from_slice(bytemuck::cast_slice(&halves));
    let dim = CubeDim::new_1d(256);
    let count = cubecl::calculate_cube_count_elemwise(&client, len, dim);
    kernel::wide_deviates_kernel::launch(
        &client,
        count,
        dim,
        // SAFETY: the buffers were made for `len` u32 and `2·len` u32 just above.
        unsafe { BufferArg::from_raw_parts(handle.clone(), len) },
        unsafe { BufferArg::from_raw_parts(input, 2 * len) },
        len as u32,
        table(&client, Width::Word64),
        0u32,
    );
    read_u32(&client, handle)
}

/// Whether Burn's `fusion` feature is on in this build, so that the kernel's buffers are handed
/// to the fusion stream (for the tests of that build).
#[doc(hidden)]
pub fn fused() -> bool {
    fused::is_fused()
}

/// Raw words `start .. start + len` of `key`'s stream `stream`, computed on `device` and read
/// back: the generator itself, for tests against `rand_chacha`.
#[doc(hidden)]
pub fn words(
    key: &Key,
    stream: u64,
    start: u64,
    len: usize,
    device: &Device,
) -> Result<Vec<u32>, HostReason> {
    let cube = cube(device).ok_or(HostReason::NoKernelRuntime)?;
    check_range(start, len)?;
    let client = cube.client();
    let handle = client.empty(len * size_of::<u32>());
    let (count, dim) = geometry(&client, start, len);
    kernel::words_kernel::launch(
        &client,
        count,
        dim,
        unsafe { BufferArg::from_raw_parts(handle.clone(), len) },
        args(key, stream, start, len),
    );
    read_u32(&client, handle)
}
