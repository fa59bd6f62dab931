//! Does the whole task jump beyond its composed subtasks? The break test of the module
//! above, applied to a task-level series (the task's own score, e.g. exact match on the
//! whole task) measured against the composition of its subtasks' smooth trends.
//!
//! Data: every subtask's counts and the task-level counts, each at its own sizes.
//!
//! Null: every subtask follows the smooth trend of the break test,
//! p_j(x) = c + (1 − c)·σ(a_j + b_j·x), and the task-level rate is their composition under
//! the operator (`all`: P(x) = Π_j p_j(x)) up to a constant factor on the odds:
//! logit P_task(x) = logit P(x) + α. The free α is a dependence between subtasks that does
//! not change with scale (items hard on one subtask are hard on the others, so the task is
//! solved more often than the product says): not emergence. α = 0 is the composition of
//! independent subtasks.
//!
//! Alternative: the same with one break of the task's departure from the composition,
//! logit P_task(x) = logit P(x) + α + δ·z_τ(x), z_τ a jump 1[x > τ] or a hinge (x − τ)₊,
//! τ where the break test puts it (at least two task-level sizes on each side).
//!
//! Statistic: sup over τ and both kinds of D_null − D_alt, the task-level binomial
//! deviances with the composition as a known offset (McCullagh & Nelder 1989, §6.2.2).
//! p-value: a parametric bootstrap from the null fit that draws every subtask and task
//! cell, refits every subtask's trend, composes them again, and refits the null and every
//! alternative (the composition's own estimation error is in the replicates; τ is not
//! identified under the null, Davies 1987, Andrews 1993, Hansen 1996), drawn sequentially
//! (Besag & Clifford 1991) with the options of the break test. Power: the share of
//! replicates from the null fit with the task-level rate raised by `power_jump` at the two
//! largest sizes that the test rejects at level α, from R₀ null replicates' critical value.
//!
//! Subtask and task-level cells are drawn independently. When the task-level row was
//! scored on the same items as the subtasks, the two covary positively; the difference
//! between the task and its composition then varies less than the replicates assume, and
//! the test errs on the side of not rejecting.

use super::glm::{self, rate, Cells, Design, GlmFit};
use super::{
    draw, logit_start, reaches, BreakData, BreakError, BreakKind, BreakOptions, Candidate, Models,
    PowerEstimate, NULL_STREAM, POWER_STREAM,
};
use crate::analyze::bootstrap::replicate_rng;
use crate::analyze::multitest::{critical_rank, sequential_p_value};
use crate::compose::Operator;

/// Separates this test's streams from the break test's for the same seed.
pub const STREAM_SALT: u64 = 0x6265_796f_6e64_0000;

/// The composition's logit is kept within ±OFFSET_MAX (P within 1e-108 of 0 or 1), where
/// the fits' linear predictors stay representable; beyond it a cell's expected count is 0
/// or n for any number of items a benchmark has.
const OFFSET_MAX: f64 = glm::ETA_MAX / 2.0;

/// What the null allows between the task and the composition of its subtasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dependence {
    /// α = 0: the task-level rate is the composition of independent subtasks.
    None,
    /// α free: the composition up to a constant factor on the odds.
    Constant,
}

/// The test's input: each subtask's counts and the task-level counts.
#[derive(Debug, Clone, PartialEq)]
pub struct BeyondData {
    subtasks: Vec<BreakData>,
    task: BreakData,
}

impl BeyondData {
    pub fn new(subtasks: Vec<BreakData>, task: BreakData) -> Result<Self, BreakError> {
        if subtasks.is_empty() {
            return Err(BreakError::Options("the composition needs at least one subtask".into()));
        }
        Ok(BeyondData { subtasks, task })
    }

    pub fn task(&self) -> &BreakData {
        &self.task
    }
}

