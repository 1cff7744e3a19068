//! The source's import structure: no circle between files (issue 21). Every `crate::…`,
//! `super::…` and `self::…` path in a source file is an arrow from that file to the file of the
//! deepest module the path names; the arrows must form no cycle (lib.rs, which only declares
//! and re-exports, is left out). A circle means two concepts that cannot be read, or changed,
//! one without the other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The module path of a file: `a/b.rs` and `a/b/mod.rs` are `[a, b]`, `lib.rs` is `[]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every `crate::`/`super::`/`self::` path in `code` (comments dropped), as segments.
fn paths(code: &str) -> Vec<Vec<String>> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            if code[..at].chars().last().is_some_and(word) {
                continue;
            }
            let rest = &code[at..];
            let end = rest
                .find(|c: char| !(word(c) || c == ':'))
                .unwrap_or(rest.len());
            let segments: Vec<String> = rest[..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            out.push(segments);
        }
    }
    out
}

#[test]
fn no_circle_between_source_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    let by_module: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|(f, _)| (module_of(f), f.clone()))
        .collect();
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, code) in &files {
        let here = module_of(file);
        for path in paths(code) {
            let (mut base, mut rest) = (here.clone(), path);
            match rest[0].as_str() {
                "crate" => {
                    base.clear();
                    rest.remove(0);
                }
                "self" => {
                    rest.remove(0);
                }
                _ => {
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest.remove(0);
                    }
                }
            }
            let target = (0..=rest.len()).rev().find_map(|i| {
                let mut module = base.clone();
                module.extend(rest[..i].iter().cloned());
                by_module.get(&module)
            });
            if let Some(target) = target.filter(|t| *t != file && *t != "lib.rs") {
                arrows
                    .entry(file.clone())
                    .or_default()
                    .insert(target.clone());
            }
        }
    }
    // A depth-first search for a back edge.
    fn visit(
        file: &str,
        arrows: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, bool>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(file) {
            Some(true) => return None,
            Some(false) => {
                let from = stack.iter().position(|f| f == file).unwrap();
                let mut circle = stack[from..].to_vec();
                circle.push(file.to_string());
                return Some(circle);
            }
            None => {}
        }
        state.insert(file.to_string(), false);
        stack.push(file.to_string());
        for next in arrows.get(file).into_iter().flatten() {
            if let Some(circle) = visit(next, arrows, state, stack) {
                return Some(circle);
            }
        }
        stack.pop();
        state.insert(file.to_string(), true);
        None
    }
    let mut state = BTreeMap::new();
    for (file, _) in &files {
        let circle = visit(file, &arrows, &mut state, &mut Vec::new());
        assert!(
            circle.is_none(),
            "a circle of imports: {}",
            circle.unwrap().join(" → ")
        );
    }
    assert!(
        arrows.len() > 40,
        "the scan found too few imports: {}",
        arrows.len()
    );
}

/// The library crates turn on no backend by default: like Burn's own library crates, they leave
/// the backend to the application (a default `flex` would compile it into every user's build).
#[test]
fn the_libraries_leave_the_backend_to_the_application() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in ["burn-init", "burn-init-models"] {
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        let default = manifest
            .lines()
            .find(|l| l.trim_start().starts_with("default"))
            .unwrap_or("default = []");
        assert_eq!(default.replace(' ', ""), "default=[]", "{krate}: {default}");
    }
}
