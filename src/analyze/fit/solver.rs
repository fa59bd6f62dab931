//! Levenberg–Marquardt on the internal (unconstrained) parameters, and the covariance
//! of the natural ones at the optimum. With item counts the residuals are deviance
//! residuals (their squares add up to the binomial deviance), so the same solver finds
//! the maximum-likelihood fit.

use std::cell::RefCell;

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt, MinimizationReport};
use nalgebra::allocator::{Allocator, Reallocator};
use nalgebra::storage::Owned;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, Dim, DimMax, DimMaximum, DimMin, Dyn, OMatrix, OVector, U2, U3, U6,
};

use super::objective::deviance_residual;
use super::shapes::{Shape, Terms};
use super::Observations;

/// scale·(JᵀWJ)⁻¹ through the SVD of W^½J (as scipy does), J the gradient of the curve at
/// each x and W the diagonal `weights` (all 1 for least squares, where scale is s²; the
/// binomial information n/(μ(1 − μ)) for maximum likelihood, where scale is the
/// dispersion). `None` when J is rank-deficient or not finite.
pub(super) fn covariance(
    shape: Shape,
    theta: &[f64],
    x: &[f64],
    weights: Option<&[f64]>,
    scale: f64,
) -> Option<DMatrix<f64>> {
    let (n, k) = (x.len(), shape.k());
    let mut jac = DMatrix::zeros(n, k);
    let mut g = vec![0.0; k];
    for (i, &xi) in x.iter().enumerate() {
        shape.gradient(theta, xi, &mut g);
        let w = weights.map_or(1.0, |w| w[i].sqrt());
        for (j, &gj) in g.iter().enumerate() {
            jac[(i, j)] = gj * w;
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
    let cov = v_t.transpose() * scaled * scale;
    cov.iter().all(|v| v.is_finite()).then_some(cov)
}

/// Runs Levenberg–Marquardt from the internal parameters `phi` and returns where it
/// stopped. The number of parameters is a type-level constant for the three curves, so
/// the solver's parameter-sized vectors and loops are fixed-size; the arithmetic is the
/// same as with dynamic sizes.
pub(super) fn minimize(
    solver: &LevenbergMarquardt<f64>,
    shape: Shape,
    obs: &Observations,
    phi: Vec<f64>,
) -> (Vec<f64>, MinimizationReport<f64>) {
    fn run<K: Dim>(
        solver: &LevenbergMarquardt<f64>,
        shape: Shape,
        obs: &Observations,
        phi: OVector<f64, K>,
    ) -> (Vec<f64>, MinimizationReport<f64>)
    where
        DefaultAllocator: Allocator<K> + Reallocator<f64, Dyn, K, DimMaximum<Dyn, K>, K>,
        Dyn: DimMin<K> + DimMax<K>,
    {
        let (problem, report) = solver.minimize(Problem::new(shape, obs, phi));
        (problem.phi.as_slice().to_vec(), report)
    }
    match phi.len() {
        2 => run(solver, shape, obs, OVector::<f64, U2>::from_column_slice(&phi)),
        3 => run(solver, shape, obs, OVector::<f64, U3>::from_column_slice(&phi)),
        6 => run(solver, shape, obs, OVector::<f64, U6>::from_column_slice(&phi)),
        _ => run(solver, shape, obs, DVector::from_vec(phi)),
    }
}

/// The least-squares problem in the internal (unconstrained) parameters, `K` of them.
pub(super) struct Problem<'a, K: Dim>
where
    DefaultAllocator: Allocator<K>,
{
    shape: Shape,
    x: &'a [f64],
    y: &'a [f64],
    /// Item counts: residuals are then deviance residuals.
    n: Option<&'a [f64]>,
    pub(super) phi: OVector<f64, K>,
    /// The parameters of the last residuals, their terms at each x and each residual's
    /// derivative in μ: the solver asks for the Jacobian where it last evaluated the
    /// residuals after every accepted step.
    last: RefCell<(Vec<u64>, Vec<Terms>, Vec<f64>)>,
}

impl<'a, K: Dim> Problem<'a, K>
where
    DefaultAllocator: Allocator<K>,
{
    pub(super) fn new(shape: Shape, obs: &Observations<'a>, phi: OVector<f64, K>) -> Self {
        let (x, y, n) = (obs.x, obs.y, obs.n);
        let last = (Vec::new(), Vec::with_capacity(x.len()), Vec::with_capacity(x.len()));
        Problem { shape, x, y, n, phi, last: RefCell::new(last) }
    }

    /// The natural parameters, in the first `k` entries.
    fn theta(&self) -> [f64; MAX_PARAMETERS] {
        let mut theta = [0.0; MAX_PARAMETERS];
        self.shape.to_natural_into(self.phi.as_slice(), &mut theta[..self.shape.k()]);
        theta
    }

    /// Point i's residual at mean `mu` and its derivative in μ: μ − y for least squares,
    /// the deviance residual with counts.
    fn residual(&self, y: f64, mu: f64, i: usize) -> (f64, f64) {
        match self.n {
            Some(n) => deviance_residual(y, mu, n[i]),
            None => (mu - y, 1.0),
        }
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
        let (bits, terms, slopes) = &mut *last;
        bits.clear();
        bits.extend(self.phi.iter().map(|v| v.to_bits()));
        terms.clear();
        terms.extend(self.x.iter().map(|&xi| self.shape.terms(&theta, xi)));
        slopes.clear();
        // Non-finite residuals are returned as they are: the solver rejects such a step.
        let residuals = terms.iter().zip(self.y).enumerate().map(|(i, (t, &yi))| {
            let (r, slope) = self.residual(yi, self.shape.value_with(&theta, t), i);
            slopes.push(slope);
            r
        });
        Some(DVector::from_iterator(self.x.len(), residuals))
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
            let outer = if cached {
                last.2[i]
            } else {
                self.residual(self.y[i], self.shape.value_with(&theta[..k], &terms), i).1
            };
            for j in 0..k {
                jac[(i, j)] = g[j] * chain[j] * outer;
            }
        }
        Some(jac)
    }
}

/// The most parameters a curve has (the broken power law's six).
pub(super) const MAX_PARAMETERS: usize = 6;
