//! The main job: train a deep MLP, a residual stack, a small CNN and a deep autoencoder on
//! Fashion-MNIST through burn-train under each initialisation, and write a report with plots.
//!
//! `cargo run -p burn-init-examples --all-features [-- --device wgpu --out DIR --quick]`; the
//! results folder holds `config.json`, which `--config FILE` reads back.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn_init_examples::cli::{self, DeviceArg, OptimizerName};
use burn_init_examples::training::{self, Family, StudyConfig, StudyError};
use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Train real models on Fashion-MNIST through burn-train under each initialisation; write report.md, results.json and plots"
)]
struct Args {
    #[command(flatten)]
    device: DeviceArg,
    /// An IDX folder (MNIST or Fashion-MNIST, plain or .gz) instead of the shipped Fashion-MNIST test split.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The results folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// A small study (2 000 images, one epoch, narrower nets): a smoke test, or a slow device.
    #[arg(long, conflicts_with = "config")]
    quick: bool,
    /// A study configuration (JSON, as the results' `config.json`); the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write each trained model with Burn's recorder to `burn-train/<run>/model.bpk` in the results.
    #[arg(long)]
    save_models: bool,
    /// Epochs of every run.
    #[arg(long)]
    epochs: Option<usize>,
    /// Training batch size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Optimiser (default: the study's, Adam).
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerName>,
    /// Root of every key and of the data order.
    #[arg(long)]
    seed: Option<u64>,
    /// Use at most this many training images.
    #[arg(long)]
    train_images: Option<usize>,
    /// Use at most this many validation images.
    #[arg(long)]
    valid_images: Option<usize>,
    /// Families to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    families: Option<Vec<Family>>,
    /// A policy JSON file to run on every family as one more initialisation (repeatable).
    #[arg(long)]
    policy: Vec<PathBuf>,
}

fn config(args: &Args) -> Result<StudyConfig, StudyError> {
    let mut c = match (&args.config, args.quick) {
        (Some(path), _) => training::read_config(path)?,
        (None, true) => StudyConfig::quick(),
        (None, false) => StudyConfig::standard(),
    };
    c.save_models |= args.save_models;
    c.epochs = args.epochs.unwrap_or(c.epochs);
    c.batch_size = args.batch_size.unwrap_or(c.batch_size);
    c.learning_rate = args.lr.unwrap_or(c.learning_rate);
    c.seed = args.seed.unwrap_or(c.seed);
    c.n_train = args.train_images.unwrap_or(c.n_train);
    c.n_valid = args.valid_images.unwrap_or(c.n_valid);
    c.optimizer = args.optimizer.unwrap_or(c.optimizer);
    if let Some(families) = &args.families {
        c.families = families.clone();
    }
    if c.n_train == 0 || c.n_valid == 0 {
        return Err(StudyError::Argument(
            "--train-images and --valid-images must be at least 1".into(),
        ));
    }
    Ok(c)
}

fn main() -> ExitCode {
    let args: Args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    match study(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn study(args: &Args) -> Result<(), StudyError> {
    let start = Instant::now();
    let (name, device) = args.device.resolve().map_err(StudyError::Argument)?;
    let config = config(args)?;
    let custom = args
        .policy
        .iter()
        .map(|p| training::read_policy(p))
        .collect::<Result<Vec<_>, _>>()?;
    let dir = args
        .data
        .clone()
        .unwrap_or_else(training::data::shipped_dir);
    let (split, summary) = training::data::load(&dir)?;
    println!(
        "Initialisation study on {}: {}\n  families: {}; {} epoch(s) each; results in {}",
        name,
        summary.source,
        config
            .families
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", "),
        config.epochs,
        args.out.display()
    );
    let outcome = training::run(
        &config, &split, &summary, &custom, &name, &device, &args.out,
    )?;
    println!("\nClaims");
    for claim in &outcome.claims {
        let verdict = match claim.holds {
            Some(true) => "holds",
            Some(false) => "FAILS",
            None => "not run",
        };
        println!("  [{verdict}] {} — {}", claim.statement, claim.evidence);
    }
    println!(
        "\nWrote {} files to {} in {:.0} s",
        outcome.files.len(),
        args.out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
