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

use nalgebra::DMatrix;

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

/// One model size of item-level data: the subtasks were scored on the same `n` items, and
/// one item's outcomes covary across subtasks (the hard items are hard on every subtask).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemPoint {
    /// log10 size.
    pub x: f64,
    /// Items, each scored on every subtask.
    pub n: f64,
    /// k × k covariance of one item's outcomes on the subtasks (in the fits' order).
    pub covariance: DMatrix<f64>,
}

impl ItemPoint {
    /// From (outcome pattern, items) pairs, bit j being subtask j.
    pub fn from_patterns(x: f64, k: usize, patterns: &[(u64, u64)]) -> Option<Self> {
        let n: f64 = patterns.iter().map(|p| p.1 as f64).sum();
        if n <= 0.0 {
            return None;
        }
        let bit = |p: u64, j: usize| f64::from(u8::from(p >> j & 1 == 1));
        let mean: Vec<f64> =
            (0..k).map(|j| patterns.iter().map(|&(p, c)| bit(p, j) * c as f64).sum::<f64>() / n).collect();
        let covariance = DMatrix::from_fn(k, k, |a, b| {
            let both: f64 = patterns.iter().map(|&(p, c)| bit(p, a) * bit(p, b) * c as f64).sum();
            both / n - mean[a] * mean[b]
        });
        Some(ItemPoint { x, n, covariance })
    }
}

/// Level of the Pearson X² test for overdispersion of [`ComposedModel::testing_overdispersion`].
pub const OVERDISPERSION_TEST_LEVEL: f64 = 0.05;

/// The p quantile of χ² with `df` degrees of freedom.
fn chi_squared_quantile(df: f64, p: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    ChiSquared::new(df).map_or(f64::INFINITY, |c| c.inverse_cdf(p))
}

/// A dispersion shared by the subtask fits, with its degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dispersion {
    phi: f64,
    df: f64,
}

/// Subtask fits composed with an operator.
#[derive(Debug, Clone)]
pub struct ComposedModel {
    pub operator: Operator,
    pub fits: Vec<FittedCurve>,
    /// The points the fits were fitted to, when they are item-level data: their outcomes'
    /// covariance makes the fits covary. Empty otherwise (the fits are independent).
    items: Vec<ItemPoint>,
    /// Whether the pooled dispersion is used only when the subtasks' Pearson X² rejects
    /// the binomial variance (see [`ComposedModel::testing_overdispersion`]).
    test_overdispersion: bool,
}

impl ComposedModel {
    pub fn new(operator: Operator, fits: Vec<FittedCurve>) -> Self {
        ComposedModel { operator, fits, items: Vec::new(), test_overdispersion: false }
    }

    /// The same model with the binomial variance kept (φ = 1) unless the fits' pooled Pearson
    /// X² exceeds its χ² critical value at [`OVERDISPERSION_TEST_LEVEL`] (Collett 2003, §6.2:
    /// a heterogeneity factor only where the residual deviance shows overdispersion). The
    /// held-out check uses it: a truncated φ = max(1, X²/df) is biased upwards when the counts
    /// are binomial, and with Student's t on top it cost the check a tenth of its power.
    pub fn testing_overdispersion(mut self) -> Self {
        self.test_overdispersion = true;
        self
    }

    /// The same model with the fits' points as item-level data (see [`ItemPoint`]).
    pub fn with_items(mut self, items: Vec<ItemPoint>) -> Self {
        self.items = items;
        self
    }

    /// The composed model of group `g` under `op`, from its subtasks' converged logistic fits
    /// in `series` (the group's own series); or why a subtask has none.
    pub fn of_group(series: &[Series], g: &Group, op: &Operator) -> Result<Self, String> {
        Ok(ComposedModel::new(op.clone(), subtask_logistics(series, &g.key)?))
    }

    fn rates(&self, x: f64) -> Vec<f64> {
        self.fits.iter().map(|f| f.predict(x).clamp(0.0, 1.0)).collect()
    }

    pub fn link(&self) -> Link {
        Link::of(&self.operator)
    }

