//! Does `--pair` tell a metric artefact from a real jump? (issue 14, question 3)
//!
//! Simulates one task per dataset, scored two ways on the same items: 6 sizes log-spaced
//! over 10⁸…10¹¹, n items per size, each item an answer of L tokens, each token right with
//! probability p(x) independently. STRICT is exact match (all L tokens right: binomial
//! counts of items), CONTINUOUS the share of wrong tokens (an edit distance per token,
//! lower is better, no counts). Settings (known truth):
//!
//! - M, "Mirage": p = σ(s(x − m)), s ∈ [1.2, 1.8] per decade, m ∈ [9.6, 10.2], L = 5,
//!   n = 300: a smooth ability that exact match makes abrupt. Want "metric artefact".
//! - S, a step: p = 0.3 up to a split, 0.9 after it (split uniform among the interior
//!   ones, two sizes or more on each side), L = 5, n = 300. Want "persists".
//! - G, gentle: p = σ(s(x − m)), s ∈ [0.4, 0.7], m ∈ [8.5, 9.5], L = 2, n = 300: smooth
//!   under both, no jump under STRICT. Want "no jump under STRICT to explain" (or "no
//!   evidence"), never "persists".
//!
//! - E, equally abrupt: p = σ(s(x − m)), s ∈ [1.2, 1.8], m ∈ [9, 10], L = 1, CONTINUOUS
//!   scored on other items: both sides have the same expected series, so "metric
//!   artefact" here is a false positive of the difference test.
//!
//! Quick version in `cargo test`; the full one (400 tasks per setting, figures in
//! BENCHMARKS.md):
//!
//!     cargo test --release --test calibration -- --ignored --nocapture artefact::
//!
//! (`EMERGE_PAIR_DATASETS=100` for fewer.)

use std::collections::BTreeMap;

use emerge::analyze::artefact::{judge_pair, ArtefactOutcome, PairOptions, Side, SidePoint};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use crate::sim::sigmoid;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Setting {
    Mirage,
    Step,
    Gentle,
    /// Equally abrupt: L = 1 and CONTINUOUS scored on its own items, so D is 0 in truth.
    Equal,
}

const SIZES: usize = 6;
const ITEMS: u64 = 300;

/// The per-token rates of one dataset's truth, and L.
fn truth(s: Setting, rng: &mut ChaCha8Rng) -> (Vec<f64>, u64) {
    let x = |i: usize| 8.0 + 3.0 * i as f64 / (SIZES - 1) as f64;
    let logistic = |rng: &mut ChaCha8Rng, lo: f64, hi: f64, mlo: f64, mhi: f64| {
        let slope = lo + (hi - lo) * rng.random::<f64>();
        let mid = mlo + (mhi - mlo) * rng.random::<f64>();
        (0..SIZES).map(|i| sigmoid(slope * (x(i) - mid))).collect()
    };
    match s {
        Setting::Mirage => (logistic(rng, 1.2, 1.8, 9.6, 10.2), 5),
        Setting::Gentle => (logistic(rng, 0.4, 0.7, 8.5, 9.5), 2),
        Setting::Equal => (logistic(rng, 1.2, 1.8, 9.0, 10.0), 1),
        Setting::Step => {
            let split = 1 + (rng.random::<f64>() * (SIZES - 3) as f64) as usize;
            ((0..SIZES).map(|i| if i <= split { 0.3 } else { 0.9 }).collect(), 5)
        }
    }
}

/// One dataset: both sides, scored on the same simulated items.
fn dataset(s: Setting, rng: &mut ChaCha8Rng) -> (Side, Side) {
    let (p, len) = truth(s, rng);
    let mut strict = Side { name: "exact_match".into(), higher_is_better: true, points: Vec::new() };
    let mut cont = Side { name: "edit_distance".into(), higher_is_better: false, points: Vec::new() };
    for (i, &pi) in p.iter().enumerate() {
        let tokens = Binomial::new(len, pi).expect("valid");
        let (mut exact, mut wrong) = (0u64, 0u64);
        for _ in 0..ITEMS {
            let right = tokens.sample(rng);
            exact += u64::from(right == len);
            // Equal: the continuous score comes from other items.
            let right = if s == Setting::Equal { tokens.sample(rng) } else { right };
            wrong += len - right;
        }
        let params = 1e8 * 1e3f64.powf(i as f64 / (SIZES - 1) as f64);
        let point = |value, correct| SidePoint {
            model: format!("m{i}"),
            params,
            x: params.log10(),
            value,
            n: ITEMS,
            correct,
        };
        strict.points.push(point(exact as f64 / ITEMS as f64, Some(exact)));
        cont.points.push(point(wrong as f64 / (ITEMS * len) as f64, None));
    }
    (strict, cont)
}

fn run(s: Setting, datasets: usize, replicates: usize, seed: u64) -> BTreeMap<String, usize> {
    let o = PairOptions { alpha: 0.05, level: 0.95, chance: 0.0, replicates, power: false };
    let outcomes: Vec<ArtefactOutcome> = (0..datasets)
        .into_par_iter()
        .map(|d| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(d as u64);
            let (strict, cont) = dataset(s, &mut rng);
            judge_pair(&strict, &cont, None, &o, seed ^ (d as u64) << 20).outcome
        })
        .collect();
    let mut counts = BTreeMap::new();
    for o in outcomes {
        *counts.entry(format!("{o:?}")).or_insert(0) += 1;
    }
    counts
}

fn share(counts: &BTreeMap<String, usize>, outcome: ArtefactOutcome) -> f64 {
    let total: usize = counts.values().sum();
    counts.get(&format!("{outcome:?}")).copied().unwrap_or(0) as f64 / total as f64
}

#[test]
fn pairs_tell_an_artefact_from_a_step() {
    let m = run(Setting::Mirage, 24, 200, 1);
    assert!(share(&m, ArtefactOutcome::MetricArtefact) >= 0.6, "Mirage: {m:?}");
    let s = run(Setting::Step, 24, 200, 2);
    assert!(share(&s, ArtefactOutcome::Persists) >= 0.6, "step: {s:?}");
    assert!(share(&s, ArtefactOutcome::MetricArtefact) <= 0.2, "step: {s:?}");
    let g = run(Setting::Gentle, 24, 200, 3);
    assert!(share(&g, ArtefactOutcome::Persists) <= 0.2, "gentle: {g:?}");
}

#[test]
#[ignore]
fn pair_calibration_full() {
    let datasets = std::env::var("EMERGE_PAIR_DATASETS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    for (s, seed) in [(Setting::Mirage, 11), (Setting::Step, 12), (Setting::Gentle, 13), (Setting::Equal, 14)]
    {
        let t = std::time::Instant::now();
        let counts = run(s, datasets, 1000, seed);
        println!("{s:?} ({datasets} datasets, seed {seed}, {:.1} s): {counts:?}", t.elapsed().as_secs_f64());
    }
}
