//! Does "smooth subtasks, composed" explain what was observed?
//!
//! The prediction is every subtask's logistic trend composed with the verdict's
//! operator (`all` unless `--verdict-op`). The observation is the task-level row
//! (exact match on the whole task, with item counts) when the group has one, and
//! otherwise the composition of the observed subtask scores themselves.
//!
//! Test: a parametric bootstrap under the hypothesis. Replicate b draws every
//! observed count from its binomial at the model's predicted rate, each predicted
//! rate first perturbed on the logit scale by its delta-method standard error (the
//! fits' own uncertainty). With c_j and v_j the replicates' mean and variance at
//! model j, T = Σ_j (o_j − c_j)² / v_j for the observation and for every replicate;
//! p = (1 + #{T* ≥ T}) / (B + 1). p-values are adjusted across every verdict of the
//! run with Benjamini–Hochberg; a series is "not explained" when the adjusted p is
//! below 1 − confidence.

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::bootstrap::{cell_n, draw_rate, replicate_rng};
use super::composed::{ComposedModel, Link};
use super::jumps::{series_seed, JumpQuestion};
use super::multitest::benjamini_hochberg;
use super::options::FdrFamily;
use super::{group_ranges, Analysis, AnalyzeOptions, Series};
use crate::compose::{Group, GroupKey};

/// Fewest replicates a p-value is computed from, whatever `--bootstrap` says.
pub const MIN_REPLICATES: usize = 200;

/// Separates the verdict's random streams from the interval bootstrap's.
const STREAM_SALT: u64 = 0x7665_7264_6963_7400;
/// The power replicates' streams.
const POWER_SALT: u64 = 0x7665_7264_6963_7401;
/// The jump the power is computed against, at the two largest sizes, and its replicates.
const POWER_JUMP: f64 = 0.10;
const POWER_REPLICATES: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The task-level score rises beyond the composed subtask trends.
    Emergent,
    /// The task-level score falls short of the composed subtask trends.
    FallsShort,
    /// The test does not reject "smooth subtasks, composed" (which is not a finding).
    NoEvidence,
    Insufficient,
}

/// What was compared with the composed subtask trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// Task-level rows (empty subtask), e.g. exact match on the whole task.
    TaskLevel,
    /// No task-level rows: the composition of the observed subtask scores.
    ComposedSubtasks,
}

/// The largest standardised departure from the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub model: String,
    pub observed: f64,
    pub expected: f64,
    /// (observed − expected) / standard deviation under the hypothesis.
    pub z: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub key: GroupKey,
    pub operator: String,
    pub observation: Option<Observation>,
    pub points: usize,
    pub replicates: usize,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub outcome: Outcome,
    /// The verdict in words, as printed.
    pub text: String,
    pub largest_residual: Option<Residual>,
    /// Share of replicates with a +10-point jump at the two largest sizes that the test rejects.
    pub power: Option<f64>,
    /// Question 1: does a subtask (or the task-level score) itself jump?
    pub jumps: Option<JumpQuestion>,
    /// Question 2 with item-level data: does the subtasks' dependence rise with scale?
    pub dependence: Option<super::dependence::DependenceQuestion>,
}

/// One verdict per group with subtasks, p-values adjusted together.
pub fn judge_all(a: &Analysis, o: &AnalyzeOptions) -> Vec<Verdict> {
    let ranges = group_ranges(&a.series);
    let mut verdicts: Vec<Verdict> = a
        .groups
        .par_iter()
        .enumerate()
        .filter(|(_, g)| !g.subtasks.is_empty())
        .map(|(_, g)| {
            let own = ranges.get(&g.key).map_or(&[][..], |r| &a.series[r.clone()]);
            judge(own, g, o)
        })
        .collect();
    let raw: Vec<f64> = verdicts.iter().map(|v| v.p_value.unwrap_or(f64::NAN)).collect();
    let adjusted = adjust_within_families(&verdicts, &raw, o.fdr_family);
    for (v, p) in verdicts.iter_mut().zip(adjusted) {
        if v.outcome == Outcome::Insufficient || !p.is_finite() {
            continue;
        }
        v.p_adjusted = Some(p);
        let r = v.largest_residual.as_ref();
        let at = r.map(|r| format!(" at {}", r.model)).unwrap_or_default();
        (v.outcome, v.text) = if p < o.alpha() {
            if r.is_some_and(|r| r.z > 0.0) {
                (
                    Outcome::Emergent,
                    format!("emergent: the task-level score jumps beyond its composed subtasks{at}"),
                )
            } else {
                (
                    Outcome::FallsShort,
                    format!("the task-level score falls short of its composed subtasks{at}"),
                )
            }
        } else {
            let power = v.power.map_or_else(
                || "power not available".to_string(),
                |q| format!("power {:.0}% to detect a +10-point jump at the two largest sizes", 100.0 * q),
            );
            (Outcome::NoEvidence, format!("no evidence against composition ({power})"))
        };
    }
    verdicts
}

