//! `emerge backtest`'s outputs: `backtest.json` (schema in the README, section
//! "emerge backtest"), `backtest_series.csv` (one row per series × horizon × held-out model
//! × method; one model per series at horizons 1 and 2, every model above the cutoff at the
//! cutoff horizon) and the terminal table.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::ExportError;
use crate::analyze::forecast::backtest::{Backtest, Method, CUTOFF};
use crate::analyze::forecast::scoring::{Comparison, Summary};
use crate::analyze::forecast::Unusable;
use crate::analyze::AnalyzeOptions;
use crate::files::write_atomically_with;
use crate::ingest::Dataset;

/// Bumped only when a field changes meaning or disappears.
pub const BACKTEST_SCHEMA_VERSION: u32 = 1;

/// What the outputs say about the run besides the back-test itself.
pub struct Context<'a> {
    pub input: &'a str,
    pub dataset: &'a Dataset,
    pub options: &'a AnalyzeOptions,
}

/// Writes `backtest.json` and `backtest_series.csv` into `dir`.
pub fn write_all(b: &Backtest, c: &Context, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let json_path = dir.join("backtest.json");
    write_atomically_with(&json_path, |w| {
        serde_json::to_writer_pretty(&mut *w, &summary(b, c)).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    let csv_path = dir.join("backtest_series.csv");
    write_atomically_with(&csv_path, |w| write_rows(w, b))?;
    Ok(vec![json_path, csv_path])
}

fn pair(p: Option<(f64, f64)>) -> Value {
    p.map_or(Value::Null, |(a, b)| json!([a, b]))
}

fn summary(b: &Backtest, c: &Context) -> Value {
    let horizons: Vec<Value> = b
        .horizons()
        .into_iter()
        .map(|h| {
            let (series, predictions) = counts(b, h);
            let calibration =
                b.outcome.calibrations.iter().find(|k| k.horizon == h).map(|k| super::json::calibration(&k.calibration, &k.fitted));
            let mut v = json!({
                "horizon": horizon_value(h),
                "label": b.label(h),
                "series": series,
                "predictions": predictions,
                "methods": b.summaries.iter().filter(|s| s.horizon == h).map(method_summary).collect::<Vec<_>>(),
                "comparisons": b.comparisons.iter().filter(|s| s.horizon == h).map(comparison).collect::<Vec<_>>(),
                "emerge_calibration": calibration,
            });
            if let (Some(c), CUTOFF) = (&b.cutoff, h) {
                v["flops_cutoff"] = json!(c.flops);
                v["chosen_by"] = json!(c.chosen_by());
                v["models_at_or_below"] = json!(c.models_at_or_below);
                v["models_above"] = json!(c.models_above);
            }
            v
        })
        .collect();
    let excluded_entry = |i: usize, horizon: &str, reason: &str| {
        let l = &b.candidates[i].label;
        json!({
            "task": l.task, "family": l.family, "metric": l.metric, "shots": l.shots,
            "series": l.series, "horizon": horizon, "reason": reason,
        })
    };
    let excluded: Vec<Value> = b
        .outcome
        .excluded
        .iter()
        .map(|&(i, why)| {
            // Beyond the cutoff, a series with a model without FLOPs is back-tested without it.
            let beyond = b.cutoff.is_some() && why == Unusable::MissingX && b.candidates[i].partial.is_some();
            excluded_entry(i, if beyond { "sizes" } else { "all" }, why.reason())
        })
        .chain(b.outcome.cutoff_excluded.iter().map(|&(i, why)| excluded_entry(i, "cutoff", why)))
        .collect();
    json!({
        "emerge_version": env!("CARGO_PKG_VERSION"),
        "schema_version": BACKTEST_SCHEMA_VERSION,
        "input": {
            "path": c.input,
            "format": c.dataset.format,
            "rows_read": c.dataset.rows_read,
            "rows_used": c.dataset.rows_used,
            "rows_dropped": c.dataset.dropped.len(),
            "dropped": c.dataset.dropped,
        },
        "options": {
            "x": c.options.x_axis.name(),
            "confidence": b.level,
            "seed": b.seed,
            "chance": c.options.chance,
            "n": c.options.n_items,
            "flops_cutoff": b.cutoff.as_ref().map(|c| c.flops),
        },
        "units": "errors and widths in points (0–100 for rates)",
        "methods": Method::ALL.iter().map(|m| json!({"name": m.name(), "description": m.description()})).collect::<Vec<_>>(),
        "series_offered": b.candidates.len(),
        "horizons": horizons,
        "excluded": excluded,
    })
}

/// A horizon in the files: 1, 2, or "cutoff".
fn horizon_value(h: usize) -> Value {
    if h == CUTOFF {
        json!("cutoff")
    } else {
        json!(h)
    }
}

/// Series with a prediction at a horizon, and predictions (held-out models) there.
fn counts(b: &Backtest, h: usize) -> (usize, usize) {
    let rows: Vec<_> =
        b.outcome.rows.iter().filter(|r| r.horizon == h && r.method == Method::Persistence).collect();
    let series: std::collections::BTreeSet<usize> = rows.iter().map(|r| r.series).collect();
    (series.len(), rows.len())
}

fn method_summary(s: &Summary) -> Value {
    json!({
        "method": s.method.name(),
        "predicted": s.predicted,
        "failed": s.failed,
        "mae": s.mae,
        "median_ae": s.median_ae,
        "coverage": s.coverage,
        "median_width": s.median_width,
        "with_interval": s.with_interval,
    })
}

fn comparison(c: &Comparison) -> Value {
    json!({
        "method": c.method.name(),
        "baseline": c.baseline.name(),
        "pairs": c.pairs,
        "clusters": c.clusters,
        "mae_difference": c.mae_difference,
        "ci": pair(c.ci),
        "ci_reason": c.no_interval.map(|r| r.reason()),
        "win_rate": c.win_rate,
    })
}

const CSV_HEADER: [&str; 20] = [
    "task",
    "family",
    "metric",
    "shots",
    "series",
    "kind",
    "horizon",
    "method",
    "train_sizes",
    "train_largest",
    "target",
    "decades_ahead",
    "observed",
    "predicted",
    "error",
    "abs_error",
    "low",
    "high",
    "covered",
    "target_model",
];

/// A size from its log10, as a float every CSV reader parses as one: FLOPs (1e15 and up) in
/// exponent form, since Rust writes 1.45e22 as 23 digits that pandas and polars read as an
/// integer too large for 64 bits.
fn size(log10: f64) -> String {
    let v = 10f64.powf(log10);
    if v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn write_rows(w: &mut dyn Write, b: &Backtest) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_HEADER)?;
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in &b.outcome.rows {
        let l = &b.candidates[r.series].label;
        let p = r.prediction;
        let (low, high) = p.and_then(|p| p.interval).map_or((None, None), |(a, b)| (Some(a), Some(b)));
        out.write_record([
            l.task.as_str(),
            &l.family,
            &l.metric,
            l.shots.as_deref().unwrap_or(""),
            &l.series,
            l.kind,
            &Backtest::name(r.horizon),
            r.method.name(),
            &r.train_sizes.to_string(),
            &size(r.x_train),
            &size(r.x_target),
            &(r.x_target - r.x_train).to_string(),
            &r.observed.to_string(),
            &num(p.map(|p| p.value)),
            &num(r.error()),
            &num(r.error().map(f64::abs)),
            &num(low),
            &num(high),
            &r.covered().map(|c| c.to_string()).unwrap_or_default(),
            b.target_model(r),
        ])?;
    }
    out.flush()
}

/// The terminal table: per horizon, each method's errors, then each method against each
/// baseline.
pub fn write_table(out: &mut dyn Write, b: &Backtest, c: &Context) -> std::io::Result<()> {
    // Series with a prediction at some horizon (beyond a cutoff, also series that the size
    // horizons leave out for a model without FLOPs).
    let used = b.outcome.rows.iter().map(|r| r.series).collect::<std::collections::BTreeSet<_>>().len();
    writeln!(
        out,
        "back-test of {} of {} series (x: log10 {}; errors in points; {:.0}% intervals)",
        used,
        b.candidates.len(),
        c.options.x_axis.name(),
        100.0 * b.level
    )?;
    if let Some(c) = &b.cutoff {
        writeln!(
            out,
            "FLOPs cutoff {:e} ({}): {} models at or below, {} above",
            c.flops,
            c.chosen_by(),
            c.models_at_or_below,
            c.models_above
        )?;
    }
    for h in b.horizons() {
        let rows: Vec<&Summary> = b.summaries.iter().filter(|s| s.horizon == h).collect();
        if rows.is_empty() {
            if h == CUTOFF {
                writeln!(
                    out,
                    "\nhorizon cutoff ({}): no series has 3 sizes at or below it and one above",
                    b.label(h)
                )?;
            }
            continue;
        }
        let (series, predictions) = counts(b, h);
        if h == CUTOFF {
            writeln!(
                out,
                "\nhorizon cutoff ({}): {predictions} held-out models in {series} series",
                b.label(h)
            )?;
        } else {
            writeln!(out, "\nhorizon {h} ({}): {series} series", b.label(h))?;
        }
        writeln!(
            out,
            "  {:<12} {:>7} {:>7} {:>9} {:>7} {:>9}",
            "method", "MAE", "median", "coverage", "width", "predicted"
        )?;
        for s in rows {
            let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
            writeln!(
                out,
                "  {:<12} {:>7} {:>7} {:>9} {:>7} {:>9}",
                s.method.name(),
                f(s.mae),
                f(s.median_ae),
                s.coverage.map_or("-".to_string(), |v| format!("{:.1}%", 100.0 * v)),
                f(s.median_width),
                s.predicted
            )?;
        }
        let unit = if h == CUTOFF { "models" } else { "series" };
        for k in b.comparisons.iter().filter(|k| k.horizon == h && k.method == Method::Emerge) {
            writeln!(out, "  {}", comparison_line(k, unit))?;
        }
    }
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for (_, why) in &b.outcome.excluded {
        match reasons.iter_mut().find(|(r, _)| *r == why.reason()) {
            Some(e) => e.1 += 1,
            None => reasons.push((why.reason(), 1)),
        }
    }
    if !reasons.is_empty() {
        let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        writeln!(out, "\nnot back-tested (listed in backtest.json): {}", list.join(", "))?;
    }
    let mut beyond: Vec<(&str, usize)> = Vec::new();
    for &(_, why) in &b.outcome.cutoff_excluded {
        match beyond.iter_mut().find(|(r, _)| *r == why) {
            Some(e) => e.1 += 1,
            None => beyond.push((why, 1)),
        }
    }
    if !beyond.is_empty() {
        let list: Vec<String> = beyond.iter().map(|(r, n)| format!("{n} {r}")).collect();
        writeln!(out, "not back-tested beyond the cutoff (listed in backtest.json): {}", list.join(", "))?;
    }
    Ok(())
}

/// "emerge − persistence: −0.52 points [−0.81, −0.22]; better in 58% of 1,000 series".
fn comparison_line(k: &Comparison, unit: &str) -> String {
    let ci = k.ci.map_or(String::new(), |(lo, hi)| format!(" [{lo:+.2}, {hi:+.2}]"));
    let verdict = match k.ci {
        Some((_, hi)) if hi < 0.0 => "lower MAE",
        Some((lo, _)) if lo > 0.0 => "higher MAE",
        Some(_) => "no evidence either way",
        None => k.no_interval.map_or("no interval", |r| r.reason()),
    };
    format!(
        "{} − {}: {:+.2} points{ci} ({verdict}); smaller error in {:.0}% of {} {unit}",
        k.method.name(),
        k.baseline.name(),
        k.mae_difference,
        100.0 * k.win_rate,
        k.pairs
    )
}
