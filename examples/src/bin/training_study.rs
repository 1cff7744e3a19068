//! The main job: train a deep MLP, a residual stack, a small CNN and a deep autoencoder on
//! Fashion-MNIST through burn-train under each initialisation, and write a report with plots.
//!
//! `cargo run -p burn-init-examples --all-features [-- --device wgpu --out DIR --quick]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn_init_examples::training::{self, Family, StudyConfig, StudyError};
use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Train real models on Fashion-MNIST through burn-train under each initialisation; write report.md, results.json and plots"
)]
struct Args {
    /// Device: flex, ndarray or wgpu (those this build enables).
    #[arg(long, default_value = "flex")]
    device: String,
    /// An IDX folder (MNIST or Fashion-MNIST, plain or .gz) instead of the shipped Fashion-MNIST test split.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The results folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// A small study (2 000 images, one epoch, narrower nets): a smoke test, or a slow device.
    #[arg(long)]
    quick: bool,
    /// Epochs of every run.
    #[arg(long)]
    epochs: Option<usize>,
    /// Training batch size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Optimiser: adam or sgd.
    #[arg(long)]
    optimizer: Option<String>,
    /// Root of every key and of the data order.
    #[arg(long)]
    seed: Option<u64>,
    /// Use at most this many training images.
    #[arg(long)]
    train_images: Option<usize>,
    /// Use at most this many validation images.
    #[arg(long)]
    valid_images: Option<usize>,
    /// Families to run, comma-separated: mlp, residual, cnn, autoencoder.
    #[arg(long, value_delimiter = ',')]
    families: Option<Vec<String>>,
    /// A policy JSON file to run on every family as one more initialisation (repeatable).
    #[arg(long)]
    policy: Vec<PathBuf>,
}

fn config(args: &Args) -> Result<StudyConfig, StudyError> {
    let mut c = if args.quick {
        StudyConfig::quick()
    } else {
        StudyConfig::standard()
    };
    c.epochs = args.epochs.unwrap_or(c.epochs);
    c.batch_size = args.batch_size.unwrap_or(c.batch_size);
    c.learning_rate = args.lr.unwrap_or(c.learning_rate);
    c.seed = args.seed.unwrap_or(c.seed);
    c.n_train = args.train_images.unwrap_or(c.n_train);
    c.n_valid = args.valid_images.unwrap_or(c.n_valid);
    if let Some(o) = &args.optimizer {
        if o != "adam" && o != "sgd" {
            return Err(StudyError::Argument(format!(
                "--optimizer {o}: expected adam or sgd"
            )));
        }
        c.optimizer = o.clone();
    }
    if let Some(names) = &args.families {
        c.families = names
            .iter()
            .map(|n| {
                Family::parse(n.trim()).ok_or_else(|| {
                    StudyError::Argument(format!(
                        "--families {n}: expected mlp, residual, cnn or autoencoder"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if c.n_train == 0 || c.n_valid == 0 {
        return Err(StudyError::Argument(
            "--train-images and --valid-images must be at least 1".into(),
        ));
    }
    Ok(c)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match study(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one small operation on `device`: a device this build enables may still be unusable here
/// (wgpu without an adapter or a Vulkan driver), and Burn panics on first use then. The panic is
/// caught, with the default hook silenced, and becomes one line.
fn usable(name: &str, device: &burn::tensor::Device) -> Result<(), StudyError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        burn::tensor::Tensor::<1>::ones([4], device)
            .sum()
            .into_scalar::<f32>()
    });
    std::panic::set_hook(hook);
    match probe {
        Ok(4.0) => Ok(()),
        Ok(v) => Err(StudyError::Argument(format!(
            "--device {name}: computed 1+1+1+1 = {v}; the device is not usable"
        ))),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "it panicked".into());
            Err(StudyError::Argument(format!(
                "--device {name}: not usable on this machine: {}",
                why.lines().next().unwrap_or_default()
            )))
        }
    }
}

fn study(args: &Args) -> Result<(), StudyError> {
    let start = Instant::now();
    let enabled = burn_init::devices::names();
    let device = burn_init::devices::by_name(&args.device).ok_or_else(|| {
        StudyError::Argument(format!(
            "--device {}: not enabled in this build (enabled: {}; build with --all-features for wgpu)",
            args.device,
            enabled.join(", ")
        ))
    })?;
    usable(&args.device, &device)?;
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
        args.device,
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
        &config,
        &split,
        &summary,
        &custom,
        &args.device,
        &device,
        &args.out,
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
