//! The binary on bad input: one line naming what is wrong, a non-zero exit, no panic; and an
//! interrupted study leaves complete, readable results of the runs that finished.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use burn_init::Scheme;
use burn_init::policy::{Policy, Rule};

use super::temp_dir;

fn study(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_training_study"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The run failed with exactly one stderr line that starts with `error: ` and contains every
/// `needle`.
fn refused(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit status {:?}", output.status);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
    }
}

#[test]
fn an_unknown_device_is_refused() {
    let out = temp_dir("cli-device");
    refused(
        &study(&["--device", "tpu", "--out", out.to_str().unwrap()]),
        &["'tpu'", "--device", "possible values: flex"],
    );
}

#[test]
fn missing_or_corrupt_data_is_refused_with_the_file_named() {
    let out = temp_dir("cli-data-out");
    let missing = temp_dir("cli-data-missing");
    refused(
        &study(&[
            "--data",
            missing.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]),
        &["t10k-images-idx3-ubyte", "missing"],
    );
    let corrupt = temp_dir("cli-data-corrupt");
    let images = corrupt.join("t10k-images-idx3-ubyte");
    std::fs::write(&images, b"this is not an IDX file").unwrap();
    std::fs::write(
        corrupt.join("t10k-labels-idx1-ubyte"),
        [0, 0, 8, 1, 0, 0, 0, 1, 3],
    )
    .unwrap();
    refused(
        &study(&[
            "--data",
            corrupt.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]),
        &[images.to_str().unwrap(), "not an IDX file"],
    );
}

