//! The report's plots, PNG and SVG, with plotters: training loss per iteration, validation
//! accuracy (or error) per epoch, and per-layer variance at initialisation, one line per run.
//!
//! One look per run: a run's colour and marker come from its place in the list of runs the
//! chart is given ([`style::look`]), so every chart of a family that passes the same list draws a
//! run alike. The palette is colour-blind safe and reads on white ([`style::PALETTE`]); runs
//! drawn on top of one another are told apart by their markers. The legend sits in its own panel
//! to the right of the data, never over it. The title names only the line styles the chart
//! draws (a prediction dashed, verdict rings, a faint raw trace under its smoothing).
//!
//! Text is drawn with ab_glyph from the vendored DejaVu Sans (`examples/assets/`, Bitstream Vera
//! licence beside it): no system font, fontconfig or FreeType is needed. On a log axis, values
//! that are zero or not finite (zero initialisation's variance, a diverged loss) cannot be drawn,
//! and values above a chart's [`Chart::y_max`] are not drawn; the legend says how many of each.
//! A line is broken where a value is left out, never joined across it.

pub mod style;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A measurement: solid, with the run's markers.
    Measured,
    /// What a model predicts for the run: dashed.
    Predicted,
    /// The records a run's verdict names: rings, no line.
    Named,
    /// The unsmoothed trace under a smoothed one: thin and faint.
    Raw,
}

/// One line of a run.
#[derive(Debug, Clone)]
pub struct Line {
    /// The run, one of [`Chart::runs`].
    pub run: String,
    /// How it is drawn.
    pub kind: Kind,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

impl Line {
    /// A line of `run`.
    pub fn new(run: &str, kind: Kind, points: Vec<(f64, f64)>) -> Self {
        Self {
            run: run.to_string(),
            kind,
            points,
        }
    }
}

/// The vendored font, registered once as `sans-serif`.
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../../assets/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    ok.then_some(())
        .ok_or_else(|| "the vendored font DejaVuSans.ttf could not be read".to_string())
}

/// The mesh both axis kinds share: axis names, the font, integer x labels.
macro_rules! mesh {
    ($c:expr, $chart:expr, $x_labels:expr) => {
        $c.configure_mesh()
            .x_desc($chart.x_label)
            .y_desc($chart.y_label)
            .label_style(("sans-serif", 13))
            .x_labels($x_labels)
            .x_label_formatter(&|v| format!("{v:.0}"))
    };
}

/// A chart to draw.
pub struct Chart<'a> {
    /// Title; the styles drawn are appended.
    pub title: &'a str,
    /// X axis label.
    pub x_label: &'a str,
    /// Y axis label.
    pub y_label: &'a str,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Every run of the chart's family, in one order: the run's look is its place here.
    pub runs: &'a [String],
    /// The lines.
    pub lines: &'a [Line],
    /// Values above this are not drawn (the legend says how many, and the largest).
    pub y_max: Option<f64>,
}

/// A line cut into drawable stretches, and what was left out.
struct Drawable<'l> {
    line: &'l Line,
    /// Runs of consecutive drawable points.
    stretches: Vec<Vec<(f64, f64)>>,
    not_drawable: usize,
    above: usize,
    largest: f64,
}

/// Width of the whole picture, and of its legend panel.
const SIZE: (u32, u32) = (1120, 560);
const LEGEND_WIDTH: u32 = 280;
/// Where the legend panel starts: the data lie left of this x (in pixels), the legend right of it.
pub const LEGEND_LEFT: u32 = SIZE.0 - LEGEND_WIDTH;
/// A legend's line sample is this wide, and only legend samples are: tests find the legend of
/// an SVG by it.
pub const LEGEND_STROKE: u32 = 3;

