//! The statistics stage, one function per step of [`super::analyze`]: intervals and
//! detection floors per point and posterior draws for compounds ([`add_intervals`]),
//! curve fits with held-out checks ([`add_fits`]), composed models
//! ([`add_composed_models`]) and forecasts ([`add_forecasts`]).

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::bootstrap::{
    bootstrap_group, cell_n, group_patterns, missing_counts, GroupBootstrap, IntervalRequest, RowBootstrap,
    NO_COUNTS,
};
use super::composed::{first_crossing, ComposedModel, Crossing, ItemPoint};
use super::fit::{
    fit_observations, holdout_largest, FitSpec, FittedCurve, HoldoutCheck, ModelKind, Observations,
};
use super::holdout::{composed_holdout, HoldoutData};
use super::interval::binomial_interval;
use super::resolution::detection_floor;
use super::{distinct_sizes, Analysis, AnalyzeOptions, Series, SeriesKind, Source, XAxis};
use crate::compose::{Cell, Group, GroupKey, Operator, OperatorKind};
use crate::ingest::items::JointCounts;

/// Fewest model sizes a curve is fitted to.
pub const MIN_SIZES_FOR_FIT: usize = 4;
/// Fewest model sizes the broken power law is fitted to: one residual degree of freedom.
pub const MIN_SIZES_FOR_BPL: usize = 7;
/// Fewest model sizes for the broken power law's held-out check: with one held out, its
/// 6 parameters keep 2 residual degrees of freedom for a prediction interval.
pub const MIN_SIZES_FOR_BPL_HOLDOUT: usize = 9;
/// Forecasts search this many decades beyond the largest model.
pub const FORECAST_DECADES: f64 = 20.0;

/// One fitted curve of a series, with its held-out check.
#[derive(Debug, Clone)]
pub struct FitReport {
    pub model: ModelKind,
    pub fit: Result<FittedCurve, String>,
    pub holdout: Result<HoldoutCheck, String>,
}

/// The composed model of a compound series, evaluated at the series' points.
#[derive(Debug, Clone)]
pub struct ComposedReport {
    pub model: ComposedModel,
    /// Per point of the series: x, prediction and interval at the run's confidence.
    pub x: Vec<f64>,
    pub predicted: Vec<f64>,
    pub band: Vec<Option<(f64, f64)>>,
    /// Residual sum of squares of the observed compound around the composed model.
    pub rss: f64,
    /// Subtasks refitted without the largest model, composed, and compared with it.
    pub holdout: Result<HoldoutCheck, String>,
    pub holdout_note: Option<String>,
}

/// Where a compound series is forecast to cross a threshold.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub threshold: f64,
    /// `composed` (the composed model) or `logistic` (the series' own logistic fit).
    pub source: &'static str,
    pub crossing: Crossing,
    /// Where the upper and the lower edge of the interval cross: the interval of the
    /// crossing (None when the curve has no interval).
    pub low: Option<Crossing>,
    pub high: Option<Crossing>,
    /// The search range in x.
    pub range: (f64, f64),
    /// Decades beyond the largest model, when the crossing is an extrapolation.
    pub extrapolation_decades: Option<f64>,
}

/// Each group's position in [`Analysis::groups`].
fn group_index(a: &Analysis) -> HashMap<GroupKey, usize> {
    a.groups.iter().enumerate().map(|(i, g)| (g.key.clone(), i)).collect()
}

/// Intervals: binomial intervals and detection floors per observed point, then posterior
/// draws for the compounds' and the emergence scores' intervals. `joint` holds item-level
/// inputs' counts (empty otherwise).
pub fn add_intervals(a: &mut Analysis, joint: &[JointCounts]) {
    let options = a.options.clone();
    let group_index = group_index(a);
    for s in &mut a.series {
        let g = &a.groups[group_index[&s.key]];
        point_intervals(s, g, &options);
    }
    bootstrap_all(a, &group_index, &options, joint);
}

/// Curve fits of every series, each with its held-out check.
pub fn add_fits(a: &mut Analysis) {
    let group_index = group_index(a);
    let options = &a.options;
    a.series.par_iter_mut().for_each(|s| fit_series(s, &a.groups[group_index[&s.key]], options));
}

