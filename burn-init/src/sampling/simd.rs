//! Runtime dispatch of the element transforms to AVX2 where the CPU has it.
//!
//! The transforms are plain Rust loops that LLVM vectorises; compiled for the baseline x86-64
//! target they run 4 lanes of SSE2 without gathers, for AVX2 8 lanes with gathers (the ziggurat's
//! table lookups). The same IEEE operations run either way (Rust never contracts a·b + c into an
//! FMA), so both paths give the same bits — the ziggurat's unit tests check this.
//!
//! [`multiversion!`](crate::sampling::simd) turns a function body into a kernel marked
//! `#[inline(always)]` plus an entry point compiled with `#[target_feature(enable = "avx2")]` that
//! inlines it: the kernel's loops are therefore compiled for AVX2 — a closure handed to such a
//! function would not be (LLVM keeps a closure that is not inlined at the baseline target, which
//! is what a perf profile of the first version showed: scalar loops). `std::arch` detection is the
//! whole of what is needed, so no crate is used.

/// Defines a function whose body is compiled twice, for the baseline target and for AVX2, and
/// which runs the AVX2 version when the CPU supports it. Arguments are plain `name: Type` pairs.
///
/// Written `multiversion! { avx512; fn … }`, the body is compiled a third time for AVX-512
/// (16 lanes, `vplzcntd`, 16-wide gathers), run where the CPU has it. Only version 2's normal
/// transform asks for it: on the project machine (criterion, `inplace/` at 4096²), its fill took
/// 24.8 ms with AVX2 and 19.4 ms with AVX-512, while the uniform, ziggurat and truncated fills
/// were no faster with AVX-512 (12.5, 20.7, 30.8 ms against 12.0, 20.5, 28.3 ms with AVX2).
macro_rules! multiversion {
    (avx512; $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512cd,avx512vl,avx512bw,avx512dq")]
                fn avx512($($arg: $ty),*) $(-> $ret)? $body
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512cd")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                {
                    // SAFETY: the CPU supports these features (checked just above).
                    return unsafe { avx512($($arg),*) };
                }
            }
            $crate::sampling::simd::multiversion! {
                fn rest($($arg: $ty),*) $(-> $ret)? $body
            }
            rest($($arg),*)
        }
    };
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn kernel($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    kernel($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { avx2($($arg),*) };
                }
            }
            kernel($($arg),*)
        }
    };
}

pub(crate) use multiversion;
