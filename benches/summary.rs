//! Prints one table from criterion's saved results: for every benchmark, the mean time, the
//! throughput, the speed-up over Burn's `Initializer` on the same scheme and device, the time
//! relative to the raw host sampler on the same shapes (`host/…` of the same group: the user-path
//! rows), and the fraction of the floor (a memcpy into fresh memory of the same size) that it
//! reaches: above 100 % means faster than copying the same bytes into fresh memory.
//!
//! `cargo bench -p burn-init-benches` first, then
//! `cargo run -p burn-init-benches --release --bin summary [-- --markdown]`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

struct Row {
    group: String,
    function: String,
    mean_ns: f64,
    elements: Option<f64>,
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// Every `<group>/<function>/new` directory under criterion's output.
fn collect(dir: &Path, rows: &mut Vec<Row>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "new") {
            let (Some(bench), Some(estimates)) = (
                read_json(&path.join("benchmark.json")),
                read_json(&path.join("estimates.json")),
            ) else {
                continue;
            };
            let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
            rows.push(Row {
                group: text(&bench, "group_id"),
                function: text(&bench, "function_id"),
                mean_ns: estimates["mean"]["point_estimate"]
                    .as_f64()
                    .unwrap_or(f64::NAN),
                elements: bench["throughput"]["Elements"].as_f64(),
            });
        } else if path.is_dir() {
            collect(&path, rows);
        }
    }
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        manifest.join("../target").to_string_lossy().into_owned()
    });
    Path::new(&target).join("criterion")
}

fn main() {
    let markdown = std::env::args().any(|a| a == "--markdown");
    let dir = criterion_dir();
    let mut rows = Vec::new();
    collect(&dir, &mut rows);
    if rows.is_empty() {
        eprintln!(
            "no criterion results under {}: run `cargo bench -p burn-init-benches` first",
            dir.display()
        );
        std::process::exit(1);
    }
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for row in rows {
        groups.entry(row.group.clone()).or_default().push(row);
    }
    let header = [
        "group",
        "benchmark",
        "time",
        "Melem/s",
        "× Burn",
        "÷ host",
        "of floor",
    ];
    if markdown {
        println!("| {} |", header.join(" | "));
        println!("|{}", "---|".repeat(header.len()));
    } else {
        println!(
            "{:<28} {:<34} {:>11} {:>9} {:>8} {:>8} {:>9}",
            header[0], header[1], header[2], header[3], header[4], header[5], header[6]
        );
    }
    for (group, mut rows) in groups {
        rows.sort_by(|a, b| a.function.cmp(&b.function));
        let time_of = |f: &str| rows.iter().find(|r| r.function == f).map(|r| r.mean_ns);
        // The floor is a memcpy of the group's first size; rows of another size have none.
        let floor = rows.iter().find(|r| r.function == "floor/memcpy");
        for row in &rows {
            let scheme = row.function.split_once('/').map_or("", |(_, s)| s);
            let burn = if row.function.starts_with("burn/") {
                None
            } else {
                time_of(&format!("burn/{scheme}"))
            };
            let host = if row.function.starts_with("host/") {
                None
            } else {
                time_of(&format!("host/{scheme}"))
            };
            let rate = row.elements.map(|n| n / row.mean_ns * 1e3);
            let cells = [
                group.clone(),
                row.function.clone(),
                format_time(row.mean_ns),
                rate.map_or("—".into(), |r| format!("{r:.0}")),
                burn.map_or("—".into(), |b| format!("{:.1}×", b / row.mean_ns)),
                host.map_or("—".into(), |h| format!("{:.2}", row.mean_ns / h)),
                floor
                    .filter(|f| row.elements.is_some() && f.elements == row.elements)
                    .map_or("—".into(), |f| {
                        format!("{:.0} %", 100.0 * f.mean_ns / row.mean_ns)
                    }),
            ];
            if markdown {
                println!("| {} |", cells.join(" | "));
            } else {
                println!(
                    "{:<28} {:<34} {:>11} {:>9} {:>8} {:>8} {:>9}",
                    cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]
                );
            }
        }
    }
}

fn format_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}
