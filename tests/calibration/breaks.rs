//! Is the break test calibrated, and does it see breaks? (issue 14, question 1)
//!
//! Simulates single series of counts and runs `break_test` on each at the 5% level:
//! - A: 6 sizes log-spaced over 10⁸…10¹¹, 300 items per size, smooth truth
//!   p(x) = σ(s(x − m)), m uniform in [8.75, 10.25], s in [0.8, 2] per decade;
//! - B: as A with 5 sizes and 100 items;
//! - A25: as A with chance floor 0.25, p = 0.25 + 0.75σ(s(x − m)), the floor known;
//! - S: 6 sizes, 300 items, a step from 10% to 85% between two adjacent sizes, the
//!   split uniform among the interior ones (two sizes or more on each side);
//! - J: the truths of A with both largest sizes' rates raised by 10 points (capped at 1).
//!
//! The rejection rate under A, B and A25 estimates the size, under S and J the power.
//! The full run also compares the power the test reports for A's series (the +10-point
//! jump planted in each series' own null fit) with the rejection rate under J, and times
//! single tests with and without power:
//!
//!     cargo test --release --test calibration -- --ignored --nocapture breaks::
//!
//! (`EMERGE_BREAK_DATASETS=100` for fewer datasets per setting; default 1000.)

use std::time::Instant;

use emerge::analyze::breaks::{break_test, BreakData, BreakOptions, BreakTest};
use emerge::compose::compose;
use emerge::ingest::{read, IngestOptions};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use crate::sim::{sigmoid, ALPHA};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Truth {
    /// Logistic in log10 N above the floor.
    Smooth,
    /// 10% up to the split, 85% after it.
    Step,
    /// Smooth plus 10 points at both largest sizes.
    Jump,
}

#[derive(Debug, Clone, Copy)]
struct Setting {
    name: &'static str,
    sizes: usize,
    items: u64,
    chance: f64,
    truth: Truth,
}

const A: Setting = Setting { name: "A", sizes: 6, items: 300, chance: 0.0, truth: Truth::Smooth };
const B: Setting = Setting { name: "B", sizes: 5, items: 100, chance: 0.0, truth: Truth::Smooth };
const A25: Setting = Setting { name: "A25", sizes: 6, items: 300, chance: 0.25, truth: Truth::Smooth };
const S: Setting = Setting { name: "S", sizes: 6, items: 300, chance: 0.0, truth: Truth::Step };
const J: Setting = Setting { name: "J", sizes: 6, items: 300, chance: 0.0, truth: Truth::Jump };

fn x_at(s: &Setting, i: usize) -> f64 {
    8.0 + 3.0 * i as f64 / (s.sizes - 1) as f64
}

/// One simulated truth: midpoint, slope, and the split of a step (the last size before it).
struct Curve {
    mid: f64,
    slope: f64,
    split: usize,
}

fn curve(s: &Setting, rng: &mut ChaCha8Rng) -> Curve {
    Curve {
        mid: 8.75 + 1.5 * rng.random::<f64>(),
        slope: 0.8 + 1.2 * rng.random::<f64>(),
        split: 1 + (rng.random::<f64>() * (s.sizes - 3) as f64) as usize,
    }
}

/// One simulated series and, for steps, the true split.
fn series(s: &Setting, c: &Curve, rng: &mut ChaCha8Rng) -> (BreakData, Option<usize>) {
    let x: Vec<f64> = (0..s.sizes).map(|i| x_at(s, i)).collect();
    let Curve { mid, slope, split } = *c;
    let rate = |i: usize| match s.truth {
        Truth::Smooth => s.chance + (1.0 - s.chance) * sigmoid(slope * (x[i] - mid)),
        Truth::Step => {
            if i <= split {
                0.10
            } else {
                0.85
            }
        }
        Truth::Jump => {
            let p = sigmoid(slope * (x[i] - mid));
            if i + 2 >= s.sizes {
                (p + 0.10).min(1.0)
            } else {
                p
            }
        }
    };
    let k: Vec<u64> =
        (0..s.sizes).map(|i| Binomial::new(s.items, rate(i)).expect("valid rate").sample(rng)).collect();
    let data = BreakData::new(&x, &vec![s.items; s.sizes], &k);
    // All-0 or all-correct series are not testable; at these rates they do not occur.
    (data.expect("testable series"), (s.truth == Truth::Step).then_some(split))
}

struct Run {
    tests: Vec<BreakTest>,
    splits: Vec<Option<usize>>,
}

