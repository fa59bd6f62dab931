//! Analyze: the third pipeline stage. Turns each group's grid into series (one per
//! subtask, task-level score and compound) and measures each: emergence scores, gain
//! from the smallest to the largest model, and, for the strict product, the
//! per-subtask rate it implies; then [`stats`] adds intervals, curve fits, composed
//! models and forecasts, and [`verdict`] a verdict per group, [`jumps`] and [`artefact`] its
//! questions 1 and 3 ([`analyze`] reads in that order).

pub mod artefact;
mod bootstrap;
pub mod breaks;
mod composed;
pub mod composition;
pub mod dependence;
mod emergence;
pub mod fit;
pub mod forecast;
mod holdout;
pub mod independence;
pub mod interval;
pub mod jumps;
mod multitest;
mod options;
pub mod resolution;
mod stats;
mod verdict;

pub use bootstrap::{
    bootstrap_group, GroupBootstrap, IntervalRequest, RowBootstrap, ITEM_BAYESIAN_BOOTSTRAP,
    JEFFREYS_POSTERIOR,
};
pub use composed::{first_crossing, ComposedModel, Crossing, Link};
pub use emergence::{distinct_sizes, emergence_score, emergence_score_at, score_series, NoScore, Scores};
pub use interval::CiMethod;
pub use multitest::benjamini_hochberg;
pub use options::{AnalyzeOptions, FdrFamily, XAxis, DEFAULT_SEED};
pub use stats::{ComposedReport, FitReport, Forecast, FORECAST_DECADES};
pub use verdict::{Outcome, Verdict};

use crate::compose::{Cell, Composition, Group, GroupKey, Operator};
use crate::ingest::items::JointCounts;
use crate::units::fmt_params;
use crate::warnings::Warning;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeriesKind {
    Subtask,
    Compound,
    Task,
}

impl SeriesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesKind::Subtask => "subtask",
            SeriesKind::Compound => "compound",
            SeriesKind::Task => "task",
        }
    }
}

/// The name given to task-level series (rows with an empty subtask).
pub const TASK_LEVEL_NAME: &str = "task-level";

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub model: String,
    pub params: f64,
    pub flops: Option<f64>,
    pub value: f64,
    /// For the `all` compound: P^(1/k), the per-subtask rate that composes to P.
    pub implied_subtask_rate: Option<f64>,
    /// Items behind the value (the row's `n`, else `--n`; for compounds the smallest
    /// subtask count).
    pub n: Option<u64>,
    /// Interval at the run's confidence level (binomial for observed rates,
    /// percentiles of posterior draws for compounds).
    pub ci: Option<(f64, f64)>,
    /// Standard error: binomial sqrt(p(1 − p)/n) for observed rates, the standard
    /// deviation of the posterior draws for compounds.
    pub se: Option<f64>,
    /// The rate an evaluation of n items most likely shows as zero: 1 − 2^(−1/n).
    pub detection_floor: Option<f64>,
}

impl Point {
    /// Whether the value is at or under the detection floor.
    pub fn below_floor(&self) -> Option<bool> {
        self.detection_floor.map(|f| self.value <= f)
    }
}

/// Where a series comes from within its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Index into the group's subtasks.
    Subtask(usize),
    Task,
    /// Index into the group's compounds.
    Compound(usize),
}

#[derive(Debug, Clone)]
pub struct Series {
    pub key: GroupKey,
    pub kind: SeriesKind,
    /// Subtask name, `task-level`, or the compose operator as written.
    pub name: String,
    /// For compounds: how many subtasks were composed.
    pub subtasks_composed: Option<usize>,
    pub higher_is_better: bool,
    /// Whether values are rates in [0, 1].
    pub is_rate: bool,
    /// Ordered by parameter count.
    pub points: Vec<Point>,
    /// Srivastava et al.'s breakthroughness of the series with models of one size merged
    /// (their mean), in the preferred direction: positive when the series improves.
    pub emergence_score: Option<f64>,
    /// `emergence_score` / (n − 1), n the distinct sizes: 1 for steady change.
    pub emergence_score_normalized: Option<f64>,
    /// Which sizes had models merged, and why there is no score.
    pub emergence_score_note: Option<String>,
    /// Last minus first value (largest minus smallest model).
    pub gain_abs: Option<f64>,
    /// Last over first value, minus one; none when the first value is 0.
    pub gain_rel: Option<f64>,
    pub source: Source,
    /// How the points' intervals were made (`wilson`, `clopper-pearson`; for compounds
    /// `jeffreys-posterior` or `item-bayesian-bootstrap`).
    pub ci_method: Option<&'static str>,
    /// Why points have no intervals, when they have none.
    pub ci_note: Option<String>,
    pub emergence_score_ci: Option<(f64, f64)>,
    /// `emergence_score_ci` / (n − 1).
    pub emergence_score_normalized_ci: Option<(f64, f64)>,
    pub emergence_score_ci_note: Option<String>,
    /// Linear, logistic and broken-power-law fits, in that order (empty when too few sizes).
    pub fits: Vec<FitReport>,
    pub fit_note: Option<String>,
    /// For `all`, `atleast:K`, `exact:L` (and the verdict's operator): the subtasks'
    /// logistic trends composed.
    pub composed: Option<ComposedReport>,
    /// Why a compound has no composed model, when it should have one.
    pub composed_note: Option<String>,
    pub forecasts: Vec<Forecast>,
    /// `--predict-at`: the forecast at each size asked for.
    pub predictions: Vec<forecast::SizePrediction>,
}

