//! Figures of one or more panels, drawn once against any plotters `DrawingBackend`:
//! PNG and SVG differ only in the backend they pass in.
//!
//! Every axis is drawn in a transformed space (log10 for sizes and log rates, the logit
//! for logit rates, the identity otherwise) on a plain linear coordinate, with tick
//! positions chosen here and labelled with the untransformed value. One coordinate
//! type serves every scale, and bands, heatmap cells and interval bars are transformed
//! the same way as the lines.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{self, FONT};
use crate::units::{fmt_params, fmt_percent};

/// How a value axis is scaled and labelled.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// Model sizes or item counts on a log10 axis, labelled 100M, 1B, 10B.
    Log,
    /// A rate on a linear 0–100% axis.
    Percent,
    /// A rate on a log axis, labelled in percent.
    LogPercent,
    /// A rate on a logit axis, log(p / (1 − p)), labelled in percent: both the floor
    /// near 0% and the ceiling near 100% are stretched.
    Logit,
    /// Any other quantity on a linear axis (zero included when every value is positive).
    Linear,
    /// A quantity with heavy tails of either sign: sign(v) · log10(1 + |v|), linear near
    /// zero and logarithmic beyond ±1, labelled with the value.
    SymLog,
    /// Named categories at 0, 1, 2, ...
    Categories(Vec<String>),
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    /// Fitted or predicted curves.
    Dashed,
    Dotted,
}

/// The marker drawn at each observed point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub color: RGBColor,
    pub width: u32,
    pub stroke: Stroke,
    /// (x, y) pairs in increasing x.
    pub points: Vec<(f64, f64)>,
    /// Lines that share a legend entry set this false on all but the first.
    pub in_legend: bool,
    /// A marker at each point (observations); fitted curves have none.
    pub marker: Option<Shape>,
    /// Interval bars at points: (x, low, high).
    pub errors: Vec<(f64, f64, f64)>,
    /// A shaded interval band along the line: (x, low, high).
    pub band: Vec<(f64, f64, f64)>,
    /// The band's colour, when it differs from the line's.
    pub band_color: Option<RGBColor>,
}

impl Line {
    /// An observed series: solid, with round markers, no intervals.
    pub fn observed(label: String, color: RGBColor, width: u32, points: Vec<(f64, f64)>) -> Self {
        Line {
            label,
            color,
            width,
            stroke: Stroke::Solid,
            points,
            in_legend: true,
            marker: Some(Shape::Circle),
            errors: Vec::new(),
            band: Vec::new(),
            band_color: None,
        }
    }

    /// A computed curve: dashed, no markers.
    pub fn curve(label: String, color: RGBColor, width: u32, points: Vec<(f64, f64)>) -> Self {
        Line { stroke: Stroke::Dashed, marker: None, ..Line::observed(label, color, width, points) }
    }
}

/// A reference line across the plot, dashed, labelled in the legend: a horizontal one
/// (the detection floor, chance) at `at` on the y axis or a vertical one (a reported
/// emergence scale) at `at` on the x axis.
#[derive(Debug, Clone)]
pub struct RefLine {
    pub at: f64,
    pub label: String,
    pub color: RGBColor,
}

/// Text naming a point at data coordinates: drawn beside it, moved clear of other labels.
#[derive(Debug, Clone)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub color: RGBColor,
}

/// Points over categories (`Scale::Categories` on x): one strip per category and
/// group, with an optional box (quartiles and median) per category.
#[derive(Debug, Clone)]
pub struct Strip {
    pub label: String,
    pub color: RGBColor,
    pub shape: Shape,
    /// (category index, value).
    pub values: Vec<(usize, f64)>,
    /// Spread the points sideways so that equal values stay visible.
    pub jitter: bool,
    /// Draw the points (a strip may carry only boxes).
    pub points: bool,
    pub boxes: bool,
    /// Sideways shift from the category's centre, in category widths.
    pub offset: f64,
}

/// A colour-coded surface: rectangular cells in data coordinates, coloured on a log
/// scale between `lo` and `hi` (viridis), with a colour bar in the legend column.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// (x0, x1, y0, y1, value).
    pub cells: Vec<(f64, f64, f64, f64, f64)>,
    pub lo: f64,
    pub hi: f64,
    pub bar_label: String,
}

impl Heatmap {
    /// Position of `v` on the colour scale, in [0, 1].
    fn position(&self, v: f64) -> f64 {
        let (lo, hi) = (self.lo.log10(), self.hi.log10());
        ((v.max(self.lo).log10() - lo) / (hi - lo)).clamp(0.0, 1.0)
    }
}

