//! Binomial maximum likelihood for the break test's models: 2 or 3 coefficients,
//! p = c + (1 − c)·σ(η), η = βᵀz, with a known chance floor c ∈ [0, 1).
//!
//! With c = 0 the logit link is canonical: the log-likelihood is concave in β and
//! Newton's method is iteratively reweighted least squares (McCullagh & Nelder 1989,
//! "Generalized Linear Models", §2.5, §4.4). With c > 0 it is not concave (ln p is
//! bounded below by ln c as η → −∞): each step uses the observed information when it
//! is positive definite and the expected (Fisher) information otherwise, which is
//! positive definite whenever the design has full rank, so every step is an ascent
//! direction; step-halving then guarantees the log-likelihood never decreases.
//!
//! Separation (the cells on one side of a hyperplane in z all 0 or all n) sends the
//! maximum to infinity while the log-likelihood stays bounded above by 0. The iterations
//! then keep going while they gain: each Newton step moves a separated cell's η by about
//! one unit, so its share of the deviance falls by a factor of about e per step, and the
//! fit stops once the Newton decrement gᵀH⁻¹g (twice the predicted gain; Boyd &
//! Vandenberghe 2004, "Convex Optimization", §9.5.1) or the gain of a halved step falls
//! below [`TOLERANCE`], after some 25 to 40 iterations, when the deviance is within about
//! 1e-10 of its supremum (a converged-deviance criterion; the coefficients in the
//! separated direction are large and meaningless). |η| ≤ [`ETA_MAX`] only keeps
//! exponentials representable. A regular fit ends with one more full Newton step (the
//! decrement is then about 1e-10, so the step brings the coefficients to rounding level).

/// Linear predictors are kept within ±ETA_MAX: e^−500 ≈ 7e-218 is still a normal f64.
pub const ETA_MAX: f64 = 500.0;

/// Log-likelihood gain below which a fit has converged (deviance units: twice this).
const TOLERANCE: f64 = 1e-10;

/// Newton iterations per fit. Separated fits need 25 to 40 (one unit of η each); a
/// regular fit needs 3 to 6.
const MAX_ITERATIONS: usize = 200;

/// Halvings of one step before the step is abandoned.
const MAX_HALVINGS: usize = 50;

/// The cells of one series: items and successes per size.
#[derive(Debug, Clone)]
pub struct Cells {
    pub n: Vec<f64>,
    pub k: Vec<f64>,
    /// Σ k ln(k/n) + (n − k) ln(1 − k/n): the saturated model's log-likelihood.
    ll_saturated: f64,
}

impl Cells {
    pub fn new(n: Vec<f64>, k: Vec<f64>) -> Self {
        let ll_saturated = n.iter().zip(&k).map(|(&n, &k)| xlogy(k, k / n) + xlogy(n - k, (n - k) / n)).sum();
        Cells { n, k, ll_saturated }
    }

    /// 2·(ℓ_saturated − ℓ): the binomial deviance of a log-likelihood `ll` (without the
    /// binomial coefficients), against the unconstrained saturated model p_i = k_i/n_i.
    pub fn deviance(&self, ll: f64) -> f64 {
        (2.0 * (self.ll_saturated - ll)).max(0.0)
    }
}

/// x ln y with 0 ln 0 = 0 (scipy.special.xlogy).
fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x * y.ln()
    }
}

/// ln σ(t), without overflow or cancellation.
fn log_sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        -(-t).exp().ln_1p()
    } else {
        t - t.exp().ln_1p()
    }
}

pub fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// The rate of the model at linear predictor `eta`.
pub fn rate(eta: f64, chance: f64) -> f64 {
    chance + (1.0 - chance) * sigmoid(eta)
}

/// A model's design: the covariates z of every cell (unused columns 0).
#[derive(Debug, Clone)]
pub struct Design {
    pub columns: usize,
    pub z: Vec<[f64; 3]>,
}

impl Design {
    pub fn eta(&self, beta: &[f64; 3]) -> impl Iterator<Item = f64> + '_ {
        let b = *beta;
        self.z.iter().map(move |z| b[0] * z[0] + b[1] * z[1] + b[2] * z[2])
    }
}

/// A maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlmFit {
    pub beta: [f64; 3],
    /// Log-likelihood without the binomial coefficients.
    pub log_likelihood: f64,
    pub deviance: f64,
    pub iterations: usize,
    /// False only when [`MAX_ITERATIONS`] ran out.
    pub converged: bool,
}

