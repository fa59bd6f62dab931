//! A seeded simulation with known truth for the forecasts: does emerge's interval cover
//! the held-out score 95% of the time, and does its forecast beat persistence and a
//! straight line?
//!
//! Each dataset is [`FAMILIES`] model families × [`TASKS`] tasks, one task-level series per
//! (family, task), every family evaluated at the same [`SIZES`] sizes log-spaced from 70M to
//! 12B parameters (Pythia's range; x = log10 size). The series of family f on task t is
//!
//! ```text
//! p_ft(x_i) = c_t + (1 − c_t) · σ(a_ft + b_ft · (x_i − x̄) + ε_fti),   ε_fti ~ N(0, σ_ε²)
//! y_ft(x_i) = Binomial(n_ft, p_ft(x_i)) / n_ft
//! ```
//!
//! with x̄ the centre of the size range, σ the logistic function, and:
//!
//! - chance c_t: 0 or 0.25, each with probability ½ (generation tasks and 4-way multiple
//!   choice); it is the track's `floor`, as `--chance` would give it;
//! - the task's shape (the same in every family, as a task is hard or easy for all of them):
//!   *flat* (near chance: logit at the centre uniform in [−3, −1], slope uniform in
//!   [−0.1, 0.4] per decade — most of lm-eval's and BIG-bench's tasks on Pythia-sized models),
//!   *steady* (logit at the centre in [−1.5, 1.5], slope in [0.5, 1.5] per decade: 10–25
//!   points per decade in mid-range, like LAMBADA, ARC-Easy or PIQA), or *steep* ("emergent":
//!   slope in [3, 6] per decade with its midpoint uniform in [9.4, 10.6], i.e. between 2.5B
//!   and 40B parameters, so that the rise often comes at or after the largest observed size);
//! - family effects: a logit shift s_f ~ N(0, 0.3²) (some families are better at every
//!   size) and a slope multiplier g_f uniform in [0.75, 1.25] (some gain faster with scale);
//!   series a_ft = a_t + s_f + N(0, 0.2²), b_ft = b_t · g_f · exp(N(0, 0.15²)). The slopes of
//!   a family's series thus share a distribution, the one emerge's pooling estimates;
//! - ε_fti: the idiosyncratic deviation of one model on one task from its family's smooth
//!   curve (a checkpoint that happens to be better or worse on that task), σ_ε = 0.15 on the
//!   logit scale — about 3.5 points at a score of 50%;
//! - items n_ft uniform over {100, 250, 500, 1000}, the same at every size of a series.
//!
//! Settings ([`A`], [`B`], [`C`]): A is mostly flat or steady (60% / 40%, no steep task),
//! like lm-eval's suites; B has 10% steep tasks (55% / 35% / 10%), like BIG-bench; C is A's
//! truth with the item counts hidden from the method (`Track::n` all None; the noise is still
//! binomial), as for results files that report only a score.
//!
//! Each dataset is back-tested with [`backtest::run`] exactly as `emerge backtest` does it
//! (default [`TrendSettings`], 95%); the figures are pooled over datasets: emerge's interval
//! coverage of the observed held-out score, the mean absolute error (points, 0–100) of every
//! method, and emerge's paired difference to persistence with its standard error across
//! datasets (each dataset's conformal quantile is shared by its series, so datasets, not
//! series, are the independent units).
//!
//! The quick tests run [`QUICK_DATASETS`] datasets per setting; the full run
//! ([`full_simulation`], ignored) [`FULL_DATASETS`]:
//!
//! ```sh
//! cargo test --lib forecast::simulation -- --ignored --nocapture
//! ```

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use rayon::prelude::*;

use super::backtest::{self, Candidate, Label, Method, HORIZONS};
use super::trend::{Forecaster, TrendSettings, MIN_POINTS};
use super::Track;