/// The composed model of every compound that gets one. `joint` holds item-level inputs'
/// outcome patterns: subtasks scored on the same items make the fits covary.
pub fn add_composed_models(a: &mut Analysis, joint: &[JointCounts]) {
    let options = a.options.clone();
    compose_all(a, &group_index(a), joint, &options);
}

/// Per model of the group, its items' covariance across subtasks, when the input is
/// item-level data covering the group (see [`group_patterns`]).
fn item_points(g: &Group, joint: &[JointCounts], o: &AnalyzeOptions) -> Vec<Option<ItemPoint>> {
    let k = g.subtasks.len();
    match group_patterns(g, joint) {
        Ok(Some(patterns)) => patterns
            .iter()
            .zip(&g.models)
            .map(|(p, model)| {
                let x = o.x_axis.log10_of(model.params, model.flops)?;
                ItemPoint::from_patterns(x, k, p.as_ref()?)
            })
            .collect(),
        _ => vec![None; g.models.len()],
    }
}

/// Where each compound rate is forecast to cross each threshold.
pub fn add_forecasts(a: &mut Analysis) {
    let options = &a.options;
    a.series.par_iter_mut().for_each(|s| s.forecasts = forecasts(s, options));
}

/// The cells behind a subtask or task-level series, by model index of the group.
fn row_of<'g>(s: &Series, g: &'g Group) -> Option<&'g [Option<Cell>]> {
    match s.source {
        Source::Subtask(i) => Some(&g.cells[i]),
        Source::Task => g.task_level.as_deref(),
        Source::Compound(_) => None,
    }
}

fn model_index(g: &Group, name: &str) -> usize {
    g.models.iter().position(|m| m.name == name).unwrap_or(0)
}

fn point_intervals(s: &mut Series, g: &Group, o: &AnalyzeOptions) {
    let row = row_of(s, g);
    for p in &mut s.points {
        let m = model_index(g, &p.model);
        p.n = match row {
            Some(row) => row[m].as_ref().and_then(|c| cell_n(c, o.n_items)),
            // A compound item is one item of every subtask: the smallest count bounds it.
            None => g.cells.iter().map(|r| r[m].as_ref().and_then(|c| cell_n(c, o.n_items))).min().flatten(),
        };
        if !s.is_rate {
            continue;
        }
        p.detection_floor = p.n.and_then(|n| detection_floor(n as f64));
        if let (Some(row), Some(n)) = (row, p.n) {
            let correct = row[m].as_ref().and_then(|c| c.correct).map_or(p.value * n as f64, |c| c as f64);
            p.ci = binomial_interval(o.ci, correct, n as f64, o.confidence);
            p.se = (n > 0).then(|| (p.value * (1.0 - p.value) / n as f64).sqrt());
        }
    }
    if row.is_some() {
        if s.points.iter().any(|p| p.ci.is_some()) {
            s.ci_method = Some(o.ci.name());
        } else if s.is_rate {
            s.ci_note = Some(NO_COUNTS.into());
        }
    }
}