impl Series {
    /// x of each point: log10 of params (or FLOPs); None where FLOPs are missing.
    pub fn xs(&self, axis: XAxis) -> Vec<Option<f64>> {
        self.points.iter().map(|p| axis.log10_of(p.params, p.flops)).collect()
    }
}

#[derive(Debug, Clone)]
pub struct Analysis {
    pub groups: Vec<Group>,
    pub series: Vec<Series>,
    pub warnings: Vec<Warning>,
    /// One per group with subtasks, in group order.
    pub verdicts: Vec<Verdict>,
    /// Item-level inputs: the joint rate against the independence prediction, per model.
    pub independence: Vec<independence::IndependenceCheck>,
    pub options: AnalyzeOptions,
    /// How `--predict-at`'s intervals were calibrated, when it was given.
    pub prediction_calibration: Option<forecast::Calibrations>,
    /// With `--predict-at`: the forecaster's settings.
    pub prediction_fit: Option<forecast::Fitted>,
}

impl Analysis {
    /// The series of one group, in output order.
    pub fn series_of<'a>(&'a self, key: &'a GroupKey) -> impl Iterator<Item = &'a Series> + 'a {
        self.series.iter().filter(move |s| &s.key == key)
    }
}

/// Measure → intervals → fits → composed models → forecasts → verdicts, each stage
/// reading what the ones before it wrote. `joint` holds item-level inputs' joint outcomes
/// (empty otherwise).
pub fn analyze(composition: Composition, joint: &[JointCounts], options: &AnalyzeOptions) -> Analysis {
    let mut analysis = measure_all(composition, options);
    stats::add_intervals(&mut analysis, joint);
    stats::add_fits(&mut analysis);
    stats::add_composed_models(&mut analysis, joint);
    stats::add_forecasts(&mut analysis);
    forecast::add_predictions(&mut analysis);
    analysis.verdicts = verdict::judge_all(&analysis, joint, options);
    artefact::attach(&mut analysis.verdicts, &analysis.groups, joint, options);
    verdict::add_artefacts_to_headlines(&mut analysis.verdicts);
    analysis.independence = independence::check_all(joint, options.confidence);
    analysis
}

/// The series and their points' item counts, without the rest of the statistics: what
/// `emerge backtest` forecasts from.
pub fn measure_for_forecasting(composition: Composition, options: &AnalyzeOptions) -> Analysis {
    let options = AnalyzeOptions { bootstrap: 0, ..options.clone() };
    let mut analysis = measure_all(composition, &options);
    stats::add_intervals(&mut analysis, &[]);
    analysis
}

/// Each group's series, which [`measure_all`] lays out contiguously.
fn group_ranges(series: &[Series]) -> std::collections::HashMap<GroupKey, std::ops::Range<usize>> {
    let mut ranges: std::collections::HashMap<GroupKey, std::ops::Range<usize>> = Default::default();
    for (i, s) in series.iter().enumerate() {
        ranges.entry(s.key.clone()).and_modify(|r| r.end = i + 1).or_insert(i..i + 1);
    }
    ranges
}

