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
//! below [`TOLERANCE`], when the deviance is within about
//! 1e-10 of its supremum (a converged-deviance criterion; the coefficients in the
//! separated direction are large and meaningless). Full steps that end on such a
//! tail (still rising steeply, [`TAIL_SLOPE`]; or, with a floor, gaining more than the
//! quadratic model predicted, [`EXTRAPOLATE`]) are doubled while they gain, so the tail
//! is crossed in a few iterations instead of one unit of η each. |η| ≤ [`ETA_MAX`] only keeps
//! exponentials representable. A regular fit ends with one more full Newton step, not
//! evaluated (the decrement is then below 1e-10, so the step brings the coefficients to
//! rounding level and would change the log-likelihood by less than 5e-11, the precision
//! the reported log-likelihood and deviance are given to).

use std::ops::Range;

/// Linear predictors are kept within ±ETA_MAX: e^−500 ≈ 7e-218 is still a normal f64.
pub const ETA_MAX: f64 = 500.0;

/// Log-likelihood gain below which a fit has converged (deviance units: twice this).
const TOLERANCE: f64 = 1e-10;

/// Newton iterations per fit; a regular fit needs 3 to 6, a separated one about 10.
const MAX_ITERATIONS: usize = 200;

/// Halvings of one step before the step is abandoned.
const MAX_HALVINGS: usize = 50;

/// With c > 0, a full step whose gain exceeds this multiple of the predicted gain is doubled while
/// the log-likelihood rises: on a separated cell's tail ℓ ≈ −n·e^−η, the Newton step is
/// one unit of η and gains 1 − e^−1 ≈ 0.63 of the remaining gap against the 0.5
/// predicted (ratio 1.26); near a regular optimum the ratio is 1 up to the cubic term.
const EXTRAPOLATE: f64 = 1.15;

/// With c = 0, a full step whose end slope φ′(1) is above this share of φ′(0) (the
/// decrement) is doubled: on a separated cell's tail φ′(1)/φ′(0) = e^−1 ≈ 0.37, near a
/// regular optimum it is about 0.
const TAIL_SLOPE: f64 = 0.25;

/// With c = 0, a step t·s that moves no linear predictor by more than this always gains.
/// Each cell's ℓᵢ(η) = k ln σ(η) + (n − k) ln(1 − σ(η)) has |ℓᵢ‴| ≤ |ℓᵢ″| (the third
/// derivative is −nσ(1 − σ)(1 − 2σ)), so along the step, with r = t·max|zᵢᵀs|,
/// |φ″(u)| ≤ φ″(0)·e^{ru/t} and φ(t) − φ(0) ≥ t·λ²·(1 − t(e^r − 1 − r)/r²), λ² the Newton
/// decrement (the self-concordance argument of Bach 2010, "Self-concordant analysis for
/// logistic regression", Electronic Journal of Statistics 4): positive for r ≤ 1.5 (0.12·λ²
/// at t = 1). Larger steps are accepted when the slope at their end is still ≥ 0.
const SAFE_REACH: f64 = 1.5;

/// Doublings of one step (η may grow by 2^MAX_DOUBLINGS units).
const MAX_DOUBLINGS: usize = 8;

/// The cells of one series: items and successes per size.
#[derive(Debug, Clone)]
pub struct Cells {
    pub n: Vec<f64>,
    pub k: Vec<f64>,
    /// Per cell k ln(k/n) + (n − k) ln(1 − k/n): the saturated model's log-likelihood.
    saturated: Vec<f64>,
}

impl Cells {
    pub fn new(n: Vec<f64>, k: Vec<f64>) -> Self {
        let saturated =
            n.iter().zip(&k).map(|(&n, &k)| xlogy(k, k / n) + xlogy(n - k, (n - k) / n)).collect();
        Cells { n, k, saturated }
    }

    /// 2·(ℓ_saturated − ℓ) over the cells `range`: the binomial deviance of a
    /// log-likelihood `ll` (without the binomial coefficients), against the unconstrained
    /// saturated model p_i = k_i/n_i.
    fn deviance(&self, range: Range<usize>, ll: f64) -> f64 {
        (2.0 * (self.saturated[range].iter().sum::<f64>() - ll)).max(0.0)
    }
}

/// The cells a model is fitted to, with their rows of the design.
struct Part<'a> {
    n: &'a [f64],
    k: &'a [f64],
    z: &'a [[f64; 3]],
    /// A known term added to every cell's linear predictor; empty for none.
    offset: &'a [f64],
    columns: usize,
}

