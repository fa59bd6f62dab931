//! Question 2 of the verdict with item-level data: does the dependence between subtasks
//! rise with scale?
//!
//! At each size s, over the items with every subtask, the excess of the joint success
//! over independence is Eₛ = ln P̂(all)ₛ − Σⱼ ln P̂ⱼₛ, every rate taken as (x + ½)/(n + 1)
//! so that no logarithm is infinite (the ½ of Haldane 1956 and Anscombe 1956). Its
//! standard error comes from the item Bayesian bootstrap of [`super::bootstrap`]: items
//! are drawn whole, with all their subtask outcomes.
//!
//! A constant dependence does not give a constant Eₛ: under emerge's model of dependence
//! (`emerge simulate --rho`, the operator `all:rho=ρ`: an item's outcomes share its
//! difficulty with probability √ρ each) the same ρ gives Eₛ = 7.5 where five subtasks
//! score 1–25% and 0.03 where they score 88–99%. The null is therefore "one ρ at every
//! size": Eₛ = ln A(P̂ₛ; ρ) − Σⱼ ln P̂ⱼₛ =: E⁰ₛ(ρ), with A the all-correct probability of
//! that model at the size's own subtask rates ([`all_correlated`]). The alternative is
//! that Eₛ − E⁰ₛ rises with log N. With eₛ(ρ) = Eₛ − E⁰ₛ(ρ) = ln P̂(all)ₛ − ln A(P̂ₛ; ρ):
//!
//! - ρ̂ minimises Σ wₛ eₛ(ρ)² over ρ ∈ [0, 1] (weighted least squares), wₛ = 1/var(Eₛ)
//!   with the delta-method variance from the size's outcome patterns (which the item
//!   bootstrap's standard error reproduces, see the tests; a closed form can be recomputed
//!   in every replicate below, the bootstrap cannot);
//! - for each shape h of a rise, h = log N (a slope) or h = 1[N > τ] (a step, τ between two
//!   sizes with at least one size before and two after, so that one odd size is not a
//!   rise), the score statistic z_h = h̃ᵀWe / (h̃ᵀWh̃)^½ with h̃ the residual of h after the
//!   weighted projection on g = ∂e/∂√ρ (the direction the nuisance ρ already explains);
//! - T = max_h z_h, one-sided: only a rise counts.
//!
//! p-value: T has no standard distribution (a maximum over correlated shapes, with ρ on
//! the boundary under independence), so it comes from a parametric bootstrap of the null
//! fit: every replicate draws each size's items from the model with the observed subtask
//! rates and ρ̂, applies the size rule below, recomputes the weights, refits ρ and
//! recomputes T, sequentially as in
//! Besag & Clifford (1991, Biometrika 78(2)). The null distribution of T is thus the
//! one of emerge's own model of dependence at the group's sizes, items and rates, with
//! the boundary ρ = 0 and the estimated ρ both accounted for; its size under that model is
//! measured in tests/calibration/dependence.rs (BENCHMARKS.md, "Question 2 with item-level data"). Outside that
//! model (say one pair of subtasks far more dependent than the others) both the null
//! mean and the spread of Eₛ may differ, and the test is only as good as the model.
//!
//! Weights and the size rule must be the same in the replicates as in the data: in the
//! calibration simulations, weights fixed at the observed ones and replicates without the
//! size rule held the level at 2.3–2.5% instead of 5% with 300 items per size.
//!
//! Sizes: a size with fewer than [`MIN_JOINT`] items all correct (or fewer than that not
//! all correct) is left out with its reason: there ln P̂(all) is dominated by the ½ and
//! neither standard error describes it. At least [`MIN_SIZES`] sizes must remain:
//! ρ takes one, and a rise needs two more to be told from a single odd size.
//!
//! Power: at the group's own sizes, items and subtask rates, against ρ raised by
//! [`DependenceOptions::power_rise`] at the two largest sizes (the issue's "from ρ = 0 to
//! ρ = 0.5"), from a critical value of null replicates as in [`super::breaks`].
//!
//! Determinism: streams from [`replicate_rng`] with the group's own seed
//! ([`super::jumps::series_seed`]), so a group's answer never depends on other groups.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::bootstrap::{group_patterns, replicate_rng, ItemPosterior};
use super::jumps::{p_text, series_seed};
use super::multitest::{adjust_in_families, critical_rank, sequential_p_value};
use super::options::FdrFamily;
use super::verdict::Verdict;
use super::AnalyzeOptions;
use crate::compose::{all_correlated, Group};
use crate::ingest::items::JointCounts;

