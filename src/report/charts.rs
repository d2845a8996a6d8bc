//! The report's charts, drawn with plotters into SVG strings that the page embeds inline (text
//! stays `<text>` elements, so no font files are needed and labels are escaped by the backend).

use crate::error::{Error, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The fill of every main bar. The browser test counts pixels of exactly this colour to know
/// that the charts rendered, so it must not change without the test.
pub const MAIN: RGBColor = RGBColor(31, 111, 235);
/// Stance colours: favor, against, neutral.
const STANCE_COLOURS: [RGBColor; 3] = [
    RGBColor(46, 160, 67),
    RGBColor(207, 34, 46),
    RGBColor(140, 149, 159),
];

const WIDTH: u32 = 880;
const FONT: &str = "sans-serif";
/// Longest category label drawn; longer ones are cut with an ellipsis.
const MAX_LABEL: usize = 34;

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("drawing a chart: {e}"))
}

/// `s` cut to [`MAX_LABEL`] characters.
fn short(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
        t.push('…');
        t
    }
}

/// Width of the label area for these labels (the SVG backend's own estimate is rough, so
/// this errs on the wide side).
fn label_area(labels: impl Iterator<Item = usize>) -> u32 {
    let longest = labels.max().unwrap_or(4).min(MAX_LABEL) as u32;
    (longest * 7 + 16).clamp(50, 280)
}

/// Upper end of a value axis with a little room for the value labels.
fn axis_max(max: u64) -> u64 {
    max + max / 8 + 1
}

/// One horizontal bar per item, first item at the top, with its value at the bar's end.
pub fn horizontal_bars(items: &[(String, u64)], x_desc: &str) -> Result<String> {
    let mut svg = String::new();
    let n = items.len().max(1) as i32;
    let height = 70 + 26 * n as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let max = items.iter().map(|i| i.1).max().unwrap_or(0);
        let labels: Vec<String> = items.iter().map(|i| short(&i.0)).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_area(labels.iter().map(|l| l.chars().count())))
            // A one-item range (0..0) would have no segment, and the item no label.
            .build_cartesian_2d(0u64..axis_max(max), (0..(n - 1).max(1)).into_segmented())
            .map_err(chart_error)?;
        let row = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(y) | SegmentValue::Exact(y) => usize::try_from(n - 1 - y)
                .ok()
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&row)
            .x_desc(x_desc)
            .label_style((FONT, 13))
            .draw()
            .map_err(chart_error)?;
        // One series per bar, in item order: a histogram keeps its bars in a hash map, so one
        // series of all bars would write them in a different order (other SVG bytes) each run.
        for (i, (_, v)) in items.iter().enumerate() {
            chart
                .draw_series(
                    Histogram::horizontal(&chart)
                        .style(MAIN.filled())
                        .margin(4)
                        .data([(n - 1 - i as i32, *v)]),
                )
                .map_err(chart_error)?;
        }
        let value_style =
            TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    format!(" {v}"),
                    (*v, SegmentValue::CenterOf(n - 1 - i as i32)),
                    value_style.clone(),
                )
            }))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// One vertical bar per item, left to right. With many items only some are labelled.
pub fn vertical_bars(items: &[(String, u64)], x_desc: &str, y_desc: &str) -> Result<String> {
    let mut svg = String::new();
    let n = items.len().max(1) as i32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let max = items.iter().map(|i| i.1).max().unwrap_or(0);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0u64..axis_max(max))
            .map_err(chart_error)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(x) | SegmentValue::Exact(x) => items
                .get(*x as usize)
                .map(|i| short(&i.0))
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels((n as usize).min(12))
            .x_label_formatter(&label)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 13))
            .draw()
            .map_err(chart_error)?;
        // One series per bar, in item order (see `horizontal_bars`).
        for (i, (_, v)) in items.iter().enumerate() {
            chart
                .draw_series(
                    Histogram::vertical(&chart)
                        .style(MAIN.filled())
                        .margin(if n > 40 { 0 } else { 3 })
                        .data([(i as i32, *v)]),
                )
                .map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// One horizontal bar per item, split into favor / against / neutral, with a legend.
pub fn stacked_stance(items: &[(String, [u64; 3])]) -> Result<String> {
    stacked(items, super::aggregate::STANCE_LABELS)
}

/// One horizontal bar per item, split into three named parts, with a legend.
pub fn stacked(items: &[(String, [u64; 3])], parts: [&str; 3]) -> Result<String> {
    let mut svg = String::new();
    let n = items.len().max(1) as i32;
    let height = 90 + 26 * n as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let max = items
            .iter()
            .map(|i| i.1.iter().sum::<u64>())
            .max()
            .unwrap_or(0);
        let labels: Vec<String> = items.iter().map(|i| short(&i.0)).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_area(labels.iter().map(|l| l.chars().count())))
            // A one-item range (0..0) would have no segment (see `horizontal_bars`).
            .build_cartesian_2d(0u64..axis_max(max), (0..(n - 1).max(1)).into_segmented())
            .map_err(chart_error)?;
        let row = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(y) | SegmentValue::Exact(y) => usize::try_from(n - 1 - y)
                .ok()
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&row)
            .x_desc("records")
            .label_style((FONT, 13))
            .draw()
            .map_err(chart_error)?;
        for (k, (name, colour)) in parts.iter().zip(STANCE_COLOURS).enumerate() {
            let bars = items.iter().enumerate().filter_map(move |(i, (_, c))| {
                let start: u64 = c[..k].iter().sum();
                let y = n - 1 - i as i32;
                (c[k] > 0).then(|| {
                    let mut r = Rectangle::new(
                        [
                            (start, SegmentValue::Exact(y)),
                            (start + c[k], SegmentValue::Exact(y + 1)),
                        ],
                        colour.filled(),
                    );
                    r.set_margin(4, 4, 0, 0);
                    r
                })
            });
            chart
                .draw_series(bars)
                .map_err(chart_error)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_main_colour_and_escaped_labels() {
        let items = vec![("<b>Ana & Co</b>".to_string(), 3), ("Bo".to_string(), 1)];
        for svg in [
            horizontal_bars(&items, "records").unwrap(),
            vertical_bars(&items, "kind", "records").unwrap(),
        ] {
            assert!(svg.starts_with("<svg"), "{svg}");
            assert!(svg.to_ascii_lowercase().contains("#1f6feb"));
            assert!(!svg.contains("<b>"));
        }
        let svg = stacked_stance(&[("X on y".to_string(), [1, 2, 0])]).unwrap();
        assert!(svg.contains("against"));
        assert!(vertical_bars(&[], "x", "y").unwrap().starts_with("<svg"));
    }
}