/// One plot of a figure.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Drawn above the plot; empty for single-panel figures, whose title says it all.
    pub title: String,
    pub x: Scale,
    pub x_label: String,
    pub y: Scale,
    pub y_label: String,
    /// Overrides the automatic x range (untransformed values).
    pub x_range: Option<(f64, f64)>,
    /// Overrides the automatic y range (untransformed values).
    pub y_range: Option<(f64, f64)>,
    /// Drawn in order: later lines on top.
    pub lines: Vec<Line>,
    pub hlines: Vec<RefLine>,
    pub vlines: Vec<RefLine>,
    pub strips: Vec<Strip>,
    pub heatmap: Option<Heatmap>,
    pub labels: Vec<Label>,
}

impl Panel {
    /// An empty panel with these axes, without a title; fields are filled in by the caller.
    pub fn new(x: Scale, x_label: String, y: Scale, y_label: String) -> Self {
        Panel {
            title: String::new(),
            x,
            x_label,
            y,
            y_label,
            x_range: None,
            y_range: None,
            lines: Vec::new(),
            hlines: Vec::new(),
            vlines: Vec::new(),
            strips: Vec::new(),
            heatmap: None,
            labels: Vec::new(),
        }
    }

    /// A panel of lines against model size (log x), without a title.
    pub fn over_params(y: Scale, y_label: String, lines: Vec<Line>) -> Self {
        Panel { lines, ..Panel::new(Scale::Log, "parameters (log scale)".into(), y, y_label) }
    }
}

/// A titled figure: panels in a grid, one legend for all of them at the right (each
/// label once), notes under the legend, and a footer naming the data.
#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    pub subtitle: String,
    pub footer: String,
    pub panels: Vec<Panel>,
    pub columns: usize,
    /// Extra lines of text under the legend (e.g. what was left out of a log axis).
    pub notes: Vec<String>,
    /// Pixel size of the PNG (and the SVG viewport).
    pub size: (u32, u32),
}

impl Figure {
    /// A figure of one panel at the standard size.
    pub fn single(title: String, subtitle: String, footer: String, panel: Panel, notes: Vec<String>) -> Self {
        Figure { title, subtitle, footer, panels: vec![panel], columns: 1, notes, size: theme::SIZE }
    }
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

/// A linear plotting-space axis with the tick positions chosen by a [`Scale`]; labels
/// come from the mesh's formatters.
#[derive(Debug, Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// As plotters' `RangedCoordf64`.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let logic = (*v - self.lo) / (self.hi - self.lo);
        let actual = limit.1 - limit.0;
        if actual == 0 {
            return limit.1;
        }
        limit.0 + (f64::from(actual) * logic + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold grid lines: the light ones would be invisible anyway.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

const LOGIT_TICKS: [f64; 13] = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999];

impl Scale {
    /// The value in plotting space; not finite where the scale cannot show it.
    pub fn forward(&self, v: f64) -> f64 {
        match self {
            Scale::Log | Scale::LogPercent => {
                if v > 0.0 {
                    v.log10()
                } else {
                    f64::NAN
                }
            }
            Scale::Logit => {
                if v > 0.0 && v < 1.0 {
                    (v / (1.0 - v)).ln()
                } else {
                    f64::NAN
                }
            }
            Scale::SymLog => v.signum() * v.abs().ln_1p() / std::f64::consts::LN_10,
            Scale::Percent | Scale::Linear | Scale::Categories(_) => v,
        }
    }

    fn inverse(&self, t: f64) -> f64 {
        match self {
            Scale::Log | Scale::LogPercent => 10f64.powf(t),
            Scale::Logit => 1.0 / (1.0 + (-t).exp()),
            Scale::SymLog => t.signum() * (10f64.powf(t.abs()) - 1.0),
            Scale::Percent | Scale::Linear | Scale::Categories(_) => t,
        }
    }

