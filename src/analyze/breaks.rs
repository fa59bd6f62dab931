//! Does a series itself jump? A likelihood-ratio test of a smooth trend against the
//! same trend with one break, for one series of counts (a subtask or a task-level row):
//! k_i successes of n_i items at x_i = log10 N_i, with a known chance floor c ≥ 0.
//!
//! Models (binomial maximum likelihood, [`glm`]), p(x) = c + (1 − c)·σ(η(x)):
//! - null, smooth: η = a + b·x (logit-linear in log N);
//! - jump at τ: η = a + b·x + δ·1[x > τ], τ between two adjacent observed sizes;
//! - hinge at τ: η = a + b·x + δ·(x − τ)₊, the slope changes by δ at τ.
//!
//! Where τ may lie (identifiability): with sizes x_0 < … < x_{m−1}, a break between x_j
//! and x_{j+1} must leave at least two sizes on each side (1 ≤ j ≤ m − 3). With a single
//! size on one side, δ only fits that one cell exactly: the alternative would be "one cell
//! is an outlier" (overdispersion, a bad cell), δ is infinite whenever that cell is 0 or n,
//! and the hinge at x_0 is not identified at all ((x − x_0)₊ = x − x_0 on the data).
//! Emergence is a change that persists over at least two sizes. The jump is tried at each
//! of the m − 3 splits; the hinge at τ = x_j and at the midpoint (x_j + x_{j+1})/2 of each
//! split j (2·(m − 3) values), which always leaves ≥ 2 sizes with (x − τ)₊ = 0 and ≥ 2
//! sizes after τ. Hence at least 4 sizes are needed.
//!
//! Statistic: T = sup over τ and both kinds of LR(τ) = D_null − D_alt (binomial
//! deviances): Andrews' (1993, "Tests for parameter instability and structural change with
//! unknown change point", Econometrica 61(4)) sup-LR. τ is not identified under the null
//! (Davies 1977, 1987, Biometrika 64(2), 74(1)), so T has no χ² distribution; its p-value
//! comes from a parametric bootstrap from the null fit that refits the null and every
//! alternative in every replicate (Hansen 1996, "Inference when a nuisance parameter is
//! not identified under the null hypothesis", Econometrica 64(2)).
//!
//! Replicates are drawn sequentially (Besag & Clifford 1991, "Sequential Monte Carlo
//! p-values", Biometrika 78(2)): sampling stops at the L-th replicate once h of them
//! reached T (p = h/L), else after B replicates with g < h exceedances (p = (g + 1)/(B + 1)).
//! The p-value is valid at every level, and a clearly smooth series costs about h/p
//! replicates instead of B. Replicate statistics within [`TIE`] of T count as reaching it.
//! A replicate only has to decide whether T* ≥ T, and that is decided exactly without
//! fitting every alternative, by two upper bounds: T* never exceeds the replicate's null
//! deviance (every deviance is ≥ 0), and the LR of the three alternatives at a split
//! never exceeds that of separate lines on its two sides (each of them is a line on
//! either side), two 2-parameter fits on part of the cells. A clearly broken series
//! (large T) needs only the null refit of most replicates, a smooth one stops at the
//! first alternative that reaches T (its own strongest splits are tried first), and in
//! between only the splits whose bound reaches T are fitted.
//!
//! Power, on request: the rejection rate at level α when the truth is the null fit with
//! both largest sizes' rates raised by [`BreakOptions::power_jump`] (capped at 1), at the
//! series' own sizes and counts. Without nested bootstraps: the critical value comes from
//! R₀ null replicates (the p-value's own streams, the sup-LR computed exactly with the
//! same bounds), a replicate
//! rejects when 1 + #{null T* ≥ T_alt} ≤ α(R₀ + 1), and power is the share of R₁
//! alternative replicates that reject. The null distribution is taken from the observed
//! series' null fit, not from each alternative replicate's own.
//!
//! Determinism: replicate b uses ChaCha8 seeded with `seed` ^ [`STREAM_SALT`] on stream
//! 0 << 32 | b (null) or 1 << 32 | b (power alternative), as in [`super::bootstrap`]:
//! results do not depend on threads. Give every series its own seed.

mod beyond;
mod glm;

pub use beyond::{beyond_test, BeyondData, BeyondTest, Departure, Dependence};

use rand_distr::{Binomial, Distribution};

use super::bootstrap::replicate_rng;
use super::multitest::{critical_rank, sequential_p_value};
use glm::{rate, Cells, Design, GlmFit};

/// Separates the break test's random streams from the interval bootstrap's and the verdict's.
pub const STREAM_SALT: u64 = 0x6272_6561_6b73_0000;

/// A replicate statistic at least T − TIE·max(1, T) reaches T: fits converge to 1e-10
/// in log-likelihood, so smaller differences are rounding, and a tie is conservative.
pub const TIE: f64 = 1e-7;

/// Fewest sizes the test needs: two on each side of the only admissible break.
pub const MIN_SIZES: usize = 4;

/// Alternatives per split: the jump, the hinge at x_j, the hinge at the midpoint.
const PER_SPLIT: usize = 3;

const NULL_STREAM: usize = 0;
const POWER_STREAM: usize = 1;

