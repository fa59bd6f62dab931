//! Seeded posterior draws for the compounds' and the emergence scores' intervals.
//!
//! Replicate `b` of group `g` draws every subtask's rate at every model size, recomposes
//! every compound from the drawn rates with its own operator and recomputes every
//! series' emergence score on the drawn series. Percentiles of the replicates give the
//! compound points' and the emergence scores' intervals. How rates are drawn depends on
//! what the input says about its items:
//!
//! - Counts per cell (`jeffreys-posterior`): the rate of a cell with x correct of n
//!   items is drawn from its posterior under the Jeffreys prior, Beta(x + ½, n − x + ½),
//!   each cell independently. Its percentiles are the Jeffreys interval, which Brown,
//!   Cai & DasGupta (2001, "Interval estimation for a binomial proportion", Statistical
//!   Science 16(2)) recommend for its coverage close to nominal at small n and rates
//!   near 0 or 1; unlike redrawing counts from Binomial(n, x/n) it never collapses to
//!   [0, 0] when a subtask has no correct item.
//! - Item-level 0/1 outcomes (`item-bayesian-bootstrap`): subtasks scored on the same
//!   items are not independent, so a model's items are drawn whole, with all their
//!   subtask outcomes. The weights of the observed outcome patterns come from their
//!   posterior under a Dirichlet-process prior (Ferguson 1973) of total mass 1 spread
//!   evenly over the 2^k patterns: the Bayesian bootstrap (Rubin 1981, "The Bayesian
//!   bootstrap", Annals of Statistics 9(1)) with a prior whose mass is split half
//!   correct, half wrong for every subtask, so each subtask's rate has exactly the
//!   Jeffreys posterior above while the subtasks' correlation on shared items is kept.
//!   The prior's part is drawn by stick-breaking (Sethuraman 1994). Each model's items
//!   are drawn separately: where sizes share items, their dependence across sizes is
//!   not kept (see the README, "Statistics").
//!
//! Determinism: replicate `b` of group `g` uses ChaCha8 seeded with `--seed` on
//! stream `g << 32 | b`, so results do not depend on thread count or scheduling.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use rayon::prelude::*;

use super::emergence::emergence_score_at;
use super::interval::percentile_interval;
use crate::compose::{Cell, Group};
use crate::ingest::items::JointCounts;

/// The random stream of one replicate of one group.
pub fn replicate_rng(seed: u64, group: usize, replicate: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((group as u64) << 32) | replicate as u64);
    rng
}

/// Bootstrap summary of one row (a subtask, the task-level row or a compound).
#[derive(Debug, Clone, Default)]
pub struct RowBootstrap {
    /// Per model of the group (None where the row has no value): percentile interval.
    pub intervals: Vec<Option<(f64, f64)>>,
    /// Per model: standard deviation of the replicates.
    pub sd: Vec<Option<f64>>,
    /// Percentile interval of the emergence score.
    pub score_interval: Option<(f64, f64)>,
    /// Replicates whose emergence score was undefined (flat replicate).
    pub score_undefined: usize,
}

/// Why a statistic that needs item counts has none.
pub const NO_COUNTS: &str = "no item counts: add n (and correct) columns or give --n";

/// The item count behind each cell: its own `n`, else the common `--n`.
pub fn cell_n(cell: &Cell, common: Option<u64>) -> Option<u64> {
    cell.n.or(common)
}

/// Rows of a group in series order: subtasks, then the task-level row, then compounds.
/// `observed[r][m]` is row r's value for model m.
fn observed_rows(g: &Group) -> Vec<Vec<Option<f64>>> {
    let mut rows: Vec<Vec<Option<f64>>> =
        g.cells.iter().map(|row| row.iter().map(|c| c.as_ref().map(|c| c.value)).collect()).collect();
    if let Some(t) = &g.task_level {
        rows.push(t.iter().map(|c| c.as_ref().map(|c| c.value)).collect());
    }
    rows.extend(g.compounds.iter().map(|c| c.values.clone()));
    rows
}

/// Why a group cannot be bootstrapped, if it cannot.
pub fn missing_counts(g: &Group, common: Option<u64>) -> Option<String> {
    let cells = g.cells.iter().flatten().chain(g.task_level.iter().flatten()).flatten();
    let lacking = cells.filter(|c| cell_n(c, common).is_none()).count();
    (lacking > 0).then(|| {
        format!(
            "no item counts for {lacking} cell{}: add n (and correct) columns or give --n",
            if lacking == 1 { "" } else { "s" }
        )
    })
}

