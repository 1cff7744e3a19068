//! burn-init's integration tests, one binary (one link of Burn) for all of them.
//! Tests that touch a device run once per enabled device (`per_device!`).

#[macro_use]
extern crate burn_init;

mod common;

mod catalogue;
mod composition;
mod config;
mod device_engine;
#[cfg(feature = "device-stream")]
mod device_stream;
mod diagnostics;
mod diagnostics_claims;
mod errors;
mod fans;
mod gains;
mod golden;
mod health;
mod imports;
mod interop;
mod mup;
mod policy;
mod prepared;
mod presets;
mod pytorch_parity;
mod reproducibility;
mod robustness;
mod structure;
mod user_path;