/// Log-likelihood, score, observed and expected information at β.
struct Local {
    ll: f64,
    score: [f64; 3],
    observed: [[f64; 3]; 3],
    expected: [[f64; 3]; 3],
}

/// One cell's log-likelihood, its derivative in η and the observed and expected
/// information in η. With σ = σ(η), p = c + (1 − c)σ and q = (1 − c)σ/p:
/// dℓ/dη = k·q·(1 − σ) − (n − k)·σ; −d²ℓ/dη² = (n − k)σ(1 − σ) − k·q(1 − σ)·((1 − 2σ) −
/// q(1 − σ)); expected n·q·σ(1 − σ). With c = 0, q = 1 and both informations are nσ(1 − σ).
fn cell(n: f64, k: f64, eta: f64, chance: f64) -> (f64, f64, f64, f64) {
    let (s, s1) = (sigmoid(eta), sigmoid(-eta));
    if chance == 0.0 {
        let info = n * s * s1;
        (k * log_sigmoid(eta) + (n - k) * log_sigmoid(-eta), k - n * s, info, info)
    } else {
        let p = chance + (1.0 - chance) * s;
        let q = (1.0 - chance) * s / p;
        let ll = xlogy(k, p) + (n - k) * ((1.0 - chance).ln() + log_sigmoid(-eta));
        let score = k * q * s1 - (n - k) * s;
        let observed = (n - k) * s * s1 - k * q * s1 * ((s1 - s) - q * s1);
        (ll, score, observed, n * q * s * s1)
    }
}

fn local(cells: &Cells, design: &Design, beta: &[f64; 3], chance: f64) -> Local {
    let mut l = Local { ll: 0.0, score: [0.0; 3], observed: [[0.0; 3]; 3], expected: [[0.0; 3]; 3] };
    let p = design.columns;
    for ((z, eta), (&n, &k)) in design.z.iter().zip(design.eta(beta)).zip(cells.n.iter().zip(&cells.k)) {
        let (ll, u, wo, we) = cell(n, k, eta, chance);
        l.ll += ll;
        for a in 0..p {
            l.score[a] += u * z[a];
            for b in 0..=a {
                l.observed[a][b] += wo * z[a] * z[b];
                l.expected[a][b] += we * z[a] * z[b];
            }
        }
    }
    l
}

fn log_likelihood(cells: &Cells, design: &Design, beta: &[f64; 3], chance: f64) -> Option<f64> {
    let mut ll = 0.0;
    for (eta, (&n, &k)) in design.eta(beta).zip(cells.n.iter().zip(&cells.k)) {
        if eta.is_nan() || eta.abs() > ETA_MAX {
            return None;
        }
        ll += cell(n, k, eta, chance).0;
    }
    Some(ll)
}

