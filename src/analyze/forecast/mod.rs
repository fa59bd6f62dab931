//! Forecasts of what a larger model will score, and the baselines they are judged against.
//!
//! A [`Track`] is one series as the forecasters see it: distinct sizes on the x axis
//! (log10 of params or FLOPs), the score there, and the items behind it. The forecasting
//! method is [`trend`]: each series' recent trend, its slope pooled across the series of
//! its family, anchored at the last observations, with intervals calibrated by
//! split-conformal prediction on back-test residuals of the same data ([`conformal`]).
//! The baselines ([`baseline`]) are persistence (the largest model's score), a straight
//! line in log size, and a logistic with the task's chance floor.

pub mod backtest;
pub mod baseline;
pub mod conformal;
pub mod scoring;
#[cfg(test)]
mod scoring_simulation;
#[cfg(test)]
mod simulation;
pub mod tasks;
pub mod trend;

pub use conformal::{Calibration, Calibrations};
pub use trend::{Fitted, Forecaster, TrendModel, TrendSettings};

use super::{Analysis, AnalyzeOptions, Series};
use crate::compose::Group;

/// One series for forecasting: distinct sizes in increasing x.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The series whose slopes are pooled with this one's (the model family).
    pub pool: String,
    /// The series' identity apart from its family (task, metric, shots, series name): series
    /// of different families with the same task share a task effect on their slopes; empty
    /// for none.
    pub task: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Items behind each score, when known.
    pub n: Vec<Option<f64>>,
    /// Whether scores are rates: forecasts and intervals end at 0 and 1.
    pub is_rate: bool,
    /// The logistic baseline's floor (the task's chance level; 0 when none).
    pub floor: f64,
    pub higher_is_better: bool,
}

/// Why a series cannot be forecast or back-tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Fewer sizes than the method needs.
    TooShort,
    /// Every score is the same.
    Constant,
    /// Two models at the largest size: there is no single "next model" to predict.
    TiedLargest,
    /// A model without the x value the run uses (FLOPs under `--x flops`).
    MissingX,
}

impl Unusable {
    pub fn reason(self) -> &'static str {
        match self {
            Unusable::TooShort => "too short",
            Unusable::Constant => "constant",
            Unusable::TiedLargest => "two models at the largest size",
            Unusable::MissingX => "a model has no value on the x axis",
        }
    }
}

/// A series' points merged by size: models of one size become one point, their mean score
/// on the sum of their items. Err when a point has no x. `tied_largest` reports whether
/// the largest size held more than one model.
pub fn merge_sizes(points: &[(Option<f64>, f64, Option<f64>)]) -> Result<Merged, Unusable> {
    let mut sorted: Vec<(f64, f64, Option<f64>)> = points
        .iter()
        .map(|&(x, y, n)| x.filter(|x| x.is_finite()).map(|x| (x, y, n)).ok_or(Unusable::MissingX))
        .collect::<Result<_, _>>()?;
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let runs: Vec<&[(f64, f64, Option<f64>)]> = sorted.chunk_by(|a, b| a.0 == b.0).collect();
    let tied_largest = runs.last().is_some_and(|run| run.len() > 1);
    let xs = runs.iter().map(|run| run[0].0).collect();
    let ys = runs.iter().map(|run| run.iter().map(|p| p.1).sum::<f64>() / run.len() as f64).collect();
    let ns = runs.iter().map(|run| run.iter().map(|p| p.2).sum::<Option<f64>>()).collect();
    Ok((xs, ys, ns, tied_largest))
}

/// x, y and items per distinct size, and whether the largest size held several models.
pub type Merged = (Vec<f64>, Vec<f64>, Vec<Option<f64>>, bool);

impl Track {
    /// The first `len` points (the smallest sizes).
    pub fn truncated(&self, len: usize) -> Track {
        Track {
            pool: self.pool.clone(),
            task: self.task.clone(),
            x: self.x[..len].to_vec(),
            y: self.y[..len].to_vec(),
            n: self.n[..len].to_vec(),
            is_rate: self.is_rate,
            floor: self.floor,
            higher_is_better: self.higher_is_better,
        }
    }

    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Whether every score is the same.
    pub fn is_constant(&self) -> bool {
        self.y.windows(2).all(|w| w[0] == w[1])
    }

    /// `v` kept inside the metric's range.
    pub fn clamp(&self, v: f64) -> f64 {
        if self.is_rate {
            v.clamp(0.0, 1.0)
        } else {
            v
        }
    }

    /// An interval kept inside the metric's range.
    pub fn clamp_interval(&self, (lo, hi): (f64, f64)) -> (f64, f64) {
        (self.clamp(lo), self.clamp(hi))
    }
}

