//! The summary printed on the terminal: per group a table of models by size (subtask
//! mean, task-level score, each compound), then emergence scores, then warnings.

use std::io::{self, Write};

use crate::analyze::{Series, SeriesKind, TASK_LEVEL_NAME};
use crate::compose::Group;
use crate::report::Report;
use crate::units::{fmt_params, fmt_percent};

fn fmt_value(v: f64, is_rate: bool) -> String {
    if is_rate {
        fmt_percent(v)
    } else {
        format!("{v:.3}")
    }
}

/// Writes the human-readable summary of `report`.
pub fn write_summary(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let input = &report.input;
    writeln!(
        w,
        "{}: {} rows read, {} used, {} dropped",
        input.path, input.rows_read, input.rows_used, input.rows_dropped
    )?;
    for g in &report.analysis.groups {
        writeln!(w)?;
        write_group(w, report, g)?;
    }
    writeln!(w)?;
    write_scores(w, report)?;
    if !report.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "warnings:")?;
        for warning in &report.warnings {
            writeln!(w, "  - {}", warning.message)?;
        }
    }
    Ok(())
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn write_group(w: &mut dyn Write, report: &Report, g: &Group) -> io::Result<()> {
    let key = &g.key;
    let shots = key.shots.as_deref().map(|s| format!(" · {s} shots")).unwrap_or_default();
    writeln!(
        w,
        "{} · family {} · metric {}{shots} · {}, {}",
        key.task,
        key.family,
        key.metric,
        plural(g.subtasks.len(), "subtask"),
        plural(g.models.len(), "model")
    )?;
    let series: Vec<&Series> = report.analysis.series_of(key).collect();
    let columns: Vec<&Series> = series.iter().copied().filter(|s| s.kind != SeriesKind::Subtask).collect();
    let model_width = g.models.iter().map(|m| m.name.chars().count()).max().unwrap_or(5).max(5);
    let mut header = format!("  {:<model_width$}  {:>7}", "model", "params");
    if !g.subtasks.is_empty() {
        header.push_str(&format!("  {:>12}", "subtask mean"));
    }
    for s in &columns {
        let title = if s.kind == SeriesKind::Task { TASK_LEVEL_NAME } else { &s.name };
        header.push_str(&format!("  {:>10}", title));
    }
    writeln!(w, "{header}")?;
    for (m, model) in g.models.iter().enumerate() {
        let mut line = format!("  {:<model_width$}  {:>7}", model.name, fmt_params(model.params));
        if !g.subtasks.is_empty() {
            let values: Vec<f64> =
                g.cells.iter().filter_map(|row| row[m].as_ref().map(|c| c.value)).collect();
            let mean = if values.is_empty() {
                "-".to_string()
            } else {
                fmt_percent(values.iter().sum::<f64>() / values.len() as f64)
            };
            line.push_str(&format!("  {mean:>12}"));
        }
        for s in &columns {
            let cell = s
                .points
                .iter()
                .find(|p| p.model == model.name)
                .map_or_else(|| "-".to_string(), |p| fmt_value(p.value, s.is_rate));
            line.push_str(&format!("  {cell:>10}"));
        }
        writeln!(w, "{line}")?;
    }
    for s in &columns {
        let implied: Vec<f64> = s.points.iter().filter_map(|p| p.implied_subtask_rate).collect();
        if let (Some(first), Some(last), Some(p0), Some(p1)) =
            (implied.first(), implied.last(), s.points.first(), s.points.last())
        {
            writeln!(
                w,
                "  {}: {} → {} is what {} independent subtasks at {} → {} each compose to",
                s.name,
                fmt_percent(p0.value),
                fmt_percent(p1.value),
                s.subtasks_composed.unwrap_or(0),
                fmt_percent(*first),
                fmt_percent(*last)
            )?;
        }
        if !s.higher_is_better {
            writeln!(w, "  {}: lower is better", s.name)?;
        }
    }
    Ok(())
}

fn write_scores(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(
        w,
        "emergence scores (Srivastava et al. 2022; larger = more abrupt, negative = falls with size)"
    )?;
    let rows: Vec<[String; 5]> = report
        .analysis
        .series
        .iter()
        .map(|s| {
            let score = match (s.emergence_score, &s.emergence_score_note) {
                (Some(v), _) => format!("{v:.2}"),
                (None, Some(note)) => format!("none: {note}"),
                (None, None) => "none".into(),
            };
            let gain = match (s.gain_abs, s.gain_rel, s.is_rate) {
                // Past tenfold a ratio reads better than a percentage in the thousands.
                (Some(a), Some(r), true) if r + 1.0 >= 10.0 => {
                    format!("{:+.2} pp (×{:.0})", a * 100.0, r + 1.0)
                }
                (Some(a), Some(r), true) => format!("{:+.2} pp ({:+.0}%)", a * 100.0, r * 100.0),
                (Some(a), None, true) => format!("{:+.2} pp", a * 100.0),
                (Some(a), _, false) => format!("{a:+.3}"),
                _ => String::new(),
            };
            let group = match &s.key.shots {
                Some(shots) => format!("{} / {} / {} / {shots}-shot", s.key.task, s.key.family, s.key.metric),
                None => format!("{} / {} / {}", s.key.task, s.key.family, s.key.metric),
            };
            [group, s.kind.as_str().to_string(), s.name.clone(), gain, score]
        })
        .collect();
    let width =
        |i: usize, title: &str| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(title.len());
    let (w0, w1, w2, w3) = (width(0, "group"), width(1, "kind"), width(2, "series"), width(3, "gain"));
    writeln!(w, "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  score", "group", "kind", "series", "gain")?;
    for r in &rows {
        writeln!(w, "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}", r[0], r[1], r[2], r[3], r[4])?;
    }
    Ok(())
}