    /// The subtask fits' pooled quasi-binomial dispersion φ ≥ 1 (None for least squares).
    pub fn dispersion(&self) -> Option<f64> {
        self.pooled_dispersion().map(|d| d.phi)
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
    fn variance_of(
        &self,
        x: f64,
        observation: Option<(&[Option<f64>], Option<&ItemPoint>)>,
    ) -> Option<LinkVariance> {
        // For `all`, logit P = ln P − ln(1 − P): each subtask's variance is taken on its ln pᵢ
        // scale and weighted by (d logit P/d ln pᵢ)² = 1/(1 − P)²; otherwise on its rate scale,
        // weighted by (d link P/d pᵢ)².
        let product = self.operator.is_strict_product() && self.link() == Link::Logit;
        let scale = 1.0 / (1.0 - self.predict(x));
        let d = if product { Vec::new() } else { self.sensitivities(x)? };
        let weight = |i: usize| if product { scale } else { d[i] };
        let observation_items = observation.and_then(|o| o.1);
        let observation = observation.map(|o| o.0);
        let pooled = self.pooled_dispersion();
        let mut total: Option<LinkVariance> = None;
        for (i, f) in self.fits.iter().enumerate() {
            let (rescale, df) = match (pooled, f.dispersion) {
                (Some(p), Some(phi)) => (p.phi / phi, p.df),
                _ if f.variance_is_known() => (1.0, f64::INFINITY),
                _ => (1.0, f.df() as f64),
            };
            let v = rescale
                * match (observation, product) {
                    (None, true) => f.mean_se_ln(x).map(|s| s * s)?,
                    (None, false) => f.mean_se(x).map(|s| s * s)?,
                    (Some(n), true) => f.observation_variance(x, n[i])? / (f.predict(x) * f.predict(x)),
                    (Some(n), false) => f.observation_variance(x, n[i])?,
                };
            let weighted = if product { v * scale * scale } else { d[i] * d[i] * v };
            let c = LinkVariance::component(weighted, df);
            total = Some(match (total, pooled) {
                // One dispersion estimate shared by every fit: its variances add, and so do
                // their degrees of freedom, which Welch–Satterthwaite would count again.
                (Some(t), Some(_)) => LinkVariance::component(t.variance + weighted, df),
                (Some(t), None) => t.plus(c),
                (None, _) => c,
            });
        }
        // Subtasks scored on the same items covary; the covariance is known from the items.
        let cross = match (observation, observation_items) {
            (Some(_), Some(point)) => self.observation_cross(x, point, product, &weight)?,
            (None, _) if !self.items.is_empty() => self.fit_cross(x, product, &weight)?,
            _ => 0.0,
        };
        let total = total.map(|t| t.plus(LinkVariance::component(cross, f64::INFINITY)));
        total.filter(|t| t.variance.is_finite() && t.variance >= 0.0)
    }

    /// One quasi-binomial dispersion for every subtask fit, when all are binomial:
    /// φ = max(1, ΣX²ⱼ/Σdfⱼ) with Σdfⱼ degrees of freedom (infinite when φ = 1, the binomial
    /// variance then being taken as known). A subtask fit's own φⱼ rests on n − 2 or n − 3
    /// degrees of freedom (3 or 4 with six sizes), so max(1, X²ⱼ/dfⱼ) is biased upwards and
    /// its t quantile wide: per fit, the composed band covered 97.6% and the held-out check
    /// lost a tenth of its power in the calibration runs (BENCHMARKS.md). The subtasks of one
    /// task are scored by one evaluation, so one dispersion is the natural model.
    fn pooled_dispersion(&self) -> Option<Dispersion> {
        let (mut chi2, mut df) = (0.0, 0usize);
        for f in &self.fits {
            chi2 += f.pearson_chi2()?;
            df += f.df();
        }
        (df > 0).then(|| {
            let binomial = self.test_overdispersion
                && chi2 <= chi_squared_quantile(df as f64, 1.0 - OVERDISPERSION_TEST_LEVEL);
            let phi = if binomial { 1.0 } else { (chi2 / df as f64).max(1.0) };
            Dispersion { phi, df: if phi > 1.0 { df as f64 } else { f64::INFINITY } }
        })
    }

    /// Σ_{j≠l} wⱼwₗ·Cov(estimateⱼ(x), estimateₗ(x)) for fits to outcomes of the same items:
    /// Σ over the points of influenceⱼ·influenceₗ·Cov(outcomeⱼ, outcomeₗ)/n (see
    /// [`FittedCurve::influence`]); estimates are ln μ for `all`, μ otherwise.
    fn fit_cross(&self, x: f64, ln: bool, weight: &dyn Fn(usize) -> f64) -> Option<f64> {
        let k = self.fits.len();
        let mut total = 0.0;
        for point in &self.items {
            let a = self
                .fits
                .iter()
                .map(|f| f.influence(x, point.x, point.n, ln))
                .collect::<Option<Vec<f64>>>()?;
            for j in 0..k {
                for l in (0..k).filter(|&l| l != j) {
                    total += weight(j) * weight(l) * a[j] * a[l] * point.covariance[(j, l)] / point.n;
                }
            }
        }
        Some(total)
    }

    /// The same for one new observation of every subtask on the items of `point`, around the
    /// fits' rates at x: Cov(ln p̂ⱼ, ln p̂ₗ) = Cov(outcomeⱼ, outcomeₗ)/(n·μⱼμₗ) for `all`.
    fn observation_cross(
        &self,
        x: f64,
        point: &ItemPoint,
        ln: bool,
        weight: &dyn Fn(usize) -> f64,
    ) -> Option<f64> {
        let k = self.fits.len();
        let mu: Vec<f64> = self.fits.iter().map(|f| f.predict(x)).collect();
        let mut total = 0.0;
        for j in 0..k {
            for l in (0..k).filter(|&l| l != j) {
                let per = if ln { 1.0 / (mu[j] * mu[l]) } else { 1.0 };
                total += weight(j) * weight(l) * per * point.covariance[(j, l)] / point.n;
            }
        }
        total.is_finite().then_some(total)
    }

    /// Variance of the composed mean on the link scale, with its degrees of freedom.
    pub fn variance_link(&self, x: f64) -> Option<LinkVariance> {
        self.variance_of(x, None)
    }

    /// Variance on the link scale of a compound observed at x from subtask scores on
    /// `n[i]` items each (`None` for least-squares fits, whose residual variance stands in).
    /// With `items` (item-level data at x), the subtasks' outcomes covary as theirs do.
    pub fn observation_variance_link(
        &self,
        x: f64,
        n: &[Option<f64>],
        items: Option<&ItemPoint>,
    ) -> Option<LinkVariance> {
        self.variance_of(x, Some((n, items)))
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

    fn fit_of(correct: &[f64], n: f64) -> FittedCurve {
        use crate::analyze::fit::{fit_observations, FitSpec, ModelKind, Observations};
        let x: Vec<f64> = (0..correct.len()).map(|i| 8.0 + 0.5 * i as f64).collect();
        let y: Vec<f64> = correct.iter().map(|c| c / n).collect();
        let ns = vec![n; x.len()];
        let spec = FitSpec { kind: ModelKind::Logistic, floor: 0.0, higher_is_better: true, is_rate: true };
        fit_observations(&spec, &Observations { x: &x, y: &y, n: Some(&ns) }).expect("fit")
    }

    /// Covariance of one item's outcomes from its patterns, by hand: of 10 items, 4 correct on
    /// both subtasks, 1 on the first only, 5 on neither: means 0.5 and 0.4, E[XY] = 0.4,
    /// Cov = 0.4 − 0.2 = 0.2, Var = 0.25 and 0.24.
    #[test]
    fn item_covariance_from_patterns() {
        let p = ItemPoint::from_patterns(9.0, 2, &[(0b11, 4), (0b01, 1), (0b00, 5)]).expect("items");
        assert_eq!(p.n, 10.0);
        assert!((p.covariance[(0, 1)] - 0.2).abs() < 1e-15);
        assert!((p.covariance[(0, 0)] - 0.25).abs() < 1e-15);
        assert!((p.covariance[(1, 1)] - 0.24).abs() < 1e-15);
        assert_eq!(ItemPoint::from_patterns(9.0, 2, &[]), None);
    }

    /// The influences reproduce the fit's own variance: Σᵢ aᵢ²·μᵢ(1 − μᵢ)/nᵢ = hᵀI⁻¹h, which is
    /// the delta-method variance of ln μ̂(x) over φ (here φ = 1 by construction of the data).
    #[test]
    fn influences_add_up_to_the_fit_variance() {
        let n = 400.0;
        let f = fit_of(&[8.0, 20.0, 52.0, 120.0, 230.0, 320.0], n);
        let phi = f.dispersion.expect("binomial");
        for x in [8.0, 9.5, 11.0] {
            let by_influence: f64 = (0..6)
                .map(|i| {
                    let at = 8.0 + 0.5 * i as f64;
                    let a = f.influence(x, at, n, true).expect("influence");
                    let mu = f.predict(at);
                    a * a * mu * (1.0 - mu) / n
                })
                .sum();
            let direct = f.mean_se_ln(x).expect("se").powi(2) / phi;
            assert!((by_influence - direct).abs() < 1e-9 * direct, "x {x}: {by_influence} vs {direct}");
        }
    }

    /// Two subtasks scored on the same items with identical outcomes (every item right on
    /// both or on neither) are one measurement counted twice: Var(ln p̂₁ + ln p̂₂) = 4·Var ln p̂,
    /// twice what independent subtasks give.
    #[test]
    fn subtasks_on_the_same_items_covary() {
        let n = 400.0;
        let correct = [8.0, 20.0, 52.0, 120.0, 230.0, 320.0];
        let f = fit_of(&correct, n);
        let all: Operator = "all".parse().expect("operator");
        let independent = ComposedModel::new(all.clone(), vec![f.clone(), f.clone()]);
        let items: Vec<ItemPoint> = correct
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let patterns = [(0b11, c as u64), (0b00, (n - c) as u64)];
                ItemPoint::from_patterns(8.0 + 0.5 * i as f64, 2, &patterns).expect("items")
            })
            .collect();
        let shared = independent.clone().with_items(items);
        for x in [8.0, 10.0, 11.0] {
            let v0 = independent.variance_link(x).expect("variance").variance;
            let v1 = shared.variance_link(x).expect("variance").variance;
            // The item covariance is the empirical one, the fit's the fitted μ(1 − μ): equal
            // only up to the fit's residuals, so the ratio is 2 to within a few percent.
            assert!((v1 / v0 - 2.0).abs() < 0.05, "x {x}: ratio {}", v1 / v0);
        }
    }

