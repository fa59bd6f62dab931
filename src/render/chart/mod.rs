//! Figures of one or more panels, drawn once against any plotters `DrawingBackend`:
//! PNG and SVG differ only in the backend they pass in.
//!
//! Every axis is drawn in a transformed space (log10 for sizes and log rates, the logit
//! for logit rates, the identity otherwise) on a plain linear coordinate, with tick
//! positions chosen by `scales` and labelled with the untransformed value. One coordinate
//! type serves every scale, and bands, heatmap cells and interval bars are transformed
//! the same way as the lines.
//!
//! The figure model (what a chart shows) is here; `scales` holds the axis
//! mathematics (transforms, ranges, ticks and their labels), `draw` the plotters
//! drawing of titles, panels and their contents, and `legend` the legend column.

mod draw;
mod legend;
mod scales;

use plotters::style::RGBColor;

use super::theme;

pub use draw::draw;

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
