//! `summary.json`: the documented, stable contract (README, section "Output").

use std::io::Write;

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::{encode_error, Exporter};
use crate::analyze::artefact::{ArtefactQuestion, SideReport};
use crate::analyze::breaks::BeyondTest;
use crate::analyze::composition::CompositionQuestion;
use crate::analyze::dependence::DependenceQuestion;
use crate::analyze::fit::{FittedCurve, HoldoutCheck};
use crate::analyze::forecast::{Calibrations, Fitted, SizePrediction};
use crate::analyze::jumps::{JumpQuestion, SeriesJump};
use crate::analyze::{
    AnalyzeOptions, ComposedReport, Crossing, FitReport, Forecast, Point, Series, SeriesKind, Verdict,
};
use crate::ingest::DroppedRow;
use crate::report::Report;
use crate::warnings::Warning;

/// Bumped only when a field changes meaning or disappears; new fields may appear.
/// 2: `emergence_score` merges models of one size and is positive when a series improves,
/// also where lower is better.
pub const SCHEMA_VERSION: u32 = 4;

pub struct SummaryJson;

#[derive(Serialize)]
struct Summary<'a> {
    emerge_version: &'static str,
    schema_version: u32,
    input: Input<'a>,
    compose: Vec<&'a str>,
    options: Value,
    warnings: &'a [Warning],
    series: AllSeries<'a>,
    verdicts: Vec<Value>,
    /// Item-level inputs only: per model, the joint rate against the independence prediction.
    independence: &'a [crate::analyze::independence::IndependenceCheck],
    /// `--predict-at` only: how the predictions' intervals were calibrated.
    #[serde(skip_serializing_if = "Option::is_none")]
    predictions: Option<Value>,
}

/// The series, each turned into its JSON form only as it is written, so that a large
/// report is never held as JSON values all at once.
struct AllSeries<'a>(&'a [Series]);

impl Serialize for AllSeries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(SeriesOut::from))
    }
}

#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    format: crate::ingest::Format,
    rows_read: u64,
    rows_used: u64,
    rows_dropped: u64,
    dropped: &'a [DroppedRow],
}

#[derive(Serialize)]
struct SeriesOut<'a> {
    task: &'a str,
    family: &'a str,
    metric: &'a str,
    shots: Option<&'a str>,
    kind: SeriesKind,
    name: &'a str,
    subtasks_composed: Option<usize>,
    higher_is_better: bool,
    ci_method: Option<&'a str>,
    ci_note: Option<&'a str>,
    points: Vec<PointOut<'a>>,
    emergence_score: Option<f64>,
    emergence_score_normalized: Option<f64>,
    emergence_score_note: Option<&'a str>,
    emergence_score_ci: Option<[f64; 2]>,
    emergence_score_normalized_ci: Option<[f64; 2]>,
    emergence_score_ci_note: Option<&'a str>,
    gain_abs: Option<f64>,
    gain_rel: Option<f64>,
    fits: Vec<Value>,
    fit_note: Option<&'a str>,
    composed: Option<Value>,
    composed_note: Option<&'a str>,
    forecasts: Vec<Value>,
    /// `--predict-at` only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    predictions: Vec<Value>,
}

#[derive(Serialize)]
struct PointOut<'a> {
    model: &'a str,
    params: f64,
    flops: Option<f64>,
    value: f64,
    implied_subtask_rate: Option<f64>,
    n: Option<u64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    se: Option<f64>,
    detection_floor: Option<f64>,
    below_detection_floor: Option<bool>,
}

impl<'a> From<&'a Point> for PointOut<'a> {
    fn from(p: &'a Point) -> Self {
        PointOut {
            model: &p.model,
            params: p.params,
            flops: p.flops,
            value: p.value,
            implied_subtask_rate: p.implied_subtask_rate,
            n: p.n,
            ci_low: p.ci.map(|c| c.0),
            ci_high: p.ci.map(|c| c.1),
            se: p.se,
            detection_floor: p.detection_floor,
            below_detection_floor: p.below_floor(),
        }
    }
}

fn pair(p: Option<(f64, f64)>) -> Option<[f64; 2]> {
    p.map(|(a, b)| [a, b])
}

/// A position on the fitted scale: log10 and the value itself (params or FLOPs).
fn scale(x: f64) -> Value {
    json!({ "log10": x, "value": 10f64.powf(x) })
}

fn crossing(c: Crossing) -> Value {
    match c {
        Crossing::At(x) => json!({ "status": "crosses", "at": scale(x) }),
        Crossing::Before => json!({ "status": "already-above", "at": null }),
        Crossing::Beyond => json!({ "status": "beyond-range", "at": null }),
    }
}

