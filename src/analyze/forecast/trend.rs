//! emerge's forecasting method: a pooled, anchored local trend.
//!
//! For each series, a straight line in x = log10(size) through its last `window` points,
//! each weighted by the inverse of its variance: binomial sampling p(1 − p)/n plus the
//! spread of models around a smooth trend that no item count explains (σ²ₑ, estimated by
//! the method of moments across the series of a family). The slopes of a family's series
//! are pooled by empirical Bayes (a normal random-effects model, τ² by DerSimonian & Laird
//! 1986): a series' own slope counts in proportion to its precision, so one noisy series
//! does not extrapolate alone (Efron & Morris 1973). The forecast starts from the line's
//! level at the largest model, recomputed with the pooled slope over the same points
//! (anchored at the last observations, less noisy than the last point alone), and follows
//! the pooled slope, times `damping`, beyond it (Gardner & McKenzie 1985).
//!
//! Its standard error combines the level's and the slope's uncertainty with the variance
//! of a new observation; [`super::conformal`] turns it into a calibrated interval.

use std::collections::HashMap;

use super::conformal::Calibrations;
use super::tasks::{task_effects, Deviation, TaskEffects};
use super::{Prediction, Track};

/// Fewest points a series needs for a trend.
pub const MIN_POINTS: usize = 3;

/// The method's settings. [`TrendSettings::default`] is what emerge uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendSettings {
    /// The trend is fitted through the last `window` sizes.
    pub window: usize,
    /// The share of the pooled slope carried beyond the largest model.
    pub damping: f64,
    /// Fewest series a family needs for a slope prior of its own; smaller families share
    /// the run's.
    pub min_pool: usize,
    /// Whether series of one task in different pools share a task effect on their slopes
    /// ([`TrendModel::fit`]).
    pub tasks: bool,
}

impl Default for TrendSettings {
    fn default() -> Self {
        TrendSettings { window: 4, damping: 0.5, min_pool: 5, tasks: false }
    }
}

/// Whether some task has series long enough for a trend in two pools: only then can
/// pooling by task change a forecast.
fn tasks_span_pools(tracks: &[&Track]) -> bool {
    let mut pools: HashMap<&str, &str> = HashMap::new();
    tracks
        .iter()
        .filter(|t| t.len() >= MIN_POINTS && !t.task.is_empty())
        .any(|t| *pools.entry(t.task.as_str()).or_insert(t.pool.as_str()) != t.pool.as_str())
}

/// The windows and dampings [`Forecaster::fit`] chooses among by back-testing inside the
/// data.
pub const WINDOWS: [usize; 3] = [3, 4, 5];
pub const DAMPINGS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
/// Fewest inner back-test predictions for choosing the settings from the data; with fewer,
/// the defaults are used.
pub const MIN_SELECTION_RESIDUALS: usize = 40;

/// What the series of one pool share: the slopes' distribution and the spread of models
/// around their trends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    /// Mean slope (per decade), precision-weighted with τ² added.
    pub mean: f64,
    /// Variance of the mean slope.
    pub mean_var: f64,
    /// Between-series variance of the true slopes.
    pub tau2: f64,
    /// Variance of a model around its series' trend beyond binomial sampling.
    pub extra: f64,
    /// Series the prior was estimated from.
    pub series: usize,
}

/// Priors per pool, fitted on a set of tracks.
#[derive(Debug, Clone)]
pub struct TrendModel {
    settings: TrendSettings,
    pools: HashMap<String, Prior>,
    global: Prior,
    /// The tasks' shared effects on slopes (none unless [`TrendSettings::tasks`]).
    tasks: TaskEffects,
}

/// A track's weighted line through its last points.
#[derive(Debug, Clone, Copy)]
struct Local {
    x_bar: f64,
    y_bar: f64,
    x_last: f64,
    sum_w: f64,
    slope: f64,
    slope_var: f64,
    /// Items behind the last point.
    n_last: Option<f64>,
}

