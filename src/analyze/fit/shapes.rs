//! The three curves: their values, their gradients with respect to the natural
//! parameters, and the map between the natural parameters and the unconstrained
//! internal ones that Levenberg-Marquardt moves.

use std::f64::consts::LN_10;

/// What the fit keeps fixed for a curve (everything that is not a fitted parameter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Shape {
    /// y = a + b·x.
    Linear,
    /// y = floor + (c − floor)·σ(s·(x − m)); with `bounded`, c = floor + (1 − floor)·σ(u) internally.
    Logistic { floor: f64, bounded: bool },
    /// The logistic of a rate with its ceiling at the bound 1: y = floor + (1 − floor)·σ(s·(x − m)).
    /// The fit falls back to it when the three-parameter optimum lies on the bound.
    LogisticAtCeiling { floor: f64 },
    /// y = a + sign·b·10^(−c0·(x − x_ref))·(1 + 10^((x − δ)/f))^(−c1·f); b, f > 0 through their logs.
    BrokenPowerLaw { sign: f64, x_ref: f64 },
}

const LINEAR_NAMES: [&str; 2] = ["intercept", "slope"];
const LOGISTIC_NAMES: [&str; 3] = ["midpoint", "slope", "ceiling"];
const LOGISTIC_AT_CEILING_NAMES: [&str; 2] = ["midpoint", "slope"];
const BPL_NAMES: [&str; 6] =
    ["limit", "scale", "exponent_before", "exponent_change", "break_log10_params", "sharpness"];

/// The logistic function, evaluated without overflow for either sign of `t`.
pub(super) fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// ln σ(t), accurate in both tails.
pub(super) fn ln_sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        -(-t).exp().ln_1p()
    } else {
        t - t.exp().ln_1p()
    }
}

/// log10(1 + 10^w) without overflow.
fn softplus10(w: f64) -> f64 {
    w.max(0.0) + (-LN_10 * w.abs()).exp().ln_1p() / LN_10
}

/// Pieces of the broken power law shared by its value and its gradient.
#[derive(Debug, Clone, Copy)]
pub(super) struct BplTerms {
    /// The power-law factor 10^(−c0·z − c1·f·L).
    t: f64,
    /// x − x_ref.
    z: f64,
    /// (x − δ)/f.
    w: f64,
    /// log10(1 + 10^w).
    l: f64,
}

fn bpl_terms(theta: &[f64], x_ref: f64, x: f64) -> BplTerms {
    let (c0, c1, delta, f) = (theta[2], theta[3], theta[4], theta[5]);
    let z = x - x_ref;
    let w = (x - delta) / f;
    let l = softplus10(w);
    let log10_t = -c0 * z - c1 * f * l;
    BplTerms { t: (LN_10 * log10_t).exp(), z, w, l }
}

/// What a curve's value and gradient at one point share, so that the Jacobian at the
/// parameters of the last residuals reuses them (the same numbers, computed once).
#[derive(Debug, Clone, Copy)]
pub(super) enum Terms {
    /// x itself.
    Linear(f64),
    /// σ(s·(x − m)) and s·(x − m).
    Logistic {
        p: f64,
        t: f64,
    },
    BrokenPowerLaw(BplTerms),
}

impl Shape {
    /// Number of free parameters.
    pub(super) fn k(self) -> usize {
        self.names().len()
    }

