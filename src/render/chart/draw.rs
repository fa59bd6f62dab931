//! Drawing with plotters: the title, subtitle and footer, each panel's axes and mesh,
//! and what a panel holds (heatmap, bands, reference lines, lines with markers and
//! interval bars, strips and boxes, point labels).

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::legend::{draw_legend, legend_entries};
use super::scales::{extent, Axis};
use super::theme::{self, FONT};
use super::{Figure, Label, Panel, Scale, Shape, Strip, Stroke};

pub(super) type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

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
pub(super) fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        // numpy.quantile([1, 2, 4, 8], [0.25, 0.5, 0.75]) = [1.75, 3.0, 5.0]
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_eq!([0.25, 0.5, 0.75].map(|p| quantile(&v, p)), [1.75, 3.0, 5.0]);
    }
}
