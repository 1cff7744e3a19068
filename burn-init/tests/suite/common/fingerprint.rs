//! The golden-bits fingerprint, shared by burn-init's and burn-init-models' golden tests (the
//! latter include this file by path): the library's own ([`burn_init::fingerprint`]).

pub use burn_init::fingerprint::of_values as fingerprint;