impl Part<'_> {
    fn eta(&self, beta: &[f64; 3]) -> impl Iterator<Item = f64> + '_ {
        let b = *beta;
        let offset = self.offset.iter().copied().chain(std::iter::repeat(0.0));
        self.z.iter().zip(offset).map(move |(z, o)| b[0] * z[0] + b[1] * z[1] + b[2] * z[2] + o)
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
    /// Log-likelihood without the binomial coefficients, at the last evaluated point (the
    /// final, unevaluated Newton step would add less than 5e-11).
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

/// The model's floor c and ln(1 − c).
#[derive(Debug, Clone, Copy)]
struct Floor {
    c: f64,
    ln_1mc: f64,
}

/// One cell's log-likelihood (when `with_ll`; else 0), its derivative in η and the
/// observed and expected information in η, from one exponential and, for ℓ, one
/// logarithm (two with a floor). With σ = σ(η), p = c + (1 − c)σ and q = (1 − c)σ/p:
/// dℓ/dη = k·q·(1 − σ) − (n − k)·σ; −d²ℓ/dη² = (n − k)σ(1 − σ) − k·q(1 − σ)·((1 − 2σ) −
/// q(1 − σ)); expected n·q·σ(1 − σ). With c = 0, q = 1 and both informations are nσ(1 − σ).
fn cell(n: f64, k: f64, eta: f64, f: Floor, with_ll: bool) -> (f64, f64, f64, f64) {
    let e = (-eta.abs()).exp();
    let (s, s1) = (1.0 / (1.0 + e), e / (1.0 + e));
    // ln σ(−|η|) = −ln(1 + e): ln rather than ln_1p, which costs about three times as
    // much; for e ≤ 1 the absolute error stays below 2.3e-16, relative 1e-16 of a deviance.
    let l1 = if with_ll { (1.0 + e).ln() } else { 0.0 };
    // σ(η), 1 − σ(η), ln σ(η), ln(1 − σ(η)) = ln σ(−η).
    let (s, s1, ls, ls1) = if eta >= 0.0 { (s, s1, -l1, -eta - l1) } else { (s1, s, eta - l1, -l1) };
    if f.c == 0.0 {
        let info = n * s * s1;
        let ll = if with_ll { k * ls + (n - k) * ls1 } else { 0.0 };
        (ll, k - n * s, info, info)
    } else {
        let p = f.c + (1.0 - f.c) * s;
        let q = (1.0 - f.c) * s / p;
        let ll = if with_ll { xlogy(k, p) + (n - k) * (f.ln_1mc + ls1) } else { 0.0 };
        let score = k * q * s1 - (n - k) * s;
        let observed = (n - k) * s * s1 - k * q * s1 * ((s1 - s) - q * s1);
        (ll, score, observed, n * q * s * s1)
    }
}

/// Derivatives (and ℓ when `with_ll`) at β; None when a linear predictor leaves ±ETA_MAX.
fn local(part: &Part, beta: &[f64; 3], f: Floor, with_ll: bool) -> Option<Local> {
    let mut l = Local { ll: 0.0, score: [0.0; 3], observed: [[0.0; 3]; 3], expected: [[0.0; 3]; 3] };
    let p = part.columns;
    for ((z, eta), (&n, &k)) in part.z.iter().zip(part.eta(beta)).zip(part.n.iter().zip(part.k)) {
        if eta.is_nan() || eta.abs() > ETA_MAX {
            return None;
        }
        let (ll, u, wo, we) = cell(n, k, eta, f, with_ll);
        l.ll += ll;
        for a in 0..p {
            l.score[a] += u * z[a];
            for b in 0..=a {
                l.observed[a][b] += wo * z[a] * z[b];
                if f.c != 0.0 {
                    l.expected[a][b] += we * z[a] * z[b];
                }
            }
        }
    }
    if f.c == 0.0 {
        l.expected = l.observed;
    }
    Some(l)
}