/// Fewest sizes with informative joint counts the test needs.
pub const MIN_SIZES: usize = 3;
/// Fewest items all correct, and not all correct, for a size to enter the test.
pub const MIN_JOINT: u64 = 5;

const SE_SALT: u64 = 0x6465_7065_6e64_0001;
const NULL_SALT: u64 = 0x6465_7065_6e64_0002;
const POWER_SALT: u64 = 0x6465_7065_6e64_0003;
/// Replicate statistics within this of T reach it (rounding of the ρ fit).
const TIE: f64 = 1e-9;

/// How the test is run.
#[derive(Debug, Clone, PartialEq)]
pub struct DependenceOptions {
    pub alpha: f64,
    /// Bayesian-bootstrap draws behind each size's standard error.
    pub se_replicates: usize,
    /// Besag–Clifford h: stop once this many replicates reached T.
    pub exceedances: usize,
    /// B: the most null replicates.
    pub max_replicates: usize,
    pub power: bool,
    /// The rise of ρ at the two largest sizes the power is computed against.
    pub power_rise: f64,
    pub power_null_replicates: usize,
    pub power_replicates: usize,
}

impl Default for DependenceOptions {
    fn default() -> Self {
        DependenceOptions {
            alpha: 0.05,
            se_replicates: 400,
            exceedances: 10,
            max_replicates: 999,
            power: false,
            power_rise: 0.5,
            power_null_replicates: 399,
            power_replicates: 400,
        }
    }
}

/// One size's complete items as (outcome pattern, items), bit j = subtask j correct.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeItems {
    pub log10_size: f64,
    /// The model(s) of this size, joined with "/".
    pub model: String,
    pub patterns: Vec<(u64, u64)>,
}

/// One size's excess.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeExcess {
    pub model: String,
    pub log10_size: f64,
    pub items: u64,
    pub all_correct: u64,
    /// Eₛ, and its item-bootstrap standard error.
    pub excess: f64,
    pub se: f64,
    /// E⁰ₛ(ρ̂): the excess the common dependence implies here (used sizes only).
    pub expected: Option<f64>,
    /// Why the size is left out of the test, if it is.
    pub left_out: Option<String>,
}

/// Where the rise is strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiseShape {
    /// A trend over all used sizes.
    Slope,
    /// A step between two adjacent used sizes.
    Step,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DependenceTest {
    /// Every size, used or not, by size.
    pub sizes: Vec<SizeExcess>,
    /// The common ρ of the null fit.
    pub rho: f64,
    pub statistic: f64,
    pub p_value: f64,
    pub replicates: usize,
    pub stopped_early: bool,
    pub shape: RiseShape,
    /// Indices into `sizes` of the sizes on either side of the strongest rise (a slope:
    /// the smallest and the largest used size).
    pub between: (usize, usize),
    pub power: Option<f64>,
}

/// Per-size counts: items, all correct, subtask correct counts, and the delta-method
/// variance of Eₛ.
struct Counts {
    n: u64,
    all: u64,
    sub: Vec<u64>,
    /// var(Eₛ) ≈ var(aᵢ)/n with item influence aᵢ = 1[all]ᵢ/P − Σⱼ yᵢⱼ/pⱼ (raw rates;
    /// infinite when a rate is 0).
    var: f64,
}