fn holdout(h: &HoldoutCheck) -> Value {
    json!({
        "held_out": scale(h.x),
        "observed": h.observed,
        "predicted": h.predicted,
        "error": h.error,
        "interval": pair(h.interval),
        "inside": h.inside,
    })
}

fn curve(c: &FittedCurve) -> Value {
    json!({
        "converged": c.converged,
        "convergence_note": c.convergence_note,
        "parameters": c.parameters.iter()
            .map(|e| json!({ "name": e.name, "value": e.value, "se": e.se }))
            .collect::<Vec<_>>(),
        "objective": c.objective.name(),
        "rss": c.rss,
        "deviance": c.deviance,
        "log_likelihood": c.log_likelihood,
        "dispersion": c.dispersion,
        "n": c.n,
        "k": c.k,
        "aicc": c.aicc,
        "aicc_note": c.aicc_note,
    })
}

fn fit_report(f: &FitReport) -> Value {
    let mut out = json!({ "model": f.model.name() });
    match &f.fit {
        Ok(c) => merge(&mut out, curve(c)),
        Err(e) => merge(&mut out, json!({ "converged": false, "error": e })),
    }
    match &f.holdout {
        Ok(h) => merge(&mut out, json!({ "holdout": holdout(h), "holdout_note": null })),
        Err(e) => merge(&mut out, json!({ "holdout": null, "holdout_note": e })),
    }
    out
}

fn composed(s: &Series, c: &ComposedReport) -> Value {
    let points: Vec<Value> = s
        .points
        .iter()
        .zip(c.predicted.iter().zip(&c.band))
        .map(|(p, (e, band))| json!({ "model": p.model, "predicted": e, "band": pair(*band) }))
        .collect();
    json!({
        "operator": c.model.operator.name(),
        "subtask_model": "logistic",
        "points": points,
        "rss": c.rss,
        "holdout": c.holdout.as_ref().ok().map(holdout),
        "holdout_note": match &c.holdout { Ok(_) => c.holdout_note.clone(), Err(e) => Some(e.clone()) },
    })
}

fn forecast(f: &Forecast) -> Value {
    json!({
        "threshold": f.threshold,
        "source": f.source,
        "crossing": crossing(f.crossing),
        "interval_low": f.low.map(crossing),
        "interval_high": f.high.map(crossing),
        "searched": [scale(f.range.0), scale(f.range.1)],
        "extrapolation_decades": f.extrapolation_decades,
    })
}

fn prediction(p: &SizePrediction) -> Value {
    let mut out = json!({ p.axis: p.size });
    merge(
        &mut out,
        json!({
            "value": p.value,
            "interval": pair(p.interval),
            "method": p.method,
            "decades_beyond": p.decades_beyond,
        }),
    );
    out
}

/// How `--predict-at`'s intervals were calibrated.
fn prediction_calibration(c: &Calibrations, f: &Fitted) -> Value {
    let mut out = json!({ "method": "emerge" });
    merge(&mut out, calibration(c, f));
    out
}

/// The forecaster's settings, the pooled quantile and each horizon's (what `emerge
/// backtest` also reports).
pub(crate) fn calibration(c: &Calibrations, f: &Fitted) -> Value {
    json!({
        "window": f.window,
        "damping": f.damping,
        "settings_chosen": f.settings_chosen,
        "task_pooling": f.task_pooling,
        "task_share": f.task_share,
        "interval": c.pooled.method(),
        "trend_weight": c.trend_weight,
        "trend_weight_chosen": c.trend_weight_chosen,
        "quantile": c.pooled.quantile,
        "backtest_residuals": c.pooled.residuals,
        "horizons": c.by_horizon.iter().map(|(h, decades, k)| json!({
            "horizon": h, "decades": decades, "quantile": k.quantile, "backtest_residuals": k.residuals,
        })).collect::<Vec<_>>(),
    })
}

fn verdict(v: &Verdict) -> Value {
    json!({
        "task": v.key.task,
        "family": v.key.family,
        "metric": v.key.metric,
        "shots": v.key.shots,
        "operator": v.operator,
        "outcome": v.outcome,
        "verdict": v.text,
        "subtask_jumps": v.jumps.as_ref().map(jumps),
        "composition": v.composition.as_ref().map(composition),
        "metric_artefact": v.artefact.as_ref().map(|qs| qs.iter().map(artefact).collect::<Vec<_>>()),
        "dependence": v.dependence.as_ref().map(dependence),
    })
}

