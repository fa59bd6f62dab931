//! The "no emergence, only composition" model: each subtask's logistic trend,
//! composed with the compound's operator.
//!
//! The composition is computed in log space: for `all`, ln P = Σ ln pᵢ with each ln pᵢ
//! taken from its fit without underflow, and logit P = ln P − ln(1 − P), so products of
//! dozens of subtasks (10⁻²⁷ and below) keep their digits and no rate is clamped.
//! Uncertainty comes from the subtask fits by the delta method on the logit scale (the
//! identity for non-rates): Var(logit P(x)) = Σᵢ (∂ logit P/∂pᵢ)²·seᵢ(x)², the subtask
//! fits being independent. The interval quantile is Student's t with the
//! Welch–Satterthwaite degrees of freedom of that sum (Satterthwaite 1946): a fit whose
//! variance is known (binomial, φ = 1) contributes infinite degrees of freedom, so with
//! item counts the quantile is normal, and one noisy least-squares fit cannot widen
//! every band to its own t.

use super::fit::{quantile, FittedCurve, ModelKind};
use super::{Series, SeriesKind};
use crate::compose::{Group, GroupKey, Operator};

/// Link function: logit for rates (keeps intervals inside (0, 1)), identity otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Logit,
    Identity,
}

impl Link {
    pub fn of(op: &Operator) -> Self {
        if op.is_rate() {
            Link::Logit
        } else {
            Link::Identity
        }
    }

    /// logit(v) for rates (±∞ at 0 and 1), v otherwise.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Link::Logit => v.ln() - (-v).ln_1p(),
            Link::Identity => v,
        }
    }

    pub fn inverse(self, v: f64) -> f64 {
        match self {
            Link::Logit => {
                if v >= 0.0 {
                    1.0 / (1.0 + (-v).exp())
                } else {
                    let e = v.exp();
                    e / (1.0 + e)
                }
            }
            Link::Identity => v,
        }
    }

    /// d link(v) / dv.
    pub fn derivative(self, v: f64) -> f64 {
        match self {
            Link::Logit => 1.0 / (v * (1.0 - v)),
            Link::Identity => 1.0,
        }
    }
}

/// A variance on the link scale with its Welch–Satterthwaite degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkVariance {
    pub variance: f64,
    /// Infinite when every component's variance is known.
    pub df: f64,
    /// Σ vᵢ²/νᵢ, kept so that variances can be added ([`LinkVariance::plus`]).
    spread: f64,
}

impl LinkVariance {
    /// One component: variance v with ν degrees of freedom (∞ when known).
    pub fn component(variance: f64, df: f64) -> Self {
        let spread = if df.is_finite() { variance * variance / df } else { 0.0 };
        LinkVariance { variance, df: Self::df_of(variance, spread), spread }
    }

    fn df_of(variance: f64, spread: f64) -> f64 {
        if spread > 0.0 {
            variance * variance / spread
        } else {
            f64::INFINITY
        }
    }

    /// The sum of two independent variances.
    pub fn plus(self, other: LinkVariance) -> Self {
        let variance = self.variance + other.variance;
        let spread = self.spread + other.spread;
        LinkVariance { variance, df: Self::df_of(variance, spread), spread }
    }

    /// The (1 + level)/2 quantile: Student's t with `df`, normal when `df` is infinite.
    pub fn quantile(&self, level: f64) -> Option<f64> {
        quantile(self.df, level)
    }
}

/// Subtask fits composed with an operator.
#[derive(Debug, Clone)]
pub struct ComposedModel {
    pub operator: Operator,
    pub fits: Vec<FittedCurve>,
}

impl ComposedModel {
    pub fn new(operator: Operator, fits: Vec<FittedCurve>) -> Self {
        ComposedModel { operator, fits }
    }

    /// The composed model of group `g` under `op`, from its subtasks' converged logistic fits
    /// in `series` (the group's own series); or why a subtask has none.
    pub fn of_group(series: &[Series], g: &Group, op: &Operator) -> Result<Self, String> {
        Ok(ComposedModel::new(op.clone(), subtask_logistics(series, &g.key)?))
    }

    fn rates(&self, x: f64) -> Vec<f64> {
        self.fits.iter().map(|f| f.predict(x).clamp(0.0, 1.0)).collect()
    }

    fn link(&self) -> Link {
        Link::of(&self.operator)
    }

    /// ln of the composed prediction at x; for `all` the sum of the fits' ln pᵢ.
    pub fn predict_ln(&self, x: f64) -> f64 {
        if self.operator.is_strict_product() {
            self.fits.iter().map(|f| f.predict_ln(x)).sum()
        } else {
            self.operator.apply(&self.rates(x)).map_or(f64::NAN, f64::ln)
        }
    }

