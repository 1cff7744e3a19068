//! How a run looks: its colour and marker (the same in every chart that lists the same runs),
//! the log axis's ticks, and the smoothing of a noisy trace.

use plotters::prelude::*;

/// The runs' colours, in order: Okabe and Ito's colour-blind-safe set (blue, vermillion, bluish
/// green, black, reddish purple), with its orange, sky blue and yellow (contrast 2.3, 2.3 and
/// 1.3 against white) replaced by darker goldenrod, purple, brown and grey. Every colour has a
/// WCAG contrast of at least 3 : 1 against the white background (tested).
pub const PALETTE: [RGBColor; 9] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xB8, 0x86, 0x0B),
    RGBColor(0x6A, 0x3D, 0x9A),
    RGBColor(0x8B, 0x45, 0x13),
    RGBColor(0x66, 0x66, 0x66),
];

/// Marker shapes: filled circle, filled triangle, filled square, cross, ring, open square.
pub const MARKERS: usize = 6;

/// Run `index`'s colour and marker: runs 0–8 get nine colours; the marker cycles over six
/// shapes, so the first 18 runs differ in colour or shape.
pub fn look(index: usize) -> (RGBColor, usize) {
    (PALETTE[index % PALETTE.len()], index % MARKERS)
}

/// WCAG 2 contrast ratio of `colour` against white: (1.05) / (L + 0.05), with L the relative
/// luminance of the sRGB colour.
pub fn contrast_on_white(colour: RGBColor) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * linear(colour.0) + 0.7152 * linear(colour.1) + 0.0722 * linear(colour.2);
    1.05 / (l + 0.05)
}

/// Draws marker `shape` at `at` on any drawing area (the plot's data coordinates or the legend's
/// pixels).
pub fn marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    shape: usize,
    at: CT::From,
    colour: RGBColor,
) -> Result<(), String>
where
    CT::From: Clone,
{
    let solid = colour.filled();
    let outline = colour.stroke_width(2);
    let drawn = match shape % MARKERS {
        0 => area.draw(&Circle::new(at, 4, solid)),
        1 => area.draw(&TriangleMarker::new(at, 6, solid)),
        2 => area.draw(&(EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], solid))),
        3 => area.draw(&Cross::new(at, 5, outline)),
        4 => area.draw(&Circle::new(at, 4, outline)),
        _ => area.draw(&(EmptyElement::at(at) + Rectangle::new([(-4, -4), (4, 4)], outline))),
    };
    drawn.map_err(|e| e.to_string())
}

/// Where run `index` of `runs` puts its markers on a line of `n` points: every point when there
/// are at most 25 (layers, epochs); otherwise about 12, shifted by the run's index so that runs
/// drawn on top of one another show their markers side by side.
pub fn marker_positions(n: usize, index: usize, runs: usize) -> Vec<usize> {
    if n <= 25 {
        return (0..n).collect();
    }
    let step = n as f64 / 12.0;
    let shift = step * index as f64 / runs.max(1) as f64;
    (0..12)
        .map(|k| (k as f64 * step + shift) as usize)
        .filter(|&i| i < n)
        .collect()
}

/// The "nice" values a log axis is labelled with: 1, 2 and 5 per decade over at most four
/// decades, 1 per decade over more, every other decade over more than twelve.
fn nice_steps(decades: f64) -> (&'static [f64], i32) {
    if decades <= 4.0 {
        (&[1.0, 2.0, 5.0], 1)
    } else if decades <= 12.0 {
        (&[1.0], 1)
    } else {
        (&[1.0], 2)
    }
}

/// A log axis over data from `lo` to `hi` (both positive): the axis runs from the largest nice
/// value at or below `lo` to the smallest at or above `hi`, so both ends are labelled and every
/// point lies between two labels; returns `(bottom, top, labels)`.
pub fn log_axis(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let decades = (hi / lo).log10();
    let (steps, every) = nice_steps(decades);
    // All nice values from a decade below `lo` to a decade above `hi`, ascending.
    let first = lo.log10().floor() as i32 - 1;
    let first = first - first.rem_euclid(every);
    let last = hi.log10().ceil() as i32 + every;
    let candidates: Vec<f64> = (first..=last)
        .step_by(every as usize)
        .flat_map(|k| steps.iter().map(move |m| m * 10f64.powi(k)))
        .collect();
    let tolerance = 1e-9;
    let bottom_index = candidates
        .iter()
        .rposition(|&c| c <= lo * (1.0 + tolerance))
        .unwrap_or(0);
    let top_index = candidates
        .iter()
        .position(|&c| c >= hi * (1.0 - tolerance))
        .unwrap_or(candidates.len() - 1);
    // A single nice value (lo = hi = 1): widen by one step each way.
    let (bottom_index, top_index) = if bottom_index >= top_index {
        (
            bottom_index.saturating_sub(1),
            (top_index + 1).min(candidates.len() - 1),
        )
    } else {
        (bottom_index, top_index)
    };
    let labels = candidates[bottom_index..=top_index].to_vec();
    (labels[0], labels[labels.len() - 1], labels)
}