/// Model families per dataset.
pub const FAMILIES: usize = 4;
/// Tasks per dataset (one series per family and task).
pub const TASKS: usize = 40;
/// Sizes per family, log-spaced from [`X_MIN`] to [`X_MAX`].
pub const SIZES: usize = 8;
/// log10(70M) and log10(12B).
pub const X_MIN: f64 = 7.845_098_040_014_257;
pub const X_MAX: f64 = 10.079_181_246_047_625;
/// Items per series, drawn uniformly.
pub const ITEMS: [u64; 4] = [100, 250, 500, 1000];
/// The idiosyncratic deviation of a model on a task, sd on the logit scale.
pub const SIGMA_MODEL: f64 = 0.15;
/// The interval level checked.
pub const LEVEL: f64 = 0.95;
/// Datasets per setting in `cargo test` and in the full run.
pub const QUICK_DATASETS: usize = 8;
pub const FULL_DATASETS: usize = 200;

/// A task's kind of curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    Flat,
    Steady,
    Steep,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Flat => "flat",
            Shape::Steady => "steady",
            Shape::Steep => "steep",
        }
    }
}

/// One simulation setting: the shares of the task shapes and whether the method sees the
/// item counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub name: &'static str,
    pub steady: f64,
    pub steep: f64,
    /// Whether tracks carry their item counts (false: `n` is None, the noise still binomial).
    pub counts: bool,
    pub seed: u64,
}

/// lm-eval-like: 60% flat, 40% steady, counts known.
pub const A: Setting = Setting { name: "A", steady: 0.40, steep: 0.0, counts: true, seed: 101 };
/// BIG-bench-like: 55% flat, 35% steady, 10% steep ("emergent"), counts known.
pub const B: Setting = Setting { name: "B", steady: 0.35, steep: 0.10, counts: true, seed: 102 };
/// A's truth without counts.
pub const C: Setting = Setting { name: "C", steady: 0.40, steep: 0.0, counts: false, seed: 103 };

/// The x of size i.
pub fn size_x(i: usize) -> f64 {
    X_MIN + (X_MAX - X_MIN) * i as f64 / (SIZES - 1) as f64
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// One task's truth, shared by the families.
#[derive(Debug, Clone, Copy)]
struct Task {
    chance: f64,
    shape: Shape,
    /// Logit above chance at the centre of the size range.
    level: f64,
    /// Logit slope per decade.
    slope: f64,
}

fn task(rng: &mut ChaCha8Rng, s: &Setting, centre: f64) -> Task {
    let chance = if rng.random::<f64>() < 0.5 { 0.0 } else { 0.25 };
    let u: f64 = rng.random();
    let shape = if u < s.steep {
        Shape::Steep
    } else if u < s.steep + s.steady {
        Shape::Steady
    } else {
        Shape::Flat
    };
    let (level, slope) = match shape {
        Shape::Flat => (uniform(rng, -3.0, -1.0), uniform(rng, -0.1, 0.4)),
        Shape::Steady => (uniform(rng, -1.5, 1.5), uniform(rng, 0.5, 1.5)),
        Shape::Steep => {
            let slope = uniform(rng, 3.0, 6.0);
            let midpoint = uniform(rng, 9.4, 10.6);
            (slope * (centre - midpoint), slope)
        }
    };
    Task { chance, shape, level, slope }
}

/// One simulated dataset: the back-test's candidates and each one's true shape.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub candidates: Vec<Candidate>,
    pub shapes: Vec<Shape>,
    /// The true rate at every size, per candidate (without the binomial noise).
    pub truth: Vec<Vec<f64>>,
}

