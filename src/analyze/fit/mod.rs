//! Curve fitting of a score y against x = log10(parameter count) for short series
//! (4 to about 12 models): a straight line, a logistic with a fixed floor, and a
//! smoothly broken power law (Caballero et al. 2022, "Broken Neural Scaling Laws",
//! eq. 1 with one break).
//!
//! Fits are ordinary least squares solved by Levenberg-Marquardt from several
//! deterministic starting points; the best converged one (lowest RSS) is kept.
//! Standard errors follow `scipy.optimize.curve_fit` with `absolute_sigma=False`:
//! covariance s²·(JᵀJ)⁻¹, s² = RSS/(n − k), J the Jacobian of the residuals with
//! respect to the natural parameters at the optimum. Reference values for the tests
//! come from `tests/reference/fit_reference.py`.

mod shapes;

use std::cell::RefCell;

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt, MinimizationReport};
use nalgebra::allocator::{Allocator, Reallocator};
use nalgebra::storage::Owned;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, Dim, DimMax, DimMaximum, DimMin, Dyn, OMatrix, OVector, U2, U3, U6,
};
use statrs::distribution::{ContinuousCDF, StudentsT};

use shapes::{Shape, Terms};

/// Which curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// y = a + b·x.
    Linear,
    /// y = floor + (c − floor)·σ(s·(x − m)), the floor fixed.
    Logistic,
    /// Smoothly broken power law with one break, in N = 10^x.
    BrokenPowerLaw,
}

impl ModelKind {
    /// Every kind, in the order of increasing flexibility.
    pub const ALL: [ModelKind; 3] = [ModelKind::Linear, ModelKind::Logistic, ModelKind::BrokenPowerLaw];

    /// The kind's name as shown to users: "linear", "logistic" or "broken-power-law".
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Linear => "linear",
            ModelKind::Logistic => "logistic",
            ModelKind::BrokenPowerLaw => "broken-power-law",
        }
    }
}

/// What to fit and the fixed facts about the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSpec {
    /// Which curve.
    pub kind: ModelKind,
    /// Logistic lower asymptote, fixed (the chance level; 0 when none is given).
    pub floor: f64,
    /// Whether the series rises with scale (accuracy) or falls (edit distance, loss).
    pub higher_is_better: bool,
    /// Whether y is a rate in [0, 1]: bounds the logistic ceiling to (floor, 1].
    pub is_rate: bool,
}

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Parameter name, e.g. "midpoint".
    pub name: &'static str,
    /// Point estimate.
    pub value: f64,
    /// Standard error (curve_fit convention); `None` when the covariance is unavailable.
    pub se: Option<f64>,
}

/// A fitted curve with its fit statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedCurve {
    /// Which curve.
    pub kind: ModelKind,
    /// Natural parameters, named, in the curve's order.
    pub parameters: Vec<Estimate>,
    /// Residual sum of squares.
    pub rss: f64,
    /// Number of points fitted.
    pub n: usize,
    /// Number of free parameters.
    pub k: usize,
    /// Small-sample Akaike criterion n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1); `None` when n−k−1 ≤ 0 or RSS = 0.
    pub aicc: Option<f64>,
    /// Why `aicc` is `None`.
    pub aicc_note: Option<String>,
    /// Whether Levenberg-Marquardt reported success and the result is finite.
    pub converged: bool,
    /// Why the fit is not converged, or why standard errors are unavailable.
    pub convergence_note: Option<String>,
    shape: Shape,
    higher_is_better: bool,
    theta: Vec<f64>,
    /// Covariance of the natural parameters, s²·(JᵀJ)⁻¹.
    covariance: Option<DMatrix<f64>>,
    /// Residual variance RSS/(n − k), when n > k.
    sigma2: Option<f64>,
}

/// Why a fit could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Too few points, or too few distinct x values.
    #[error("needs at least {needed} points with distinct x, got {got}")]
    TooFewPoints {
        /// The minimum required.
        needed: usize,
        /// What the data has.
        got: usize,
    },
    /// An x, y or the floor is NaN or infinite.
    #[error("x, y and the floor must be finite numbers (found NaN or infinity)")]
    NonFinite,
    /// Every starting point failed.
    #[error("the fit did not converge from any starting point: {0}")]
    NoConvergence(String),
    /// The inputs contradict each other (x and y of different lengths, a rate floor of 1 or more).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Levenberg-Marquardt stops a start after PATIENCE·(k + 1) evaluations of the residuals.
const PATIENCE: usize = 100;

/// Relative tolerances of Levenberg–Marquardt (ftol, xtol, gtol): far below any
/// difference the statistics can see, far above the crate's default 30·ε, which sends
/// starts near a bound (a ceiling at 1) to the end of their patience.
const TOLERANCE: f64 = 1e-12;

/// Multi-start stops early once this many converged starts reached the same best RSS
/// (relative 1e-7) and at least [`MIN_STARTS`] were tried.
const AGREEING_STARTS: usize = 2;
const MIN_STARTS: usize = 3;

/// Fits the curve. Requires n >= max(4, k) points with finite values and at least 3 distinct x.
pub fn fit(spec: &FitSpec, x: &[f64], y: &[f64]) -> Result<FittedCurve, FitError> {
    fit_from(spec, x, y, None)
}

/// Fits from one starting point only, `warm`'s parameters (e.g. the same curve fitted
/// to a superset of the points); falls back to every deterministic start when that
/// start does not converge.
pub fn fit_warm(spec: &FitSpec, x: &[f64], y: &[f64], warm: &FittedCurve) -> Result<FittedCurve, FitError> {
    if warm.kind == spec.kind {
        if let Ok(curve) = fit_from(spec, x, y, Some(vec![warm.theta.clone()])) {
            if curve.converged {
                return Ok(curve);
            }
        }
    }
    fit(spec, x, y)
}

