//! The training study: the IDX reader, the claim logic, the binary's bad-input paths, and a
//! quick study trained on every device the build enables.

mod claims;
mod cli;
mod committed;
mod idx;
mod plots;
mod study;
mod verdicts;

/// A fresh, empty folder under the target directory's temporary space, unique per test name.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join("burn-init-training-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