/// Dataset `replicate` of a setting: stream `replicate` of the setting's seed.
pub fn dataset(s: &Setting, replicate: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(replicate as u64);
    let xs: Vec<f64> = (0..SIZES).map(size_x).collect();
    let centre = 0.5 * (X_MIN + X_MAX);
    let tasks: Vec<Task> = (0..TASKS).map(|_| task(&mut rng, s, centre)).collect();
    let families: Vec<(f64, f64)> =
        (0..FAMILIES).map(|_| (0.3 * normal(&mut rng), uniform(&mut rng, 0.75, 1.25))).collect();
    let mut out = Dataset { candidates: Vec::new(), shapes: Vec::new(), truth: Vec::new() };
    for (f, &(shift, gain)) in families.iter().enumerate() {
        for (t, task) in tasks.iter().enumerate() {
            let level = task.level + shift + 0.2 * normal(&mut rng);
            let slope = task.slope * gain * (0.15 * normal(&mut rng)).exp();
            let n = ITEMS[rng.random_range(0..ITEMS.len())];
            let mut truth = Vec::with_capacity(SIZES);
            let mut y = Vec::with_capacity(SIZES);
            for &x in &xs {
                let logit = level + slope * (x - centre) + SIGMA_MODEL * normal(&mut rng);
                let p = task.chance + (1.0 - task.chance) * sigmoid(logit);
                let k = Binomial::new(n, p).expect("p in [0, 1]").sample(&mut rng);
                truth.push(p);
                y.push(k as f64 / n as f64);
            }
            let family = format!("f{f}");
            let name = format!("t{t}");
            let track = Track {
                pool: family.clone(),
                task: name.clone(),
                x: xs.clone(),
                y,
                n: vec![s.counts.then_some(n as f64); SIZES],
                is_rate: true,
                floor: task.chance,
                higher_is_better: true,
            };
            out.candidates.push(Candidate {
                label: Label {
                    task: name.clone(),
                    family: family.clone(),
                    metric: "acc".into(),
                    shots: None,
                    series: "task-level".into(),
                    kind: "task",
                },
                cluster: (family, name),
                track: Ok(track),
                models: Vec::new(),
                partial: None,
            });
            out.shapes.push(task.shape);
            out.truth.push(truth);
        }
    }
    out
}

/// Method index in the tallies.
fn slot(m: Method) -> usize {
    Method::ALL.iter().position(|&a| a == m).expect("every method is in ALL")
}

/// The back-test's figures on one group of series (all, or one shape) at one horizon.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// emerge's intervals and how many covered the observed score.
    pub intervals: usize,
    pub covered: usize,
    pub widths: Vec<f64>,
    /// Sum of emerge's signed errors (predicted − observed, points).
    pub signed: f64,
    /// Per method (in [`Method::ALL`] order): sum of absolute errors (points) and predictions.
    pub abs: [f64; 4],
    pub predicted: [usize; 4],
    /// emerge against persistence on the same series: sum of |e_emerge| − |e_persistence|
    /// (points), pairs, wins (ties count half).
    pub diff: f64,
    pub pairs: usize,
    pub wins: f64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.intervals += other.intervals;
        self.covered += other.covered;
        self.widths.extend_from_slice(&other.widths);
        self.signed += other.signed;
        for i in 0..4 {
            self.abs[i] += other.abs[i];
            self.predicted[i] += other.predicted[i];
        }
        self.diff += other.diff;
        self.pairs += other.pairs;
        self.wins += other.wins;
    }

    pub fn coverage(&self) -> Option<f64> {
        (self.intervals > 0).then(|| self.covered as f64 / self.intervals as f64)
    }

    /// Mean absolute error of a method, in points.
    pub fn mae(&self, m: Method) -> Option<f64> {
        let i = slot(m);
        (self.predicted[i] > 0).then(|| self.abs[i] / self.predicted[i] as f64)
    }

    /// emerge's mean signed error (predicted − observed), in points.
    pub fn bias(&self) -> Option<f64> {
        let i = slot(Method::Emerge);
        (self.predicted[i] > 0).then(|| self.signed / self.predicted[i] as f64)
    }

    /// emerge's MAE minus persistence's, in points, on the same series.
    pub fn difference(&self) -> Option<f64> {
        (self.pairs > 0).then(|| self.diff / self.pairs as f64)
    }

    fn median_width(&self) -> Option<f64> {
        let mut w = self.widths.clone();
        if w.is_empty() {
            return None;
        }
        w.sort_by(f64::total_cmp);
        let m = w.len();
        Some(if m % 2 == 1 { w[m / 2] } else { 0.5 * (w[m / 2 - 1] + w[m / 2]) })
    }
}

/// (horizon, shape; None = every series).
pub type Key = (usize, Option<Shape>);

/// One dataset's (coverage, emerge − persistence difference) on one key.
pub type Figures = (Option<f64>, Option<f64>);

/// One dataset's back-test, tallied.
#[derive(Debug, Clone)]
pub struct DatasetResult {
    pub tallies: BTreeMap<Key, Tally>,
    /// Series the back-test left out (constant scores).
    pub excluded: usize,
    /// The conformal quantile of emerge's intervals per horizon (the forecaster's
    /// calibration for that reach).
    pub quantiles: Vec<f64>,
    /// The window and damping the forecaster chose per horizon.
    pub chosen: Vec<TrendSettings>,
    /// The intervals' trend weight per horizon.
    pub trend_weights: Vec<f64>,
}

