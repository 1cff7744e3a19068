//! The training study: the IDX reader, the claim logic, the binary's bad-input paths, and a
//! quick study trained on every device the build enables.

mod claims;
mod cli;
mod idx;
mod study;

/// A fresh, empty folder under the target directory's temporary space, unique per test name.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join("burn-init-training-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The README's claims and MLP table are the committed run's (`docs/study/report.md`, written by
/// `cargo run -p burn-init-examples --all-features -- --out docs/study`), not pasted numbers
/// that drift: every claim line and table row of the README must stand in that report, and the
/// report's JSON must say every claim held.
#[test]
fn the_readme_shows_the_committed_study() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let report = std::fs::read_to_string(root.join("docs/study/report.md")).unwrap();
    let section = &readme[readme.find("## What the main job shows").unwrap()..];
    let section = &section[..section.find("\n### ").unwrap()];
    let lines: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("- **[") || l.starts_with("| "))
        .collect();
    assert!(lines.len() >= 5 + 7, "{lines:?}"); // 5 claims, the header and 6 rows
    for line in lines {
        assert!(
            report.contains(line),
            "README line not in docs/study/report.md: {line}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/study/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["complete"], true);
    let claims = json["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 5);
    assert!(claims.iter().all(|c| c["holds"] == true), "{claims:?}");
}
