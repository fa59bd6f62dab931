//! The held-out-by-scale back-test: hide each series' largest one and two sizes, predict
//! the largest from the rest with every method, and compare with what was observed.
//!
//! Horizon h hides the h largest sizes and predicts the largest: h = 1 is "one size out",
//! h = 2 "two sizes out" (the next-to-largest model is skipped, as when forecasting a model
//! two steps up a family's ladder). A horizon needs [`MIN_POINTS`] sizes left to fit on.
//! Each horizon's forecaster is fitted on the cut series alone, its pooled priors and its
//! conformal calibration included, so nothing a prediction is judged on reaches it.

use super::baseline;
use super::trend::{Forecaster, TrendSettings, MIN_POINTS};
use super::{Prediction, Track, Unusable};

/// The horizons back-tested (the same as the forecaster's own calibration).
pub use super::conformal::CALIBRATION_HORIZONS as HORIZONS;

/// How the outputs name a horizon.
pub fn horizon_label(h: usize) -> &'static str {
    match h {
        1 => "one size out",
        _ => "two sizes out",
    }
}

/// A forecasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// emerge's forecast ([`super::trend`]).
    Emerge,
    Persistence,
    Linear,
    Logistic,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Emerge, Method::Persistence, Method::Linear, Method::Logistic];
    /// The rules every method is compared with.
    pub const BASELINES: [Method; 3] = [Method::Persistence, Method::Linear, Method::Logistic];

    pub fn name(self) -> &'static str {
        match self {
            Method::Emerge => "emerge",
            Method::Persistence => "persistence",
            Method::Linear => "linear",
            Method::Logistic => "logistic",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Method::Emerge => {
                "emerge's forecast: the recent trend in log size, its slope pooled across the family's series \
                 (empirical Bayes), anchored at the last observations; split-conformal intervals"
            }
            Method::Persistence => "the largest training model's score",
            Method::Linear => "least-squares line in log10 size through every training point, cut at the metric's range",
            Method::Logistic => "logistic with the task's chance floor (binomial likelihood with item counts)",
        }
    }
}

/// Which series a candidate is, for the outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub task: String,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
    /// Subtask name or `task-level`.
    pub series: String,
    pub kind: &'static str,
}

/// A series offered to the back-test: its track, or why it has none.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub label: Label,
    /// The cluster its errors are resampled with: (family, task).
    pub cluster: (String, String),
    pub track: Result<Track, Unusable>,
}

/// One prediction of one series at one horizon by one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Index into the candidates.
    pub series: usize,
    pub horizon: usize,
    pub method: Method,
    /// Sizes the prediction was made from.
    pub train_sizes: usize,
    /// x of the largest training size and of the target.
    pub x_train: f64,
    pub x_target: f64,
    pub observed: f64,
    /// None when the method could not predict (a logistic that did not converge).
    pub prediction: Option<Prediction>,
}

impl Row {
    /// predicted − observed.
    pub fn error(&self) -> Option<f64> {
        self.prediction.map(|p| p.value - self.observed)
    }

    pub fn covered(&self) -> Option<bool> {
        let (lo, hi) = self.prediction?.interval?;
        Some(lo <= self.observed && self.observed <= hi)
    }
}

/// The calibration of emerge's intervals at one horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonCalibration {
    pub horizon: usize,
    pub calibration: super::Calibrations,
}

/// Every row, and why the other series were left out.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub rows: Vec<Row>,
    /// (candidate index, reason).
    pub excluded: Vec<(usize, Unusable)>,
    pub calibrations: Vec<HorizonCalibration>,
}

/// The back-test of a run: what was offered, what was predicted, and the scores.
#[derive(Debug, Clone)]
pub struct Backtest {
    pub candidates: Vec<Candidate>,
    pub outcome: Outcome,
    pub summaries: Vec<super::scoring::Summary>,
    pub comparisons: Vec<super::scoring::Comparison>,
    pub level: f64,
    pub seed: u64,
}

/// The observed series of an analysis (subtask and task-level; compounds are derived
/// from them), as candidates.
pub fn candidates(a: &crate::analyze::Analysis) -> Vec<Candidate> {
    a.series
        .iter()
        .zip(super::tracks(a, false))
        .filter(|(s, _)| s.kind != crate::analyze::SeriesKind::Compound)
        .map(|(s, track)| Candidate {
            label: Label {
                task: s.key.task.clone(),
                family: s.key.family.clone(),
                metric: s.key.metric.clone(),
                shots: s.key.shots.clone(),
                series: s.name.clone(),
                kind: s.kind.as_str(),
            },
            cluster: (s.key.family.clone(), s.key.task.clone()),
            track,
        })
        .collect()
}

/// Back-tests every candidate and scores the methods.
pub fn backtest(candidates: Vec<Candidate>, settings: TrendSettings, level: f64, seed: u64) -> Backtest {
    let outcome = run(&candidates, settings, level);
    let summaries = super::scoring::summarise(&outcome.rows);
    let comparisons = super::scoring::compare(&outcome.rows, &candidates, seed, level);
    Backtest { candidates, outcome, summaries, comparisons, level, seed }
}

/// A candidate's track, or why it cannot be back-tested at all.
fn usable(c: &Candidate) -> Result<&Track, Unusable> {
    match &c.track {
        Err(why) => Err(*why),
        Ok(t) if t.len() < MIN_POINTS + 1 => Err(Unusable::TooShort),
        Ok(t) if t.is_constant() => Err(Unusable::Constant),
        Ok(t) => Ok(t),
    }
}

/// Runs the back-test at every horizon.
pub fn run(candidates: &[Candidate], settings: TrendSettings, level: f64) -> Outcome {
    let mut excluded = Vec::new();
    let mut usable_tracks: Vec<(usize, &Track)> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        match usable(c) {
            Ok(t) => usable_tracks.push((i, t)),
            Err(why) => excluded.push((i, why)),
        }
    }
    let mut rows = Vec::new();
    let mut calibrations = Vec::new();
    for h in HORIZONS {
        let cut: Vec<(usize, &Track, Track)> = usable_tracks
            .iter()
            .filter(|(_, t)| t.len() >= MIN_POINTS + h)
            .map(|&(i, t)| (i, t, t.truncated(t.len() - h)))
            .collect();
        let train: Vec<&Track> = cut.iter().map(|(_, _, c)| c).collect();
        let forecaster = Forecaster::fit(&train, settings, level);
        calibrations.push(HorizonCalibration { horizon: h, calibration: forecaster.calibration.clone() });
        let predicted: Vec<Vec<Row>> = {
            use rayon::prelude::*;
            cut.par_iter()
                .map(|(i, full, short)| {
                    let x = full.x[full.len() - 1];
                    Method::ALL
                        .iter()
                        .map(|&method| Row {
                            series: *i,
                            horizon: h,
                            method,
                            train_sizes: short.len(),
                            x_train: short.x[short.len() - 1],
                            x_target: x,
                            observed: full.y[full.len() - 1],
                            prediction: match method {
                                Method::Emerge => forecaster.predict(short, x),
                                Method::Persistence => baseline::persistence(short),
                                Method::Linear => baseline::linear(short, x, level),
                                Method::Logistic => baseline::logistic(short, x, level),
                            },
                        })
                        .collect()
                })
                .collect()
        };
        rows.extend(predicted.into_iter().flatten());
    }
    Outcome { rows, excluded, calibrations }
}