/// Binomial variance of a score on `n` items around `p`, kept off 0 for scores of 0 or 1.
fn binomial_var(p: f64, n: Option<f64>) -> f64 {
    match n {
        Some(n) if n > 0.0 => {
            let p = p.clamp(0.5 / (n + 1.0), 1.0 - 0.5 / (n + 1.0));
            p * (1.0 - p) / n
        }
        _ => 0.0,
    }
}

/// The window's points.
fn window(t: &Track, settings: &TrendSettings) -> std::ops::Range<usize> {
    t.len().saturating_sub(settings.window.max(MIN_POINTS))..t.len()
}

/// The window's pooled rate: the smoothed centre of its binomial variances.
fn window_rate(t: &Track, w: std::ops::Range<usize>) -> f64 {
    let (mut correct, mut items, mut sum, mut count) = (0.0, 0.0, 0.0, 0.0);
    for i in w {
        sum += t.y[i];
        count += 1.0;
        if let Some(n) = t.n[i] {
            correct += t.y[i] * n;
            items += n;
        }
    }
    if items > 0.0 {
        (correct + 0.5) / (items + 1.0)
    } else {
        sum / count
    }
}

/// Residual sum of squares of the unweighted line through the window, its expectation
/// from binomial sampling alone, and its degrees of freedom.
fn sampling_excess(t: &Track, settings: &TrendSettings) -> (f64, f64, f64) {
    let w = window(t, settings);
    let k = w.len() as f64;
    let xs = &t.x[w.clone()];
    let ys = &t.y[w.clone()];
    let x_bar = xs.iter().sum::<f64>() / k;
    let y_bar = ys.iter().sum::<f64>() / k;
    let sxx: f64 = xs.iter().map(|x| (x - x_bar).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - x_bar) * (y - y_bar)).sum();
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let p = window_rate(t, w.clone());
    let (mut rss, mut expected) = (0.0, 0.0);
    for (j, i) in w.enumerate() {
        let r = ys[j] - y_bar - b * (xs[j] - x_bar);
        rss += r * r;
        let leverage = 1.0 / k + if sxx > 0.0 { (xs[j] - x_bar).powi(2) / sxx } else { 0.0 };
        expected += (1.0 - leverage) * binomial_var(p, t.n[i]);
    }
    (rss, expected, k - 2.0)
}

/// Method-of-moments variance beyond sampling: (Σ RSS − Σ E[RSS | sampling]) / Σ df.
fn extra_variance(tracks: &[&Track], settings: &TrendSettings) -> Option<f64> {
    let (mut rss, mut expected, mut df) = (0.0, 0.0, 0.0);
    for t in tracks {
        let (r, e, d) = sampling_excess(t, settings);
        rss += r;
        expected += e;
        df += d;
    }
    (df > 0.0).then(|| ((rss - expected) / df).max(0.0))
}

/// Variances below this are treated as this (a perfectly straight series without counts).
const MIN_VARIANCE: f64 = 1e-10;

fn local(t: &Track, settings: &TrendSettings, extra: f64) -> Local {
    let w = window(t, settings);
    let p = window_rate(t, w.clone());
    let weights: Vec<f64> =
        w.clone().map(|i| 1.0 / (binomial_var(p, t.n[i]) + extra).max(MIN_VARIANCE)).collect();
    let sum_w: f64 = weights.iter().sum();
    let x_bar = w.clone().zip(&weights).map(|(i, wt)| wt * t.x[i]).sum::<f64>() / sum_w;
    let y_bar = w.clone().zip(&weights).map(|(i, wt)| wt * t.y[i]).sum::<f64>() / sum_w;
    let sxx: f64 = w.clone().zip(&weights).map(|(i, wt)| wt * (t.x[i] - x_bar).powi(2)).sum();
    let sxy: f64 = w.clone().zip(&weights).map(|(i, wt)| wt * (t.x[i] - x_bar) * (t.y[i] - y_bar)).sum();
    Local {
        x_bar,
        y_bar,
        x_last: t.x[t.len() - 1],
        sum_w,
        slope: sxy / sxx,
        slope_var: 1.0 / sxx,
        n_last: t.n[t.len() - 1],
    }
}