/// The deterministic core: values, emergence scores, gains.
fn measure_all(composition: Composition, options: &AnalyzeOptions) -> Analysis {
    let mut warnings = composition.warnings;
    let mut series = Vec::new();
    for g in &composition.groups {
        let sizes = distinct_sizes(&g.models.iter().map(|m| m.params).collect::<Vec<_>>());
        if sizes < 2 {
            warnings.push(Warning::new(
                "one-model-size",
                format!(
                    "{}: only one model size ({}); emergence scores need at least two",
                    g.key,
                    g.models.first().map_or_else(String::new, |m| fmt_params(m.params))
                ),
            ));
        }
        // The input's direction for the metric; compounds keep it, except edit distance,
        // which turns a rate into a count of errors.
        let up = g.higher_is_better();
        for (i, (name, row)) in g.subtasks.iter().zip(&g.cells).enumerate() {
            series.push(measure(g, Source::Subtask(i), name, None, up, true, cell_values(row), None));
        }
        if let Some(row) = &g.task_level {
            series.push(measure(g, Source::Task, TASK_LEVEL_NAME, None, up, true, cell_values(row), None));
        }
        for (i, c) in g.compounds.iter().enumerate() {
            let k = g.subtasks.len();
            series.push(measure(
                g,
                Source::Compound(i),
                c.operator.name(),
                Some(k),
                c.operator.higher_is_better() && up,
                c.operator.is_rate(),
                c.values.clone(),
                Some((&c.operator, k)),
            ));
        }
    }
    Analysis {
        groups: composition.groups,
        series,
        warnings,
        verdicts: Vec::new(),
        independence: Vec::new(),
        options: options.clone(),
        prediction_calibration: None,
        prediction_fit: None,
    }
}

fn cell_values(row: &[Option<Cell>]) -> Vec<Option<f64>> {
    row.iter().map(|c| c.as_ref().map(|c| c.value)).collect()
}

