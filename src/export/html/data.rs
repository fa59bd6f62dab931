//! The data behind the group sections of `report.html`: per group its verdict, charts and
//! numbers, every number already formatted as the terminal's `--full` prints it (the same
//! functions), so the page's script only lays text out.

use serde_json::{json, Value};

use crate::analyze::artefact::ArtefactOutcome;
use crate::analyze::forecast::SizePrediction;
use crate::analyze::{Crossing, SeriesKind};
use crate::compose::GroupKey;
use crate::export::digest::{outcome_name, verdict_of};
use crate::export::terminal::{
    fmt_point, fmt_scale, fmt_value, gain_text, group_label, model_lines, question_lines, score_text,
};
use crate::render::{ChartIndex, ChartSelection};
use crate::report::Report;
use crate::units::{fmt_params, fmt_percent};

/// A group's verdict outcome, then any `--pair` answer that is a finding.
pub fn outcomes(report: &Report, key: &GroupKey) -> Vec<&'static str> {
    let Some(v) = verdict_of(report, key) else { return Vec::new() };
    let mut out = vec![outcome_name(v.outcome)];
    for q in v.artefact.iter().flatten() {
        let extra = match q.outcome {
            ArtefactOutcome::MetricArtefact => "metric-artefact",
            ArtefactOutcome::Persists => "persists",
            _ => continue,
        };
        if !out.contains(&extra) {
            out.push(extra);
        }
    }
    out
}

/// The group's forecast nearest beyond its largest model, as text, with its distance in
/// decades as the sort key ("" when none crosses beyond).
pub fn nearest_forecast(report: &Report, key: &GroupKey) -> (String, String) {
    let axis = report.analysis.options.x_axis;
    report
        .analysis
        .series_of(key)
        .flat_map(|s| s.forecasts.iter().map(move |f| (s, f)))
        .filter_map(|(s, f)| match (f.crossing, f.extrapolation_decades) {
            (Crossing::At(x), Some(d)) => Some((s, f, x, d)),
            _ => None,
        })
        .min_by(|a, b| a.3.total_cmp(&b.3))
        .map_or((String::new(), String::new()), |(s, f, x, d)| {
            (
                format!(
                    "{} {} at {} (+{d:.1} decades)",
                    s.name,
                    fmt_percent(f.threshold),
                    fmt_scale(x, axis)
                ),
                format!("{d}"),
            )
        })
}

/// Every group's section data, in group order, as one JSON array; with `--predict-at`,
/// how the predictions' intervals were made (`predictions`).
pub fn json(report: &Report, charts: &ChartIndex) -> String {
    let groups: Vec<Value> =
        report.analysis.groups.iter().enumerate().map(|(i, g)| group(report, charts, i, &g.key)).collect();
    let mut data = json!({ "groups": groups });
    if let Some(c) = &report.analysis.prediction_calibration {
        let level = 100.0 * report.analysis.options.confidence;
        let (method, residuals) = (c.pooled.method(), c.pooled.residuals);
        data["predictions"] = json!(if c.pooled.conformal {
            format!("{level:.0}% intervals, {method}, calibrated on {residuals} back-test residuals of this input")
        } else {
            format!("{level:.0}% intervals, {method}: {residuals} of this input")
        });
    }
    serde_json::to_string(&data).expect("strings and numbers serialise")
}

/// One `--predict-at` answer, formatted: size, value, interval, method, decades beyond the
/// series' largest model.
fn prediction(report: &Report, p: &SizePrediction, is_rate: bool) -> Value {
    json!({
        "size": fmt_scale(p.size.log10(), report.analysis.options.x_axis),
        "value": fmt_value(p.value, is_rate),
        "interval": p.interval.map_or_else(String::new, |(lo, hi)| {
            format!("{} – {}", fmt_value(lo, is_rate), fmt_value(hi, is_rate))
        }),
        "method": p.method,
        "beyond": format!("{:+.1}", p.decades_beyond),
    })
}

fn group(report: &Report, charts: &ChartIndex, i: usize, key: &GroupKey) -> Value {
    let g = &report.analysis.groups[i];
    let verdict = verdict_of(report, key);
    let not_drawn = match charts.selection {
        ChartSelection::None => "not drawn (--charts none)",
        ChartSelection::Flagged => "not drawn (--charts flagged; --charts all draws every group)",
        ChartSelection::All => "no charts for this group",
    };
    let series: Vec<Value> = report
        .analysis
        .series_of(key)
        .map(|s| {
            let values: Vec<String> = g
                .models
                .iter()
                .map(|m| {
                    s.points
                        .iter()
                        .find(|p| p.model == m.name)
                        .map_or_else(String::new, |p| fmt_point(p, s.is_rate))
                })
                .collect();
            let lines = if s.kind == SeriesKind::Subtask { Vec::new() } else { model_lines(report, s) };
            let mut v = json!({
                "name": s.name,
                "kind": s.kind.as_str(),
                "values": values,
                "gain": gain_text(s),
                "step": s.emergence_score_normalized.map(|v| format!("{v:.2}")).unwrap_or_default(),
                "score": score_text(s),
                "lower": !s.higher_is_better,
                "lines": lines,
            });
            // Only with --predict-at: a run without it gives the page it gave before.
            if !s.predictions.is_empty() {
                v["predictions"] = s.predictions.iter().map(|p| prediction(report, p, s.is_rate)).collect();
            }
            v
        })
        .collect();
    json!({
        "title": group_label(key),
        "outcome": verdict.map(|v| outcome_name(v.outcome)),
        "verdict": verdict.map(|v| v.text.clone()),
        "questions": verdict.map(question_lines).unwrap_or_default(),
        "flag": charts.flags[i].as_ref().map(|f| f.to_string()),
        "charts": charts.groups[i],
        "nocharts": not_drawn,
        "models": g.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        "params": g.models.iter().map(|m| fmt_params(m.params)).collect::<Vec<_>>(),
        "series": series,
    })
}