impl Counts {
    fn of(k: usize, patterns: &[(u64, u64)]) -> Self {
        let full = if k == 64 { u64::MAX } else { (1u64 << k) - 1 };
        let n: u64 = patterns.iter().map(|p| p.1).sum();
        let all = patterns.iter().filter(|p| p.0 & full == full).map(|p| p.1).sum();
        let sub: Vec<u64> =
            (0..k).map(|j| patterns.iter().filter(|p| p.0 >> j & 1 == 1).map(|p| p.1).sum()).collect();
        let nf = n as f64;
        let var = if all == 0 || n == 0 {
            f64::INFINITY
        } else {
            let p_all = all as f64 / nf;
            let influence = |pattern: u64| {
                let lone: f64 = sub
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| pattern >> j & 1 == 1)
                    .map(|(_, &x)| nf / x as f64)
                    .sum();
                f64::from(u8::from(pattern & full == full)) / p_all - lone
            };
            let mean = patterns.iter().map(|&(p, c)| influence(p) * c as f64).sum::<f64>() / nf;
            patterns.iter().map(|&(p, c)| (influence(p) - mean).powi(2) * c as f64).sum::<f64>() / (nf * nf)
        };
        Counts { n, all, sub, var }
    }

    fn obs(&self) -> Obs {
        let half = |x: f64| (x + 0.5) / (self.n as f64 + 1.0);
        Obs { ln_all: half(self.all as f64).ln(), rates: self.sub.iter().map(|&x| half(x as f64)).collect() }
    }
}

/// ½-corrected rates of one size.
struct Obs {
    ln_all: f64,
    rates: Vec<f64>,
}

impl Obs {
    fn excess(&self) -> f64 {
        self.ln_all - self.rates.iter().map(|p| p.ln()).sum::<f64>()
    }

    /// e(r) = ln P(all) − ln A(P; r²).
    fn residual(&self, r: f64) -> f64 {
        self.ln_all - all_correlated(&self.rates, (r * r).min(1.0)).ln()
    }
}

/// ρ̂ = r̂² minimising Σ w e(r)²: a grid over r ∈ [0, 1], then golden section.
fn fit_r(obs: &[Obs], w: &[f64]) -> f64 {
    let loss = |r: f64| obs.iter().zip(w).map(|(o, w)| w * o.residual(r).powi(2)).sum::<f64>();
    const GRID: usize = 50;
    let best = (0..=GRID).map(|i| i as f64 / GRID as f64).min_by(|&a, &b| loss(a).total_cmp(&loss(b)));
    let best = best.unwrap_or(0.0);
    let (mut lo, mut hi) = ((best - 1.0 / GRID as f64).max(0.0), (best + 1.0 / GRID as f64).min(1.0));
    let phi = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..40 {
        let (a, b) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
        if loss(a) <= loss(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let r = 0.5 * (lo + hi);
    if loss(best) < loss(r) {
        best
    } else {
        r
    }
}

/// T = max over shapes of the score statistic, with the arg max (0: slope, 1 + j: the
/// step after used size j) and r̂.
fn statistic(obs: &[Obs], w: &[f64], x: &[f64]) -> (f64, usize, f64) {
    let r = fit_r(obs, w);
    let e: Vec<f64> = obs.iter().map(|o| o.residual(r)).collect();
    let d = 1e-5;
    let (a, b) = ((r - d).max(0.0), (r + d).min(1.0));
    let g: Vec<f64> = obs.iter().map(|o| (o.residual(b) - o.residual(a)) / (b - a)).collect();
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).zip(w).map(|((u, v), w)| u * v * w).sum::<f64>();
    let gg = dot(&g, &g);
    let m = x.len();
    let mut best = (f64::NEG_INFINITY, 0);
    for (i, h) in shapes(x).enumerate() {
        let h: Vec<f64> = if gg > 1e-300 {
            let c = dot(&g, &h) / gg;
            h.iter().zip(&g).map(|(h, g)| h - c * g).collect()
        } else {
            h
        };
        let hh = dot(&h, &h);
        if hh <= 1e-12 * m as f64 {
            continue;
        }
        let z = dot(&h, &e) / hh.sqrt();
        if z > best.0 + TIE {
            best = (z, i);
        }
    }
    (best.0, best.1, r * r)
}

/// The slope, then a step after each used size j with ≥ 2 sizes after it.
fn shapes(x: &[f64]) -> impl Iterator<Item = Vec<f64>> + '_ {
    let m = x.len();
    std::iter::once(x.to_vec())
        .chain((0..m.saturating_sub(2)).map(move |j| (0..m).map(|s| f64::from(u8::from(s > j))).collect()))
}