/// DerSimonian–Laird random-effects pooling of slopes with known variances.
fn pool_slopes(locals: &[Local], extra: f64) -> Prior {
    let w: Vec<f64> = locals.iter().map(|l| 1.0 / l.slope_var).collect();
    let sum_w: f64 = w.iter().sum();
    let fixed = locals.iter().zip(&w).map(|(l, w)| w * l.slope).sum::<f64>() / sum_w;
    let q: f64 = locals.iter().zip(&w).map(|(l, w)| w * (l.slope - fixed).powi(2)).sum();
    let c = sum_w - w.iter().map(|w| w * w).sum::<f64>() / sum_w;
    let k = locals.len() as f64;
    let tau2 = if c > 0.0 { ((q - (k - 1.0)) / c).max(0.0) } else { 0.0 };
    let re: Vec<f64> = locals.iter().map(|l| 1.0 / (l.slope_var + tau2)).collect();
    let sum_re: f64 = re.iter().sum();
    let mean = locals.iter().zip(&re).map(|(l, w)| w * l.slope).sum::<f64>() / sum_re;
    Prior { mean, mean_var: 1.0 / sum_re, tau2, extra, series: locals.len() }
}

impl TrendModel {
    /// The priors of `tracks`' pools and the effects of their tasks (tracks with fewer than
    /// [`MIN_POINTS`] points are left out).
    pub fn fit(tracks: &[&Track], settings: TrendSettings) -> TrendModel {
        let usable: Vec<&Track> = tracks.iter().copied().filter(|t| t.len() >= MIN_POINTS).collect();
        let global_extra = extra_variance(&usable, &settings).unwrap_or(0.0);
        let locals: Vec<Local> = usable.iter().map(|t| local(t, &settings, global_extra)).collect();
        let global = if locals.is_empty() {
            Prior { mean: 0.0, mean_var: 0.0, tau2: 0.0, extra: global_extra, series: 0 }
        } else {
            pool_slopes(&locals, global_extra)
        };
        let mut by_pool: HashMap<&str, Vec<&Track>> = HashMap::new();
        for t in &usable {
            by_pool.entry(t.pool.as_str()).or_default().push(t);
        }
        let pools = by_pool
            .into_iter()
            .filter(|(_, ts)| ts.len() >= settings.min_pool)
            .map(|(pool, ts)| {
                let extra = extra_variance(&ts, &settings).unwrap_or(global_extra);
                let locals: Vec<Local> = ts.iter().map(|t| local(t, &settings, extra)).collect();
                (pool.to_string(), pool_slopes(&locals, extra))
            })
            .collect();
        let mut model = TrendModel { settings, pools, global, tasks: TaskEffects::default() };
        if settings.tasks {
            model.fit_tasks(&usable);
        }
        model
    }

    /// The tasks' effects on the slopes of `usable` ([`super::tasks`]).
    fn fit_tasks(&mut self, usable: &[&Track]) {
        let deviations: Vec<Deviation> = usable
            .iter()
            .filter(|t| !t.task.is_empty())
            .map(|t| {
                let prior = self.prior(t);
                let l = local(t, &self.settings, prior.extra);
                Deviation {
                    task: t.task.clone(),
                    pool: t.pool.clone(),
                    d: l.slope - prior.mean,
                    v: l.slope_var,
                    tau2: prior.tau2,
                }
            })
            .collect();
        if let Some(e) = task_effects(&deviations) {
            self.tasks = e;
        }
    }

    /// The prior a track's slope is pooled with.
    pub fn prior(&self, t: &Track) -> &Prior {
        self.pools.get(&t.pool).unwrap_or(&self.global)
    }