/// `ci_method` of intervals from per-cell Jeffreys posteriors.
pub const JEFFREYS_POSTERIOR: &str = "jeffreys-posterior";
/// `ci_method` of intervals from the Bayesian bootstrap over items.
pub const ITEM_BAYESIAN_BOOTSTRAP: &str = "item-bayesian-bootstrap";

/// What a group's intervals are asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalRequest {
    /// Draws per group.
    pub replicates: usize,
    pub seed: u64,
    /// Two-sided level, in (0, 1).
    pub level: f64,
    /// Common item count for rows without `n` (`--n`).
    pub common_n: Option<u64>,
}

/// The intervals of one group's rows.
#[derive(Debug, Clone)]
pub struct GroupBootstrap {
    /// [`JEFFREYS_POSTERIOR`] or [`ITEM_BAYESIAN_BOOTSTRAP`].
    pub method: &'static str,
    /// Item-level input whose items could not be drawn whole, and why.
    pub note: Option<String>,
    /// Subtasks, then the task-level row, then compounds (the group's order).
    pub rows: Vec<RowBootstrap>,
}

impl GroupBootstrap {
    /// The row of compound `ci` of group `g`.
    pub fn compound(&self, g: &Group, ci: usize) -> &RowBootstrap {
        &self.rows[g.cells.len() + usize::from(g.task_level.is_some()) + ci]
    }
}

/// The posterior of one cell's rate: Beta(x + ½, n − x + ½), drawn as G₁/(G₁ + G₂) from
/// G₁ ~ Gamma(x + ½), G₂ ~ Gamma(n − x + ½): the same distribution as rand_distr's `Beta`
/// at about half its cost (Marsaglia–Tsang gammas against Cheng's rejection sampler).
#[derive(Debug, Clone)]
pub struct CellPosterior(Option<(Gamma<f64>, Gamma<f64>)>);

impl CellPosterior {
    /// `correct` may be fractional (graded scores: the sum of the scores) and is
    /// clamped to [0, n]. No items: every draw is NaN (absent).
    pub fn new(n: u64, correct: f64) -> Self {
        if n == 0 {
            return CellPosterior(None);
        }
        let x = correct.clamp(0.0, n as f64);
        let shapes = (Gamma::new(x + 0.5, 1.0), Gamma::new(n as f64 - x + 0.5, 1.0));
        CellPosterior(match shapes {
            (Ok(a), Ok(b)) => Some((a, b)),
            _ => None,
        })
    }

    pub fn draw(&self, rng: &mut ChaCha8Rng) -> f64 {
        self.0.as_ref().map_or(f64::NAN, |(a, b)| {
            let (x, y) = (a.sample(rng), b.sample(rng));
            x / (x + y)
        })
    }
}

/// One model's items as outcome patterns, for drawing whole items.
#[derive(Debug, Clone)]
pub struct ItemPosterior {
    /// Subtasks (bit j of a pattern is subtask j of the group).
    k: usize,
    /// Per observed pattern: its outcomes and the Gamma(items) its weight is drawn from.
    patterns: Vec<(u64, Gamma<f64>)>,
}

/// The prior's share is followed until what remains of its stick is below this.
const STICK_REST: f64 = 1e-12;

impl ItemPosterior {
    /// The patterns of a model's complete items (bit j: subtask j correct, the group's
    /// order), as (pattern, items). None when a count is zero or k is over 64.
    pub fn new(k: usize, patterns: &[(u64, u64)]) -> Option<Self> {
        if k == 0 || k > 64 || patterns.iter().any(|&(_, c)| c == 0) {
            return None;
        }
        let patterns = patterns
            .iter()
            .map(|&(p, c)| Some((p, Gamma::new(c as f64, 1.0).ok()?)))
            .collect::<Option<Vec<_>>>()?;
        Some(ItemPosterior { k, patterns })
    }