fn bootstrap_all(
    a: &mut Analysis,
    group_index: &HashMap<GroupKey, usize>,
    o: &AnalyzeOptions,
    joint: &[JointCounts],
) {
    let eligible: Vec<usize> = (0..a.groups.len())
        .filter(|&gi| o.bootstrap > 0 && missing_counts(&a.groups[gi], o.n_items).is_none())
        .collect();
    let total = (eligible.len() * o.bootstrap) as u64;
    let bar = if o.progress && total >= 50_000 && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("bootstrap {bar:40} {pos}/{len} replicates, {eta} left")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let tick = || bar.inc(1);
    let request =
        IntervalRequest { replicates: o.bootstrap, seed: o.seed, level: o.confidence, common_n: o.n_items };
    let results: Vec<(usize, GroupBootstrap)> = eligible
        .par_iter()
        .map(|&gi| (gi, bootstrap_group(&a.groups[gi], gi, joint, &request, &tick)))
        .collect();
    bar.finish_and_clear();
    for (gi, drawn) in &results {
        if let Some(why) = &drawn.note {
            a.warnings.push(crate::warnings::Warning::new(
                "items-not-drawn-whole",
                format!(
                    "{}: the compound intervals draw each subtask on its own, as if the subtasks \
                     were scored on different items ({why})",
                    a.groups[*gi].key
                ),
            ));
        }
    }
    let by_group: HashMap<usize, GroupBootstrap> = results.into_iter().collect();
    for s in &mut a.series {
        let gi = group_index[&s.key];
        let g = &a.groups[gi];
        let Some(drawn) = by_group.get(&gi) else {
            let why = if o.bootstrap == 0 {
                "bootstrap off (--bootstrap 0)".to_string()
            } else {
                missing_counts(g, o.n_items).unwrap_or_else(|| NO_COUNTS.into())
            };
            if s.kind == SeriesKind::Compound {
                s.ci_note = Some(why.clone());
            }
            s.emergence_score_ci_note = Some(why);
            continue;
        };
        let k = g.subtasks.len();
        let r = match s.source {
            Source::Subtask(i) => i,
            Source::Task => k,
            Source::Compound(i) => k + usize::from(g.task_level.is_some()) + i,
        };
        let row = &drawn.rows[r];
        if s.kind == SeriesKind::Compound {
            for p in &mut s.points {
                let m = model_index(g, &p.model);
                p.ci = row.intervals[m];
                p.se = row.sd[m];
            }
            s.ci_method = Some(drawn.method);
        }
        score_intervals(s, row, o.bootstrap);
    }
}

/// The emergence scores' intervals from the bootstrap's replicates of B, which are scored
/// with models of one size merged but not turned ([`super::emergence_score_at`]). Turning a
/// series negates B in every replicate, so the interval is negated and swapped, exactly;
/// dividing by the fixed n − 1 (n distinct sizes) gives the interval per step.
fn score_intervals(s: &mut Series, row: &RowBootstrap, replicates: usize) {
    let sizes: Vec<f64> = s.points.iter().map(|p| p.params).collect();
    let n = distinct_sizes(&sizes);
    let why = if s.emergence_score.is_none() && row.score_interval.is_none() {
        Some("no emergence score".to_string())
    } else if row.score_interval.is_some() {
        None
    } else {
        Some(format!(
            "the score is undefined in {} of {replicates} replicates (flat replicates)",
            row.score_undefined
        ))
    };
    if why.is_some() {
        s.emergence_score_ci_note = why;
        return;
    }
    let ci = row.score_interval.map(|(lo, hi)| if s.higher_is_better { (lo, hi) } else { (-hi, -lo) });
    let steps = (n - 1) as f64;
    s.emergence_score_ci = ci;
    s.emergence_score_normalized_ci = ci.map(|(lo, hi)| (lo / steps, hi / steps));
}

/// The logistic floor of a series: the group's chance level (the input's, else
/// `--chance`), composed for compounds; 0 where lower is better.
pub(super) fn floor_of(s: &Series, g: &Group, o: &AnalyzeOptions) -> f64 {
    let chance = g.chance(o.chance).unwrap_or(0.0);
    match s.source {
        Source::Compound(i) if s.is_rate && s.higher_is_better => {
            g.compounds[i].operator.apply(&vec![chance; g.subtasks.len()]).unwrap_or(0.0)
        }
        Source::Compound(_) => 0.0,
        _ => chance,
    }
}

/// The points a series is fitted to, sorted by x, or why it is not fitted.
struct FitData {
    x: Vec<f64>,
    y: Vec<f64>,
    /// Items per point, for observed rates with counts at every point: the fits are then
    /// binomial maximum-likelihood ones. Compounds have none (a product of rates is not a
    /// binomial proportion).
    n: Option<Vec<f64>>,
}

impl FitData {
    fn observations(&self) -> Observations<'_> {
        Observations { x: &self.x, y: &self.y, n: self.n.as_deref() }
    }
}