/// Benjamini–Hochberg within each family of verdicts ([`FdrFamily`]).
fn adjust_within_families(verdicts: &[Verdict], raw: &[f64], family: FdrFamily) -> Vec<f64> {
    let mut out = raw.to_vec();
    if family == FdrFamily::None {
        return out;
    }
    let mut families: std::collections::HashMap<Option<&str>, Vec<usize>> = Default::default();
    for (i, v) in verdicts.iter().enumerate() {
        let name = (family == FdrFamily::Task).then_some(v.key.task.as_str());
        families.entry(name).or_default().push(i);
    }
    for members in families.values() {
        let p: Vec<f64> = members.iter().map(|&i| raw[i]).collect();
        for (&i, q) in members.iter().zip(benjamini_hochberg(&p)) {
            out[i] = q;
        }
    }
    out
}

fn insufficient(g: &Group, o: &AnalyzeOptions, observation: Option<Observation>, why: String) -> Verdict {
    Verdict {
        key: g.key.clone(),
        operator: o.verdict_op.name().to_string(),
        observation,
        points: 0,
        replicates: 0,
        statistic: None,
        p_value: None,
        p_adjusted: None,
        outcome: Outcome::Insufficient,
        text: format!("insufficient data: {why}"),
        largest_residual: None,
        power: None,
        jumps: None,
        dependence: None,
    }
}

/// One observed value with what the hypothesis needs to simulate it.
struct Obs {
    model: String,
    x: f64,
    value: f64,
    /// Item counts: one for a task-level row, one per subtask for composed data.
    n: Vec<u64>,
}

fn judge(series: &[Series], g: &Group, o: &AnalyzeOptions) -> Verdict {
    let op = &o.verdict_op;
    let observation =
        if g.task_level.is_some() { Observation::TaskLevel } else { Observation::ComposedSubtasks };
    let fail = |why: String| insufficient(g, o, Some(observation), why);
    if observation == Observation::ComposedSubtasks {
        // The composition of the subtask scores is what the subtask trends were fitted to:
        // tested against them, it cannot reject (0 of 400 simulated tasks did, issue 14).
        return fail(
            "no task-level rows (the task's own score, e.g. exact match on the whole task), so nothing \
             independent of the subtask fits to compare their composition with"
                .into(),
        );
    }
    if let Err(e) = op.apply(&vec![0.5; g.subtasks.len()]) {
        return fail(e.to_string());
    }
    if !op.is_rate() {
        return fail(format!("{} is not a rate; the verdict tests rates", op.name()));
    }
    let model = match ComposedModel::of_group(series, g, op) {
        Ok(m) => m,
        Err(why) => return fail(why),
    };
    let x_of = |m: usize| o.x_axis.log10_of(g.models[m].params, g.models[m].flops);
    let mut obs = Vec::new();
    for m in 0..g.models.len() {
        let Some(x) = x_of(m) else {
            return fail(format!("model {:?} has no flops value", g.models[m].name));
        };
        let (value, n) = match &g.task_level {
            Some(row) => match &row[m] {
                Some(c) => (c.value, vec![cell_n(c, o.n_items)]),
                None => continue,
            },
            None => {
                let cells: Option<Vec<_>> = g.cells.iter().map(|r| r[m].as_ref()).collect();
                let Some(cells) = cells else { continue };
                let rates: Vec<f64> = cells.iter().map(|c| c.value).collect();
                let Ok(v) = op.apply(&rates) else { continue };
                (v, cells.iter().map(|c| cell_n(c, o.n_items)).collect())
            }
        };
        let Some(n) = n.into_iter().collect::<Option<Vec<u64>>>() else {
            return fail("no item counts: add n (and correct) columns or give --n".into());
        };
        obs.push(Obs { model: g.models[m].name.clone(), x, value, n });
    }
    if obs.len() < 2 {
        return fail(format!("{} observed point(s); the test needs at least 2", obs.len()));
    }
    if o.bootstrap == 0 {
        return fail("no p-value with --bootstrap 0".into());
    }
    let replicates = o.bootstrap.max(MIN_REPLICATES);
    let rates: Vec<Vec<(f64, Option<f64>)>> =
        obs.iter().map(|ob| hypothesis_rates(&model, ob, observation)).collect();
    let sims: Vec<Vec<f64>> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            // Streams from the group's identity: its test does not depend on other groups.
            let mut rng = replicate_rng(series_seed(o.seed, &g.key, None) ^ STREAM_SALT, 0, b);
            let mut scratch = Vec::with_capacity(model.fits.len());
            obs.iter()
                .zip(&rates)
                .map(|(ob, r)| simulate(op, r, &ob.n, observation, &mut scratch, &mut rng))
                .collect()
        })
        .collect();
    let j_count = obs.len();
    let mut centre = vec![0.0; j_count];
    let mut var = vec![0.0; j_count];
    for j in 0..j_count {
        let col: Vec<f64> = sims.iter().map(|s| s[j]).filter(|v| v.is_finite()).collect();
        let n = col.len().max(2) as f64;
        let mean = col.iter().sum::<f64>() / col.len().max(1) as f64;
        centre[j] = mean;
        // Floor the variance so a point the hypothesis pins exactly (rate 0 or 1)
        // does not divide by zero: one item's worth of binomial variance.
        let floor = 0.25 / (obs[j].n.iter().copied().min().unwrap_or(1).max(1) as f64).powi(2);
        var[j] = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).max(floor);
    }
    let stat = |values: &mut dyn Iterator<Item = f64>| -> f64 {
        values.enumerate().map(|(j, v)| (v - centre[j]) * (v - centre[j]) / var[j]).sum()
    };
    let t_obs = stat(&mut obs.iter().map(|ob| ob.value));
    let null: Vec<f64> = sims.iter().map(|s| stat(&mut s.iter().copied())).collect();
    let exceed = null.iter().filter(|&&t| t >= t_obs).count();
    let p = (1 + exceed) as f64 / (replicates + 1) as f64;
    // Power: the same test on replicates whose two largest sizes jump by 10 points.
    let rejects =
        |t: f64| (1 + null.iter().filter(|&&u| u >= t).count()) as f64 <= o.alpha() * (replicates + 1) as f64;
    let mut order: Vec<usize> = (0..obs.len()).collect();
    order.sort_by(|&a, &b| obs[b].x.total_cmp(&obs[a].x));
    let jumped: Vec<Vec<(f64, Option<f64>)>> = rates
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let top = order.iter().take(2).any(|&t| t == j);
            r.iter().map(|&(p, se)| (if top { (p + POWER_JUMP).min(1.0) } else { p }, se)).collect()
        })
        .collect();
    let power_draws = replicates.min(POWER_REPLICATES);
    let rejected = (0..power_draws)
        .into_par_iter()
        .filter(|&b| {
            let mut rng = replicate_rng(series_seed(o.seed, &g.key, None) ^ POWER_SALT, 0, b);
            let mut scratch = Vec::with_capacity(model.fits.len());
            let sim: Vec<f64> = obs
                .iter()
                .zip(&jumped)
                .map(|(ob, r)| simulate(op, r, &ob.n, observation, &mut scratch, &mut rng))
                .collect();
            rejects(stat(&mut sim.into_iter()))
        })
        .count();
    let power = Some(rejected as f64 / power_draws as f64);
    let largest_residual = obs
        .iter()
        .enumerate()
        .map(|(j, ob)| Residual {
            model: ob.model.clone(),
            observed: ob.value,
            expected: centre[j],
            z: (ob.value - centre[j]) / var[j].sqrt(),
        })
        .max_by(|a, b| a.z.abs().total_cmp(&b.z.abs()));
    Verdict {
        key: g.key.clone(),
        operator: op.name().to_string(),
        observation: Some(observation),
        points: j_count,
        replicates,
        statistic: Some(t_obs),
        p_value: Some(p),
        p_adjusted: None,
        outcome: Outcome::NoEvidence,
        text: String::new(),
        largest_residual,
        power,
        jumps: None,
        dependence: None,
    }
}

