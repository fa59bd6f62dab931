//! Slopes pooled across families by task: a task that rises in one family tends to rise in
//! the others, and one that stays at chance in one tends to stay there in the others.
//!
//! [`super::trend`] pools a series' slope with its family's (a normal random-effects model:
//! the family's mean slope, a between-series variance τ²). This module splits that τ² by
//! one factor: a series' true slope is
//!
//! > family mean + τ·βₜ + its own deviation,  βₜ ~ N(0, ρ),  own deviation ~ N(0, (1 − ρ)·τ²),
//!
//! where βₜ is shared by every series of task t (the same task, metric, shots and series name)
//! whatever its family, and ρ ∈ [0, 1] is the share of a family's slope variance its tasks
//! explain. Each series' estimated deviation from its family's mean is dᵢ = τᵢβₜ + uᵢ + eᵢ,
//! with eᵢ its sampling error (variance vᵢ).
//!
//! - **ρ** is the correlation of two families' deviations on the same task: E[dᵢdⱼ] = ρτᵢτⱼ
//!   for series i, j of one task in different families, so ρ̂ = Σ wᵢwⱼdᵢdⱼ / Σ wᵢwⱼτᵢτⱼ over
//!   every such pair, with wᵢ = 1/(τᵢ² + vᵢ) (a method-of-moments estimate, as DerSimonian &
//!   Laird's τ² is). It is kept in [0, 1]: a covariance beyond ρ = 1 is noise the families
//!   share (two families scored on the same items, or twins such as Pythia and Pythia-deduped),
//!   which the factor must not take for a trend. Pairs within a family are left out, as their
//!   covariance is the family's, not the task's.
//! - **βₜ** is its posterior mean given the task's deviations, the best linear unbiased
//!   predictor of a random effect (Searle, Casella & McCulloch 1992, ch. 7): precision
//!   1/ρ + Σ τᵢ²/((1 − ρ)τᵢ² + vᵢ), mean Σ τᵢdᵢ/((1 − ρ)τᵢ² + vᵢ) over that precision.
//! - A series' slope is then shrunk toward family mean + τβₜ, with prior variance (1 − ρ)τ²,
//!   instead of toward the family mean with prior variance τ² ([`TaskEffects::prior`]). With
//!   ρ = 0 (tasks explain nothing, or no task in two families) it is the family pooling alone.
//!
//! Whether to pool by task at all is a setting the forecaster chooses by back-testing inside
//! the data, as it chooses the window and damping ([`super::trend::Forecaster::fit`]).

use std::collections::{BTreeMap, HashMap};

use super::trend::Prior;

/// One series' slope as the task factor sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub task: String,
    pub pool: String,
    /// Its estimated slope less its pool's mean slope.
    pub d: f64,
    /// The sampling variance of its estimated slope.
    pub v: f64,
    /// Its pool's between-series variance of true slopes.
    pub tau2: f64,
}

/// The posterior of one task's βₜ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskEffect {
    pub mean: f64,
    pub var: f64,
}

/// ρ and every task's effect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEffects {
    /// ρ: the share of a pool's slope variance its tasks explain.
    pub share: f64,
    pub by_task: HashMap<String, TaskEffect>,
}

impl TaskEffects {
    /// The mean, the variance of that mean, and the between-series variance a series of
    /// `task` in a pool with `prior` is shrunk with.
    pub fn prior(&self, task: &str, prior: &Prior) -> (f64, f64, f64) {
        match self.by_task.get(task) {
            Some(e) => (
                prior.mean + prior.tau2.sqrt() * e.mean,
                prior.mean_var + prior.tau2 * e.var,
                (1.0 - self.share) * prior.tau2,
            ),
            None => (prior.mean, prior.mean_var, prior.tau2),
        }
    }
}

/// ρ and the tasks' effects from the series' deviations; None when no pair of series of one
/// task in different pools carries information (every τ² zero, no task in two pools) or the
/// estimate of ρ is not positive.
pub fn task_effects(deviations: &[Deviation]) -> Option<TaskEffects> {
    let usable = |d: &&Deviation| {
        !d.task.is_empty() && d.d.is_finite() && d.v.is_finite() && d.v > 0.0 && d.tau2.is_finite()
    };
    let mut by_task: BTreeMap<&str, Vec<&Deviation>> = BTreeMap::new();
    for d in deviations.iter().filter(usable) {
        by_task.entry(&d.task).or_default().push(d);
    }
    let share = share(&by_task)?;
    let by_task = by_task
        .into_iter()
        .map(|(task, ds)| {
            let (mut precision, mut sum) = (1.0 / share, 0.0);
            for d in ds {
                let w = 1.0 / ((1.0 - share) * d.tau2 + d.v);
                precision += d.tau2 * w;
                sum += d.tau2.sqrt() * w * d.d;
            }
            (task.to_string(), TaskEffect { mean: sum / precision, var: 1.0 / precision })
        })
        .collect();
    Some(TaskEffects { share, by_task })
}