/// Draws `n` items from the model (subtask rates `p`, shared with probability `r`).
fn simulate(rng: &mut ChaCha8Rng, n: u64, p: &[f64], r: f64) -> Counts {
    let k = p.len();
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut dense = vec![0u64; if k <= 12 { 1 << k } else { 0 }];
    for _ in 0..n {
        let shared: f64 = rng.random();
        let mut pattern = 0u64;
        for (j, &pj) in p.iter().enumerate() {
            // One uniform decides both whether the shared one is used and, rescaled,
            // the fresh one: given u ≥ r, (u − r)/(1 − r) is uniform and independent.
            let u: f64 = rng.random();
            let v = if u < r { shared } else { (u - r) / (1.0 - r) };
            pattern |= u64::from(v < pj) << j;
        }
        match dense.get_mut(pattern as usize) {
            Some(slot) => *slot += 1,
            None => *seen.entry(pattern).or_default() += 1,
        }
    }
    let mut patterns: Vec<(u64, u64)> = seen.into_iter().collect();
    patterns.extend((0u64..).zip(dense).filter(|p| p.1 > 0));
    Counts::of(k, &patterns)
}

/// Whether a size has enough items all correct and not all correct to enter the test.
fn informative(c: &Counts) -> bool {
    c.all >= MIN_JOINT && c.n - c.all >= MIN_JOINT
}

/// Why a group cannot be tested.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DependenceError {
    #[error("one subtask: there is no dependence between subtasks to measure")]
    OneSubtask,
    #[error("{got} size(s) with at least {MIN_JOINT} items all correct and {MIN_JOINT} not; the test needs {MIN_SIZES}{why}")]
    TooFewSizes { got: usize, why: String },
    #[error("no shape of a rise can be told from the common dependence at these sizes")]
    Degenerate,
}

