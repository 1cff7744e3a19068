//! Does the verdict at initialisation predict training? Every run of the verdict study
//! (4 architectures × their initialisations × Adam and SGD × 2 seeds, trained with the budget of
//! the chosen protocol: v1 80 steps of batch 64, v2 to v6 240 steps of batch 100; from v3 the CNN is
//! 32 channels × 4 blocks, trained by SGD at lr 0.1)
//! diagnosed and trained, the main job's committed runs added, all judged by the protocol's
//! committed rule; writes `report.md` (confusion matrix first) and `results.json`.
//!
//! `cargo run -p burn-init-examples --all-features --bin verdict_study -- --protocol v6 --out docs/verdicts-v6`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn_init_examples::cli::{self, DeviceArg};
use burn_init_examples::training::Family;
use burn_init_examples::training::{self, StudyError};
use burn_init_examples::verdicts::{self, report};
use clap::{Parser, ValueEnum};

/// `--only`: the study's architectures (`verdicts::plan::ARCHITECTURES`).
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Architecture {
    Mlp,
    Residual,
    Cnn,
    Transformer,
}

impl From<Architecture> for Family {
    fn from(a: Architecture) -> Self {
        match a {
            Architecture::Mlp => Family::Mlp,
            Architecture::Residual => Family::Residual,
            Architecture::Cnn => Family::Cnn,
            Architecture::Transformer => Family::Transformer,
        }
    }
}

#[derive(Parser)]
#[command(about = "Set burn-init's verdict at initialisation against what training did (issue 20)")]
struct Args {
    #[command(flatten)]
    device: DeviceArg,
    /// The committed rule to follow: v1 to v6 (`docs/verdict-study-rule*.md`).
    #[arg(long, value_enum, default_value_t = verdicts::Protocol::V6)]
    protocol: verdicts::Protocol,
    /// The results folder.
    #[arg(long, default_value = "results/verdicts")]
    out: PathBuf,
    /// The main job's results.json, whose runs join the matrix ("none" to leave them out).
    #[arg(long, default_value = "docs/study/results.json")]
    main_job: String,
    /// Only these architectures, comma-separated: a partial study, for a quick look.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Option<Vec<Architecture>>,
    /// Train nothing: classify the runs of `<out>/results.json` again and rewrite its report.
    #[arg(long)]
    render: bool,
    /// Train nothing: diagnose the committed runs of `--protocol` (its results and the main
    /// job's) again under today's checks, and list the runs whose verdict moves.
    #[arg(long, conflicts_with = "render")]
    rediagnose: bool,
}

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    match study(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `<out>/results.json`, classifies its runs by the rule and rewrites both files.
/// The study's results committed in `dir` (`results.json`); an error names the file.
fn read_results(dir: &std::path::Path) -> Result<verdicts::VerdictResults, StudyError> {
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| StudyError::Argument(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        StudyError::Argument(format!("{}: not the study's results: {e}", path.display()))
    })
}

fn render(out: &std::path::Path) -> Result<(), StudyError> {
    let mut results = read_results(out)?;
    verdicts::outcome::classify(&mut results.rows, results.protocol);
    results.confusion = verdicts::Confusion::of(&results.rows);
    report::write(out, &results, true)?;
    println!("{}", report::headline(&results));
    Ok(())
}

/// Diagnoses the committed runs of `protocol` again on `device` and prints each run's committed
/// verdict, today's and its findings (value against threshold), then the runs whose verdict
/// moves, with what training did.
fn rediagnose(
    protocol: verdicts::Protocol,
    device: &burn::tensor::Device,
) -> Result<(), StudyError> {
    let results = read_results(std::path::Path::new(protocol.committed_dir()))?;
    let (split, _) = training::data::load(&training::data::shipped_dir())?;
    let verdict = |v: Option<burn_init::diagnostics::Verdict>| v.map_or("no verdict", |v| v.name());
    let rediagnosed = verdicts::rediagnose::rediagnose(&results, &split, device, |row, report| {
        let findings: Vec<String> = report
            .health
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{:?} {} at {} ({:.3} against {:.3})",
                    f.severity,
                    f.check.name(),
                    f.at.join(" … "),
                    f.value,
                    f.threshold
                )
            })
            .collect();
        println!(
            "{}: {} → {}; {}",
            row.label(),
            verdict(row.verdict),
            report.health.verdict.name(),
            findings.join("; ")
        );
    })?;
    let moved: Vec<_> = rediagnosed
        .iter()
        .filter(|(row, report)| row.verdict != Some(report.health.verdict))
        .collect();
    println!(
        "\n{} of {} runs of {} move:",
        moved.len(),
        rediagnosed.len(),
        protocol.name()
    );
    for (row, report) in moved {
        println!(
            "- {}: {} → {}; trained to {:.1} ± {:.1} % ({})",
            row.label(),
            verdict(row.verdict),
            report.health.verdict.name(),
            row.accuracy.mean,
            row.accuracy.se,
            row.outcome.map_or("unclassified", |o| o.name())
        );
    }
    Ok(())
}

fn study(args: Args) -> Result<(), StudyError> {
    if args.render {
        return render(&args.out);
    }
    if args.rediagnose {
        let (_, device) = args.device.resolve().map_err(StudyError::Argument)?;
        return rediagnose(args.protocol, &device);
    }
    let start = Instant::now();
    let (name, device) = args.device.resolve().map_err(StudyError::Argument)?;
    let protocol = args.protocol;
    let mut runs = verdicts::plan(protocol)?;
    if let Some(only) = &args.only {
        let families: Vec<Family> = only.iter().map(|&a| a.into()).collect();
        runs.retain(|r| families.contains(&r.spec.family));
    }
    let main_job =
        match args.main_job.as_str() {
            "none" => None,
            path => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| StudyError::Argument(format!("--main-job {path}: {e}")))?;
                Some(serde_json::from_str(&text).map_err(|e| {
                    StudyError::Argument(format!("--main-job {path}: not JSON: {e}"))
                })?)
            }
        };
    let (split, summary) = training::data::load(&training::data::shipped_dir())?;
    println!(
        "Verdict study on {name}: {} runs on {}; results in {}",
        runs.len(),
        summary.source,
        args.out.display()
    );
    let total = runs.len();
    let results = verdicts::run(
        &runs,
        &split,
        main_job.as_ref(),
        &name,
        &device,
        &args.out,
        |i, row| {
            println!(
                "[{}/{total}] {}: {} → {} ({:.1} %)",
                i + 1,
                row.label(),
                row.verdict.map_or("no verdict", |v| v.name()),
                row.valid_loss.mean,
                row.accuracy.mean
            )
        },
    )?;
    println!(
        "\n{}\n\nWrote {} in {:.0} s",
        report::headline(&results),
        args.out.join("report.md").display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