    /// One draw of every subtask's rate into `rates[..k]` and the all-correct rate into
    /// `rates[k]`: weights Dir(items of each observed pattern, 1) over the observed
    /// patterns and the prior, and the prior's weight split over random patterns by
    /// stick-breaking with Beta(1, 1) sticks (a draw of DP(1, uniform on {0,1}^k)).
    pub fn draw(&self, rng: &mut ChaCha8Rng, rates: &mut [f64]) {
        let k = self.k;
        let full = if k == 64 { u64::MAX } else { (1u64 << k) - 1 };
        rates[..=k].fill(0.0);
        let add = |pattern: u64, w: f64, rates: &mut [f64]| {
            for (j, r) in rates[..k].iter_mut().enumerate() {
                if pattern >> j & 1 == 1 {
                    *r += w;
                }
            }
            if pattern & full == full {
                rates[k] += w;
            }
        };
        let mut total = 0.0;
        for (pattern, gamma) in &self.patterns {
            let w = gamma.sample(rng);
            add(*pattern, w, rates);
            total += w;
        }
        // The prior's weight is Gamma(1): an exponential.
        let prior = -(1.0 - rng.random::<f64>()).ln();
        total += prior;
        let mut rest = prior;
        while rest > STICK_REST * total {
            let stick: f64 = rng.random();
            let pattern: u64 = rng.random::<u64>() & full;
            add(pattern, rest * stick, rates);
            rest *= 1.0 - stick;
        }
        // The sliver left goes to one more random pattern, so the weights add up.
        add(rng.random::<u64>() & full, rest, rates);
        for r in &mut rates[..=k] {
            *r /= total;
        }
    }
}

/// How a group's rates are drawn.
enum Draws {
    /// Per row (subtasks, then the task-level row), per model.
    Cells(Vec<Vec<Option<CellPosterior>>>),
    /// Per model: its items, or None where the model has no cell.
    Items(Vec<Option<ItemPosterior>>),
}

/// Runs `request.replicates` draws for group `gi`. Call only when [`missing_counts`] is
/// None. `joint` is the input's item-level counts (empty for other inputs): when they
/// cover the whole group its items are drawn whole. `tick` is called once per replicate.
pub fn bootstrap_group(
    g: &Group,
    gi: usize,
    joint: &[JointCounts],
    request: &IntervalRequest,
    tick: &(dyn Fn() + Sync),
) -> GroupBootstrap {
    let replicates = request.replicates;
    let observed = observed_rows(g);
    let models = g.models.len();
    let rows = observed.len();
    let (draws, method, note) = match item_posteriors(g, joint) {
        Ok(Some(items)) => (Draws::Items(items), ITEM_BAYESIAN_BOOTSTRAP, None),
        Ok(None) => (Draws::Cells(cell_posteriors(g, request.common_n)), JEFFREYS_POSTERIOR, None),
        Err(why) => (Draws::Cells(cell_posteriors(g, request.common_n)), JEFFREYS_POSTERIOR, Some(why)),
    };
    let draws: Vec<Vec<f64>> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = replicate_rng(request.seed, gi, b);
            let values = replicate(g, &draws, &mut rng, rows);
            tick();
            values
        })
        .collect();
    let params: Vec<f64> = g.models.iter().map(|m| m.params).collect();
    let rows = (0..rows)
        .map(|r| {
            let present: Vec<usize> = (0..models).filter(|&m| observed[r][m].is_some()).collect();
            let mut column = vec![0.0; replicates];
            let mut intervals = vec![None; models];
            let mut sd = vec![None; models];
            for &m in &present {
                for (slot, d) in column.iter_mut().zip(&draws) {
                    *slot = d[r * models + m];
                }
                intervals[m] = percentile_interval(&column, request.level);
                sd[m] = std_dev(&column);
            }
            let sizes: Vec<f64> = present.iter().map(|&m| params[m]).collect();
            let mut scores = Vec::with_capacity(replicates);
            let mut y = vec![0.0; present.len()];
            for d in &draws {
                for (slot, &m) in y.iter_mut().zip(&present) {
                    *slot = d[r * models + m];
                }
                if let Ok(s) = emergence_score_at(&sizes, &y) {
                    scores.push(s);
                }
            }
            let score_undefined = replicates - scores.len();
            // A score interval from a handful of defined replicates would mislead.
            let score_interval = if scores.len() * 2 >= replicates.max(1) {
                percentile_interval(&scores, request.level)
            } else {
                None
            };
            RowBootstrap { intervals, sd, score_interval, score_undefined }
        })
        .collect();
    GroupBootstrap { method, note, rows }
}