fn fit_from(
    spec: &FitSpec,
    x: &[f64],
    y: &[f64],
    starts: Option<Vec<Vec<f64>>>,
) -> Result<FittedCurve, FitError> {
    validate(spec, x, y)?;
    let shape = shape_for(spec, x);
    let k = shape.k();
    let needed = k.max(4);
    if x.len() < needed {
        return Err(FitError::TooFewPoints { needed, got: x.len() });
    }
    let distinct = count_distinct(x);
    if distinct < 3 {
        return Err(FitError::TooFewPoints { needed: 3, got: distinct });
    }

    let solver = LevenbergMarquardt::new()
        .with_patience(PATIENCE)
        .with_ftol(TOLERANCE)
        .with_xtol(TOLERANCE)
        .with_gtol(TOLERANCE);
    // (rss, converged, theta, termination reason)
    let mut best: Option<(f64, bool, Vec<f64>, String)> = None;
    let mut failures = Vec::new();
    // Converged starts that reached the best RSS so far, the first included.
    let mut agreeing = 0usize;
    for (tried, start) in starts.unwrap_or_else(|| shape.starts(x, y)).into_iter().enumerate() {
        if tried >= MIN_STARTS && agreeing >= AGREEING_STARTS {
            break;
        }
        let Some(phi) = shape.to_internal(&start) else { continue };
        let (phi, report) = minimize(&solver, shape, x, y, phi);
        let theta = shape.to_natural(&phi);
        let rss = rss_of(shape, &theta, x, y);
        if !(rss.is_finite() && theta.iter().all(|v| v.is_finite())) {
            failures.push(format!("{:?}", report.termination));
            continue;
        }
        let converged = report.termination.was_successful();
        let same_optimum = |best_rss: f64| (rss - best_rss).abs() <= 1e-7 * best_rss.max(1e-300) + 1e-300;
        let better = match &best {
            None => true,
            Some((best_rss, best_converged, _, _)) => {
                (converged && !best_converged)
                    || (converged == *best_converged && rss < *best_rss && !same_optimum(*best_rss))
            }
        };
        if better {
            agreeing = usize::from(converged);
            best = Some((rss, converged, theta, format!("{:?}", report.termination)));
        } else if converged && best.as_ref().is_some_and(|b| b.1 && same_optimum(b.0)) {
            agreeing += 1;
        }
    }
    let Some((rss, converged, theta, termination)) = best else {
        failures.dedup();
        let why =
            if failures.is_empty() { "no usable starting point".to_string() } else { failures.join(", ") };
        return Err(FitError::NoConvergence(why));
    };
    Ok(finish(spec, shape, theta, rss, converged, termination, x))
}

/// The check of a fit against the point it did not see.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutCheck {
    /// The held-out (largest) x.
    pub x: f64,
    /// The observed y there.
    pub observed: f64,
    /// The prediction of the fit without that point.
    pub predicted: f64,
    /// observed − predicted.
    pub error: f64,
    /// Prediction interval at `level` from the fit without that point.
    pub interval: Option<(f64, f64)>,
    /// Whether the observation lies inside `interval`.
    pub inside: Option<bool>,
}

/// Refits without the point with the largest x and predicts it. Err when the remaining points are too few.
/// When several points share the largest x, the first of them is held out.
/// With `warm`, the refit starts from that curve (see [`fit_warm`]).
pub fn holdout_largest(
    spec: &FitSpec,
    x: &[f64],
    y: &[f64],
    level: f64,
    warm: Option<&FittedCurve>,
) -> Result<HoldoutCheck, FitError> {
    validate(spec, x, y)?;
    let Some(held) = (0..x.len()).reduce(|a, b| if x[b] > x[a] { b } else { a }) else {
        return Err(FitError::TooFewPoints { needed: 4, got: 0 });
    };
    let rest_x: Vec<f64> = x.iter().enumerate().filter(|&(i, _)| i != held).map(|(_, &v)| v).collect();
    let rest_y: Vec<f64> = y.iter().enumerate().filter(|&(i, _)| i != held).map(|(_, &v)| v).collect();
    let curve = match warm {
        Some(w) => fit_warm(spec, &rest_x, &rest_y, w)?,
        None => fit(spec, &rest_x, &rest_y)?,
    };
    let predicted = curve.predict(x[held]);
    let interval = curve.prediction_interval(x[held], level);
    let observed = y[held];
    Ok(HoldoutCheck {
        x: x[held],
        observed,
        predicted,
        error: observed - predicted,
        interval,
        inside: interval.map(|(lo, hi)| lo <= observed && observed <= hi),
    })
}

impl FittedCurve {
    /// The fitted curve at `x` (NaN for NaN `x`).
    pub fn predict(&self, x: f64) -> f64 {
        self.shape.value(&self.theta, x)
    }

    /// Standard error of the fitted mean at x (delta method, gradient of the curve w.r.t. the
    /// parameters, covariance below). None when the covariance is unavailable.
    pub fn mean_se(&self, x: f64) -> Option<f64> {
        let cov = self.covariance.as_ref()?;
        let mut g = vec![0.0; self.k];
        self.shape.gradient(&self.theta, x, &mut g);
        let g = DVector::from_vec(g);
        let var = (g.transpose() * cov * &g)[(0, 0)];
        // Rounding can leave a tiny negative variance; NaN (from a NaN x) stays None.
        var.is_finite().then(|| var.max(0.0).sqrt())
    }

    /// Two-sided interval for the fitted mean at x: ŷ ± t_{n-k,(1+level)/2} · mean_se.
    /// None when the covariance is unavailable or `level` is not in (0, 1).
    pub fn confidence_band(&self, x: f64, level: f64) -> Option<(f64, f64)> {
        let half = self.t_quantile(level)? * self.mean_se(x)?;
        let mid = self.predict(x);
        (mid.is_finite() && half.is_finite()).then_some((mid - half, mid + half))
    }

    /// Two-sided interval for a new observation at x: ŷ ± t_{n-k,(1+level)/2} · sqrt(s² + mean_se²),
    /// s² = RSS/(n-k). None when n <= k, the covariance is unavailable or `level` is not in (0, 1).
    pub fn prediction_interval(&self, x: f64, level: f64) -> Option<(f64, f64)> {
        let s2 = self.sigma2?;
        let se = self.mean_se(x)?;
        let half = self.t_quantile(level)? * (s2 + se * se).sqrt();
        let mid = self.predict(x);
        (mid.is_finite() && half.is_finite()).then_some((mid - half, mid + half))
    }

