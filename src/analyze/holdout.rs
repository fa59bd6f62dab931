//! The composed model's held-out check: every subtask refitted without the series'
//! largest model, composed, and the compound observed there compared with a prediction
//! interval that adds the observation's own sampling error.
//!
//! Two refits of each subtask, both from starts computed without the held-out model:
//! the logistic with its ceiling free in (floor, 1] (the composed model's own curve), and
//! the same logistic with its ceiling at 1. One size beyond the data the ceiling is weakly
//! identified, and it is bounded by 1: when the true ceiling is 1, about half of the free
//! refits put it lower and extrapolate too low, so an interval around the free refits
//! misses observations above it far more often than 2.5% (86.5% coverage at a nominal 95%
//! on simulated tasks, every miss above; BENCHMARKS.md, "Composed model"). A ceiling cannot
//! exceed 1, so the ceiling-1 refits give the most favourable extrapolation the trend allows
//! (for an operator that improves as its subtasks do), and the interval runs
//!
//! - from the lower of the two models' lower limits, so a true ceiling below 1 is covered,
//! - to the ceiling-1 model's upper limit, which holds its 2.5% when the ceiling is 1 and
//!   more when it is lower (an upward departure is what the check exists to find),
//!
//! unless the training data reject ceiling 1 for some subtask (the boundary likelihood-
//! ratio test, ½χ²₀ + ½χ²₁ (Self & Liang 1987), Bonferroni over the subtasks at 1%): then
//! the free model's interval alone. Each limit is the delta-method one of
//! [`ComposedModel::interval`]: the refit's variance plus the observation's on the link scale.

use super::bootstrap::{cell_n, NO_COUNTS};
use super::composed::{ComposedModel, ItemPoint};
use super::fit::{
    fit_logistic_at_ceiling, fit_observations, FitSpec, FittedCurve, HoldoutCheck, ModelKind, Observations,
};
use super::{AnalyzeOptions, Series};
use crate::compose::{Cell, Group};

/// Level of the test that the data reject ceiling 1, shared by the subtasks (Bonferroni).
const CEILING_TEST_LEVEL: f64 = 0.01;

/// What the held-out check of one compound series needs from the group.
pub struct HoldoutData<'a> {
    pub series: &'a Series,
    pub group: &'a Group,
    /// Per model of the group, its items' covariance across subtasks (item-level data).
    pub items: &'a [Option<ItemPoint>],
}

/// One subtask's training cells, in order of size.
struct Training {
    name: String,
    x: Vec<f64>,
    y: Vec<f64>,
    n: Option<Vec<f64>>,
}

/// Refits every subtask without the series' largest model (afresh: nothing fitted to the
/// held-out model reaches the refits), composes, predicts that model's compound and checks
/// the observation against the interval described in the module.
pub fn composed_holdout(
    d: &HoldoutData,
    full: &ComposedModel,
    xs: &[f64],
    o: &AnalyzeOptions,
) -> Result<(HoldoutCheck, Option<String>), String> {
    let (s, g) = (d.series, d.group);
    let (last, &x_held) =
        xs.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).ok_or_else(|| "no points".to_string())?;
    let held = &s.points[last];
    let held_model = g.models.iter().position(|m| m.name == held.model).unwrap_or(0);
    let held_n: Vec<Option<f64>> = g
        .cells
        .iter()
        .map(|row| row[held_model].as_ref().and_then(|c| cell_n(c, o.n_items)).map(|n| n as f64))
        .collect();
    let rest: Vec<ItemPoint> =
        d.items.iter().enumerate().filter(|(m, _)| *m != held_model).filter_map(|(_, p)| p.clone()).collect();
    let training: Vec<Training> = g
        .subtasks
        .iter()
        .zip(&g.cells)
        .map(|(name, row)| training_cells(name, row, g, held_model, o))
        .collect();
    let floor = g.chance(o.chance).unwrap_or(0.0);
    let free = training.iter().map(|t| refit(t, floor)).collect::<Result<Vec<FittedCurve>, String>>()?;
    let refit =
        ComposedModel::new(full.operator.clone(), free).with_items(rest.clone()).testing_overdispersion();
    let predicted = refit.predict(x_held);
    let held_items = d.items[held_model].as_ref();
    // The observed compound's own sampling error needs the items behind it: without them a
    // check would compare the prediction with an observation of unknown precision.
    let interval = if held_n.iter().all(Option::is_some) {
        let free_interval = delta_interval(&refit, x_held, &held_n, held_items, o)?;
        match ceiling_one(&training, &refit, floor) {
            Err(why) => Ok((free_interval, Some(why))),
            Ok(fits) => {
                let bounded =
                    ComposedModel::new(full.operator.clone(), fits).with_items(rest).testing_overdispersion();
                let (lo, hi) = delta_interval(&bounded, x_held, &held_n, held_items, o)?;
                Ok((widen(free_interval, (lo, hi), refit.operator.higher_is_better()), None))
            }
        }
    } else {
        Err(format!("without item counts the observed compound's sampling error is unknown ({})", NO_COUNTS))
    };
    let (interval, note) = match interval {
        Ok((interval, note)) => (Some(interval), note),
        Err(why) => (None, Some(why)),
    };
    let check = HoldoutCheck {
        x: x_held,
        observed: held.value,
        predicted,
        error: held.value - predicted,
        interval,
        inside: interval.map(|(a, b)| (a..=b).contains(&held.value)),
    };
    Ok((check, note))
}