/// Why a series cannot be tested or the options are unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BreakError {
    #[error("sizes, trials and successes have different lengths ({0}, {1}, {2})")]
    Lengths(usize, usize, usize),
    #[error("size {0} is not a finite log10 size")]
    NonFinite(usize),
    #[error("cell {index}: {successes} successes out of {trials} items")]
    TooManySuccesses { index: usize, successes: u64, trials: u64 },
    #[error(
        "needs counts at {needed} distinct sizes or more, got {got}: add models or leave the series out"
    )]
    TooFewSizes { needed: usize, got: usize },
    #[error("no size has both a success and a failure ({0}): there is nothing to break")]
    NoVariation(&'static str),
    #[error("invalid break-test option: {0}")]
    Options(String),
    #[error("the {0} fit of the observed series did not converge")]
    NoConvergence(&'static str),
}

/// One series' counts, sorted by size, equal sizes pooled, cells without items dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakData {
    x: Vec<f64>,
    trials: Vec<u64>,
    successes: Vec<u64>,
}

impl BreakData {
    /// `log10_sizes` in any order. Cells of exactly equal size are pooled (their counts
    /// added: the models give one rate per size); cells with no item are dropped.
    pub fn new(log10_sizes: &[f64], trials: &[u64], successes: &[u64]) -> Result<Self, BreakError> {
        let len = log10_sizes.len();
        if trials.len() != len || successes.len() != len {
            return Err(BreakError::Lengths(len, trials.len(), successes.len()));
        }
        if let Some(i) = log10_sizes.iter().position(|x| !x.is_finite()) {
            return Err(BreakError::NonFinite(i));
        }
        if let Some(i) = (0..len).find(|&i| successes[i] > trials[i]) {
            return Err(BreakError::TooManySuccesses {
                index: i,
                successes: successes[i],
                trials: trials[i],
            });
        }
        let mut order: Vec<usize> = (0..len).filter(|&i| trials[i] > 0).collect();
        order.sort_by(|&a, &b| log10_sizes[a].total_cmp(&log10_sizes[b]));
        let mut d = BreakData { x: Vec::new(), trials: Vec::new(), successes: Vec::new() };
        for i in order {
            if d.x.last() == Some(&log10_sizes[i]) {
                *d.trials.last_mut().expect("pooled") += trials[i];
                *d.successes.last_mut().expect("pooled") += successes[i];
            } else {
                d.x.push(log10_sizes[i]);
                d.trials.push(trials[i]);
                d.successes.push(successes[i]);
            }
        }
        if d.x.len() < MIN_SIZES {
            return Err(BreakError::TooFewSizes { needed: MIN_SIZES, got: d.x.len() });
        }
        if d.successes.iter().all(|&k| k == 0) {
            return Err(BreakError::NoVariation("every count is 0"));
        }
        if d.successes.iter().zip(&d.trials).all(|(k, n)| k == n) {
            return Err(BreakError::NoVariation("every item is correct"));
        }
        Ok(d)
    }

    /// The counts as the fits take them.
    fn cells(&self) -> Cells {
        Cells::new(
            self.trials.iter().map(|&n| n as f64).collect(),
            self.successes.iter().map(|&k| k as f64).collect(),
        )
    }

    /// The distinct log10 sizes, increasing.
    pub fn log10_sizes(&self) -> &[f64] {
        &self.x
    }

    pub fn trials(&self) -> &[u64] {
        &self.trials
    }

    pub fn successes(&self) -> &[u64] {
        &self.successes
    }
}

/// How the test is run. [`BreakOptions::default`]: no floor, α = 0.05, h = 10, B = 999,
/// no power.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakOptions {
    /// Known chance floor c in [0, 1): p = c + (1 − c)σ(η).
    pub chance: f64,
    /// Level at which power is computed, in (0, 1).
    pub alpha: f64,
    /// h: sampling stops once this many replicates reached the observed statistic.
    pub exceedances: usize,
    /// B: the most replicates for the p-value.
    pub max_replicates: usize,
    /// Compute [`BreakTest::power`] (about R₀ + R₁ extra replicates per series).
    pub power: bool,
    /// The planted jump at both largest sizes, on the probability scale.
    pub power_jump: f64,
    /// R₀: null replicates behind the critical value.
    pub power_null_replicates: usize,
    /// R₁: replicates under the alternative.
    pub power_replicates: usize,
}

impl Default for BreakOptions {
    fn default() -> Self {
        BreakOptions {
            chance: 0.0,
            alpha: 0.05,
            exceedances: 10,
            max_replicates: 999,
            power: false,
            power_jump: 0.10,
            power_null_replicates: 399,
            power_replicates: 400,
        }
    }
}