    /// Smallest x in [lo, hi] where the fitted curve crosses `threshold` (in the direction of
    /// improvement), found on a fine grid then refined by bisection; None when it does not cross in
    /// the range. A curve already at or past the threshold at `lo` has not crossed there: the first
    /// crossing after it falls back short of the threshold is reported, if any.
    pub fn first_crossing(&self, threshold: f64, lo: f64, hi: f64) -> Option<f64> {
        const STEPS: usize = 2000;
        if !(lo.is_finite() && hi.is_finite() && threshold.is_finite() && lo < hi) {
            return None;
        }
        // gain >= 0 means "at or past the threshold" in the direction of improvement.
        let gain = |x: f64| {
            let v = self.predict(x) - threshold;
            if self.higher_is_better {
                v
            } else {
                -v
            }
        };
        let at = |i: usize| if i == STEPS { hi } else { lo + (hi - lo) * (i as f64) / (STEPS as f64) };
        let mut prev = gain(lo);
        for i in 1..=STEPS {
            let cur = gain(at(i));
            if prev < 0.0 && cur >= 0.0 {
                let (mut a, mut b) = (at(i - 1), at(i));
                for _ in 0..200 {
                    let mid = 0.5 * (a + b);
                    if mid <= a || mid >= b {
                        break;
                    }
                    if gain(mid) >= 0.0 {
                        b = mid;
                    } else {
                        a = mid;
                    }
                }
                return Some(b);
            }
            prev = cur;
        }
        None
    }

    /// t_{n-k,(1+level)/2}.
    fn t_quantile(&self, level: f64) -> Option<f64> {
        if !(level > 0.0 && level < 1.0) || self.n <= self.k {
            return None;
        }
        let t = StudentsT::new(0.0, 1.0, (self.n - self.k) as f64).ok()?;
        let q = t.inverse_cdf(0.5 * (1.0 + level));
        q.is_finite().then_some(q)
    }
}

fn validate(spec: &FitSpec, x: &[f64], y: &[f64]) -> Result<(), FitError> {
    if x.len() != y.len() {
        return Err(FitError::InvalidInput(format!("{} x values but {} y values", x.len(), y.len())));
    }
    if !(spec.floor.is_finite() && x.iter().chain(y).all(|v| v.is_finite())) {
        return Err(FitError::NonFinite);
    }
    if spec.kind == ModelKind::Logistic && spec.is_rate && spec.floor >= 1.0 {
        return Err(FitError::InvalidInput(format!(
            "a rate's floor must be below 1 (the ceiling is bounded to (floor, 1]), got {}",
            spec.floor
        )));
    }
    Ok(())
}

fn shape_for(spec: &FitSpec, x: &[f64]) -> Shape {
    match spec.kind {
        ModelKind::Linear => Shape::Linear,
        ModelKind::Logistic => Shape::Logistic { floor: spec.floor, bounded: spec.is_rate },
        ModelKind::BrokenPowerLaw => Shape::BrokenPowerLaw {
            sign: if spec.higher_is_better { -1.0 } else { 1.0 },
            x_ref: x.iter().sum::<f64>() / (x.len().max(1) as f64),
        },
    }
}

fn count_distinct(x: &[f64]) -> usize {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    sorted.len()
}

fn rss_of(shape: Shape, theta: &[f64], x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(&xi, &yi)| (shape.value(theta, xi) - yi).powi(2)).sum()
}

/// Builds the fitted curve and its statistics from the optimum.
fn finish(
    spec: &FitSpec,
    shape: Shape,
    theta: Vec<f64>,
    rss: f64,
    converged: bool,
    termination: String,
    x: &[f64],
) -> FittedCurve {
    let (n, k) = (x.len(), shape.k());
    let mut notes = Vec::new();
    if !converged {
        notes.push(format!("Levenberg-Marquardt stopped without converging: {termination}"));
    }
    let sigma2 = (n > k).then(|| rss / (n - k) as f64);
    let covariance = match sigma2 {
        None => {
            notes.push(format!(
                "standard errors unavailable: {n} points leave no degrees of freedom for {k} parameters"
            ));
            None
        }
        Some(s2) => {
            let cov = covariance(shape, &theta, x, s2);
            if cov.is_none() {
                notes.push("standard errors unavailable: singular Jacobian".to_string());
            }
            cov
        }
    };
    let parameters = shape
        .names()
        .iter()
        .zip(&theta)
        .enumerate()
        .map(|(i, (&name, &value))| Estimate {
            name,
            value,
            se: covariance.as_ref().map(|c| c[(i, i)].max(0.0).sqrt()),
        })
        .collect();
    let dof_aicc = n as f64 - k as f64 - 1.0;
    let (aicc, aicc_note) = if dof_aicc <= 0.0 {
        (None, Some(format!("AICc needs n - k - 1 > 0, got n = {n}, k = {k}")))
    } else if rss <= 0.0 {
        (None, Some("AICc undefined: the curve passes exactly through every point (RSS = 0)".to_string()))
    } else {
        let kf = k as f64;
        let nf = n as f64;
        (Some(nf * (rss / nf).ln() + 2.0 * kf + 2.0 * kf * (kf + 1.0) / dof_aicc), None)
    };
    FittedCurve {
        kind: spec.kind,
        parameters,
        rss,
        n,
        k,
        aicc,
        aicc_note,
        converged,
        convergence_note: (!notes.is_empty()).then(|| notes.join("; ")),
        shape,
        higher_is_better: spec.higher_is_better,
        theta,
        covariance,
        sigma2,
    }
}