/// Back-tests a dataset and tallies its rows.
pub fn measure(d: &Dataset) -> DatasetResult {
    let outcome = backtest::run(&d.candidates, TrendSettings::default(), LEVEL, None);
    let mut tallies: BTreeMap<Key, Tally> = BTreeMap::new();
    // Errors per (horizon, series) and method, to pair emerge with persistence.
    let mut errors: BTreeMap<(usize, usize), [Option<f64>; 4]> = BTreeMap::new();
    for r in &outcome.rows {
        let e = r.error().map(|e| 100.0 * e.abs());
        errors.entry((r.horizon, r.series)).or_default()[slot(r.method)] = e;
        for key in [(r.horizon, None), (r.horizon, Some(d.shapes[r.series]))] {
            let t = tallies.entry(key).or_default();
            if let Some(e) = e {
                t.abs[slot(r.method)] += e;
                t.predicted[slot(r.method)] += 1;
            }
            if r.method == Method::Emerge {
                t.signed += r.error().map_or(0.0, |e| 100.0 * e);
                if let (Some(c), Some((lo, hi))) = (r.covered(), r.prediction.and_then(|p| p.interval)) {
                    t.intervals += 1;
                    t.covered += usize::from(c);
                    t.widths.push(100.0 * (hi - lo));
                }
            }
        }
    }
    for (&(h, series), e) in &errors {
        let (Some(mine), Some(theirs)) = (e[slot(Method::Emerge)], e[slot(Method::Persistence)]) else {
            continue;
        };
        for key in [(h, None), (h, Some(d.shapes[series]))] {
            let t = tallies.entry(key).or_default();
            t.diff += mine - theirs;
            t.pairs += 1;
            t.wins += if mine < theirs {
                1.0
            } else if mine == theirs {
                0.5
            } else {
                0.0
            };
        }
    }
    // The forecaster of each horizon again, as `backtest::run` fits it, for the settings it
    // chose (its calibration must be the one the back-test used).
    let chosen = HORIZONS
        .iter()
        .zip(&outcome.calibrations)
        .map(|(&h, used)| {
            let cut: Vec<Track> = d
                .candidates
                .iter()
                .filter_map(|c| c.track.as_ref().ok())
                .filter(|t| t.len() >= MIN_POINTS + h && !t.is_constant())
                .map(|t| t.truncated(t.len() - h))
                .collect();
            let refs: Vec<&Track> = cut.iter().collect();
            let f = Forecaster::fit(&refs, TrendSettings::default(), LEVEL);
            assert_eq!(f.calibration, used.calibration, "the back-test's forecaster at h = {h}");
            f.settings
        })
        .collect();
    DatasetResult {
        tallies,
        excluded: outcome.excluded.len(),
        quantiles: outcome
            .calibrations
            .iter()
            .map(|c| {
                c.calibration.for_decades(c.horizon as f64 * (X_MAX - X_MIN) / (SIZES - 1) as f64).quantile
            })
            .collect(),
        chosen,
        trend_weights: outcome.calibrations.iter().map(|c| c.calibration.trend_weight).collect(),
    }
}

/// A setting's datasets: the pooled tallies and, per key, every dataset's own figures.
#[derive(Debug, Clone)]
pub struct Report {
    pub setting: Setting,
    pub datasets: usize,
    pub pooled: BTreeMap<Key, Tally>,
    /// Per key: each dataset's coverage and emerge − persistence difference.
    pub per_dataset: BTreeMap<Key, Vec<Figures>>,
    pub excluded: usize,
    /// Mean conformal quantile per horizon.
    pub mean_quantile: Vec<f64>,
    /// Datasets per (horizon, task pooling, window, damping in hundredths) the forecaster
    /// chose.
    pub chosen: BTreeMap<(usize, bool, usize, u32), usize>,
    /// Datasets per (horizon, trend weight in hundredths) of the intervals.
    pub trend_weights: BTreeMap<(usize, u32), usize>,
}

