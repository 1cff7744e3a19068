//! Host buffers for tensors about to be filled.
//!
//! A fresh multi-megabyte allocation is mapped lazily and every first touch of a 4 KiB page is a
//! page fault; on virtual machines that costs more than generating the numbers (measured here:
//! filling a fresh 64 MiB buffer runs at 430 Melem/s, a warm one at 1 050 Melem/s). Large
//! buffers therefore ask Linux for transparent huge pages before the first touch, which divides
//! the faults by 512 (740 Melem/s fresh). Nothing else changes: the buffer is an ordinary
//! `Vec<f32>` that Burn takes over without a copy (`TensorData::new`).

use crate::error::{self, InitError, Result, SamplingError};
use std::alloc::{self, Layout};

/// Bytes of a huge page.
const HUGE_PAGE: usize = 2 << 20;

/// A zeroed buffer of `len` f32, not yet touched: [`SamplingError::TooLarge`] when its byte size
/// does not fit in `isize`, [`SamplingError::OutOfMemory`] when the allocator refuses it (where
/// `vec!` would panic or abort).
pub fn buffer(len: usize) -> Result<Vec<f32>> {
    let layout = Layout::array::<f32>(len)
        .map_err(|_| InitError::Sampling(SamplingError::TooLarge { shape: vec![len] }))?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // Written by hand because the standard library has no fallible zeroed allocation:
    // `vec![0.0; n]` (calloc, lazily mapped pages) aborts when the allocator refuses, and
    // `try_reserve` + `resize` writes every page twice.
    // SAFETY: `layout` has a non-zero size. The pointer, when not null, comes from the global
    // allocator with exactly `Vec<f32>`'s layout for capacity `len`, and all its bytes are zero,
    // which is the f32 value 0.0, so the `len` elements are initialised.
    let mut values = unsafe {
        let pointer = alloc::alloc_zeroed(layout).cast::<f32>();
        if pointer.is_null() {
            return Err(InitError::Sampling(SamplingError::OutOfMemory {
                elements: len,
                bytes: layout.size(),
                cause: error::REFUSED_BY_ALLOCATOR,
            }));
        }
        Vec::from_raw_parts(pointer, len, len)
    };
    advise_huge_pages(&mut values);
    Ok(values)
}

/// Whether a buffer of `len` f32 could exist on this host at all: its bytes fit in `isize` and in
/// the machine's RAM plus swap (Linux `sysinfo`; elsewhere only the `isize` bound). Asked before
/// Burn allocates on a device or inside a lazy initialiser, where a refusal would abort or panic;
/// nothing is allocated, so the allocator's state is untouched.
pub(crate) fn check_allocatable(len: usize) -> Result<()> {
    let layout = Layout::array::<f32>(len)
        .map_err(|_| InitError::Sampling(SamplingError::TooLarge { shape: vec![len] }))?;
    match host_memory() {
        Some(total) if layout.size() as u128 > total => {
            Err(InitError::Sampling(SamplingError::OutOfMemory {
                elements: len,
                bytes: layout.size(),
                cause: error::EXCEEDS_HOST_MEMORY,
            }))
        }
        _ => Ok(()),
    }
}

/// RAM plus swap in bytes.
#[cfg(target_os = "linux")]
fn host_memory() -> Option<u128> {
    // SAFETY: `sysinfo` fills the struct it is given and touches nothing else.
    let mut info: libc::sysinfo = unsafe { std::mem::zeroed() };
    if unsafe { libc::sysinfo(&mut info) } != 0 {
        return None;
    }
    let unit = u128::from(info.mem_unit.max(1));
    Some((u128::from(info.totalram) + u128::from(info.totalswap)) * unit)
}

#[cfg(not(target_os = "linux"))]
fn host_memory() -> Option<u128> {
    None
}

/// An empty `Vec` with room for `len` elements, or a typed error where `Vec::with_capacity`
/// would panic (capacity overflow) or abort (allocation refused).
pub(crate) fn with_capacity<T>(len: usize) -> Result<Vec<T>> {
    let mut values = Vec::new();
    values.try_reserve_exact(len).map_err(|_| {
        InitError::Sampling(SamplingError::OutOfMemory {
            elements: len,
            bytes: len.saturating_mul(std::mem::size_of::<T>()),
            cause: error::REFUSED_BY_ALLOCATOR,
        })
    })?;
    Ok(values)
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(values: &mut [f32]) {
    let begin = values.as_mut_ptr() as usize;
    let end = begin + std::mem::size_of_val(values);
    let (start, stop) = (
        begin.next_multiple_of(HUGE_PAGE),
        end / HUGE_PAGE * HUGE_PAGE,
    );
    if stop > start {
        // SAFETY: advice about whole pages inside our own live allocation. MADV_HUGEPAGE neither
        // reads nor writes the memory and keeps its contents; if the kernel declines, nothing
        // changes (the result is deliberately ignored: this is an optimisation only).
        unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                stop - start,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_values: &mut [f32]) {}