    /// The plotting-space range shown for data spanning `lo..=hi` (untransformed).
    fn range(&self, lo: f64, hi: f64) -> (f64, f64) {
        match self {
            Scale::Log => {
                let (lo, hi) = (lo.log10(), hi.log10());
                let pad = ((hi - lo) * 0.06).max(0.1);
                (lo - pad, hi + pad)
            }
            Scale::Percent => (0.0, 1.0),
            Scale::LogPercent => {
                let (lo, hi) = (lo / 2.0, (hi * 2.0).min(1.0));
                (lo.log10(), hi.max(lo * 10.0).log10())
            }
            Scale::Logit => {
                let (lo, hi) = (self.forward(lo) - 0.4, self.forward(hi) + 0.4);
                if hi - lo < 2.0 {
                    let mid = 0.5 * (lo + hi);
                    (mid - 1.0, mid + 1.0)
                } else {
                    (lo, hi)
                }
            }
            Scale::Linear => {
                let (lo, hi) = if lo >= 0.0 { (0.0, hi) } else { (lo, hi) };
                let span = (hi - lo).max(1e-9);
                (if lo < 0.0 { lo - 0.06 * span } else { lo }, hi + 0.08 * span)
            }
            Scale::SymLog => {
                let (lo, hi) = (self.forward(lo.min(0.0)), self.forward(hi.max(0.0)));
                let pad = 0.05 * (hi - lo).max(1.0);
                (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
            }
            Scale::Categories(names) => (-0.6, names.len().max(1) as f64 - 0.4),
        }
    }

    /// Tick positions (plotting space) within `lo..hi` (plotting space).
    fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        let within = |t: &f64| *t >= lo - 1e-9 && *t <= hi + 1e-9;
        match self {
            Scale::Log => {
                let decades: Vec<f64> =
                    (lo.floor() as i32..=hi.ceil() as i32).map(f64::from).filter(within).collect();
                if decades.len() >= 2 {
                    return decades;
                }
                (lo.floor() as i32..=hi.ceil() as i32)
                    .flat_map(|e| [1.0f64, 2.0, 5.0].map(|m| m.log10() + f64::from(e)))
                    .filter(within)
                    .collect()
            }
            Scale::LogPercent => {
                let decades: Vec<f64> =
                    (lo.floor() as i32..=hi.ceil() as i32).map(f64::from).filter(within).collect();
                // Few decades: 1-2-5 steps between them; many: every other one, keeping 100%.
                if decades.len() <= 3 {
                    return (lo.floor() as i32..=hi.ceil() as i32)
                        .flat_map(|e| [1.0f64, 2.0, 5.0].map(|m| m.log10() + f64::from(e)))
                        .filter(within)
                        .collect();
                }
                if decades.len() > 9 {
                    let last = *decades.last().expect("more than nine");
                    return decades.into_iter().filter(|d| ((last - d) as i64) % 2 == 0).collect();
                }
                decades
            }
            Scale::Logit => LOGIT_TICKS.iter().map(|&p| self.forward(p)).filter(within).collect(),
            Scale::Percent => {
                let step = if hi - lo > 0.5 { 0.1 } else { nice_step((hi - lo) / 6.0) };
                steps(lo, hi, step)
            }
            Scale::Linear => steps(lo, hi, nice_step((hi - lo) / 6.0)),
            // ±1, ±10, ±100, ...; 0 only where no negative tick sits close under 1.
            Scale::SymLog => {
                let ticks: Vec<f64> = (-(lo.abs().ceil() as i32)..=hi.ceil() as i32)
                    .map(|e| match e.cmp(&0) {
                        std::cmp::Ordering::Equal => 0.0,
                        std::cmp::Ordering::Greater => self.forward(10f64.powi(e - 1)),
                        std::cmp::Ordering::Less => -self.forward(10f64.powi(-e - 1)),
                    })
                    .filter(within)
                    .collect();
                let negative = ticks.iter().any(|&t| t < 0.0);
                ticks.into_iter().filter(|&t| t != 0.0 || !negative).collect()
            }
            Scale::Categories(names) => (0..names.len()).map(|i| i as f64).collect(),
        }
    }

