//! The "no emergence, only composition" model: each subtask's logistic trend,
//! composed with the compound's operator.
//!
//! Uncertainty comes from the subtask fits by the delta method on the link scale
//! (logit for rates, identity otherwise): Var(link P(x)) = Σ_i (∂ link P / ∂ p_i)² ·
//! se_i(x)², the subtask fits being independent. Intervals use Student's t with the
//! smallest residual degrees of freedom among the subtask fits.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::fit::FittedCurve;
use crate::compose::Operator;

/// Link function: logit for rates (keeps intervals inside (0, 1)), identity otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Logit,
    Identity,
}

const EDGE: f64 = 1e-12;

impl Link {
    pub fn of(op: &Operator) -> Self {
        if op.is_rate() {
            Link::Logit
        } else {
            Link::Identity
        }
    }

    pub fn apply(self, v: f64) -> f64 {
        match self {
            Link::Logit => {
                let p = v.clamp(EDGE, 1.0 - EDGE);
                (p / (1.0 - p)).ln()
            }
            Link::Identity => v,
        }
    }

    pub fn inverse(self, v: f64) -> f64 {
        match self {
            Link::Logit => 1.0 / (1.0 + (-v).exp()),
            Link::Identity => v,
        }
    }

    /// d link(v) / dv.
    pub fn derivative(self, v: f64) -> f64 {
        match self {
            Link::Logit => {
                let p = v.clamp(EDGE, 1.0 - EDGE);
                1.0 / (p * (1.0 - p))
            }
            Link::Identity => 1.0,
        }
    }
}

/// Subtask fits composed with an operator.
#[derive(Debug, Clone)]
pub struct ComposedModel {
    pub operator: Operator,
    pub fits: Vec<FittedCurve>,
    /// Per fit, a factor ≥ 1 on its standard errors: sqrt(σ²/s²) when the binomial
    /// sampling variance σ² of its points (known from item counts) exceeds the
    /// residual variance s² (as curve_fit's `absolute_sigma=True` with equal weights).
    /// Without it, nearly noise-free subtask data would give implausibly narrow bands.
    pub se_scale: Vec<f64>,
}

impl ComposedModel {
    pub fn new(operator: Operator, fits: Vec<FittedCurve>) -> Self {
        let se_scale = vec![1.0; fits.len()];
        ComposedModel { operator, fits, se_scale }
    }

    /// Sets each fit's standard-error factor from its points' mean binomial variance.
    pub fn with_sampling_variance(mut self, variances: &[Option<f64>]) -> Self {
        for ((scale, fit), var) in self.se_scale.iter_mut().zip(&self.fits).zip(variances) {
            let dof = fit.n.saturating_sub(fit.k);
            if let (Some(var), true) = (var, dof > 0) {
                let s2 = fit.rss / dof as f64;
                *scale = if s2 > 0.0 { (var / s2).sqrt().max(1.0) } else { 1.0 };
                if s2 == 0.0 && *var > 0.0 {
                    *scale = f64::INFINITY;
                }
            }
        }
        self
    }

    /// Standard error of subtask fit i's mean at x, scaled.
    pub fn subtask_se(&self, i: usize, x: f64) -> Option<f64> {
        let se = self.fits.get(i)?.mean_se(x)? * self.se_scale[i];
        se.is_finite().then_some(se)
    }

    fn rates(&self, x: f64) -> Vec<f64> {
        self.fits.iter().map(|f| f.predict(x).clamp(0.0, 1.0)).collect()
    }

    fn link(&self) -> Link {
        Link::of(&self.operator)
    }

    /// The composed prediction at x.
    pub fn predict(&self, x: f64) -> f64 {
        self.operator.apply(&self.rates(x)).unwrap_or(f64::NAN)
    }

    /// Residual degrees of freedom for intervals: the smallest among the subtask fits.
    pub fn df(&self) -> usize {
        self.fits.iter().map(|f| f.n.saturating_sub(f.k)).min().unwrap_or(0)
    }

