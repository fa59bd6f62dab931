//! What the figures share in look: panel titles, the chance line, and the colours and
//! markers by shots, tuning, compound, architecture and sequence.

use plotters::style::RGBColor;

use crate::render::theme;
use crate::render::{Line, Panel, RefLine, Shape, Stroke};
use crate::units::fmt_percent;

pub(super) fn titled(mut panel: Panel, title: &str) -> Panel {
    panel.title = title.into();
    panel
}

pub(super) fn chance(at: f64) -> RefLine {
    RefLine { at, label: format!("chance ({})", fmt_percent(at)), color: theme::GREY }
}

/// Colours for L = 1..=n: viridis from dark to light (never the palest yellow).
pub(super) fn sequential(i: usize, n: usize) -> RGBColor {
    theme::viridis(0.82 * i as f64 / (n.max(2) - 1) as f64)
}

/// Zero-, one- and few-shot colours and labels.
pub(super) fn shot_style(shots: &str) -> (RGBColor, String, Shape) {
    match shots {
        "0" => (theme::ORANGE, "zero-shot".into(), Shape::Triangle),
        "1" => (theme::BLUISH_GREEN, "one-shot".into(), Shape::Square),
        other => (theme::BLUE, format!("few-shot ({other})"), Shape::Circle),
    }
}

/// Base models dotted with triangles, instruction-tuned ones solid with circles.
pub(super) fn tuned_style(family: &str) -> (Stroke, Shape) {
    if family.starts_with("Flan") {
        (Stroke::Solid, Shape::Circle)
    } else {
        (Stroke::Dotted, Shape::Triangle)
    }
}

pub(super) fn compound_color(name: &str) -> RGBColor {
    match name {
        "mean" => theme::BLUE,
        "all" => theme::VERMILLION,
        _ => theme::BLUISH_GREEN,
    }
}

pub(super) fn architecture_color(arch: &str) -> RGBColor {
    match arch {
        "causal-decoder" => theme::BLUE,
        "prefix-decoder" => theme::VERMILLION,
        "encoder-decoder" => theme::BLUISH_GREEN,
        _ => theme::GREY,
    }
}

/// A legend entry without anything drawn: the line has no points.
pub(super) fn legend_only(label: &str, color: RGBColor, shape: Shape) -> Line {
    let mut line = Line::observed(label.into(), color, 4, Vec::new());
    line.marker = Some(shape);
    line
}