/// ρ̂ = Σ wᵢwⱼdᵢdⱼ / Σ wᵢwⱼτᵢτⱼ over pairs of one task in different pools, at most 1; each
/// sum is the square of the task's total less its pools' own squares.
fn share(by_task: &BTreeMap<&str, Vec<&Deviation>>) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for ds in by_task.values() {
        let mut per_pool: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for d in ds {
            let w = 1.0 / (d.tau2 + d.v);
            let e = per_pool.entry(&d.pool).or_default();
            e.0 += w * d.d;
            e.1 += w * d.tau2.sqrt();
        }
        let (wd, wt) = per_pool.values().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        num += wd * wd - per_pool.values().map(|p| p.0 * p.0).sum::<f64>();
        den += wt * wt - per_pool.values().map(|p| p.1 * p.1).sum::<f64>();
    }
    (den > 0.0 && num > 0.0).then(|| (num / den).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(task: &str, pool: &str, d: f64, v: f64, tau2: f64) -> Deviation {
        Deviation { task: task.into(), pool: pool.into(), d, v, tau2 }
    }

    /// Reference values from `tests/reference/task_effects_reference.py`, which sums ρ̂'s
    /// pairs one by one and obtains each βₜ by conditioning the joint normal of (βₜ, d) with
    /// numpy's linear solver, not by the closed forms used here.
    #[test]
    fn share_and_effects_match_the_reference() {
        let ds = [
            dev("a", "f", 0.10, 0.010, 0.020),
            dev("a", "g", 0.06, 0.020, 0.010),
            dev("a", "g", 0.02, 0.015, 0.010),
            dev("a", "h", 0.12, 0.005, 0.030),
            dev("b", "f", -0.05, 0.010, 0.020),
            dev("b", "g", -0.02, 0.030, 0.010),
            dev("c", "h", 0.04, 0.010, 0.030),
        ];
        let e = task_effects(&ds).expect("pairs across pools");
        // python3 tests/reference/task_effects_reference.py
        assert!((e.share - 0.2943673467410832).abs() < 1e-12, "{}", e.share);
        let want = [
            ("a", 0.27327355388213337, 0.16139613009551002),
            ("b", -0.07722223104055018, 0.2223993798267912),
            ("c", 0.050985920064480106, 0.22937824562054437),
        ];
        for (task, mean, var) in want {
            let got = e.by_task[task];
            assert!((got.mean - mean).abs() < 1e-12, "{task}: {}", got.mean);
            assert!((got.var - var).abs() < 1e-12, "{task}: {}", got.var);
        }
    }

    /// Twins: two pools whose deviations agree more closely than their τ² allows (a
    /// correlation above 1) give ρ = 1, not more.
    #[test]
    fn shared_noise_is_not_more_than_the_whole_variance() {
        let ds: Vec<Deviation> = (0..10)
            .flat_map(|i| {
                let d = if i % 2 == 0 { 0.2 } else { -0.2 };
                [dev(&format!("t{i}"), "f", d, 0.01, 0.001), dev(&format!("t{i}"), "g", d, 0.01, 0.001)]
            })
            .collect();
        assert_eq!(task_effects(&ds).expect("pairs").share, 1.0);
    }

    /// No task in two pools, or no spread to split: no factor.
    #[test]
    fn nothing_to_split() {
        assert_eq!(task_effects(&[dev("a", "f", 0.1, 0.01, 0.02), dev("a", "f", 0.2, 0.01, 0.02)]), None);
        assert_eq!(task_effects(&[dev("a", "f", 0.1, 0.01, 0.0), dev("a", "g", 0.2, 0.01, 0.0)]), None);
        // Deviations of opposite signs: a negative covariance, no shared effect.
        assert_eq!(task_effects(&[dev("a", "f", 0.1, 0.01, 0.02), dev("a", "g", -0.1, 0.01, 0.02)]), None);
    }
}
