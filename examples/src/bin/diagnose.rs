//! Will it train? The verdict first (for `--optimizer adam|sgd`, with the fix when it is not
//! *trains*), one line per model, then each initialisation report: every parameter (fans,
//! target and drawn std, gradient RMS) and every recorded activation (variance measured and
//! predicted, dead fraction, gradient, FP16 headroom, INT8 scale), with flags.
//!
//! `cargo run -p burn-init-examples --bin diagnose -- --model mlp|…|all [--policy p.json] [--optimizer sgd] [--json r.json] [--plots dir]`
//! (`--model all` runs the policy file against each model it knows; files get the model's name.)

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use burn_init::diagnostics::Optimizer;
use burn_init_examples::cli::{self, DeviceArg, OptimizerName};
use burn_init_examples::diagnose::{DiagnoseConfig, MODELS, plots, run};
use burn_init_examples::training::read_policy;
use clap::{Parser, ValueEnum};

/// `--model`: one of the models `diagnose` knows ([`MODELS`]), or all of them.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Model {
    Mlp,
    Autoencoder,
    Residual,
    Transformer,
    All,
}

#[derive(Parser)]
#[command(about = "Diagnose a burn-init-models model at initialisation, forward and backward")]
struct Args {
    /// The model, or all of them.
    #[arg(long, value_enum, default_value_t = Model::Mlp)]
    model: Model,
    /// The optimiser the verdict is for.
    #[arg(long, value_enum, default_value_t = OptimizerName::Adam)]
    optimizer: OptimizerName,
    /// A policy JSON file (`burn_init::policy::Policy`) replacing the model's initialisation.
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArg,
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
    let args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    match diagnose(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `path` for one model of several: `r.json` → `r-mlp.json`.
fn for_model(path: &Path, model: &str, several: bool) -> PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{model}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{model}"),
    };
    path.with_file_name(name)
}

fn diagnose(args: Args) -> Result<(), String> {
    let (name, device) = args.device.resolve()?;
    let models: Vec<&str> = match args.model {
        Model::All => MODELS.to_vec(),
        one => {
            let value = one
                .to_possible_value()
                .expect("every --model value is listed");
            MODELS
                .iter()
                .copied()
                .filter(|m| *m == value.get_name())
                .collect()
        }
    };
    let optimizer = Optimizer::from(args.optimizer);
    let policy = match &args.policy {
        Some(path) => Some(read_policy(path).map_err(|e| e.to_string())?.1),
        None => None,
    };
    let mut reports = Vec::new();
    for model in &models {
        let config = DiagnoseConfig {
            model: model.to_string(),
            depth: args.depth,
            width: args.width,
            batch: args.batch,
            seed: args.seed,
            policy: policy.clone(),
            optimizer,
        };
        let report = run(&config, &device).map_err(|e| format!("{model}: {e}"))?;
        reports.push((config, report));
    }
    let under = args
        .policy
        .as_ref()
        .map_or(String::new(), |p| format!(", policy {}", p.display()));
    // The verdicts first, one line per model; the reports follow.
    println!(
        "verdicts ({}, depth {}, width {}, batch {}, device {name}{under}):",
        optimizer.name(),
        args.depth,
        args.width,
        args.batch
    );
    for (config, report) in &reports {
        let fix = report.health.fix.as_ref().map_or(String::new(), |f| {
            format!(" — fix: {} → {}", f.description, f.verdict)
        });
        println!("  {:<12} {}{fix}", config.model, report.health.verdict);
    }
    let several = reports.len() > 1;
    for (config, report) in &reports {
        println!("\n== {} ==\n", config.model);
        print!("{report}");
        if let Some(path) = &args.json {
            let path = for_model(path, &config.model, several);
            std::fs::write(&path, report.to_json())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        if let Some(dir) = &args.plots {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for file in plots(report, &config.model, dir, &config.model)? {
                println!("wrote {}", file.display());
            }
        }
    }
    Ok(())
}