/// The strongest departure from the composition.
#[derive(Debug, Clone, PartialEq)]
pub struct Departure {
    pub kind: BreakKind,
    /// Indices into the task's sizes ([`BreakData::log10_sizes`]) either side of the break.
    pub between: (usize, usize),
    pub sizes: (f64, f64),
    pub tau: f64,
    /// The break on the logit scale: > 0 the task rises beyond its composition.
    pub delta: f64,
    /// The index of the "after" size: `between.1` for a jump; the largest size for a hinge,
    /// whose departure grows with size.
    pub to: usize,
    /// The alternative's fitted task-level rates at `between.0` and at `to`.
    pub before: f64,
    pub after: f64,
    /// The observed task-level rates there.
    pub observed_before: f64,
    pub observed_after: f64,
    /// The composition of the smooth subtask trends there (α = 0).
    pub composed_before: f64,
    pub composed_after: f64,
    pub statistic: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BeyondTest {
    pub statistic: f64,
    pub p_value: f64,
    pub replicates: usize,
    pub exceedances: usize,
    pub stopped_early: bool,
    /// α̂ of the null: the task's constant departure from the composition (logit scale).
    pub offset: f64,
    /// The composed smooth subtask trends at the task's sizes (α = 0).
    pub composed: Vec<f64>,
    /// The null fit: the composition shifted by `offset`.
    pub null_rates: Vec<f64>,
    pub strongest: Departure,
    pub candidates: Vec<Candidate>,
    pub power: Option<PowerEstimate>,
}

/// The smooth trend of one subtask: its design and its cells' items.
struct Subtask {
    design: Design,
    x: Vec<f64>,
    x_mean: f64,
    n: Vec<f64>,
}

/// The fitted model of one data set (observed or replicate).
struct Fitted {
    subtasks: Vec<GlmFit>,
    offset: Vec<f64>,
    null: GlmFit,
    alternatives: Vec<GlmFit>,
    sup: f64,
}

struct Model<'a> {
    op: &'a Operator,
    chance: f64,
    subtasks: Vec<Subtask>,
    task_x: Vec<f64>,
    task_n: Vec<f64>,
    null: Design,
    alternatives: Vec<(Candidate, Design)>,
}

impl<'a> Model<'a> {
    fn new(data: &BeyondData, op: &'a Operator, chance: f64, null: Dependence) -> Self {
        let subtasks = data
            .subtasks
            .iter()
            .map(|d| {
                let x_mean = d.x.iter().sum::<f64>() / d.x.len() as f64;
                Subtask {
                    design: Design { columns: 2, z: d.x.iter().map(|&x| [1.0, x - x_mean, 0.0]).collect() },
                    x: d.x.clone(),
                    x_mean,
                    n: d.trials.iter().map(|&n| n as f64).collect(),
                }
            })
            .collect();
        // The break test's candidates at the task's sizes; their z is the third column.
        let grid = Models::new(&data.task.x);
        let fixed = null == Dependence::None;
        let alternatives = grid
            .alternatives
            .into_iter()
            .map(|(c, d)| {
                if fixed {
                    (c, Design { columns: 1, z: d.z.iter().map(|z| [z[2], 0.0, 0.0]).collect() })
                } else {
                    (c, Design { columns: 2, z: d.z.iter().map(|z| [1.0, z[2], 0.0]).collect() })
                }
            })
            .collect();
        let m = data.task.x.len();
        Model {
            op,
            chance,
            subtasks,
            task_x: data.task.x.clone(),
            task_n: data.task.trials.iter().map(|&n| n as f64).collect(),
            null: Design { columns: usize::from(!fixed), z: vec![[1.0, 0.0, 0.0]; m] },
            alternatives,
        }
    }

    /// logit of the composition at x of the subtask trends `fits`, within ±OFFSET_MAX.
    fn composed_logit(&self, fits: &[GlmFit], x: f64) -> f64 {
        let eta = self.subtasks.iter().zip(fits).map(|(s, f)| f.beta[0] + f.beta[1] * (x - s.x_mean));
        let logit = if self.op.is_strict_product() {
            let ln_p: f64 = eta.map(|e| ln_rate(e, self.chance)).sum();
            ln_p - (-ln_p.exp_m1()).ln()
        } else {
            let rates: Vec<f64> = eta.map(|e| rate(e, self.chance)).collect();
            self.op.apply(&rates).map_or(f64::NAN, |p| (p / (1.0 - p)).ln())
        };
        logit.clamp(-OFFSET_MAX, OFFSET_MAX)
    }