    /// The forecast at x (not yet kept inside the metric's range), its standard error as a
    /// prediction of one new observation, and the trend's own reach; None for a track shorter
    /// than [`MIN_POINTS`].
    pub fn point(&self, t: &Track, x: f64) -> Option<Point> {
        if t.len() < MIN_POINTS || !x.is_finite() {
            return None;
        }
        let prior = self.prior(t);
        let l = local(t, &self.settings, prior.extra);
        // The slope its pool and task expect: the pool's mean plus the task's effect, with
        // the series' own variance what the task does not explain.
        let (mean, mean_var, tau2) = self.tasks.prior(&t.task, prior);
        // Posterior of the slope: the normal-normal shrinkage of its own estimate toward
        // that mean, plus the uncertainty of the mean.
        let (slope, slope_var) = if tau2 > 0.0 {
            let b = tau2 / (tau2 + l.slope_var);
            (mean + b * (l.slope - mean), b * l.slope_var + (1.0 - b).powi(2) * mean_var)
        } else {
            (mean, mean_var)
        };
        let ahead = x - l.x_last;
        let reach = if ahead > 0.0 { self.settings.damping * ahead } else { ahead };
        let lever = l.x_last - l.x_bar + reach;
        let value = l.y_bar + slope * lever;
        let new_obs = binomial_var(t.clamp(value), l.n_last) + prior.extra;
        let se = (1.0 / l.sum_w + lever * lever * slope_var + new_obs).sqrt();
        let trend = (slope * ahead.max(0.0)).abs();
        (value.is_finite() && se.is_finite() && trend.is_finite()).then_some(Point { value, se, trend })
    }
}

/// A forecast before calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    /// Standard error from sampling: the level's, the slope's and a new observation's.
    pub se: f64,
    /// |pooled slope| × decades ahead: how far the undamped trend alone would move the
    /// score. How wrong a trend turns out grows with it (a straight line is only a local
    /// description of a curve), which no sampling variance measures; the conformity score
    /// ([`super::conformal`]) scales it by a weight chosen from the data.
    pub trend: f64,
}

/// The method ready to predict: settings, pooled priors and a calibrated interval
/// quantile, all from the same tracks.
#[derive(Debug, Clone)]
pub struct Forecaster {
    pub settings: TrendSettings,
    /// Whether the settings were chosen from the data (false: too few inner back-test
    /// predictions, the defaults).
    pub settings_chosen: bool,
    pub model: TrendModel,
    pub calibration: Calibrations,
}

/// What [`Forecaster::fit`] chose, as the outputs report it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitted {
    pub window: usize,
    pub damping: f64,
    pub settings_chosen: bool,
    /// Whether slopes were pooled by task across families ([`super::tasks`]).
    pub task_pooling: bool,
    /// ρ, the share of a family's slope variance its tasks explain (0 without task pooling).
    pub task_share: f64,
}

impl Forecaster {
    /// Chooses the window, damping and whether to pool by task with the smallest mean
    /// absolute error in a back-test inside `tracks` (each cut short by one and two sizes;
    /// the defaults `base` when that gives fewer than [`MIN_SELECTION_RESIDUALS`]
    /// predictions), fits the priors on `tracks` and calibrates the interval on the chosen
    /// settings' back-test residuals. Pooling by task is tried only when some task has
    /// series in two pools; ties keep the earlier candidate (defaults first, then without
    /// task pooling).
    pub fn fit(tracks: &[&Track], base: TrendSettings, level: f64) -> Forecaster {
        let inner = |s: TrendSettings| super::conformal::inner_backtest(tracks, s);
        let mut best = (base, inner(base));
        let settings_chosen = best.1.len() >= MIN_SELECTION_RESIDUALS;
        if settings_chosen {
            let mae = |r: &[super::conformal::InnerResidual]| {
                r.iter().map(|r| r.error).sum::<f64>() / r.len() as f64
            };
            let mut best_mae = mae(&best.1);
            let pooling: &[bool] = if tasks_span_pools(tracks) { &[false, true] } else { &[false] };
            for &tasks in pooling {
                for window in WINDOWS {
                    for damping in DAMPINGS {
                        let s = TrendSettings { window, damping, tasks, ..base };
                        if s == base {
                            continue;
                        }
                        let r = inner(s);
                        let m = mae(&r);
                        if m < best_mae - 1e-12 {
                            best_mae = m;
                            best = (s, r);
                        }
                    }
                }
            }
        }
        let (settings, residuals) = best;
        Forecaster {
            settings,
            settings_chosen,
            model: TrendModel::fit(tracks, settings),
            calibration: Calibrations::of_residuals(&residuals, level),
        }
    }

