//! The report's plots, PNG and SVG, with plotters: training loss per iteration (log scale),
//! validation accuracy (or loss) per epoch, and per-layer variance at initialisation (log scale),
//! one line per initialisation.
//!
//! Text is drawn with ab_glyph from the vendored DejaVu Sans (`examples/assets/`, Bitstream Vera
//! licence beside it): no system font, fontconfig or FreeType is needed. On a log axis, values
//! that are zero or not finite (zero initialisation's variance, a diverged loss) cannot be drawn;
//! they are left out and the legend says so. A series named `… (predicted)` ([`PREDICTED`]) is
//! drawn dashed in the colour of the series before it; one named `… (verdict names)` ([`NAMED`])
//! as rings on the records the run's verdict names.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::prelude::*;

/// One line: its name and points.
pub type Series = (String, Vec<(f64, f64)>);

/// A series whose name ends with this is a prediction: drawn dashed, in the colour of the
/// series before it (the legend keeps the suffix).
pub const PREDICTED: &str = " (predicted)";

/// A series whose name ends with this marks the records a verdict names: drawn as rings, no
/// line, in the colour of the last series that is neither a prediction nor a marking.
pub const NAMED: &str = " (verdict names)";

/// The vendored font, registered once as `sans-serif`.
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../assets/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    ok.then_some(())
        .ok_or_else(|| "the vendored font DejaVuSans.ttf could not be read".to_string())
}

/// A chart to draw.
pub struct Chart<'a> {
    /// Title.
    pub title: &'a str,
    /// X axis label.
    pub x_label: &'a str,
    /// Y axis label.
    pub y_label: &'a str,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The lines.
    pub series: &'a [Series],
    /// Where the legend sits (where the lines are expected not to be).
    pub legend: SeriesLabelPosition,
}

impl Chart<'_> {
    /// The points that can be drawn (finite; positive on a log axis) and the series names, with
    /// "(n points not drawn)" where some were left out.
    fn drawable(&self) -> Vec<Series> {
        self.series
            .iter()
            .map(|(name, points)| {
                let kept: Vec<(f64, f64)> = points
                    .iter()
                    .copied()
                    .filter(|(x, y)| x.is_finite() && y.is_finite() && (!self.log_y || *y > 0.0))
                    .collect();
                let dropped = points.len() - kept.len();
                let name = if dropped == 0 {
                    name.clone()
                } else if kept.is_empty() {
                    format!("{name} (all {dropped} values 0 or not finite)")
                } else {
                    format!("{name} ({dropped} values 0 or not finite)")
                };
                (name, kept)
            })
            .collect()
    }

    fn ranges(series: &[Series], log_y: bool) -> ((f64, f64), (f64, f64)) {
        let points = series.iter().flat_map(|(_, p)| p.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            return ((0.0, 1.0), if log_y { (0.1, 10.0) } else { (0.0, 1.0) });
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if log_y {
            ((x0, x1), (y0 / 1.5, y1 * 1.5))
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-9);
            ((x0, x1), (y0 - pad, y1 + pad))
        }
    }

    /// Writes `dir/stem.png` and `dir/stem.svg`, each drawn under a temporary name
    /// (`stem.part.png`) and renamed into place; returns both paths.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, String> {
        font()?;
        let series = self.drawable();
        let mut written = Vec::new();
        for ext in ["png", "svg"] {
            let part = dir.join(format!("{stem}.part.{ext}"));
            let path = dir.join(format!("{stem}.{ext}"));
            let drawn = if ext == "png" {
                draw(
                    self,
                    &series,
                    BitMapBackend::new(&part, (900, 560)).into_drawing_area(),
                )
            } else {
                draw(
                    self,
                    &series,
                    SVGBackend::new(&part, (900, 560)).into_drawing_area(),
                )
            };
            drawn
                .and_then(|()| std::fs::rename(&part, &path).map_err(|e| e.to_string()))
                .map_err(|e| format!("{}: cannot draw: {e}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// A log-axis tick: plain for 0.001 ≤ |v| < 10⁴, scientific otherwise.
fn tick(v: f64) -> String {
    if (1e-3..1e4).contains(&v.abs()) {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

macro_rules! body {
    ($chart:expr, $series:expr, $legend:expr) => {{
        let chart = &mut $chart;
        let mut colour = 0;
        for (i, (name, points)) in $series.iter().enumerate() {
            // `contains`: the name may carry a "(n values … not drawn)" note after the suffix.
            let predicted = i > 0 && name.contains(PREDICTED);
            let named = i > 0 && name.contains(NAMED);
            if !predicted && !named {
                colour = i;
            }
            let color = Palette99::pick(colour).to_rgba();
            let drawn = if named {
                chart.draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, 7, color.stroke_width(2))),
                )
            } else if predicted {
                chart.draw_series(DashedLineSeries::new(
                    points.iter().copied(),
                    8,
                    6,
                    color.stroke_width(2),
                ))
            } else {
                chart.draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
            };
            drawn
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position($legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
    }};
}

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    series: &[Series],
    root: DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let ((x0, x1), (y0, y1)) = Chart::ranges(series, chart.log_y);
    // Integer x (epochs, layers): one label per integer when there are few, never fractions.
    let x_labels = if x1 - x0 <= 20.0 {
        (x1 - x0) as usize + 1
    } else {
        10
    };
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(72);
    if chart.log_y {
        let mut c = builder
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(|e| e.to_string())?;
        c.configure_mesh()
            .x_desc(chart.x_label)
            .y_desc(chart.y_label)
            .label_style(("sans-serif", 13))
            .x_labels(x_labels)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| tick(*v))
            .draw()
            .map_err(|e| e.to_string())?;
        body!(c, series, chart.legend.clone());
    } else {
        let mut c = builder
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        c.configure_mesh()
            .x_desc(chart.x_label)
            .y_desc(chart.y_label)
            .label_style(("sans-serif", 13))
            .x_labels(x_labels)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        body!(c, series, chart.legend.clone());
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