    /// Every fit of one data set; `None` when a fit does not converge or the composition
    /// is undefined.
    fn fit(&self, subtask_cells: &[Cells], task: &Cells, starts: &[[f64; 3]]) -> Option<Fitted> {
        let subtasks: Vec<GlmFit> = self
            .subtasks
            .iter()
            .zip(subtask_cells)
            .zip(starts)
            .map(|((s, cells), &start)| glm::fit(cells, &s.design, self.chance, start))
            .collect();
        if subtasks.iter().any(|f| !f.converged) {
            return None;
        }
        let offset: Vec<f64> = self.task_x.iter().map(|&x| self.composed_logit(&subtasks, x)).collect();
        if offset.iter().any(|o| o.is_nan()) {
            return None;
        }
        let null = glm::fit_offset(task, &self.null, &offset, [0.0; 3]);
        let start = if self.null.columns == 0 { [0.0; 3] } else { [null.beta[0], 0.0, 0.0] };
        let alternatives: Vec<GlmFit> =
            self.alternatives.iter().map(|(_, d)| glm::fit_offset(task, d, &offset, start)).collect();
        if !null.converged || alternatives.iter().any(|f| !f.converged) {
            return None;
        }
        let sup = alternatives.iter().map(|f| null.deviance - f.deviance).fold(0.0, f64::max);
        Some(Fitted { subtasks, offset, null, alternatives, sup })
    }

    fn subtask_rates(&self, fits: &[GlmFit]) -> Vec<Vec<f64>> {
        self.subtasks
            .iter()
            .zip(fits)
            .map(|(s, f)| {
                s.x.iter().map(|&x| rate(f.beta[0] + f.beta[1] * (x - s.x_mean), self.chance)).collect()
            })
            .collect()
    }

    /// Draws one data set from the subtask rates and the task-level rates.
    fn draw(
        &self,
        seed: u64,
        stream: usize,
        b: usize,
        subtasks: &[Vec<f64>],
        task: &[f64],
    ) -> (Vec<Cells>, Cells) {
        let mut rng = replicate_rng(seed ^ STREAM_SALT, stream, b);
        let cells = self.subtasks.iter().zip(subtasks).map(|(s, p)| draw(&mut rng, &s.n, p)).collect();
        (cells, draw(&mut rng, &self.task_n, task))
    }
}

/// ln(c + (1 − c)σ(η)) without underflow for c = 0.
fn ln_rate(eta: f64, chance: f64) -> f64 {
    if chance == 0.0 {
        -((-eta).max(0.0) + (-eta.abs()).exp().ln_1p())
    } else {
        rate(eta, chance).ln()
    }
}

fn sigmoid_rates(linear: impl Iterator<Item = f64>) -> Vec<f64> {
    linear.map(|e| rate(e, 0.0)).collect()
}

