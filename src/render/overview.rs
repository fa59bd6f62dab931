//! Charts across groups: a task's families side by side, and the distribution of
//! emergence scores by metric over every series.

use super::chart::{Figure, Line, Panel, Scale, Shape, Strip};
use super::group::{chance_line, compound_lines, footer, subtask_lines};
use super::theme;
use crate::analyze::{Series, SeriesKind};
use crate::compose::{Group, GroupKey};
use crate::report::Report;

/// Pixel size of a figure of `panels` panels in `columns` columns, with a legend column.
pub fn grid_size(panels: usize, columns: usize) -> (u32, u32) {
    let rows = panels.div_ceil(columns.max(1)).max(1) as u32;
    let width = (theme::LEGEND_WIDTH + columns as u32 * 760).max(theme::SIZE.0);
    (width, 150 + rows * 760)
}

/// One figure per (task, metric, shots) evaluated in more than one family: a panel per
/// family on a shared 0–100% axis, subtasks in grey under the compounds. Returned with
/// a file stem unique among them.
pub fn families(report: &Report) -> Vec<(String, Figure)> {
    let groups = &report.analysis.groups;
    let mut out = Vec::new();
    let mut done = vec![false; groups.len()];
    for i in 0..groups.len() {
        if done[i] {
            continue;
        }
        let same = |g: &Group| {
            let (a, b) = (&g.key, &groups[i].key);
            a.task == b.task && a.metric == b.metric && a.shots == b.shots
        };
        let members: Vec<usize> = (i..groups.len()).filter(|&j| same(&groups[j])).collect();
        for &j in &members {
            done[j] = true;
        }
        if members.len() < 2 {
            continue;
        }
        let options = &report.analysis.options;
        let panels: Vec<Panel> = members
            .iter()
            .map(|&j| {
                let g = &groups[j];
                let series: Vec<&Series> = report.analysis.series_of(&g.key).collect();
                let subtasks: Vec<&Series> =
                    series.iter().copied().filter(|s| s.kind == SeriesKind::Subtask).collect();
                let compounds: Vec<&Series> =
                    series.iter().copied().filter(|s| s.kind == SeriesKind::Compound && s.is_rate).collect();
                let mut lines = subtask_lines(&subtasks, compounds.is_empty() && subtasks.len() <= 1);
                lines.extend(series.iter().filter(|s| s.kind == SeriesKind::Task).map(|s| {
                    Line::observed("task-level score".into(), theme::BLACK, 4, super::group::points(s))
                }));
                lines.extend(compound_lines(&compounds, options));
                let mut panel = Panel::over_params(Scale::Percent, format!("{} (%)", g.key.metric), lines);
                let n = g.models.len();
                panel.title = format!("{} ({n} model{})", g.key.family, if n == 1 { "" } else { "s" });
                panel.hlines.extend(chance_line(g, options));
                panel
            })
            .collect();
        // One size axis for every panel, so that the families' sizes compare.
        let sizes = || members.iter().flat_map(|&j| groups[j].models.iter().map(|m| m.params));
        let (lo, hi) = (sizes().fold(f64::INFINITY, f64::min), sizes().fold(0.0, f64::max));
        let mut panels = panels;
        if lo.is_finite() && lo > 0.0 {
            let pad = ((hi / lo).log10() * 0.06).max(0.1);
            for p in &mut panels {
                p.x_range = Some((lo / 10f64.powf(pad), hi * 10f64.powf(pad)));
            }
        }
        let key = &groups[i].key;
        let shots = key.shots.as_deref().map(|s| format!(" · {s}-shot")).unwrap_or_default();
        let columns = panels.len().min(3);
        let size = grid_size(panels.len(), columns);
        let figure = Figure {
            title: format!("{}: {} families side by side", key.task, members.len()),
            subtitle: format!("metric {}{shots}", key.metric),
            footer: footer(report),
            panels,
            columns,
            notes: Vec::new(),
            size,
        };
        out.push((key.clone(), figure));
    }
    // File stems: the task, plus the metric and shots where the task has several.
    let keys: Vec<GroupKey> = out.iter().map(|(k, _)| k.clone()).collect();
    out.into_iter()
        .map(|(key, figure)| {
            let same_task: Vec<&GroupKey> = keys.iter().filter(|k| k.task == key.task).collect();
            let mut parts = vec![key.task.clone()];
            if same_task.iter().any(|k| k.metric != key.metric) {
                parts.push(key.metric.clone());
            }
            if same_task.iter().any(|k| k.shots != key.shots) {
                parts.push(format!("{}shot", key.shots.as_deref().unwrap_or("na")));
            }
            (super::slug(&parts.join("_")), figure)
        })
        .collect()
}

/// The metric a series' emergence score is filed under: the compound operator for
/// compounds, the input's metric for subtasks and task-level scores.
pub fn metric_of(s: &Series) -> String {
    match s.kind {
        SeriesKind::Compound => s.name.clone(),
        SeriesKind::Subtask => format!("subtask {}", s.key.metric),
        SeriesKind::Task => format!("task-level {}", s.key.metric),
    }
}

/// Emergence scores of `series` as strips by metric (in order of first appearance),
/// with quartile boxes, and how many series had no score.
pub fn emergence_panel<'a>(series: impl IntoIterator<Item = &'a Series>) -> (Panel, usize) {
    let mut metrics: Vec<String> = Vec::new();
    let mut values = Vec::new();
    let mut unscored = 0;
    for s in series {
        let Some(score) = s.emergence_score else {
            unscored += 1;
            continue;
        };
        let m = metric_of(s);
        let i = metrics.iter().position(|x| *x == m).unwrap_or_else(|| {
            metrics.push(m);
            metrics.len() - 1
        });
        values.push((i, score));
    }
    let strip = Strip {
        label: "one series".into(),
        color: theme::BLUE,
        shape: Shape::Circle,
        values,
        jitter: true,
        points: true,
        boxes: true,
        offset: 0.0,
    };
    let panel = Panel {
        strips: vec![strip],
        ..Panel::new(
            Scale::Categories(metrics),
            "metric".into(),
            Scale::SymLog,
            "emergence score (symmetric log scale)".into(),
        )
    };
    (panel, unscored)
}

/// The notes that explain an emergence-score strip chart.
pub fn emergence_notes(unscored: usize) -> Vec<String> {
    let mut notes = vec![
        "Emergence score (Srivastava et al. 2022): the rise from the worst to the best value, \
         divided by the root median squared step between sizes. Equal steps score the number of \
         steps; one jump among flat steps scores far more."
            .into(),
        "Boxes: quartiles and median, where a metric has 3 or more series.".into(),
    ];
    if unscored > 0 {
        notes.push(format!("{unscored} series have no score (flat, or too few sizes) and are not shown."));
    }
    notes
}

/// Every series of the report by metric, when any has a score.
pub fn emergence_distribution(report: &Report) -> Option<Figure> {
    let (panel, unscored) = emergence_panel(&report.analysis.series);
    if !matches!(&panel.x, Scale::Categories(m) if !m.is_empty()) {
        return None;
    }
    let scored = report.analysis.series.len() - unscored;
    Some(Figure::single(
        "Emergence scores by metric".into(),
        format!(
            "{scored} series of {} group{}",
            report.analysis.groups.len(),
            if report.analysis.groups.len() == 1 { "" } else { "s" }
        ),
        footer(report),
        panel,
        emergence_notes(unscored),
    ))
}
