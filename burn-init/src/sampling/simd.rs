//! Runtime dispatch of the element transforms to AVX2 where the CPU has it.
//!
//! The transforms are plain Rust loops over fixed-size chunks that LLVM vectorises; compiled for
//! the baseline x86-64 target they run 4 lanes of SSE2 without gathers, for AVX2 8 lanes with
//! gathers (the ziggurat's table lookups). The same IEEE operations run either way (Rust never
//! contracts a·b + c into an FMA), so both paths give the same bits — `tests` checks this.
//! `std::arch` detection is used rather than a crate: it is the whole of what is needed.

/// Runs `f` compiled for AVX2 when the CPU supports it, for the baseline target otherwise.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            #[target_feature(enable = "avx2")]
            fn avx2<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { avx2(f) };
        }
    }
    f()
}
