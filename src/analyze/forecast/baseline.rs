//! The rules a forecast must beat: the largest model's score (persistence), a straight
//! line in log size, and a logistic rising from the task's chance level.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{Prediction, Track};
use crate::analyze::fit::{self, FitSpec, ModelKind, Observations};

/// The score of the largest model, with no interval.
pub fn persistence(t: &Track) -> Option<Prediction> {
    t.y.last().map(|&value| Prediction { value, interval: None })
}

/// Ordinary least squares of score on x through every point, with the classical
/// prediction interval ŷ ± t(m − 2)·s·√(1 + 1/m + (x − x̄)²/Sxx); both kept inside the
/// metric's range. Needs 3 points (one residual degree of freedom).
pub fn linear(t: &Track, x: f64, level: f64) -> Option<Prediction> {
    let m = t.len();
    if m < 3 {
        return None;
    }
    let mf = m as f64;
    let x_bar = t.x.iter().sum::<f64>() / mf;
    let y_bar = t.y.iter().sum::<f64>() / mf;
    let sxx: f64 = t.x.iter().map(|v| (v - x_bar).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = t.x.iter().zip(&t.y).map(|(a, b)| (a - x_bar) * (b - y_bar)).sum();
    let b = sxy / sxx;
    let value = y_bar + b * (x - x_bar);
    let rss: f64 = t.x.iter().zip(&t.y).map(|(a, y)| (y - y_bar - b * (a - x_bar)).powi(2)).sum();
    let s2 = rss / (mf - 2.0);
    let q = StudentsT::new(0.0, 1.0, mf - 2.0).ok()?.inverse_cdf(0.5 * (1.0 + level));
    let half = q * (s2 * (1.0 + 1.0 / mf + (x - x_bar).powi(2) / sxx)).sqrt();
    Some(Prediction { value: t.clamp(value), interval: Some(t.clamp_interval((value - half, value + half))) })
}

/// The logistic with the track's floor (binomial likelihood when every point has items),
/// and its prediction interval for a score on as many items as the largest model's. None
/// when the fit fails or is not converged.
pub fn logistic(t: &Track, x: f64, level: f64) -> Option<Prediction> {
    let spec = FitSpec {
        kind: ModelKind::Logistic,
        floor: t.floor,
        higher_is_better: t.higher_is_better,
        is_rate: t.is_rate,
    };
    let n: Option<Vec<f64>> = t.n.iter().copied().collect();
    let obs = Observations { x: &t.x, y: &t.y, n: n.as_deref() };
    let curve = fit::fit_observations(&spec, &obs).ok().filter(|c| c.converged)?;
    let value = curve.predict(x);
    if !value.is_finite() {
        return None;
    }
    let interval = curve.prediction_interval_for(x, t.n.last().copied().flatten(), level);
    Some(Prediction { value: t.clamp(value), interval: interval.map(|i| t.clamp_interval(i)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand values: x = 1, 2, 3, y = 0.1, 0.3, 0.2: x̄ = 2, ȳ = 0.2, Sxx = 2, Sxy = 0.1,
    /// b = 0.05; at x = 5, ŷ = 0.35. Residuals −0.05, 0.1, −0.05: RSS = 0.015, s² = 0.015;
    /// half-width t₀.₉₇₅(1)·√(0.015·(1 + 1/3 + 9/2)) = 12.7062·0.29580 = 3.7585, cut at [0, 1].
    #[test]
    fn linear_by_hand() {
        let t = Track {
            pool: "f".into(),
            task: String::new(),
            x: vec![1.0, 2.0, 3.0],
            y: vec![0.1, 0.3, 0.2],
            n: vec![None; 3],
            is_rate: true,
            floor: 0.0,
            higher_is_better: true,
        };
        let p = linear(&t, 5.0, 0.95).expect("three points");
        assert!((p.value - 0.35).abs() < 1e-12);
        assert_eq!(p.interval, Some((0.0, 1.0)));
        let open = Track { is_rate: false, ..t.clone() };
        let (lo, hi) = linear(&open, 5.0, 0.95).and_then(|p| p.interval).expect("interval");
        // scipy.stats.t.ppf(0.975, 1) = 12.706204736174696.
        let half = 12.706_204_736_174_696 * (0.015f64 * (1.0 + 1.0 / 3.0 + 4.5)).sqrt();
        assert!((hi - 0.35 - half).abs() < 1e-9 && (0.35 - lo - half).abs() < 1e-9);
        assert_eq!(persistence(&t).map(|p| p.value), Some(0.2));
    }
}