#[allow(clippy::too_many_arguments)]
fn measure(
    g: &Group,
    source: Source,
    name: &str,
    subtasks_composed: Option<usize>,
    higher_is_better: bool,
    is_rate: bool,
    values: Vec<Option<f64>>,
    operator: Option<(&Operator, usize)>,
) -> Series {
    let points: Vec<Point> = g
        .models
        .iter()
        .zip(values)
        .filter_map(|(m, v)| {
            let value = v?;
            let implied_subtask_rate = match operator {
                Some((op, k)) if op.is_strict_product() => Some(value.powf(1.0 / k as f64)),
                _ => None,
            };
            Some(Point {
                model: m.name.clone(),
                params: m.params,
                flops: m.flops,
                value,
                implied_subtask_rate,
                n: None,
                ci: None,
                se: None,
                detection_floor: None,
            })
        })
        .collect();
    let y: Vec<f64> = points.iter().map(|p| p.value).collect();
    let sizes: Vec<f64> = points.iter().map(|p| p.params).collect();
    let scores = score_series(&sizes, &y, higher_is_better);
    let (gain_abs, gain_rel) = match (y.first(), y.last()) {
        (Some(&a), Some(&b)) if y.len() >= 2 => (Some(b - a), (a != 0.0).then(|| b / a - 1.0)),
        _ => (None, None),
    };
    let kind = match source {
        Source::Subtask(_) => SeriesKind::Subtask,
        Source::Task => SeriesKind::Task,
        Source::Compound(_) => SeriesKind::Compound,
    };
    Series {
        key: g.key.clone(),
        kind,
        name: name.to_string(),
        subtasks_composed,
        higher_is_better,
        is_rate,
        points,
        emergence_score: scores.raw,
        emergence_score_normalized: scores.normalized,
        emergence_score_note: scores.note,
        gain_abs,
        gain_rel,
        source,
        ci_method: None,
        ci_note: None,
        emergence_score_ci: None,
        emergence_score_normalized_ci: None,
        emergence_score_ci_note: None,
        fits: Vec::new(),
        fit_note: None,
        composed: None,
        composed_note: None,
        forecasts: Vec::new(),
        predictions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::compose;
    use crate::ingest::record::RunKey;
    use crate::ingest::{Dataset, Format, Observation};

    /// Two subtasks over six sizes, 100M to 30B, with the input's direction and chance.
    fn dataset(
        metric: &str,
        rows: [[f64; 6]; 2],
        higher_is_better: Option<bool>,
        chance: Option<f64>,
    ) -> Dataset {
        let sizes = [1e8, 3e8, 1e9, 3e9, 1e10, 3e10];
        let mut observations = Vec::new();
        for (s, row) in rows.iter().enumerate() {
            for (m, (&params, &score)) in sizes.iter().zip(row).enumerate() {
                observations.push(Observation {
                    line: 2 + observations.len() as u64,
                    key: RunKey {
                        model: format!("m{m}"),
                        params,
                        task: "t".into(),
                        family: "all".into(),
                        metric: metric.into(),
                        shots: None,
                    },
                    subtask: Some(format!("s{s}")),
                    score,
                    n: None,
                    correct: None,
                    flops: None,
                    higher_is_better,
                    chance,
                });
            }
        }
        let rows_read = observations.len() as u64;
        Dataset::of_rows("t.csv", Format::Tidy, observations, rows_read)
    }

    fn run(d: &Dataset, options: &AnalyzeOptions) -> Analysis {
        let ops: Vec<Operator> = ["all", "mean"].iter().map(|o| o.parse().expect("valid")).collect();
        analyze(compose(d, &ops), &[], options)
    }

    fn options() -> AnalyzeOptions {
        AnalyzeOptions { bootstrap: 0, thresholds: vec![0.2], ..AnalyzeOptions::default() }
    }

    const BRIER: [[f64; 6]; 2] = [[0.40, 0.36, 0.30, 0.22, 0.15, 0.11], [0.42, 0.39, 0.33, 0.25, 0.18, 0.12]];

    /// Issue 16: a Brier score falling from 41% to 11.5% (the mean of the two subtasks) is,
    /// when the input says lower is better, an improvement: a positive emergence score, a
    /// logistic falling toward 0, and a forecast where the mean falls through 20% (23.5% at
    /// 3B, 16.5% at 10B); the product of Brier scores is not composed.
    #[test]
    fn issue_16_lower_is_better_is_fitted_scored_and_forecast_falling() {
        let a = run(&dataset("brier", BRIER, Some(false), None), &options());
        let s0 = &a.series[0];
        assert!(!s0.higher_is_better);
        assert!(s0.emergence_score.is_some_and(|e| e > 0.0), "{:?}", s0.emergence_score);
        let logistic = s0.fits.iter().find(|f| f.model == fit::ModelKind::Logistic).expect("a logistic fit");
        let curve = logistic.fit.as_ref().expect("fitted");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert!(curve.predict(10.5) < curve.predict(8.0));
        let all = a.series.iter().find(|s| s.name == "all").expect("all");
        assert!(all.points.is_empty());
        assert!(a.warnings.iter().any(|w| w.code == "operator-not-applicable"));
        let mean = a.series.iter().find(|s| s.name == "mean").expect("mean");
        assert!(!mean.higher_is_better);
        let crossing = mean.forecasts.first().map(|f| f.crossing);
        match crossing {
            Some(Crossing::At(x)) => assert!((3e9f64.log10()..10.0).contains(&x), "{x}"),
            other => panic!("the mean should fall through 20% between 3B and 10B: {other:?}"),
        }
        // The same numbers read as higher-is-better decline: a negative score, and the
        // mean (above 20% at the smallest model, falling) never rises through 20%.
        let b = run(&dataset("brier", BRIER, None, None), &options());
        assert!(b.series[0].higher_is_better);
        assert!(b.series[0].emergence_score.is_some_and(|e| e < 0.0));
        let mean = b.series.iter().find(|s| s.name == "mean").expect("mean");
        assert!(!matches!(mean.forecasts.first().map(|f| f.crossing), Some(Crossing::At(_))));
    }

    /// Issue 16: the input's chance level is the group's floor, as `--chance` is; it
    /// overrides the flag, and a lower-is-better metric has none.
    #[test]
    fn issue_16_chance_from_the_input_is_the_logistic_floor() {
        let rows = [[0.26, 0.27, 0.30, 0.38, 0.52, 0.66], [0.25, 0.28, 0.31, 0.40, 0.55, 0.70]];
        let logistic = |a: &Analysis| {
            let f = a.series[0].fits.iter().find(|f| f.model == fit::ModelKind::Logistic).expect("logistic");
            f.fit.as_ref().expect("fitted").parameters.iter().map(|p| p.value).collect::<Vec<f64>>()
        };
        let column = run(&dataset("acc", rows, None, Some(0.25)), &options());
        let flag =
            run(&dataset("acc", rows, None, None), &AnalyzeOptions { chance: Some(0.25), ..options() });
        let over =
            run(&dataset("acc", rows, None, Some(0.25)), &AnalyzeOptions { chance: Some(0.1), ..options() });
        let none = run(&dataset("acc", rows, None, None), &options());
        assert_eq!(logistic(&column), logistic(&flag));
        assert_eq!(logistic(&over), logistic(&flag));
        assert_ne!(logistic(&column), logistic(&none));
        assert_eq!(column.groups[0].chance(None), Some(0.25));
        let brier = run(&dataset("brier", BRIER, Some(false), None), &options());
        assert_eq!(brier.groups[0].chance(Some(0.25)), None);
    }
}
