//! The main job's claims hold on every enabled device (depth 50; width and batch reduced to keep
//! the software-Vulkan run short — the claims are about depth, and hold at this width too).

use burn_init_examples::signal_propagation::{StudyConfig, check_claims, report, run, table};

#[test]
fn claims_hold_on_every_device() {
    let config = StudyConfig {
        depth: 50,
        width: 128,
        batch: 128,
        seed: 0,
    };
    for (name, device) in burn_init::devices::enabled() {
        let traces = run(&config, &device).unwrap();
        println!("{name}{}", table(&traces));
        for check in check_claims(&traces, &config) {
            assert!(check.holds, "{name}: {} — {}", check.claim, check.measured);
        }
    }
}

/// The block in `docs/studies.md` is this study's output (`cargo run -p burn-init-examples --all-features
/// --bin signal_propagation`, flex, the default configuration), regenerated here: the same
/// text, numbers within 10⁻³ relative (other CPUs round differently over 50 layers). On failure
/// the expected block is printed: paste it.
#[test]
fn the_readme_shows_this_study() {
    let config = StudyConfig::default();
    let device = burn_init::devices::by_name("flex").unwrap();
    let expected = report(&config, "flex", &run(&config, &device).unwrap());
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/studies.md"),
    )
    .unwrap();
    let start = readme.find("Deep MLP at init: depth 50").unwrap();
    let end = start + readme[start..].find("```").unwrap();
    let shown = &readme[start..end];
    let same = |a: &str, b: &str| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-3 * x.abs().max(y.abs()),
        _ => a == b,
    };
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| c == ',' || c == '(' || c == ')')
                    .to_string()
            })
            .collect()
    };
    let (shown_words, expected_words) = (words(shown), words(&expected));
    assert!(
        shown_words.len() == expected_words.len()
            && shown_words
                .iter()
                .zip(&expected_words)
                .all(|(a, b)| same(a, b)),
        "docs/studies.md's signal-propagation block differs from the study's output; it should read:\n{expected}"
    );
}