/// Tests one group's items. `sizes` in any order; equal sizes are pooled.
pub fn dependence_test(
    k: usize,
    sizes: &[SizeItems],
    opts: &DependenceOptions,
    seed: u64,
) -> Result<DependenceTest, DependenceError> {
    if k < 2 {
        return Err(DependenceError::OneSubtask);
    }
    let sizes = pool(sizes);
    let mut report = Vec::with_capacity(sizes.len());
    let (mut used, mut obs, mut w, mut x, mut rates, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (s, size) in sizes.iter().enumerate() {
        let c = Counts::of(k, &size.patterns);
        let se = item_se(k, &c, &size.patterns, opts.se_replicates, seed, s);
        let left_out = if c.all < MIN_JOINT {
            Some(format!("{} of {} items have every subtask correct (fewer than {MIN_JOINT})", c.all, c.n))
        } else if c.n - c.all < MIN_JOINT {
            Some(format!("{} of {} items miss a subtask (fewer than {MIN_JOINT})", c.n - c.all, c.n))
        } else {
            None
        };
        if left_out.is_none() {
            used.push(s);
            w.push(1.0 / c.var);
            x.push(size.log10_size);
            rates.push(c.sub.iter().map(|&x| x as f64 / c.n as f64).collect::<Vec<_>>());
            counts.push(c.n);
            obs.push(c.obs());
        }
        report.push(SizeExcess {
            model: size.model.clone(),
            log10_size: size.log10_size,
            items: c.n,
            all_correct: c.all,
            excess: c.obs().excess(),
            se,
            expected: None,
            left_out,
        });
    }
    if used.len() < MIN_SIZES {
        let why = report
            .iter()
            .find_map(|s| s.left_out.as_ref().map(|r| format!(" (at {}: {r})", s.model)))
            .unwrap_or_default();
        return Err(DependenceError::TooFewSizes { got: used.len(), why });
    }
    let (t, best, rho) = statistic(&obs, &w, &x);
    if !t.is_finite() {
        return Err(DependenceError::Degenerate);
    }
    for (i, &s) in used.iter().enumerate() {
        let o = &obs[i];
        let ln_a = all_correlated(&o.rates, rho).ln();
        report[s].expected = Some(ln_a - o.rates.iter().map(|p| p.ln()).sum::<f64>());
    }
    let r = rho.sqrt();
    let replicate = |salt: u64, b: usize, top_r: f64| -> f64 {
        let mut rng = replicate_rng(seed ^ salt, 0, b);
        let m = rates.len();
        let (mut sim, mut ws, mut xs) = (Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m));
        for i in 0..m {
            let c = simulate(&mut rng, counts[i], &rates[i], if i + 2 >= m { top_r } else { r });
            // The observed sizes passed the rule; so must the replicate's, or the replicates
            // would lack the observed excess's selection.
            if informative(&c) {
                sim.push(c.obs());
                ws.push(1.0 / c.var);
                xs.push(x[i]);
            }
        }
        if sim.len() < MIN_SIZES {
            return f64::NEG_INFINITY;
        }
        statistic(&sim, &ws, &xs).0
    };
    let reaches = |t_star: f64| t_star >= t - TIE * t.abs().max(1.0);
    let sequential =
        sequential_p_value(opts.exceedances, opts.max_replicates, |b| reaches(replicate(NULL_SALT, b, r)));
    let power = opts.power.then(|| {
        let r0 = opts.power_null_replicates;
        let mut null: Vec<f64> = (0..r0).map(|b| replicate(NULL_SALT, b, r)).collect();
        null.sort_by(|a, b| b.total_cmp(a));
        let critical = null[critical_rank(opts.alpha, r0) - 1];
        let top_r = (rho + opts.power_rise).min(1.0).sqrt();
        let rejected =
            (0..opts.power_replicates).filter(|&b| replicate(POWER_SALT, b, top_r) > critical).count();
        rejected as f64 / opts.power_replicates as f64
    });
    let m = used.len();
    let (shape, between) = if best == 0 {
        (RiseShape::Slope, (used[0], used[m - 1]))
    } else {
        (RiseShape::Step, (used[best - 1], used[best]))
    };
    Ok(DependenceTest {
        sizes: report,
        rho,
        statistic: t,
        p_value: sequential.p_value,
        replicates: sequential.replicates,
        stopped_early: sequential.stopped_early,
        shape,
        between,
        power,
    })
}

/// Sizes sorted, equal sizes' patterns added.
fn pool(sizes: &[SizeItems]) -> Vec<SizeItems> {
    let mut sorted = sizes.to_vec();
    sorted.sort_by(|a, b| a.log10_size.total_cmp(&b.log10_size));
    let mut out: Vec<SizeItems> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some(last) if last.log10_size == s.log10_size => {
                last.model = format!("{}/{}", last.model, s.model);
                last.patterns.extend(s.patterns);
            }
            _ => out.push(s),
        }
    }
    out
}