    /// What was chosen, for the outputs.
    pub fn fitted(&self) -> Fitted {
        Fitted {
            window: self.settings.window,
            damping: self.settings.damping,
            settings_chosen: self.settings_chosen,
            task_pooling: self.settings.tasks,
            task_share: self.model.tasks.share,
        }
    }

    /// The forecast of a track at x, inside the metric's range, with its interval.
    pub fn predict(&self, t: &Track, x: f64) -> Option<Prediction> {
        let p = self.model.point(t, x)?;
        let ahead = x - t.x[t.len() - 1];
        let half = self.calibration.half_width(ahead, p.se, p.trend);
        Some(Prediction {
            value: t.clamp(p.value),
            interval: Some(t.clamp_interval((p.value - half, p.value + half))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(pool: &str, y: &[f64], n: Option<f64>) -> Track {
        Track {
            pool: pool.into(),
            task: String::new(),
            x: (0..y.len()).map(|i| 8.0 + i as f64).collect(),
            y: y.to_vec(),
            n: vec![n; y.len()],
            is_rate: true,
            floor: 0.0,
            higher_is_better: true,
        }
    }

    /// A straight series without counts: every slope equal, so no spread to pool and no
    /// variance; the forecast is the line itself.
    #[test]
    fn straight_lines_are_extended() {
        let ts: Vec<Track> =
            (0..6).map(|i| track("f", &[0.1, 0.2, 0.3, 0.4].map(|v| v + 0.01 * i as f64), None)).collect();
        let refs: Vec<&Track> = ts.iter().collect();
        let undamped = TrendSettings { damping: 1.0, ..TrendSettings::default() };
        let m = TrendModel::fit(&refs, undamped);
        let v = m.point(&ts[0], 12.0).expect("forecast").value;
        assert!((v - 0.5).abs() < 1e-9, "{v}");
        // Damped by the default 0.5: half the slope beyond the largest model.
        let m = TrendModel::fit(&refs, TrendSettings::default());
        let v = m.point(&ts[0], 12.0).expect("forecast").value;
        assert!((v - 0.45).abs() < 1e-9, "{v}");
        assert!(m.prior(&ts[0]).tau2 < 1e-12);
    }

    /// Hand check of the pooling: two series with slope variances 1 and 1 and slopes 0 and 2
    /// (fixed mean 1, Q = 2, C = 1, τ² = (2 − 1)/1 = 1); each shrinks halfway to the mean.
    #[test]
    fn dersimonian_laird_by_hand() {
        let l = |slope| Local {
            x_bar: 0.0,
            y_bar: 0.0,
            x_last: 0.0,
            sum_w: 1.0,
            slope,
            slope_var: 1.0,
            n_last: None,
        };
        let p = pool_slopes(&[l(0.0), l(2.0)], 0.0);
        assert!((p.tau2 - 1.0).abs() < 1e-12);
        assert!((p.mean - 1.0).abs() < 1e-12);
        assert!((p.mean_var - 1.0).abs() < 1e-12, "1/(1/2 + 1/2)");
    }

    /// A noisy family: most series flat at 0.25, one jumping by chance at its last point.
    /// Its forecast follows the family's flat slope more than its own.
    #[test]
    fn a_noisy_slope_is_pulled_toward_the_family() {
        let mut ts: Vec<Track> =
            (0..8).map(|i| track("f", &[0.25, 0.24 + 0.002 * i as f64, 0.26, 0.25], Some(200.0))).collect();
        ts.push(track("f", &[0.25, 0.24, 0.25, 0.33], Some(200.0)));
        let refs: Vec<&Track> = ts.iter().collect();
        let m = TrendModel::fit(&refs, TrendSettings::default());
        let p = m.point(&ts[8], 12.0).expect("forecast");
        let (v, se) = (p.value, p.se);
        // Its own weighted line would reach about 0.33 + 0.024·1.5… ≈ 0.39 one decade on.
        assert!(v < 0.33, "{v}");
        assert!(se > 0.0);
    }
}
