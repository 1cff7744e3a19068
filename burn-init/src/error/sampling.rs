//! A draw the host cannot hold, or a shard outside its tensor.

/// A draw the host cannot hold, or a shard outside its tensor.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SamplingError {
    /// The shape's size in bytes (4 per f32 element) does not fit in `isize`, the most one
    /// allocation can address.
    #[error("shape {shape:?} is too large: its f32 elements need more bytes than isize::MAX")]
    TooLarge {
        /// The shape.
        shape: Vec<usize>,
    },
    /// A host buffer the machine cannot hold: refused by the allocator, or (before anything is
    /// allocated, where Burn would abort) larger than the host's RAM plus swap.
    #[error("out of memory: {elements} f32 ({bytes} bytes) {cause}")]
    OutOfMemory {
        /// Elements requested.
        elements: usize,
        /// Bytes requested.
        bytes: usize,
        /// What refused it: [`REFUSED_BY_ALLOCATOR`](super::REFUSED_BY_ALLOCATOR) or
        /// [`EXCEEDS_HOST_MEMORY`](super::EXCEEDS_HOST_MEMORY).
        cause: &'static str,
    },
    /// A tensor larger than the device holds in one buffer (wgpu states its limit; llvmpipe's is
    /// 128 MiB), refused before drawing: Burn itself would fail only at the first read.
    #[error(
        "shape {shape:?} needs {bytes} bytes in one buffer; this device's buffers hold at most {limit}"
    )]
    DeviceBufferLimit {
        /// The shape (of the shard, for a shard).
        shape: Vec<usize>,
        /// Bytes the tensor needs.
        bytes: u64,
        /// The device's largest buffer.
        limit: u64,
    },
    /// A shard (a range of elements, or of rows) reaches past the end of the tensor.
    #[error("{what} {start}..{end} is outside the tensor's {total} {what}s (shape {shape:?})")]
    InvalidRange {
        /// `element` or `row`.
        what: &'static str,
        /// First index of the range.
        start: u64,
        /// One past the last index.
        end: u64,
        /// How many the tensor has.
        total: u64,
        /// The full tensor's shape.
        shape: Vec<usize>,
    },
}
