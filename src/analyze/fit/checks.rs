//! When a fit that the optimiser calls converged is still no description of the data:
//! nothing to identify (every score 0 or 1), scores under a fixed floor, a logistic
//! whose rise lies outside the sizes seen, a curve that leaves the metric's range
//! within the forecast horizon. Such fits are reported with `converged: false` and the
//! reason, and nothing downstream (composed model, forecasts, verdicts) uses them.

use statrs::distribution::{Binomial, DiscreteCDF};

use super::shapes::Shape;
use super::{FitSpec, Observations};
use crate::units::fmt_params;

/// Decades beyond the largest model in which a rate's curve must stay inside [0, 1]: the
/// back-test horizons (one and two sizes out) lie well within it.
pub const HORIZON_DECADES: f64 = 2.0;
/// A logistic midpoint further than this outside the sizes fitted is not identified.
pub const MIDPOINT_REACH_DECADES: f64 = 3.0;
/// One-sided level at which a score counts as significantly under the floor.
const UNDER_FLOOR_LEVEL: f64 = 0.025;

/// Why the data cannot identify any curve of this kind, before fitting.
pub(super) fn data_problem(spec: &FitSpec, obs: &Observations) -> Option<String> {
    if spec.is_rate {
        if obs.y.iter().all(|&y| y <= 0.0) {
            return Some("not identifiable: every score is 0, so no trend can be told apart".into());
        }
        if obs.y.iter().all(|&y| y >= 1.0) {
            return Some("not identifiable: every score is 1, so no trend can be told apart".into());
        }
    }
    if matches!(spec.kind, super::ModelKind::Logistic) && spec.floor > 0.0 {
        let under = obs
            .y
            .iter()
            .enumerate()
            .filter(|&(i, &y)| under_floor(y, obs.n.map(|n| n[i]), spec.floor))
            .count();
        if 2 * under >= obs.y.len() {
            return Some(format!(
                "data under the floor: {under} of {} scores lie clearly below the fixed floor {} (--chance), which a \
                 logistic cannot go under; check the chance level",
                obs.y.len(),
                spec.floor
            ));
        }
    }
    None
}

/// Whether a score lies clearly under the floor: with n items, P(X ≤ y | floor) < 2.5%;
/// without counts, more than max(0.02, floor/10) below it.
fn under_floor(y: f64, n: Option<f64>, floor: f64) -> bool {
    match n {
        Some(n) if n >= 1.0 => match Binomial::new(floor, n.round() as u64) {
            Ok(b) => b.cdf((y * n).round() as u64) < UNDER_FLOOR_LEVEL,
            Err(_) => false,
        },
        _ => y < floor - (0.02f64).max(0.1 * floor),
    }
}

/// Why a fitted curve does not describe the data, after fitting.
pub(super) fn fit_problem(spec: &FitSpec, shape: Shape, theta: &[f64], x: &[f64]) -> Option<String> {
    let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if let Shape::Logistic { floor, .. } = shape {
        if (theta[2] - floor).abs() <= 1e-6 * (1.0 + floor.abs()) {
            return Some("the ceiling sits on the floor: there is no rise to fit".into());
        }
    }
    if matches!(shape, Shape::Logistic { .. } | Shape::LogisticAtCeiling { .. }) {
        let m = theta[0];
        let outside = if m < lo { lo - m } else { m - hi };
        if outside > MIDPOINT_REACH_DECADES {
            return Some(format!(
                "the midpoint ({}) lies {outside:.1} decades outside the sizes fitted: only a tail of the curve \
                 is seen, so its midpoint, slope and ceiling are not identified",
                fmt_log10(m)
            ));
        }
    }
    if spec.is_rate {
        // Forecasts extrapolate from the largest model: that is where the curve must stay a rate.
        // (Inside the data a least-squares line may dip a little under 0 at the smallest model
        // without misleading anyone.)
        const STEPS: usize = 100;
        for i in 0..=STEPS {
            let at = hi + HORIZON_DECADES * i as f64 / STEPS as f64;
            let v = shape.value(theta, at);
            if !(v.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&v)) {
                return Some(format!(
                    "the curve leaves [0, 1] at {}, {:.1} decades beyond the largest model (within the \
                     {HORIZON_DECADES}-decade horizon checked), so it cannot forecast a rate",
                    fmt_log10(at),
                    at - hi
                ));
            }
        }
    }
    None
}

fn fmt_log10(x: f64) -> String {
    if x.abs() < 300.0 {
        format!("{} params", fmt_params(10f64.powf(x)))
    } else {
        format!("10^{x:.0} params")
    }
}
