//! Is the composed model calibrated? (issue 13)
//!
//! Simulates many tasks whose subtasks follow logistic trends in log10 N (floor 0,
//! ceiling 1: p_j(x) = σ(s_j (x − m_j)), m_j uniform in [8.75, 10.25], s_j in [0.8, 2]
//! per decade, sizes log-spaced over 10⁸…10¹¹), analyses them with `all`, and measures
//! 1. how often the composed 95% band covers the true compound Π_j p_j(x), per size;
//! 2. how often the composed held-out interval covers the observed compound at the
//!    largest size;
//! 3. how often it misses a compound that jumps by 10 points at the largest size
//!    (every subtask's rate there times ((P + 0.1)/P)^(1/k), capped at 1);
//! 4. how many series get no band or no held-out check, and zero-width intervals.
//!
//! Settings: A, tidy counts, 5 subtasks × 6 sizes × 300 items; B, tidy counts,
//! 3 × 5 × 100; C, item-level rows through the item reader, 5 × 6 × 500 with
//! within-item correlation ρ = 0.3 (the model of `emerge simulate`); D (full run
//! only), A with subtask ceilings uniform in [0.85, 1].
//!
//! The full run also computes prototypes: the same band and held-out interval with
//! φ = 1 and a normal quantile, with the ceiling fixed at 1 or left unbounded, with
//! item covariances between subtasks (pairwise, or one ICC), and an oracle (the true
//! curves and the exact sampling variance), to show what would be calibrated:
//!
//!     cargo test --test calibration -- --ignored --nocapture composed::
//!
//! (`EMERGE_CAL_TASKS=200` for fewer tasks; the numbers are the same in release.)

use std::collections::BTreeMap;
use std::fmt::Write as _;

use emerge::analyze::fit::{fit_observations, FitSpec, FittedCurve, ModelKind, Observations};
use emerge::analyze::{analyze, AnalyzeOptions, SeriesKind};
use emerge::compose::{compose, Operator};
use emerge::ingest::{read, IngestOptions};
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use crate::sim::sigmoid;

/// Smallest and largest log10 N.
const X_LO: f64 = 8.0;
const X_HI: f64 = 11.0;
/// Subtask midpoints uniform in [MID_LO, MID_HI], slopes in [SLOPE_LO, SLOPE_HI] per decade.
const MID_LO: f64 = 8.75;
const MID_HI: f64 = 10.25;
const SLOPE_LO: f64 = 0.8;
const SLOPE_HI: f64 = 2.0;
/// The planted jump of the compound at the largest size.
const JUMP: f64 = 0.10;

#[derive(Debug, Clone, Copy)]
struct Setting {
    name: &'static str,
    k: usize,
    sizes: usize,
    items: u64,
    /// Item-level rows with this within-item correlation; tidy counts when None.
    rho: Option<f64>,
    /// Subtask ceilings uniform in [ceiling_lo, 1] (1: the settings of issue 13).
    ceiling_lo: f64,
}

const A: Setting = Setting { name: "A", k: 5, sizes: 6, items: 300, rho: None, ceiling_lo: 1.0 };
const B: Setting = Setting { name: "B", k: 3, sizes: 5, items: 100, rho: None, ceiling_lo: 1.0 };
const C: Setting = Setting { name: "C", k: 5, sizes: 6, items: 500, rho: Some(0.3), ceiling_lo: 1.0 };
/// Not in issue 13: A with ceilings below 1, to see what fixing the ceiling at 1 costs.
const D: Setting = Setting { name: "D", k: 5, sizes: 6, items: 300, rho: None, ceiling_lo: 0.85 };

/// One simulated task's true subtask curves.
#[derive(Debug, Clone)]
struct Truth {
    mid: Vec<f64>,
    slope: Vec<f64>,
    ceiling: Vec<f64>,
}

fn logit(p: f64) -> f64 {
    p.ln() - (-p).ln_1p()
}

impl Truth {
    fn rate(&self, j: usize, x: f64) -> f64 {
        self.ceiling[j] * sigmoid(self.slope[j] * (x - self.mid[j]))
    }

    fn compound(&self, x: f64) -> f64 {
        (0..self.mid.len()).map(|j| self.rate(j, x)).product()
    }

    /// The subtask rates drawn from at x; with `jump`, lifted so that their product
    /// rises by JUMP (each rate capped at 1).
    fn rates(&self, x: f64, jump: bool) -> Vec<f64> {
        let k = self.mid.len();
        let r = if jump {
            let p = self.compound(x);
            ((p + JUMP) / p).powf(1.0 / k as f64)
        } else {
            1.0
        };
        (0..k).map(|j| (self.rate(j, x) * r).min(1.0)).collect()
    }
}

fn size_x(s: &Setting, i: usize) -> f64 {
    X_LO + (X_HI - X_LO) * i as f64 / (s.sizes - 1) as f64
}

fn params(x: f64) -> String {
    format!("{:.0}", 10f64.powf(x))
}

fn truths(s: &Setting, tasks: usize, rng: &mut ChaCha8Rng) -> Vec<Truth> {
    (0..tasks)
        .map(|_| Truth {
            mid: (0..s.k).map(|_| MID_LO + (MID_HI - MID_LO) * rng.random::<f64>()).collect(),
            slope: (0..s.k).map(|_| SLOPE_LO + (SLOPE_HI - SLOPE_LO) * rng.random::<f64>()).collect(),
            ceiling: (0..s.k)
                .map(|_| {
                    if s.ceiling_lo < 1.0 {
                        s.ceiling_lo + (1.0 - s.ceiling_lo) * rng.random::<f64>()
                    } else {
                        1.0
                    }
                })
                .collect(),
        })
        .collect()
}

/// Per task and size, Σ over items of x_ij·x_il (k × k; the diagonal is Σ x_ij), for
/// item-level data: what the prototypes below need from the items.
type Cross = Vec<Vec<DMatrix<f64>>>;