/// Question 2 with task-level rows: the task against its composed subtasks.
fn composition(q: &CompositionQuestion) -> Value {
    json!({
        "outcome": q.outcome,
        "verdict": q.text,
        "observation": q.observation,
        "points": q.points,
        "power": q.power(),
        "independent": q.test.as_ref().map(|t| beyond(q, t, q.p_adjusted)),
        "beyond_dependence": q.beyond_dependence.as_ref().map(|t| beyond(q, t, q.p_adjusted_beyond_dependence)),
    })
}

/// One of question 2's tests.
fn beyond(q: &CompositionQuestion, t: &BeyondTest, p_adjusted: Option<f64>) -> Value {
    let d = &t.strongest;
    json!({
        "statistic": t.statistic,
        "p_value": t.p_value,
        "p_adjusted": p_adjusted,
        "replicates": t.replicates,
        "stopped_early": t.stopped_early,
        "power": t.power.as_ref().map(|p| p.power),
        "offset_logit": t.offset,
        "break": {
            "kind": d.kind,
            "between_models": q.between(t).map(|(a, b)| [a, b]),
            "between_params": [d.sizes.0, d.sizes.1],
            "log10_tau": d.tau,
            "delta": d.delta,
            "after_model": q.models.get(d.to),
            "rate_before": d.before,
            "rate_after": d.after,
            "observed_before": d.observed_before,
            "observed_after": d.observed_after,
            "composed_before": d.composed_before,
            "composed_after": d.composed_after,
        },
    })
}

/// Question 3 of the verdict (`--pair`): per pair, both sides' break tests and the
/// difference of their normalised emergence scores.
fn artefact(q: &ArtefactQuestion) -> Value {
    json!({
        "strict": q.strict.name,
        "continuous": q.continuous.name,
        "series": q.series,
        "outcome": q.outcome,
        "verdict": q.text,
        "statistic": "difference of normalised emergence scores, strict - continuous",
        "difference": q.difference,
        "difference_ci": q.difference_ci.map(|(a, b)| [a, b]),
        "p_value": q.p_value,
        "p_adjusted": q.p_adjusted,
        "replicates": q.replicates,
        "draws": q.draws,
        "power": q.power,
        "strict_side": artefact_side(&q.strict),
        "continuous_side": artefact_side(&q.continuous),
    })
}

fn artefact_side(s: &SideReport) -> Value {
    let test = match &s.test {
        Err(why) => json!({ "tested": false, "note": why }),
        Ok(t) => json!({
            "tested": true,
            "statistic": t.statistic,
            "p_value": t.p_value,
            "p_adjusted": s.p_adjusted,
            "replicates": t.replicates,
            "break": {
                "kind": t.strongest.kind,
                "between_models": s.between.as_ref().map(|(a, b)| [a, b]),
                "between_params": [t.strongest.sizes.0, t.strongest.sizes.1],
                "delta": t.strongest.delta,
                "rate_before": t.strongest.before,
                "rate_after": t.strongest.after,
            },
        }),
    };
    json!({
        "metric": s.name,
        "higher_is_better": s.higher_is_better,
        "counts": s.counts,
        "emergence_score_normalized": s.score_normalized,
        "emergence_score_note": s.note,
        "break_test": test,
    })
}

/// Question 2 with item-level data: does the subtasks' dependence rise with scale?
fn dependence(q: &DependenceQuestion) -> Value {
    match &q.test {
        Err(why) => json!({ "outcome": q.outcome, "verdict": q.text, "tested": false, "note": why }),
        Ok(t) => json!({
            "outcome": q.outcome,
            "verdict": q.text,
            "tested": true,
            "statistic": t.statistic,
            "p_value": t.p_value,
            "p_adjusted": q.p_adjusted,
            "replicates": t.replicates,
            "stopped_early": t.stopped_early,
            "power": t.power,
            "rho": t.rho,
            "rise": {
                "shape": t.shape,
                "between_models": [&t.sizes[t.between.0].model, &t.sizes[t.between.1].model],
                "between_params": [10f64.powf(t.sizes[t.between.0].log10_size), 10f64.powf(t.sizes[t.between.1].log10_size)],
            },
            "sizes": t.sizes.iter().map(|s| json!({
                "model": s.model,
                "log10_size": s.log10_size,
                "items": s.items,
                "all_correct": s.all_correct,
                "excess": s.excess,
                "se": s.se,
                "expected": s.expected,
                "left_out": s.left_out,
            })).collect::<Vec<_>>(),
        }),
    }
}

/// Question 1 of the verdict: per series, the break test.
fn jumps(q: &JumpQuestion) -> Value {
    json!({
        "outcome": q.outcome,
        "verdict": q.text,
        "power": q.power,
        "strongest": q.strongest.map(|i| q.series[i].subtask.clone()),
        "series": q.series.iter().map(series_jump).collect::<Vec<_>>(),
    })
}

