//! What the binaries share on the command line: the device, resolved one way, and clap's errors
//! turned into the one line and exit code 1 every binary promises.

use std::process::ExitCode;

use burn::tensor::Device;
use clap::error::ErrorKind;
use clap::{Args, Parser, ValueEnum};

#[cfg(not(any(feature = "flex", feature = "ndarray", feature = "wgpu")))]
compile_error!("the examples need a device: enable flex, ndarray or wgpu (the default is flex)");

/// A device this build enables (`--help` lists exactly those).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceName {
    /// Burn's flex CPU backend.
    #[cfg(feature = "flex")]
    Flex,
    /// Burn's ndarray CPU backend.
    #[cfg(feature = "ndarray")]
    Ndarray,
    /// wgpu: a GPU, or Mesa's software Vulkan (llvmpipe).
    #[cfg(feature = "wgpu")]
    Wgpu,
}

impl DeviceName {
    /// The first device this build enables: flex when it is on.
    pub fn first() -> Self {
        Self::value_variants()[0]
    }

    /// `flex`, `ndarray`, `wgpu`.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "flex")]
            Self::Flex => "flex",
            #[cfg(feature = "ndarray")]
            Self::Ndarray => "ndarray",
            #[cfg(feature = "wgpu")]
            Self::Wgpu => "wgpu",
        }
    }
}

/// An optimiser a verdict or a study is for (`adam`, `sgd` on the command line and in JSON).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerName {
    /// Adam: the step normalised per parameter.
    Adam,
    /// Plain SGD: the step is the gradient.
    Sgd,
}

impl std::fmt::Display for OptimizerName {
    /// `adam`, `sgd`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(burn_init::diagnostics::Optimizer::from(*self).name())
    }
}

impl From<OptimizerName> for burn_init::diagnostics::Optimizer {
    fn from(name: OptimizerName) -> Self {
        match name {
            OptimizerName::Adam => Self::Adam,
            OptimizerName::Sgd => Self::Sgd,
        }
    }
}

/// `--device`, shared by every binary.
#[derive(Args, Debug, Clone)]
pub struct DeviceArg {
    /// The device to run on (those this build enables; `--all-features` adds wgpu).
    #[arg(long, value_enum, default_value_t = DeviceName::first())]
    pub device: DeviceName,
}

impl DeviceArg {
    /// The device's name and the device, after one small operation on it: a device this build
    /// enables may still be unusable here (wgpu without an adapter or a Vulkan driver), and
    /// Burn panics on first use then. The panic is caught, with the default hook silenced, and
    /// becomes one line naming `--device`.
    pub fn resolve(&self) -> Result<(String, Device), String> {
        let name = self.device.name();
        let device = burn_init::devices::by_name(name)
            .ok_or_else(|| format!("--device {name}: not enabled in this build"))?;
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let probe = std::panic::catch_unwind(|| {
            burn::tensor::Tensor::<1>::ones([4], &device)
                .sum()
                .into_scalar::<f32>()
        });
        std::panic::set_hook(hook);
        match probe {
            Ok(4.0) => Ok((name.to_string(), device)),
            Ok(v) => Err(format!(
                "--device {name}: computed 1+1+1+1 = {v}; the device is not usable"
            )),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "it panicked".into());
                Err(format!(
                    "--device {name}: not usable on this machine: {}",
                    why.lines().next().unwrap_or_default()
                ))
            }
        }
    }
}

/// The binary's arguments, or the exit code to leave with: help and version print and exit 0;
/// any bad argument prints one line — `error: ` clap's message, with its possible values and
/// its "did you mean" tip on the same line — and exits 1 (clap's own exit code is 2).
pub fn parse<T: Parser>() -> Result<T, ExitCode> {
    T::try_parse().map_err(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("error: {}", one_line(&error.render().to_string()));
            ExitCode::FAILURE
        }
    })
}

/// clap's rendered error as one line: its message, then its possible values and tips, without
/// the usage and the pointer to `--help`.
fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    struct Demo {
        #[command(flatten)]
        device: DeviceArg,
        #[arg(long, default_value_t = 1)]
        depth: usize,
    }

    fn error(args: &[&str]) -> String {
        let e =
            Demo::try_parse_from(std::iter::once("demo").chain(args.iter().copied())).unwrap_err();
        one_line(&e.render().to_string())
    }

    #[test]
    fn a_bad_argument_is_one_line_naming_it() {
        let typo = error(&["--device", "flx"]);
        assert!(!typo.contains('\n'), "{typo}");
        assert!(
            typo.contains("'flx'") && typo.contains("--device"),
            "{typo}"
        );
        assert!(
            typo.contains("possible values") || typo.contains("similar"),
            "{typo}"
        );
        let number = error(&["--depth", "two"]);
        assert!(
            number.contains("--depth") && number.contains("'two'"),
            "{number}"
        );
        assert!(
            !number.contains("Usage") && !number.contains("--help"),
            "{number}"
        );
    }

    #[test]
    fn the_default_device_is_the_first_enabled() {
        let demo = Demo::try_parse_from(["demo"]).unwrap();
        assert_eq!(demo.device.device, DeviceName::value_variants()[0]);
        assert_eq!(
            demo.device.device.name(),
            burn_init::devices::names()[0],
            "the library's device order and the CLI's agree"
        );
    }
}
