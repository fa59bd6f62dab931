//! A line chart over model size, drawn once against any plotters `DrawingBackend`:
//! PNG and SVG differ only in the backend they pass in.

use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, FONT};
use crate::units::{fmt_params, fmt_percent};

/// How the y axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YAxis {
    /// A rate on a linear 0–100% axis.
    Percent,
    /// A rate on a log axis, labelled in percent.
    LogPercent,
    /// A non-rate quantity on a linear axis starting at zero.
    Linear,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub color: RGBColor,
    pub width: u32,
    pub dashed: bool,
    /// (params, value) pairs in increasing params.
    pub points: Vec<(f64, f64)>,
    /// Lines that share a legend entry set this false on all but the first.
    pub in_legend: bool,
    /// Dots at the points (observations); fitted curves have none.
    pub markers: bool,
    /// Interval bars at points: (params, low, high).
    pub errors: Vec<(f64, f64, f64)>,
    /// A shaded interval band along the line: (params, low, high).
    pub band: Vec<(f64, f64, f64)>,
    /// The band's colour, when it differs from the line's.
    pub band_color: Option<RGBColor>,
}

impl Line {
    /// An observed series: solid, with markers, no intervals.
    pub fn observed(label: String, color: RGBColor, width: u32, points: Vec<(f64, f64)>) -> Self {
        Line {
            label,
            color,
            width,
            dashed: false,
            points,
            in_legend: true,
            markers: true,
            errors: Vec::new(),
            band: Vec::new(),
            band_color: None,
        }
    }
}

/// A horizontal reference line across the plot (e.g. the detection floor).
#[derive(Debug, Clone)]
pub struct HLine {
    pub y: f64,
    pub label: String,
    pub color: RGBColor,
}