/// A posterior per observed cell (subtask rows, then the task-level row), row-major by
/// model; None where the cell is absent or has no count.
fn cell_posteriors(g: &Group, common_n: Option<u64>) -> Vec<Vec<Option<CellPosterior>>> {
    g.cells
        .iter()
        .chain(g.task_level.iter())
        .map(|row| {
            row.iter()
                .map(|c| {
                    let c = c.as_ref()?;
                    let n = cell_n(c, common_n)?;
                    let correct = c.correct.map_or(c.value * n as f64, |x| x as f64);
                    Some(CellPosterior::new(n, correct))
                })
                .collect()
        })
        .collect()
}

/// The group's items drawn whole, per model ([`group_patterns`]).
fn item_posteriors(g: &Group, joint: &[JointCounts]) -> Result<Option<Vec<Option<ItemPosterior>>>, String> {
    let k = g.subtasks.len();
    let Some(patterns) = group_patterns(g, joint)? else { return Ok(None) };
    patterns
        .into_iter()
        .enumerate()
        .map(|(m, p)| {
            p.map(|p| {
                ItemPosterior::new(k, &p).ok_or_else(|| format!("model {:?}: no items", g.models[m].name))
            })
            .transpose()
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Some)
}

/// One model's complete items as (outcome pattern, items), bit j being subtask j of the group.
pub type Patterns = Vec<(u64, u64)>;

/// The group's complete items as (outcome pattern, items) per model, bit j being subtask j
/// of the group, when the input has them for every model with a cell: `Ok(None)` for
/// inputs without item-level counts (or a group without subtasks), `Err` when they do not
/// cover the group (the cells are then drawn one by one, and subtasks taken as independent).
pub fn group_patterns(g: &Group, joint: &[JointCounts]) -> Result<Option<Vec<Option<Patterns>>>, String> {
    let mine: Vec<&JointCounts> = joint
        .iter()
        .filter(|j| {
            j.key.task == g.key.task
                && j.key.family == g.key.family
                && j.key.metric == g.key.metric
                && j.key.shots == g.key.shots
        })
        .collect();
    if mine.is_empty() {
        return Ok(None);
    }
    let k = g.subtasks.len();
    (0..g.models.len())
        .map(|m| {
            let present = g.cells.iter().chain(g.task_level.iter()).any(|row| row[m].is_some());
            if !present {
                return Ok(None);
            }
            let model = &g.models[m].name;
            let j = mine
                .iter()
                .find(|j| &j.key.model == model)
                .ok_or_else(|| format!("model {model:?} has no item-level counts"))?;
            model_patterns(g, m, j).map(Some).map_err(|why| format!("model {model:?}: {why}"))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|items| (k > 0).then_some(items))
}

/// One model's patterns in the group's subtask order, checked against its cells.
fn model_patterns(g: &Group, m: usize, j: &JointCounts) -> Result<Patterns, String> {
    let patterns = j.patterns.as_ref().ok_or("the outcomes are not all 0/1, or too many subtasks")?;
    if j.complete < j.items {
        return Err("some items lack a subtask".into());
    }
    // Bit j of the reader's patterns is subtask j of `j.subtasks`; the group's may differ.
    let mut from = Vec::with_capacity(g.subtasks.len());
    for (row, name) in g.cells.iter().zip(&g.subtasks) {
        let at = j
            .subtasks
            .iter()
            .position(|s| &s.subtask == name)
            .ok_or_else(|| format!("subtask {name:?} has no items"))?;
        let cell = row[m].as_ref().ok_or_else(|| format!("subtask {name:?} has no value"))?;
        if cell.n != Some(j.complete) || cell.correct.map(|c| c as f64) != Some(j.subtasks[at].sum) {
            return Err(format!("subtask {name:?}: the counts differ from the items'"));
        }
        from.push(at);
    }
    if j.subtasks.len() != from.len() {
        return Err("the items have subtasks the group does not".into());
    }
    let remapped: Vec<(u64, u64)> = patterns
        .iter()
        .map(|p| {
            let bits =
                from.iter().enumerate().fold(0u64, |acc, (to, &at)| acc | ((p.correct >> at & 1) << to));
            (bits, p.items)
        })
        .collect();
    Ok(remapped)
}

/// A group's rows drawn exactly as [`bootstrap_group`] draws them (items whole where the
/// input has them), for a test that reads two compounds off the same draws (question 3).
pub struct RowDraws {
    draws: Draws,
    rows: usize,
    /// [`JEFFREYS_POSTERIOR`] or [`ITEM_BAYESIAN_BOOTSTRAP`].
    pub method: &'static str,
}

impl RowDraws {
    pub fn new(g: &Group, joint: &[JointCounts], common_n: Option<u64>) -> Self {
        let rows = observed_rows(g).len();
        match item_posteriors(g, joint) {
            Ok(Some(items)) => RowDraws { draws: Draws::Items(items), rows, method: ITEM_BAYESIAN_BOOTSTRAP },
            _ => RowDraws {
                draws: Draws::Cells(cell_posteriors(g, common_n)),
                rows,
                method: JEFFREYS_POSTERIOR,
            },
        }
    }

    /// One draw of every row (subtasks, task-level row, compounds) for every model,
    /// row-major; NaN where absent.
    pub fn draw(&self, g: &Group, rng: &mut ChaCha8Rng) -> Vec<f64> {
        replicate(g, &self.draws, rng, self.rows)
    }

    /// The row of compound `ci`.
    pub fn compound_row(g: &Group, ci: usize) -> usize {
        g.cells.len() + usize::from(g.task_level.is_some()) + ci
    }
}

/// One replicate: every row's value for every model, flattened row-major (NaN = absent).
fn replicate(g: &Group, draws: &Draws, rng: &mut ChaCha8Rng, rows: usize) -> Vec<f64> {
    let models = g.models.len();
    let k = g.cells.len();
    let observed_rows = k + usize::from(g.task_level.is_some());
    let mut out = vec![f64::NAN; rows * models];
    match draws {
        Draws::Cells(cells) => {
            for (r, row) in cells.iter().enumerate() {
                for (m, posterior) in row.iter().enumerate() {
                    if let Some(p) = posterior {
                        out[r * models + m] = p.draw(rng);
                    }
                }
            }
        }
        Draws::Items(items) => {
            let mut rates = vec![0.0; k + 1];
            for (m, posterior) in items.iter().enumerate() {
                let Some(p) = posterior else { continue };
                p.draw(rng, &mut rates);
                for (s, &rate) in rates[..k].iter().enumerate() {
                    out[s * models + m] = rate;
                }
                // The task-level row of item-level input is the all-correct rate.
                if let Some(row) = &g.task_level {
                    if row[m].is_some() {
                        out[k * models + m] = rates[k];
                    }
                }
            }
        }
    }
    let mut rates = vec![0.0; k];
    for (ci, compound) in g.compounds.iter().enumerate() {
        let r = observed_rows + ci;
        for m in 0..models {
            if compound.values[m].is_none() {
                continue;
            }
            for (s, slot) in rates.iter_mut().enumerate() {
                *slot = out[s * models + m];
            }
            if let Ok(v) = compound.operator.apply(&rates) {
                out[r * models + m] = v;
            }
        }
    }
    out
}

fn std_dev(x: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 2 {
        return None;
    }
    let n = finite.len() as f64;
    let mean = finite.iter().sum::<f64>() / n;
    Some((finite.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::items::{Pattern, SubtaskSum};
    use crate::ingest::record::RunKey;

    #[test]
    fn streams_are_independent_of_order() {
        let gamma = Gamma::new(2.0, 1.0).expect("valid shape");
        let draw = |group: usize, replicate: usize| gamma.sample(&mut replicate_rng(7, group, replicate));
        let a: Vec<f64> = (0..3).map(|_| draw(1, 2)).collect();
        assert!(a.iter().all(|&v| v == a[0]));
        let other = draw(1, 3);
        let other_group = draw(2, 2);
        assert!(other != a[0] || other_group != a[0]);
    }

    fn request(replicates: usize, seed: u64) -> IntervalRequest {
        IntervalRequest { replicates, seed, level: 0.95, common_n: None }
    }

    /// One group: 5 subtasks with `correct` of 1000 items each, one model, with `all`.
    fn seed_like_group(correct: u64) -> Group {
        use crate::compose::{Compound, GroupKey, Model};
        let p = correct as f64 / 1000.0;
        let cell = Some(Cell { value: p, n: Some(1000), correct: Some(correct), line: 2 });
        let op: crate::compose::Operator = "all".parse().expect("valid");
        Group {
            key: GroupKey { task: "t".into(), family: "all".into(), metric: "accuracy".into(), shots: None },
            models: vec![Model { name: "m".into(), params: 1e9, flops: None }],
            subtasks: (1..=5).map(|i| format!("s{i}")).collect(),
            cells: vec![vec![cell]; 5],
            task_level: None,
            compounds: vec![Compound { values: vec![op.apply(&[p; 5]).ok()], operator: op }],
            meta: Default::default(),
        }
    }

    #[test]
    fn compound_percentiles_match_the_reference_distribution() {
        // tests/reference/bootstrap_reference.py: the product of five independent
        // Beta(400.5, 600.5), exact mean and sd, percentiles from 4e6 numpy draws.
        let b = bootstrap_group(&seed_like_group(400), 0, &[], &request(20_000, 99), &|| {});
        assert_eq!(b.method, JEFFREYS_POSTERIOR);
        let all = &b.rows[5];
        let (lo, hi) = all.intervals[0].expect("an interval");
        let sd = all.sd[0].expect("a standard deviation");
        // Monte Carlo error of a 2.5% quantile from 20,000 replicates is about 0.5% of the
        // value here; of the sd about 0.5%. Allow 2%.
        assert!((lo / 0.0086036663363845689 - 1.0).abs() < 0.02, "{lo}");
        assert!((hi / 0.012085003464578586 - 1.0).abs() < 0.02, "{hi}");
        assert!((sd / 0.00088817485224227397 - 1.0).abs() < 0.02, "{sd}");
        // Subtask rows: Beta(400.5, 600.5) has sd sqrt(ab/((a+b)²(a+b+1))) = 0.0154817.
        assert!((b.rows[0].sd[0].expect("sd") / 0.015477108523991916 - 1.0).abs() < 0.02);
    }

    #[test]
    fn zero_counts_give_intervals_of_positive_width() {
        // Issue 13: a subtask with no correct item made the old bootstrap's `all` [0, 0].
        let mut g = seed_like_group(400);
        g.cells[2][0] = Some(Cell { value: 0.0, n: Some(1000), correct: Some(0), line: 2 });
        let b = bootstrap_group(&g, 0, &[], &request(2000, 5), &|| {});
        let (lo, hi) = b.rows[5].intervals[0].expect("an interval");
        assert!(lo > 0.0 && hi > lo, "({lo}, {hi})");
        let (lo, hi) = b.rows[2].intervals[0].expect("an interval");
        // The Jeffreys interval for 0 of 1000 is (4.9e-7, 2.508e-3) (bootstrap_reference.py).
        assert!(lo > 0.0 && lo < 1e-5 && (hi / 2.5081643414222978e-3 - 1.0).abs() < 0.1, "({lo}, {hi})");
    }

    #[test]
    fn bootstrap_is_deterministic_for_a_seed() {
        let g = seed_like_group(400);
        let a = bootstrap_group(&g, 3, &[], &request(500, 7), &|| {});
        let b = bootstrap_group(&g, 3, &[], &request(500, 7), &|| {});
        assert_eq!(a.rows[5].intervals, b.rows[5].intervals);
        let c = bootstrap_group(&g, 3, &[], &request(500, 8), &|| {});
        assert_ne!(a.rows[5].intervals, c.rows[5].intervals);
    }

    #[test]
    fn cell_posterior_has_jeffreys_moments() {
        // Beta(x + ½, n − x + ½): mean (x + ½)/(n + 1), variance mean(1 − mean)/(n + 2).
        for (n, x) in [(1000u64, 300.0), (50, 1.0), (5, 0.0), (20, 20.0)] {
            let posterior = CellPosterior::new(n, x);
            let draws: Vec<f64> = (0..40_000).map(|b| posterior.draw(&mut replicate_rng(2, 0, b))).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let want = (x + 0.5) / (n as f64 + 1.0);
            let want_sd = (want * (1.0 - want) / (n as f64 + 2.0)).sqrt();
            let sd = std_dev(&draws).unwrap_or(f64::NAN);
            assert!((mean - want).abs() < 5.0 * want_sd / 200.0, "n {n} x {x}: mean {mean}");
            assert!((sd / want_sd - 1.0).abs() < 0.03, "n {n} x {x}: sd {sd}");
            assert!(draws.iter().all(|&d| d > 0.0 && d < 1.0));
        }
        assert!(CellPosterior::new(0, 0.0).draw(&mut replicate_rng(0, 0, 0)).is_nan());
    }

    #[test]
    fn item_draws_have_jeffreys_marginals_and_keep_the_correlation() {
        // 200 items, 2 subtasks: 60 both right, 20 only the first, 10 only the second,
        // 110 both wrong. Each subtask's draw is Beta(x + ½, n − x + ½) (x = 80 and 70),
        // whatever the patterns (Dirichlet aggregation); their correlation is the posterior's, about the items'
        // phi coefficient (60·110 − 20·10)/√(80·120·70·130) = 0.6847.
        let p = ItemPosterior::new(2, &[(0b11, 60), (0b01, 20), (0b10, 10), (0b00, 110)]).expect("valid");
        let mut rates = [0.0; 3];
        let (mut a, mut b, mut all) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..40_000 {
            p.draw(&mut replicate_rng(4, 0, r), &mut rates);
            a.push(rates[0]);
            b.push(rates[1]);
            all.push(rates[2]);
        }
        // The all-correct rate gets the prior's share of its one pattern, 1/4:
        // Beta(60 + ¼, 140 + ¾).
        for (draws, x) in [(&a, 80.5), (&b, 70.5), (&all, 60.25)] {
            let want: f64 = x / 201.0;
            let want_sd = (want * (1.0 - want) / 202.0).sqrt();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            assert!((mean - want).abs() < 5.0 * want_sd / 200.0, "{x}: mean {mean}");
            assert!((std_dev(draws).unwrap_or(0.0) / want_sd - 1.0).abs() < 0.03, "{x}");
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ma, mb) = (mean(&a), mean(&b));
        let cov = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / a.len() as f64;
        let corr = cov / (std_dev(&a).unwrap_or(1.0) * std_dev(&b).unwrap_or(1.0));
        assert!((corr - 0.6847).abs() < 0.02, "correlation {corr}");
    }

    /// Item-level counts for `seed_like_group`'s model: `patterns` over 1000 items.
    fn joint_of(g: &Group, patterns: Vec<Pattern>) -> JointCounts {
        let sum =
            |j: usize| patterns.iter().filter(|p| p.correct >> j & 1 == 1).map(|p| p.items as f64).sum();
        JointCounts {
            key: RunKey {
                model: "m".into(),
                params: 1e9,
                task: g.key.task.clone(),
                family: g.key.family.clone(),
                metric: g.key.metric.clone(),
                shots: None,
            },
            items: 1000,
            complete: 1000,
            subtasks: (0..5).map(|j| SubtaskSum { subtask: format!("s{}", j + 1), sum: sum(j) }).collect(),
            joint_sum: patterns.iter().filter(|p| p.correct == 0b11111).map(|p| p.items as f64).sum(),
            row_sq_sum: 0.0,
            sq_sum: 0.0,
            binary: true,
            patterns: Some(patterns),
        }
    }

    #[test]
    fn items_that_agree_widen_the_compound_interval() {
        // Every item is right on all five subtasks or on none: the five rates move
        // together, so `all` = rate⁵ varies five times as much on the log scale as one
        // rate, against √5 times for independent subtasks.
        let g = seed_like_group(400);
        let joint =
            joint_of(&g, vec![Pattern { correct: 0b11111, items: 400 }, Pattern { correct: 0, items: 600 }]);
        let items = bootstrap_group(&g, 0, std::slice::from_ref(&joint), &request(4000, 3), &|| {});
        assert_eq!(items.method, ITEM_BAYESIAN_BOOTSTRAP);
        let cells = bootstrap_group(&g, 0, &[], &request(4000, 3), &|| {});
        let width = |b: &GroupBootstrap| {
            let (lo, hi) = b.rows[5].intervals[0].expect("an interval");
            (hi / lo).ln()
        };
        let ratio = width(&items) / width(&cells);
        assert!((ratio - 5f64.sqrt()).abs() < 0.15, "ratio of log widths {ratio}");
    }

    #[test]
    fn items_that_do_not_match_the_cells_fall_back_with_a_note() {
        let g = seed_like_group(400);
        let mut joint =
            joint_of(&g, vec![Pattern { correct: 0b11111, items: 400 }, Pattern { correct: 0, items: 600 }]);
        joint.subtasks[0].sum = 399.0;
        let b = bootstrap_group(&g, 0, &[joint], &request(100, 3), &|| {});
        assert_eq!(b.method, JEFFREYS_POSTERIOR);
        assert!(b.note.as_deref().is_some_and(|n| n.contains("differ")), "{:?}", b.note);
    }
}