    /// One dispersion for the task: φ = max(1, ΣX²ⱼ/Σdfⱼ), with Σdfⱼ degrees of freedom.
    #[test]
    fn one_dispersion_is_pooled_over_the_subtasks() {
        let n = 300.0;
        let smooth = fit_of(&[9.0, 21.0, 50.0, 110.0, 180.0, 240.0], n);
        let noisy = fit_of(&[9.0, 35.0, 40.0, 130.0, 160.0, 250.0], n);
        let all: Operator = "all".parse().expect("operator");
        let model = ComposedModel::new(all, vec![smooth.clone(), noisy.clone()]);
        let chi2 = smooth.pearson_chi2().unwrap() + noisy.pearson_chi2().unwrap();
        let df = (smooth.df() + noisy.df()) as f64;
        let d = model.pooled_dispersion().expect("pooled");
        assert!(chi2 / df > 1.0, "the example needs over-dispersion: {}", chi2 / df);
        assert!((d.phi - chi2 / df).abs() < 1e-12 && d.df == df, "{d:?}");
        // Each fit's variance is rescaled from its own φⱼ to the pooled φ.
        let x = 10.0;
        let expected: f64 = [&smooth, &noisy]
            .iter()
            .map(|f| f.mean_se_ln(x).unwrap().powi(2) / f.dispersion.unwrap() * d.phi)
            .sum::<f64>()
            / (1.0 - model.predict(x)).powi(2);
        let v = model.variance_link(x).expect("variance");
        assert!((v.variance - expected).abs() < 1e-12 * expected && v.df == df, "{v:?}");
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
