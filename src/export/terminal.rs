//! The summary printed on the terminal. By default a digest ([`write_digest`]: counts by
//! verdict outcome, the most abrupt series, near forecasts, warnings folded by code);
//! with `--full` ([`write_summary`]) per group a table of models by size (subtask mean,
//! task-level score, each compound), then emergence scores, fits, verdicts, warnings.

use std::io::{self, Write};

use super::digest::{Digest, NEAR_DECADES, TOP_SERIES};
use crate::analyze::{
    Crossing, FdrFamily, Outcome, Point, Series, SeriesKind, Verdict, XAxis, TASK_LEVEL_NAME,
};
use crate::compose::{Group, GroupKey};
use crate::report::Report;
use crate::units::{fmt_params, fmt_percent};

/// A point's value with its interval, when it has one: `7.78% (6.26–9.41%)`.
pub(crate) fn fmt_point(p: &Point, is_rate: bool) -> String {
    match (p.ci, is_rate) {
        (Some((lo, hi)), true) => {
            let lo = fmt_percent(lo);
            format!("{} ({}–{})", fmt_percent(p.value), lo.trim_end_matches('%'), fmt_percent(hi))
        }
        (Some((lo, hi)), false) => format!("{:.3} ({lo:.3}–{hi:.3})", p.value),
        (None, _) => fmt_value(p.value, is_rate),
    }
}

/// Whether a forecast `decades` beyond the largest model is within what a back-test of this
/// series can check: its two largest models hidden, the largest predicted from the rest
/// (`emerge backtest`, horizon 2), reaches from the third-largest size to the largest.
fn backtest_reach(s: &Series, options: &crate::analyze::AnalyzeOptions, decades: f64) -> String {
    let mut xs: Vec<f64> = s.xs(options.x_axis).into_iter().flatten().collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let m = xs.len();
    let reach = match m {
        0..=3 => return "; too few sizes to back-test".into(),
        4 => xs[3] - xs[2],
        _ => xs[m - 1] - xs[m - 3],
    };
    if decades <= reach {
        format!(" (within the {reach:.1} decades a back-test of this series checks)")
    } else {
        format!(" (a back-test of this series checks {reach:.1} decades at most; this is extrapolation)")
    }
}

/// A position on the fitted scale, as a parameter count or a FLOP count.
pub(crate) fn fmt_scale(x: f64, axis: XAxis) -> String {
    let v = 10f64.powf(x);
    match axis {
        XAxis::Params => format!("{} params", fmt_params(v)),
        XAxis::Flops => format!("{v:.2e} FLOPs"),
    }
}

pub(crate) fn fmt_value(v: f64, is_rate: bool) -> String {
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
    write_models(w, report)?;
    write_verdicts(w, report)?;
    write_independence(w, report)?;
    if !report.input.dropped.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "dropped ({} rows, all listed in summary.json under input.dropped):",
            input.rows_dropped
        )?;
        for d in report.input.dropped.iter().take(10) {
            let at = if d.line == 0 { d.file.clone() } else { format!("{}:{}", d.file, d.line) };
            writeln!(w, "  - {at}: {}", d.reason)?;
        }
        if report.input.dropped.len() > 10 {
            writeln!(w, "  ... and {} more", report.input.dropped.len() - 10)?;
        }
    }
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
        header.push_str(&format!("  {:>width$}", title, width = column_width(s)));
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
                .map_or_else(|| "-".to_string(), |p| fmt_point(p, s.is_rate));
            line.push_str(&format!("  {cell:>width$}", width = column_width(s)));
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

fn column_width(s: &Series) -> usize {
    let title = if s.kind == SeriesKind::Task { TASK_LEVEL_NAME.len() } else { s.name.chars().count() };
    s.points.iter().map(|p| fmt_point(p, s.is_rate).chars().count()).chain([title, 10]).max().unwrap_or(10)
}

fn write_scores(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(
        w,
        "emergence scores (Srivastava et al. 2022; larger = more abrupt, negative = worsens with size; \
         per step = score / (sizes − 1), 1 = steady)"
    )?;
    let rows: Vec<[String; 6]> = report
        .analysis
        .series
        .iter()
        .map(|s| {
            let per_step = s.emergence_score_normalized.map_or_else(String::new, |v| format!("{v:.2}"));
            [
                group_label(&s.key),
                s.kind.as_str().to_string(),
                s.name.clone(),
                gain_text(s),
                per_step,
                score_text(s),
            ]
        })
        .collect();
    let width =
        |i: usize, title: &str| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(title.len());
    let (w0, w1, w2, w3) = (width(0, "group"), width(1, "kind"), width(2, "series"), width(3, "gain"));
    let w4 = width(4, "per step");
    writeln!(
        w,
        "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}  score",
        "group", "kind", "series", "gain", "per step"
    )?;
    for r in &rows {
        writeln!(w, "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}  {}", r[0], r[1], r[2], r[3], r[4], r[5])?;
    }
    Ok(())
}