#[derive(Debug, Clone)]
pub struct ChartSpec {
    pub title: String,
    pub subtitle: String,
    pub footer: String,
    pub y_label: String,
    pub y_axis: YAxis,
    /// Drawn in order: later lines on top.
    pub lines: Vec<Line>,
    /// Extra lines of text under the legend (e.g. what was left out of a log axis).
    pub notes: Vec<String>,
    /// Dashed horizontal reference lines, labelled in the legend.
    pub hlines: Vec<HLine>,
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

/// Tick positions for a log-scaled parameter axis: decades, or 1-2-5 steps when the
/// range spans less than two decades.
fn param_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades: Vec<f64> = (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
        .map(|e| 10f64.powi(e))
        .filter(|&t| t >= lo && t <= hi)
        .collect();
    if decades.len() >= 2 {
        return decades;
    }
    (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
        .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
        .filter(|&t| t >= lo && t <= hi)
        .collect()
}

fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
        .map(|e| 10f64.powi(e))
        .filter(|&t| t >= lo * 0.999 && t <= hi * 1.001)
        .collect()
}

/// `2.50` → `2.5`, `4.00` → `4`.
fn trim_decimal(y: f64) -> String {
    let s = format!("{y:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Decade ticks on a log rate axis: `100%`, `1%`, `0.1%`, `0.001%`, `1e-6%`.
fn decade_percent_label(y: f64) -> String {
    let pct = y * 100.0;
    if pct >= 1.0 {
        return format!("{pct:.0}%");
    }
    let digits = (-pct.log10()).round() as usize;
    if digits <= 4 {
        format!("{pct:.digits$}%")
    } else {
        format!("{pct:.0e}%")
    }
}

fn percent_label(y: f64) -> String {
    if y >= 0.01 || y == 0.0 {
        let pct = y * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{pct:.0}%")
        } else {
            format!("{pct:.1}%")
        }
    } else {
        fmt_percent(y)
    }
}

/// Draws `spec` onto `root`, which is filled white first.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB::ErrorType> {
    theme::register_fonts();
    root.fill(&WHITE)?;
    let (width, height) = root.dim_in_pixel();
    let (plot_area, legend_area) = root.split_horizontally(width - theme::LEGEND_WIDTH);
    let (header, rest) = plot_area.split_vertically(110);
    let (body, footer) = rest.split_vertically(height - 110 - 40);

    header.draw(&Text::new(
        spec.title.clone(),
        (40, 18),
        (FONT, theme::TITLE_PX, FontStyle::Bold).into_font().color(&BLACK),
    ))?;
    header.draw(&Text::new(
        spec.subtitle.clone(),
        (40, 68),
        (FONT, theme::SUBTITLE_PX).into_font().color(&theme::GREY),
    ))?;
    footer.draw(&Text::new(
        spec.footer.clone(),
        (40, 8),
        (FONT, theme::FOOTER_PX).into_font().color(&theme::GREY),
    ))?;

    let all_points = || spec.lines.iter().flat_map(|l| l.points.iter().copied());
    let (mut x_lo, mut x_hi) =
        all_points().fold((f64::INFINITY, 0.0f64), |(lo, hi), (x, _)| (lo.min(x), hi.max(x)));
    if !x_lo.is_finite() {
        (x_lo, x_hi) = (1e8, 1e10);
    }
    let pad = ((x_hi / x_lo).log10() * 0.06).max(0.1);
    let (x_lo, x_hi) = (x_lo / 10f64.powf(pad), x_hi * 10f64.powf(pad));
    let x_range = (x_lo..x_hi).log_scale().with_key_points(param_ticks(x_lo, x_hi));

    match spec.y_axis {
        YAxis::Percent => {
            plot(&body, spec, x_range, RangedCoordf64::from(0.0..1.0), 11, (0.0, 1.0))?;
        }
        YAxis::Linear => {
            let interval_tops = spec.lines.iter().flat_map(|l| l.errors.iter().chain(&l.band)).map(|e| e.2);
            let hi =
                all_points().map(|(_, y)| y).chain(interval_tops).fold(0.0f64, f64::max).max(1e-9) * 1.08;
            plot(&body, spec, x_range, RangedCoordf64::from(0.0..hi), 7, (0.0, hi))?;
        }
        YAxis::LogPercent => {
            // Interval bars and reference lines widen the axis; bands follow the data.
            let error_ends = spec.lines.iter().flat_map(|l| &l.errors).flat_map(|e| [e.1, e.2]);
            let (lo, hi) = all_points()
                .map(|(_, y)| y)
                .chain(error_ends)
                .chain(spec.hlines.iter().map(|h| h.y))
                .filter(|&y| y > 0.0)
                .fold((f64::INFINITY, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
            let (lo, hi) = if lo.is_finite() { (lo / 2.0, (hi * 2.0).min(1.0)) } else { (1e-3, 1.0) };
            let hi = hi.max(lo * 10.0);
            let y_range = (lo..hi).log_scale().with_key_points(log_ticks(lo, hi));
            plot(&body, spec, x_range, y_range, 10, (lo, hi))?;
        }
    }
    draw_legend(&legend_area, spec)?;
    root.present()
}

fn plot<DB, X, Y>(
    body: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    x: X,
    y: Y,
    y_labels: usize,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult<DB::ErrorType>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(body)
        .margin_left(20)
        .margin_right(30)
        .margin_top(10)
        .x_label_area_size(85)
        .y_label_area_size(130)
        .build_cartesian_2d(x, y)?;
    let y_axis = spec.y_axis;
    chart
        .configure_mesh()
        .y_labels(y_labels)
        .x_desc("parameters (log scale)")
        .y_desc(spec.y_label.clone())
        .x_label_formatter(&|x| fmt_params(*x))
        .y_label_formatter(&|y| match y_axis {
            YAxis::Percent => percent_label(*y),
            YAxis::LogPercent => decade_percent_label(*y),
            YAxis::Linear => trim_decimal(*y),
        })
        .label_style((FONT, theme::TICK_PX).into_font().color(&BLACK))
        .axis_desc_style((FONT, theme::AXIS_PX).into_font().color(&BLACK))
        .bold_line_style(theme::GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.stroke_width(2))
        .draw()?;
    let clamp = |y: f64| y.clamp(y_lo, y_hi);
    // Bands first, under every line.
    for line in spec.lines.iter().filter(|l| l.band.len() >= 2) {
        let outline: Vec<(f64, f64)> = line
            .band
            .iter()
            .map(|&(x, _, hi)| (x, clamp(hi)))
            .chain(line.band.iter().rev().map(|&(x, lo, _)| (x, clamp(lo))))
            .collect();
        let color = line.band_color.unwrap_or(line.color);
        chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.16).filled())))?;
    }
    for h in &spec.hlines {
        let (x0, x1) = (chart.x_range().start, chart.x_range().end);
        chart.draw_series(DashedLineSeries::new([(x0, h.y), (x1, h.y)], 10, 8, h.color.stroke_width(2)))?;
    }
    for line in &spec.lines {
        let style = line.color.stroke_width(line.width);
        if line.dashed {
            chart.draw_series(DashedLineSeries::new(line.points.iter().copied(), 14, 10, style))?;
        } else {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        }
        if line.markers {
            let radius = (line.width + 3).min(8);
            chart.draw_series(line.points.iter().map(|&p| Circle::new(p, radius, line.color.filled())))?;
        }
        chart.draw_series(line.errors.iter().map(|&(x, lo, hi)| {
            let mid = clamp(0.5 * (lo + hi));
            ErrorBar::new_vertical(x, clamp(lo), mid, clamp(hi), line.color.stroke_width(2), 14)
        }))?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB::ErrorType> {
    let font = (FONT, theme::LEGEND_PX).into_font().color(&BLACK);
    let mut y = 130;
    for line in spec.lines.iter().filter(|l| l.in_legend) {
        let style = line.color.stroke_width(line.width);
        let (x0, x1, mid) = (10, 70, y + 14);
        if line.dashed {
            // Three dashes, so the gaps show on either side of a marker.
            for (a, b) in [(x0, x0 + 12), (x0 + 20, x0 + 40), (x0 + 48, x1)] {
                area.draw(&PathElement::new(vec![(a, mid), (b, mid)], style))?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x0, mid), (x1, mid)], style))?;
        }
        if !line.band.is_empty() {
            area.draw(&Rectangle::new(
                [(x0, mid - 12), (x1, mid + 12)],
                line.band_color.unwrap_or(line.color).mix(0.16).filled(),
            ))?;
        }
        if line.markers {
            area.draw(&Circle::new(((x0 + x1) / 2, mid), (line.width + 3).min(8), line.color.filled()))?;
        }
        for (i, text) in wrap(&line.label, 24).iter().enumerate() {
            area.draw(&Text::new(text.clone(), (85, y + i as i32 * 30), font.clone()))?;
        }
        y += 30 * wrap(&line.label, 24).len() as i32 + 16;
    }
    for h in &spec.hlines {
        let mid = y + 14;
        let style = h.color.stroke_width(2);
        area.draw(&PathElement::new(vec![(10, mid), (30, mid)], style))?;
        area.draw(&PathElement::new(vec![(44, mid), (70, mid)], style))?;
        for (i, text) in wrap(&h.label, 24).iter().enumerate() {
            area.draw(&Text::new(text.clone(), (85, y + i as i32 * 30), font.clone()))?;
        }
        y += 30 * wrap(&h.label, 24).len() as i32 + 16;
    }
    let note_font = (FONT, theme::FOOTER_PX).into_font().color(&theme::GREY);
    y += 10;
    for note in &spec.notes {
        for text in wrap(note, 34) {
            area.draw(&Text::new(text, (10, y), note_font.clone()))?;
            y += 26;
        }
        y += 8;
    }
    Ok(())
}

/// Greedy word wrap at `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("lines is never empty");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decade_ticks_and_fallback() {
        assert_eq!(param_ticks(5e6, 2e12), vec![1e7, 1e8, 1e9, 1e10, 1e11, 1e12]);
        assert_eq!(param_ticks(1.5e9, 9e9), vec![2e9, 5e9]);
    }

    #[test]
    fn decade_labels() {
        let labels: Vec<String> =
            [1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8].map(decade_percent_label).to_vec();
        assert_eq!(labels, ["100%", "10%", "1%", "0.1%", "0.01%", "0.001%", "0.0001%", "1e-6%"]);
    }

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("all subtasks correct (all)", 14), vec!["all subtasks", "correct (all)"]);
    }
}
