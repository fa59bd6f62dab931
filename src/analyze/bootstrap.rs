//! Seeded parametric bootstrap over item counts.
//!
//! For replicate `b` of group `g`, every cell's correct count is drawn from
//! Binomial(n, observed rate), every compound is recomposed from the drawn subtask
//! rates, and every series' emergence score is recomputed. Percentiles of the
//! replicates give the compound points' and the emergence scores' intervals.
//!
//! Determinism: replicate `b` of group `g` uses ChaCha8 seeded with `--seed` on
//! stream `g << 32 | b`, so results do not depend on thread count or scheduling.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use super::emergence::emergence_score_at;
use super::interval::percentile_interval;
use crate::compose::{Cell, Group};

/// The random stream of one replicate of one group.
pub fn replicate_rng(seed: u64, group: usize, replicate: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((group as u64) << 32) | replicate as u64);
    rng
}

/// Draws correct/n for a cell with `n` items at rate `p`.
pub fn draw_rate(rng: &mut ChaCha8Rng, n: u64, p: f64) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    match Binomial::new(n, p.clamp(0.0, 1.0)) {
        Ok(b) => b.sample(rng) as f64 / n as f64,
        Err(_) => f64::NAN,
    }
}

/// Draws correct/n for one cell, many times: by inversion of a precomputed cumulative
/// table (one uniform and a binary search per draw) when the binomial's mass fits in
/// [`MAX_TABLE`] entries, otherwise by rand_distr's BTPE sampler, built once. The table
/// covers every count whose probability is at least 1e-20 of the mode's and is
/// renormalised; the mass left out is below 1e-15, far under any Monte Carlo error.
#[derive(Debug, Clone)]
pub enum CellSampler {
    /// p is 0 or 1 (or n is 0): the rate itself.
    Fixed(f64),
    Table {
        n: u64,
        first: u64,
        cdf: Vec<f64>,
    },
    Btpe {
        n: u64,
        dist: Binomial,
    },
}

/// Largest inversion table (counts) a cell gets.
pub const MAX_TABLE: usize = 8192;

impl CellSampler {
    pub fn new(n: u64, p: f64) -> Self {
        let p = p.clamp(0.0, 1.0);
        if n == 0 {
            return CellSampler::Fixed(f64::NAN);
        }
        if p == 0.0 || p == 1.0 {
            return CellSampler::Fixed(p);
        }
        let mode = (((n + 1) as f64 * p).floor() as u64).min(n);
        let ratio = p / (1.0 - p);
        // pmf relative to the mode, walking out until it is negligible.
        let mut below = Vec::new();
        let mut w = 1.0;
        let mut k = mode;
        while k > 0 && below.len() < MAX_TABLE {
            w *= k as f64 / (n - k + 1) as f64 / ratio;
            if w < 1e-20 {
                break;
            }
            below.push(w);
            k -= 1;
        }
        let mut above = Vec::new();
        let mut w = 1.0;
        let mut k = mode;
        while k < n && above.len() < MAX_TABLE {
            w *= (n - k) as f64 / (k + 1) as f64 * ratio;
            if w < 1e-20 {
                break;
            }
            above.push(w);
            k += 1;
        }
        if below.len() + above.len() + 1 > MAX_TABLE {
            return match Binomial::new(n, p) {
                Ok(dist) => CellSampler::Btpe { n, dist },
                Err(_) => CellSampler::Fixed(f64::NAN),
            };
        }
        let first = mode - below.len() as u64;
        let weights: Vec<f64> = below.iter().rev().copied().chain([1.0]).chain(above).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        CellSampler::Table { n, first, cdf }
    }

    /// One draw of correct/n.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            CellSampler::Fixed(v) => *v,
            CellSampler::Table { n, first, cdf } => {
                let u: f64 = rng.random();
                let i = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
                (first + i as u64) as f64 / *n as f64
            }
            CellSampler::Btpe { n, dist } => dist.sample(rng) as f64 / *n as f64,
        }
    }
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