/// ℓ alone at β.
fn log_likelihood(part: &Part, beta: &[f64; 3], f: Floor) -> f64 {
    let cell_ll = |(eta, (&n, &k)): (f64, (&f64, &f64))| cell(n, k, eta, f, true).0;
    part.eta(beta).zip(part.n.iter().zip(part.k)).map(cell_ll).sum()
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

/// Maximises the log-likelihood from `start` (from β = 0 if a linear predictor of
/// `start` is beyond ±ETA_MAX; the unused coefficients of `start` are ignored).
///
/// Line search: with c = 0 the log-likelihood is concave, so along the step s the slope
/// φ′(t) = g(β + t·s)ᵀs decreases in t, and any t with φ′(t) ≥ 0 gains (φ rises on
/// [0, t]), as does any short step ([`SAFE_REACH`]): the search needs derivatives only,
/// and ℓ (a logarithm per cell) is computed once, at the end. With c > 0 a step is
/// accepted when ℓ does not decrease.
pub fn fit(cells: &Cells, design: &Design, chance: f64, start: [f64; 3]) -> GlmFit {
    fit_range(cells, design, 0..cells.n.len(), chance, start)
}

/// [`fit`] with a known `offset` added to every cell's linear predictor, η = βᵀz + oᵢ
/// (McCullagh & Nelder 1989, §6.2.2). Every |oᵢ| must be within ±ETA_MAX/2.
pub fn fit_offset(cells: &Cells, design: &Design, offset: &[f64], start: [f64; 3]) -> GlmFit {
    debug_assert!(offset.len() == cells.n.len() && offset.iter().all(|o| o.abs() <= ETA_MAX / 2.0));
    fit_part(cells, design, 0..cells.n.len(), offset, 0.0, start)
}

/// [`fit`] to the cells `range` only (with their rows of `design`).
pub fn fit_range(
    cells: &Cells,
    design: &Design,
    range: Range<usize>,
    chance: f64,
    start: [f64; 3],
) -> GlmFit {
    fit_part(cells, design, range, &[], chance, start)
}

fn fit_part(
    cells: &Cells,
    design: &Design,
    range: Range<usize>,
    offset: &[f64],
    chance: f64,
    start: [f64; 3],
) -> GlmFit {
    let part = Part {
        n: &cells.n[range.clone()],
        k: &cells.k[range.clone()],
        z: &design.z[range.clone()],
        offset: if offset.is_empty() { offset } else { &offset[range.clone()] },
        columns: design.columns,
    };
    let f = Floor { c: chance, ln_1mc: (1.0 - chance).ln() };
    let concave = chance == 0.0;
    let p = part.columns;
    let mut beta = [0.0; 3];
    beta[..p].copy_from_slice(&start[..p]);
    let mut here = match local(&part, &beta, f, !concave) {
        Some(l) => l,
        None => {
            beta = [0.0; 3];
            local(&part, &beta, f, !concave).expect("η = 0 is within the cap")
        }
    };
    let done = |beta: [f64; 3], here: &Local, iterations: usize, converged: bool| {
        let ll = if concave { log_likelihood(&part, &beta, f) } else { here.ll };
        GlmFit {
            beta,
            log_likelihood: ll,
            deviance: cells.deviance(range.clone(), ll),
            iterations,
            converged,
        }
    };
    for iteration in 1..=MAX_ITERATIONS {
        let Some(s) = step(&here, p) else {
            return done(beta, &here, iteration, true);
        };
        let decrement: f64 = (0..p).map(|a| s[a] * here.score[a]).sum();
        let trial = |t: f64| {
            let mut b = beta;
            for a in 0..p {
                b[a] += t * s[a];
            }
            b
        };
        let slope = |l: &Local| (0..p).map(|a| s[a] * l.score[a]).sum::<f64>();
        if decrement.is_nan() || decrement <= TOLERANCE {
            // The last step is not evaluated: it would change ℓ by about decrement/2.
            let last = trial(1.0);
            if part.eta(&last).all(|e| e.abs() <= ETA_MAX) {
                return done(last, &here, iteration, true);
            }
            return done(beta, &here, iteration, true);
        }
        let reach = part.z.iter().map(|z| (0..p).map(|a| z[a] * s[a]).sum::<f64>().abs()).fold(0.0, f64::max);
        let safe = |t: f64| concave && t * reach <= SAFE_REACH;
        let gains = |t: f64, l: &Local| {
            if concave {
                safe(t) || slope(l) >= 0.0
            } else {
                l.ll >= here.ll
            }
        };
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let b = trial(t);
            if let Some(l) = local(&part, &b, f, !concave).filter(|l| gains(t, l)) {
                accepted = Some((b, l));
                break;
            }
            t *= 0.5;
        }
        let Some((mut b, mut l)) = accepted else {
            return done(beta, &here, iteration, true);
        };
        // On an exponential tail (separation, or a rate sinking to the floor) a full step
        // gains more than the quadratic model predicts and ends still rising steeply:
        // double it while that gains, instead of crawling one unit of η per iteration.
        let tail = if concave {
            slope(&l) > TAIL_SLOPE * decrement
        } else {
            l.ll - here.ll > EXTRAPOLATE * 0.5 * decrement
        };
        if t == 1.0 && tail {
            for _ in 0..MAX_DOUBLINGS {
                t *= 2.0;
                let further = trial(t);
                let rises = |m: &Local| if concave { slope(m) > 0.0 } else { m.ll > l.ll };
                match local(&part, &further, f, !concave).filter(rises) {
                    Some(m) => (b, l) = (further, m),
                    None => break,
                }
            }
            t = 1.0;
        }
        let small = if concave { t * decrement < TOLERANCE } else { l.ll - here.ll < TOLERANCE };
        (beta, here) = (b, l);
        if small && t < 1.0 {
            return done(beta, &here, iteration, true);
        }
    }
    done(beta, &here, MAX_ITERATIONS, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn floor(c: f64) -> Floor {
        Floor { c, ln_1mc: (1.0 - c).ln() }
    }

    fn line(x: &[f64]) -> Design {
        Design { columns: 2, z: x.iter().map(|&x| [1.0, x, 0.0]).collect() }
    }

    #[test]
    fn score_and_information_match_finite_differences() {
        // The analytic derivatives of `cell` against central differences of its ℓ.
        for &(n, k, eta, c) in &[(300.0, 31.0, -1.3, 0.0), (100.0, 90.0, 0.4, 0.25), (50.0, 13.0, -2.5, 0.25)]
        {
            let h = 1e-4;
            let ll = |e: f64| cell(n, k, e, floor(c), true).0;
            let (_, u, wo, _) = cell(n, k, eta, floor(c), true);
            assert_relative_eq!(u, (ll(eta + h) - ll(eta - h)) / (2.0 * h), max_relative = 1e-7);
            let second = (ll(eta + h) - 2.0 * ll(eta) + ll(eta - h)) / (h * h);
            assert_relative_eq!(wo, -second, max_relative = 1e-5);
        }
    }

    #[test]
    fn log_likelihood_is_the_binomial_one_on_both_sides() {
        // k ln p + (n − k) ln(1 − p) computed directly, where it does not cancel.
        for &(eta, c) in &[(-3.2, 0.0), (0.0, 0.0), (2.1, 0.0), (-3.2, 0.25), (2.1, 0.25), (-30.0, 0.0)] {
            let (n, k) = (200.0, 37.0);
            let p = c + (1.0 - c) / (1.0 + f64::exp(-eta));
            let direct = k * p.ln() + (n - k) * (1.0 - p).ln();
            assert_relative_eq!(cell(n, k, eta, floor(c), true).0, direct, max_relative = 1e-12);
        }
        // Far out, where 1 − σ(η) underflows in the direct formula: ln σ(−40) = −40 − ln(1 + e^−40).
        assert_relative_eq!(
            cell(1.0, 0.0, 40.0, floor(0.0), true).0,
            -40.0 - (-40f64).exp(),
            max_relative = 1e-15
        );
    }

    #[test]
    fn expected_information_is_the_mean_of_the_observed() {
        // E[k] = n·p makes the observed information's expectation the expected one.
        let (n, eta, c) = (40.0, 0.7, 0.3);
        let p = rate(eta, c);
        let at = |k: f64| cell(n, k, eta, floor(c), true);
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
        assert!(f.iterations < 20, "{} iterations", f.iterations);
    }

    #[test]
    fn a_saturating_floor_model_stays_an_ascent() {
        // Counts below the chance floor (k/n < c) push η down, toward p = c.
        let x = [-1.5, -0.5, 0.5, 1.5];
        let cells = Cells::new(vec![100.0; 4], vec![5.0, 10.0, 20.0, 60.0]);
        let start = [0.0; 3];
        let f = fit(&cells, &line(&x), 0.25, start);
        assert!(f.converged);
        let design = line(&x);
        let part = Part { n: &cells.n, k: &cells.k, z: &design.z, offset: &[], columns: 2 };
        let ll0 = log_likelihood(&part, &start, floor(0.25));
        assert!(f.log_likelihood >= ll0);
    }
}
