//! The held-out-by-scale back-test: hide each series' largest one and two sizes, predict
//! the largest from the rest with every method, and compare with what was observed; under
//! `--x flops`, also hide every model above a training-compute cutoff.
//!
//! Horizon h hides the h largest sizes and predicts the largest: h = 1 is "one size out",
//! h = 2 "two sizes out" (the next-to-largest model is skipped, as when forecasting a model
//! two steps up a family's ladder). A horizon needs [`MIN_POINTS`] sizes left to fit on.
//!
//! The cutoff horizon ([`CUTOFF`]) is the protocol of Ruan, Maddison & Hashimoto (2024),
//! "Observational Scaling Laws and the Predictability of Language Model Performance": one
//! FLOPs cutoff for the whole run, models at or below it are the training set, every model
//! above it is held out and predicted (their repository ryoungj/ObsScaling,
//! `utils/data.py::split_data`, "cutoff_by_FLOPs (1E21)": train where FLOPs <= cutoff; its
//! README's example cutoff is 8.4e22 FLOPs, Llama-2-7B). They fit one curve across families;
//! emerge's methods forecast each series from its own smaller models, so here each series
//! with [`MIN_POINTS`] sizes at or below the cutoff and one above is cut there, and each of
//! its models above is one prediction. A model without FLOPs is left out of its series here
//! (Ruan et al. drop it: it is on neither side); horizons 1 and 2 leave such a series out,
//! as its largest model may be the one without. Without `--flops-cutoff` the cutoff is the
//! one with a third of the input's models above it ([`Cutoff::choose`]).
//!
//! Each horizon's forecaster is fitted on the cut series alone, its pooled priors and its
//! conformal calibration included, so nothing a prediction is judged on reaches it.

use super::baseline;
use super::scoring::{self, Comparison, Summary};
use super::trend::{Forecaster, TrendSettings, MIN_POINTS};
use super::{Prediction, Track, Unusable};

/// The horizons back-tested by size (the same as the forecaster's own calibration).
pub use super::conformal::CALIBRATION_HORIZONS as HORIZONS;

/// The id of the FLOPs-cutoff horizon in [`Row::horizon`] and the summaries; the outputs
/// call it `cutoff`.
pub const CUTOFF: usize = 3;

/// The default cutoff has one in this many of the input's models (those with FLOPs) above
/// it: a third. Ruan et al.'s example cutoff, 8.4e22 FLOPs, has 46 of the 123 models with
/// FLOPs of their own table above it (37%; `datasets/obsscaling/obsscaling_base_llm.csv`);
/// a third is that split, rounded, on any input, and leaves two thirds of the models to fit on.
pub const DEFAULT_CUTOFF_ONE_IN: usize = 3;

/// How the outputs name a size horizon.
pub fn horizon_label(h: usize) -> &'static str {
    match h {
        1 => "one size out",
        _ => "two sizes out",
    }
}

/// The FLOPs cutoff of a run and how it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Cutoff {
    pub flops: f64,
    /// True when it is the default ([`DEFAULT_CUTOFF_ONE_IN`]), false when given.
    pub is_default: bool,
    /// Distinct models of the input with FLOPs, at or below the cutoff and above it.
    pub models_at_or_below: usize,
    pub models_above: usize,
}

impl Cutoff {
    /// The cutoff given, else the FLOPs of the largest model left when the top ⌈M / 3⌉ of
    /// the M models with FLOPs are set aside (models tied with it stay at or below, so ties
    /// can leave fewer above). None without two models with FLOPs.
    pub fn choose(given: Option<f64>, model_flops: &[f64]) -> Option<Cutoff> {
        let mut f: Vec<f64> = model_flops.iter().copied().filter(|v| v.is_finite() && *v > 0.0).collect();
        f.sort_by(f64::total_cmp);
        let flops = match given {
            Some(c) => c,
            None => {
                let kept = f.len() - f.len().div_ceil(DEFAULT_CUTOFF_ONE_IN);
                *f.get(kept.checked_sub(1)?)?
            }
        };
        let models_at_or_below = f.iter().filter(|&&v| v <= flops).count();
        Some(Cutoff {
            flops,
            is_default: given.is_none(),
            models_at_or_below,
            models_above: f.len() - models_at_or_below,
        })
    }

    /// "beyond 8.4e22 FLOPs".
    pub fn label(&self) -> String {
        format!("beyond {:e} FLOPs", self.flops)
    }

    /// How the cutoff was chosen, for the outputs.
    pub fn chosen_by(&self) -> String {
        if self.is_default {
            format!(
                "default: a third of the input's {} models with FLOPs above it; --flops-cutoff sets it",
                self.models_at_or_below + self.models_above
            )
        } else {
            "--flops-cutoff".to_string()
        }
    }
}