/// Runs `replicates` bootstrap replicates of group `gi`. Call only when
/// [`missing_counts`] is None. `tick` is called once per replicate.
pub fn bootstrap_group(
    g: &Group,
    gi: usize,
    common_n: Option<u64>,
    replicates: usize,
    seed: u64,
    level: f64,
    tick: &(dyn Fn() + Sync),
) -> Vec<RowBootstrap> {
    let observed = observed_rows(g);
    let models = g.models.len();
    let rows = observed.len();
    let samplers = samplers(g, common_n);
    let draws: Vec<Vec<f64>> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = replicate_rng(seed, gi, b);
            let values = replicate(g, &samplers, &mut rng, rows);
            tick();
            values
        })
        .collect();
    let params: Vec<f64> = g.models.iter().map(|m| m.params).collect();
    (0..rows)
        .map(|r| {
            let present: Vec<usize> = (0..models).filter(|&m| observed[r][m].is_some()).collect();
            let mut column = vec![0.0; replicates];
            let mut intervals = vec![None; models];
            let mut sd = vec![None; models];
            for &m in &present {
                for (slot, d) in column.iter_mut().zip(&draws) {
                    *slot = d[r * models + m];
                }
                intervals[m] = percentile_interval(&column, level);
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
                percentile_interval(&scores, level)
            } else {
                None
            };
            RowBootstrap { intervals, sd, score_interval, score_undefined }
        })
        .collect()
}

/// A sampler per observed cell (subtask rows, then the task-level row), row-major by
/// model; None where the cell is absent or has no count.
fn samplers(g: &Group, common_n: Option<u64>) -> Vec<Vec<Option<CellSampler>>> {
    g.cells
        .iter()
        .chain(g.task_level.iter())
        .map(|row| {
            row.iter()
                .map(|c| c.as_ref().and_then(|c| Some(CellSampler::new(cell_n(c, common_n)?, c.value))))
                .collect()
        })
        .collect()
}