/// An emergence score with its interval and note, as the summary prints it.
pub(crate) fn score_text(s: &Series) -> String {
    match (s.emergence_score, &s.emergence_score_note) {
        (Some(v), note) => {
            let mut text = match s.emergence_score_ci {
                Some((lo, hi)) => format!("{v:.2} ({lo:.2} to {hi:.2})"),
                None => format!("{v:.2}"),
            };
            if let Some(merged) = note {
                text = format!("{text}; {merged}");
            }
            text
        }
        (None, Some(note)) => format!("none: {note}"),
        (None, None) => "none".into(),
    }
}

/// The gain from the smallest to the largest model: `+6.76 pp (×8)`.
pub(crate) fn gain_text(s: &Series) -> String {
    // A gain that would print as ±0.00 pp (a product of many rates) keeps two digits.
    let pp = |a: f64| {
        if a != 0.0 && (a * 100.0).abs() < 0.005 {
            format!("{:+.1e}", a * 100.0)
        } else {
            format!("{:+.2}", a * 100.0)
        }
    };
    match (s.gain_abs, s.gain_rel, s.is_rate) {
        // Past tenfold a ratio reads better than a percentage in the thousands.
        (Some(a), Some(r), true) if r + 1.0 >= 10.0 => {
            format!("{} pp (×{:.0})", pp(a), r + 1.0)
        }
        (Some(a), Some(r), true) => format!("{} pp ({:+.0}%)", pp(a), r * 100.0),
        (Some(a), None, true) => format!("{} pp", pp(a)),
        (Some(a), _, false) => format!("{a:+.3}"),
        _ => String::new(),
    }
}

/// `task / family / metric[ / N-shot]`, as the summary names a group.
pub(crate) fn group_label(key: &GroupKey) -> String {
    match &key.shots {
        Some(shots) => format!("{} / {} / {} / {shots}-shot", key.task, key.family, key.metric),
        None => format!("{} / {} / {}", key.task, key.family, key.metric),
    }
}

/// Per compound: the best-fitting curve, the composed model's held-out check, forecasts.
fn write_models(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let options = &report.analysis.options;
    let compounds: Vec<&Series> =
        report.analysis.series.iter().filter(|s| s.kind != SeriesKind::Subtask).collect();
    if compounds.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "curve fits (x = log10 {}; best by AICc) and the composed model", options.x_axis.name())?;
    for s in compounds {
        writeln!(w, "  {} · {}", group_label(&s.key), s.name)?;
        for line in model_lines(report, s) {
            writeln!(w, "    {line}")?;
        }
    }
    Ok(())
}