    /// Names of the natural parameters, in order.
    pub(super) fn names(self) -> &'static [&'static str] {
        match self {
            Shape::Linear => &LINEAR_NAMES,
            Shape::Logistic { .. } => &LOGISTIC_NAMES,
            Shape::LogisticAtCeiling { .. } => &LOGISTIC_AT_CEILING_NAMES,
            Shape::BrokenPowerLaw { .. } => &BPL_NAMES,
        }
    }

    /// Curve value at `x` for natural parameters `theta`.
    pub(super) fn value(self, theta: &[f64], x: f64) -> f64 {
        self.value_with(theta, &self.terms(theta, x))
    }

    /// Gradient of the curve value at `x` with respect to the natural parameters.
    pub(super) fn gradient(self, theta: &[f64], x: f64, out: &mut [f64]) {
        self.gradient_with(theta, x, &self.terms(theta, x), out);
    }

    /// ln of the curve value at `x`; for a logistic with floor 0, ln c + ln σ(t), which does not
    /// underflow however far into the lower tail x lies.
    pub(super) fn ln_value(self, theta: &[f64], x: f64) -> f64 {
        match self {
            Shape::Logistic { floor: 0.0, .. } => theta[2].ln() + ln_sigmoid(theta[1] * (x - theta[0])),
            Shape::LogisticAtCeiling { floor: 0.0 } => ln_sigmoid(theta[1] * (x - theta[0])),
            _ => self.value(theta, x).ln(),
        }
    }

    /// Gradient of [`Shape::ln_value`] with respect to the natural parameters.
    pub(super) fn ln_gradient(self, theta: &[f64], x: f64, out: &mut [f64]) {
        match self {
            Shape::Logistic { floor, .. } | Shape::LogisticAtCeiling { floor } if floor == 0.0 => {
                // d ln σ(t)/dt = σ(−t).
                let (m, s) = (theta[0], theta[1]);
                let q = sigmoid(-s * (x - m));
                out[0] = -s * q;
                out[1] = (x - m) * q;
                if let Shape::Logistic { .. } = self {
                    out[2] = 1.0 / theta[2];
                }
            }
            _ => {
                self.gradient(theta, x, out);
                let v = self.value(theta, x);
                out.iter_mut().for_each(|g| *g /= v);
            }
        }
    }

    /// The terms at `x` that the value and the gradient share.
    pub(super) fn terms(self, theta: &[f64], x: f64) -> Terms {
        match self {
            Shape::Linear => Terms::Linear(x),
            Shape::Logistic { .. } | Shape::LogisticAtCeiling { .. } => {
                let t = theta[1] * (x - theta[0]);
                Terms::Logistic { p: sigmoid(t), t }
            }
            Shape::BrokenPowerLaw { x_ref, .. } => Terms::BrokenPowerLaw(bpl_terms(theta, x_ref, x)),
        }
    }

    /// Curve value from [`Shape::terms`] at the same parameters.
    pub(super) fn value_with(self, theta: &[f64], terms: &Terms) -> f64 {
        match (self, *terms) {
            (Shape::Linear, Terms::Linear(x)) => theta[0] + theta[1] * x,
            (Shape::Logistic { floor, .. }, Terms::Logistic { p, .. }) => floor + (theta[2] - floor) * p,
            (Shape::LogisticAtCeiling { floor }, Terms::Logistic { p, .. }) => floor + (1.0 - floor) * p,
            (Shape::BrokenPowerLaw { sign, .. }, Terms::BrokenPowerLaw(terms)) => {
                theta[0] + sign * theta[1] * terms.t
            }
            _ => unreachable!("terms of another curve"),
        }
    }

    /// Gradient at `x` with respect to the natural parameters, from [`Shape::terms`] at
    /// the same parameters and `x`.
    pub(super) fn gradient_with(self, theta: &[f64], x: f64, terms: &Terms, out: &mut [f64]) {
        match (self, *terms) {
            (Shape::Linear, Terms::Linear(_)) => {
                out[0] = 1.0;
                out[1] = x;
            }
            (Shape::Logistic { floor, .. }, Terms::Logistic { p, t }) => {
                let (m, s, c) = (theta[0], theta[1], theta[2]);
                // σ'(t) = σ(t)·σ(−t), accurate in both tails.
                let dp = p * sigmoid(-t);
                out[0] = -(c - floor) * dp * s;
                out[1] = (c - floor) * dp * (x - m);
                out[2] = p;
            }
            (Shape::LogisticAtCeiling { floor }, Terms::Logistic { p, t }) => {
                let (m, s) = (theta[0], theta[1]);
                let dp = p * sigmoid(-t);
                out[0] = -(1.0 - floor) * dp * s;
                out[1] = (1.0 - floor) * dp * (x - m);
            }
            (Shape::BrokenPowerLaw { sign, .. }, Terms::BrokenPowerLaw(BplTerms { t, z, w, l })) => {
                let (b, c1) = (theta[1], theta[3]);
                let sbt = sign * b * t;
                // dL/dw = 10^w / (1 + 10^w) = σ(ln10 · w).
                let dl = sigmoid(LN_10 * w);
                out[0] = 1.0;
                out[1] = sign * t;
                out[2] = -sbt * LN_10 * z;
                out[3] = -sbt * LN_10 * theta[5] * l;
                out[4] = sbt * LN_10 * c1 * dl;
                out[5] = sbt * LN_10 * c1 * (w * dl - l);
            }
            _ => unreachable!("terms of another curve"),
        }
    }

    /// Natural parameters from internal ones.
    pub(super) fn to_natural(self, phi: &[f64]) -> Vec<f64> {
        let mut theta = vec![0.0; phi.len()];
        self.to_natural_into(phi, &mut theta);
        theta
    }

    /// Natural parameters from internal ones, into `theta` (as long as `phi`).
    pub(super) fn to_natural_into(self, phi: &[f64], theta: &mut [f64]) {
        theta.copy_from_slice(phi);
        match self {
            Shape::Linear | Shape::Logistic { bounded: false, .. } | Shape::LogisticAtCeiling { .. } => {}
            Shape::Logistic { floor, bounded: true } => theta[2] = floor + (1.0 - floor) * sigmoid(phi[2]),
            Shape::BrokenPowerLaw { .. } => {
                theta[1] = phi[1].exp();
                theta[5] = phi[5].exp();
            }
        }
    }

    /// Derivatives dθ_j/dφ_j of the (diagonal) map from internal to natural parameters.
    pub(super) fn chain(self, phi: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|d| *d = 1.0);
        match self {
            Shape::Linear | Shape::Logistic { bounded: false, .. } | Shape::LogisticAtCeiling { .. } => {}
            Shape::Logistic { floor, bounded: true } => {
                out[2] = (1.0 - floor) * sigmoid(phi[2]) * sigmoid(-phi[2]);
            }
            Shape::BrokenPowerLaw { .. } => {
                out[1] = phi[1].exp();
                out[5] = phi[5].exp();
            }
        }
    }

    /// Internal parameters from natural ones; `None` when `theta` is outside the allowed region.
    pub(super) fn to_internal(self, theta: &[f64]) -> Option<Vec<f64>> {
        let mut phi = theta.to_vec();
        match self {
            Shape::Linear | Shape::Logistic { bounded: false, .. } | Shape::LogisticAtCeiling { .. } => {}
            Shape::Logistic { floor, bounded: true } => {
                let p = (theta[2] - floor) / (1.0 - floor);
                if !(p > 0.0 && p < 1.0) {
                    return None;
                }
                phi[2] = (p / (1.0 - p)).ln();
            }
            Shape::BrokenPowerLaw { .. } => {
                if !(theta[1] > 0.0 && theta[5] > 0.0) {
                    return None;
                }
                phi[1] = theta[1].ln();
                phi[5] = theta[5].ln();
            }
        }
        phi.iter().all(|v| v.is_finite()).then_some(phi)
    }

    /// Deterministic starting points (natural parameters) for the data.
    pub(super) fn starts(self, x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
        let n = x.len() as f64;
        let (x_lo, x_hi) = min_max(x);
        let (y_lo, y_hi) = min_max(y);
        let x_range = (x_hi - x_lo).max(f64::EPSILON);
        let y_range = y_hi - y_lo;
        let y_mean = y.iter().sum::<f64>() / n;
        match self {
            Shape::Linear => vec![vec![y_mean, 0.0]],
            Shape::LogisticAtCeiling { .. } => {
                let mut out = Vec::new();
                for q in [0.5, 0.25, 0.75, 1.0] {
                    for sign in [1.0, -1.0] {
                        out.push(vec![x_lo + q * x_range, sign * 4.0 / x_range]);
                    }
                }
                out
            }
            Shape::Logistic { floor, bounded } => {
                // The asymptote away from the floor: the observed value farthest from it, and a bit beyond.
                let far = if (y_hi - floor).abs() >= (y_lo - floor).abs() { y_hi } else { y_lo };
                let mut ceilings = vec![far, floor + 1.2 * (far - floor)];
                if (far - floor).abs() <= f64::EPSILON * (1.0 + floor.abs()) {
                    ceilings = vec![floor + 0.5, floor + 1.0];
                }
                if bounded {
                    let top = floor + 0.999 * (1.0 - floor);
                    let bottom = floor + 0.001 * (1.0 - floor);
                    for c in &mut ceilings {
                        *c = c.clamp(bottom, top);
                    }
                    ceilings.dedup();
                }
                let mut out = Vec::new();
                for &c in &ceilings {
                    for q in [0.5, 0.25, 0.75, 1.0] {
                        let m = x_lo + q * x_range;
                        for scale in [4.0] {
                            for sign in [1.0, -1.0] {
                                out.push(vec![m, sign * scale / x_range, c]);
                            }
                        }
                    }
                }
                out
            }
            Shape::BrokenPowerLaw { sign, x_ref } => {
                let mut out = Vec::new();
                for q in [0.5, 0.25, 0.75] {
                    let delta = x_lo + q * x_range;
                    for c0 in [0.5, 0.05] {
                        for c1 in [1.0] {
                            for f in [0.2, 1.0] {
                                let mut theta = vec![y_mean, 1.0, c0, c1, delta, f];
                                // Given the shape, the limit and scale enter linearly: regress y on T.
                                let t: Vec<f64> =
                                    x.iter().map(|&xi| bpl_terms(&theta, x_ref, xi).t).collect();
                                let t_mean = t.iter().sum::<f64>() / n;
                                let (mut sty, mut stt) = (0.0, 0.0);
                                for (ti, yi) in t.iter().zip(y) {
                                    sty += (ti - t_mean) * (yi - y_mean);
                                    stt += (ti - t_mean) * (ti - t_mean);
                                }
                                let beta = sty / stt;
                                if beta.is_finite() && sign * beta > 0.0 {
                                    theta[0] = y_mean - beta * t_mean;
                                    theta[1] = sign * beta;
                                } else {
                                    theta[1] = 1e-3 * y_range.max(1e-6) / t_mean.max(1e-12);
                                    theta[0] = y_mean - sign * theta[1] * t_mean;
                                }
                                out.push(theta);
                            }
                        }
                    }
                }
                out
            }
        }
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| (lo.min(a), hi.max(a)))
}