/// What a method predicts at one x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub value: f64,
    /// Two-sided interval for the observed score at the run's confidence.
    pub interval: Option<(f64, f64)>,
}

/// The track of a series (its family is its pool), or why it has none. Models of one size
/// are merged (their mean); with `tied_largest_ok` false, two models at the largest size
/// make the series unusable (a back-test has no single model there to predict).
pub fn track_of(s: &Series, g: &Group, o: &AnalyzeOptions, tied_largest_ok: bool) -> Result<Track, Unusable> {
    let points: Vec<(Option<f64>, f64, Option<f64>)> = s
        .points
        .iter()
        .map(|p| (o.x_axis.log10_of(p.params, p.flops), p.value, p.n.map(|n| n as f64)))
        .collect();
    let (x, y, n, tied_largest) = merge_sizes(&points)?;
    if tied_largest && !tied_largest_ok {
        return Err(Unusable::TiedLargest);
    }
    // Compounds are made of their group's subtasks: they share a prior only with other
    // compounds of the family, never with the series they are made of.
    let pool = match s.kind {
        super::SeriesKind::Compound => format!("{} (compounds)", s.key.family),
        _ => s.key.family.clone(),
    };
    let task = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        s.key.task,
        s.key.metric,
        s.key.shots.as_deref().unwrap_or(""),
        s.kind.as_str(),
        s.name
    );
    Ok(Track {
        pool,
        task,
        x,
        y,
        n,
        is_rate: s.is_rate,
        floor: super::stats::floor_of(s, g, o),
        higher_is_better: s.higher_is_better,
    })
}

/// Every series' track, in series order (see [`track_of`]).
pub fn tracks(a: &Analysis, tied_largest_ok: bool) -> Vec<Result<Track, Unusable>> {
    let groups: std::collections::HashMap<_, _> = a.groups.iter().map(|g| (&g.key, g)).collect();
    a.series.iter().map(|s| track_of(s, groups[&s.key], &a.options, tied_largest_ok)).collect()
}

/// What a model of one size is expected to score.
#[derive(Debug, Clone, PartialEq)]
pub struct SizePrediction {
    /// The size asked for, on the run's axis: `params`, or `flops` under `--x flops`.
    pub axis: &'static str,
    pub size: f64,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
    /// `emerge` (the pooled trend) or `persistence` (too few sizes for a trend).
    pub method: &'static str,
    /// Decades beyond the largest model of the series.
    pub decades_beyond: f64,
}

/// `--predict-at`: each series' forecast at each size, from a forecaster fitted on every
/// series of the run. A series too short for a trend gets its largest model's score,
/// without an interval.
pub fn add_predictions(a: &mut Analysis) {
    if a.options.predict_at.is_empty() {
        return;
    }
    // A base and a chat model at the largest size: their mean is the level forecasts start from.
    let tracks = tracks(a, true);
    let usable: Vec<&Track> = tracks.iter().filter_map(|t| t.as_ref().ok()).collect();
    let forecaster = Forecaster::fit(&usable, TrendSettings::default(), a.options.confidence);
    let sizes = a.options.predict_at.clone();
    let axis = a.options.x_axis.name();
    for (s, t) in a.series.iter_mut().zip(&tracks) {
        let Ok(t) = t else { continue };
        s.predictions = sizes
            .iter()
            .filter_map(|&size| {
                let x = size.log10();
                let decades_beyond = x - t.x[t.len() - 1];
                let (p, method) = match forecaster.predict(t, x) {
                    Some(p) => (p, "emerge"),
                    None => (baseline::persistence(t)?, "persistence"),
                };
                Some(SizePrediction {
                    axis,
                    size,
                    value: p.value,
                    interval: p.interval,
                    method,
                    decades_beyond,
                })
            })
            .collect();
    }
    a.prediction_fit = Some(forecaster.fitted());
    a.prediction_calibration = Some(forecaster.calibration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_sizes_averages_scores_and_sums_items() {
        let pts =
            [(Some(9.0), 0.5, Some(100.0)), (Some(8.0), 0.2, Some(50.0)), (Some(9.0), 0.7, Some(100.0))];
        let (x, y, n, tied) = merge_sizes(&pts).expect("all have x");
        assert_eq!(x, vec![8.0, 9.0]);
        assert_eq!(y, vec![0.2, 0.6]);
        assert_eq!(n, vec![Some(50.0), Some(200.0)]);
        assert!(tied);
        let (_, _, n, tied) = merge_sizes(&[(Some(8.0), 0.1, None), (Some(9.0), 0.2, Some(5.0))]).expect("x");
        assert_eq!(n, vec![None, Some(5.0)]);
        assert!(!tied);
        assert_eq!(merge_sizes(&[(None, 0.1, None)]), Err(Unusable::MissingX));
    }
}
