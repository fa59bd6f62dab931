//! Render: the last pipeline stage for pictures. Builds a [`ChartSpec`] per chart from
//! the report and encodes it as PNG (or SVG) with plotters.
//!
//! Charts per group (task × family × metric × shots):
//! - `<name>_subtasks.png`: every subtask against parameters;
//! - `<name>_compound.png`: subtasks, the smooth `mean` and the strict compounds on one
//!   0–100% axis: the emergence "mirage" in one picture;
//! - `<name>_compound_log.png`: the same rates on a log axis, where a strict product of
//!   smoothly improving subtasks is a steady, unremarkable line;
//! - `<name>_independence.png` (item-level inputs): the items' all-correct rate against
//!   the product of subtask rates that independence predicts.

mod chart;
pub mod theme;

use std::path::{Path, PathBuf};

use plotters::prelude::*;

pub use chart::{draw, ChartSpec, HLine, Line, YAxis};

use crate::analyze::{AnalyzeOptions, Series, SeriesKind, XAxis};
use crate::compose::{Group, OperatorKind};
use crate::export::write_atomically;
use crate::report::Report;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot draw chart {name}: {message}")]
    Draw { name: String, message: String },
    #[error(transparent)]
    Write(#[from] crate::export::ExportError),
}

/// The image formats charts can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }
}

/// Draws `spec` and encodes it in `format`.
pub fn encode(spec: &ChartSpec, format: ImageFormat) -> Result<Vec<u8>, RenderError> {
    let (w, h) = theme::SIZE;
    let fail = |e: String| RenderError::Draw { name: spec.title.clone(), message: e };
    match format {
        ImageFormat::Png => {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                draw(&root, spec).map_err(|e| fail(e.to_string()))?;
            }
            let mut png = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new(&mut png);
            image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ColorType::Rgb8)
                .map_err(|e| fail(e.to_string()))?;
            Ok(png)
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                draw(&root, spec).map_err(|e| fail(e.to_string()))?;
            }
            Ok(svg.into_bytes())
        }
    }
}

/// Draws every chart of the report into `dir`, returning the paths written.
pub fn render_report(
    report: &Report,
    dir: &Path,
    formats: &[ImageFormat],
) -> Result<Vec<PathBuf>, RenderError> {
    let mut written = Vec::new();
    let names = file_stems(&report.analysis.groups);
    for (g, stem) in report.analysis.groups.iter().zip(names) {
        let series: Vec<&Series> = report.analysis.series_of(&g.key).collect();
        for (suffix, spec) in charts_for(report, g, &series) {
            for &format in formats {
                let path = dir.join(format!("{stem}_{suffix}.{}", format.extension()));
                write_atomically(&path, &encode(&spec, format)?)?;
                written.push(path);
            }
        }
    }
    Ok(written)
}

/// A file-name stem per group: the task, plus whichever of family, metric and shots
/// vary within that task.
fn file_stems(groups: &[Group]) -> Vec<String> {
    let mut stems: Vec<String> = groups
        .iter()
        .map(|g| {
            let same_task: Vec<&Group> = groups.iter().filter(|o| o.key.task == g.key.task).collect();
            let varies = |f: &dyn Fn(&Group) -> String| same_task.iter().any(|o| f(o) != f(g));
            let mut parts = vec![g.key.task.clone()];
            if varies(&|o| o.key.family.clone()) {
                parts.push(g.key.family.clone());
            }
            if varies(&|o| o.key.metric.clone()) {
                parts.push(g.key.metric.clone());
            }
            if varies(&|o| o.key.shots.clone().unwrap_or_default()) {
                parts.push(format!("{}shot", g.key.shots.as_deref().unwrap_or("na")));
            }
            slug(&parts.join("_"))
        })
        .collect();
    // Different names can share a slug ("a b" and "a_b"): number the later ones.
    for i in 0..stems.len() {
        let clashes = stems[..i].iter().filter(|s| **s == stems[i]).count();
        if clashes > 0 {
            stems[i] = format!("{}_{}", stems[i], clashes + 1);
        }
    }
    stems
}

/// Letters, digits, `-`, `_` and `.` kept; anything else becomes `_`.
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        "task".into()
    } else {
        s
    }
}