    /// The composed prediction at x.
    pub fn predict(&self, x: f64) -> f64 {
        if self.operator.is_strict_product() {
            self.predict_ln(x).exp()
        } else {
            self.operator.apply(&self.rates(x)).unwrap_or(f64::NAN)
        }
    }

    /// The composed prediction on the link scale, without underflow for `all`.
    pub fn predict_link(&self, x: f64) -> f64 {
        match self.link() {
            Link::Logit if self.operator.is_strict_product() => {
                let ln_p = self.predict_ln(x);
                ln_p - (-ln_p.exp()).ln_1p()
            }
            link => link.apply(self.predict(x)),
        }
    }

    /// d link(P)/d pᵢ at x, for each subtask: analytic for `all` (on ln pᵢ, see
    /// [`ComposedModel::variance_link`]), central differences otherwise.
    fn sensitivities(&self, x: f64) -> Option<Vec<f64>> {
        let link = self.link();
        let mut rates = self.rates(x);
        let mut out = Vec::with_capacity(rates.len());
        for i in 0..rates.len() {
            let p = rates[i];
            let h = 1e-5 * p.min(1.0 - p).max(1e-12);
            let (lo, hi) = ((p - h).max(0.0), (p + h).min(1.0));
            rates[i] = hi;
            let up = link.apply(self.operator.apply(&rates).ok()?);
            rates[i] = lo;
            let down = link.apply(self.operator.apply(&rates).ok()?);
            rates[i] = p;
            let d = if hi > lo { (up - down) / (hi - lo) } else { 0.0 };
            out.push(d);
        }
        Some(out)
    }

    /// Variance of the composed prediction on the link scale, from the subtask fits' own
    /// uncertainty (`observation` false) or from one new observation of each subtask on
    /// `n[i]` items around its curve (`observation` true: the sampling error of an observed
    /// compound).
    fn variance_of(&self, x: f64, observation: Option<&[Option<f64>]>) -> Option<LinkVariance> {
        // For `all`, logit P = ln P − ln(1 − P): each subtask's variance is taken on its ln pᵢ
        // scale and weighted by (d logit P/d ln pᵢ)² = 1/(1 − P)²; otherwise on its rate scale,
        // weighted by (d link P/d pᵢ)².
        let product = self.operator.is_strict_product() && self.link() == Link::Logit;
        let scale = 1.0 / (1.0 - self.predict(x));
        let d = if product { Vec::new() } else { self.sensitivities(x)? };
        let mut total: Option<LinkVariance> = None;
        for (i, f) in self.fits.iter().enumerate() {
            let df = if f.variance_is_known() { f64::INFINITY } else { f.df() as f64 };
            let v = match (observation, product) {
                (None, true) => f.mean_se_ln(x).map(|s| s * s)?,
                (None, false) => f.mean_se(x).map(|s| s * s)?,
                (Some(n), true) => f.observation_variance(x, n[i])? / (f.predict(x) * f.predict(x)),
                (Some(n), false) => f.observation_variance(x, n[i])?,
            };
            let weighted = if product { v * scale * scale } else { d[i] * d[i] * v };
            let c = LinkVariance::component(weighted, df);
            total = Some(total.map_or(c, |t| t.plus(c)));
        }
        total.filter(|t| t.variance.is_finite())
    }

    /// Variance of the composed mean on the link scale, with its degrees of freedom.
    pub fn variance_link(&self, x: f64) -> Option<LinkVariance> {
        self.variance_of(x, None)
    }

    /// Variance on the link scale of a compound observed at x from subtask scores on
    /// `n[i]` items each (`None` for least-squares fits, whose residual variance stands in).
    pub fn observation_variance_link(&self, x: f64, n: &[Option<f64>]) -> Option<LinkVariance> {
        self.variance_of(x, Some(n))
    }

    /// Standard error of the composed prediction on the link scale.
    pub fn se_link(&self, x: f64) -> Option<f64> {
        self.variance_link(x).map(|v| v.variance.sqrt())
    }

    /// Interval for the composed mean at x, on the outcome scale.
    pub fn band(&self, x: f64, level: f64) -> Option<(f64, f64)> {
        let v = self.variance_link(x)?;
        self.interval(x, v, level)
    }

    /// The interval predict ± q·√v on the link scale at x, back on the outcome scale.
    pub fn interval(&self, x: f64, v: LinkVariance, level: f64) -> Option<(f64, f64)> {
        let link = self.link();
        let q = v.quantile(level)?;
        let centre = self.predict_link(x);
        let half = q * v.variance.sqrt();
        if !(centre.is_finite() && half.is_finite()) {
            return None;
        }
        let (a, b) = (link.inverse(centre - half), link.inverse(centre + half));
        Some((a.min(b), a.max(b)))
    }
}