    /// Standard error of the composed prediction on the link scale.
    pub fn se_link(&self, x: f64) -> Option<f64> {
        let link = self.link();
        let mut rates = self.rates(x);
        let mut var = 0.0;
        for i in 0..rates.len() {
            let se = self.subtask_se(i, x)?;
            let p = rates[i];
            let h = 1e-6 * p.min(1.0 - p).max(1e-9);
            let (lo, hi) = ((p - h).max(0.0), (p + h).min(1.0));
            rates[i] = hi;
            let up = link.apply(self.operator.apply(&rates).ok()?);
            rates[i] = lo;
            let down = link.apply(self.operator.apply(&rates).ok()?);
            rates[i] = p;
            if hi > lo {
                let d = (up - down) / (hi - lo);
                var += d * d * se * se;
            }
        }
        var.is_finite().then(|| var.sqrt())
    }

    /// Two-sided quantile used for intervals at `level`.
    pub fn quantile(&self, level: f64) -> Option<f64> {
        t_quantile(self.df(), level)
    }

    /// Interval for the composed mean at x, on the outcome scale.
    pub fn band(&self, x: f64, level: f64) -> Option<(f64, f64)> {
        self.band_with_quantile(x, self.quantile(level)?)
    }

    /// [`ComposedModel::band`] with the t quantile computed once by the caller (it is
    /// an iterative inverse CDF; curves and forecasts evaluate hundreds of x).
    pub fn band_with_quantile(&self, x: f64, quantile: f64) -> Option<(f64, f64)> {
        let link = self.link();
        let centre = link.apply(self.predict(x));
        let half = quantile * self.se_link(x)?;
        let (a, b) = (link.inverse(centre - half), link.inverse(centre + half));
        Some((a.min(b), a.max(b)))
    }
}

/// (1 + level)/2 quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile(df: usize, level: f64) -> Option<f64> {
    if df == 0 || !(0.0..1.0).contains(&level) {
        return None;
    }
    StudentsT::new(0.0, 1.0, df as f64).ok().map(|t| t.inverse_cdf(0.5 + level / 2.0))
}

/// Where a rising curve first reaches a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// At this x.
    At(f64),
    /// Already at or above the threshold at the start of the range.
    Before,
    /// Not within the range searched.
    Beyond,
}

/// First x in [lo, hi] where `f` rises to `threshold` (grid of 0.05 decade, then bisection).
pub fn first_crossing(f: impl Fn(f64) -> f64, threshold: f64, lo: f64, hi: f64) -> Crossing {
    if f(lo) >= threshold {
        return Crossing::Before;
    }
    let steps = (((hi - lo) / 0.05).ceil() as usize).max(1);
    let mut a = lo;
    for i in 1..=steps {
        let b = lo + (hi - lo) * i as f64 / steps as f64;
        if f(b) >= threshold {
            let (mut l, mut h) = (a, b);
            for _ in 0..60 {
                let mid = 0.5 * (l + h);
                if f(mid) >= threshold {
                    h = mid;
                } else {
                    l = mid;
                }
            }
            return Crossing::At(0.5 * (l + h));
        }
        a = b;
    }
    Crossing::Beyond
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_of_a_line() {
        match first_crossing(|x| 0.1 * x, 0.5, 0.0, 10.0) {
            Crossing::At(x) => assert!((x - 5.0).abs() < 1e-9, "{x}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(first_crossing(|x| 0.1 * x, 0.05, 1.0, 10.0), Crossing::Before);
        assert_eq!(first_crossing(|x| 0.1 * x, 5.0, 0.0, 10.0), Crossing::Beyond);
    }

    #[test]
    fn t_quantiles_match_tables() {
        // scipy.stats.t.ppf(0.975, df): df=2 → 4.302652729749464, df=30 → 2.0422724563012373.
        assert!((t_quantile(2, 0.95).unwrap() - 4.302652729749464).abs() < 1e-9);
        assert!((t_quantile(30, 0.95).unwrap() - 2.0422724563012373).abs() < 1e-9);
        assert_eq!(t_quantile(0, 0.95), None);
    }

    #[test]
    fn logit_link_round_trips() {
        for p in [1e-6, 0.01, 0.5, 0.99] {
            assert!((Link::Logit.inverse(Link::Logit.apply(p)) - p).abs() < 1e-12);
        }
    }
}