/// Mean and its standard error across datasets.
fn mean_se(v: &[f64]) -> Option<(f64, f64)> {
    let k = v.len();
    if k == 0 {
        return None;
    }
    let mean = v.iter().sum::<f64>() / k as f64;
    let se = if k > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1) as f64 / k as f64).sqrt()
    } else {
        f64::NAN
    };
    Some((mean, se))
}

impl Report {
    /// Standard error across datasets of the coverage (`difference`: false) or of emerge's
    /// MAE difference to persistence (true).
    pub fn se(&self, key: &Key, difference: bool) -> Option<f64> {
        let v: Vec<f64> =
            self.per_dataset.get(key)?.iter().filter_map(|&(c, d)| if difference { d } else { c }).collect();
        mean_se(&v).map(|(_, se)| se)
    }

    pub fn get(&self, key: &Key) -> Option<&Tally> {
        self.pooled.get(key)
    }
}

/// Simulates and back-tests `datasets` datasets of a setting (in parallel; each dataset has
/// its own random stream, so the figures do not depend on the threads).
pub fn run_setting(s: Setting, datasets: usize) -> Report {
    let results: Vec<DatasetResult> =
        (0..datasets).into_par_iter().map(|r| measure(&dataset(&s, r))).collect();
    let mut pooled: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut per_dataset: BTreeMap<Key, Vec<Figures>> = BTreeMap::new();
    let mut quantiles = vec![0.0; HORIZONS.len()];
    let mut excluded = 0;
    let mut chosen: BTreeMap<(usize, bool, usize, u32), usize> = BTreeMap::new();
    let mut trend_weights: BTreeMap<(usize, u32), usize> = BTreeMap::new();
    for r in &results {
        for (&h, c) in HORIZONS.iter().zip(&r.trend_weights) {
            *trend_weights.entry((h, (100.0 * c).round() as u32)).or_default() += 1;
        }
        excluded += r.excluded;
        for (&h, s) in HORIZONS.iter().zip(&r.chosen) {
            *chosen.entry((h, s.tasks, s.window, (100.0 * s.damping).round() as u32)).or_default() += 1;
        }
        for (i, q) in r.quantiles.iter().enumerate() {
            quantiles[i] += q / datasets as f64;
        }
        for (k, t) in &r.tallies {
            pooled.entry(*k).or_default().add(t);
            per_dataset.entry(*k).or_default().push((t.coverage(), t.difference()));
        }
    }
    Report {
        setting: s,
        datasets,
        pooled,
        per_dataset,
        excluded,
        mean_quantile: quantiles,
        chosen,
        trend_weights,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}", 100.0 * v))
}