impl BreakOptions {
    pub fn check(&self) -> Result<(), BreakError> {
        let bad = |what: String| Err(BreakError::Options(what));
        if !(self.chance >= 0.0 && self.chance < 1.0) {
            return bad(format!("the chance floor must be in [0, 1), got {}", self.chance));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad(format!("alpha must be strictly between 0 and 1, got {}", self.alpha));
        }
        if self.exceedances == 0 || self.max_replicates < self.exceedances {
            return bad(format!(
                "need 1 <= exceedances <= max replicates, got {} and {}",
                self.exceedances, self.max_replicates
            ));
        }
        if self.power {
            if !(self.power_jump > 0.0 && self.power_jump < 1.0) {
                return bad(format!("the power jump must be in (0, 1), got {}", self.power_jump));
            }
            if self.alpha * (self.power_null_replicates + 1) as f64 + 1e-9 < 1.0 || self.power_replicates == 0
            {
                return bad(format!(
                    "power needs at least {} null replicates at alpha {} and one alternative replicate",
                    (1.0 / self.alpha).ceil() - 1.0,
                    self.alpha
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakKind {
    /// A step of δ on the logit scale after τ.
    Jump,
    /// A change of δ in the logit slope per decade at τ.
    Hinge,
}

/// The logit-linear trend fitted under the null.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// η = intercept + slope·log10 N.
    pub intercept: f64,
    pub slope: f64,
    pub deviance: f64,
    /// Fitted rates at the data's sizes.
    pub rates: Vec<f64>,
}

/// One alternative's fit: η = intercept + slope·x + δ·z(x).
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    pub kind: BreakKind,
    /// The adjacent sizes (indices into [`BreakData::log10_sizes`]) the break lies between:
    /// the jump's τ, or the last size before the hinge's slope changes and the first after.
    pub between: (usize, usize),
    /// The same two sizes, as N = 10^x.
    pub sizes: (f64, f64),
    /// τ in log10 N (the jump's is the midpoint of the two sizes: any τ between them fits alike).
    pub tau: f64,
    pub intercept: f64,
    pub slope: f64,
    pub delta: f64,
    /// Fitted rates at the two sizes of `between`.
    pub before: f64,
    pub after: f64,
    pub deviance: f64,
    /// D_null − D_alt.
    pub statistic: f64,
    pub rates: Vec<f64>,
}

/// LR(τ) of every alternative tried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub kind: BreakKind,
    pub between: (usize, usize),
    pub tau: f64,
    pub statistic: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PowerEstimate {
    /// Share of alternative replicates rejected at level α.
    pub power: f64,
    /// Its Monte Carlo standard error √(P(1 − P)/R₁).
    pub standard_error: f64,
    /// The ⌊α(R₀ + 1)⌋-th largest null replicate: statistics beyond it (and its tie band) reject.
    pub critical_value: f64,
    pub jump: f64,
    pub null_replicates: usize,
    pub replicates: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BreakTest {
    /// sup-LR over every candidate break.
    pub statistic: f64,
    /// Besag–Clifford sequential Monte Carlo p-value.
    pub p_value: f64,
    /// Null replicates drawn for the p-value (L or B).
    pub replicates: usize,
    /// Replicates that reached the statistic.
    pub exceedances: usize,
    /// Whether sampling stopped at h exceedances before B.
    pub stopped_early: bool,
    pub null_fit: Trend,
    /// The arg-sup; of candidates within [`TIE`] of the sup, the first (splits from left to
    /// right, at each the jump, then the hinge at x_j, then at the midpoint).
    pub strongest: Break,
    pub candidates: Vec<Candidate>,
    pub power: Option<PowerEstimate>,
}

/// The alternatives of one series: their designs, fitted against centred x.
struct Models {
    null: Design,
    alternatives: Vec<(Candidate, Design)>,
    x_mean: f64,
}

impl Models {
    fn new(x: &[f64]) -> Self {
        let m = x.len();
        let x_mean = x.iter().sum::<f64>() / m as f64;
        let design = |z: &dyn Fn(usize) -> f64| Design {
            columns: 3,
            z: (0..m).map(|i| [1.0, x[i] - x_mean, z(i)]).collect(),
        };
        let mut alternatives = Vec::new();
        for j in 1..=m - 3 {
            let between = (j, j + 1);
            let mid = 0.5 * (x[j] + x[j + 1]);
            let jump = Candidate { kind: BreakKind::Jump, between, tau: mid, statistic: 0.0 };
            alternatives.push((jump, design(&|i| f64::from(u8::from(i > j)))));
            for tau in [x[j], mid] {
                let hinge = Candidate { kind: BreakKind::Hinge, between, tau, statistic: 0.0 };
                alternatives.push((hinge, design(&|i| (x[i] - tau).max(0.0))));
            }
        }
        let null = Design { columns: 2, z: (0..m).map(|i| [1.0, x[i] - x_mean, 0.0]).collect() };
        Models { null, alternatives, x_mean }
    }

    /// Null fit, every alternative's fit, and the sup-LR; alternatives start from the
    /// null fit with δ = 0, so none ends below it.
    fn fit_all(&self, cells: &Cells, chance: f64, start: [f64; 3]) -> (GlmFit, Vec<GlmFit>, f64) {
        let null = glm::fit(cells, &self.null, chance, start);
        let alt: Vec<GlmFit> =
            self.alternatives.iter().map(|(_, d)| glm::fit(cells, d, chance, null.beta)).collect();
        let sup = alt.iter().map(|f| null.deviance - f.deviance).fold(0.0, f64::max);
        (null, alt, sup)
    }

    /// An upper bound of the LR of split j's three alternatives (splits are numbered from
    /// 0 here, the break after size j + 1): the jump and the hinges at split j are each a
    /// line on either side, so none fits better than separate lines on the two sides.
    fn split_bound(&self, cells: &Cells, chance: f64, null: &GlmFit, split: usize) -> f64 {
        let m = cells.n.len();
        let left = glm::fit_range(cells, &self.null, 0..split + 2, chance, null.beta);
        let right = glm::fit_range(cells, &self.null, split + 2..m, chance, null.beta);
        null.deviance - left.deviance - right.deviance
    }

    fn lr(&self, cells: &Cells, chance: f64, null: &GlmFit, i: usize) -> f64 {
        null.deviance - glm::fit(cells, &self.alternatives[i].1, chance, null.beta).deviance
    }

    /// The sup-LR of a replicate whose null fit is `null`, exactly, visiting splits by
    /// decreasing [`Models::split_bound`] and stopping when the bound falls below the sup.
    fn statistic(&self, cells: &Cells, chance: f64, null: &GlmFit) -> f64 {
        let splits = self.alternatives.len() / PER_SPLIT;
        let mut bounds: Vec<(usize, f64)> =
            (0..splits).map(|j| (j, self.split_bound(cells, chance, null, j))).collect();
        bounds.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut sup = 0.0;
        for (j, bound) in bounds {
            if bound <= sup {
                break;
            }
            for i in j * PER_SPLIT..(j + 1) * PER_SPLIT {
                sup = f64::max(sup, self.lr(cells, chance, null, i));
            }
        }
        sup
    }

    /// Whether the sup-LR of a replicate satisfies `clears`, a test that is monotone in
    /// the LR, fitting only what it takes: no LR exceeds the null deviance (every
    /// deviance is ≥ 0), nor its split's bound; splits are tried in `order`, and the first
    /// alternative that clears decides.
    fn clears(
        &self,
        cells: &Cells,
        chance: f64,
        null: &GlmFit,
        order: &[usize],
        clears: impl Fn(f64) -> bool,
    ) -> bool {
        clears(null.deviance)
            && order.iter().any(|&j| {
                clears(self.split_bound(cells, chance, null, j))
                    && (j * PER_SPLIT..(j + 1) * PER_SPLIT).any(|i| clears(self.lr(cells, chance, null, i)))
            })
    }

    fn rates(&self, design: &Design, beta: &[f64; 3], chance: f64) -> Vec<f64> {
        design.eta(beta).map(|e| rate(e, chance)).collect()
    }
}

/// Weighted least squares on empirical logits of the floor-adjusted rates: the start of
/// the observed null fit.
fn logit_start(d: &BreakData, chance: f64, x_mean: f64) -> [f64; 3] {
    let (mut sw, mut swx, mut swy, mut swxx, mut swxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&x, &n), &k) in d.x.iter().zip(&d.trials).zip(&d.successes) {
        let n = n as f64;
        let eps = 0.5 / (n + 1.0);
        let p = (((k as f64 + 0.5) / (n + 1.0) - chance) / (1.0 - chance)).clamp(eps, 1.0 - eps);
        let (w, y, x) = (n * p * (1.0 - p), (p / (1.0 - p)).ln(), x - x_mean);
        (sw, swx, swy, swxx, swxy) = (sw + w, swx + w * x, swy + w * y, swxx + w * x * x, swxy + w * x * y);
    }
    let slope = (sw * swxy - swx * swy) / (sw * swxx - swx * swx);
    [(swy - slope * swx) / sw, slope, 0.0]
}

/// Draws k* ~ Binomial(n_i, p_i) for every cell.
fn draw(rng: &mut rand_chacha::ChaCha8Rng, n: &[f64], p: &[f64]) -> Cells {
    let k = n
        .iter()
        .zip(p)
        .map(|(&n, &p)| Binomial::new(n as u64, p.clamp(0.0, 1.0)).map_or(0.0, |b| b.sample(rng) as f64))
        .collect();
    Cells::new(n.to_vec(), k)
}

fn reaches(t_star: f64, t: f64) -> bool {
    t_star >= t - TIE * t.max(1.0)
}

/// Tests one series for a break. See the module header for the method.
pub fn break_test(data: &BreakData, opts: &BreakOptions, seed: u64) -> Result<BreakTest, BreakError> {
    opts.check()?;
    let c = opts.chance;
    let models = Models::new(&data.x);
    let cells = data.cells();
    let n = &cells.n;
    let (null, alt, t) = models.fit_all(&cells, c, logit_start(data, c, models.x_mean));
    if !null.converged {
        return Err(BreakError::NoConvergence("smooth"));
    }
    if alt.iter().any(|f| !f.converged) {
        return Err(BreakError::NoConvergence("break"));
    }
    let null_rates = models.rates(&models.null, &null.beta, c);
    let candidates: Vec<Candidate> = models
        .alternatives
        .iter()
        .zip(&alt)
        .map(|((cand, _), f)| Candidate { statistic: null.deviance - f.deviance, ..*cand })
        .collect();
    // Ties (within TIE, e.g. a jump and a hinge that both fit a separated side exactly)
    // go to the first candidate: splits from left to right, the jump before the hinges.
    let best = (0..alt.len()).find(|&i| reaches(candidates[i].statistic, t)).unwrap_or(0);
    let strongest = describe(data, &models, best, &alt[best], null.deviance, c);

    // Replicates try the observed series' strongest splits first.
    let split_lr = |j: usize| {
        candidates[j * PER_SPLIT..(j + 1) * PER_SPLIT].iter().map(|c| c.statistic).fold(0.0, f64::max)
    };
    let mut order: Vec<usize> = (0..alt.len() / PER_SPLIT).collect();
    order.sort_by(|&i, &j| split_lr(j).total_cmp(&split_lr(i)));
    let replicate = |stream: usize, b: usize, rates: &[f64]| {
        let mut rng = replicate_rng(seed ^ STREAM_SALT, stream, b);
        let cells = draw(&mut rng, n, rates);
        let fit = glm::fit(&cells, &models.null, c, null.beta);
        (cells, fit)
    };
    let sequential = sequential_p_value(opts.exceedances, opts.max_replicates, |b| {
        let (cells, fit) = replicate(NULL_STREAM, b, &null_rates);
        models.clears(&cells, c, &fit, &order, |lr| reaches(lr, t))
    });

    let power = opts.power.then(|| {
        let critical = critical_value(&models, c, opts, |b| replicate(NULL_STREAM, b, &null_rates));
        let m = null_rates.len();
        let mut alt_rates = null_rates.clone();
        for p in &mut alt_rates[m - 2..] {
            *p = (*p + opts.power_jump).min(1.0);
        }
        let rejected = (0..opts.power_replicates)
            .filter(|&b| {
                let (cells, fit) = replicate(POWER_STREAM, b, &alt_rates);
                models.clears(&cells, c, &fit, &order, |lr| !reaches(critical, lr))
            })
            .count();
        let p = rejected as f64 / opts.power_replicates as f64;
        PowerEstimate {
            power: p,
            standard_error: (p * (1.0 - p) / opts.power_replicates as f64).sqrt(),
            critical_value: critical,
            jump: opts.power_jump,
            null_replicates: opts.power_null_replicates,
            replicates: opts.power_replicates,
        }
    });
    let null_fit = Trend {
        intercept: null.beta[0] - null.beta[1] * models.x_mean,
        slope: null.beta[1],
        deviance: null.deviance,
        rates: null_rates,
    };
    Ok(BreakTest {
        statistic: t,
        p_value: sequential.p_value,
        replicates: sequential.replicates,
        exceedances: sequential.exceedances,
        stopped_early: sequential.stopped_early,
        null_fit,
        strongest,
        candidates,
        power,
    })
}

fn describe(d: &BreakData, models: &Models, i: usize, fit: &GlmFit, null_deviance: f64, c: f64) -> Break {
    let (cand, design) = &models.alternatives[i];
    let rates = models.rates(design, &fit.beta, c);
    let (j0, j1) = cand.between;
    Break {
        kind: cand.kind,
        between: cand.between,
        sizes: (10f64.powf(d.x[j0]), 10f64.powf(d.x[j1])),
        tau: cand.tau,
        intercept: fit.beta[0] - fit.beta[1] * models.x_mean,
        slope: fit.beta[1],
        delta: fit.beta[2],
        before: rates[j0],
        after: rates[j1],
        deviance: fit.deviance,
        statistic: null_deviance - fit.deviance,
        rates,
    }
}

/// The r-th largest of R₀ null replicates' sup-LR, r = ⌊α(R₀ + 1)⌋: a replicate series
/// is rejected when 1 + #{T* ≥ T} ≤ α(R₀ + 1), i.e. when T is beyond it (and its tie band)
/// ([`critical_rank`]). Exact with few alternative fits:
/// replicates are visited by decreasing null deviance, an upper bound of their sup-LR, and
/// the visit stops once the bound falls below the r-th largest statistic found.
fn critical_value(
    models: &Models,
    c: f64,
    opts: &BreakOptions,
    replicate: impl Fn(usize) -> (Cells, GlmFit),
) -> f64 {
    let r0 = opts.power_null_replicates;
    let r = critical_rank(opts.alpha, r0);
    let mut reps: Vec<(Cells, GlmFit)> = (0..r0).map(replicate).collect();
    reps.sort_by(|a, b| b.1.deviance.total_cmp(&a.1.deviance));
    let mut top: Vec<f64> = Vec::with_capacity(r + 1);
    for (cells, fit) in &reps {
        if top.len() == r && fit.deviance < top[r - 1] {
            break;
        }
        let t = models.statistic(cells, c, fit);
        let at = top.partition_point(|&s| s >= t);
        top.insert(at, t);
        top.truncate(r);
    }
    top[r - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The sizes of issue 14's example: 1e8, 3.98e8, 1.58e9, 6.31e9, 2.51e10, 1e11.
    fn x6() -> Vec<f64> {
        [1e8, 3.98e8, 1.58e9, 6.31e9, 2.51e10, 1e11].iter().map(|n: &f64| n.log10()).collect()
    }

    fn data(x: &[f64], n: u64, k: &[u64]) -> BreakData {
        BreakData::new(x, &vec![n; x.len()], k).expect("valid series")
    }

    fn quick() -> BreakOptions {
        BreakOptions { max_replicates: 99, ..BreakOptions::default() }
    }

    fn candidate(t: &BreakTest, kind: BreakKind, j: usize, tau: Option<f64>) -> f64 {
        let c = t.candidates.iter().find(|c| {
            c.kind == kind && c.between == (j, j + 1) && tau.is_none_or(|tau| (c.tau - tau).abs() < 1e-12)
        });
        c.expect("candidate in the grid").statistic
    }

    /// δ of one alternative, refitted through the module's own models.
    fn delta(d: &BreakData, chance: f64, kind: BreakKind, j: usize, tau: Option<f64>) -> f64 {
        let models = Models::new(&d.x);
        let cells = d.cells();
        let (_, alt, _) = models.fit_all(&cells, chance, logit_start(d, chance, models.x_mean));
        let i = models.alternatives.iter().position(|(c, _)| {
            c.kind == kind && c.between.0 == j && tau.is_none_or(|tau| (c.tau - tau).abs() < 1e-12)
        });
        alt[i.expect("in the grid")].beta[2]
    }

    #[test]
    fn issue_14_example_s2_breaks_between_the_4th_and_5th_size() {
        // Reference: tests/reference/break_reference.py (statsmodels GLM Binomial), case s2.
        let x = x6();
        let d = data(&x, 300, &[30, 30, 30, 30, 255, 255]);
        let t = break_test(&d, &BreakOptions::default(), 1).expect("testable");
        assert_relative_eq!(t.null_fit.deviance, 245.50323395110917, max_relative = 1e-9);
        assert_relative_eq!(t.null_fit.slope, 1.8039400871124998, max_relative = 1e-8);
        assert_relative_eq!(t.null_fit.intercept, -18.20066128575194, max_relative = 1e-8);
        for (r, want) in t.null_fit.rates.iter().zip([
            0.02255157568704197,
            0.06374557641442066,
            0.16702849337238324,
            0.3723857446361019,
            0.636389378706293,
            0.83789923118376,
        ]) {
            assert_relative_eq!(*r, want, max_relative = 1e-8);
        }
        assert_relative_eq!(t.statistic, 245.5032339511092, max_relative = 1e-9);
        assert_eq!(t.strongest.kind, BreakKind::Jump);
        assert_eq!(t.strongest.between, (3, 4));
        assert_relative_eq!(t.strongest.sizes.0, 6.31e9, max_relative = 1e-12);
        assert_relative_eq!(t.strongest.sizes.1, 2.51e10, max_relative = 1e-12);
        assert_relative_eq!(t.strongest.delta, 3.931825632724326, max_relative = 1e-7);
        assert_relative_eq!(t.strongest.before, 0.1, max_relative = 1e-8);
        assert_relative_eq!(t.strongest.after, 0.85, max_relative = 1e-8);
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 3, Some(x[3])),
            133.30691914811862,
            max_relative = 1e-8
        );
        let mid = 0.5 * (x[2] + x[3]);
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 2, Some(mid)),
            138.20352627288145,
            max_relative = 1e-8
        );
        assert_relative_eq!(
            delta(&d, 0.0, BreakKind::Hinge, 3, Some(x[3])),
            3.2613610833634255,
            max_relative = 1e-7
        );
        // No replicate of the smooth fit comes near 245: p = 1/(B + 1).
        assert_eq!((t.exceedances, t.replicates, t.stopped_early), (0, 999, false));
        assert_eq!(t.p_value, 1.0 / 1000.0);
    }

    #[test]
    fn issue_14_example_smooth_subtasks_are_not_flagged() {
        let x = x6();
        let smooth: [[u64; 6]; 4] = [
            [31, 68, 127, 190, 235, 259],
            [23, 53, 106, 170, 223, 253],
            [13, 31, 68, 127, 190, 235],
            [9, 23, 53, 106, 170, 223],
        ];
        for (i, k) in smooth.iter().enumerate() {
            let t = break_test(&data(&x, 300, k), &BreakOptions::default(), 2 + i as u64).expect("testable");
            assert!(t.p_value > 0.05, "subtask {k:?}: p = {}", t.p_value);
            // A clearly smooth series stops early, after h = 10 exceedances: p = h/L.
            assert!(t.stopped_early);
            assert_eq!(t.p_value, 10.0 / t.replicates as f64);
        }
    }

    #[test]
    fn s0_matches_statsmodels_at_fixed_breaks() {
        // Reference: break_reference.py, case s0 (statsmodels GLM Binomial).
        let x = x6();
        let d = data(&x, 300, &[31, 68, 127, 190, 235, 259]);
        let t = break_test(&d, &quick(), 3).expect("testable");
        assert_relative_eq!(t.null_fit.deviance, 3.677373866650754, max_relative = 1e-9);
        assert_relative_eq!(
            candidate(&t, BreakKind::Jump, 2, None),
            0.14631501090706278,
            max_relative = 1e-7
        );
        let mid = 0.5 * (x[3] + x[4]);
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 3, Some(mid)),
            3.57463600953999,
            max_relative = 1e-8
        );
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 1, Some(x[1])),
            1.1621157253666876,
            max_relative = 1e-8
        );
        assert_relative_eq!(
            delta(&d, 0.0, BreakKind::Jump, 2, None),
            0.08229483663237919,
            max_relative = 1e-6
        );
        assert_relative_eq!(
            delta(&d, 0.0, BreakKind::Hinge, 3, Some(mid)),
            -0.5770219251257744,
            max_relative = 1e-7
        );
        // The sup over the grid (break_reference.py's own grid): the hinge at 10.0999.
        assert_relative_eq!(t.statistic, 3.57463600953999, max_relative = 1e-8);
        assert_eq!((t.strongest.kind, t.strongest.between), (BreakKind::Hinge, (3, 4)));
        assert_relative_eq!(t.strongest.tau, 10.099851540362586, max_relative = 1e-12);
        assert_eq!(t.candidates.len(), 9);
    }

    #[test]
    fn floor_model_matches_scipy() {
        // Reference: break_reference.py, case floor (chance 0.25; scipy BFGS + Newton polish).
        let x = [8.0, 8.75, 9.5, 10.25, 11.0];
        let d = data(&x, 100, &[22, 31, 33, 64, 86]);
        let opts = BreakOptions { chance: 0.25, ..quick() };
        let t = break_test(&d, &opts, 4).expect("testable");
        assert_relative_eq!(t.null_fit.deviance, 2.222344001340128, max_relative = 1e-8);
        assert_relative_eq!(t.null_fit.slope, 2.1735358404400364, max_relative = 1e-6);
        assert_relative_eq!(t.null_fit.intercept, -22.34516473080769, max_relative = 1e-6);
        assert_relative_eq!(t.null_fit.rates[0], 0.2552392846511066, max_relative = 1e-7);
        assert_relative_eq!(t.null_fit.rates[4], 0.8701658970770008, max_relative = 1e-7);
        assert_relative_eq!(candidate(&t, BreakKind::Jump, 1, None), 0.369193963425688, max_relative = 1e-6);
        assert_relative_eq!(candidate(&t, BreakKind::Jump, 2, None), 0.8563967059062769, max_relative = 1e-6);
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 2, Some(9.5)),
            0.10045057510929878,
            max_relative = 1e-6
        );
        assert_relative_eq!(
            candidate(&t, BreakKind::Hinge, 1, Some(9.125)),
            0.018755063521551207,
            max_relative = 1e-5
        );
        assert_relative_eq!(
            delta(&d, 0.25, BreakKind::Jump, 1, None),
            -0.8505066492060736,
            max_relative = 1e-6
        );
        assert_relative_eq!(
            delta(&d, 0.25, BreakKind::Hinge, 2, Some(9.5)),
            0.49475380704229976,
            max_relative = 1e-6
        );
        assert_relative_eq!(t.statistic, 0.8563967059062769, max_relative = 1e-6);
        assert_eq!((t.strongest.kind, t.strongest.between), (BreakKind::Jump, (2, 3)));
        assert_eq!(t.candidates.len(), 6);
    }

    #[test]
    fn separation_gives_the_limit_deviance() {
        // Reference: break_reference.py, case separated: the jump's limit deviance is 0, so
        // LR = D_null (statsmodels) up to the fits' 1e-10 tolerance.
        let x = [8.0, 8.5, 9.0, 9.5, 10.0, 10.5];
        let d = data(&x, 200, &[0, 0, 0, 0, 120, 180]);
        let t = break_test(&d, &quick(), 5).expect("testable");
        assert_relative_eq!(t.null_fit.deviance, 37.928994266326896, max_relative = 1e-9);
        assert_relative_eq!(t.statistic, 37.928994266326896, epsilon = 1e-8);
        assert_eq!((t.strongest.kind, t.strongest.between), (BreakKind::Jump, (3, 4)));
        assert!(t.strongest.before < 1e-9 && t.strongest.delta > 10.0, "{:?}", t.strongest);
    }

    #[test]
    fn input_is_sorted_and_equal_sizes_pooled() {
        let x = x6();
        let sorted = data(&x, 300, &[31, 68, 127, 190, 235, 259]);
        let shuffled = [x[3], x[0], x[5], x[1], x[4], x[2]];
        let shuffled = data(&shuffled, 300, &[190, 31, 259, 68, 235, 127]);
        assert_eq!(sorted, shuffled);
        // 190 of 300 at one size, given as 100 of 150 and 90 of 150, plus an empty cell.
        let split = [x[0], x[1], x[2], x[3], x[3], x[4], x[5], 12.0];
        let pooled = BreakData::new(
            &split,
            &[300, 300, 300, 150, 150, 300, 300, 0],
            &[31, 68, 127, 100, 90, 235, 259, 0],
        );
        assert_eq!(pooled.expect("valid"), sorted);
        let a = break_test(&sorted, &quick(), 9).expect("testable");
        let b = break_test(&shuffled, &quick(), 9).expect("testable");
        assert_eq!(a, b);
    }

    #[test]
    fn seeded_and_reproducible() {
        let d = data(&x6(), 300, &[31, 68, 127, 190, 235, 259]);
        let opts = BreakOptions { power: true, power_null_replicates: 99, power_replicates: 50, ..quick() };
        let a = break_test(&d, &opts, 11).expect("testable");
        assert_eq!(a, break_test(&d, &opts, 11).expect("testable"));
        let other = break_test(&d, &opts, 12).expect("testable");
        assert_ne!(a.power, other.power);
    }

    #[test]
    fn lazy_decisions_match_full_statistics() {
        // The p-value's and the power's shortcuts decide exactly what the full sup-LR does.
        let d = data(&x6(), 300, &[31, 68, 127, 190, 235, 259]);
        let models = Models::new(&d.x);
        let cells = d.cells();
        let n = cells.n.clone();
        let (null, _, _) = models.fit_all(&cells, 0.0, logit_start(&d, 0.0, models.x_mean));
        let rates = models.rates(&models.null, &null.beta, 0.0);
        let order: Vec<usize> = (0..models.alternatives.len() / PER_SPLIT).rev().collect();
        let reps: Vec<(Cells, GlmFit)> = (0..300)
            .map(|b| {
                let cells = draw(&mut replicate_rng(7, 0, b), &n, &rates);
                let fit = glm::fit(&cells, &models.null, 0.0, null.beta);
                (cells, fit)
            })
            .collect();
        // The full sup-LR, every alternative fitted, against the pruned one.
        let sup = |cells: &Cells, fit: &GlmFit| {
            (0..models.alternatives.len()).map(|i| models.lr(cells, 0.0, fit, i)).fold(0.0, f64::max)
        };
        let mut full: Vec<f64> = reps.iter().map(|(cells, fit)| sup(cells, fit)).collect();
        for ((cells, fit), &s) in reps.iter().zip(&full) {
            assert_eq!(models.statistic(cells, 0.0, fit), s);
        }
        for t in [0.5, 2.0, 3.6, 6.0, 10.0] {
            for ((cells, fit), &s) in reps.iter().zip(&full) {
                assert_eq!(models.clears(cells, 0.0, fit, &order, |lr| reaches(lr, t)), reaches(s, t));
            }
        }
        let opts = BreakOptions { power: true, power_null_replicates: 299, ..BreakOptions::default() };
        let critical = critical_value(&models, 0.0, &opts, |b| reps[b].clone());
        full.truncate(299);
        full.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(critical, full[14], "the 15th largest of 299 (α(R₀ + 1) = 15)");
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let x = [8.0, 9.0, 10.0, 11.0];
        assert_eq!(BreakData::new(&x, &[10; 3], &[1; 4]), Err(BreakError::Lengths(4, 3, 4)));
        assert_eq!(
            BreakData::new(&[8.0, f64::NAN, 10.0, 11.0], &[10; 4], &[1; 4]),
            Err(BreakError::NonFinite(1))
        );
        assert_eq!(
            BreakData::new(&x, &[10; 4], &[1, 11, 1, 1]),
            Err(BreakError::TooManySuccesses { index: 1, successes: 11, trials: 10 })
        );
        assert_eq!(
            BreakData::new(&[8.0, 9.0, 9.0, 11.0], &[10; 4], &[1, 2, 3, 4]),
            Err(BreakError::TooFewSizes { needed: 4, got: 3 })
        );
        assert_eq!(
            BreakData::new(&x, &[10, 10, 10, 0], &[1, 2, 3, 0]),
            Err(BreakError::TooFewSizes { needed: 4, got: 3 })
        );
        assert!(matches!(BreakData::new(&x, &[10; 4], &[0; 4]), Err(BreakError::NoVariation(_))));
        assert!(matches!(BreakData::new(&x, &[10; 4], &[10; 4]), Err(BreakError::NoVariation(_))));
        let d = BreakData::new(&x, &[10; 4], &[1, 2, 3, 4]).expect("valid");
        assert_eq!(Models::new(&d.x).alternatives.len(), 3);
        for bad in [
            BreakOptions { chance: 1.0, ..BreakOptions::default() },
            BreakOptions { alpha: 0.0, ..BreakOptions::default() },
            BreakOptions { exceedances: 0, ..BreakOptions::default() },
            BreakOptions { max_replicates: 5, ..BreakOptions::default() },
            BreakOptions { power: true, power_null_replicates: 10, ..BreakOptions::default() },
            BreakOptions { power: true, power_jump: 0.0, ..BreakOptions::default() },
        ] {
            assert!(matches!(break_test(&d, &bad, 0), Err(BreakError::Options(_))), "{bad:?}");
        }
    }

    #[test]
    fn power_grows_with_items() {
        // The same smooth curve (the s0 rates) with 30 and with 3000 items per size: a
        // 10-point jump at the two largest sizes is hard to see with 30 and plain with 3000.
        let p = [0.103, 0.227, 0.423, 0.633, 0.783, 0.863];
        let opts = BreakOptions { power: true, ..quick() };
        let power = |n: u64| {
            let k: Vec<u64> = p.iter().map(|p| (p * n as f64).round() as u64).collect();
            let t = break_test(&data(&x6(), n, &k), &opts, 6).expect("testable");
            t.power.expect("asked for")
        };
        let (small, large) = (power(30), power(3000));
        assert!(small.power < 0.3, "30 items: {small:?}");
        assert!(large.power > 0.9, "3000 items: {large:?}");
        assert_eq!((large.null_replicates, large.replicates), (399, 400));
        assert!(large.critical_value > 0.0);
    }
}