#[test]
fn a_bad_policy_file_is_refused_before_training() {
    let out = temp_dir("cli-policy-out");
    let dir = temp_dir("cli-policy");
    let not_json = dir.join("broken.json");
    std::fs::write(&not_json, "{\"rules\": [").unwrap();
    refused(
        &study(&[
            "--policy",
            not_json.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]),
        &[not_json.to_str().unwrap(), "at `the file`", "line 1"],
    );
    // Valid JSON, but a rule whose glob does not compile: named with its run, before any training.
    let bad_glob = dir.join("bad-glob.json");
    let policy = Policy::new().rule(Rule::new(Scheme::Zeros).with_path(Some("layers.[".into())));
    std::fs::write(&bad_glob, serde_json::to_string(&policy).unwrap()).unwrap();
    let start = Instant::now();
    let output = study(&[
        "--policy",
        bad_glob.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    refused(&output, &["run mlp/bad-glob", "layers.["]);
    assert!(!out.join("results.json").exists());
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "refused only after {:?}",
        start.elapsed()
    );
}

#[test]
fn an_unwritable_output_folder_is_refused() {
    let dir = temp_dir("cli-out");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("results");
    refused(
        &study(&["--out", out.to_str().unwrap()]),
        &[out.to_str().unwrap(), "cannot create"],
    );
}

#[test]
fn bad_numbers_are_refused() {
    let out = temp_dir("cli-numbers");
    let out = out.to_str().unwrap();
    refused(&study(&["--lr=-1", "--out", out]), &["--lr -1"]);
    refused(
        &study(&["--optimizer", "lbfgs", "--out", out]),
        &["'lbfgs'", "--optimizer", "possible values: adam, sgd"],
    );
    refused(
        &study(&["--families", "mlp,gan", "--out", out]),
        &["'gan'", "--families", "autoencoder"],
    );
    refused(&study(&["--epochs", "0", "--out", out]), &["--epochs"]);
    // A malformed number is clap's to refuse: one line and exit 1 too (clap's own code is 2).
    refused(
        &study(&["--epochs", "two", "--out", out]),
        &["'two'", "--epochs"],
    );
    // A typo gets clap's suggestion on the same line.
    refused(
        &study(&["--optimizer", "adm", "--out", out]),
        &["'adm'", "adam"],
    );
    let diagnose = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_diagnose"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    refused(&diagnose(&["--model", "mpl"]), &["'mpl'", "--model", "mlp"]);
    refused(
        &diagnose(&["--optimizer", "rmsprop"]),
        &["'rmsprop'", "--optimizer"],
    );
    // --help is not an error.
    let help = diagnose(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("transformer") && text.contains("--device"),
        "{text}"
    );
}

#[test]
fn a_config_file_reads_back_and_a_bad_one_names_its_field() {
    use burn_init_examples::cli::OptimizerName;
    use burn_init_examples::training::{Family, StudyConfig, read_config};

    let dir = temp_dir("cli-config");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // A file gives the fields it changes; the rest are the standard study's.
    let partial = file(
        "partial.json",
        r#"{"epochs": 2, "optimizer": "sgd", "families": ["cnn"]}"#,
    );
    assert_eq!(
        read_config(&partial).unwrap(),
        StudyConfig {
            epochs: 2,
            optimizer: OptimizerName::Sgd,
            families: vec![Family::Cnn],
            ..StudyConfig::new()
        }
    );
    // What the study writes reads back equal, every field included.
    let written = serde_json::to_string_pretty(&StudyConfig::quick()).unwrap();
    assert_eq!(
        read_config(&file("quick.json", &written)).unwrap(),
        StudyConfig::quick()
    );

    let out = dir.join("out");
    let out = out.to_str().unwrap();
    let refused_config = |name: &str, text: &str, needles: &[&str]| {
        let path = file(name, text);
        refused(
            &study(&["--config", path.to_str().unwrap(), "--out", out]),
            needles,
        );
    };
    // serde alone would ignore a misspelt field and train the standard study.
    refused_config(
        "typo.json",
        r#"{"epoch": 1}"#,
        &["typo.json", "unknown field `epoch`", "epochs"],
    );
    refused_config(
        "type.json",
        r#"{"batch_size": "big"}"#,
        &["`batch_size`", "expected usize"],
    );
    refused_config(
        "optimizer.json",
        r#"{"optimizer": "lbfgs"}"#,
        &["`optimizer`", "lbfgs"],
    );
    refused_config(
        "family.json",
        r#"{"families": ["transformer"]}"#,
        &["`families`", "transformer"],
    );
    refused_config("list.json", "[1, 2]", &["expected a JSON object"]);
    refused_config("broken.json", "{\"epochs\": ", &["not JSON", "line 1"]);
    refused(
        &study(&["--config", "nowhere.json", "--out", out]),
        &["nowhere.json", "cannot read"],
    );
    // The flags still check the values the file gives.
    refused_config("zero.json", r#"{"epochs": 0}"#, &["--epochs"]);
    // --quick and --config choose the same thing twice.
    refused(
        &study(&[
            "--config",
            partial.to_str().unwrap(),
            "--quick",
            "--out",
            out,
        ]),
        &["--quick", "--config"],
    );
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn an_interrupted_study_leaves_complete_results_of_the_finished_runs() {
    let out = temp_dir("cli-interrupt");
    let results = out.join("results.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_training_study"))
        .args([
            "--quick",
            "--families",
            "mlp",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !results.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no results after 300 s"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the study ended before its first run was written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Ctrl-C: SIGINT to the process, as a terminal sends it.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(
        !exit.success(),
        "the study finished before the interrupt: {exit:?}"
    );

    let json = read_json(&results);
    assert_eq!(json["complete"], false);
    let runs = json["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() < 6, "{} runs", runs.len());
    for run in runs {
        assert_eq!(run["history"]["train_loss"].as_array().unwrap().len(), 100);
        assert!(run["final_loss"]["mean"].is_number() || run["diverged"] == true);
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Incomplete"), "{report}");
    let png = std::fs::read(out.join("loss-mlp.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
}

fn diagnose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diagnose"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn diagnose_reports_a_model_under_a_policy_file_and_refuses_bad_input() {
    let out = temp_dir("cli-diagnose");
    let policy = out.join("glorot.json");
    let glorot = Policy::xavier(burn_init::Nonlinearity::Linear);
    std::fs::write(&policy, serde_json::to_string(&glorot).unwrap()).unwrap();
    let json = out.join("report.json");
    let (p, j, o) = (
        policy.to_str().unwrap(),
        json.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let run = diagnose(&[
        "--model", "mlp", "--depth", "3", "--width", "64", "--batch", "64", "--policy", p,
        "--json", j, "--plots", o,
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("layers.2.weight") && stdout.contains("predicted"),
        "{stdout}"
    );
    // The policy file decides the weights and the predictions: Glorot (gain 1) on ReLU layers
    // predicts half the second moment per hidden layer (n·(2/(n + n))·½).
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let acts = report["activations"].as_array().unwrap();
    let names: Vec<&str> = acts.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["input", "layers.0", "layers.1", "layers.2", "output"]
    );
    for i in 2..4 {
        let rms = acts[i - 1]["values"]["rms"].as_f64().unwrap();
        let ratio = acts[i]["predicted_var"].as_f64().unwrap() / (rms * rms);
        assert!((ratio - 0.5).abs() < 1e-9, "{}: {ratio}", names[i]);
    }
    for stem in ["mlp-forward", "mlp-backward"] {
        assert_eq!(
            &std::fs::read(out.join(format!("{stem}.png"))).unwrap()[..4],
            b"\x89PNG"
        );
    }
    refused(&diagnose(&["--model", "vgg"]), &["--model", "vgg"]);
    let bad = out.join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    refused(
        &diagnose(&["--policy", bad.to_str().unwrap()]),
        &["bad.json"],
    );
    refused(&diagnose(&["--depth", "0"]), &["--depth"]);
}

#[test]
fn diagnose_prints_the_verdicts_first_for_each_model_under_a_policy_file() {
    let out = temp_dir("cli-diagnose-all");
    let zeros = out.join("zeros.json");
    let policy = Policy::new().rule(Rule::new(Scheme::Zeros));
    std::fs::write(&zeros, serde_json::to_string(&policy).unwrap()).unwrap();
    let json = out.join("r.json");
    let (z, j) = (zeros.to_str().unwrap(), json.to_str().unwrap());
    let run = diagnose(&[
        "--model",
        "all",
        "--depth",
        "2",
        "--width",
        "32",
        "--batch",
        "32",
        "--policy",
        z,
        "--optimizer",
        "sgd",
        "--json",
        j,
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // All weights zero: no model trains (no weight gets a gradient, or the units are copies).
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("verdicts (sgd"), "{stdout}");
    let models = ["mlp", "autoencoder", "residual", "transformer"];
    for (line, model) in lines[1..5].iter().zip(models) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], model, "{stdout}");
        assert!(line.contains("will not train"), "{stdout}");
    }
    for model in models {
        // In each model's report the verdict comes before the tables.
        let report = &stdout[stdout.find(&format!("== {model} ==")).unwrap()..];
        let verdict = report.find("verdict (sgd): WILL NOT TRAIN").unwrap();
        assert!(verdict < report.find("parameter ").unwrap(), "{report}");
        let saved: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("r-{model}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(saved["health"]["verdict"], "WillNotTrain", "{model}");
    }
    // Glorot (gain 1) on a 12-layer ReLU MLP: at risk for Adam, and the fix (He) trains.
    let glorot = out.join("glorot.json");
    let xavier = Policy::xavier(burn_init::Nonlinearity::Linear);
    std::fs::write(&glorot, serde_json::to_string(&xavier).unwrap()).unwrap();
    let run = diagnose(&[
        "--model",
        "mlp",
        "--depth",
        "12",
        "--width",
        "64",
        "--batch",
        "64",
        "--policy",
        glorot.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let verdict = stdout.lines().nth(1).unwrap();
    assert!(
        verdict.contains("at risk") && verdict.contains("fix: He") && verdict.ends_with("→ trains"),
        "{stdout}"
    );
    refused(
        &diagnose(&["--optimizer", "lbfgs"]),
        &["--optimizer", "lbfgs"],
    );
    refused(
        &diagnose(&["--model", "every"]),
        &["--model", "every", "all"],
    );
}