/// s²·(JᵀJ)⁻¹ through the SVD of J (as scipy does); `None` when J is rank-deficient or not finite.
fn covariance(shape: Shape, theta: &[f64], x: &[f64], s2: f64) -> Option<DMatrix<f64>> {
    let (n, k) = (x.len(), shape.k());
    let mut jac = DMatrix::zeros(n, k);
    let mut g = vec![0.0; k];
    for (i, &xi) in x.iter().enumerate() {
        shape.gradient(theta, xi, &mut g);
        for (j, &gj) in g.iter().enumerate() {
            jac[(i, j)] = gj;
        }
    }
    if !jac.iter().all(|v| v.is_finite()) {
        return None;
    }
    let svd = jac.try_svd(false, true, f64::EPSILON, 10_000)?;
    let v_t = svd.v_t?;
    let s = &svd.singular_values;
    let s_max = s.iter().fold(0.0_f64, |a, &b| a.max(b));
    let threshold = f64::EPSILON * (n.max(k) as f64) * s_max;
    if s.len() < k || s.iter().any(|&v| v.is_nan() || v <= threshold) {
        return None;
    }
    // (JᵀJ)⁻¹ = V·diag(1/σ²)·Vᵀ.
    let mut scaled = v_t.clone();
    for (r, &sv) in s.iter().enumerate() {
        scaled.row_mut(r).scale_mut(1.0 / (sv * sv));
    }
    let cov = v_t.transpose() * scaled * s2;
    cov.iter().all(|v| v.is_finite()).then_some(cov)
}

/// Runs Levenberg–Marquardt from the internal parameters `phi` and returns where it
/// stopped. The number of parameters is a type-level constant for the three curves, so
/// the solver's parameter-sized vectors and loops are fixed-size; the arithmetic is the
/// same as with dynamic sizes.
fn minimize(
    solver: &LevenbergMarquardt<f64>,
    shape: Shape,
    x: &[f64],
    y: &[f64],
    phi: Vec<f64>,
) -> (Vec<f64>, MinimizationReport<f64>) {
    fn run<K: Dim>(
        solver: &LevenbergMarquardt<f64>,
        shape: Shape,
        x: &[f64],
        y: &[f64],
        phi: OVector<f64, K>,
    ) -> (Vec<f64>, MinimizationReport<f64>)
    where
        DefaultAllocator: Allocator<K> + Reallocator<f64, Dyn, K, DimMaximum<Dyn, K>, K>,
        Dyn: DimMin<K> + DimMax<K>,
    {
        let (problem, report) = solver.minimize(Problem::new(shape, x, y, phi));
        (problem.phi.as_slice().to_vec(), report)
    }
    match phi.len() {
        2 => run(solver, shape, x, y, OVector::<f64, U2>::from_column_slice(&phi)),
        3 => run(solver, shape, x, y, OVector::<f64, U3>::from_column_slice(&phi)),
        6 => run(solver, shape, x, y, OVector::<f64, U6>::from_column_slice(&phi)),
        _ => run(solver, shape, x, y, DVector::from_vec(phi)),
    }
}

/// The least-squares problem in the internal (unconstrained) parameters, `K` of them.
struct Problem<'a, K: Dim>
where
    DefaultAllocator: Allocator<K>,
{
    shape: Shape,
    x: &'a [f64],
    y: &'a [f64],
    phi: OVector<f64, K>,
    /// The parameters of the last residuals and their terms at each x: the solver asks
    /// for the Jacobian where it last evaluated the residuals after every accepted step.
    last: RefCell<(Vec<u64>, Vec<Terms>)>,
}

impl<'a, K: Dim> Problem<'a, K>
where
    DefaultAllocator: Allocator<K>,
{
    fn new(shape: Shape, x: &'a [f64], y: &'a [f64], phi: OVector<f64, K>) -> Self {
        Problem { shape, x, y, phi, last: RefCell::new((Vec::new(), Vec::with_capacity(x.len()))) }
    }

    /// The natural parameters, in the first `k` entries.
    fn theta(&self) -> [f64; MAX_PARAMETERS] {
        let mut theta = [0.0; MAX_PARAMETERS];
        self.shape.to_natural_into(self.phi.as_slice(), &mut theta[..self.shape.k()]);
        theta
    }

    /// Whether `last` holds the terms at the current parameters (bit for bit).
    fn last_is_current(&self, bits: &[u64]) -> bool {
        bits.len() == self.phi.len() && bits.iter().zip(self.phi.iter()).all(|(b, v)| *b == v.to_bits())
    }
}

impl<K: Dim> LeastSquaresProblem<f64, Dyn, K> for Problem<'_, K>
where
    DefaultAllocator: Allocator<K> + Allocator<Dyn> + Allocator<Dyn, K>,
{
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, K>;
    type ParameterStorage = Owned<f64, K>;

    fn set_params(&mut self, phi: &OVector<f64, K>) {
        self.phi.copy_from(phi);
    }

    fn params(&self) -> OVector<f64, K> {
        self.phi.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        let theta = self.theta();
        let mut last = self.last.borrow_mut();
        let (bits, terms) = &mut *last;
        bits.clear();
        bits.extend(self.phi.iter().map(|v| v.to_bits()));
        terms.clear();
        terms.extend(self.x.iter().map(|&xi| self.shape.terms(&theta, xi)));
        // Non-finite residuals are returned as they are: the solver rejects such a step.
        Some(DVector::from_iterator(
            self.x.len(),
            terms.iter().zip(self.y).map(|(t, &yi)| self.shape.value_with(&theta, t) - yi),
        ))
    }

    fn jacobian(&self) -> Option<OMatrix<f64, Dyn, K>> {
        let k = self.shape.k();
        let theta = self.theta();
        let mut chain = [0.0; MAX_PARAMETERS];
        self.shape.chain(self.phi.as_slice(), &mut chain[..k]);
        let mut g = [0.0; MAX_PARAMETERS];
        let mut jac = OMatrix::<f64, Dyn, K>::zeros_generic(Dyn(self.x.len()), self.phi.shape_generic().0);
        let last = self.last.borrow();
        let cached = self.last_is_current(&last.0);
        for (i, &xi) in self.x.iter().enumerate() {
            let terms = if cached { last.1[i] } else { self.shape.terms(&theta[..k], xi) };
            self.shape.gradient_with(&theta[..k], xi, &terms, &mut g[..k]);
            for j in 0..k {
                jac[(i, j)] = g[j] * chain[j];
            }
        }
        Some(jac)
    }
}

/// The most parameters a curve has (the broken power law's six).
const MAX_PARAMETERS: usize = 6;

