//! The legend column: each label once, in the order first drawn (lines, strips,
//! reference lines, a heatmap's colour bar), then the figure's notes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{draw_marker, DrawResult};
use super::scales::decade_percent_label;
use super::theme::{self, FONT};
use super::{Figure, Heatmap, Line, RefLine, Strip, Stroke};

/// What the legend column shows, each label once, in the order first drawn.
pub(super) enum Entry<'a> {
    Line(&'a Line),
    Ref(&'a RefLine, bool),
    Strip(&'a Strip),
    Bar(&'a Heatmap),
}

pub(super) fn legend_entries(figure: &Figure) -> Vec<Entry<'_>> {
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

pub(super) fn draw_legend<DB: DrawingBackend>(
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

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("all subtasks correct (all)", 14), vec!["all subtasks", "correct (all)"]);
    }
}
