//! Intervals calibrated on the data itself: split-conformal prediction (Vovk, Gammerman &
//! Shafer 2005; Lei et al. 2018) on back-test residuals.
//!
//! Every track long enough is cut short by one and by two sizes; the trend method, fitted
//! on the cut tracks alone (priors included), predicts each track's largest size. Each
//! residual is divided by its forecast's scale s = √(se² + c²·trend²) (a "normalised"
//! conformity score, Lei et al. 2018 §5.2): se is the method's standard error from
//! sampling, trend the distance the undamped trend alone moves the score, and c the share
//! of that distance the trend may be wrong by. The scaled residuals are sorted; the
//! ⌈(M + 1)·level⌉-th smallest of M is the quantile q of every interval ŷ ± q·s. With
//! fewer than ⌈level/(1 − level)⌉ residuals (19 at 95%) no such quantile exists, and q is
//! the normal one, stated as uncalibrated.
//!
//! c is chosen from [`TREND_WEIGHTS`] as the one giving the narrowest intervals on
//! average over the same residuals (every candidate is calibrated to the level, so the
//! narrowest is the one whose scale tracks the errors best: flat series get narrow
//! intervals, rising ones wide). Choosing among a few scores on the calibration residuals
//! costs little coverage (Yang & Kuchibhotla 2024, "Selection and aggregation of conformal
//! prediction sets"); the simulation in [`super::simulation`] measures it. With fewer than
//! [`MIN_SELECTION_RESIDUALS`] residuals c is [`DEFAULT_TREND_WEIGHT`].

use statrs::distribution::{ContinuousCDF, Normal};

use super::trend::{TrendModel, TrendSettings, MIN_POINTS, MIN_SELECTION_RESIDUALS};
use super::Track;

/// The shares of the trend's reach an interval may allow for, chosen among by the data.
pub const TREND_WEIGHTS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// The share used when the data are too few to choose: half the trend's reach, which is
/// the distance between the default damped (0.5) and the undamped path.
pub const DEFAULT_TREND_WEIGHT: f64 = 0.5;

/// Sizes held back from each track to calibrate: 1 and 2, as the back-test.
pub const CALIBRATION_HORIZONS: [usize; 2] = [1, 2];

/// One back-test prediction inside the data: its absolute error and standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InnerResidual {
    pub error: f64,
    pub se: f64,
    /// The forecast's trend reach ([`super::trend::Point::trend`]).
    pub trend: f64,
    /// Sizes held back, and the decades from the largest size kept to the one predicted.
    pub horizon: usize,
    pub decades: f64,
}

/// Every track long enough, cut short by each of [`CALIBRATION_HORIZONS`] and predicted at
/// its largest size by the trend fitted on the cut tracks alone.
pub fn inner_backtest(tracks: &[&Track], settings: TrendSettings) -> Vec<InnerResidual> {
    let mut out = Vec::new();
    for h in CALIBRATION_HORIZONS {
        let pairs: Vec<(&Track, Track)> = tracks
            .iter()
            .copied()
            .filter(|t| t.len() >= MIN_POINTS + h)
            .map(|t| (t, t.truncated(t.len() - h)))
            .collect();
        let cut: Vec<&Track> = pairs.iter().map(|(_, c)| c).collect();
        let model = TrendModel::fit(&cut, settings);
        for (full, short) in &pairs {
            let at = full.len() - 1;
            if let Some(p) = model.point(short, full.x[at]) {
                if p.se > 0.0 {
                    out.push(InnerResidual {
                        error: (full.y[at] - full.clamp(p.value)).abs(),
                        se: p.se,
                        trend: p.trend,
                        horizon: h,
                        decades: full.x[at] - short.x[short.len() - 1],
                    });
                }
            }
        }
    }
    out
}

/// The interval quantiles per horizon, and over every horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrations {
    /// The share c of the trend's reach in every forecast's scale √(se² + c²·trend²).
    pub trend_weight: f64,
    /// Whether c was chosen from the data (false: [`DEFAULT_TREND_WEIGHT`]).
    pub trend_weight_chosen: bool,
    /// From every inner residual.
    pub pooled: Calibration,
    /// Per horizon with enough residuals for a conformal quantile: (horizon, median decades
    /// ahead, calibration).
    pub by_horizon: Vec<(usize, f64, Calibration)>,
}

/// A forecast's scale: its sampling standard error and a share c of its trend's reach.
fn scale(se: f64, trend: f64, c: f64) -> f64 {
    (se * se + (c * trend).powi(2)).sqrt()
}

