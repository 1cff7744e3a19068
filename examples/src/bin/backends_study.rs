//! The same weights on every backend: each model of burn-init-models drawn from one key on every
//! enabled backend, compared layer by layer with an f64 reference and timed.
//!
//! `cargo run -p burn-init-examples --all-features --bin backends_study [-- --out DIR --runs N]`
//!
//! The f64 reference runs in a child process of this binary (`--reference FILE`): Burn fixes a
//! device's float type once per process, and flex is also one of the f32 backends compared.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use burn_init_examples::backends::{catalogue::Run, reference, study};
use burn_init_examples::cli;
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
    if let Some(path) = &args.reference {
        // The child: flex in f64 before any tensor exists.
        let runs = study::reference_runs(&reference::device()?)?;
        let json = serde_json::to_vec(&runs).map_err(|e| e.to_string())?;
        return std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let file = args.out.join("reference.f64.json.tmp");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    println!("f64 reference (flex, in a child process)…");
    let status = Command::new(exe)
        .arg("--reference")
        .arg(&file)
        .status()
        .map_err(|e| format!("the reference process: {e}"))?;
    if !status.success() {
        return Err(format!("the reference process failed ({status})"));
    }
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let _ = std::fs::remove_file(&file);
    let reference: Vec<(String, Run)> =
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let backends = burn_init::devices::enabled();
    println!(
        "{} models × {} backends, {} timed runs each…",
        reference.len(),
        backends.len(),
        args.runs
    );
    let rows = study::rows(&reference, &backends, args.runs as usize)?;
    print!("{}", study::table(&rows));
    let command = format!(
        "cargo run -p burn-init-examples --all-features --bin backends_study -- --out {} --runs {}",
        args.out.display(),
        args.runs
    );
    study::write(&args.out, &rows, &command)?;
    println!("written: {}", args.out.join("report.md").display());
    Ok(())
}