/// The standard deviation of Eₛ over item Bayesian-bootstrap draws (items drawn whole).
fn item_se(k: usize, c: &Counts, patterns: &[(u64, u64)], draws: usize, seed: u64, size: usize) -> f64 {
    let Some(posterior) = ItemPosterior::new(k, patterns) else { return f64::NAN };
    let n = c.n as f64;
    let half = |rate: f64| (n * rate + 0.5) / (n + 1.0);
    let mut rates = vec![0.0; k + 1];
    let values: Vec<f64> = (0..draws)
        .map(|b| {
            let mut rng = replicate_rng(seed ^ SE_SALT, size, b);
            posterior.draw(&mut rng, &mut rates);
            half(rates[k]).ln() - rates[..k].iter().map(|&p| half(p).ln()).sum::<f64>()
        })
        .collect();
    let mean = values.iter().sum::<f64>() / draws as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (draws as f64 - 1.0)).sqrt()
}

/// What the question concluded for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DependenceOutcome {
    /// The joint success rises beyond the dependence of the smaller sizes.
    Rises,
    /// No rise at the adjusted level (with the test's power).
    NoEvidence,
    Insufficient,
}

/// The answer for one group with item-level data.
#[derive(Debug, Clone, PartialEq)]
pub struct DependenceQuestion {
    pub outcome: DependenceOutcome,
    pub text: String,
    pub test: Result<DependenceTest, String>,
    pub p_adjusted: Option<f64>,
}

/// Question 2 (item-level data) for the group of every verdict, into its `dependence`;
/// groups without item-level data keep `None`.
pub fn attach(verdicts: &mut [Verdict], groups: &[Group], joint: &[JointCounts], o: &AnalyzeOptions) {
    if joint.is_empty() {
        return;
    }
    let by_key: HashMap<_, &Group> = groups.iter().map(|g| (&g.key, g)).collect();
    let tested: Vec<Option<Result<DependenceTest, String>>> = verdicts
        .par_iter()
        .map(|v| by_key.get(&v.key).and_then(|g| test_group(g, joint, o, false)))
        .collect();
    let adjusted = adjust(verdicts, &tested, o.fdr_family);
    let answers: Vec<Option<DependenceQuestion>> = verdicts
        .par_iter()
        .zip(tested)
        .zip(adjusted)
        .map(|((v, t), q)| {
            let t = t?;
            let g = by_key.get(&v.key)?;
            Some(conclude(g, joint, o, t, q))
        })
        .collect();
    for (v, a) in verdicts.iter_mut().zip(answers) {
        v.dependence = a;
    }
}

fn options(o: &AnalyzeOptions, power: bool) -> DependenceOptions {
    DependenceOptions { alpha: o.alpha(), power, ..DependenceOptions::default() }
}

/// None when the group has no item-level data.
fn test_group(
    g: &Group,
    joint: &[JointCounts],
    o: &AnalyzeOptions,
    power: bool,
) -> Option<Result<DependenceTest, String>> {
    let patterns = match group_patterns(g, joint) {
        Ok(None) => return None,
        Ok(Some(p)) => p,
        Err(why) => return Some(Err(format!("the items cannot be drawn whole: {why}"))),
    };
    let mut sizes = Vec::new();
    for (m, p) in patterns.into_iter().enumerate() {
        let Some(p) = p else { continue };
        let model = &g.models[m];
        let Some(x) = o.x_axis.log10_of(model.params, model.flops) else {
            return Some(Err(format!("model {:?} has no flops value", model.name)));
        };
        sizes.push(SizeItems { log10_size: x, model: model.name.clone(), patterns: p });
    }
    let seed = series_seed(o.seed, &g.key, None);
    Some(dependence_test(g.subtasks.len(), &sizes, &options(o, power), seed).map_err(|e| e.to_string()))
}

/// Benjamini–Hochberg within each family ([`FdrFamily`]), as for question 1.
fn adjust(
    verdicts: &[Verdict],
    tested: &[Option<Result<DependenceTest, String>>],
    family: FdrFamily,
) -> Vec<Option<f64>> {
    let tests: Vec<Option<(&str, f64)>> = verdicts
        .iter()
        .zip(tested)
        .map(|(v, t)| t.as_ref()?.as_ref().ok().map(|t| (v.key.task.as_str(), t.p_value)))
        .collect();
    adjust_in_families(&tests, family)
}