/// The logistic fits of a group's subtasks, or why one is missing.
fn subtask_logistics(series: &[Series], key: &GroupKey) -> Result<Vec<FittedCurve>, String> {
    series
        .iter()
        .filter(|s| &s.key == key && s.kind == SeriesKind::Subtask)
        .map(|s| {
            let report = s.fits.iter().find(|f| f.model == ModelKind::Logistic);
            match report.map(|r| &r.fit) {
                Some(Ok(curve)) if curve.converged => Ok(curve.clone()),
                Some(Ok(curve)) => Err(format!(
                    "the logistic fit of subtask {:?} did not converge{}",
                    s.name,
                    curve.convergence_note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
                )),
                Some(Err(e)) => Err(format!("subtask {:?} has no logistic fit: {e}", s.name)),
                None => Err(format!(
                    "subtask {:?} has no logistic fit: {}",
                    s.name,
                    s.fit_note.as_deref().unwrap_or("not fitted")
                )),
            }
        })
        .collect()
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
        assert!((quantile(2.0, 0.95).unwrap() - 4.302652729749464).abs() < 1e-9);
        assert!((quantile(30.0, 0.95).unwrap() - 2.0422724563012373).abs() < 1e-9);
        assert_eq!(quantile(0.0, 0.95), None);
    }

    /// Issue 13: a product of 18 low-rate subtasks (about 10⁻²⁷) is composed in log space: the
    /// prediction equals the product of the fits' own predictions, and every point lies inside
    /// its own band (a clamp at 1e-12 put 183 of 647 real composed points outside theirs).
    #[test]
    fn issue_13_tiny_products_keep_their_digits_and_their_bands() {
        use crate::analyze::fit::{fit_observations, FitSpec, ModelKind, Observations};
        let x = [8.0, 8.5, 9.0, 9.5, 10.0, 10.5];
        let n = [500.0; 6];
        let spec = FitSpec { kind: ModelKind::Logistic, floor: 0.0, higher_is_better: true, is_rate: true };
        let fits: Vec<FittedCurve> = (0..18)
            .map(|j| {
                // Rates rising from about 1–2% to 15–25%: hand-picked counts per 500 items.
                let y: Vec<f64> = [6.0, 10.0, 17.0, 30.0, 52.0, 90.0]
                    .iter()
                    .map(|c| (c + (j % 4) as f64) / 500.0)
                    .collect();
                fit_observations(&spec, &Observations { x: &x, y: &y, n: Some(&n) }).expect("fit")
            })
            .collect();
        assert!(fits.iter().all(|f| f.converged));
        let all: Operator = "all".parse().expect("operator");
        let model = ComposedModel::new(all, fits.clone());
        for &xi in &x {
            let ln_direct: f64 = fits.iter().map(|f| f.predict(xi).ln()).sum();
            assert!((model.predict_ln(xi) - ln_direct).abs() < 1e-9 * ln_direct.abs());
            let p = model.predict(xi);
            let (lo, hi) = model.band(xi, 0.95).expect("band");
            assert!(lo < p && p < hi, "x {xi}: {lo:e} < {p:e} < {hi:e}");
            assert!(hi / lo < 1e6, "x {xi}: a band, not a shrug: {lo:e}..{hi:e}");
        }
        assert!(model.predict(8.0) < 1e-25, "{:e}", model.predict(8.0));
    }

    /// Welch–Satterthwaite: two components with 4 and 8 degrees of freedom and variances 1
    /// and 2 give ν = 3²/(1/4 + 4/8) = 12 (by hand); a known variance adds no spread.
    #[test]
    fn satterthwaite_degrees_of_freedom() {
        let v = LinkVariance::component(1.0, 4.0).plus(LinkVariance::component(2.0, 8.0));
        assert!((v.variance - 3.0).abs() < 1e-15 && (v.df - 12.0).abs() < 1e-12, "{v:?}");
        let known =
            LinkVariance::component(1.0, f64::INFINITY).plus(LinkVariance::component(1.0, f64::INFINITY));
        assert!(known.df.is_infinite());
        // scipy.stats.norm.ppf(0.975) = 1.959963984540054.
        assert!((known.quantile(0.95).unwrap() - 1.959963984540054).abs() < 1e-12);
    }

    #[test]
    fn logit_link_round_trips() {
        for p in [1e-6, 0.01, 0.5, 0.99] {
            assert!((Link::Logit.inverse(Link::Logit.apply(p)) - p).abs() < 1e-12);
        }
    }
}
