//! burn-init-models' integration tests, one binary for all of them. Each module's variance at
//! initialisation is measured against burn-init's prediction, once per enabled device
//! (`per_device!`), with margins in standard errors of the sample.

#[macro_use]
extern crate burn_init;

mod autoencoder;
mod blueprint;
mod common;
mod conv_measure;
mod dense;
mod even_kernels;
mod golden;
mod graph_attention;
mod inception;
mod mlp;
mod probes;
mod residual;
mod rnn;
mod separable;
mod transformer;
mod unet;
mod upsample;
mod weight_norm;