/// The input file: tidy counts, or item-level rows drawn as `emerge simulate` draws
/// them (outcome 1[U_ij < p_j], U_ij the item's shared uniform with probability √ρ).
fn corpus(s: &Setting, truths: &[Truth], jump: bool, rng: &mut ChaCha8Rng) -> (String, Cross) {
    let mut out = String::new();
    let mut cross: Cross = Vec::new();
    match s.rho {
        None => out.push_str("task,model,params,subtask,n,correct\n"),
        Some(_) => out.push_str("model,params,family,task,subtask,item,correct\n"),
    }
    for (t, truth) in truths.iter().enumerate() {
        let mut per_size = Vec::new();
        for i in 0..s.sizes {
            let x = size_x(s, i);
            let p = truth.rates(x, jump && i + 1 == s.sizes);
            let n = params(x);
            match s.rho {
                None => {
                    for (j, &pj) in p.iter().enumerate() {
                        let c = Binomial::new(s.items, pj).expect("valid binomial").sample(rng);
                        writeln!(out, "t{t},m{i},{n},s{j},{},{c}", s.items).unwrap();
                    }
                }
                Some(rho) => {
                    let share = rho.sqrt();
                    let mut sums = DMatrix::zeros(s.k, s.k);
                    let mut o = vec![0.0; s.k];
                    for item in 0..s.items {
                        let shared: f64 = rng.random();
                        for (j, &pj) in p.iter().enumerate() {
                            let use_shared = rng.random::<f64>() < share;
                            let fresh: f64 = rng.random();
                            let u = if use_shared { shared } else { fresh };
                            o[j] = f64::from(u8::from(u < pj));
                            writeln!(out, "m{i},{n},sim,t{t},s{j},{item},{}", o[j]).unwrap();
                        }
                        for a in 0..s.k {
                            for b in 0..s.k {
                                sums[(a, b)] += o[a] * o[b];
                            }
                        }
                    }
                    per_size.push(sums);
                }
            }
        }
        cross.push(per_size);
    }
    (out, cross)
}

// ---------------------------------------------------------------------------------
// Prototypes: the same composed quantities computed other ways, to see which would be
// calibrated. Every subtask curve is a logistic with floor 0, μ = c·σ(s(x − m)), with
// the ceiling c fitted or fixed at 1.

/// A fitted subtask logistic.
#[derive(Debug, Clone)]
struct Logi {
    m: f64,
    s: f64,
    /// None: the ceiling is fixed at 1 (two free parameters).
    c: Option<f64>,
}

impl Logi {
    fn of(f: &FittedCurve) -> Option<Logi> {
        let get = |name: &str| f.parameters.iter().find(|e| e.name == name);
        let c = get("ceiling")?;
        let fixed = c.se.is_none() && c.value == 1.0;
        Some(Logi { m: get("midpoint")?.value, s: get("slope")?.value, c: (!fixed).then_some(c.value) })
    }

    fn sig(&self, x: f64) -> f64 {
        sigmoid(self.s * (x - self.m))
    }

    fn mu(&self, x: f64) -> f64 {
        self.c.unwrap_or(1.0) * self.sig(x)
    }

    /// dμ/dθ.
    fn grad(&self, x: f64) -> DVector<f64> {
        let (q, c) = (self.sig(x), self.c.unwrap_or(1.0));
        let d = q * (1.0 - q);
        let mut g = vec![-c * self.s * d, c * (x - self.m) * d];
        if self.c.is_some() {
            g.push(q);
        }
        DVector::from_vec(g)
    }

    /// d ln μ/dθ.
    fn ln_grad(&self, x: f64) -> DVector<f64> {
        let q = 1.0 - self.sig(x);
        let mut g = vec![-self.s * q, (x - self.m) * q];
        if let Some(c) = self.c {
            g.push(1.0 / c);
        }
        DVector::from_vec(g)
    }

    /// Inverse Fisher information Σ nᵢ gᵢgᵢᵀ/(μᵢ(1 − μᵢ)) of the binomial fit (φ = 1).
    fn inv_info(&self, d: &Data) -> Option<DMatrix<f64>> {
        let k = if self.c.is_some() { 3 } else { 2 };
        let mut info = DMatrix::zeros(k, k);
        for (&x, &n) in d.x.iter().zip(&d.n) {
            let (g, mu) = (self.grad(x), self.mu(x));
            info += &g * g.transpose() * (n / (mu * (1.0 - mu)));
        }
        info.try_inverse()
    }

    /// Binomial log-likelihood of the fit (up to a constant).
    fn log_lik(&self, d: &Data) -> f64 {
        d.x.iter()
            .zip(&d.y)
            .zip(&d.n)
            .map(|((&x, &y), &n)| {
                let mu = self.mu(x).clamp(1e-300, 1.0 - 1e-16);
                n * (y * mu.ln() + (1.0 - y) * (1.0 - mu).ln())
            })
            .sum()
    }

    /// Pearson X² of the fit.
    fn chi2(&self, d: &Data) -> f64 {
        d.x.iter()
            .zip(&d.y)
            .zip(&d.n)
            .map(|((&x, &y), &n)| {
                let mu = self.mu(x);
                n * (y - mu) * (y - mu) / (mu * (1.0 - mu))
            })
            .sum()
    }

    /// The three-parameter maximum-likelihood fit with the ceiling not bounded by 1 (a
    /// regular problem when the true ceiling is 1), by Fisher scoring with step halving
    /// from `start`.
    fn unbounded(d: &Data, start: &Logi) -> Option<Logi> {
        let ll = |f: &Logi| -> f64 {
            let mut l = 0.0;
            for ((&x, &y), &n) in d.x.iter().zip(&d.y).zip(&d.n) {
                let mu = f.mu(x);
                if !(mu > 0.0 && mu < 1.0) {
                    return f64::NEG_INFINITY;
                }
                l += n * (y * mu.ln() + (1.0 - y) * (1.0 - mu).ln());
            }
            l
        };
        let mut f = Logi { m: start.m, s: start.s, c: Some(start.c.unwrap_or(1.0)) };
        let mut cur = ll(&f);
        for _ in 0..200 {
            let mut score = DVector::zeros(3);
            for ((&x, &y), &n) in d.x.iter().zip(&d.y).zip(&d.n) {
                let mu = f.mu(x);
                score += f.grad(x) * (n * (y - mu) / (mu * (1.0 - mu)));
            }
            let step = f.inv_info(d)? * score;
            let mut t = 1.0;
            let mut moved = false;
            for _ in 0..40 {
                let g = Logi { m: f.m + t * step[0], s: f.s + t * step[1], c: Some(f.c? + t * step[2]) };
                let l = ll(&g);
                if l >= cur {
                    f = g;
                    cur = l;
                    moved = true;
                    break;
                }
                t *= 0.5;
            }
            if !moved || t * step.norm() < 1e-10 {
                break;
            }
        }
        (cur.is_finite() && f.c? > 0.0).then_some(f)
    }

