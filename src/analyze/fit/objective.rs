//! What a fit minimises. With item counts, the binomial deviance (maximum likelihood:
//! the deviance is −2 log-likelihood up to a constant); without them, squared errors.
//!
//! Levenberg–Marquardt minimises a sum of squared residuals, so the binomial fit hands
//! it deviance residuals r = sign(μ − q)·√dᵢ, whose squares add up to the deviance
//! (McCullagh & Nelder 1989, §2.4.3). Their derivative in μ is finite at r = 0.

use statrs::function::gamma::ln_gamma;

/// Which objective a fit minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Σ (μ − y)², when item counts are unknown.
    LeastSquares,
    /// The binomial deviance of the counts, when they are known.
    BinomialLikelihood,
}

impl Objective {
    /// As written in `summary.json`: `least-squares` or `binomial-likelihood`.
    pub fn name(self) -> &'static str {
        match self {
            Objective::LeastSquares => "least-squares",
            Objective::BinomialLikelihood => "binomial-likelihood",
        }
    }
}

/// ln(1 + z) − z, accurate for small |z| (where the subtraction would cancel).
fn log1p_minus(z: f64) -> f64 {
    if z.abs() < 0.01 {
        // −z²/2 + z³/3 − z⁴/4 + …; 12 terms leave an error below 1e-26.
        let mut term = z;
        let mut sum = 0.0;
        for j in 2..14 {
            term *= -z;
            sum += term / j as f64;
        }
        sum
    } else {
        z.ln_1p() - z
    }
}

/// Deviance of proportion `q` of `n` trials at mean `mu`: 2n[q ln(q/μ) + (1 − q) ln((1 − q)/(1 − μ))],
/// with 0·ln 0 = 0. Infinite when μ is outside (0, 1) and the data need it inside.
pub fn deviance_term(q: f64, mu: f64, n: f64) -> f64 {
    if !(mu > 0.0 && mu < 1.0) {
        return f64::INFINITY;
    }
    let half = if q <= 0.0 {
        -(-mu).ln_1p()
    } else if q >= 1.0 {
        -mu.ln()
    } else {
        // q ln(q/μ) = −q ln(1 + d/q) and (1 − q) ln((1 − q)/(1 − μ)) = −(1 − q) ln(1 − d/(1 − q)),
        // d = μ − q; their first-order terms cancel exactly, so each is written as ln(1 + z) − z.
        let d = mu - q;
        -q * log1p_minus(d / q) - (1.0 - q) * log1p_minus(-d / (1.0 - q))
    };
    (2.0 * n * half).max(0.0)
}

/// The deviance residual r (r² = [`deviance_term`], signed like μ − q) and dr/dμ.
pub fn deviance_residual(q: f64, mu: f64, n: f64) -> (f64, f64) {
    if !(mu > 0.0 && mu < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let var = mu * (1.0 - mu);
    let diff = mu - q;
    let dev = deviance_term(q, mu, n);
    if diff.abs() < 1e-7 * var.sqrt() || dev <= 0.0 {
        // Near μ = q: d ≈ n(μ − q)²/(μ(1 − μ)), so r ≈ (μ − q)·√(n/(μ(1 − μ))).
        let slope = (n / var).sqrt();
        return (diff * slope, slope);
    }
    let r = dev.sqrt().copysign(diff);
    // d(dev)/dμ = 2n(μ − q)/(μ(1 − μ)) and dr/dμ = d(dev)/dμ / (2r).
    (r, n * diff / (var * r))
}

/// ln C(n, y) for real y = q·n (graded scores give fractional counts).
fn ln_choose(n: f64, y: f64) -> f64 {
    ln_gamma(n + 1.0) - ln_gamma(y + 1.0) - ln_gamma(n - y + 1.0)
}

/// Binomial log-likelihood Σ [ln C(n, y) + y ln μ + (n − y) ln(1 − μ)], y = q·n.
pub fn log_likelihood(q: &[f64], mu: &[f64], n: &[f64]) -> f64 {
    q.iter()
        .zip(mu)
        .zip(n)
        .map(|((&q, &mu), &n)| {
            let y = q * n;
            let hit = if y > 0.0 { y * mu.ln() } else { 0.0 };
            let miss = if n - y > 0.0 { (n - y) * (-mu).ln_1p() } else { 0.0 };
            ln_choose(n, y) + hit + miss
        })
        .sum()
}

/// Pearson's X² = Σ n(q − μ)²/(μ(1 − μ)).
pub fn pearson_chi2(q: &[f64], mu: &[f64], n: &[f64]) -> f64 {
    q.iter().zip(mu).zip(n).map(|((&q, &mu), &n)| n * (q - mu) * (q - mu) / (mu * (1.0 - mu))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Python: `2*100*(0.3*math.log(0.3/0.4)+0.7*math.log(0.7/0.6))` = 4.3201708287093075.
    #[test]
    fn deviance_by_hand() {
        assert_relative_eq!(deviance_term(0.3, 0.4, 100.0), 4.3201708287093075, max_relative = 1e-13);
        // q = 0: 2n·ln(1/(1 − μ)); Python 2*50*math.log(1/0.9) = 10.536051565782635.
        assert_relative_eq!(deviance_term(0.0, 0.1, 50.0), 10.536051565782635, max_relative = 1e-13);
        // q = 1: 2n·ln(1/μ); the same number.
        assert_relative_eq!(deviance_term(1.0, 0.9, 50.0), 10.536051565782635, max_relative = 1e-13);
        assert_eq!(deviance_term(0.3, 0.3, 100.0), 0.0);
        assert!(deviance_term(0.3, 0.0, 100.0).is_infinite());
    }

    /// The small-difference branch agrees with the quadratic approximation n·d²/(μ(1 − μ)).
    #[test]
    fn deviance_near_the_mean_is_accurate() {
        for d in [1e-3, 1e-5, 1e-8] {
            let (q, mu, n) = (0.3, 0.3 + d, 200.0);
            let quad = n * d * d / (mu * (1.0 - mu));
            assert_relative_eq!(deviance_term(q, mu, n), quad, max_relative = 5.0 * d / 0.3);
        }
    }

    /// r² is the deviance, and dr/dμ matches a central difference.
    #[test]
    fn residual_and_its_derivative() {
        for (q, mu) in [(0.3, 0.4), (0.3, 0.2), (0.0, 0.05), (1.0, 0.97), (0.5, 0.5 + 1e-9)] {
            let n = 80.0;
            let (r, dr) = deviance_residual(q, mu, n);
            assert_relative_eq!(r * r, deviance_term(q, mu, n), max_relative = 1e-9, epsilon = 1e-15);
            assert!(r.signum() == (mu - q).signum() || (mu - q).abs() < 1e-8);
            let h = 1e-6;
            let numeric = (deviance_residual(q, mu + h, n).0 - deviance_residual(q, mu - h, n).0) / (2.0 * h);
            assert_relative_eq!(dr, numeric, max_relative = 1e-5);
        }
    }

    /// scipy.stats.binom.logpmf(30, 100, 0.4) + binom.logpmf(0, 50, 0.1) =
    /// -4.604419978887634 + -5.268025782891315 (scipy, in tests/reference's environment).
    #[test]
    fn log_likelihood_matches_scipy() {
        let ll = log_likelihood(&[0.3, 0.0], &[0.4, 0.1], &[100.0, 50.0]);
        assert_relative_eq!(ll, -4.604419978887634 + -5.268025782891315, max_relative = 1e-10);
    }
}