impl Chart<'_> {
    fn drawable(&self) -> Vec<Drawable<'_>> {
        self.lines
            .iter()
            .map(|line| {
                let mut d = Drawable {
                    line,
                    stretches: vec![Vec::new()],
                    not_drawable: 0,
                    above: 0,
                    largest: f64::MIN,
                };
                for &(x, y) in &line.points {
                    let finite = x.is_finite() && y.is_finite() && (!self.log_y || y > 0.0);
                    let above = finite && self.y_max.is_some_and(|m| y > m);
                    if finite && !above {
                        if let Some(stretch) = d.stretches.last_mut() {
                            stretch.push((x, y));
                        }
                        continue;
                    }
                    if above {
                        d.above += 1;
                        d.largest = d.largest.max(y);
                    } else {
                        d.not_drawable += 1;
                    }
                    if d.stretches.last().is_some_and(|s| !s.is_empty()) {
                        d.stretches.push(Vec::new());
                    }
                }
                d.stretches.retain(|s| !s.is_empty());
                d
            })
            .collect()
    }

    /// The title, with the styles that are drawn: a chart promises no line it does not draw.
    fn full_title(&self, drawn: &[Drawable]) -> String {
        let shown = |kind| {
            drawn
                .iter()
                .any(|d| d.line.kind == kind && !d.stretches.is_empty())
        };
        let styles: Vec<&str> = [
            (Kind::Raw, "raw trace faint"),
            (Kind::Predicted, "predicted dashed"),
            (Kind::Named, "verdict's records ringed"),
        ]
        .into_iter()
        .filter(|&(kind, _)| shown(kind))
        .map(|(_, text)| text)
        .collect();
        if styles.is_empty() {
            self.title.to_string()
        } else {
            format!("{}; {}", self.title, styles.join(", "))
        }
    }

    /// The look of `run`: its place in [`Chart::runs`] (after them if it is not listed).
    fn look(&self, run: &str) -> (usize, RGBColor, usize) {
        let index = self
            .runs
            .iter()
            .position(|r| r == run)
            .unwrap_or(self.runs.len());
        let (colour, shape) = style::look(index);
        (index, colour, shape)
    }

    /// Writes `dir/stem.png` and `dir/stem.svg`, each drawn under a temporary name
    /// (`stem.part.png`) and renamed into place; returns both paths.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, String> {
        font()?;
        let mut written = Vec::new();
        for ext in ["png", "svg"] {
            let part = dir.join(format!("{stem}.part.{ext}"));
            let path = dir.join(format!("{stem}.{ext}"));
            let drawn = if ext == "png" {
                self.draw(BitMapBackend::new(&part, SIZE).into_drawing_area())
            } else {
                self.draw(SVGBackend::new(&part, SIZE).into_drawing_area())
            };
            drawn
                .and_then(|()| std::fs::rename(&part, &path).map_err(|e| e.to_string()))
                .map_err(|e| format!("{}: cannot draw: {e}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(error)?;
        let drawn = self.drawable();
        let root = root
            .titled(&self.full_title(&drawn), ("sans-serif", 19))
            .map_err(error)?;
        let (plot, legend) = root.split_horizontally(LEGEND_LEFT);
        let points = drawn.iter().flat_map(|d| d.stretches.iter().flatten());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 1.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        // Integer x (epochs, layers): one label per integer when there are few, never fractions.
        let x_labels = if x1 - x0 <= 20.0 {
            (x1 - x0) as usize + 1
        } else {
            10
        };
        let mut builder = ChartBuilder::on(&plot);
        builder
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(72);
        if self.log_y {
            let (bottom, top, labels) = style::log_axis(y0, y1);
            let mut c = builder
                .build_cartesian_2d(x0..x1, (bottom..top).log_scale().with_key_points(labels))
                .map_err(error)?;
            mesh!(c, self, x_labels)
                .y_label_formatter(&|v| tick(*v))
                .draw()
                .map_err(error)?;
            self.lines_on(c.plotting_area(), &drawn)?;
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-9);
            let mut c = builder
                .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
                .map_err(error)?;
            mesh!(c, self, x_labels).draw().map_err(error)?;
            self.lines_on(c.plotting_area(), &drawn)?;
        }
        self.legend(&legend, &drawn)?;
        root.present().map_err(error)?;
        Ok(())
    }

    /// Every line on the data area: raw traces first (underneath), then the rest.
    fn lines_on<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
        &self,
        area: &DrawingArea<DB, CT>,
        drawn: &[Drawable],
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let raw_first = drawn
            .iter()
            .filter(|d| d.line.kind == Kind::Raw)
            .chain(drawn.iter().filter(|d| d.line.kind != Kind::Raw));
        for d in raw_first {
            let (index, colour, shape) = self.look(&d.line.run);
            for stretch in &d.stretches {
                match d.line.kind {
                    Kind::Raw => area
                        .draw(&PathElement::new(
                            stretch.clone(),
                            colour.mix(0.3).stroke_width(1),
                        ))
                        .map_err(error)?,
                    Kind::Predicted => area
                        .draw(&DashedPathElement::new(
                            stretch.iter().copied(),
                            8,
                            6,
                            colour.stroke_width(2),
                        ))
                        .map_err(error)?,
                    Kind::Named => {
                        for &p in stretch {
                            area.draw(&Circle::new(p, 9, colour.stroke_width(2)))
                                .map_err(error)?;
                        }
                    }
                    Kind::Measured => {
                        area.draw(&PathElement::new(stretch.clone(), colour.stroke_width(2)))
                            .map_err(error)?;
                        let at = style::marker_positions(stretch.len(), index, self.runs.len());
                        for i in at {
                            style::marker(area, shape, stretch[i], colour)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The legend panel: one entry per run (sample line with the run's marker, then its name),
    /// and under it a note for each of its lines with values left out.
    fn legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        drawn: &[Drawable],
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let mut runs: Vec<&str> = Vec::new();
        for d in drawn {
            if !runs.contains(&d.line.run.as_str()) {
                runs.push(&d.line.run);
            }
        }
        let text = ("sans-serif", 14).into_font();
        let note = ("sans-serif", 12)
            .into_font()
            .color(&RGBColor(0x44, 0x44, 0x44));
        let mut y = 24;
        for run in runs {
            let (_, colour, shape) = self.look(run);
            area.draw(&PathElement::new(
                vec![(8, y), (44, y)],
                colour.stroke_width(LEGEND_STROKE),
            ))
            .map_err(error)?;
            style::marker(area, shape, (26, y), colour)?;
            area.draw(&Text::new(run.to_string(), (52, y - 8), text.clone()))
                .map_err(error)?;
            y += 20;
            for d in drawn.iter().filter(|d| d.line.run == run) {
                for line in notes(d) {
                    area.draw(&Text::new(line, (52, y - 6), note.clone()))
                        .map_err(error)?;
                    y += 15;
                }
            }
            y += 4;
        }
        Ok(())
    }
}

/// What the legend says about values of `d` that are not drawn, in lines of at most 30
/// characters.
fn notes(d: &Drawable) -> Vec<String> {
    let what = match d.line.kind {
        Kind::Measured => "",
        Kind::Predicted => "predicted: ",
        Kind::Named => "rings: ",
        Kind::Raw => "raw: ",
    };
    let total = d.line.points.len();
    let mut out = Vec::new();
    if d.not_drawable > 0 {
        let all = if d.not_drawable == total { "all " } else { "" };
        out.push(format!("{what}{all}{} 0 or", values(d.not_drawable)));
        out.push("  not finite, not drawn".to_string());
    }
    if d.above > 0 {
        let all = if d.above == total { "all " } else { "" };
        out.push(format!("{what}{all}{} off the top,", values(d.above)));
        out.push(format!("  up to {}, not drawn", tick(d.largest)));
    }
    out
}

fn values(n: usize) -> String {
    if n == 1 {
        "1 value".to_string()
    } else {
        format!("{n} values")
    }
}

/// An axis tick: plain for 0.001 ≤ |v| < 10⁴, scientific otherwise.
pub fn tick(v: f64) -> String {
    if (1e-3..1e4).contains(&v.abs()) {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}