    /// Binomial logistic regression (ceiling 1) by iteratively reweighted least squares.
    fn glm(d: &Data) -> Option<Logi> {
        let (mut a, mut b) = (0.0, 0.0);
        for _ in 0..100 {
            let (mut xtwx, mut xtwz) = (DMatrix::<f64>::zeros(2, 2), DVector::<f64>::zeros(2));
            for ((&x, &y), &n) in d.x.iter().zip(&d.y).zip(&d.n) {
                let eta: f64 = a + b * x;
                let mu = sigmoid(eta).clamp(1e-12, 1.0 - 1e-12);
                let w = n * mu * (1.0 - mu);
                let z = eta + (y - mu) / (mu * (1.0 - mu));
                let row = DVector::from_vec(vec![1.0, x]);
                xtwx += &row * row.transpose() * w;
                xtwz += row * (w * z);
            }
            let beta = xtwx.try_inverse()? * xtwz;
            let moved = (beta[0] - a).abs() + (beta[1] - b).abs();
            (a, b) = (beta[0], beta[1]);
            if moved < 1e-10 {
                break;
            }
        }
        (b.is_finite() && b.abs() > 1e-9).then(|| Logi { m: -a / b, s: b, c: None })
    }
}

/// One subtask's points.
#[derive(Debug, Clone)]
struct Data {
    x: Vec<f64>,
    y: Vec<f64>,
    n: Vec<f64>,
}

impl Data {
    fn without_last(&self) -> Data {
        let l = self.x.len() - 1;
        Data { x: self.x[..l].to_vec(), y: self.y[..l].to_vec(), n: self.n[..l].to_vec() }
    }
}

/// Variance of Σ_j ln μ̂_j(x) from fits to `data`. Without `covs` the model-based one
/// (φ = 1, independent subtasks, as the library's); with `covs` (per size, the k × k
/// covariance of one item's subtask outcomes) the one robust to subtasks that share
/// items: Σ_i Σ_jl a_ji a_li cov_i,jl / n_i, where a_ji = h_jᵀ I_j⁻¹ g_ji·n_i/(μ(1 − μ))
/// is the weight of point i in ln μ̂_j(x) (it reduces to Σ_j h_jᵀ I_j⁻¹ h_j when the
/// covariances are the binomial ones).
fn ln_sum_variance(fits: &[Logi], data: &[Data], x: f64, covs: Option<&[DMatrix<f64>]>) -> Option<f64> {
    let k = fits.len();
    let sizes = data[0].x.len();
    let mut model = 0.0;
    let mut a = DMatrix::zeros(k, sizes);
    for (j, (f, d)) in fits.iter().zip(data).enumerate() {
        let inv = f.inv_info(d)?;
        let h = f.ln_grad(x);
        let ih = &inv * &h;
        model += h.dot(&ih);
        for i in 0..sizes {
            let mu = f.mu(d.x[i]);
            a[(j, i)] = ih.dot(&f.grad(d.x[i])) * d.n[i] / (mu * (1.0 - mu));
        }
    }
    let v = match covs {
        None => model,
        Some(covs) => (0..sizes)
            .map(|i| {
                let col = a.column(i);
                (col.transpose() * &covs[i] * col)[(0, 0)] / data[0].n[i]
            })
            .sum(),
    };
    v.is_finite().then_some(v)
}

/// Covariance of the outcomes of the k subtasks on one item at one size, from the
/// cross-products over n items.
fn item_cov(cross: &DMatrix<f64>, n: f64) -> DMatrix<f64> {
    let k = cross.nrows();
    DMatrix::from_fn(k, k, |a, b| cross[(a, b)] / n - cross[(a, a)] * cross[(b, b)] / (n * n))
}

/// The same with one exchangeable correlation: ICC(3,1) from the two-way ANOVA, as the
/// library's independence check computes it from row sums (all it aggregates today).
fn icc_cov(cross: &DMatrix<f64>, n: f64) -> DMatrix<f64> {
    let k = cross.nrows() as f64;
    let sums: Vec<f64> = (0..cross.nrows()).map(|j| cross[(j, j)]).collect();
    let total: f64 = sums.iter().sum();
    let correction = total * total / (n * k);
    let ss_total = total - correction;
    let ss_rows = cross.sum() / k - correction;
    let ss_cols = sums.iter().map(|s| s * s).sum::<f64>() / n - correction;
    let msr = ss_rows / (n - 1.0);
    let mse = (ss_total - ss_rows - ss_cols) / ((n - 1.0) * (k - 1.0));
    let icc = ((msr - mse) / (msr + (k - 1.0) * mse)).max(0.0);
    let var: Vec<f64> = sums.iter().map(|s| s / n * (1.0 - s / n)).collect();
    DMatrix::from_fn(cross.nrows(), cross.nrows(), |a, b| {
        if a == b {
            var[a]
        } else {
            icc * (var[a] * var[b]).sqrt()
        }
    })
}

fn correlation(cov: &DMatrix<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(cov.nrows(), cov.ncols(), |a, b| {
        let d = (cov[(a, a)] * cov[(b, b)]).sqrt();
        if a == b {
            1.0
        } else if d > 0.0 {
            cov[(a, b)] / d
        } else {
            0.0
        }
    })
}

