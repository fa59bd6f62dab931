//! The global search before local refinement: a grid over the logistic's nonlinear
//! parameters (midpoint and slope), the ceiling set by least squares at each grid point, as
//! Caballero et al. (2022) do for broken neural scaling laws. Levenberg–Marquardt then
//! starts from the best grid points, so that it refines the global optimum instead of
//! the nearest local one.

use super::objective::deviance_term;
use super::shapes::{sigmoid, Shape};
use super::Observations;

/// Midpoints on the grid, spread over the sizes and as far again on either side.
const MIDPOINTS: usize = 17;
/// Slope magnitudes per decade (each with both signs).
const SLOPES: [f64; 8] = [0.15, 0.3, 0.6, 1.2, 2.5, 5.0, 10.0, 20.0];
/// Grid points handed on as starts.
const KEEP: usize = 3;

/// The objective at natural parameters `theta`: squared errors, or the binomial deviance.
pub(super) fn loss(shape: Shape, theta: &[f64], obs: &Observations) -> f64 {
    let mut total = 0.0;
    for (i, (&x, &y)) in obs.x.iter().zip(obs.y).enumerate() {
        let mu = shape.value(theta, x);
        total += match obs.n {
            Some(n) => deviance_term(y, mu, n[i]),
            None => (mu - y) * (mu - y),
        };
    }
    if total.is_nan() {
        f64::INFINITY
    } else {
        total
    }
}

/// The best few grid points for a logistic shape (natural parameters), best first; empty
/// for other shapes.
pub(super) fn logistic_starts(shape: Shape, obs: &Observations) -> Vec<Vec<f64>> {
    let (floor, profile_ceiling) = match shape {
        Shape::Logistic { floor, .. } => (floor, true),
        Shape::LogisticAtCeiling { floor } => (floor, false),
        _ => return Vec::new(),
    };
    let (lo, hi) = obs.x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let range = (hi - lo).max(1.0);
    let mut scored: Vec<(f64, Vec<f64>)> = Vec::with_capacity(MIDPOINTS * SLOPES.len() * 2);
    for i in 0..MIDPOINTS {
        let m = lo - range + 3.0 * range * i as f64 / (MIDPOINTS - 1) as f64;
        for &magnitude in &SLOPES {
            for sign in [1.0, -1.0] {
                let s = sign * magnitude;
                let theta = if profile_ceiling {
                    match best_ceiling(shape, floor, m, s, obs) {
                        Some(c) => vec![m, s, c],
                        None => continue,
                    }
                } else {
                    vec![m, s]
                };
                let l = loss(shape, &theta, obs);
                if l.is_finite() {
                    scored.push((l, theta));
                }
            }
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut kept: Vec<Vec<f64>> = Vec::with_capacity(KEEP);
    for (_, theta) in scored {
        // Neighbours on the grid lead to the same optimum: keep starts apart in slope or midpoint.
        let distinct = kept.iter().all(|k| (k[0] - theta[0]).abs() > 0.2 * range || k[1] != theta[1]);
        if distinct {
            kept.push(theta);
        }
        if kept.len() == KEEP {
            break;
        }
    }
    kept
}

/// The ceiling for a given midpoint and slope: the least-squares one, in closed form (clamped
/// to (floor, 1] for rates). For a binomial fit this is a start, not the optimum: the grid only
/// ranks starting points, and Levenberg–Marquardt refines the best of them.
fn best_ceiling(shape: Shape, floor: f64, m: f64, s: f64, obs: &Observations) -> Option<f64> {
    let bounded = matches!(shape, Shape::Logistic { bounded: true, .. });
    // y − floor = (c − floor)·σ: least squares in c − floor.
    let (mut sy, mut ss) = (0.0, 0.0);
    for (&x, &y) in obs.x.iter().zip(obs.y) {
        let p = sigmoid(s * (x - m));
        sy += p * (y - floor);
        ss += p * p;
    }
    let c = floor + sy / ss;
    if !c.is_finite() {
        return None;
    }
    if !bounded {
        return Some(c);
    }
    let top = floor + (1.0 - 1e-9) * (1.0 - floor);
    let bottom = floor + 1e-6 * (1.0 - floor);
    Some(c.clamp(bottom, top))
}