/// A series' fits, composed model and forecasts, one line each, as `--full` prints them.
pub(crate) fn model_lines(report: &Report, s: &Series) -> Vec<String> {
    let options = &report.analysis.options;
    let level = format!("{:.0}%", options.confidence * 100.0);
    let mut out = Vec::new();
    if let Some(note) = &s.fit_note {
        out.push(format!("no fits: {note}"));
    }
    let best = s
        .fits
        .iter()
        .filter_map(|f| f.fit.as_ref().ok().filter(|c| c.converged).and_then(|c| c.aicc.map(|a| (f, a))))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    // Each fit that is not used, with its reason: too few sizes, or not converged and why.
    let failed: Vec<String> = s
        .fits
        .iter()
        .filter_map(|f| match &f.fit {
            Err(e) => Some(format!("{}: not fitted ({e})", f.model.name())),
            Ok(c) if !c.converged => Some(format!(
                "{}: not converged ({})",
                f.model.name(),
                c.convergence_note.as_deref().unwrap_or("no reason given")
            )),
            Ok(_) => None,
        })
        .collect();
    if let Some((f, aicc)) = best {
        let holdout = match &f.holdout {
            Ok(h) => match h.inside {
                Some(true) => "largest model inside its prediction interval".to_string(),
                Some(false) => "largest model OUTSIDE its prediction interval".to_string(),
                None => "held-out check without an interval".to_string(),
            },
            Err(e) => format!("no held-out check: {e}"),
        };
        out.push(format!("best fit: {} (AICc {aicc:.1}); {holdout}", f.model.name()));
    } else if !s.fits.is_empty() {
        out.push("no fit has an AICc (too few sizes for the parameters)".to_string());
    }
    for why in &failed {
        out.push(format!("not used: {why}"));
    }
    if let Some(c) = &s.composed {
        match &c.holdout {
            Ok(h) => {
                let judged = match (h.interval, h.inside) {
                    (Some((lo, hi)), Some(inside)) => format!(
                        "{level} interval {}–{}: {}",
                        fmt_value(lo, s.is_rate),
                        fmt_value(hi, s.is_rate),
                        if inside { "passes" } else { "FAILS" }
                    ),
                    _ => format!(
                        "cannot be judged: {}",
                        c.holdout_note.as_deref().unwrap_or("the check has no interval")
                    ),
                };
                out.push(format!(
                    "composed model (logistic subtasks, {}): held out {}: observed {}, predicted {}; {judged}",
                    c.model.operator.name(),
                    fmt_scale(h.x, options.x_axis),
                    fmt_value(h.observed, s.is_rate),
                    fmt_value(h.predicted, s.is_rate),
                ));
            }
            Err(e) => out.push(format!("composed model: no held-out check: {e}")),
        }
    } else if let Some(note) = &s.composed_note {
        out.push(format!("no composed model: {note}"));
    }
    for f in &s.forecasts {
        let edge = |c: Option<Crossing>, beyond: &str| match c {
            Some(Crossing::At(x)) => fmt_scale(x, options.x_axis),
            Some(Crossing::Before) => "below the smallest model".into(),
            Some(Crossing::Beyond) => beyond.into(),
            None => "?".into(),
        };
        let text = match f.crossing {
            Crossing::At(x) => {
                let interval = if f.low.is_some() {
                    format!(
                        " ({level} interval {} to {})",
                        edge(f.low, "beyond the range"),
                        edge(f.high, "beyond the range searched")
                    )
                } else {
                    String::new()
                };
                let extrapolation = f
                    .extrapolation_decades
                    .map(|d| {
                        format!(", {d:.1} decades beyond the largest model{}", backtest_reach(s, options, d))
                    })
                    .unwrap_or_default();
                format!(
                    "reaches {} at {}{interval}{extrapolation}",
                    fmt_percent(f.threshold),
                    fmt_scale(x, options.x_axis)
                )
            }
            Crossing::Before => format!(
                "already at {} or {} at the smallest model",
                fmt_percent(f.threshold),
                if s.higher_is_better { "above" } else { "below" }
            ),
            Crossing::Beyond => format!(
                "does not reach {} within {} decades beyond the largest model",
                fmt_percent(f.threshold),
                crate::analyze::FORECAST_DECADES
            ),
        };
        out.push(format!("forecast ({}): {text}", f.source));
    }
    out
}

/// Item-level inputs: each model's joint rate beside the independence prediction.
fn write_independence(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let checks = &report.analysis.independence;
    if checks.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(
        w,
        "independence (item-level): the all-correct rate of the items against the product of subtask rates"
    )?;
    let mut last: Option<(&str, &str, &str, Option<&str>)> = None;
    for c in checks {
        let key = (c.task.as_str(), c.family.as_str(), c.metric.as_str(), c.shots.as_deref());
        if last != Some(key) {
            let shots = c.shots.as_deref().map_or(String::new(), |s| format!(", {s}-shot"));
            writeln!(w, "  {} / {} / {}{shots} ({} subtasks)", c.task, c.family, c.metric, c.subtasks)?;
            last = Some(key);
        }
        let ci = c
            .joint_ci
            .map_or(String::new(), |(lo, hi)| format!(" [{}, {}]", fmt_percent(lo), fmt_percent(hi)));
        let ratio = c.ratio.map_or("-".to_string(), |r| format!("{r:.2}"));
        let icc = match (c.icc, c.icc_ci) {
            (Some(v), Some((lo, hi))) => format!("ICC {v:.2} [{lo:.2}, {hi:.2}]"),
            (Some(v), None) => format!("ICC {v:.2}"),
            _ => "ICC -".to_string(),
        };
        let fits = match c.prediction_in_ci {
            Some(true) => "  product inside the interval",
            Some(false) => "  product outside the interval",
            None => "",
        };
        writeln!(
            w,
            "    {:<14} n {:<6} joint {}{ci}  product {}  ratio {ratio}  {icc}{fits}",
            c.model,
            c.complete_items,
            fmt_percent(c.joint_rate),
            fmt_percent(c.independence_prediction)
        )?;
    }
    Ok(())
}

fn write_verdicts(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let verdicts = &report.analysis.verdicts;
    if verdicts.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    let family = match report.analysis.options.fdr_family {
        FdrFamily::Task => "p adjusted by Benjamini–Hochberg within each task",
        FdrFamily::Run => "p adjusted by Benjamini–Hochberg over the run",
        FdrFamily::None => "p not adjusted for multiple tests",
    };
    writeln!(
        w,
        "verdicts ({family}; subtask trends composed with {}): 1. does a subtask jump? 2. does the \
         task jump beyond its composed subtasks? 3. is a jump an artefact of the metric (--pair)?",
        report.analysis.options.verdict_op.name(),
    )?;
    for v in verdicts {
        writeln!(w, "  {}: {}", group_label(&v.key), v.text)?;
        for line in question_lines(v) {
            writeln!(w, "    {line}")?;
        }
    }
    Ok(())
}