/// Tests whether the task-level series jumps beyond its composed subtasks under `op`.
/// See the module header for the method.
pub fn beyond_test(
    data: &BeyondData,
    op: &Operator,
    null: Dependence,
    opts: &BreakOptions,
    seed: u64,
) -> Result<BeyondTest, BreakError> {
    opts.check()?;
    if !op.is_rate() {
        return Err(BreakError::Options(format!("{} is not a rate", op.name())));
    }
    let model = Model::new(data, op, opts.chance, null);
    let subtask_cells: Vec<Cells> = data.subtasks.iter().map(BreakData::cells).collect();
    let task_cells = data.task.cells();
    let starts: Vec<[f64; 3]> = data
        .subtasks
        .iter()
        .zip(&model.subtasks)
        .map(|(d, s)| logit_start(d, opts.chance, s.x_mean))
        .collect();
    let observed =
        model.fit(&subtask_cells, &task_cells, &starts).ok_or(BreakError::NoConvergence("composed"))?;
    let t = observed.sup;
    let starts: Vec<[f64; 3]> = observed.subtasks.iter().map(|f| f.beta).collect();
    let subtask_rates = model.subtask_rates(&observed.subtasks);
    let null_rates = sigmoid_rates(observed.offset.iter().map(|o| o + observed.null.beta[0]));
    let composed = sigmoid_rates(observed.offset.iter().copied());

    // A replicate whose fits fail counts as reaching T (conservative).
    let replicate = |stream: usize, b: usize, task: &[f64]| {
        let (cells, task) = model.draw(seed, stream, b, &subtask_rates, task);
        model.fit(&cells, &task, &starts).map_or(f64::INFINITY, |f| f.sup)
    };
    let mut null_stats: Vec<f64> = Vec::new();
    let sequential = sequential_p_value(opts.exceedances, opts.max_replicates, |b| {
        null_stats.push(replicate(NULL_STREAM, b, &null_rates));
        reaches(null_stats[b], t)
    });

    let power = opts.power.then(|| {
        let r0 = opts.power_null_replicates;
        null_stats.extend((null_stats.len()..r0).map(|b| replicate(NULL_STREAM, b, &null_rates)));
        let mut first: Vec<f64> = null_stats[..r0].to_vec();
        first.sort_by(|a, b| b.total_cmp(a));
        let critical = first[critical_rank(opts.alpha, r0) - 1];
        let m = null_rates.len();
        let mut alt_rates = null_rates.clone();
        for p in &mut alt_rates[m - 2..] {
            *p = (*p + opts.power_jump).min(1.0);
        }
        let rejected = (0..opts.power_replicates)
            .filter(|&b| {
                let s = replicate(POWER_STREAM, b, &alt_rates);
                s.is_finite() && !reaches(critical, s)
            })
            .count();
        let p = rejected as f64 / opts.power_replicates as f64;
        PowerEstimate {
            power: p,
            standard_error: (p * (1.0 - p) / opts.power_replicates as f64).sqrt(),
            critical_value: critical,
            jump: opts.power_jump,
            null_replicates: r0,
            replicates: opts.power_replicates,
        }
    });

    let candidates: Vec<Candidate> = model
        .alternatives
        .iter()
        .zip(&observed.alternatives)
        .map(|((c, _), f)| Candidate { statistic: observed.null.deviance - f.deviance, ..*c })
        .collect();
    let best = (0..candidates.len()).find(|&i| reaches(candidates[i].statistic, t)).unwrap_or(0);
    let (cand, design) = &model.alternatives[best];
    let fit = &observed.alternatives[best];
    let rates = sigmoid_rates(design.eta(&fit.beta).zip(&observed.offset).map(|(e, o)| e + o));
    let j0 = cand.between.0;
    let j1 = match cand.kind {
        BreakKind::Jump => cand.between.1,
        BreakKind::Hinge => model.task_x.len() - 1,
    };
    let strongest = Departure {
        kind: cand.kind,
        between: cand.between,
        sizes: (10f64.powf(model.task_x[j0]), 10f64.powf(model.task_x[cand.between.1])),
        to: j1,
        tau: cand.tau,
        delta: fit.beta[design.columns - 1],
        before: rates[j0],
        after: rates[j1],
        observed_before: data.task.successes[j0] as f64 / data.task.trials[j0] as f64,
        observed_after: data.task.successes[j1] as f64 / data.task.trials[j1] as f64,
        composed_before: composed[j0],
        composed_after: composed[j1],
        statistic: candidates[best].statistic,
    };
    Ok(BeyondTest {
        statistic: t,
        p_value: sequential.p_value,
        replicates: sequential.replicates,
        exceedances: sequential.exceedances,
        stopped_early: sequential.stopped_early,
        offset: if model.null.columns == 0 { 0.0 } else { observed.null.beta[0] },
        composed,
        null_rates,
        strongest,
        candidates,
        power,
    })
}