    fn label(&self, t: f64) -> String {
        match self {
            Scale::Log => fmt_params(self.inverse(t)),
            Scale::Percent => percent_label(t),
            Scale::LogPercent => {
                let v = self.inverse(t);
                let decade = 10f64.powf(t.round());
                if (v / decade - 1.0).abs() < 1e-9 {
                    decade_percent_label(decade)
                } else {
                    // A 1-2-5 step: the decade's label with its leading digit replaced.
                    let m = (v / 10f64.powf(t.floor())).round();
                    decade_percent_label(10f64.powf(t.floor())).replacen('1', &format!("{m}"), 1)
                }
            }
            Scale::Logit => percent_label(self.inverse(t)),
            Scale::Linear => trim_decimal(t),
            Scale::SymLog => {
                let v = self.inverse(t).round();
                if v.abs() >= 1e5 {
                    format!("{v:.0e}")
                } else {
                    format!("{v:.0}")
                }
            }
            Scale::Categories(names) => {
                let i = t.round();
                if (t - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Multiples of `step` within `lo..=hi`, computed from integers so that they print
/// without rounding noise.
fn steps(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// `2.50` → `2.5`, `4.00` → `4`.
fn trim_decimal(y: f64) -> String {
    let s = format!("{y:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
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
    if y >= 0.01 || y <= 0.0 {
        let pct = y * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{:.0}%", pct.round())
        } else {
            format!("{pct:.1}%")
        }
    } else if y >= 1e-4 && ((y * 1e4).round() - y * 1e4).abs() < 1e-6 {
        format!("{}%", trim_decimal(y * 100.0))
    } else {
        fmt_percent(y)
    }
}

/// The untransformed data extent of a panel along x and y, over everything drawn.
fn extent(panel: &Panel) -> ((f64, f64), (f64, f64)) {
    let xs = &panel.x;
    let ys = &panel.y;
    let shown = |s: &Scale, v: f64| s.forward(v).is_finite();
    let mut x: Vec<f64> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    for l in &panel.lines {
        x.extend(l.points.iter().map(|p| p.0));
        y.extend(l.points.iter().map(|p| p.1));
        // Interval bars widen the axis; bands follow the data.
        y.extend(l.errors.iter().flat_map(|e| [e.1, e.2]));
    }
    x.extend(panel.vlines.iter().map(|v| v.at));
    y.extend(panel.hlines.iter().map(|h| h.at));
    y.extend(panel.strips.iter().flat_map(|s| s.values.iter().map(|v| v.1)));
    if let Some(h) = &panel.heatmap {
        x.extend(h.cells.iter().flat_map(|c| [c.0, c.1]));
        y.extend(h.cells.iter().flat_map(|c| [c.2, c.3]));
    }
    let fold = |v: Vec<f64>, s: &Scale, default: (f64, f64)| {
        let (lo, hi) = v
            .into_iter()
            .filter(|&v| shown(s, v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo.is_finite() {
            (lo, hi)
        } else {
            default
        }
    };
    let x_default = if matches!(xs, Scale::Log) { (1e8, 1e10) } else { (0.0, 1.0) };
    let y_default = match ys {
        Scale::LogPercent => (1e-3, 1.0),
        Scale::Logit => (0.01, 0.99),
        _ => (0.0, 1.0),
    };
    (fold(x, xs, x_default), fold(y, ys, y_default))
}

/// Draws `figure` onto `root`, which is filled white first.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB::ErrorType> {
    theme::register_fonts();
    root.fill(&WHITE)?;
    let (width, height) = root.dim_in_pixel();
    let legend = legend_entries(figure);
    let has_side = !legend.is_empty() || !figure.notes.is_empty();
    let (plot_area, side) = if has_side {
        let (a, b) = root.split_horizontally(width - theme::LEGEND_WIDTH);
        (a, Some(b))
    } else {
        (root.clone(), None)
    };
    let (header, rest) = plot_area.split_vertically(110);
    let (body, footer) = rest.split_vertically(height - 110 - 40);

    header.draw(&Text::new(
        figure.title.clone(),
        (40, 18),
        (FONT, theme::TITLE_PX, FontStyle::Bold).into_font().color(&BLACK),
    ))?;
    header.draw(&Text::new(
        figure.subtitle.clone(),
        (40, 68),
        (FONT, theme::SUBTITLE_PX).into_font().color(&theme::GREY),
    ))?;
    footer.draw(&Text::new(
        figure.footer.clone(),
        (40, 8),
        (FONT, theme::FOOTER_PX).into_font().color(&theme::GREY),
    ))?;

    let columns = figure.columns.max(1);
    let rows = figure.panels.len().div_ceil(columns).max(1);
    let cells = body.split_evenly((rows, columns));
    for (panel, cell) in figure.panels.iter().zip(&cells) {
        draw_panel(cell, panel)?;
    }
    if let Some(side) = side {
        draw_legend(&side, &legend, figure)?;
    }
    root.present()
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel) -> DrawResult<DB::ErrorType> {
    let area = if panel.title.is_empty() {
        area.clone()
    } else {
        let (title, rest) = area.split_vertically(48);
        title.draw(&Text::new(
            panel.title.clone(),
            (150, 10),
            (FONT, theme::PANEL_TITLE_PX, FontStyle::Bold).into_font().color(&BLACK),
        ))?;
        rest
    };
    let ((x_lo, x_hi), (y_lo, y_hi)) = extent(panel);
    let (x0, x1) = match panel.x_range {
        Some((a, b)) => (panel.x.forward(a), panel.x.forward(b)),
        None => panel.x.range(x_lo, x_hi),
    };
    let (y0, y1) = match panel.y_range {
        Some((a, b)) => (panel.y.forward(a), panel.y.forward(b)),
        None => panel.y.range(y_lo, y_hi),
    };
    let x_coord = Axis { lo: x0, hi: x1, ticks: panel.x.ticks(x0, x1) };
    let y_coord = Axis { lo: y0, hi: y1, ticks: panel.y.ticks(y0, y1) };
    let mut chart = ChartBuilder::on(&area)
        .margin_left(20)
        .margin_right(30)
        .margin_top(10)
        .x_label_area_size(85)
        .y_label_area_size(130)
        .build_cartesian_2d(x_coord, y_coord)?;
    let (xs, ys) = (&panel.x, &panel.y);
    chart
        .configure_mesh()
        .x_labels(64)
        .y_labels(64)
        .x_desc(panel.x_label.clone())
        .y_desc(panel.y_label.clone())
        .x_label_formatter(&|t| xs.label(*t))
        .y_label_formatter(&|t| ys.label(*t))
        .label_style((FONT, theme::TICK_PX).into_font().color(&BLACK))
        .axis_desc_style((FONT, theme::AXIS_PX).into_font().color(&BLACK))
        .bold_line_style(theme::GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.stroke_width(2))
        .draw()?;

    // Everything below is in plotting space, y clamped into the visible range; interval
    // ends a log or logit axis cannot show (0, 100%) go to the edge they lie beyond.
    let ty = |y: f64| {
        let t = ys.forward(y);
        if t.is_finite() {
            t.clamp(y0, y1)
        } else if y <= 0.0 {
            y0
        } else {
            y1
        }
    };
    let at = |(x, y): (f64, f64)| -> Option<(f64, f64)> {
        let (tx, t) = (xs.forward(x), ys.forward(y));
        (tx.is_finite() && t.is_finite()).then(|| (tx, t.clamp(y0, y1)))
    };

    if let Some(h) = &panel.heatmap {
        chart.draw_series(h.cells.iter().map(|&(a, b, c, d, v)| {
            let color = theme::viridis(h.position(v));
            Rectangle::new([(xs.forward(a), ty(c)), (xs.forward(b), ty(d))], color.filled())
        }))?;
    }
    // Bands under every line.
    for line in panel.lines.iter().filter(|l| l.band.len() >= 2) {
        let outline: Vec<(f64, f64)> = line
            .band
            .iter()
            .map(|&(x, _, hi)| (x, hi))
            .chain(line.band.iter().rev().map(|&(x, lo, _)| (x, lo)))
            .map(|(x, y)| (xs.forward(x), ty(y)))
            .filter(|p| p.0.is_finite())
            .collect();
        let color = line.band_color.unwrap_or(line.color);
        chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.16).filled())))?;
    }
    for h in &panel.hlines {
        let t = ys.forward(h.at);
        if t.is_finite() && t >= y0 && t <= y1 {
            chart.draw_series(DashedLineSeries::new([(x0, t), (x1, t)], 10, 8, h.color.stroke_width(2)))?;
        }
    }
    for v in &panel.vlines {
        let t = xs.forward(v.at);
        if t.is_finite() && t >= x0 && t <= x1 {
            chart.draw_series(DashedLineSeries::new([(t, y0), (t, y1)], 10, 8, v.color.stroke_width(3)))?;
        }
    }
    for line in &panel.lines {
        let pts: Vec<(f64, f64)> = line.points.iter().copied().filter_map(at).collect();
        let style = line.color.stroke_width(line.width);
        match line.stroke {
            Stroke::Solid => {
                chart.draw_series(LineSeries::new(pts.iter().copied(), style))?;
            }
            Stroke::Dashed => {
                chart.draw_series(DashedLineSeries::new(pts.iter().copied(), 14, 10, style))?;
            }
            Stroke::Dotted => {
                let r = line.width.div_ceil(2).max(2);
                let color = line.color;
                chart.draw_series(DottedLineSeries::new(
                    pts.iter().copied(),
                    0,
                    (3 * r + 4) as i32,
                    move |c| Circle::new(c, r, color.filled()),
                ))?;
            }
        }
        if let Some(shape) = line.marker {
            let size = (line.width + 3).min(8);
            for &p in &pts {
                draw_marker(chart.plotting_area(), shape, p, size, line.color)?;
            }
        }
        chart.draw_series(line.errors.iter().filter(|e| xs.forward(e.0).is_finite()).map(
            |&(x, lo, hi)| {
                let (lo, hi) = (ty(lo), ty(hi));
                ErrorBar::new_vertical(xs.forward(x), lo, 0.5 * (lo + hi), hi, line.color.stroke_width(2), 14)
            },
        ))?;
    }
    for (i, strip) in panel.strips.iter().enumerate() {
        draw_strip(&mut chart, strip, i, ys, (y0, y1))?;
    }
    let anchors: Vec<(&Label, (f64, f64))> =
        panel.labels.iter().filter_map(|l| at((l.x, l.y)).map(|p| (l, p))).collect();
    draw_labels(&chart, &anchors)?;
    Ok(())
}

/// Labels beside their points: to the right (to the left where the plot ends), pushed
/// down until no two overlap, with a thin leader line to any label moved off its point.
fn draw_labels<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    labels: &[(&Label, (f64, f64))],
) -> DrawResult<DB::ErrorType> {
    const GAP: i32 = 14;
    let area = chart.plotting_area();
    let (xr, yr) = area.get_pixel_range();
    let font = (FONT, theme::LABEL_PX).into_font();
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new(); // x, y (top), w, h
    let mut order: Vec<(usize, (i32, i32))> =
        labels.iter().enumerate().map(|(i, (_, p))| (i, chart.backend_coord(p))).collect();
    order.sort_by_key(|&(i, (x, y))| (y, x, i));
    let plot = area.strip_coord_spec();
    for (i, (px, py)) in order {
        let (label, _) = labels[i];
        let (w, h) = area.estimate_text_size(&label.text, &TextStyle::from(font.clone()))?;
        let (w, h) = (w as i32, h as i32 + 4);
        let x = if px + GAP + w > xr.end { px - GAP - w } else { px + GAP };
        let mut y = py - h / 2;
        while let Some(&(_, oy, _, oh)) =
            placed.iter().find(|&&(ox, oy, ow, oh)| x < ox + ow && ox < x + w && y < oy + oh && oy < y + h)
        {
            y = oy + oh;
        }
        y = y.min(yr.end - h);
        placed.push((x, y, w, h));
        let (ox, oy) = (xr.start, yr.start);
        if (y + h / 2 - py).abs() > 6 {
            let end = if x > px { x - 2 } else { x + w + 2 };
            plot.draw(&PathElement::new(
                vec![(px - ox + (end - px).signum() * 8, py - oy), (end - ox, y + h / 2 - oy)],
                theme::GREY.stroke_width(1),
            ))?;
        }
        plot.draw(&Text::new(label.text.clone(), (x - ox, y + 2 - oy), font.clone().color(&label.color)))?;
    }
    Ok(())
}

type Coord = Cartesian2d<Axis, Axis>;
type Chart<'a, DB> = ChartContext<'a, DB, Coord>;

/// A filled marker of `size` pixels centred on `p`, in any coordinate system (data
/// coordinates in plots, pixels in the legend).
fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    shape: Shape,
    p: CT::From,
    size: u32,
    color: RGBColor,
) -> DrawResult<DB::ErrorType> {
    let s = size as i32;
    let style = color.filled();
    let at = EmptyElement::at(p);
    match shape {
        Shape::Circle => area.draw(&(at + Circle::new((0, 0), size, style))),
        Shape::Square => area.draw(&(at + Rectangle::new([(-s, -s), (s, s)], style))),
        Shape::Triangle => area.draw(&(at + Polygon::new(vec![(0, -s - 2), (-s - 1, s), (s + 1, s)], style))),
        Shape::Diamond => {
            area.draw(&(at + Polygon::new(vec![(0, -s - 2), (s + 2, 0), (0, s + 2), (-s - 2, 0)], style)))
        }
    }
}

/// Sideways offset in (−0.5, 0.5) of a strip's i-th point: the golden-ratio sequence,
/// which spreads any number of points evenly and is the same on every run.
fn jitter(i: usize) -> f64 {
    const GOLDEN: f64 = 0.618_033_988_749_894_9;
    (i as f64 * GOLDEN).fract() - 0.5
}

fn draw_strip<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    strip: &Strip,
    index: usize,
    ys: &Scale,
    (y0, y1): (f64, f64),
) -> DrawResult<DB::ErrorType> {
    let categories = strip.values.iter().map(|v| v.0).max().map_or(0, |m| m + 1);
    for c in 0..categories {
        let values: Vec<f64> = strip
            .values
            .iter()
            .filter(|v| v.0 == c)
            .map(|v| ys.forward(v.1))
            .filter(|t| t.is_finite())
            .collect();
        if values.is_empty() {
            continue;
        }
        let x = c as f64 + strip.offset;
        if strip.boxes && values.len() >= 3 {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let q = |p: f64| quantile(&sorted, p);
            let (q1, med, q3) = (q(0.25), q(0.5), q(0.75));
            let half = 0.32;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1.clamp(y0, y1)), (x + half, q3.clamp(y0, y1))],
                strip.color.mix(0.12).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1.clamp(y0, y1)), (x + half, q3.clamp(y0, y1))],
                strip.color.stroke_width(2),
            )))?;
            chart.draw_series(LineSeries::new(
                [(x - half, med.clamp(y0, y1)), (x + half, med.clamp(y0, y1))],
                BLACK.stroke_width(4),
            ))?;
        }
        for (i, t) in values.iter().enumerate().filter(|_| strip.points) {
            // Each strip starts the sequence elsewhere, so strips sharing a category interleave.
            let dx = if strip.jitter { 0.5 * jitter(i + 1 + 101 * index) } else { 0.0 };
            let p = (x + dx, t.clamp(y0, y1));
            let area = chart.plotting_area();
            match strip.shape {
                Shape::Circle => area.draw(&Circle::new(p, 7, strip.color.mix(0.75).filled()))?,
                other => draw_marker(area, other, p, 7, strip.color)?,
            }
        }
    }
    Ok(())
}