/// Held-out interval variants: name → (covered, checked, Σ width on the rate scale).
type Variants = BTreeMap<&'static str, (usize, usize, f64)>;

fn count(v: &mut Variants, name: &'static str, check: Option<(bool, f64)>) {
    if let Some((inside, width)) = check {
        let e = v.entry(name).or_default();
        e.0 += usize::from(inside);
        e.1 += 1;
        e.2 += width;
    }
}

/// Whether `observed` lies within centre ± q·√var on the logit scale, and the
/// interval's width on the rate scale.
fn within(observed: f64, centre: f64, var: f64, q: f64) -> Option<(bool, f64)> {
    (var.is_finite() && var >= 0.0 && centre.is_finite()).then(|| {
        let half = q * var.sqrt();
        let width = sigmoid(centre + half) - sigmoid(centre - half);
        ((logit(observed) - centre).abs() <= half, width)
    })
}

const Z: f64 = 1.959963984540054;

/// The 97.5% quantile of Student's t with (fractional) df degrees of freedom.
fn t975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df > 1e6 {
        return Z;
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// The held-out prediction of refits `fits` (to `rest`) at x on the logit scale, and its
/// variance: the refits' plus one observation on n items at the refit's rates; with
/// `covs`, both robust to shared items (the observation's correlations from the held-out
/// size's items).
fn held_out(
    fits: &[Logi],
    rest: &[Data],
    x: f64,
    n: f64,
    covs: Option<&[DMatrix<f64>]>,
) -> Option<(f64, f64)> {
    let k = fits.len();
    let mu: Vec<f64> = fits.iter().map(|f| f.mu(x).min(1.0 - 1e-9)).collect();
    let p: f64 = mu.iter().product();
    let fit = ln_sum_variance(fits, rest, x, covs)?;
    let sd: Vec<f64> = mu.iter().map(|&m| (m * (1.0 - m)).sqrt() / m).collect();
    let corr = covs.map(|c| correlation(&c[rest[0].x.len()]));
    let mut obs = 0.0;
    for a in 0..k {
        for b in 0..k {
            let r = corr.as_ref().map_or(f64::from(u8::from(a == b)), |c| c[(a, b)]);
            obs += r * sd[a] * sd[b] / n;
        }
    }
    let scale = 1.0 / (1.0 - p);
    Some((logit(p), (fit + obs) * scale * scale))
}

/// Per size, a k × k covariance of one item's subtask outcomes.
type Covariances = Vec<DMatrix<f64>>;

/// What the prototypes need of one task.
struct Task<'a> {
    /// The library's fits to every size.
    lib_fits: &'a [FittedCurve],
    data: &'a [Data],
    /// Per size, the item covariance of the subtasks' outcomes: empirical, and
    /// exchangeable with the ICC (item-level data only).
    covs: Option<(Covariances, Covariances)>,
    truth: &'a Truth,
    rho: f64,
    /// The library's held-out interval.
    library: Option<(f64, f64)>,
}

/// Diagnostic means: name → (Σ, count).
type Means = BTreeMap<&'static str, (f64, usize)>;

fn add(m: &mut Means, name: &'static str, v: f64) {
    if v.is_finite() {
        let e = m.entry(name).or_default();
        e.0 += v;
        e.1 += 1;
    }
}