/// The rates a replicate draws from at one observed point, each with its standard
/// error on the logit scale: the composed prediction for a task-level row, every
/// subtask's fitted rate for composed data. Computed once, outside the replicates.
fn hypothesis_rates(model: &ComposedModel, ob: &Obs, observation: Observation) -> Vec<(f64, Option<f64>)> {
    let logit = Link::Logit;
    match observation {
        Observation::TaskLevel => vec![(model.predict(ob.x), model.se_link(ob.x))],
        Observation::ComposedSubtasks => (0..model.fits.len())
            .map(|i| {
                let p = model.fits[i].predict(ob.x).clamp(0.0, 1.0);
                (p, model.fits[i].mean_se(ob.x).map(|se| se * logit.derivative(p)))
            })
            .collect(),
    }
}

/// One replicate of one observed point under the hypothesis: every rate perturbed by
/// its standard error on the logit scale, drawn on its item count, composed.
fn simulate(
    op: &crate::compose::Operator,
    rates: &[(f64, Option<f64>)],
    n: &[u64],
    observation: Observation,
    scratch: &mut Vec<f64>,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> f64 {
    let logit = Link::Logit;
    scratch.clear();
    for (&(p, se), &n) in rates.iter().zip(n) {
        let z: f64 = StandardNormal.sample(rng);
        let p = match se {
            Some(se) if se.is_finite() => logit.inverse(logit.apply(p) + z * se),
            _ => p,
        };
        scratch.push(draw_rate(rng, n, p));
    }
    match observation {
        // A task-level row is observed directly, not composed.
        Observation::TaskLevel => scratch.first().copied().unwrap_or(f64::NAN),
        Observation::ComposedSubtasks => op.apply(scratch).unwrap_or(f64::NAN),
    }
}