/// Solves H·s = g for a symmetric H (lower triangle given) by Cholesky; None when H is
/// not positive definite.
fn cholesky_solve(h: &[[f64; 3]; 3], g: &[f64; 3], p: usize) -> Option<[f64; 3]> {
    let mut l = [[0.0; 3]; 3];
    for i in 0..p {
        for j in 0..=i {
            let s = h[i][j] - (0..j).map(|m| l[i][m] * l[j][m]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = [0.0; 3];
    for i in 0..p {
        y[i] = (g[i] - (0..i).map(|m| l[i][m] * y[m]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; 3];
    for i in (0..p).rev() {
        x[i] = (y[i] - (i + 1..p).map(|m| l[m][i] * x[m]).sum::<f64>()) / l[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The Newton (or Fisher-scoring) step; a small ridge rescues an information matrix
/// that is singular because separated cells carry no weight.
fn step(l: &Local, p: usize) -> Option<[f64; 3]> {
    cholesky_solve(&l.observed, &l.score, p).or_else(|| cholesky_solve(&l.expected, &l.score, p)).or_else(
        || {
            let scale = (0..p).map(|a| l.expected[a][a]).fold(0.0, f64::max);
            let mut h = l.expected;
            for (a, row) in h.iter_mut().enumerate().take(p) {
                row[a] += 1e-10 * scale + 1e-12;
            }
            cholesky_solve(&h, &l.score, p)
        },
    )
}

/// Maximises the log-likelihood from `start` (whose linear predictors must be within
/// ±ETA_MAX; the unused coefficients of `start` are ignored).
pub fn fit(cells: &Cells, design: &Design, chance: f64, start: [f64; 3]) -> GlmFit {
    let p = design.columns;
    let mut beta = [0.0; 3];
    beta[..p].copy_from_slice(&start[..p]);
    let mut here = local(cells, design, &beta, chance);
    for iteration in 1..=MAX_ITERATIONS {
        let Some(s) = step(&here, p) else {
            return finish(cells, beta, here.ll, iteration, true);
        };
        let decrement: f64 = (0..p).map(|a| s[a] * here.score[a]).sum();
        if decrement.is_nan() || decrement <= TOLERANCE {
            let mut last = beta;
            for a in 0..p {
                last[a] += s[a];
            }
            if let Some(ll) = log_likelihood(cells, design, &last, chance).filter(|&ll| ll >= here.ll - 1e-9)
            {
                return finish(cells, last, ll, iteration, true);
            }
            return finish(cells, beta, here.ll, iteration, true);
        }
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let mut trial = beta;
            for a in 0..p {
                trial[a] += t * s[a];
            }
            if let Some(ll) = log_likelihood(cells, design, &trial, chance) {
                if ll >= here.ll {
                    accepted = Some((trial, ll));
                    break;
                }
            }
            t *= 0.5;
        }
        let Some((trial, ll)) = accepted else {
            return finish(cells, beta, here.ll, iteration, true);
        };
        let gain = ll - here.ll;
        beta = trial;
        here = local(cells, design, &beta, chance);
        if gain < TOLERANCE && t < 1.0 {
            return finish(cells, beta, here.ll, iteration, true);
        }
    }
    finish(cells, beta, here.ll, MAX_ITERATIONS, false)
}

fn finish(cells: &Cells, beta: [f64; 3], ll: f64, iterations: usize, converged: bool) -> GlmFit {
    GlmFit { beta, log_likelihood: ll, deviance: cells.deviance(ll), iterations, converged }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn line(x: &[f64]) -> Design {
        Design { columns: 2, z: x.iter().map(|&x| [1.0, x, 0.0]).collect() }
    }

    #[test]
    fn score_and_information_match_finite_differences() {
        // The analytic derivatives of `cell` against central differences of its ℓ.
        for &(n, k, eta, c) in &[(300.0, 31.0, -1.3, 0.0), (100.0, 90.0, 0.4, 0.25), (50.0, 13.0, -2.5, 0.25)]
        {
            let h = 1e-4;
            let ll = |e: f64| cell(n, k, e, c).0;
            let (_, u, wo, _) = cell(n, k, eta, c);
            assert_relative_eq!(u, (ll(eta + h) - ll(eta - h)) / (2.0 * h), max_relative = 1e-7);
            let second = (ll(eta + h) - 2.0 * ll(eta) + ll(eta - h)) / (h * h);
            assert_relative_eq!(wo, -second, max_relative = 1e-5);
        }
    }

    #[test]
    fn expected_information_is_the_mean_of_the_observed() {
        // E[k] = n·p makes the observed information's expectation the expected one.
        let (n, eta, c) = (40.0, 0.7, 0.3);
        let p = rate(eta, c);
        let at = |k: f64| cell(n, k, eta, c);
        let mean_observed = at(n * p).2;
        assert_relative_eq!(mean_observed, at(0.0).3, max_relative = 1e-12);
    }

    #[test]
    fn separated_data_converge_in_deviance_without_panicking() {
        // All failures below the middle, all successes above: the MLE is at infinity, the
        // deviance's infimum 0.
        let x = [-1.5, -0.5, 0.5, 1.5];
        let cells = Cells::new(vec![100.0; 4], vec![0.0, 0.0, 100.0, 100.0]);
        let f = fit(&cells, &line(&x), 0.0, [0.0; 3]);
        assert!(f.converged);
        assert!(f.deviance < 1e-9, "deviance {}", f.deviance);
        assert!(f.iterations < 60, "{} iterations", f.iterations);
    }

    #[test]
    fn a_saturating_floor_model_stays_an_ascent() {
        // Counts below the chance floor (k/n < c) push η down, toward p = c.
        let x = [-1.5, -0.5, 0.5, 1.5];
        let cells = Cells::new(vec![100.0; 4], vec![5.0, 10.0, 20.0, 60.0]);
        let start = [0.0; 3];
        let f = fit(&cells, &line(&x), 0.25, start);
        assert!(f.converged);
        let ll0 = log_likelihood(&cells, &line(&x), &start, 0.25).expect("in range");
        assert!(f.log_likelihood >= ll0);
    }
}