/// The prototypes for one task: band coverage at each size (`bands`) and the
/// held-out check of the observed compound (`holdout`), each computed several ways.
fn prototypes(
    t: &Task,
    bands: &mut BTreeMap<&'static str, Vec<(usize, usize)>>,
    holdout: &mut Variants,
    diag: &mut Means,
) {
    let data = t.data;
    let k = data.len();
    let sizes = data[0].x.len();
    let last = sizes - 1;
    let pairwise = t.covs.as_ref().map(|c| c.0.as_slice());
    let icc = t.covs.as_ref().map(|c| c.1.as_slice());
    // Bands from the library's fits to every size.
    if let Some(full) = t.lib_fits.iter().map(Logi::of).collect::<Option<Vec<_>>>() {
        // The prototypes' algebra reproduces the library's standard errors (φ = 1).
        for ((lib, f), d) in t.lib_fits.iter().zip(&full).zip(data) {
            let x = d.x[0];
            if let (Some(se), Some(inv)) = (lib.mean_se_ln(x), f.inv_info(d)) {
                let ours = f.ln_grad(x).dot(&(&inv * f.ln_grad(x)));
                let theirs = se * se / lib.dispersion.unwrap_or(1.0);
                assert!((ours - theirs).abs() <= 1e-3 * theirs.max(1e-300), "{ours} vs {theirs}");
            }
        }
        for i in 0..sizes {
            let x = data[0].x[i];
            let p_true = t.truth.compound(x);
            let p_hat: f64 = full.iter().map(|f| f.mu(x)).product();
            let (centre, scale) = (logit(p_hat), 1.0 / (1.0 - p_hat));
            for (name, covs) in [
                ("phi = 1, normal", None),
                ("item-robust (pairwise), normal", pairwise),
                ("item-robust (ICC), normal", icc),
            ] {
                if name != "phi = 1, normal" && covs.is_none() {
                    continue;
                }
                if let Some(v) = ln_sum_variance(&full, data, x, covs) {
                    if let Some((inside, _)) = within(p_true, centre, v * scale * scale, Z) {
                        let e = bands.entry(name).or_insert_with(|| vec![(0, 0); sizes]);
                        e[i].0 += usize::from(inside);
                        e[i].1 += 1;
                    }
                }
            }
        }
    }
    // Held-out: refit every subtask without the largest size.
    let rest: Vec<Data> = data.iter().map(Data::without_last).collect();
    let x = data[0].x[last];
    let observed: f64 = data.iter().map(|d| d.y[last]).product();
    let n_last = data[0].n[last];
    let spec = FitSpec { kind: ModelKind::Logistic, floor: 0.0, higher_is_better: true, is_rate: true };
    let lib_refits: Option<Vec<FittedCurve>> = rest
        .iter()
        .map(|d| {
            fit_observations(&spec, &Observations { x: &d.x, y: &d.y, n: Some(&d.n) })
                .ok()
                .filter(|f| f.converged)
        })
        .collect();
    let free: Option<Vec<Logi>> = lib_refits.as_ref().and_then(|f| f.iter().map(Logi::of).collect());
    let glm: Option<Vec<Logi>> = rest.iter().map(Logi::glm).collect();
    let unbounded: Option<Vec<Logi>> =
        glm.as_ref().and_then(|g| g.iter().zip(&rest).map(|(start, d)| Logi::unbounded(d, start)).collect());
    let any_free = free.as_ref().map(|r| r.iter().any(|f| f.c.is_some()));
    if let (Some((lo, hi)), Some(any_free)) = (t.library, any_free) {
        let inside = lo <= observed && observed <= hi;
        let name =
            if any_free { "library | some refit ceiling free" } else { "library | every refit ceiling at 1" };
        count(holdout, name, Some((inside, hi - lo)));
        if !inside {
            add(
                diag,
                "library held-out misses: share above the interval",
                f64::from(u8::from(observed > hi)),
            );
        }
    }
    if let (Some(lib), Some(ours)) = (&lib_refits, &free) {
        // What makes the library's held-out interval as wide as it is.
        for (f, l) in lib.iter().zip(ours) {
            add(diag, "refits: share with the ceiling free", f64::from(u8::from(l.c.is_some())));
            add(diag, "refits: share with phi > 1", f64::from(u8::from(f.dispersion.unwrap_or(1.0) > 1.0)));
            add(diag, "refits: mean phi", f.dispersion.unwrap_or(1.0));
        }
        let model = emerge::analyze::ComposedModel::new("all".parse().expect("valid"), lib.clone());
        if let (Some(fit), Some(obs)) =
            (model.variance_link(x), model.observation_variance_link(x, &vec![Some(n_last); k], None))
        {
            // Welch–Satterthwaite as the library does it: (Σv)² / Σ v²/ν.
            let total = fit.variance + obs.variance;
            let spread = |v: f64, d: f64| if d.is_finite() { v * v / d } else { 0.0 };
            let spread = spread(fit.variance, fit.df) + spread(obs.variance, obs.df);
            let q = if spread > 0.0 { t975(total * total / spread) } else { Z };
            add(diag, "library held-out: quantile q", q);
            add(diag, "library held-out: fit share of the variance", fit.variance / total);
        }
    }
    if let Some(u) = &unbounded {
        add(diag, "unbounded refits: share with a ceiling above 1", {
            u.iter().filter(|f| f.c.unwrap_or(1.0) > 1.0).count() as f64 / k as f64
        });
    }
    let mut check =
        |name: &'static str, fits: &Option<Vec<Logi>>, covs: Option<&[DMatrix<f64>]>, wanted: bool| {
            if !wanted {
                return;
            }
            if let Some(fits) = fits {
                if let Some((centre, var)) = held_out(fits, &rest, x, n_last, covs) {
                    count(holdout, name, within(observed, centre, var, Z));
                }
            }
        };
    let items = t.covs.is_some();
    check("free ceiling (as the library), phi = 1, normal", &free, None, true);
    check("free ceiling, item-robust (pairwise)", &free, pairwise, items);
    check("ceiling 1, phi = 1, normal", &glm, None, true);
    check("ceiling 1, item-robust (pairwise)", &glm, pairwise, items);
    check("ceiling 1, item-robust (ICC)", &glm, icc, items);
    check("unbounded ceiling, phi = 1, normal", &unbounded, None, true);
    check("unbounded ceiling, item-robust (pairwise)", &unbounded, pairwise, items);
    check("unbounded ceiling, item-robust (ICC)", &unbounded, icc, items);
    // The hull of the free-ceiling and the ceiling-1 intervals.
    if let (Some(f), Some(g)) = (&free, &glm) {
        let covs = if items { pairwise } else { None };
        if let (Some((c1, v1)), Some((c2, v2))) =
            (held_out(f, &rest, x, n_last, covs), held_out(g, &rest, x, n_last, covs))
        {
            let (lo, hi) =
                ((c1 - Z * v1.sqrt()).min(c2 - Z * v2.sqrt()), (c1 + Z * v1.sqrt()).max(c2 + Z * v2.sqrt()));
            let o = logit(observed);
            let name =
                if items { "hull(free, ceiling 1), item-robust" } else { "hull(free, ceiling 1), phi = 1" };
            count(holdout, name, Some((lo <= o && o <= hi, sigmoid(hi) - sigmoid(lo))));
        }
    }
    // Ceiling 1 unless the data reject it: the interval runs from the lower of the two
    // models' lower ends to the ceiling-1 model's upper end (a lower ceiling only lowers the
    // extrapolation), and is the free model's when a subtask rejects ceiling 1 (boundary LR
    // test, ½χ²₀ + ½χ²₁: 2.706 at 5%).
    if let (Some(f), Some(g)) = (&free, &glm) {
        let lr: Vec<f64> =
            f.iter().zip(g).zip(&rest).map(|((f, g), d)| 2.0 * (f.log_lik(d) - g.log_lik(d))).collect();
        let rejected = lr.iter().any(|&v| v > 2.706);
        // Bonferroni over the k subtasks at 5%: P(½χ²₀ + ½χ²₁ > c) = 0.05/k, c = z²(1 − 0.05/k).
        let z_bonf = {
            use statrs::distribution::{ContinuousCDF, Normal};
            Normal::new(0.0, 1.0).unwrap().inverse_cdf(1.0 - 0.05 / k as f64)
        };
        let rejected_bonf = lr.iter().any(|&v| v > z_bonf * z_bonf);
        let pooled = |fits: &[Logi]| {
            let (chi2, df) = fits
                .iter()
                .zip(&rest)
                .map(|(f, d)| (f.chi2(d), d.x.len() - if f.c.is_some() { 3 } else { 2 }))
                .fold((0.0, 0), |(a, b), (c, d)| (a + c, b + d));
            let phi = (chi2 / df.max(1) as f64).max(1.0);
            (phi, if phi > 1.0 { t975(df as f64) } else { Z })
        };
        let covs = if items { pairwise } else { None };
        if let (Some((cf, vf)), Some((cg, vg))) =
            (held_out(f, &rest, x, n_last, covs), held_out(g, &rest, x, n_last, covs))
        {
            let o = logit(observed);
            let variants = [
                (
                    "lower hull, ceiling-1 upper unless rejected (any subtask, 5%), phi = 1",
                    false,
                    Some(rejected),
                ),
                (
                    "lower hull, ceiling-1 upper unless rejected (any subtask, 5%), pooled phi, t",
                    true,
                    Some(rejected),
                ),
                (
                    "lower hull, ceiling-1 upper unless rejected (Bonferroni), phi = 1",
                    false,
                    Some(rejected_bonf),
                ),
                (
                    "lower hull, ceiling-1 upper unless rejected (Bonferroni), pooled phi, t",
                    true,
                    Some(rejected_bonf),
                ),
                ("lower hull, ceiling-1 upper always, phi = 1", false, None),
                ("lower hull, ceiling-1 upper always, pooled phi, t", true, None),
            ];
            for (name, dispersed, switch) in variants {
                let ((pf, qf), (pg, qg)) =
                    if dispersed { (pooled(f), pooled(g)) } else { ((1.0, Z), (1.0, Z)) };
                let (lf, uf) = (cf - qf * (pf * vf).sqrt(), cf + qf * (pf * vf).sqrt());
                let (lg, ug) = (cg - qg * (pg * vg).sqrt(), cg + qg * (pg * vg).sqrt());
                let (lo, hi) = if switch == Some(true) { (lf, uf) } else { (lf.min(lg), ug) };
                count(holdout, name, Some((lo <= o && o <= hi, sigmoid(hi) - sigmoid(lo))));
            }
            add(diag, "ceiling 1 rejected by a subtask (Bonferroni)", f64::from(u8::from(rejected_bonf)));
            add(diag, "ceiling 1 rejected by a subtask", f64::from(u8::from(rejected)));
        }
    }
    // Pooled dispersion over the task's subtasks, t on the pooled degrees of freedom.
    if let Some(f) = &free {
        let (chi2, df) = f
            .iter()
            .zip(&rest)
            .map(|(f, d)| (f.chi2(d), d.x.len() - if f.c.is_some() { 3 } else { 2 }))
            .fold((0.0, 0), |(a, b), (c, d)| (a + c, b + d));
        if let (Some((centre, var)), true) = (held_out(f, &rest, x, n_last, None), df > 0) {
            let phi = (chi2 / df as f64).max(1.0);
            count(
                holdout,
                "free ceiling, pooled phi, t",
                within(observed, centre, phi * var, t975(df as f64)),
            );
        }
    }
    // Oracle: the true smooth compound and the exact sampling variance of the observed one.
    let truth = t.truth.rates(x, false);
    let p: f64 = truth.iter().product();
    let mut v = 0.0;
    for a in 0..k {
        for b in 0..k {
            let (pa, pb) = (truth[a], truth[b]);
            let cov = if a == b { pa * (1.0 - pa) } else { t.rho * (pa.min(pb) - pa * pb) };
            v += cov / (pa * pb * n_last);
        }
    }
    let scale = 1.0 / (1.0 - p);
    count(holdout, "oracle", within(observed, logit(p), v * scale * scale, Z));
}