fn points(s: &Series) -> Vec<(f64, f64)> {
    s.points.iter().map(|p| (p.params, p.value)).collect()
}

/// Interval bars of the points that have intervals.
fn errors(s: &Series) -> Vec<(f64, f64, f64)> {
    s.points.iter().filter_map(|p| p.ci.map(|(lo, hi)| (p.params, lo, hi))).collect()
}

/// Points on the composed-model curve: 80 steps across the observed sizes.
const CURVE_STEPS: usize = 80;

/// The composed model of a compound as a dashed curve with its interval band.
/// Drawn only on the params axis: fits against FLOPs have no place on it.
fn composed_line(s: &Series, color: RGBColor, options: &AnalyzeOptions) -> Option<Line> {
    let c = s.composed.as_ref()?;
    if options.x_axis != XAxis::Params {
        return None;
    }
    let (lo, hi) = (c.x.iter().copied().reduce(f64::min)?, c.x.iter().copied().reduce(f64::max)?);
    let grid: Vec<f64> = (0..=CURVE_STEPS).map(|i| lo + (hi - lo) * i as f64 / CURVE_STEPS as f64).collect();
    let points = grid.iter().map(|&x| (10f64.powf(x), c.model.predict(x))).collect();
    let band = grid
        .iter()
        .filter_map(|&x| c.model.band(x, options.confidence).map(|(a, b)| (10f64.powf(x), a, b)))
        .collect();
    // Dark over the compound's own colour: the curve usually runs through the points.
    Some(Line {
        label: format!("composed subtask trends ({}), {:.0}% band", s.name, options.confidence * 100.0),
        color: theme::BLACK,
        band_color: Some(color),
        width: 2,
        dashed: true,
        points,
        in_legend: true,
        markers: false,
        errors: Vec::new(),
        band,
    })
}

/// Subtask lines: coloured and listed when few, grey and summarised when many.
fn subtask_lines(subtasks: &[&Series], emphasised: bool) -> Vec<Line> {
    let many = subtasks.len() > theme::SERIES.len();
    subtasks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (color, label, in_legend) = if many || !emphasised {
                let label = match subtasks {
                    [only] => format!("subtask: {}", only.name),
                    _ => format!("subtasks ({})", subtasks.len()),
                };
                (theme::LIGHT_GREY, label, i == 0)
            } else {
                (theme::SERIES[i % theme::SERIES.len()], s.name.clone(), true)
            };
            let mut line = Line::observed(label, color, if emphasised && !many { 3 } else { 2 }, points(s));
            line.in_legend = in_legend;
            if emphasised && !many {
                line.errors = errors(s);
            }
            line
        })
        .collect()
}

/// Compound lines, the strict ones drawn boldest and last, each followed by its
/// composed-model curve when it has one.
fn compound_lines(compounds: &[&Series], options: &AnalyzeOptions) -> Vec<Line> {
    let mut palette =
        [theme::BLUISH_GREEN, theme::ORANGE, theme::REDDISH_PURPLE, theme::SKY_BLUE].iter().cycle();
    let mut lines: Vec<(u8, Vec<Line>)> = compounds
        .iter()
        .map(|s| {
            let (rank, color, width) = match s.name.as_str() {
                "mean" => (1, theme::BLUE, 5),
                "all" => (2, theme::VERMILLION, 5),
                _ => (0, *palette.next().expect("cycle never ends"), 4),
            };
            let label = format!("{} ({})", describe(s), s.name);
            let mut line = Line::observed(label, color, width, points(s));
            line.errors = errors(s);
            let mut lines = vec![line];
            lines.extend(composed_line(s, color, options));
            (rank, lines)
        })
        .collect();
    lines.sort_by_key(|(rank, _)| *rank);
    lines.into_iter().flat_map(|(_, l)| l).collect()
}

fn describe(s: &Series) -> String {
    match s.name.parse::<crate::compose::Operator>() {
        Ok(op) if op.kind() == OperatorKind::Mean => "subtask mean".into(),
        Ok(op) => op.describe(),
        Err(_) => s.name.clone(),
    }
}

