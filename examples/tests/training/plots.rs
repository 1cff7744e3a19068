//! The plots read at a glance: a run has one look in every chart of its family, the legend is
//! outside the data, and a chart draws the lines its legend lists. Checked on the committed
//! study's SVGs (`cargo run -p burn-init-examples --all-features -- --out docs/study`) and on
//! charts drawn here.

use std::collections::BTreeMap;
use std::path::Path;

use burn_init_examples::training::plots::{Chart, Kind, LEGEND_LEFT, LEGEND_STROKE, Line};

/// The legend of an SVG: (run, its sample's stroke colour, the notes under it). A legend sample
/// is the only polyline drawn `LEGEND_STROKE` wide; the run's name is the next text.
fn legend(svg: &str) -> Vec<(String, String, Vec<String>)> {
    let wide = format!("stroke-width=\"{LEGEND_STROKE}\"");
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for element in svg.split('<') {
        if element.starts_with("polyline") && element.contains(&wide) {
            // Outside the data: every legend sample lies right of the plot area.
            let xs = attribute(element, "points");
            for point in xs.split_whitespace() {
                let x: f64 = point.split(',').next().unwrap().parse().unwrap();
                assert!(
                    x >= f64::from(LEGEND_LEFT),
                    "a legend sample at x = {x}, over the data"
                );
            }
            let colour = attribute(element, "stroke");
            out.push((String::new(), colour, Vec::new()));
        } else if element.starts_with("text")
            && let Some(entry) = out.last_mut()
        {
            let text = element.split_once('>').map(|(_, t)| t.trim()).unwrap_or("");
            if entry.0.is_empty() {
                entry.0 = text.to_string();
            } else {
                entry.2.push(text.to_string());
            }
        }
    }
    out
}

fn attribute(element: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let start = element.find(&key).expect("the attribute") + key.len();
    element[start..start + element[start..].find('"').unwrap()].to_string()
}

/// The data lines' colours: polylines 2 wide (measured) and 1 wide (raw traces are mixed with
/// white, so they are not counted).
fn data_colours(svg: &str) -> Vec<String> {
    let lines: Vec<&str> = svg
        .split('<')
        .filter(|e| e.starts_with("polyline") && e.contains("stroke-width=\"2\""))
        .collect();
    // The data stay left of the legend panel.
    for line in &lines {
        for point in attribute(line, "points").split_whitespace() {
            let x: f64 = point.split(',').next().unwrap().parse().unwrap();
            assert!(
                x < f64::from(LEGEND_LEFT),
                "a data line at x = {x}, under the legend"
            );
        }
    }
    lines.iter().map(|e| attribute(e, "stroke")).collect()
}

/// Checks one family's charts: each run one colour in every chart, the runs' colours distinct,
/// and each run listed without an "all … not drawn" note has a data line of its colour.
fn check_family(charts: &[(String, String)]) {
    let mut colour_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, svg) in charts {
        let entries = legend(svg);
        assert!(!entries.is_empty(), "{name}: no legend");
        let drawn = data_colours(svg);
        for (run, colour, notes) in entries {
            if let Some((first, chart)) = colour_of.get(&run) {
                assert_eq!(
                    first, &colour,
                    "{run} is {first} in {chart} but {colour} in {name}"
                );
            } else {
                colour_of.insert(run.clone(), (colour.clone(), name.clone()));
            }
            let nothing_drawn = notes.iter().any(|n| n.contains("all "));
            if !nothing_drawn {
                assert!(
                    drawn.contains(&colour),
                    "{name}: {run}'s legend is {colour} but no line of that colour is drawn"
                );
            }
        }
    }
    let mut colours: Vec<&String> = colour_of.values().map(|(c, _)| c).collect();
    let runs = colours.len();
    colours.sort();
    colours.dedup();
    assert_eq!(
        colours.len(),
        runs,
        "two runs share a colour: {colour_of:?}"
    );
}