/// What one run over many tasks measured.
#[derive(Debug, Default)]
struct Tally {
    tasks: usize,
    /// Per size: bands that cover the truth, bands present.
    band_in: Vec<usize>,
    band_n: Vec<usize>,
    /// Per size: |z| < 1.96 with z = (logit P − centre)/se on the link scale, and Σ z².
    z_in: Vec<usize>,
    z_sq: Vec<f64>,
    /// Held-out intervals that cover the observed compound, intervals present.
    holdout_in: usize,
    holdout_n: usize,
    /// Series without a composed model, by reason; bands missing; held-out checks
    /// missing, by reason; held-out checks without an interval.
    no_composed: BTreeMap<String, usize>,
    no_band: usize,
    no_holdout: BTreeMap<String, usize>,
    no_holdout_interval: usize,
    zero_width: usize,
    /// Prototypes: band coverage per size and held-out coverage, by variant.
    proto_band: BTreeMap<&'static str, Vec<(usize, usize)>>,
    proto_holdout: Variants,
    /// Means of diagnostic quantities.
    diag: Means,
}

impl Tally {
    fn pooled_band(&self) -> f64 {
        self.band_in.iter().sum::<usize>() as f64 / self.band_n.iter().sum::<usize>().max(1) as f64
    }

    fn band_at(&self, i: usize) -> f64 {
        self.band_in[i] as f64 / self.band_n[i].max(1) as f64
    }

    fn min_band(&self) -> f64 {
        (0..self.band_n.len()).map(|i| self.band_at(i)).fold(1.0, f64::min)
    }

    fn holdout(&self) -> f64 {
        self.holdout_in as f64 / self.holdout_n.max(1) as f64
    }

    fn missing(&self) -> String {
        let mut out = format!(
            "no composed model {}, no band {}, no held-out check {}, held-out without interval {}, zero-width {}",
            self.no_composed.values().sum::<usize>(),
            self.no_band,
            self.no_holdout.values().sum::<usize>(),
            self.no_holdout_interval,
            self.zero_width
        );
        for (why, n) in self.no_composed.iter().chain(&self.no_holdout) {
            write!(out, "\n    {n} × {why}").unwrap();
        }
        out
    }
}

/// Why a series has no check, without the subtask's name (so reasons tally).
fn reason(why: &str) -> String {
    let why = match why.find("\": ") {
        Some(i) if why.starts_with("subtask \"") => &why[i + 3..],
        _ => why,
    };
    why.chars().take(140).collect()
}

