//! The Burn devices this build enables, by name, for examples, tests and benchmarks.
//!
//! Library code never names a backend: everything else in burn-init takes a `&Device`. This
//! module is the one place that maps the cargo features `ndarray`, `flex` and `wgpu` to devices.

use burn::tensor::Device;

/// Names of the devices this build enables, CPU first.
pub fn names() -> Vec<&'static str> {
    [
        #[cfg(feature = "flex")]
        "flex",
        #[cfg(feature = "ndarray")]
        "ndarray",
        #[cfg(feature = "wgpu")]
        "wgpu",
    ]
    .to_vec()
}

/// The device called `name` (`flex`, `ndarray` or `wgpu`), if this build enables it.
pub fn by_name(name: &str) -> Option<Device> {
    match name {
        #[cfg(feature = "flex")]
        "flex" => Some(Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        // Burn deprecates ndarray in favour of flex; we still test on it.
        "ndarray" => Some(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Some(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        _ => None,
    }
}

/// Every enabled device with its name.
pub fn enabled() -> Vec<(&'static str, Device)> {
    names()
        .into_iter()
        .filter_map(|name| by_name(name).map(|device| (name, device)))
        .collect()
}

/// The first enabled CPU device (flex, else ndarray), else the first enabled device.
pub fn default_cpu() -> Option<(&'static str, Device)> {
    enabled().into_iter().next()
}

/// Writes each test once and runs it on every device the build enables: `flex::name`,
/// `ndarray::name`, `wgpu::name` (the calling crate needs the same `flex`, `ndarray`, `wgpu`
/// features as burn-init). Each function takes `&burn::tensor::Device`.
///
/// ```ignore
/// burn_init::per_device! {
///     fn draws_on_the_device(device) {
///         let w = burn_init::Scheme::xavier_normal(1.0).sample::<2>([4, 4], None, 0u64, device);
///     }
/// }
/// ```
#[macro_export]
macro_rules! per_device {
    ($( $(#[$meta:meta])* fn $name:ident($device:ident) $body:block )*) => {
        $( $(#[$meta])* fn $name($device: &burn::tensor::Device) $body )*

        #[cfg(feature = "flex")]
        mod flex {
            $( #[test] fn $name() { super::$name(&$crate::devices::by_name("flex").unwrap()) } )*
        }
        #[cfg(feature = "ndarray")]
        mod ndarray {
            $( #[test] fn $name() { super::$name(&$crate::devices::by_name("ndarray").unwrap()) } )*
        }
        #[cfg(feature = "wgpu")]
        mod wgpu {
            $( #[test] fn $name() { super::$name(&$crate::devices::by_name("wgpu").unwrap()) } )*
        }
    };
}