/// Linear-interpolation quantile of sorted values (numpy's default, type 7).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// What the legend column shows, each label once, in the order first drawn.
enum Entry<'a> {
    Line(&'a Line),
    Ref(&'a RefLine, bool),
    Strip(&'a Strip),
    Bar(&'a Heatmap),
}

fn legend_entries(figure: &Figure) -> Vec<Entry<'_>> {
    let mut entries: Vec<(&str, Entry<'_>)> = Vec::new();
    for panel in &figure.panels {
        if let Some(h) = &panel.heatmap {
            entries.push((&h.bar_label, Entry::Bar(h)));
        }
        entries
            .extend(panel.lines.iter().filter(|l| l.in_legend).map(|l| (l.label.as_str(), Entry::Line(l))));
        entries.extend(panel.strips.iter().map(|s| (s.label.as_str(), Entry::Strip(s))));
        entries.extend(panel.hlines.iter().map(|h| (h.label.as_str(), Entry::Ref(h, false))));
        entries.extend(panel.vlines.iter().map(|v| (v.label.as_str(), Entry::Ref(v, true))));
    }
    let mut out: Vec<(&str, Entry<'_>)> = Vec::new();
    for (label, entry) in entries {
        if !label.is_empty() && !out.iter().any(|(seen, _)| *seen == label) {
            out.push((label, entry));
        }
    }
    out.into_iter().map(|(_, e)| e).collect()
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry<'_>],
    figure: &Figure,
) -> DrawResult<DB::ErrorType> {
    let font = (FONT, theme::LEGEND_PX).into_font().color(&BLACK);
    let mut y = 130;
    let label = |area: &DrawingArea<DB, Shift>, text: &str, y: &mut i32| -> DrawResult<DB::ErrorType> {
        let lines = wrap(text, 24);
        for (i, t) in lines.iter().enumerate() {
            area.draw(&Text::new(t.clone(), (85, *y + i as i32 * 30), font.clone()))?;
        }
        *y += 30 * lines.len() as i32 + 16;
        Ok(())
    };
    for entry in entries {
        let (x0, x1, mid) = (10, 70, y + 14);
        match entry {
            Entry::Line(line) => {
                if !line.band.is_empty() {
                    area.draw(&Rectangle::new(
                        [(x0, mid - 12), (x1, mid + 12)],
                        line.band_color.unwrap_or(line.color).mix(0.16).filled(),
                    ))?;
                }
                let style = line.color.stroke_width(line.width);
                match line.stroke {
                    // Three dashes, so the gaps show on either side of a marker.
                    Stroke::Dashed => {
                        for (a, b) in [(x0, x0 + 12), (x0 + 20, x0 + 40), (x0 + 48, x1)] {
                            area.draw(&PathElement::new(vec![(a, mid), (b, mid)], style))?;
                        }
                    }
                    Stroke::Dotted => {
                        let r = line.width.div_ceil(2).max(2);
                        for i in 0..5 {
                            area.draw(&Circle::new((x0 + 4 + i * 13, mid), r, line.color.filled()))?;
                        }
                    }
                    Stroke::Solid => area.draw(&PathElement::new(vec![(x0, mid), (x1, mid)], style))?,
                }
                if let Some(shape) = line.marker {
                    draw_marker(area, shape, ((x0 + x1) / 2, mid), (line.width + 3).min(8), line.color)?;
                }
                label(area, &line.label, &mut y)?;
            }
            Entry::Ref(r, vertical) => {
                let style = r.color.stroke_width(if *vertical { 3 } else { 2 });
                if *vertical {
                    area.draw(&PathElement::new(vec![(40, mid - 16), (40, mid - 3)], style))?;
                    area.draw(&PathElement::new(vec![(40, mid + 5), (40, mid + 18)], style))?;
                } else {
                    area.draw(&PathElement::new(vec![(10, mid), (30, mid)], style))?;
                    area.draw(&PathElement::new(vec![(44, mid), (70, mid)], style))?;
                }
                label(area, &r.label, &mut y)?;
            }
            Entry::Strip(s) => {
                if s.points {
                    draw_marker(area, s.shape, (40, mid), 8, s.color)?;
                } else {
                    area.draw(&Rectangle::new([(20, mid - 12), (60, mid + 12)], s.color.mix(0.12).filled()))?;
                    area.draw(&Rectangle::new([(20, mid - 12), (60, mid + 12)], s.color.stroke_width(2)))?;
                    area.draw(&PathElement::new(vec![(20, mid), (60, mid)], BLACK.stroke_width(4)))?;
                }
                label(area, &s.label, &mut y)?;
            }
            Entry::Bar(h) => {
                y = colour_bar(area, h, y)?;
            }
        }
    }
    let note_font = (FONT, theme::FOOTER_PX).into_font().color(&theme::GREY);
    y += 10;
    // Notes stop above the footer line; what does not fit is in summary.json.
    let bottom = area.dim_in_pixel().1 as i32 - 40;
    let lines: Vec<Vec<String>> = figure.notes.iter().map(|n| wrap(n, 34)).collect();
    let total = lines.len();
    for (i, note) in lines.into_iter().enumerate() {
        let fits = y + 26 * note.len() as i32 <= bottom - if i + 1 < total { 26 } else { 0 };
        if !fits {
            if y + 26 <= bottom {
                let more = format!("({} more: see summary.json)", total - i);
                area.draw(&Text::new(more, (10, y), note_font.clone()))?;
            }
            break;
        }
        for text in note {
            area.draw(&Text::new(text, (10, y), note_font.clone()))?;
            y += 26;
        }
        y += 8;
    }
    Ok(())
}

/// A vertical colour bar with decade labels; returns the next free y.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    h: &Heatmap,
    top: i32,
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let font = (FONT, theme::LEGEND_PX).into_font().color(&BLACK);
    let mut y = top;
    for t in wrap(&h.bar_label, 28) {
        area.draw(&Text::new(t, (10, y), font.clone()))?;
        y += 30;
    }
    y += 10;
    let (bar_top, bar_height, x0, x1) = (y, 300, 20, 70);
    const STEPS: i32 = 100;
    for i in 0..STEPS {
        // Top of the bar is the high end.
        let pos = 1.0 - (f64::from(i) + 0.5) / f64::from(STEPS);
        let a = bar_top + i * bar_height / STEPS;
        let b = bar_top + (i + 1) * bar_height / STEPS;
        area.draw(&Rectangle::new([(x0, a), (x1, b)], theme::viridis(pos).filled()))?;
    }
    area.draw(&Rectangle::new([(x0, bar_top), (x1, bar_top + bar_height)], BLACK.stroke_width(1)))?;
    let (lo, hi) = (h.lo.log10().ceil() as i32, h.hi.log10().floor() as i32);
    for e in lo..=hi {
        let v = 10f64.powi(e);
        let yy = bar_top + ((1.0 - h.position(v)) * f64::from(bar_height)).round() as i32;
        area.draw(&PathElement::new(vec![(x1, yy), (x1 + 8, yy)], BLACK.stroke_width(2)))?;
        area.draw(&Text::new(
            decade_percent_label(v),
            (x1 + 14, yy),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(bar_top + bar_height + 40)
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

    fn labels(scale: &Scale, lo: f64, hi: f64) -> Vec<String> {
        let (a, b) = (scale.forward(lo), scale.forward(hi));
        scale.ticks(a, b).into_iter().map(|t| scale.label(t)).collect()
    }

    #[test]
    fn decade_ticks_and_fallback() {
        assert_eq!(labels(&Scale::Log, 5e6, 2e12), ["10M", "100M", "1B", "10B", "100B", "1T"]);
        assert_eq!(labels(&Scale::Log, 1.5e9, 9e9), ["2B", "5B"]);
    }

    #[test]
    fn decade_labels() {
        let labels: Vec<String> =
            [1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8].map(decade_percent_label).to_vec();
        assert_eq!(labels, ["100%", "10%", "1%", "0.1%", "0.01%", "0.001%", "0.0001%", "1e-6%"]);
    }

    #[test]
    fn logit_ticks_are_symmetric_percentages() {
        assert_eq!(
            labels(&Scale::Logit, 0.004, 0.996),
            ["1%", "5%", "10%", "25%", "50%", "75%", "90%", "95%", "99%"]
        );
        let s = Scale::Logit;
        assert!((s.inverse(s.forward(0.3)) - 0.3).abs() < 1e-15);
        assert!(s.forward(0.0).is_nan() && s.forward(1.0).is_nan());
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(labels(&Scale::Linear, 0.0, 4.3), ["0", "1", "2", "3", "4"]);
        assert_eq!(labels(&Scale::Linear, 0.0, 2.2), ["0", "0.5", "1", "1.5", "2"]);
        assert_eq!(labels(&Scale::Linear, -2.0, 10.0), ["-2", "0", "2", "4", "6", "8", "10"]);
        assert_eq!(labels(&Scale::Percent, 0.0, 1.0).len(), 11);
    }

    #[test]
    fn symlog_ticks_are_powers_of_ten_both_ways() {
        assert_eq!(
            labels(&Scale::SymLog, -30.0, 5e5),
            ["-10", "-1", "1", "10", "100", "1000", "10000", "1e5"]
        );
        let s = Scale::SymLog;
        for v in [-123.0, -1.0, 0.0, 0.5, 9.0, 1e6] {
            assert!((s.inverse(s.forward(v)) - v).abs() < 1e-9 * v.abs().max(1.0));
        }
    }

    #[test]
    fn categories_label_integers_only() {
        let s = Scale::Categories(vec!["a".into(), "b".into()]);
        assert_eq!(s.label(1.0), "b");
        assert_eq!(s.label(0.5), "");
    }

    #[test]
    fn quantiles_match_numpy() {
        // numpy.quantile([1, 2, 4, 8], [0.25, 0.5, 0.75]) = [1.75, 3.0, 5.0]
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_eq!([0.25, 0.5, 0.75].map(|p| quantile(&v, p)), [1.75, 3.0, 5.0]);
    }

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("all subtasks correct (all)", 14), vec!["all subtasks", "correct (all)"]);
    }
}