fn fit_data(s: &Series, axis: XAxis) -> Result<FitData, String> {
    let xs = s.xs(axis);
    if let Some(p) = s.points.iter().zip(&xs).find(|(_, x)| x.is_none()).map(|(p, _)| p) {
        return Err(format!("model {:?} has no positive flops value (needed by --x flops)", p.model));
    }
    let observed = matches!(s.source, Source::Subtask(_) | Source::Task) && s.is_rate;
    let mut rows: Vec<(f64, f64, Option<f64>)> = xs
        .iter()
        .flatten()
        .zip(&s.points)
        .map(|(&x, p)| (x, p.value, p.n.filter(|&n| observed && n > 0).map(|n| n as f64)))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut distinct: Vec<f64> = rows.iter().map(|p| p.0).collect();
    distinct.dedup();
    if distinct.len() < MIN_SIZES_FOR_FIT {
        return Err(format!(
            "curve fits need at least {MIN_SIZES_FOR_FIT} model sizes; this series has {}",
            distinct.len()
        ));
    }
    let n: Option<Vec<f64>> = rows.iter().map(|r| r.2).collect();
    Ok(FitData { x: rows.iter().map(|r| r.0).collect(), y: rows.iter().map(|r| r.1).collect(), n })
}

fn fit_series(s: &mut Series, g: &Group, o: &AnalyzeOptions) {
    let data = match fit_data(s, o.x_axis) {
        Ok(d) => d,
        Err(why) => {
            s.fit_note = Some(why);
            return;
        }
    };
    let obs = data.observations();
    let sizes = data.x.len();
    let floor = floor_of(s, g, o);
    s.fits = ModelKind::ALL
        .iter()
        .map(|&kind| {
            let spec = FitSpec { kind, floor, higher_is_better: s.higher_is_better, is_rate: s.is_rate };
            if kind == ModelKind::BrokenPowerLaw && sizes < MIN_SIZES_FOR_BPL {
                // With as many points as parameters the curve only interpolates: no
                // standard errors, no AICc, nothing to learn.
                let why = format!(
                    "needs at least {MIN_SIZES_FOR_BPL} model sizes for its 6 parameters; this series has {sizes}"
                );
                return FitReport { model: kind, fit: Err(why.clone()), holdout: Err(why) };
            }
            let curve = fit_observations(&spec, &obs);
            let holdout = if kind == ModelKind::BrokenPowerLaw && sizes < MIN_SIZES_FOR_BPL_HOLDOUT {
                Err(format!(
                    "the held-out check of the broken power law needs at least {MIN_SIZES_FOR_BPL_HOLDOUT} \
                     model sizes (6 parameters and 2 residual degrees of freedom once one is held out); \
                     this series has {sizes}"
                ))
            } else {
                holdout_largest(&spec, &obs, o.confidence).map_err(|e| e.to_string())
            };
            FitReport { model: kind, fit: curve.map_err(|e| e.to_string()), holdout }
        })
        .collect();
}

/// Whether a compound operator gets a composed model.
fn wants_composed(op: &Operator, o: &AnalyzeOptions) -> bool {
    matches!(op.kind(), OperatorKind::All | OperatorKind::AtLeast(_) | OperatorKind::Exact(_))
        || op.name() == o.verdict_op.name()
}

fn compose_all(
    a: &mut Analysis,
    group_index: &HashMap<GroupKey, usize>,
    joint: &[JointCounts],
    o: &AnalyzeOptions,
) {
    let ranges = super::group_ranges(&a.series);
    let reports: Vec<(usize, Result<ComposedReport, String>)> = (0..a.series.len())
        .into_par_iter()
        .filter_map(|si| {
            let s = &a.series[si];
            let Source::Compound(ci) = s.source else { return None };
            let g = &a.groups[group_index[&s.key]];
            let op = &g.compounds[ci].operator;
            if !wants_composed(op, o) {
                return None;
            }
            if !s.higher_is_better {
                let why = "the composed model composes the subtasks' rising logistic trends; this metric is \
                           lower-is-better (higher_is_better false in the input)";
                return Some((si, Err(why.to_string())));
            }
            let own = &a.series[ranges[&s.key].clone()];
            let items = item_points(g, joint, o);
            let data = HoldoutData { series: s, group: g, items: &items };
            let report = ComposedModel::of_group(own, g, op).and_then(|model| {
                let fitted = items.iter().flatten().cloned().collect();
                composed_report(&data, model.with_items(fitted), o)
            });
            Some((si, report))
        })
        .collect();
    for (si, report) in reports {
        match report {
            Ok(r) => a.series[si].composed = Some(r),
            Err(why) => a.series[si].composed_note = Some(why),
        }
    }
}