/// The interval from the free model's and the ceiling-1 model's: the far end on the side
/// where a lower ceiling moves the compound, the ceiling-1 model's end on the other.
fn widen(free: (f64, f64), bounded: (f64, f64), higher_is_better: bool) -> (f64, f64) {
    if higher_is_better {
        (free.0.min(bounded.0), bounded.1)
    } else {
        (bounded.0, free.1.max(bounded.1))
    }
}

/// The subtasks' ceiling-1 refits, or why the free refits stand alone (a ceiling-1 refit is
/// unavailable, or the data reject ceiling 1 for a subtask). The test is the
/// boundary likelihood-ratio statistic 2(ℓ_free − ℓ₁)/φ (φ the free fits' pooled dispersion)
/// against ½χ²₀ + ½χ²₁ at CEILING_TEST_LEVEL/k, whose critical value is z²(1 − level/k).
fn ceiling_one(training: &[Training], free: &ComposedModel, floor: f64) -> Result<Vec<FittedCurve>, String> {
    let k = training.len().max(1) as f64;
    let z = statrs::distribution::ContinuousCDF::inverse_cdf(
        &statrs::distribution::Normal::standard(),
        1.0 - CEILING_TEST_LEVEL / k,
    );
    let phi = free.dispersion().unwrap_or(1.0);
    let mut fits = Vec::with_capacity(training.len());
    for (t, f) in training.iter().zip(&free.fits) {
        let Some(n) = &t.n else {
            return Err("the ceiling-1 refits need item counts; the interval is the free refits'".into());
        };
        let bounded = match fit_logistic_at_ceiling(floor, &Observations { x: &t.x, y: &t.y, n: Some(n) }) {
            Ok(c) if c.converged => c,
            _ => {
                return Err(format!(
                    "subtask {:?}: the ceiling-1 refit did not converge; the interval is the free refits'",
                    t.name
                ))
            }
        };
        let statistic = match (f.log_likelihood, bounded.log_likelihood) {
            (Some(a), Some(b)) => (2.0 * (a - b) / phi).max(0.0),
            _ => return Err("the refits have no likelihood".into()),
        };
        if statistic > z * z {
            return Err(format!(
                "subtask {:?} rejects ceiling 1 without the largest model (likelihood ratio {statistic:.2} > {:.2}): \
                 the interval is the free-ceiling refits'",
                t.name,
                z * z
            ));
        }
        fits.push(bounded);
    }
    Ok(fits)
}

/// The delta-method interval of `model` for a compound observed at x: the refits' variance
/// on the link scale plus the observed compound's (each subtask's binomial variance on its
/// items, φ-inflated, and with item-level data their covariances).
fn delta_interval(
    model: &ComposedModel,
    x: f64,
    held_n: &[Option<f64>],
    held_items: Option<&ItemPoint>,
    o: &AnalyzeOptions,
) -> Result<(f64, f64), String> {
    let fit_var = model.variance_link(x);
    let obs_var = model.observation_variance_link(x, held_n, held_items);
    match (fit_var, obs_var) {
        (Some(f), Some(v)) => {
            model.interval(x, f.plus(v), o.confidence).ok_or("the held-out interval is not finite")
        }
        _ => Err("the refitted subtask fits have no standard errors"),
    }
    .map_err(String::from)
}

/// Subtask `name`'s cells other than model `held_model`'s, in order of size.
fn training_cells(
    name: &str,
    row: &[Option<Cell>],
    g: &Group,
    held_model: usize,
    o: &AnalyzeOptions,
) -> Training {
    let mut rows: Vec<(f64, f64, Option<f64>)> = Vec::new();
    for (m, cell) in row.iter().enumerate() {
        let model = &g.models[m];
        let x = o.x_axis.log10_of(model.params, model.flops);
        if let (Some(c), Some(x), true) = (cell, x, m != held_model) {
            rows.push((x, c.value, cell_n(c, o.n_items).filter(|&n| n > 0).map(|n| n as f64)));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    Training {
        name: name.to_string(),
        x: rows.iter().map(|r| r.0).collect(),
        y: rows.iter().map(|r| r.1).collect(),
        n: rows.iter().map(|r| r.2).collect(),
    }
}

/// The subtask's logistic (ceiling free in (floor, 1]) fitted to its training cells, or why
/// it cannot be used.
fn refit(t: &Training, floor: f64) -> Result<FittedCurve, String> {
    let spec = FitSpec { kind: ModelKind::Logistic, floor, higher_is_better: true, is_rate: true };
    let name = &t.name;
    let curve = fit_observations(&spec, &Observations { x: &t.x, y: &t.y, n: t.n.as_deref() })
        .map_err(|e| format!("subtask {name:?} without the largest model: {e}"))?;
    if !curve.converged {
        return Err(format!(
            "subtask {name:?} without the largest model: the logistic fit did not converge{}",
            curve.convergence_note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        ));
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_keeps_the_ceiling_one_end_in_the_operators_direction() {
        // Free refits extrapolate lower (ceiling below 1): the lower end is theirs, the upper
        // the ceiling-1 model's.
        assert_eq!(widen((0.20, 0.40), (0.30, 0.50), true), (0.20, 0.50));
        // A free interval reaching above the ceiling-1 one does not widen the upper end.
        assert_eq!(widen((0.20, 0.60), (0.30, 0.50), true), (0.20, 0.50));
        // Edit distance falls as subtasks improve: the roles of the ends swap.
        assert_eq!(widen((2.0, 3.5), (1.0, 3.0), false), (1.0, 3.5));
    }
}