#[cfg(test)]
mod tests {
    //! Reference numbers come from tests/reference/fit_reference.py (scipy 1.17.1 curve_fit,
    //! statsmodels 0.15.0 OLS); each value is pasted verbatim from tests/reference/fit_reference.txt
    //! and the key it came from is named beside it.

    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn the_jacobian_from_the_last_residuals_terms_is_the_one_computed_afresh() {
        let (x, y) = (&LOG_X[..], &LOG_Y[..]);
        let cases = [
            (Shape::Linear, vec![0.1, 0.05]),
            (Shape::Logistic { floor: 0.25, bounded: true }, vec![10.0, 2.0, 0.3]),
            (Shape::BrokenPowerLaw { sign: -1.0, x_ref: 8.0 }, vec![0.9, -0.5, 0.3, 1.0, 10.0, -1.0]),
        ];
        let bits = |m: OMatrix<f64, Dyn, Dyn>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for (shape, phi) in cases {
            let at = |phi: &[f64]| {
                let p = Problem::new(shape, x, y, DVector::from_column_slice(phi));
                bits(p.jacobian().unwrap())
            };
            let mut problem = Problem::new(shape, x, y, DVector::from_column_slice(&phi));
            problem.residuals();
            assert_eq!(bits(problem.jacobian().unwrap()), at(&phi), "{shape:?}: reused terms");
            // Moved without new residuals: the old terms must not be used.
            let moved: Vec<f64> = phi.iter().map(|v| v + 0.125).collect();
            problem.set_params(&DVector::from_column_slice(&moved));
            assert_eq!(bits(problem.jacobian().unwrap()), at(&moved), "{shape:?}: stale terms");
        }
    }

    const PARAM_TOL: f64 = 1e-6;
    const SE_TOL: f64 = 1e-4;

    const LOG_X: [f64; 8] = [8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5];
    const LOG_Y: [f64; 8] = [0.26, 0.25, 0.27, 0.30, 0.41, 0.62, 0.78, 0.84];
    const LIN_X: [f64; 4] = [8.0, 9.0, 10.0, 11.0];
    const LIN_Y: [f64; 4] = [0.1, 0.22, 0.29, 0.41];
    const BPL_X: [f64; 10] = [7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5];

    fn spec(kind: ModelKind, floor: f64) -> FitSpec {
        FitSpec { kind, floor, higher_is_better: true, is_rate: true }
    }

