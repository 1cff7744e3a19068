//! Signal propagation through a depth-50 MLP under seven initialisation schemes.
//!
//! `cargo run -p burn-init-examples --bin signal_propagation [-- --device wgpu --json out.json]`

use std::path::PathBuf;
use std::process::ExitCode;

use burn_init_examples::cli::{self, DeviceArg};
use burn_init_examples::signal_propagation::{StudyConfig, check_claims, report, run};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Activation variance through a deep MLP under each initialisation scheme")]
struct Args {
    #[command(flatten)]
    device: DeviceArg,
    /// Write every number (and the claim checks) to this JSON file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Number of layers.
    #[arg(long, default_value_t = 50)]
    depth: usize,
    /// Width of every layer.
    #[arg(long, default_value_t = 512)]
    width: usize,
    /// Number of input samples.
    #[arg(long, default_value_t = 512)]
    batch: usize,
    /// Root seed of every key.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    let args: Args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    let (name, device) = match args.device.resolve() {
        Ok(found) => found,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if args.depth == 0 || args.width == 0 || args.batch == 0 {
        eprintln!("error: --depth, --width and --batch must be positive");
        return ExitCode::FAILURE;
    }
    let config = StudyConfig {
        depth: args.depth,
        width: args.width,
        batch: args.batch,
        seed: args.seed,
    };
    let traces = match run(&config, &device) {
        Ok(traces) => traces,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report(&config, &name, &traces));
    let checks = check_claims(&traces, &config);
    if let Some(path) = &args.json {
        let report = serde_json::json!({ "config": config, "device": name, "traces": traces, "claims": checks });
        if let Err(error) = std::fs::write(
            path,
            serde_json::to_string_pretty(&report).expect("serialisable"),
        ) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nWrote {}", path.display());
    }
    ExitCode::SUCCESS
}
