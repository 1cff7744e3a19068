//! Prints the initialisation report of a burn-init-models model: every parameter (fans, target
//! and drawn std, gradient RMS) and every recorded activation (variance measured and predicted,
//! dead fraction, gradient, FP16 headroom, INT8 scale), with flags.
//!
//! `cargo run -p burn-init-examples --bin diagnose -- --model mlp [--policy p.json] [--json r.json] [--plots dir]`

use std::path::PathBuf;
use std::process::ExitCode;

use burn_init_examples::diagnose::{DiagnoseConfig, MODELS, plots, run};
use burn_init_examples::training::read_policy;
use clap::Parser;

#[derive(Parser)]
#[command(about = "Diagnose a burn-init-models model at initialisation, forward and backward")]
struct Args {
    /// The model: mlp, autoencoder, residual or transformer.
    #[arg(long, default_value = "mlp")]
    model: String,
    /// A policy JSON file (`burn_init::policy::Policy`) replacing the model's initialisation.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Device: flex, ndarray or wgpu (those this build enables).
    #[arg(long)]
    device: Option<String>,
    /// Hidden layers (mlp), layers (autoencoder) or blocks.
    #[arg(long, default_value_t = 8)]
    depth: usize,
    /// Width of the hidden layers or of the model.
    #[arg(long, default_value_t = 256)]
    width: usize,
    /// Examples in the batch.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Root seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the forward and backward plots (PNG and SVG) into this folder.
    #[arg(long)]
    plots: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (name, device) = match burn_init_examples::device_by_name(args.device.as_deref()) {
        Ok(found) => found,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if !MODELS.contains(&args.model.as_str()) {
        eprintln!(
            "error: unknown --model `{}`: expected one of {MODELS:?}",
            args.model
        );
        return ExitCode::FAILURE;
    }
    let policy = match &args.policy {
        Some(path) => match read_policy(path) {
            Ok((_, policy)) => Some(policy),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let config = DiagnoseConfig {
        model: args.model.clone(),
        depth: args.depth,
        width: args.width,
        batch: args.batch,
        seed: args.seed,
        policy,
    };
    println!(
        "{} at initialisation: depth {}, width {}, batch {}, device {name}{}\n",
        config.model,
        config.depth,
        config.width,
        config.batch,
        args.policy
            .as_ref()
            .map_or(String::new(), |p| format!(", policy {}", p.display()))
    );
    let report = match run(&config, &device) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    print!("{report}");
    if let Some(path) = &args.json
        && let Err(error) = std::fs::write(path, report.to_json())
    {
        eprintln!("error: cannot write {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    if let Some(dir) = &args.plots {
        let written = std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))
            .and_then(|()| plots(&report, &config.model, dir, &config.model));
        match written {
            Ok(files) => {
                for file in files {
                    println!("wrote {}", file.display());
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