/// Says which legend entries are hidden under another line with identical points.
fn coincidence_notes(lines: &[Line]) -> Vec<String> {
    let mut notes = Vec::new();
    let mut done = vec![false; lines.len()];
    for i in 0..lines.len() {
        if done[i] || !lines[i].in_legend {
            continue;
        }
        let same: Vec<usize> = (i..lines.len())
            .filter(|&j| {
                lines[j].in_legend && lines[j].points == lines[i].points && lines[j].label != lines[i].label
            })
            .collect();
        if !same.is_empty() {
            let mut names = vec![lines[i].label.clone()];
            for j in same {
                done[j] = true;
                names.push(lines[j].label.clone());
            }
            notes.push(format!("Identical values, lines coincide: {}.", names.join(", ")));
        }
    }
    notes
}

/// The compounds' detection floor as a reference line: the highest floor among
/// their points (the smallest evaluation), where any point has one.
fn detection_floor(compounds: &[&Series]) -> Option<HLine> {
    let (floor, n) = compounds
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| Some((p.detection_floor?, p.n?)))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(HLine {
        y: floor,
        label: format!("detection floor, {n} items ({})", crate::units::fmt_percent(floor)),
        color: theme::GREY,
    })
}

fn charts_for(report: &Report, g: &Group, series: &[&Series]) -> Vec<(&'static str, ChartSpec)> {
    let options = &report.analysis.options;
    let key = &g.key;
    let shots = key.shots.as_deref().map(|s| format!(" · {s}-shot")).unwrap_or_default();
    let subtitle =
        format!("family {} · metric {}{shots} · {} models", key.family, key.metric, g.models.len());
    let footer = format!("emerge {} · data: {}", env!("CARGO_PKG_VERSION"), report.input.path);
    let subtasks: Vec<&Series> = series.iter().copied().filter(|s| s.kind == SeriesKind::Subtask).collect();
    let task_level: Vec<&Series> = series.iter().copied().filter(|s| s.kind == SeriesKind::Task).collect();
    let rate_compounds: Vec<&Series> =
        series.iter().copied().filter(|s| s.kind == SeriesKind::Compound && s.is_rate).collect();
    let other_compounds: Vec<&Series> =
        series.iter().copied().filter(|s| s.kind == SeriesKind::Compound && !s.is_rate).collect();
    let task_lines = || {
        task_level.iter().map(|s| {
            let mut line = Line::observed("task-level score".into(), theme::BLACK, 4, points(s));
            line.dashed = true;
            line.errors = errors(s);
            line
        })
    };
    let mut charts = Vec::new();
    if !subtasks.is_empty() || !task_level.is_empty() {
        let mut lines = subtask_lines(&subtasks, true);
        lines.extend(task_lines());
        charts.push((
            "subtasks",
            ChartSpec {
                title: format!("{}: subtask scores", key.task),
                subtitle: subtitle.clone(),
                footer: footer.clone(),
                y_label: format!("{} (%)", key.metric),
                y_axis: YAxis::Percent,
                notes: coincidence_notes(&lines),
                lines,
                hlines: Vec::new(),
            },
        ));
    }
    if !rate_compounds.is_empty() {
        let mut lines = subtask_lines(&subtasks, false);
        lines.extend(task_lines());
        lines.extend(compound_lines(&rate_compounds, options));
        let mut notes = coincidence_notes(&lines);
        // Charts state findings; why a verdict could not be reached is in the summary.
        let verdict = report.analysis.verdicts.iter().find(|v| v.key == g.key);
        if let Some(v) = verdict.filter(|v| v.outcome != crate::analyze::Outcome::Insufficient) {
            let p = match v.p_adjusted {
                Some(p) if p < 0.001 => " (adjusted p < 0.001)".to_string(),
                Some(p) => format!(" (adjusted p = {p:.3})"),
                None => String::new(),
            };
            notes.push(format!("Verdict, {} of smooth subtask trends: {}{p}.", v.operator, v.text));
        }
        let incomplete = rate_compounds.iter().map(|s| g.models.len() - s.points.len()).max().unwrap_or(0);
        if incomplete > 0 {
            notes.push(format!("{incomplete} models lack a subtask score and have no compound value."));
        }
        charts.push((
            "compound",
            ChartSpec {
                title: format!("{}: strict vs smooth compound", key.task),
                subtitle: subtitle.clone(),
                footer: footer.clone(),
                y_label: format!("{} (%)", key.metric),
                y_axis: YAxis::Percent,
                lines: lines.clone(),
                notes: notes.clone(),
                hlines: Vec::new(),
            },
        ));
        let zeros = lines.iter().flat_map(|l| &l.points).filter(|(_, y)| *y <= 0.0).count();
        let mut log_notes = notes;
        if zeros > 0 {
            log_notes.push(format!("{zeros} zero values cannot be shown on a log axis and are left out."));
        }
        let log_lines = lines
            .into_iter()
            .map(|mut l| {
                l.points.retain(|(_, y)| *y > 0.0);
                l.band.retain(|(_, lo, _)| *lo > 0.0);
                l
            })
            .collect();
        charts.push((
            "compound_log",
            ChartSpec {
                title: format!("{}: compound on a log scale", key.task),
                subtitle: subtitle.clone(),
                footer: footer.clone(),
                y_label: format!("{} (%, log scale)", key.metric),
                y_axis: YAxis::LogPercent,
                lines: log_lines,
                notes: log_notes,
                hlines: detection_floor(&rate_compounds).into_iter().collect(),
            },
        ));
    }
    if let Some(spec) = independence_chart(report, g, &subtitle, &footer) {
        charts.push(("independence", spec));
    }
    if !other_compounds.is_empty() {
        charts.push((
            "editdist",
            ChartSpec {
                title: format!("{}: expected edit distance", key.task),
                subtitle,
                footer,
                y_label: "tokens wrong (lower is better)".into(),
                y_axis: YAxis::Linear,
                lines: compound_lines(&other_compounds, options),
                notes: Vec::new(),
                hlines: Vec::new(),
            },
        ));
    }
    charts
}