/// Why a series has no prediction beyond the cutoff.
pub const NOTHING_ABOVE_CUTOFF: &str = "no model above the cutoff";
pub const TOO_FEW_AT_OR_BELOW_CUTOFF: &str = "fewer than 3 sizes at or below the cutoff";

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
    /// The models at each point of the track (" + "-joined where a size holds several), or
    /// of `partial` when the track is missing x values; empty when not known.
    pub models: Vec<String>,
    /// When some model of the series has no x (under `--x flops`): the track of the others,
    /// which the cutoff horizon uses (Ruan et al. drop a model without FLOPs).
    pub partial: Option<Result<Track, Unusable>>,
}

/// One prediction of one series at one horizon by one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Index into the candidates.
    pub series: usize,
    /// 1 or 2 (sizes out), or [`CUTOFF`].
    pub horizon: usize,
    pub method: Method,
    /// Index of the predicted point in the series' track.
    pub target: usize,
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
    /// The settings its forecaster chose.
    pub fitted: super::trend::Fitted,
}

/// Every row, and why the other series were left out.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub rows: Vec<Row>,
    /// (candidate index, reason): left out of every horizon.
    pub excluded: Vec<(usize, Unusable)>,
    /// (candidate index, reason): back-tested by size but not beyond the cutoff.
    pub cutoff_excluded: Vec<(usize, &'static str)>,
    pub calibrations: Vec<HorizonCalibration>,
}

/// The back-test of a run: what was offered, what was predicted, and the scores.
#[derive(Debug, Clone)]
pub struct Backtest {
    pub candidates: Vec<Candidate>,
    pub outcome: Outcome,
    pub summaries: Vec<Summary>,
    pub comparisons: Vec<Comparison>,
    pub level: f64,
    pub seed: u64,
    /// The FLOPs cutoff, under `--x flops`.
    pub cutoff: Option<Cutoff>,
}

impl Backtest {
    /// The horizons with rows, in order: 1, 2, then the cutoff.
    pub fn horizons(&self) -> Vec<usize> {
        HORIZONS.iter().copied().chain(self.cutoff.as_ref().map(|_| CUTOFF)).collect()
    }

    /// "one size out", "two sizes out", "beyond 8.4e22 FLOPs".
    pub fn label(&self, h: usize) -> String {
        match (&self.cutoff, h) {
            (Some(c), CUTOFF) => c.label(),
            _ => horizon_label(h).to_string(),
        }
    }

    /// A horizon as the files name it: `1`, `2`, `cutoff`.
    pub fn name(h: usize) -> String {
        if h == CUTOFF {
            "cutoff".to_string()
        } else {
            h.to_string()
        }
    }

    /// The model(s) a row predicted, when known.
    pub fn target_model(&self, r: &Row) -> &str {
        self.candidates[r.series].models.get(r.target).map_or("", String::as_str)
    }
}