fn pts(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

/// The reports as a Markdown table, one row per setting, horizon and shape.
pub fn table(reports: &[Report]) -> String {
    let mut out = String::from(
        "| setting | h | series | shape | emerge coverage % (± s.e.) | median width | emerge bias | MAE emerge | persistence | linear | logistic (failed) | emerge − persistence (± s.e.) | emerge wins |\n\
         |---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in reports {
        for h in HORIZONS {
            for shape in [None, Some(Shape::Flat), Some(Shape::Steady), Some(Shape::Steep)] {
                let key = (h, shape);
                let Some(t) = r.get(&key) else { continue };
                let logistic = slot(Method::Logistic);
                let failed = t.predicted[slot(Method::Emerge)].saturating_sub(t.predicted[logistic]);
                out.push_str(&format!(
                    "| {} | {h} | {} | {} | {} ± {:.1} | {} | {:+.2} | {} | {} | {} | {} ({failed}) | {:+.2} ± {:.2} | {:.0}% |\n",
                    r.setting.name,
                    t.predicted[slot(Method::Emerge)],
                    shape.map_or("all", Shape::name),
                    pct(t.coverage()),
                    100.0 * r.se(&key, false).unwrap_or(f64::NAN),
                    pts(t.median_width()),
                    t.bias().unwrap_or(f64::NAN),
                    pts(t.mae(Method::Emerge)),
                    pts(t.mae(Method::Persistence)),
                    pts(t.mae(Method::Linear)),
                    pts(t.mae(Method::Logistic)),
                    t.difference().unwrap_or(f64::NAN),
                    r.se(&key, true).unwrap_or(f64::NAN),
                    100.0 * t.wins / t.pairs.max(1) as f64,
                ));
            }
        }
    }
    out.push('\n');
    for r in reports {
        out.push_str(&format!(
            "{}: {} datasets, {} series left out as constant, mean conformal quantile {}\n",
            r.setting.name,
            r.datasets,
            r.excluded,
            r.mean_quantile
                .iter()
                .zip(HORIZONS)
                .map(|(q, h)| format!("h = {h}: {q:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
        for h in HORIZONS {
            let mut c: Vec<(usize, bool, usize, u32)> =
                r.chosen.iter().filter(|(k, _)| k.0 == h).map(|(k, &v)| (v, k.1, k.2, k.3)).collect();
            c.sort_by(|a, b| b.cmp(a));
            let all: Vec<String> = c
                .iter()
                .map(|(v, k, w, d)| {
                    let pooling = if *k { "by task" } else { "by family" };
                    format!("{pooling}, window {w}, damping {:.2}: {v}", *d as f64 / 100.0)
                })
                .collect();
            let by_task: usize = c.iter().filter(|x| x.1).map(|x| x.0).sum();
            out.push_str(&format!(
                "  pooled by task at h = {h}: {by_task} of {} datasets\n",
                c.iter().map(|x| x.0).sum::<usize>()
            ));
            out.push_str(&format!("  chosen at h = {h}: {}\n", all.join("; ")));
            let weights: Vec<String> = r
                .trend_weights
                .iter()
                .filter(|(k, _)| k.0 == h)
                .map(|(k, v)| format!("{:.2}: {v}", k.1 as f64 / 100.0))
                .collect();
            out.push_str(&format!("  interval trend weight c at h = {h}: {}\n", weights.join("; ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator does what the module documents: sizes from 70M to 12B, scores in
    /// [0, 1] above 0, B's share of steep tasks, counts hidden in C, and the same stream
    /// gives the same dataset.
    #[test]
    fn generator_matches_its_description() {
        assert!(
            (10f64.powf(size_x(0)) - 7e7).abs() < 1.0
                && (10f64.powf(size_x(SIZES - 1)) - 1.2e10).abs() < 10.0
        );
        let b = dataset(&B, 0);
        assert_eq!(b.candidates.len(), FAMILIES * TASKS);
        let steep = (0..FAMILIES)
            .map(|r| dataset(&B, r))
            .flat_map(|d| d.shapes)
            .filter(|&s| s == Shape::Steep)
            .count();
        let share = steep as f64 / (FAMILIES * FAMILIES * TASKS) as f64;
        assert!((0.04..0.18).contains(&share), "{share}");
        assert!(dataset(&A, 0).shapes.iter().all(|&s| s != Shape::Steep));
        for c in &b.candidates {
            let t = c.track.as_ref().expect("track");
            assert!(t.y.iter().all(|y| (0.0..=1.0).contains(y)));
            assert!(t.n.iter().all(|n| n.is_some_and(|n| ITEMS.contains(&(n as u64)))));
            assert!(t.floor == 0.0 || t.floor == 0.25);
        }
        for (c, truth) in b.candidates.iter().zip(&b.truth) {
            let floor = c.track.as_ref().expect("track").floor;
            assert!(truth.iter().all(|&p| p > floor && p < 1.0));
        }
        let c = dataset(&C, 0);
        assert!(c.candidates.iter().all(|c| c.track.as_ref().is_ok_and(|t| t.n.iter().all(Option::is_none))));
        assert_eq!(dataset(&B, 3).candidates[17].track, dataset(&B, 3).candidates[17].track);
    }

    /// The tallies agree with the back-test's own scoring on one dataset.
    #[test]
    fn tallies_agree_with_scoring() {
        let d = dataset(&B, 0);
        let bt = backtest::backtest(d.candidates.clone(), TrendSettings::default(), LEVEL, 7, None);
        let mine = measure(&d);
        for s in &bt.summaries {
            let t = &mine.tallies[&(s.horizon, None)];
            assert_eq!(t.predicted[slot(s.method)], s.predicted, "{s:?}");
            let (a, b) = (t.mae(s.method).expect("mae"), s.mae.expect("mae"));
            assert!((a - b).abs() < 1e-9, "{a} {b}");
            if s.method == Method::Emerge {
                assert_eq!(t.coverage(), s.coverage);
            }
        }
        for c in
            bt.comparisons.iter().filter(|c| c.method == Method::Emerge && c.baseline == Method::Persistence)
        {
            let t = &mine.tallies[&(c.horizon, None)];
            assert!((t.difference().expect("pairs") - c.mae_difference).abs() < 1e-9);
            assert!((t.wins / t.pairs as f64 - c.win_rate).abs() < 1e-12);
        }
    }

    fn quick(s: Setting) -> Report {
        let r = run_setting(s, QUICK_DATASETS);
        eprintln!("{}", table(std::slice::from_ref(&r)));
        r
    }

    /// The bounds every setting must meet at both horizons. They sit about three standard
    /// errors (across the quick run's datasets) outside the full run's figures, so they
    /// hold for the current method and would fail for a broken one:
    ///
    /// - coverage of the observed held-out score within `coverage` (full run: 91–97%);
    /// - over every series, emerge's MAE no larger than persistence's (it has a trend to
    ///   follow) nor than the straight line's (full run: 4–21% below it, with slopes pooled
    ///   by task; pooled by family alone it was level with the line, within 1%);
    /// - on the steady series, emerge's MAE at most 0.9 of persistence's one size out and ¾
    ///   two sizes out (full run: 0.75 and 0.55), the check that the trend is followed at all.
    fn check(r: &Report, coverage: (f64, f64)) {
        let name = r.setting.name;
        for h in HORIZONS {
            let t = r.get(&(h, None)).expect("rows");
            let c = t.coverage().expect("intervals");
            assert!((coverage.0..=coverage.1).contains(&c), "{name} h = {h}: coverage {c}");
            let mae = |t: &Tally, m| t.mae(m).expect("mae");
            let (e, p, l) = (mae(t, Method::Emerge), mae(t, Method::Persistence), mae(t, Method::Linear));
            assert!(e <= p, "{name} h = {h}: emerge MAE {e} > persistence {p}");
            assert!(e <= l, "{name} h = {h}: emerge MAE {e} > linear {l}");
            let steady = r.get(&(h, Some(Shape::Steady))).expect("steady series");
            let (e, p) = (mae(steady, Method::Emerge), mae(steady, Method::Persistence));
            let bound = if h == 1 { 0.9 } else { 0.75 };
            assert!(
                e <= bound * p,
                "{name} h = {h}: steady series' emerge MAE {e} > {bound} × persistence {p}"
            );
            // The intervals' scale follows the trend: rising series get wider intervals than
            // flat ones (with a scale blind to the trend both medians were 18.8 points in A).
            let flat = r.get(&(h, Some(Shape::Flat))).expect("flat series");
            let (wf, ws) = (flat.median_width().expect("widths"), steady.median_width().expect("widths"));
            assert!(ws > 1.05 * wf, "{name} h = {h}: steady median width {ws} ≤ 1.05 × flat {wf}");
        }
    }

    #[test]
    fn quick_setting_a() {
        check(&quick(A), (0.88, 0.99));
    }

    /// B's coverage at h = 2 is 91% in the full run (the steep series), so the same bounds.
    #[test]
    fn quick_setting_b() {
        check(&quick(B), (0.88, 0.99));
    }

    #[test]
    fn quick_setting_c() {
        check(&quick(C), (0.88, 0.99));
    }
}

/// The full run: [`FULL_DATASETS`] datasets per setting, the table for BENCHMARKS.md.
#[test]
#[ignore = "full simulation, minutes: cargo test --lib forecast::simulation -- --ignored --nocapture"]
fn full_simulation() {
    let datasets =
        std::env::var("EMERGE_FORECAST_DATASETS").ok().and_then(|v| v.parse().ok()).unwrap_or(FULL_DATASETS);
    let start = std::time::Instant::now();
    let reports: Vec<Report> = [A, B, C].into_iter().map(|s| run_setting(s, datasets)).collect();
    println!("{}", table(&reports));
    println!("wall time {:.1} s", start.elapsed().as_secs_f64());
}
