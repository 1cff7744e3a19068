//! Runnable studies of initialisation with burn-init. Each study is a library module (so that
//! tests can run it and assert its claims) and a binary in `src/bin/`.

pub mod backends;
pub mod diagnose;

pub mod cli;
pub mod signal_propagation;
pub mod training;
pub mod verdicts;
