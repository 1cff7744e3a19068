//! The f64 reference: the same weights and input on a CPU device whose default float type is f64,
//! so that every operation of the forward pass runs in f64.
//!
//! Burn fixes a device's default float type once per process (the first tensor created on it
//! locks it) and flex has one device, so the reference device is configured before any tensor
//! exists, in a process of its own: the study runs it as a child process, the tests in a test
//! binary of their own. The weights are the key's f32 draws, exact in f64, and so is the input:
//! the reference computes the f32 runs' own network, in f64.

use burn::tensor::{Device, FloatDType};

/// Flex with f64 as its default float type, or why not (a tensor already exists on it in this
/// process, or the backend refuses f64).
/// Asking again in the same process gives the same device (already f64).
pub fn device() -> Result<Device, String> {
    let mut device = Device::flex();
    match device.configure(FloatDType::F64) {
        Ok(()) => Ok(device),
        Err(_) if device.settings().float_dtype == FloatDType::F64 => Ok(device),
        Err(error) => Err(format!(
            "the f64 reference needs flex unused in its process (configure before any tensor): {error:?}"
        )),
    }
}
