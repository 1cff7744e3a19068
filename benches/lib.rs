//! Criterion benchmarks for burn-init live in `schemes.rs`; run them with
//! `cargo bench -p burn-init-benches` (add `--features wgpu` and set `BURN_INIT_BENCH_DEVICE=wgpu`
//! for the GPU).