/// The smoothing of a training-loss trace: an exponential moving average with weight 0.9
/// (TensorBoard's default), bias-corrected so the first value is the first raw value:
/// s₀ = 0, sₜ = 0.9 sₜ₋₁ + 0.1 xₜ, shown as sₜ / (1 − 0.9ᵗ⁺¹). A value that is not finite
/// ends the smoothed trace (a diverged run is not averaged away).
pub const SMOOTHING: f64 = 0.9;

/// [`SMOOTHING`] applied to `points` (x kept, y averaged).
pub fn smooth(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut average = 0.0;
    let mut weight = 1.0;
    let mut out = Vec::with_capacity(points.len());
    for &(x, y) in points {
        if !y.is_finite() {
            break;
        }
        average = SMOOTHING * average + (1.0 - SMOOTHING) * y;
        weight *= SMOOTHING;
        out.push((x, average / (1.0 - weight)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_reads_on_white_and_the_first_runs_differ() {
        for c in PALETTE {
            assert!(
                contrast_on_white(c) >= 3.0,
                "{c:?}: {}",
                contrast_on_white(c)
            );
        }
        // Okabe–Ito's yellow and sky blue, which this palette replaces, fail the bar.
        assert!(contrast_on_white(RGBColor(0xF0, 0xE4, 0x42)) < 3.0);
        assert!(contrast_on_white(RGBColor(0x56, 0xB4, 0xE9)) < 3.0);
        let looks: std::collections::HashSet<_> = (0..18)
            .map(|i| {
                let (c, m) = look(i);
                (c.0, c.1, c.2, m)
            })
            .collect();
        assert_eq!(looks.len(), 18);
    }

    #[test]
    fn the_log_axis_is_labelled_at_both_ends_of_the_data() {
        // The study's MLP loss: 0.35 to 3.1, one decade; before, the axis ran from 0.23 to 4.7
        // with labels 1, 2, 3, 4 only, and the data below 1 had none.
        let (bottom, top, labels) = log_axis(0.35, 3.1);
        assert_eq!((bottom, top), (0.2, 5.0));
        assert_eq!(labels, vec![0.2, 0.5, 1.0, 2.0, 5.0]);
        // The autoencoder's He × 2: nine decades, one label each.
        let (bottom, top, labels) = log_axis(0.21, 1.04e7);
        assert_eq!((bottom, top), (0.1, 1e8));
        assert_eq!(labels.len(), 10);
        // A nice value on its own is widened to its neighbours.
        let (bottom, top, _) = log_axis(1.0, 1.0);
        assert_eq!((bottom, top), (0.5, 2.0));
        // Every case: the data lie between the end labels, within one labelled step (a decade, two over twelve decades).
        for (lo, hi) in [(3e-7, 2.5), (0.0011, 0.0013), (7.0, 7.0e13), (0.9, 1.1)] {
            let (bottom, top, labels) = log_axis(lo, hi);
            assert!(bottom <= lo && lo < bottom * 100.0, "{lo} {bottom}");
            assert!(top >= hi && hi > top / 100.0, "{hi} {top}");
            assert!(labels.len() >= 2 && labels.len() <= 12, "{labels:?}");
        }
    }

    #[test]
    fn the_smoothing_is_a_bias_corrected_moving_average() {
        // 1, 0, 0: s = 0.1, 0.09, 0.081 over weights 0.1, 0.19, 0.271.
        let s = smooth(&[(0.0, 1.0), (1.0, 0.0), (2.0, 0.0)]);
        let expected = [1.0, 0.09 / 0.19, 0.081 / 0.271];
        for ((_, got), want) in s.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{got} {want}");
        }
        // A non-finite value ends the trace.
        assert_eq!(smooth(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 1.0)]).len(), 1);
    }
}