/// One replicate: every row's value for every model, flattened row-major (NaN = absent).
fn replicate(
    g: &Group,
    samplers: &[Vec<Option<CellSampler>>],
    rng: &mut ChaCha8Rng,
    rows: usize,
) -> Vec<f64> {
    let models = g.models.len();
    let mut out = vec![f64::NAN; rows * models];
    for (r, row) in samplers.iter().enumerate() {
        for (m, sampler) in row.iter().enumerate() {
            if let Some(s) = sampler {
                out[r * models + m] = s.draw(rng);
            }
        }
    }
    let next = samplers.len();
    let k = g.cells.len();
    let mut rates = vec![0.0; k];
    for (ci, compound) in g.compounds.iter().enumerate() {
        let r = next + ci;
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

    #[test]
    fn streams_are_independent_of_order() {
        let a: Vec<f64> = (0..3).map(|_| draw_rate(&mut replicate_rng(7, 1, 2), 1000, 0.3)).collect();
        assert!(a.iter().all(|&v| v == a[0]));
        let other = draw_rate(&mut replicate_rng(7, 1, 3), 1000, 0.3);
        let other_group = draw_rate(&mut replicate_rng(7, 2, 2), 1000, 0.3);
        assert!(other != a[0] || other_group != a[0]);
    }

    /// One group: 5 subtasks at 40% on 1000 items each, one model, compounded with `all`.
    fn seed_like_group() -> Group {
        use crate::compose::{Compound, GroupKey, Model};
        let cell = Some(Cell { value: 0.4, n: Some(1000), correct: Some(400), line: 2 });
        let op: crate::compose::Operator = "all".parse().expect("valid");
        Group {
            key: GroupKey { task: "t".into(), family: "all".into(), metric: "accuracy".into(), shots: None },
            models: vec![Model { name: "m".into(), params: 1e9, flops: None }],
            subtasks: (1..=5).map(|i| format!("s{i}")).collect(),
            cells: vec![vec![cell]; 5],
            task_level: None,
            compounds: vec![Compound { values: vec![op.apply(&[0.4; 5]).ok()], operator: op }],
        }
    }

    #[test]
    fn compound_percentiles_match_the_reference_distribution() {
        // tests/reference/bootstrap_reference.py: the product of five Binomial(1000, 0.4)/1000,
        // exact mean and sd, percentiles from 4e6 numpy draws.
        let rows = bootstrap_group(&seed_like_group(), 0, None, 20_000, 99, 0.95, &|| {});
        let all = &rows[5];
        let (lo, hi) = all.intervals[0].expect("an interval");
        let sd = all.sd[0].expect("a standard deviation");
        // Monte Carlo error of a 2.5% quantile from 20,000 replicates is about 0.5% of the
        // value here; of the sd about 0.5%. Allow 2%.
        assert!((lo / 0.0085887481485078 - 1.0).abs() < 0.02, "{lo}");
        assert!((hi / 0.012069840772497597 - 1.0).abs() < 0.02, "{hi}");
        assert!((sd / 0.00088814122615663515 - 1.0).abs() < 0.02, "{sd}");
        // Subtask rows: Binomial(1000, 0.4)/1000 has sd sqrt(0.24/1000) = 0.0154919.
        assert!((rows[0].sd[0].expect("sd") / 0.015491933384829668 - 1.0).abs() < 0.02);
    }

    #[test]
    fn bootstrap_is_deterministic_for_a_seed() {
        let g = seed_like_group();
        let a = bootstrap_group(&g, 3, None, 500, 7, 0.95, &|| {});
        let b = bootstrap_group(&g, 3, None, 500, 7, 0.95, &|| {});
        assert_eq!(a[5].intervals, b[5].intervals);
        let c = bootstrap_group(&g, 3, None, 500, 8, 0.95, &|| {});
        assert_ne!(a[5].intervals, c[5].intervals);
    }

    #[test]
    fn table_sampler_has_binomial_moments() {
        // Binomial(1000, 0.3)/1000: mean 0.3, sd 0.0144913767; and a skewed Binomial(50, 0.02).
        for (n, p) in [(1000u64, 0.3), (50, 0.02), (5, 0.5)] {
            let sampler = CellSampler::new(n, p);
            assert!(matches!(sampler, CellSampler::Table { .. }));
            let draws: Vec<f64> = (0..40_000).map(|b| sampler.draw(&mut replicate_rng(2, 0, b))).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let sd = std_dev(&draws).unwrap_or(f64::NAN);
            let want_sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((mean - p).abs() < 5.0 * want_sd / 200.0, "n {n} p {p}: mean {mean}");
            assert!((sd / want_sd - 1.0).abs() < 0.03, "n {n} p {p}: sd {sd}");
        }
        assert!(matches!(CellSampler::new(10_000_000, 0.5), CellSampler::Btpe { .. }));
        assert_eq!(CellSampler::new(10, 0.0).draw(&mut replicate_rng(0, 0, 0)), 0.0);
        assert_eq!(CellSampler::new(10, 1.0).draw(&mut replicate_rng(0, 0, 0)), 1.0);
    }

    #[test]
    fn draws_have_binomial_mean_and_variance() {
        // 20,000 draws of Binomial(1000, 0.3)/1000: mean 0.3, sd sqrt(0.21/1000) = 0.014491.
        let draws: Vec<f64> =
            (0..20_000).map(|b| draw_rate(&mut replicate_rng(1, 0, b), 1000, 0.3)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let sd = std_dev(&draws).unwrap_or(f64::NAN);
        // Standard error of the mean: 0.014491 / sqrt(20000) = 1.0e-4; allow 5 of them.
        assert!((mean - 0.3).abs() < 5e-4, "mean {mean}");
        assert!((sd / 0.0144913767 - 1.0).abs() < 0.03, "sd {sd}");
    }
}
