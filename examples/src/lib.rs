//! Runnable studies of initialisation with burn-init. Each study is a library module (so that
//! tests can run it and assert its claims) and a binary in `src/bin/`.

pub mod diagnose;

/// The device named on a command line (the first enabled one when none is named), or the
/// one-line error the binaries print: the name and the devices this build enables.
pub fn device_by_name(name: Option<&str>) -> Result<(String, burn::tensor::Device), String> {
    let enabled = burn_init::devices::names();
    let name = name.unwrap_or(enabled[0]).to_string();
    match burn_init::devices::by_name(&name) {
        Some(device) => Ok((name, device)),
        None => Err(format!(
            "device `{name}` is not enabled in this build (enabled: {enabled:?}; add `--features wgpu` for wgpu)"
        )),
    }
}
pub mod signal_propagation;
pub mod training;
pub mod verdicts;
