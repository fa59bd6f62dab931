//! Intervals calibrated on the data itself: split-conformal prediction (Vovk, Gammerman &
//! Shafer 2005; Lei et al. 2018) on back-test residuals.
//!
//! Every track long enough is cut short by one and by two sizes; the trend method, fitted
//! on the cut tracks alone (priors included), predicts each track's largest size. The
//! residuals, scaled by the method's own standard error (a studentised, "normalised"
//! conformity score), are sorted; the ⌈(M + 1)·level⌉-th smallest of M is the quantile q
//! of every interval ŷ ± q·se. With fewer than ⌈level/(1 − level)⌉ residuals (19 at 95%)
//! no such quantile exists, and q is the normal one, stated as uncalibrated.

use statrs::distribution::{ContinuousCDF, Normal};

use super::trend::{TrendModel, TrendSettings, MIN_POINTS};
use super::Track;

/// Sizes held back from each track to calibrate: 1 and 2, as the back-test.
pub const CALIBRATION_HORIZONS: [usize; 2] = [1, 2];

/// One back-test prediction inside the data: its absolute error and standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InnerResidual {
    pub error: f64,
    pub se: f64,
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
            if let Some((value, se)) = model.point(short, full.x[at]) {
                if se > 0.0 {
                    out.push(InnerResidual {
                        error: (full.y[at] - full.clamp(value)).abs(),
                        se,
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
    /// From every inner residual.
    pub pooled: Calibration,
    /// Per horizon with enough residuals for a conformal quantile: (horizon, median decades
    /// ahead, calibration).
    pub by_horizon: Vec<(usize, f64, Calibration)>,
}

impl Calibrations {
    /// Quantiles from inner back-test residuals at `level`: one per horizon, so that a
    /// forecast one step ahead is not calibrated by two-step errors, and one pooled.
    pub fn of_residuals(residuals: &[InnerResidual], level: f64) -> Calibrations {
        let score = |r: &InnerResidual| r.error / r.se;
        let pooled = Calibration::from_scores(residuals.iter().map(score).collect(), level);
        let by_horizon = CALIBRATION_HORIZONS
            .iter()
            .filter_map(|&h| {
                let own: Vec<&InnerResidual> = residuals.iter().filter(|r| r.horizon == h).collect();
                let c = Calibration::from_scores(own.iter().map(|r| score(r)).collect(), level);
                let mut decades: Vec<f64> = own.iter().map(|r| r.decades).collect();
                decades.sort_by(f64::total_cmp);
                c.conformal.then(|| (h, decades[decades.len() / 2], c))
            })
            .collect();
        Calibrations { pooled, by_horizon }
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