fn conclude(
    g: &Group,
    joint: &[JointCounts],
    o: &AnalyzeOptions,
    tested: Result<DependenceTest, String>,
    q: Option<f64>,
) -> DependenceQuestion {
    let (t, q) = match (tested, q) {
        (Ok(t), Some(q)) => (t, q),
        (Err(why), _) => {
            return DependenceQuestion {
                outcome: DependenceOutcome::Insufficient,
                text: format!("insufficient item-level data: {why}"),
                test: Err(why),
                p_adjusted: None,
            }
        }
        (Ok(t), None) => {
            let p = t.p_value;
            (t, p)
        }
    };
    let (a, b) = (&t.sizes[t.between.0], &t.sizes[t.between.1]);
    if q < o.alpha() {
        let text = format!(
            "emergent: the subtasks' joint success rises beyond their dependence at smaller sizes, between {} \
             and {} (excess ln joint/product {:.2} → {:.2}, a common dependence ρ = {:.2} implies {:.2} → {:.2}; \
             p = {}, adjusted {})",
            a.model,
            b.model,
            a.excess,
            b.excess,
            t.rho,
            a.expected.unwrap_or(f64::NAN),
            b.expected.unwrap_or(f64::NAN),
            p_text(t.p_value),
            p_text(q)
        );
        return DependenceQuestion {
            outcome: DependenceOutcome::Rises,
            text,
            test: Ok(t),
            p_adjusted: Some(q),
        };
    }
    let again = test_group(g, joint, o, true).and_then(Result::ok);
    let t = match again {
        Some(again) if again.p_value == t.p_value => again,
        _ => t,
    };
    let power = t.power.map_or_else(
        || "power not available".to_string(),
        |p| {
            format!(
                "power {:.0}% to detect ρ rising by {} at the two largest sizes",
                100.0 * p,
                DependenceOptions::default().power_rise
            )
        },
    );
    DependenceQuestion {
        outcome: DependenceOutcome::NoEvidence,
        text: format!(
            "no evidence that dependence changes with scale (common ρ = {:.2}; p = {}, adjusted {}; {power})",
            t.rho,
            p_text(t.p_value),
            p_text(q)
        ),
        test: Ok(t),
        p_adjusted: Some(q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/reference/dependence_reference.py: four sizes of 200 items, k = 3.
    fn reference_sizes() -> Vec<SizeItems> {
        let raw: [(f64, [u64; 8]); 4] = [
            (8.0, [30, 40, 35, 30, 20, 10, 15, 20]),
            (9.0, [20, 20, 20, 30, 10, 20, 20, 60]),
            (10.0, [10, 10, 10, 20, 10, 15, 15, 110]),
            (11.0, [3, 4, 4, 10, 3, 8, 8, 160]),
        ];
        // Index = pattern: 0b000, 0b001, 0b010, 0b011, 0b100, 0b101, 0b110, 0b111.
        raw.iter()
            .map(|(x, c)| SizeItems {
                log10_size: *x,
                model: format!("m{x}"),
                patterns: c.iter().enumerate().map(|(p, &c)| (p as u64, c)).collect(),
            })
            .collect()
    }

    fn quick() -> DependenceOptions {
        DependenceOptions { se_replicates: 200, exceedances: 5, max_replicates: 199, ..Default::default() }
    }

    #[test]
    fn excess_by_hand() {
        // 10 items, k = 2: 4 with both, 1 with subtask 0 only, 5 with neither. With ½ added:
        // ln(4.5/11) − ln(5.5/11) − ln(4.5/11) = ln 2.
        let c = Counts::of(2, &[(0b11, 4), (0b01, 1), (0b00, 5)]);
        assert_eq!((c.n, c.all, c.sub.clone()), (10, 4, vec![5, 4]));
        assert!((c.obs().excess() - std::f64::consts::LN_2).abs() < 1e-14);
    }

    #[test]
    fn excess_fit_and_scores_match_statsmodels() {
        // tests/reference/dependence_reference.txt: Eₛ, r̂ (scipy bounded Brent), E⁰ₛ(ρ̂) by
        // subset enumeration, and each shape's z as statsmodels' WLS t value with scale 1.
        let sizes = reference_sizes();
        let obs: Vec<Obs> = sizes.iter().map(|s| Counts::of(3, &s.patterns).obs()).collect();
        let want = [0.224669104623, 0.261491206672, 0.204370789648, 0.081228204715];
        for (o, w) in obs.iter().zip(want) {
            assert!((o.excess() - w).abs() < 1e-11, "{} vs {w}", o.excess());
        }
        let w = [4.0, 9.0, 25.0, 50.0];
        let x = [8.0, 9.0, 10.0, 11.0];
        let r = fit_r(&obs, &w);
        assert!((r - 0.4293210361).abs() < 1e-8, "{r}");
        let expected = [0.4401561264, 0.2461295415, 0.1357682978, 0.0476886748];
        for (o, e) in obs.iter().zip(expected) {
            let got = o.excess() - o.residual(r);
            assert!((got - e).abs() < 1e-8, "{got} vs {e}");
        }
        let (t, best, rho) = statistic(&obs, &w, &x);
        assert!((rho - 0.1843165520).abs() < 1e-8);
        // z: slope 0.4430566883, step after 8 0.5125923225, step after 9 0.4555127872.
        assert!((t - 0.5125923225).abs() < 1e-6, "{t}");
        assert_eq!(best, 1);
    }

    #[test]
    fn item_bootstrap_se_matches_the_delta_method() {
        // The reference script's delta-method SE at x = 9 (200 items) is 0.0722471601; the
        // Bayesian bootstrap of 4000 draws (Monte Carlo error ≈ 1%) agrees within 5%.
        let s = &reference_sizes()[1];
        let c = Counts::of(3, &s.patterns);
        let se = item_se(3, &c, &s.patterns, 4000, 11, 0);
        assert!((se / 0.0722471601 - 1.0).abs() < 0.05, "{se}");
        // The test's own weights: the same delta-method variance, in closed form.
        assert!((c.var.sqrt() - 0.0722471601).abs() < 1e-9, "{}", c.var.sqrt());
    }

    #[test]
    fn sizes_without_enough_joint_successes_are_left_out_with_reason() {
        let mut sizes = reference_sizes();
        // At 10^8 only 3 items have every subtask: left out, three sizes remain.
        sizes[0].patterns[7].1 = 3;
        let t = dependence_test(3, &sizes, &quick(), 5).expect("three sizes");
        assert!(t.sizes[0].left_out.as_deref().unwrap().contains("3 of 183 items"));
        assert!(t.sizes[0].expected.is_none() && t.sizes[1].expected.is_some());
        assert!(t.between.0 >= 1);
        // Two sizes with none: too few.
        sizes[1].patterns[7].1 = 0;
        let e = dependence_test(3, &sizes, &quick(), 5).unwrap_err();
        assert!(matches!(e, DependenceError::TooFewSizes { got: 2, .. }), "{e}");
        assert!(e.to_string().contains("needs 3"), "{e}");
        assert_eq!(dependence_test(1, &sizes, &quick(), 5).unwrap_err(), DependenceError::OneSubtask);
    }

    #[test]
    fn equal_sizes_are_pooled() {
        let mut sizes = reference_sizes();
        let half: Vec<(u64, u64)> = sizes[3].patterns.iter().map(|&(p, c)| (p, c / 2)).collect();
        sizes[3].patterns = half.clone();
        sizes.push(SizeItems { log10_size: 11.0, model: "other".into(), patterns: half });
        let t = dependence_test(3, &sizes, &quick(), 5).unwrap();
        assert_eq!(t.sizes.len(), 4);
        assert_eq!(t.sizes[3].model, "m11/other");
        assert_eq!(t.sizes[3].items, 198);
    }
}