impl Run {
    fn rejected(&self) -> usize {
        self.tests.iter().filter(|t| t.p_value <= ALPHA).count()
    }

    fn rate(&self) -> f64 {
        self.rejected() as f64 / self.tests.len() as f64
    }

    /// Monte Carlo standard error of the rejection rate.
    fn se(&self) -> f64 {
        let r = self.rate();
        (r * (1.0 - r) / self.tests.len() as f64).sqrt()
    }

    /// Rejected steps whose strongest break lies at the true split.
    fn located(&self) -> usize {
        self.tests
            .iter()
            .zip(&self.splits)
            .filter(|(t, s)| t.p_value <= ALPHA && **s == Some(t.strongest.between.0))
            .count()
    }
}

fn run(s: &Setting, datasets: usize, seed: u64, power: bool) -> Run {
    // Truths and counts from separate streams: settings run with the same seed (A and J)
    // share their truths.
    let mut truths = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let data: Vec<(BreakData, Option<usize>)> =
        (0..datasets).map(|_| series(s, &curve(s, &mut truths), &mut counts)).collect();
    let opts = BreakOptions { chance: s.chance, alpha: ALPHA, power, ..BreakOptions::default() };
    let tests = data
        .par_iter()
        .enumerate()
        .map(|(i, (d, _))| break_test(d, &opts, seed.wrapping_mul(1_000_003) + i as u64).expect("tested"))
        .collect();
    Run { tests, splits: data.iter().map(|d| d.1).collect() }
}

#[test]
fn break_test_holds_its_level_and_sees_steps() {
    // 200 smooth series: at a true size of 5% the number rejected is Binomial(200, 0.05),
    // 10 ± 3; the bounds [3, 20] fail for a size of 0% or of 30% (60 expected).
    let a = run(&A, 200, 1, false);
    assert!((3..=20).contains(&a.rejected()), "A: {} of 200 smooth series rejected", a.rejected());
    let b = run(&B, 100, 2, false);
    assert!((1..=12).contains(&b.rejected()), "B: {} of 100 smooth series rejected", b.rejected());
    let a25 = run(&A25, 100, 3, false);
    assert!((1..=12).contains(&a25.rejected()), "A25: {} of 100 smooth series rejected", a25.rejected());
    // Steps from 10% to 85%: the target is 80% power; fail below 50%.
    let s = run(&S, 30, 4, false);
    assert!(s.rate() >= 0.5, "S: power {}", s.rate());
    assert!(s.located() * 10 >= s.rejected() * 9, "S: {} of {} located", s.located(), s.rejected());
    eprintln!(
        "break test (quick): size A {:.3}, B {:.3}, A25 {:.3}; power S {:.3}",
        a.rate(),
        b.rate(),
        a25.rate(),
        s.rate()
    );
}

fn datasets() -> usize {
    std::env::var("EMERGE_BREAK_DATASETS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

#[test]
#[ignore = "full calibration: minutes; run with --release -- --ignored --nocapture"]
fn break_test_calibration_full() {
    let n = datasets();
    println!("| setting | datasets | rejected at 5% | rate ± MC s.e. | median replicates |");
    println!("|---|---:|---:|---:|---:|");
    let report = |s: &Setting, r: &Run| {
        let mut reps: Vec<usize> = r.tests.iter().map(|t| t.replicates).collect();
        reps.sort_unstable();
        println!(
            "| {} | {} | {} | {:.3} ± {:.3} | {} |",
            s.name,
            r.tests.len(),
            r.rejected(),
            r.rate(),
            r.se(),
            reps[reps.len() / 2]
        );
    };
    let a = run(&A, n, 11, true);
    report(&A, &a);
    let b = run(&B, n, 12, false);
    report(&B, &b);
    let a25 = run(&A25, n, 13, false);
    report(&A25, &a25);
    let s = run(&S, n, 14, false);
    report(&S, &s);
    println!("S: strongest break at the true split in {} of {} rejections", s.located(), s.rejected());
    let j = run(&J, n, 11, false);
    report(&J, &j);
    let reported: Vec<f64> = a.tests.iter().map(|t| t.power.as_ref().expect("asked for").power).collect();
    let mean = reported.iter().sum::<f64>() / reported.len() as f64;
    let sd = (reported.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (reported.len() - 1) as f64).sqrt();
    println!(
        "J: rejection rate {:.3} ± {:.3}; power reported for A's series (same truths): mean {:.3} ± {:.3}",
        j.rate(),
        j.se(),
        mean,
        sd / (reported.len() as f64).sqrt()
    );
    for (name, r, lo, hi) in [("A", &a, 0.03, 0.07), ("B", &b, 0.03, 0.07), ("A25", &a25, 0.03, 0.07)] {
        assert!((lo..=hi).contains(&r.rate()), "{name}: size {} outside [{lo}, {hi}]", r.rate());
    }
    assert!(s.rate() >= 0.8, "S: power {}", s.rate());
}

#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn break_test_cost() {
    // One thread, one test at a time: wall time per series for smooth (A) and stepping (S)
    // series, without and with power.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    pool.install(|| {
        for s in [A, S, B] {
            for power in [false, true] {
                let mut rng = ChaCha8Rng::seed_from_u64(21);
                let data: Vec<BreakData> =
                    (0..200).map(|_| series(&s, &curve(&s, &mut rng), &mut rng).0).collect();
                let opts = BreakOptions { chance: s.chance, power, ..BreakOptions::default() };
                let mut times: Vec<f64> = data
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let t0 = Instant::now();
                        break_test(d, &opts, i as u64).expect("tested");
                        t0.elapsed().as_secs_f64() * 1e3
                    })
                    .collect();
                times.sort_by(f64::total_cmp);
                let mean = times.iter().sum::<f64>() / times.len() as f64;
                println!(
                    "{} power={power}: median {:.3} ms, mean {:.3} ms, max {:.3} ms per series",
                    s.name,
                    times[times.len() / 2],
                    mean,
                    times[times.len() - 1]
                );
            }
        }
    });
}