/// The observed series of an analysis (subtask and task-level; compounds are derived
/// from them), as candidates.
pub fn candidates(a: &crate::analyze::Analysis) -> Vec<Candidate> {
    let axis = a.options.x_axis;
    let groups: std::collections::HashMap<_, _> = a.groups.iter().map(|g| (&g.key, g)).collect();
    // A track's x values are computed from these points exactly so: equal, not near.
    let names = |s: &crate::analyze::Series, t: &Track| -> Vec<String> {
        t.x.iter()
            .map(|&x| {
                let at: Vec<&str> = s
                    .points
                    .iter()
                    .filter(|p| axis.log10_of(p.params, p.flops) == Some(x))
                    .map(|p| p.model.as_str())
                    .collect();
                at.join(" + ")
            })
            .collect()
    };
    a.series
        .iter()
        .zip(super::tracks(a, false))
        .filter(|(s, _)| s.kind != crate::analyze::SeriesKind::Compound)
        .map(|(s, track)| {
            let partial = matches!(track, Err(Unusable::MissingX)).then(|| {
                let mut known = s.clone();
                known.points.retain(|p| axis.log10_of(p.params, p.flops).is_some());
                super::track_of(&known, groups[&s.key], &a.options, false)
            });
            let models = match (&track, &partial) {
                (Ok(t), _) | (_, Some(Ok(t))) => names(s, t),
                _ => Vec::new(),
            };
            (s, track, models, partial)
        })
        .map(|(s, track, models, partial)| Candidate {
            models,
            partial,
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

/// The distinct models of an analysis with their FLOPs (for [`Cutoff::choose`]).
pub fn model_flops(a: &crate::analyze::Analysis) -> Vec<f64> {
    let mut by_model: std::collections::BTreeMap<&str, f64> = Default::default();
    for p in a.series.iter().flat_map(|s| &s.points) {
        if let Some(f) = p.flops {
            by_model.insert(&p.model, f);
        }
    }
    by_model.into_values().collect()
}

/// Back-tests every candidate and scores the methods.
pub fn backtest(
    candidates: Vec<Candidate>,
    settings: TrendSettings,
    level: f64,
    seed: u64,
    cutoff: Option<Cutoff>,
) -> Backtest {
    let outcome = run(&candidates, settings, level, cutoff.as_ref().map(|c| c.flops));
    let summaries = scoring::summarise(&outcome.rows);
    let comparisons = scoring::compare(&outcome.rows, &candidates, seed, level);
    Backtest { candidates, outcome, summaries, comparisons, level, seed, cutoff }
}

/// A candidate's track, or why it cannot be back-tested at all.
fn usable(c: &Candidate) -> Result<&Track, Unusable> {
    usable_track(&c.track)
}

fn usable_track(track: &Result<Track, Unusable>) -> Result<&Track, Unusable> {
    match track {
        Err(why) => Err(*why),
        Ok(t) if t.len() < MIN_POINTS + 1 => Err(Unusable::TooShort),
        Ok(t) if t.is_constant() => Err(Unusable::Constant),
        Ok(t) => Ok(t),
    }
}

/// The track the cutoff horizon uses: the candidate's, else, when some model has no x, the
/// track of the others (Ruan et al. drop a model without FLOPs). None when the candidate is
/// left out for another reason (already listed).
fn cutoff_track(c: &Candidate) -> Option<Result<&Track, Unusable>> {
    match (usable(c), &c.partial) {
        (Ok(t), _) => Some(Ok(t)),
        (Err(Unusable::MissingX), Some(partial)) => Some(usable_track(partial)),
        _ => None,
    }
}

/// Runs the back-test at every horizon: by size, and beyond `cutoff` (FLOPs) when given.
pub fn run(candidates: &[Candidate], settings: TrendSettings, level: f64, cutoff: Option<f64>) -> Outcome {
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
        let (horizon_rows, calibration) =
            predict(&cut, h, |full| full.len() - 1..full.len(), settings, level);
        calibrations.push(calibration);
        rows.extend(horizon_rows);
    }
    let mut cutoff_excluded = Vec::new();
    if let Some(c) = cutoff {
        let at = c.log10();
        let mut cut = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let t = match cutoff_track(c) {
                None => continue,
                Some(Err(why)) => {
                    cutoff_excluded.push((i, why.reason()));
                    continue;
                }
                Some(Ok(t)) => t,
            };
            let below = cut_len(t, at);
            if below == t.len() {
                cutoff_excluded.push((i, NOTHING_ABOVE_CUTOFF));
            } else if below < MIN_POINTS {
                cutoff_excluded.push((i, TOO_FEW_AT_OR_BELOW_CUTOFF));
            } else {
                cut.push((i, t, t.truncated(below)));
            }
        }
        if !cut.is_empty() {
            let (cutoff_rows, calibration) =
                predict(&cut, CUTOFF, |full| cut_len(full, at)..full.len(), settings, level);
            calibrations.push(calibration);
            rows.extend(cutoff_rows);
        }
    }
    Outcome { rows, excluded, cutoff_excluded, calibrations }
}

/// Sizes of a track at or below `at` (log10 FLOPs); x is increasing, so they come first.
fn cut_len(t: &Track, at: f64) -> usize {
    t.x.iter().take_while(|&&x| x <= at).count()
}

/// Fits one horizon's forecaster on the cut tracks and predicts, with every method, each
/// point `targets` names (indices into the full track).
fn predict(
    cut: &[(usize, &Track, Track)],
    horizon: usize,
    targets: impl Fn(&Track) -> std::ops::Range<usize> + Sync,
    settings: TrendSettings,
    level: f64,
) -> (Vec<Row>, HorizonCalibration) {
    let train: Vec<&Track> = cut.iter().map(|(_, _, c)| c).collect();
    let forecaster = Forecaster::fit(&train, settings, level);
    let calibration = HorizonCalibration {
        horizon,
        calibration: forecaster.calibration.clone(),
        fitted: forecaster.fitted(),
    };
    let predicted: Vec<Vec<Row>> = {
        use rayon::prelude::*;
        cut.par_iter()
            .map(|(i, full, short)| {
                targets(full)
                    .flat_map(|target| {
                        let x = full.x[target];
                        Method::ALL.iter().map(move |&method| (target, x, method))
                    })
                    .map(|(target, x, method)| Row {
                        series: *i,
                        horizon,
                        method,
                        target,
                        train_sizes: short.len(),
                        x_train: short.x[short.len() - 1],
                        x_target: x,
                        observed: full.y[target],
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
    (predicted.into_iter().flatten().collect(), calibration)
}