/// Simulates `tasks` tasks of setting `s`, analyses them in one run, and tallies.
fn run(s: &Setting, tasks: usize, seed: u64, jump: bool, with_prototypes: bool) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let truths = truths(s, tasks, &mut rng);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sim.csv");
    let (text, cross) = corpus(s, &truths, jump, &mut rng);
    std::fs::write(&path, text).expect("write");
    let dataset = read(path.to_str().expect("utf-8"), &IngestOptions::default()).expect("reads");
    let ops: Vec<Operator> = vec!["all".parse().expect("valid")];
    let options = AnalyzeOptions { bootstrap: 0, chance: None, ..AnalyzeOptions::default() };
    let analysis = analyze(compose(&dataset, &ops), &dataset.joint, &options);
    let mut tally = Tally {
        tasks,
        band_in: vec![0; s.sizes],
        band_n: vec![0; s.sizes],
        z_in: vec![0; s.sizes],
        z_sq: vec![0.0; s.sizes],
        ..Tally::default()
    };
    let mut seen = 0;
    for series in analysis.series.iter().filter(|x| x.kind == SeriesKind::Compound && x.name == "all") {
        seen += 1;
        let t: usize = series.key.task[1..].parse().expect("task t<index>");
        let truth = &truths[t];
        if jump {
            let x = size_x(s, s.sizes - 1);
            let lifted: f64 = truth.rates(x, true).iter().product();
            let e = tally.diag.entry("jump run: mean true jump of the compound").or_default();
            e.0 += lifted - truth.compound(x);
            e.1 += 1;
        }
        let Some(c) = &series.composed else {
            let why = series.composed_note.as_deref().unwrap_or("no note");
            *tally.no_composed.entry(reason(why)).or_default() += 1;
            continue;
        };
        assert_eq!(c.x.len(), s.sizes);
        for (i, (&x, band)) in c.x.iter().zip(&c.band).enumerate() {
            let p = truth.compound(x);
            match band {
                Some((lo, hi)) => {
                    tally.band_n[i] += 1;
                    tally.band_in[i] += usize::from(*lo <= p && p <= *hi);
                    tally.zero_width += usize::from(hi - lo <= 1e-12);
                }
                None => tally.no_band += 1,
            }
            if let Some(se) = c.model.se_link(x).filter(|&se| se > 0.0) {
                let z = (logit(p) - c.model.predict_link(x)) / se;
                tally.z_in[i] += usize::from(z.abs() < 1.959964);
                tally.z_sq[i] += z * z;
            }
        }
        if with_prototypes {
            let g = analysis.groups.iter().find(|g| g.key == series.key).expect("its group");
            let x: Vec<f64> = g.models.iter().map(|m| m.params.log10()).collect();
            let data: Vec<Data> = g
                .cells
                .iter()
                .enumerate()
                .map(|(j, row)| {
                    assert_eq!(g.subtasks[j], format!("s{j}"));
                    let cell = |m: usize| row[m].as_ref().expect("every cell");
                    Data {
                        x: x.clone(),
                        y: (0..x.len()).map(|m| cell(m).value).collect(),
                        n: (0..x.len()).map(|m| cell(m).n.expect("counts") as f64).collect(),
                    }
                })
                .collect();
            let covs = s.rho.map(|_| {
                let n = s.items as f64;
                (
                    cross[t].iter().map(|c| item_cov(c, n)).collect(),
                    cross[t].iter().map(|c| icc_cov(c, n)).collect(),
                )
            });
            let task = Task {
                lib_fits: &c.model.fits,
                data: &data,
                covs,
                truth,
                rho: s.rho.unwrap_or(0.0),
                library: c.holdout.as_ref().ok().and_then(|h| h.interval),
            };
            prototypes(&task, &mut tally.proto_band, &mut tally.proto_holdout, &mut tally.diag);
        }
        match &c.holdout {
            Ok(h) => match (h.interval, h.inside) {
                (Some((lo, hi)), Some(inside)) => {
                    tally.holdout_n += 1;
                    tally.holdout_in += usize::from(inside);
                    count(&mut tally.proto_holdout, "library (as shipped)", Some((inside, hi - lo)));
                    tally.zero_width += usize::from(hi - lo <= 1e-12);
                }
                _ => tally.no_holdout_interval += 1,
            },
            Err(why) => *tally.no_holdout.entry(reason(why)).or_default() += 1,
        }
    }
    assert_eq!(seen, tasks, "one `all` series per simulated task");
    tally
}

/// Calibration and power of one setting.
struct Report {
    setting: Setting,
    null: Tally,
    jump: Tally,
}

impl Report {
    fn power(&self) -> f64 {
        1.0 - self.jump.holdout()
    }