/// Every subtask and task-level row of a group with counts at every size it has.
fn corpus_series(path: &str) -> Vec<BreakData> {
    let dataset = read(path, &IngestOptions::default()).expect("corpus reads");
    let groups = compose(&dataset, &[]).groups;
    let mut out = Vec::new();
    for g in &groups {
        let x: Vec<f64> = g.models.iter().map(|m| m.params.log10()).collect();
        for row in g.cells.iter().chain(g.task_level.iter()) {
            let (mut xs, mut n, mut k) = (Vec::new(), Vec::new(), Vec::new());
            for (cell, &x) in row.iter().zip(&x) {
                if let Some((ni, ki)) = cell.as_ref().and_then(|c| Some((c.n?, c.correct?))) {
                    xs.push(x);
                    n.push(ni);
                    k.push(ki);
                }
            }
            if let Ok(d) = BreakData::new(&xs, &n, &k) {
                out.push(d);
            }
        }
    }
    out
}

#[test]
#[ignore = "timing on a corpus: EMERGE_BREAK_CORPUS=path, --release -- --ignored --nocapture"]
fn break_test_corpus_cost() {
    // The corpus of benches/make_corpus_shape.py (2,256 task-level series of 8 to 17 sizes):
    // wall time of testing every series on the machine's threads, without and with power.
    let path = std::env::var("EMERGE_BREAK_CORPUS").expect("EMERGE_BREAK_CORPUS=corpus.csv");
    let series = corpus_series(&path);
    let mut sizes: Vec<usize> = series.iter().map(|d| d.log10_sizes().len()).collect();
    sizes.sort_unstable();
    println!(
        "{} series, {}..{} sizes (median {}), {} threads",
        series.len(),
        sizes[0],
        sizes[sizes.len() - 1],
        sizes[sizes.len() / 2],
        rayon::current_num_threads()
    );
    for chance in [0.0, 0.25] {
        for power in [false, true] {
            let opts = BreakOptions { chance, power, ..BreakOptions::default() };
            let (t0, cpu0) = (Instant::now(), cpu_seconds());
            let tests: Vec<BreakTest> = series
                .par_iter()
                .enumerate()
                .map(|(i, d)| break_test(d, &opts, i as u64).expect("tested"))
                .collect();
            let wall = t0.elapsed().as_secs_f64();
            let cpu = cpu_seconds().zip(cpu0).map_or(f64::NAN, |(a, b)| a - b);
            let rejected = tests.iter().filter(|t| t.p_value <= ALPHA).count();
            let reps: usize = tests.iter().map(|t| t.replicates).sum();
            println!(
                "chance {chance} power={power}: {wall:.2} s wall, {cpu:.2} s CPU; {rejected} of {} p <= 0.05; {:.0} replicates per series",
                tests.len(),
                reps as f64 / tests.len() as f64
            );
        }
    }
}

/// User + system CPU time of this process (Linux /proc, 100 ticks per second), if readable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