    fn param<'a>(curve: &'a FittedCurve, name: &str) -> &'a Estimate {
        curve.parameters.iter().find(|e| e.name == name).expect("parameter present")
    }

    /// Checks value and standard error of a named parameter.
    fn check_param(curve: &FittedCurve, name: &str, value: f64, se: f64) {
        let e = param(curve, name);
        assert_relative_eq!(e.value, value, max_relative = PARAM_TOL);
        assert_relative_eq!(e.se.expect("standard error"), se, max_relative = SE_TOL);
    }

    /// Checks predict, mean_se, the 95% confidence band and the 95% prediction interval at `x`.
    fn check_at(curve: &FittedCurve, x: f64, predict: f64, mean_se: f64, band: (f64, f64), pi: (f64, f64)) {
        assert_relative_eq!(curve.predict(x), predict, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.mean_se(x).expect("mean se"), mean_se, max_relative = SE_TOL);
        let (lo, hi) = curve.confidence_band(x, 0.95).expect("band");
        assert_relative_eq!(lo, band.0, max_relative = SE_TOL);
        assert_relative_eq!(hi, band.1, max_relative = SE_TOL);
        let (lo, hi) = curve.prediction_interval(x, 0.95).expect("interval");
        assert_relative_eq!(lo, pi.0, max_relative = SE_TOL);
        assert_relative_eq!(hi, pi.1, max_relative = SE_TOL);
    }

    /// Logistic, floor 0.25 (4-way multiple-choice chance). Source: fit_reference.txt keys `logistic_floor025.*` (curve_fit, trf, analytic jac).
    #[test]
    fn logistic_floor025_matches_curve_fit() {
        let curve = fit(&spec(ModelKind::Logistic, 0.25), &LOG_X, &LOG_Y).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert_eq!((curve.n, curve.k), (8, 3));
        check_param(&curve, "midpoint", 10.356194557232236, 0.015851277171103614);
        check_param(&curve, "slope", 2.8555856797148924, 0.097735773379845181);
        check_param(&curve, "ceiling", 0.86341202456055877, 0.0076227895315325572);
        assert_relative_eq!(curve.rss, 0.00016373878881533569, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.aicc.expect("aicc"), -74.37343754177968, max_relative = PARAM_TOL);
        check_at(
            &curve,
            10.25,
            0.5105551974036876,
            0.0043719854473271121,
            (0.49931665102712219, 0.52179374378025301),
            (0.49204307873537179, 0.52906731607200341),
        );
        check_at(
            &curve,
            12.0,
            0.8578503379230622,
            0.0067590158081326998,
            (0.84047573465989756, 0.87522494118622685),
            (0.83508478386690166, 0.88061589197922274),
        );
    }

    /// Holdout of x = 11.5, floor 0.25 (4-way multiple-choice chance). Source: fit_reference.txt keys `logistic_floor025.holdout.*`
    /// (curve_fit on the first 7 points, 95% prediction interval at 11.5).
    #[test]
    fn logistic_floor025_holdout_matches_curve_fit() {
        let check =
            holdout_largest(&spec(ModelKind::Logistic, 0.25), &LOG_X, &LOG_Y, 0.95, None).expect("holdout");
        assert_eq!(check.x, 11.5);
        assert_eq!(check.observed, 0.84);
        assert_relative_eq!(check.predicted, 0.84483025562420522, max_relative = PARAM_TOL);
        assert_relative_eq!(check.error, 0.84 - check.predicted);
        let (lo, hi) = check.interval.expect("interval");
        assert_relative_eq!(lo, 0.80324440419873766, max_relative = SE_TOL);
        assert_relative_eq!(hi, 0.88641610704967277, max_relative = SE_TOL);
        assert_eq!(check.inside, Some(true));
        // The refit itself, for a sharper diagnosis when the interval check fails.
        let curve = fit(&spec(ModelKind::Logistic, 0.25), &LOG_X[..7], &LOG_Y[..7]).expect("fit");
        check_param(&curve, "midpoint", 10.364456319636716, 0.031347637279629643);
        check_param(&curve, "slope", 2.8232158955405389, 0.14392566851533567);
        check_param(&curve, "ceiling", 0.86893457644741756, 0.019259793157720757);
        assert_relative_eq!(curve.rss, 0.00015956791095410734, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.aicc.expect("aicc"), -60.822657709826444, max_relative = PARAM_TOL);
    }

    /// Logistic, floor 0: the optimum lies on the ceiling bound c = 1. Source: fit_reference.txt keys `logistic_floor0.*` (curve_fit, trf, analytic jac).
    #[test]
    fn logistic_floor0_matches_curve_fit() {
        let curve = fit(&spec(ModelKind::Logistic, 0.0), &LOG_X, &LOG_Y).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert_eq!((curve.n, curve.k), (8, 3));
        check_param(&curve, "midpoint", 10.007344076484323, 0.98652635847023129);
        check_param(&curve, "slope", 0.90602172136238945, 0.40852408853243299);
        check_param(&curve, "ceiling", 0.99999999999999989, 0.37069715847574097);
        assert_relative_eq!(curve.rss, 0.039291275233501954, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.aicc.expect("aicc"), -30.529554645359497, max_relative = PARAM_TOL);
        check_at(
            &curve,
            10.25,
            0.55474256469061445,
            0.053100690796955077,
            (0.4182428934682213, 0.6912422359130076),
            (0.2891137770263783, 0.82037135235485059),
        );
        check_at(
            &curve,
            12.0,
            0.85880373593220194,
            0.12977320964992617,
            (0.52521108045387843, 1.1923963914105253),
            (0.45481047809089853, 1.2627969937735053),
        );
    }

    /// Holdout of x = 11.5, floor 0: the optimum lies on the ceiling bound c = 1. Source: fit_reference.txt keys `logistic_floor0.holdout.*`
    /// (curve_fit on the first 7 points, 95% prediction interval at 11.5).
    #[test]
    fn logistic_floor0_holdout_matches_curve_fit() {
        let check =
            holdout_largest(&spec(ModelKind::Logistic, 0.0), &LOG_X, &LOG_Y, 0.95, None).expect("holdout");
        assert_eq!(check.x, 11.5);
        assert_eq!(check.observed, 0.84);
        assert_relative_eq!(check.predicted, 0.77301081479971301, max_relative = PARAM_TOL);
        assert_relative_eq!(check.error, 0.84 - check.predicted);
        let (lo, hi) = check.interval.expect("interval");
        assert_relative_eq!(lo, 0.21671310553864709, max_relative = SE_TOL);
        assert_relative_eq!(hi, 1.3293085240607789, max_relative = SE_TOL);
        assert_eq!(check.inside, Some(true));
        // The refit itself, for a sharper diagnosis when the interval check fails.
        let curve = fit(&spec(ModelKind::Logistic, 0.0), &LOG_X[..7], &LOG_Y[..7]).expect("fit");
        check_param(&curve, "midpoint", 10.046599294708331, 2.0791081638110214);
        check_param(&curve, "slope", 0.84311963015865132, 0.59745173055562584);
        check_param(&curve, "ceiling", 0.99999999999999989, 0.79245054504343548);
        assert_relative_eq!(curve.rss, 0.036265140698778876, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.aicc.expect("aicc"), -22.839659216425709, max_relative = PARAM_TOL);
    }

    /// Line. Source: fit_reference.txt keys `linear.ols.*` (statsmodels OLS: params, bse,
    /// get_prediction(...).conf_int(obs=True/False) at x = 12) and `linear.rss`, `linear.aicc`.
    #[test]
    fn linear_matches_statsmodels_ols() {
        let curve = fit(&spec(ModelKind::Linear, 0.0), &LIN_X, &LIN_Y).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        check_param(&curve, "intercept", -0.69500000000000006, 0.067638746292343441);
        check_param(&curve, "slope", 0.099999999999999992, 0.0070710678118654771);
        assert_relative_eq!(curve.rss, 0.00049999999999999925, max_relative = PARAM_TOL);
        assert_relative_eq!(curve.aicc.expect("aicc"), -19.948787282647899, max_relative = PARAM_TOL);
        check_at(
            &curve,
            12.0,
            0.50500000000000012,
            0.019364916731037036,
            (0.42167948816583256, 0.58832051183416767),
            (0.39743368175626376, 0.61256631824373642),
        );
        let (lo, hi) = curve.prediction_interval(12.0, 0.95).expect("interval");
        assert_relative_eq!(lo, 0.3974336817562632, max_relative = SE_TOL);
        assert_relative_eq!(hi, 0.61256631824373653, max_relative = SE_TOL);
        let (lo, hi) = curve.confidence_band(12.0, 0.95).expect("band");
        assert_relative_eq!(lo, 0.42167948816583201, max_relative = SE_TOL);
        assert_relative_eq!(hi, 0.58832051183416778, max_relative = SE_TOL);
    }

    /// Noise-free broken power law generated in fit_reference.py from limit 0.9, scale 0.5,
    /// exponent_before 0.1, exponent_change 1.2, break 9.5, sharpness 0.3 (keys `bpl.clean.*`).
    const BPL_CLEAN: [f64; 10] = [
        0.060597992341337115,
        0.15188222997653089,
        0.23324168424059377,
        0.30584815264780962,
        0.37442172714370048,
        0.53221060207737769,
        0.7951333478603394,
        0.87634638891714867,
        0.89470375044055095,
        0.89881431323913064,
    ];
    /// BPL_CLEAN plus the fixed perturbation BPL_NOISE of fit_reference.py (keys `bpl.noisy.y*`).
    const BPL_NOISY: [f64; 10] = [
        0.064597992341337118,
        0.14888222997653089,
        0.23524168424059377,
        0.30084815264780962,
        0.37742172714370048,
        0.53321060207737769,
        0.7931333478603394,
        0.88034638891714867,
        0.89370375044055095,
        0.90081431323913064,
    ];

    /// The fit recovers the noise-free curve: RSS ≈ 0 and the predictions of the generating
    /// parameters (keys `bpl.clean.predict@*`); the parameters themselves are weakly identified.
    #[test]
    fn broken_power_law_recovers_noise_free_curve() {
        let curve = fit(&spec(ModelKind::BrokenPowerLaw, 0.0), &BPL_X, &BPL_CLEAN).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert_eq!((curve.n, curve.k), (10, 6));
        assert!(curve.rss < 1e-20, "rss {}", curve.rss);
        for (&x, &y) in BPL_X.iter().zip(&BPL_CLEAN) {
            assert_relative_eq!(curve.predict(x), y, max_relative = PARAM_TOL);
        }
        for (x, y) in [
            (7.25, 0.10755341279081321),
            (9.25, 0.42405455515258444),
            (10.75, 0.88880666883457227),
            (12.0, 0.89973455777832811),
        ] {
            assert_relative_eq!(curve.predict(x), y, max_relative = PARAM_TOL);
        }
    }

    /// Noisy broken power law. Source: fit_reference.txt keys `bpl.noisy.*` (curve_fit, trf with
    /// b, f > 0, best of many starts). RSS and predictions to 1e-4 relative, as the brief asks.
    #[test]
    fn broken_power_law_noisy_matches_curve_fit() {
        let curve = fit(&spec(ModelKind::BrokenPowerLaw, 0.0), &BPL_X, &BPL_NOISY).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert_relative_eq!(curve.rss, 4.2500892884696054e-05, max_relative = SE_TOL);
        assert_relative_eq!(curve.predict(9.25), 0.43234770947706302, max_relative = SE_TOL);
        assert_relative_eq!(curve.predict(10.75), 0.89146856302204247, max_relative = SE_TOL);

        // Here the optimum is well identified, so the parameters agree too.
        check_param(&curve, "limit", 0.89923483291157513, 0.0027763771706970594);
        check_param(&curve, "scale", 0.50426645187243746, 0.0038291830983603037);
        check_param(&curve, "exponent_before", 0.09753137021872095, 0.0017072184082182818);
        check_param(&curve, "exponent_change", 1.4532865972691811, 0.21111595565931873);
        check_param(&curve, "break_log10_params", 9.6038186468951263, 0.07001272164674005);
        check_param(&curve, "sharpness", 0.41086590034214354, 0.055049510820290637);
        assert_relative_eq!(curve.aicc.expect("aicc"), -83.685705661969635, max_relative = SE_TOL);
    }

    /// Hand-made data: not enough points, too few distinct x, NaN, mismatched lengths.
    #[test]
    fn bad_input_is_an_error() {
        let line = spec(ModelKind::Linear, 0.0);
        let err = fit(&line, &[8.0, 9.0, 10.0], &[0.1, 0.2, 0.3]).expect_err("3 points");
        assert_eq!(err, FitError::TooFewPoints { needed: 4, got: 3 });
        assert_eq!(err.to_string(), "needs at least 4 points with distinct x, got 3");
        let bpl = spec(ModelKind::BrokenPowerLaw, 0.0);
        let err = fit(&bpl, &LIN_X[..], &LIN_Y).expect_err("4 points, 6 parameters");
        assert_eq!(err, FitError::TooFewPoints { needed: 6, got: 4 });
        let err = fit(&line, &[8.0, 8.0, 9.0, 9.0], &[0.1, 0.2, 0.3, 0.4]).expect_err("2 distinct x");
        assert_eq!(err, FitError::TooFewPoints { needed: 3, got: 2 });
        let err = fit(&line, &LIN_X, &[0.1, f64::NAN, 0.3, 0.4]).expect_err("NaN y");
        assert_eq!(err, FitError::NonFinite);
        let err = fit(&line, &[8.0, 9.0, f64::INFINITY, 11.0], &LIN_Y).expect_err("infinite x");
        assert_eq!(err, FitError::NonFinite);
        let err = fit(&spec(ModelKind::Logistic, f64::NAN), &LOG_X, &LOG_Y).expect_err("NaN floor");
        assert_eq!(err, FitError::NonFinite);
        let err = fit(&line, &LIN_X, &LIN_Y[..3]).expect_err("lengths differ");
        assert!(matches!(err, FitError::InvalidInput(_)));
        let err = fit(&spec(ModelKind::Logistic, 1.0), &LOG_X, &LOG_Y).expect_err("rate floor 1");
        assert!(matches!(err, FitError::InvalidInput(_)));
        // Holdout: 4 points leave 3; a NaN in the held-out point is still caught.
        let err = holdout_largest(&line, &LIN_X, &LIN_Y, 0.95, None).expect_err("3 left");
        assert_eq!(err, FitError::TooFewPoints { needed: 4, got: 3 });
        let err = holdout_largest(&line, &LOG_X, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, f64::NAN], 0.95, None);
        assert_eq!(err, Err(FitError::NonFinite));
    }

    /// Constant y: the line is flat with zero residuals (so no AICc); the logistic must not panic.
    #[test]
    fn constant_series() {
        let y = [0.3; 8];
        let curve = fit(&spec(ModelKind::Linear, 0.0), &LOG_X, &y).expect("fit");
        assert!(curve.converged);
        assert!(param(&curve, "slope").value.abs() < 1e-12);
        assert_relative_eq!(param(&curve, "intercept").value, 0.3, max_relative = 1e-12);
        assert!(curve.rss < 1e-24);
        assert_eq!(curve.aicc, None);
        assert!(curve.aicc_note.is_some());
        for floor in [0.0, 0.3] {
            for is_rate in [true, false] {
                let s = FitSpec { kind: ModelKind::Logistic, floor, higher_is_better: true, is_rate };
                if let Ok(curve) = fit(&s, &LOG_X, &y) {
                    let _ = (curve.mean_se(9.0), curve.prediction_interval(9.0, 0.9));
                    let _ = curve.first_crossing(0.5, 8.0, 12.0);
                    assert!((curve.predict(9.0) - 0.3).abs() < 1e-6, "{curve:?}");
                }
            }
        }
        let s =
            FitSpec { kind: ModelKind::BrokenPowerLaw, floor: 0.0, higher_is_better: false, is_rate: false };
        let _ = fit(&s, &BPL_X, &[0.3; 10]);
    }

    /// Six points for six parameters: no residual degrees of freedom, so no standard errors,
    /// intervals or AICc, each with a note.
    #[test]
    fn no_degrees_of_freedom() {
        let curve = fit(&spec(ModelKind::BrokenPowerLaw, 0.0), &BPL_X[..6], &BPL_CLEAN[..6]).expect("fit");
        assert_eq!((curve.n, curve.k), (6, 6));
        assert!(curve.parameters.iter().all(|e| e.se.is_none()));
        assert_eq!(curve.mean_se(8.0), None);
        assert_eq!(curve.prediction_interval(8.0, 0.95), None);
        assert_eq!(curve.aicc, None);
        assert!(curve.aicc_note.is_some());
        assert!(curve.convergence_note.as_deref().is_some_and(|n| n.contains("standard errors unavailable")));
    }

    /// Two calls give bit-identical results, for every kind.
    #[test]
    fn deterministic() {
        let cases: [(ModelKind, &[f64], &[f64]); 3] = [
            (ModelKind::Linear, &LIN_X, &LIN_Y),
            (ModelKind::Logistic, &LOG_X, &LOG_Y),
            (ModelKind::BrokenPowerLaw, &BPL_X, &BPL_NOISY),
        ];
        for (kind, x, y) in cases {
            let a = fit(&spec(kind, 0.25), x, y).expect("fit");
            let b = fit(&spec(kind, 0.25), x, y).expect("fit");
            assert_eq!(a, b);
            for (ea, eb) in a.parameters.iter().zip(&b.parameters) {
                assert_eq!(ea.value.to_bits(), eb.value.to_bits());
                assert_eq!(ea.se.map(f64::to_bits), eb.se.map(f64::to_bits));
            }
            assert_eq!(a.rss.to_bits(), b.rss.to_bits());
            let band =
                |c: &FittedCurve| c.prediction_interval(12.0, 0.9).map(|(l, h)| (l.to_bits(), h.to_bits()));
            assert_eq!(band(&a), band(&b));
        }
    }

    /// The line -0.695 + 0.1·x (statsmodels, above) reaches 0.3 at x = 9.95 (by hand).
    #[test]
    fn first_crossing_of_a_line() {
        let curve = fit(&spec(ModelKind::Linear, 0.0), &LIN_X, &LIN_Y).expect("fit");
        let x = curve.first_crossing(0.3, 8.0, 12.0).expect("crosses");
        assert_relative_eq!(x, 9.95, max_relative = 1e-9);
        assert_eq!(curve.first_crossing(0.9, 8.0, 12.0), None, "never reached");
        assert_eq!(curve.first_crossing(0.0, 8.0, 12.0), None, "already past at lo");
        assert_eq!(curve.first_crossing(f64::NAN, 8.0, 12.0), None);
        assert_eq!(curve.first_crossing(0.3, 12.0, 8.0), None);
        assert_eq!(curve.first_crossing(0.3, f64::NAN, 12.0), None);
    }

    /// A falling, unbounded series (an edit distance with floor 1): the logistic slope comes out
    /// negative and the crossing is downward. Hand-made data; checks are self-consistency only.
    #[test]
    fn falling_logistic() {
        let y = [3.0, 2.95, 2.8, 2.4, 1.8, 1.3, 1.1, 1.05];
        let s = FitSpec { kind: ModelKind::Logistic, floor: 1.0, higher_is_better: false, is_rate: false };
        let curve = fit(&s, &LOG_X, &y).expect("fit");
        assert!(curve.converged, "{:?}", curve.convergence_note);
        assert!(param(&curve, "slope").value < 0.0);
        assert!(param(&curve, "ceiling").value > 2.9);
        let x = curve.first_crossing(2.0, 8.0, 12.0).expect("crosses");
        assert_relative_eq!(curve.predict(x), 2.0, max_relative = 1e-9);
        assert!(x > 9.5 && x < 10.5);
        let (lo, hi) = curve.prediction_interval(x, 0.9).expect("interval");
        let (blo, bhi) = curve.confidence_band(x, 0.9).expect("band");
        assert!(lo < blo && blo < 2.0 && 2.0 < bhi && bhi < hi);
    }

    /// NaN or out-of-range arguments give NaN or None, never a panic.
    #[test]
    fn nan_arguments_do_not_panic() {
        let curve = fit(&spec(ModelKind::Logistic, 0.25), &LOG_X, &LOG_Y).expect("fit");
        assert!(curve.predict(f64::NAN).is_nan());
        assert_eq!(curve.mean_se(f64::NAN), None);
        assert_eq!(curve.confidence_band(f64::NAN, 0.95), None);
        for level in [f64::NAN, 0.0, 1.0, -0.5, 2.0] {
            assert_eq!(curve.confidence_band(10.0, level), None);
            assert_eq!(curve.prediction_interval(10.0, level), None);
        }
        assert!(holdout_largest(&spec(ModelKind::Logistic, 0.25), &LOG_X, &LOG_Y, f64::NAN, None).is_ok());
    }

    #[test]
    fn kind_names() {
        let names: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["linear", "logistic", "broken-power-law"]);
    }

    #[test]
    fn warm_started_holdout_finds_the_cold_optimum() {
        for floor in [0.0, 0.25] {
            let sp = spec(ModelKind::Logistic, floor);
            let full = fit(&sp, &LOG_X, &LOG_Y).expect("fit");
            let cold = holdout_largest(&sp, &LOG_X, &LOG_Y, 0.95, None).expect("cold");
            let warm = holdout_largest(&sp, &LOG_X, &LOG_Y, 0.95, Some(&full)).expect("warm");
            assert!((cold.predicted - warm.predicted).abs() < 1e-7, "{cold:?} {warm:?}");
        }
    }
}