    fn table(&self) -> String {
        let s = &self.setting;
        let n = &self.null;
        let mut out = format!(
            "setting {} (k = {}, {} sizes, {} items{}{}), {} tasks\n",
            s.name,
            s.k,
            s.sizes,
            s.items,
            s.rho.map_or(", tidy counts".to_string(), |r| format!(", item-level, rho = {r}")),
            if s.ceiling_lo < 1.0 { format!(", ceilings U({}, 1)", s.ceiling_lo) } else { String::new() },
            n.tasks
        );
        writeln!(out, "  band coverage pooled {:.3}", n.pooled_band()).unwrap();
        write!(out, "  per size (log10 N):").unwrap();
        for i in 0..s.sizes {
            write!(out, "  {:.1}: {:.3}", size_x(s, i), n.band_at(i)).unwrap();
        }
        write!(out, "\n  |z| < 1.96 (normal quantile):").unwrap();
        for i in 0..s.sizes {
            write!(out, " {:.3}", n.z_in[i] as f64 / n.band_n[i].max(1) as f64).unwrap();
        }
        write!(out, "\n  mean z² (1 if the variance is right):").unwrap();
        for i in 0..s.sizes {
            write!(out, " {:.2}", n.z_sq[i] / n.band_n[i].max(1) as f64).unwrap();
        }
        writeln!(out).unwrap();
        writeln!(out, "  held-out coverage {:.3} ({} of {})", n.holdout(), n.holdout_in, n.holdout_n)
            .unwrap();
        writeln!(
            out,
            "  power at a +{JUMP} jump {:.3} ({} of {})",
            self.power(),
            self.jump.holdout_n - self.jump.holdout_in,
            self.jump.holdout_n
        )
        .unwrap();
        for (name, v) in &n.proto_band {
            let (a, b) = v.iter().fold((0, 0), |(a, b), &(c, d)| (a + c, b + d));
            write!(out, "  prototype band [{name}]: pooled {:.3}, per size", a as f64 / b.max(1) as f64)
                .unwrap();
            for &(c, d) in v {
                write!(out, " {:.3}", c as f64 / d.max(1) as f64).unwrap();
            }
            writeln!(out).unwrap();
        }
        for (name, &(a, b, w)) in &n.proto_holdout {
            let power = self
                .jump
                .proto_holdout
                .get(name)
                .map_or(f64::NAN, |&(c, d, _)| 1.0 - c as f64 / d.max(1) as f64);
            writeln!(
                out,
                "  held-out [{name}]: coverage {:.3} ({a} of {b}), power {power:.3}, mean width {:.3}",
                a as f64 / b.max(1) as f64,
                w / b.max(1) as f64
            )
            .unwrap();
        }
        for (name, &(sum, c)) in
            n.diag.iter().chain(self.jump.diag.iter().filter(|d| d.0.starts_with("jump")))
        {
            writeln!(out, "  {name}: {:.3}", sum / c.max(1) as f64).unwrap();
        }
        writeln!(out, "  null run: {}", n.missing()).unwrap();
        writeln!(out, "  jump run: {}", self.jump.missing()).unwrap();
        out
    }
}

fn measure(s: Setting, tasks: usize, seed: u64, with_prototypes: bool) -> Report {
    let null = run(&s, tasks, seed, false, with_prototypes);
    let jump = run(&s, tasks, seed + 1000, true, with_prototypes);
    Report { setting: s, null, jump }
}

impl Report {
    /// Issue 13's targets, met or missed.
    fn targets(&self) -> String {
        let n = &self.null;
        let mark = |ok: bool| if ok { "ok" } else { "MISS" };
        let pooled = n.pooled_band();
        format!(
            "  targets: band pooled in [0.93, 0.97] {} ({pooled:.3}); every size >= 0.90 {} ({:.3}); \
             held-out in [0.93, 0.97] {} ({:.3}); power >= 0.80 {} ({:.3})\n",
            mark((0.93..=0.97).contains(&pooled)),
            mark(n.min_band() >= 0.90),
            n.min_band(),
            mark((0.93..=0.97).contains(&n.holdout())),
            n.holdout(),
            mark(self.power() >= 0.80),
            self.power()
        )
    }

    /// Every series got a band at every size and a held-out interval, none of zero width.
    fn assert_complete(&self) {
        for t in [&self.null, &self.jump] {
            assert!(
                t.no_composed.is_empty()
                    && t.no_band == 0
                    && t.no_holdout.is_empty()
                    && t.no_holdout_interval == 0
                    && t.zero_width == 0,
                "setting {}: {}",
                self.setting.name,
                t.missing()
            );
        }
    }
}

/// The quick version: 80, 80 and 40 tasks, no prototypes (about 25 s of CPU in a debug
/// build). The bounds allow for its Monte Carlo error (a held-out coverage of 0.95 on
/// 80 tasks has a standard error of 2.4 points, 3.4 on 40; a pooled band of 480 points
/// about 1) yet fail intervals that cover everything: the pooled bands and the held-out
/// checks of all 200 tasks must miss somewhere, and a 10-point jump must be seen. The
/// full run (400 tasks per setting, BENCHMARKS.md) measured held-out coverage 0.960,
/// 0.958 and 0.975 and power 0.833, 0.485 and 0.853 in A, B and C; B's power is out of
/// reach for any method (the true curves with the exact sampling variance see the jump
/// only 0.70 of the time at 100 items).
#[test]
fn composed_band_and_holdout_are_calibrated() {
    // (setting, tasks, seed, band pooled ≥, band at every size ≥, held-out ≥, power ≥)
    let cases = [
        (A, 80, 1, 0.92, 0.88, 0.88, 0.68),
        (B, 80, 2, 0.92, 0.88, 0.88, 0.30),
        (C, 40, 3, 0.86, 0.78, 0.85, 0.65),
    ];
    let (mut covered, mut checked) = (0, 0);
    for (s, tasks, seed, band, band_each, holdout, power) in cases {
        let r = measure(s, tasks, seed, false);
        eprintln!("{}{}", r.table(), r.targets());
        r.assert_complete();
        let n = &r.null;
        let name = s.name;
        assert!(
            (band..0.995).contains(&n.pooled_band()),
            "setting {name}: band coverage {:.3}",
            n.pooled_band()
        );
        assert!(n.min_band() >= band_each, "setting {name}: band coverage at one size {:.3}", n.min_band());
        assert!(n.holdout() >= holdout, "setting {name}: held-out coverage {:.3}", n.holdout());
        assert!(r.power() >= power, "setting {name}: power {:.3}", r.power());
        covered += n.holdout_in;
        checked += n.holdout_n;
    }
    // At a true 95%, all 200 held-out intervals cover with probability 4·10⁻⁵.
    assert!(covered < checked, "every held-out interval covers ({covered} of {checked})");
}

/// The full version, with the prototypes: 400 tasks per setting (EMERGE_CAL_TASKS to
/// change), A, B, C and D (A with ceilings below 1). Prints a table; asserts nothing.
#[test]
#[ignore = "full calibration run: 400 tasks per setting (5–10 minutes in a debug build)"]
fn composed_calibration_full() {
    let tasks: usize = std::env::var("EMERGE_CAL_TASKS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    for (s, seed) in [(A, 11), (B, 12), (C, 13), (D, 14)] {
        let r = measure(s, tasks, seed, true);
        eprintln!("{}{}", r.table(), r.targets());
    }
}