/// Each question's answer in a verdict, one line each (a continuation indented).
pub(crate) fn question_lines(v: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(q) = &v.jumps {
        out.push(format!("1. subtasks: {}", q.text));
    }
    if let Some(q) = &v.dependence {
        out.push(format!("2. dependence between subtasks: {}", q.text));
        if let Some(c) = &v.composition {
            out.push(format!("   the joint outcome against independent subtasks: {}", c.text));
        }
    } else if let Some(q) = &v.composition {
        out.push(format!("2. task-level score: {}", q.text));
    }
    for q in v.artefact.iter().flatten() {
        out.push(format!("3. {} vs {}: {}", q.strict.name, q.continuous.name, q.text));
    }
    out
}

/// The digest printed unless `--full`: counts by verdict outcome, the most abrupt series,
/// forecasts near the largest model, warnings folded by code; report.html has the rest.
pub fn write_digest(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let input = &report.input;
    let d = Digest::of(report);
    writeln!(
        w,
        "{}: {} rows read, {} used, {} dropped",
        input.path, input.rows_read, input.rows_used, input.rows_dropped
    )?;
    writeln!(w, "{} and {} series", plural(d.groups, "group"), d.series)?;
    writeln!(w)?;
    let mut counts: Vec<String> = d.outcomes.iter().map(|(name, n)| format!("{n} {name}")).collect();
    if d.without_verdict > 0 {
        counts.push(format!("{} without a verdict (no subtasks or task-level row)", d.without_verdict));
    }
    writeln!(
        w,
        "verdicts by outcome: {}",
        if counts.is_empty() { "none".into() } else { counts.join(", ") }
    )?;
    for (v, _) in report.analysis.verdicts.iter().filter(|v| is_finding(v.outcome)).zip(0..TOP_SERIES) {
        writeln!(w, "  {}: {}", group_label(&v.key), v.text)?;
    }
    let findings = report.analysis.verdicts.iter().filter(|v| is_finding(v.outcome)).count();
    if findings > TOP_SERIES {
        writeln!(w, "  ... and {} more", findings - TOP_SERIES)?;
    }
    if !d.top.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "most abrupt series (normalised emergence score: score / (sizes − 1), 1 = steady; Srivastava et al. 2022)"
        )?;
        let rows: Vec<[String; 4]> = d
            .top
            .iter()
            .map(|s| {
                let per_step = s.emergence_score_normalized.map_or_else(String::new, |v| format!("{v:.2}"));
                [group_label(&s.key), s.name.clone(), per_step, gain_text(s)]
            })
            .collect();
        let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
        let (w0, w1, w2) = (width(0), width(1), width(2).max("per step".len()));
        writeln!(w, "  {:<w0$}  {:<w1$}  {:>w2$}  gain", "group", "series", "per step")?;
        for r in &rows {
            writeln!(w, "  {:<w0$}  {:<w1$}  {:>w2$}  {}", r[0], r[1], r[2], r[3])?;
        }
    }
    if !d.near.is_empty() {
        writeln!(w)?;
        writeln!(w, "forecasts crossing a threshold within {NEAR_DECADES} decade of the largest model")?;
        for n in d.near.iter().take(TOP_SERIES) {
            writeln!(
                w,
                "  {} · {}: reaches {} at {} ({:.1} decades beyond the largest model; {})",
                group_label(&n.series.key),
                n.series.name,
                fmt_percent(n.forecast.threshold),
                fmt_scale(n.x, report.analysis.options.x_axis),
                n.decades,
                n.forecast.source
            )?;
        }
        if d.near.len() > TOP_SERIES {
            writeln!(w, "  ... and {} more", d.near.len() - TOP_SERIES)?;
        }
    }
    if !report.input.dropped.is_empty() {
        writeln!(w)?;
        writeln!(w, "dropped {} rows, all listed in summary.json under input.dropped", input.rows_dropped)?;
    }
    if !d.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "warnings by code (the first of each; all in summary.json and report.html):")?;
        for f in &d.warnings {
            writeln!(w, "  - {} ×{}: {}", f.code, f.count, f.first)?;
        }
    }
    writeln!(w)?;
    writeln!(w, "every group, its numbers and charts: report.html; every series here: --full")?;
    Ok(())
}

/// Outcomes the digest lists by group: what a question found.
fn is_finding(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Emergent | Outcome::NotSmooth | Outcome::Departs | Outcome::MetricArtefact)
}
