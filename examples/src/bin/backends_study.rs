//! The same weights on every backend: each model of burn-init-models drawn from one key on every
//! enabled backend, compared layer by layer with an f64 reference and timed.
//!
//! `cargo run -p burn-init-examples --all-features --bin backends_study [-- --out DIR --runs N --epochs E --policy FILE]`
//!
//! The f64 reference runs in a child process of this binary (`--reference FILE`): Burn fixes a
//! device's float type once per process, and flex is also one of the f32 backends compared.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use burn_init_examples::backends::{reference, replicas, report, study, training};
use burn_init_examples::cli;
use burn_init_examples::training::{self as training_study, data};
use clap::Parser;

#[derive(Parser)]
#[command(about = "The same weights on every backend: agreement with f64, and speed")]
struct Args {
    /// Where results.json and report.md go.
    #[arg(long, default_value = "results/backends")]
    out: PathBuf,
    /// Timed runs per model and backend (after two unmeasured ones); the median is reported.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    runs: u32,
    /// Epochs of the training comparison (80 steps each; 0 leaves it out).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    epochs: u32,
    /// A policy JSON file (as `training_study --policy` reads) to draw every model's weights
    /// with, in place of its own; a model the policy refuses is reported and left out.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Internal: compute the f64 reference and write it to this file (the child process).
    #[arg(long, hide = true)]
    reference: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args: Args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("backends_study: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let policy = match &args.policy {
        Some(path) => Some(training_study::read_policy(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let user = policy.as_ref().map(|(_, p)| p);
    if let Some(path) = &args.reference {
        // The child: flex in f64 before any tensor exists.
        let runs = study::reference_runs(&reference::device()?, user)?;
        let json = serde_json::to_vec(&runs).map_err(|e| e.to_string())?;
        return std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let file = args.out.join("reference.f64.json.tmp");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    println!("f64 reference (flex, in a child process)…");
    let mut child = Command::new(exe);
    child.arg("--reference").arg(&file);
    if let Some(path) = &args.policy {
        child.arg("--policy").arg(path);
    }
    let status = child
        .status()
        .map_err(|e| format!("the reference process: {e}"))?;
    if !status.success() {
        return Err(format!("the reference process failed ({status})"));
    }
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let _ = std::fs::remove_file(&file);
    let reference: Vec<study::Reference> =
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let backends = burn_init::devices::enabled();
    println!(
        "{} models × {} backends, {} timed runs each…",
        reference.len(),
        backends.len(),
        args.runs
    );
    let draw = study::draw(user);
    let (rows, skipped) = study::rows(&reference, &draw, &backends, args.runs as usize)?;
    for skip in &skipped {
        println!("not run: {} ({})", skip.model, skip.reason);
    }
    print!("{}", report::table(&rows));
    let training = match args.epochs {
        0 => None,
        epochs => {
            let config = training::config(epochs as usize);
            let (split, _) = data::load(&data::shipped_dir()).map_err(|e| e.to_string())?;
            let split = split.head(config.n_train, config.n_valid);
            // burn-train's logs of each run, removed with the folder.
            let logs = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
            println!("training comparison: {epochs} epochs on every backend and a control…");
            let t = training::compare(&config, &split, &backends, logs.path())?;
            print!("{}", report::training_table(&t));
            println!("replicas under burn-train's multi-device strategy…");
            let one = training::config(1);
            let r = replicas::replicas(&one, &split, &backends, &logs.path().join("replicas"))?;
            for x in &r.replicas {
                let same = if x.same() { "same" } else { "DIFFER" };
                println!(
                    "  {:<8} drawn {}  sent {:?}  {same}",
                    x.device, x.drawn, x.sent
                );
            }
            Some((t, r))
        }
    };
    let mut command = format!(
        "cargo run -p burn-init-examples --all-features --bin backends_study -- --out {} --runs {} --epochs {}",
        args.out.display(),
        args.runs,
        args.epochs
    );
    let weights = match (&policy, &args.policy) {
        (Some((name, _)), Some(path)) => {
            command.push_str(&format!(" --policy {}", path.display()));
            format!(
                "the policy `{name}` of `{}` in place of each model's own (then the model's \
                 finish), key {}; the training comparison and the replicas keep the main job's \
                 He MLP",
                path.display(),
                study::KEY
            )
        }
        _ => format!("each model's own policy, key {}", study::KEY),
    };
    report::write(
        &args.out,
        &report::Results {
            rows: &rows,
            skipped: &skipped,
            weights: &weights,
            training: training.as_ref().map(|(t, r)| (t, r)),
            command: &command,
        },
    )?;
    println!("written: {}", args.out.join("report.md").display());
    Ok(())
}