/// Item-level inputs: the items' observed all-correct rate, with its exact intervals,
/// against the product of the subtask rates that independence predicts.
fn independence_chart(report: &Report, g: &Group, subtitle: &str, footer: &str) -> Option<ChartSpec> {
    let key = &g.key;
    let checks: Vec<&crate::analyze::independence::IndependenceCheck> = report
        .analysis
        .independence
        .iter()
        .filter(|c| {
            c.task == key.task && c.family == key.family && c.metric == key.metric && c.shots == key.shots
        })
        .collect();
    if checks.is_empty() {
        return None;
    }
    let mut observed = Line::observed(
        "all subtasks correct on the same item (observed)".into(),
        theme::VERMILLION,
        4,
        checks.iter().map(|c| (c.params, c.joint_rate)).collect(),
    );
    observed.errors = checks.iter().filter_map(|c| c.joint_ci.map(|(lo, hi)| (c.params, lo, hi))).collect();
    let mut product = Line::observed(
        "product of subtask rates (independence)".into(),
        theme::BLACK,
        3,
        checks.iter().map(|c| (c.params, c.independence_prediction)).collect(),
    );
    product.dashed = true;
    let iccs: Vec<f64> = checks.iter().filter_map(|c| c.icc).collect();
    let mut notes = Vec::new();
    if let (Some(lo), Some(hi)) =
        (iccs.iter().copied().reduce(f64::min), iccs.iter().copied().reduce(f64::max))
    {
        notes.push(format!(
            "Intra-class correlation ICC(3,1) of the items' outcomes across subtasks: {lo:.2} to {hi:.2} \
             over sizes (0: independent subtasks)."
        ));
    }
    let outside = checks.iter().filter(|c| c.prediction_in_ci == Some(false)).count();
    notes.push(format!(
        "The product lies outside the observed rate's {:.0}% exact interval at {outside} of {} sizes.",
        report.analysis.options.confidence * 100.0,
        checks.len()
    ));
    Some(ChartSpec {
        title: format!("{}: do subtasks fail independently?", key.task),
        subtitle: subtitle.to_string(),
        footer: footer.to_string(),
        y_label: format!("{} (%)", key.metric),
        y_axis: YAxis::Percent,
        lines: vec![product, observed],
        notes,
        hlines: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("BBH / Boolean Expressions"), "BBH___Boolean_Expressions");
        assert_eq!(slug("seed_example"), "seed_example");
        assert_eq!(slug(".."), "task");
    }
}
