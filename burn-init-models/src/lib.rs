//! burn-init-models
