//! How the back-test's predictions are scored: error summaries per method and horizon, and
//! paired comparisons with each baseline, their uncertainty from a cluster bootstrap that
//! resamples (family, task) clusters whole (series of one task and family share items
//! and models, so their errors are not independent; Cameron, Gelbach & Miller 2008).

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::backtest::{Candidate, Method, Row, HORIZONS};

/// Bootstrap resamples of the clusters.
pub const CLUSTER_RESAMPLES: usize = 2000;

/// One method's errors at one horizon (absolute errors in points, 0–100).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub horizon: usize,
    pub method: Method,
    /// Series the method predicted.
    pub predicted: usize,
    /// Series it could not predict.
    pub failed: usize,
    pub mae: Option<f64>,
    pub median_ae: Option<f64>,
    /// Share of observations inside the interval, among predictions with one.
    pub coverage: Option<f64>,
    pub median_width: Option<f64>,
    pub with_interval: usize,
}

/// A method against a baseline at one horizon, on the series both predicted.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub horizon: usize,
    pub method: Method,
    pub baseline: Method,
    pub pairs: usize,
    pub clusters: usize,
    /// MAE of the method minus MAE of the baseline, in points (negative: the method is better).
    pub mae_difference: f64,
    /// Percentile interval of the difference from the cluster bootstrap.
    pub ci: Option<(f64, f64)>,
    /// Share of series where the method's absolute error is smaller (ties count half).
    pub win_rate: f64,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len();
    Some(if m % 2 == 1 { v[m / 2] } else { 0.5 * (v[m / 2 - 1] + v[m / 2]) })
}

fn rows_of(rows: &[Row], horizon: usize, method: Method) -> impl Iterator<Item = &Row> {
    rows.iter().filter(move |r| r.horizon == horizon && r.method == method)
}

/// Error summaries, per horizon then method.
pub fn summarise(rows: &[Row]) -> Vec<Summary> {
    let mut out = Vec::new();
    for h in HORIZONS {
        for method in Method::ALL {
            let all: Vec<&Row> = rows_of(rows, h, method).collect();
            if all.is_empty() {
                continue;
            }
            let errors: Vec<f64> = all.iter().filter_map(|r| r.error()).map(|e| 100.0 * e.abs()).collect();
            let covered: Vec<bool> = all.iter().filter_map(|r| r.covered()).collect();
            let widths: Vec<f64> =
                all.iter().filter_map(|r| r.prediction?.interval).map(|(lo, hi)| 100.0 * (hi - lo)).collect();
            out.push(Summary {
                horizon: h,
                method,
                predicted: errors.len(),
                failed: all.len() - errors.len(),
                mae: (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64),
                median_ae: median(errors),
                coverage: (!covered.is_empty())
                    .then(|| covered.iter().filter(|&&c| c).count() as f64 / covered.len() as f64),
                median_width: median(widths),
                with_interval: covered.len(),
            });
        }
    }
    out
}

/// Every method against every baseline other than itself, per horizon.
pub fn compare(rows: &[Row], candidates: &[Candidate], seed: u64, level: f64) -> Vec<Comparison> {
    let mut out = Vec::new();
    for h in HORIZONS {
        for method in Method::ALL {
            for baseline in Method::BASELINES {
                if baseline == method {
                    continue;
                }
                if let Some(c) = comparison(rows, candidates, h, method, baseline, seed, level) {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn comparison(
    rows: &[Row],
    candidates: &[Candidate],
    horizon: usize,
    method: Method,
    baseline: Method,
    seed: u64,
    level: f64,
) -> Option<Comparison> {
    let theirs: BTreeMap<usize, f64> =
        rows_of(rows, horizon, baseline).filter_map(|r| Some((r.series, r.error()?.abs()))).collect();
    // Per cluster: (sum of the method's minus the baseline's absolute errors, pairs).
    let mut clusters: BTreeMap<&(String, String), (f64, usize)> = BTreeMap::new();
    let (mut wins, mut pairs, mut total) = (0.0, 0, 0.0);
    for r in rows_of(rows, horizon, method) {
        let (Some(mine), Some(&other)) = (r.error().map(f64::abs), theirs.get(&r.series)) else { continue };
        let d = 100.0 * (mine - other);
        let e = clusters.entry(&candidates[r.series].cluster).or_insert((0.0, 0));
        e.0 += d;
        e.1 += 1;
        total += d;
        pairs += 1;
        wins += if mine < other {
            1.0
        } else if mine == other {
            0.5
        } else {
            0.0
        };
    }
    if pairs == 0 {
        return None;
    }
    let sums: Vec<(f64, usize)> = clusters.values().copied().collect();
    Some(Comparison {
        horizon,
        method,
        baseline,
        pairs,
        clusters: sums.len(),
        mae_difference: total / pairs as f64,
        ci: cluster_bootstrap(&sums, stream_seed(seed, horizon, method, baseline), level),
        win_rate: wins / pairs as f64,
    })
}

/// The seed of one comparison's resamples: the run's seed mixed with the horizon, the
/// method and the baseline.
fn stream_seed(seed: u64, horizon: usize, method: Method, baseline: Method) -> u64 {
    let mixed = (((horizon as u64) << 8) | method as u64) << 4;
    (seed ^ mixed) | baseline as u64
}

/// Percentile interval of the mean difference over resampled clusters. None with fewer
/// than two clusters.
pub fn cluster_bootstrap(sums: &[(f64, usize)], seed: u64, level: f64) -> Option<(f64, f64)> {
    let k = sums.len();
    if k < 2 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut means = Vec::with_capacity(CLUSTER_RESAMPLES);
    for _ in 0..CLUSTER_RESAMPLES {
        let (mut d, mut n) = (0.0, 0usize);
        for _ in 0..k {
            let (s, c) = sums[rng.random_range(0..k)];
            d += s;
            n += c;
        }
        means.push(d / n as f64);
    }
    means.sort_by(f64::total_cmp);
    let alpha = 1.0 - level;
    let at = |q: f64| means[((q * CLUSTER_RESAMPLES as f64).floor() as usize).min(CLUSTER_RESAMPLES - 1)];
    Some((at(alpha / 2.0), at(1.0 - alpha / 2.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }

    /// Identical clusters: every resample has the same mean, so the interval is a point.
    #[test]
    fn cluster_bootstrap_of_equal_clusters_is_a_point() {
        let ci = cluster_bootstrap(&[(2.0, 2), (2.0, 2), (2.0, 2)], 1, 0.95).expect("clusters");
        assert_eq!(ci, (1.0, 1.0));
        assert!(cluster_bootstrap(&[(1.0, 1)], 1, 0.95).is_none());
    }
}