fn composed_report(
    d: &HoldoutData,
    model: ComposedModel,
    o: &AnalyzeOptions,
) -> Result<ComposedReport, String> {
    let s = d.series;
    let xs: Vec<f64> = s
        .xs(o.x_axis)
        .into_iter()
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| "some models have no flops value (needed by --x flops)".to_string())?;
    let predicted: Vec<f64> = xs.iter().map(|&x| model.predict(x)).collect();
    let band = xs.iter().map(|&x| model.band(x, o.confidence)).collect();
    let rss = s.points.iter().zip(&predicted).map(|(p, e)| (p.value - e) * (p.value - e)).sum();
    let (holdout, holdout_note) = match composed_holdout(d, &model, &xs, o) {
        Ok((check, note)) => (Ok(check), note),
        Err(why) => (Err(why), None),
    };
    Ok(ComposedReport { model, x: xs, predicted, band, rss, holdout, holdout_note })
}

fn forecasts(s: &Series, o: &AnalyzeOptions) -> Vec<Forecast> {
    if s.kind != SeriesKind::Compound || !s.is_rate {
        return Vec::new();
    }
    // A lower-is-better rate crosses a threshold on its way down: searched as its negative
    // rising through the negative threshold, the band's edges swapped.
    let sign = if s.higher_is_better { 1.0 } else { -1.0 };
    let xs: Vec<f64> = s.xs(o.x_axis).into_iter().flatten().collect();
    let (Some(lo), Some(x_max)) = (xs.iter().copied().reduce(f64::min), xs.iter().copied().reduce(f64::max))
    else {
        return Vec::new();
    };
    let hi = x_max + FORECAST_DECADES;
    type Curve<'a> = Box<dyn Fn(f64) -> f64 + 'a>;
    let level = o.confidence;
    // `upper` is the edge that reaches a threshold first in the direction of improvement.
    let hi_edge = move |b: (f64, f64)| if sign > 0.0 { b.1 } else { -b.0 };
    let lo_edge = move |b: (f64, f64)| if sign > 0.0 { b.0 } else { -b.1 };
    let (source, centre, upper, lower): (&'static str, Curve, Curve, Curve) = if let Some(c) = &s.composed {
        let m = &c.model;
        (
            "composed",
            Box::new(move |x| sign * m.predict(x)),
            Box::new(move |x| m.band(x, level).map_or(f64::NAN, hi_edge)),
            Box::new(move |x| m.band(x, level).map_or(f64::NAN, lo_edge)),
        )
    } else if let Some(Ok(curve)) = s.fits.iter().find(|f| f.model == ModelKind::Logistic).map(|f| &f.fit) {
        if !curve.converged {
            return Vec::new();
        }
        (
            "logistic",
            Box::new(move |x| sign * curve.predict(x)),
            Box::new(move |x| curve.confidence_band(x, level).map_or(f64::NAN, hi_edge)),
            Box::new(move |x| curve.confidence_band(x, level).map_or(f64::NAN, lo_edge)),
        )
    } else {
        return Vec::new();
    };
    o.thresholds
        .iter()
        .map(|&threshold| {
            let t = sign * threshold;
            let crossing = first_crossing(&centre, t, lo, hi);
            let extrapolation_decades = match crossing {
                Crossing::At(x) if x > x_max => Some(x - x_max),
                _ => None,
            };
            let has_band = upper(lo).is_finite() && lower(lo).is_finite();
            Forecast {
                threshold,
                source,
                crossing,
                low: has_band.then(|| first_crossing(&upper, t, lo, hi)),
                high: has_band.then(|| first_crossing(&lower, t, lo, hi)),
                range: (lo, hi),
                extrapolation_decades,
            }
        })
        .collect()
}
