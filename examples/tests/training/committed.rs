//! The committed study and the README are generated, not pasted: the README's block is the
//! report's, and the report's measurements at initialisation are what the code gives today.

use std::path::{Path, PathBuf};

use burn_init_examples::training::{self, runs::StudyConfig};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The text between the marker comment that starts with `marker` and the end of its block.
fn generated<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text.find(marker).expect("the generated block's marker");
    let start = start + text[start..].find("-->\n").unwrap() + 4;
    let end = start
        + text[start..]
            .find("\n<!-- end of generated block -->")
            .unwrap();
    &text[start..end]
}

/// The README's headline: the MLP table's init, verdict and accuracy columns.
fn readme_headline(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("| init |"))
        .unwrap();
    let mut out = vec![
        "| 20-layer ReLU MLP, init | verdict at init (fix) | valid accuracy % |".to_string(),
        "|---|---|---|".to_string(),
    ];
    for row in lines[start + 2..].iter().take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // | init | verdict | loss at init | ‖∇‖ | loss step 0 | loss after N | valid accuracy | …
        out.push(format!("| {} | {} | {} |", cells[1], cells[2], cells[7]));
    }
    out.join("\n")
}

/// The README's headline table is the committed report's (generated, like every number there).
#[test]
fn the_readme_shows_the_committed_headline() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let report = std::fs::read_to_string(root().join("docs/study/report.md")).unwrap();
    let expected = readme_headline(&report);
    assert!(
        generated(&readme, "<!-- generated: the MLP's verdicts and accuracies") == expected,
        "the README's headline differs from docs/study/report.md; it should read:\n{expected}"
    );
}

/// The claims and the MLP table of `report`, as `docs/studies.md` shows them.
fn readme_block(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    let claims: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("- **["))
        .collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("| init |"))
        .unwrap();
    let table: Vec<&str> = lines[start..]
        .iter()
        .copied()
        .take_while(|l| l.starts_with('|'))
        .collect();
    format!(
        "{}\n\nThe 20-layer MLP (validation accuracy on 2 000 images, ± SE):\n\n{}",
        claims.join("\n"),
        table.join("\n")
    )
}

/// The generated block of `docs/studies.md` is exactly the claims and MLP table of
/// `docs/study/report.md` (written by `cargo run -p burn-init-examples --all-features -- --out
/// docs/study`), and the report's JSON says every claim held. On failure the expected block is
/// printed: paste it.
#[test]
fn the_readme_shows_the_committed_study() {
    let page = std::fs::read_to_string(root().join("docs/studies.md")).unwrap();
    let report = std::fs::read_to_string(root().join("docs/study/report.md")).unwrap();
    let expected = readme_block(&report);
    assert!(
        generated(&page, "<!-- generated: the claims and the MLP table") == expected,
        "docs/studies.md's study block differs from docs/study/report.md; it should read:\n{expected}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/study/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["complete"], true);
    let claims = json["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 5);
    assert!(claims.iter().all(|c| c["holds"] == true), "{claims:?}");
}

/// Every run's measurements at initialisation in the committed `results.json` (and so the
/// report's "loss at init" and "‖∇‖ at init" columns, which print them) are what the code gives
/// today: each model is rebuilt with the committed configuration and keys on flex and probed on
/// the same 500 images. A change to a scheme, a preset, a key or a model that moves them fails
/// here until the study is regenerated. The tolerance (relative 10⁻⁴, below the report's last
/// printed digit) allows for other CPUs' float rounding, not for a changed initialisation.
#[test]
fn the_committed_init_measurements_are_what_the_code_gives() {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/study/results.json")).unwrap(),
    )
    .unwrap();
    let config = StudyConfig::standard();
    assert_eq!(
        json["config"],
        serde_json::to_value(&config).unwrap(),
        "the committed run is the default study"
    );
    let (split, _) = training::data::load(&training::data::shipped_dir()).unwrap();
    let split = training::data::Split {
        train: split.train.head(config.n_train),
        valid: split.valid.head(config.n_valid),
        source: split.source,
    };
    let device = burn_init::devices::by_name("flex").unwrap();
    let committed = json["runs"].as_array().unwrap();
    let plan = training::runs::plan(&config, &[]).unwrap();
    assert_eq!(plan.len(), committed.len());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1e-12);
    for (spec, run) in plan.iter().zip(committed) {
        assert_eq!(run["label"], spec.label());
        let probe = training::study::measure_init(spec, &config, &split, &device).unwrap();
        let want = &run["init_probe"];
        let (mean, se, grad) = (
            want["loss"]["mean"].as_f64().unwrap(),
            want["loss"]["se"].as_f64().unwrap(),
            want["grad_norm"].as_f64().unwrap(),
        );
        assert!(
            close(probe.loss.mean, mean)
                && close(probe.loss.se, se)
                && close(probe.grad_norm, grad),
            "{}: now loss {} ± {}, ‖∇‖ {}; committed {mean} ± {se}, {grad}: regenerate docs/study",
            spec.label(),
            probe.loss.mean,
            probe.loss.se,
            probe.grad_norm
        );
    }
}

/// The committed study says how to make it again: its `config.json` reads back as the standard
/// study (what `cargo run -p burn-init-examples --all-features` runs), and `results.json` holds
/// the same configuration.
#[test]
fn the_committed_study_carries_its_configuration() {
    let config = training::read_config(&root().join("docs/study/config.json")).unwrap();
    assert_eq!(config, StudyConfig::standard());
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/study/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["config"], serde_json::to_value(&config).unwrap());
}