impl Calibrations {
    /// Quantiles from inner back-test residuals at `level`, with the trend weight that
    /// gives the narrowest intervals on these residuals (the default below
    /// [`MIN_SELECTION_RESIDUALS`]).
    pub fn of_residuals(residuals: &[InnerResidual], level: f64) -> Calibrations {
        if residuals.len() < MIN_SELECTION_RESIDUALS {
            return Calibrations::with_weight(residuals, level, DEFAULT_TREND_WEIGHT, false);
        }
        let mut best: Option<(f64, Calibrations)> = None;
        for c in TREND_WEIGHTS {
            let k = Calibrations::with_weight(residuals, level, c, true);
            let width = residuals.iter().map(|r| k.half_width(r.decades, r.se, r.trend)).sum::<f64>();
            if best.as_ref().is_none_or(|(w, _)| width < w - 1e-12) {
                best = Some((width, k));
            }
        }
        best.map(|(_, k)| k).expect("at least one trend weight")
    }

    /// Quantiles at trend weight `c`: one per horizon, so that a forecast one step ahead is
    /// not calibrated by two-step errors, and one pooled.
    pub fn with_weight(residuals: &[InnerResidual], level: f64, c: f64, chosen: bool) -> Calibrations {
        let score = |r: &InnerResidual| r.error / scale(r.se, r.trend, c);
        let pooled = Calibration::from_scores(residuals.iter().map(score).collect(), level);
        let by_horizon = CALIBRATION_HORIZONS
            .iter()
            .filter_map(|&h| {
                let own: Vec<&InnerResidual> = residuals.iter().filter(|r| r.horizon == h).collect();
                let k = Calibration::from_scores(own.iter().map(|r| score(r)).collect(), level);
                let mut decades: Vec<f64> = own.iter().map(|r| r.decades).collect();
                decades.sort_by(f64::total_cmp);
                k.conformal.then(|| (h, decades[decades.len() / 2], k))
            })
            .collect();
        Calibrations { trend_weight: c, trend_weight_chosen: chosen, pooled, by_horizon }
    }

    /// Half the interval of a forecast `decades` ahead with standard error `se` and trend
    /// reach `trend`.
    pub fn half_width(&self, decades: f64, se: f64, trend: f64) -> f64 {
        self.for_decades(decades).quantile * scale(se, trend, self.trend_weight)
    }

    /// The calibration for a forecast `decades` beyond the largest model: that of the horizon
    /// whose typical reach is nearest (beyond the longest, the longest's), else the pooled one.
    pub fn for_decades(&self, decades: f64) -> &Calibration {
        self.by_horizon
            .iter()
            .min_by(|a, b| (a.1 - decades).abs().total_cmp(&(b.1 - decades).abs()))
            .map_or(&self.pooled, |(_, _, c)| c)
    }
}

/// The interval quantile and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Multiplier of the forecast's standard error.
    pub quantile: f64,
    /// Back-test residuals it was taken from.
    pub residuals: usize,
    /// Whether the quantile is conformal (false: the normal quantile, too few residuals).
    pub conformal: bool,
}

impl Calibration {
    pub fn method(&self) -> &'static str {
        if self.conformal {
            "split-conformal"
        } else {
            "normal (uncalibrated: too few back-test residuals)"
        }
    }

    /// The conformal quantile of conformity scores at `level`.
    pub fn from_scores(mut scores: Vec<f64>, level: f64) -> Calibration {
        scores.retain(|s| s.is_finite());
        scores.sort_by(f64::total_cmp);
        let m = scores.len();
        let rank = ((m as f64 + 1.0) * level).ceil() as usize;
        if rank >= 1 && rank <= m {
            Calibration { quantile: scores[rank - 1], residuals: m, conformal: true }
        } else {
            let z = Normal::new(0.0, 1.0).map(|n| n.inverse_cdf(0.5 * (1.0 + level))).unwrap_or(1.96);
            Calibration { quantile: z, residuals: m, conformal: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 19 scores 1..19 at 95%: rank ⌈20·0.95⌉ = 19, the largest; 18 scores are too few and
    /// give the normal quantile 1.959964 (scipy.stats.norm.ppf(0.975)).
    #[test]
    fn conformal_rank() {
        let scores: Vec<f64> = (1..=19).rev().map(f64::from).collect();
        let c = Calibration::from_scores(scores, 0.95);
        assert_eq!((c.quantile, c.residuals, c.conformal), (19.0, 19, true));
        let c = Calibration::from_scores((1..=18).map(f64::from).collect(), 0.95);
        assert!(!c.conformal);
        assert!((c.quantile - 1.959_963_984_540_054).abs() < 1e-12);
        // 99 scores: rank ⌈100·0.95⌉ = 95.
        let c = Calibration::from_scores((1..=99).map(f64::from).collect(), 0.95);
        assert_eq!(c.quantile, 95.0);
    }
}