#[test]
fn each_committed_run_has_one_colour_across_its_family_s_charts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/study");
    for family in ["mlp", "residual", "cnn", "autoencoder"] {
        let charts: Vec<(String, String)> = [
            "loss",
            "valid",
            "init-variance",
            "init-forward",
            "init-gradient",
        ]
        .iter()
        .map(|chart| {
            let name = format!("{chart}-{family}.svg");
            let svg =
                std::fs::read_to_string(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, svg)
        })
        .collect();
        check_family(&charts);
        // The MLP family's eight runs all appear in its loss chart's legend.
        if family == "mlp" {
            assert_eq!(legend(&charts[0].1).len(), 8);
        }
    }
}

#[test]
fn a_run_keeps_its_colour_when_charts_list_different_lines() {
    // Before, a line's colour was its index in the chart: the forward chart's extra predicted
    // and ringed lines shifted every later run to another colour.
    let dir = super::temp_dir("plots-colours");
    let runs: Vec<String> = ["zeros", "xavier", "he"].map(String::from).to_vec();
    let rising = |k: f64| {
        (1..=6)
            .map(|i| (i as f64, k * i as f64))
            .collect::<Vec<_>>()
    };
    let loss = [
        Line::new("zeros", Kind::Measured, rising(1.0)),
        Line::new("zeros", Kind::Raw, rising(1.1)),
        Line::new("xavier", Kind::Measured, rising(2.0)),
        Line::new("he", Kind::Measured, rising(3.0)),
    ];
    let forward = [
        // The zeros run has no drawable value on a log axis: listed, noted, not drawn.
        Line::new("zeros", Kind::Measured, vec![(1.0, 0.0), (2.0, 0.0)]),
        Line::new("xavier", Kind::Measured, rising(2.0)),
        Line::new("xavier", Kind::Predicted, rising(2.5)),
        Line::new("xavier", Kind::Named, vec![(3.0, 6.0)]),
        Line::new("he", Kind::Measured, rising(3.0)),
    ];
    let mut charts = Vec::new();
    for (stem, lines) in [("loss", &loss[..]), ("forward", &forward[..])] {
        Chart {
            title: stem,
            x_label: "x",
            y_label: "y",
            log_y: true,
            runs: &runs,
            lines,
            y_max: None,
        }
        .write(&dir, stem)
        .unwrap();
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        charts.push((stem.to_string(), svg));
    }
    check_family(&charts);
    let zeros = legend(&charts[1].1).remove(0);
    assert_eq!(zeros.0, "zeros");
    assert!(
        zeros.2.iter().any(|n| n.contains("all 2 values 0")),
        "{zeros:?}"
    );
}

#[test]
fn a_title_names_only_the_styles_it_draws() {
    let dir = super::temp_dir("plots-titles");
    let runs = vec!["a".to_string()];
    let title = |lines: &[Line], y_max: Option<f64>| {
        Chart {
            title: "t",
            x_label: "x",
            y_label: "y",
            log_y: true,
            runs: &runs,
            lines,
            y_max,
        }
        .write(&dir, "t")
        .unwrap();
        let svg = std::fs::read_to_string(dir.join("t.svg")).unwrap();
        let first = svg.split("<text").nth(1).unwrap();
        first
            .split_once('>')
            .unwrap()
            .1
            .split('<')
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    let measured = Line::new("a", Kind::Measured, vec![(1.0, 1.0), (2.0, 2.0)]);
    // A prediction of zeros cannot be drawn on a log axis: no "predicted dashed" in the title.
    let zero_prediction = Line::new("a", Kind::Predicted, vec![(1.0, 0.0), (2.0, 0.0)]);
    assert_eq!(title(&[measured.clone(), zero_prediction], None), "t");
    let prediction = Line::new("a", Kind::Predicted, vec![(1.0, 1.5), (2.0, 2.5)]);
    assert_eq!(
        title(&[measured.clone(), prediction.clone()], None),
        "t; predicted dashed"
    );
    // Above the cap, the prediction is not drawn either, and the legend says so.
    assert_eq!(title(&[measured, prediction], Some(1.2)), "t");
    let svg = std::fs::read_to_string(dir.join("t.svg")).unwrap();
    let notes: Vec<String> = legend(&svg).into_iter().flat_map(|e| e.2).collect();
    assert!(
        notes
            .iter()
            .any(|n| n == "predicted: all 2 values off the top,"),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n == "1 value off the top,"),
        "{notes:?}"
    );
}