fn series_jump(s: &SeriesJump) -> Value {
    match &s.test {
        Err(why) => json!({ "subtask": s.subtask, "tested": false, "note": why }),
        Ok(t) => {
            let b = &t.strongest;
            json!({
                "subtask": s.subtask,
                "tested": true,
                "statistic": t.statistic,
                "p_value": t.p_value,
                "p_adjusted": s.p_adjusted,
                "replicates": t.replicates,
                "stopped_early": t.stopped_early,
                "power": t.power.as_ref().map(|p| p.power),
                "break": {
                    "kind": b.kind,
                    "between_models": s.between.as_ref().map(|(a, b)| [a, b]),
                    "between_params": [b.sizes.0, b.sizes.1],
                    "log10_tau": b.tau,
                    "delta": b.delta,
                    "rate_before": b.before,
                    "rate_after": b.after,
                },
                "smooth_fit": { "intercept": t.null_fit.intercept, "slope": t.null_fit.slope, "deviance": t.null_fit.deviance },
            })
        }
    }
}

fn options(o: &AnalyzeOptions) -> Value {
    let mut out = json!({
        "confidence": o.confidence,
        "ci": o.ci.name(),
        "bootstrap": o.bootstrap,
        "seed": o.seed,
        "n": o.n_items,
        "x": o.x_axis.name(),
        "chance": o.chance,
        "thresholds": o.thresholds,
        "verdict_op": o.verdict_op.name(),
        "fdr_family": o.fdr_family.name(),
        "pairs": o.pairs.iter().map(|p| format!("{}={}", p.strict, p.continuous)).collect::<Vec<_>>(),
    });
    if !o.predict_at.is_empty() {
        merge(&mut out, json!({ "predict_at": o.predict_at }));
    }
    out
}

/// Appends `extra`'s fields to `out` (both objects).
fn merge(out: &mut Value, extra: Value) {
    if let (Value::Object(o), Value::Object(e)) = (out, extra) {
        o.extend(e);
    }
}

impl<'a> From<&'a Series> for SeriesOut<'a> {
    fn from(s: &'a Series) -> Self {
        SeriesOut {
            task: &s.key.task,
            family: &s.key.family,
            metric: &s.key.metric,
            shots: s.key.shots.as_deref(),
            kind: s.kind,
            name: &s.name,
            subtasks_composed: s.subtasks_composed,
            higher_is_better: s.higher_is_better,
            ci_method: s.ci_method,
            ci_note: s.ci_note.as_deref(),
            points: s.points.iter().map(PointOut::from).collect(),
            emergence_score: s.emergence_score,
            emergence_score_normalized: s.emergence_score_normalized,
            emergence_score_note: s.emergence_score_note.as_deref(),
            emergence_score_ci: pair(s.emergence_score_ci),
            emergence_score_normalized_ci: pair(s.emergence_score_normalized_ci),
            emergence_score_ci_note: s.emergence_score_ci_note.as_deref(),
            gain_abs: s.gain_abs,
            gain_rel: s.gain_rel,
            fits: s.fits.iter().map(fit_report).collect(),
            fit_note: s.fit_note.as_deref(),
            composed: s.composed.as_ref().map(|c| composed(s, c)),
            composed_note: s.composed_note.as_deref(),
            forecasts: s.forecasts.iter().map(forecast).collect(),
            predictions: s.predictions.iter().map(prediction).collect(),
        }
    }
}

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
        let summary = Summary {
            emerge_version: env!("CARGO_PKG_VERSION"),
            schema_version: SCHEMA_VERSION,
            input: Input {
                path: &report.input.path,
                format: report.input.format,
                rows_read: report.input.rows_read,
                rows_used: report.input.rows_used,
                rows_dropped: report.input.rows_dropped,
                dropped: &report.input.dropped,
            },
            compose: report.operators.iter().map(|o| o.name()).collect(),
            options: options(&report.analysis.options),
            warnings: &report.warnings,
            series: AllSeries(&report.analysis.series),
            verdicts: report.analysis.verdicts.iter().map(verdict).collect(),
            independence: &report.analysis.independence,
            predictions: report
                .analysis
                .prediction_calibration
                .as_ref()
                .zip(report.analysis.prediction_fit.as_ref())
                .map(|(c, f)| prediction_calibration(c, f)),
        };
        serde_json::to_writer_pretty(&mut *w, &summary).map_err(|e| {
            if e.is_io() {
                std::io::Error::from(e)
            } else {
                encode_error("summary.json", e)
            }
        })?;
        w.write_all(b"\n")
    }
}
