//! `emerge simulate`: item-level data with known per-subtask rates and a known
//! correlation between subtasks, for users who want to see what the analysis recovers
//! and for emerge's own tests and benchmarks.
//!
//! The model. Sizes are log-spaced; subtask j's rate at a size is interpolated
//! linearly in log10(params) between its rate at the smallest and at the largest
//! size. Item i's outcome on subtask j is 1[U_ij < p_j], where U_ij is, with
//! probability r = √ρ, the item's shared uniform U_i and otherwise a fresh one. Two
//! subtasks with the same rate p then have outcome correlation
//! r²·(p − p²)/(p(1 − p)) = ρ on an item (the intra-class correlation); ρ = 0 gives
//! independent subtasks, ρ = 1 makes every subtask of an item agree as far as their
//! rates allow. The compose operator `all:rho=ρ` (`compose::all_correlated`) is the
//! all-correct probability of this model, for any rates. All draws come from one
//! ChaCha8 stream seeded with `seed`, in a fixed order, so the same settings give the
//! same bytes.

use std::io::Write;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Per subtask: (rate at the smallest size, rate at the largest).
    pub rates: Vec<(f64, f64)>,
    /// Smallest and largest parameter count.
    pub sizes: (f64, f64),
    /// Number of model sizes, log-spaced.
    pub steps: usize,
    /// Items per subtask and model.
    pub items: u64,
    /// Correlation of two subtasks' outcomes on an item, in [0, 1].
    pub rho: f64,
    pub seed: u64,
    pub task: String,
    pub family: String,
}

impl Simulation {
    /// The model sizes, rounded to whole parameters.
    pub fn sizes(&self) -> Vec<f64> {
        let (lo, hi) = (self.sizes.0.log10(), self.sizes.1.log10());
        (0..self.steps)
            .map(|s| {
                let t = if self.steps == 1 { 0.0 } else { s as f64 / (self.steps - 1) as f64 };
                10f64.powf(lo + t * (hi - lo)).round()
            })
            .collect()
    }

    /// Subtask `j`'s true rate at size index `s`.
    pub fn rate(&self, j: usize, s: usize) -> f64 {
        let (a, b) = self.rates[j];
        let t = if self.steps == 1 { 0.0 } else { s as f64 / (self.steps - 1) as f64 };
        a + t * (b - a)
    }

    /// Rows written: sizes × subtasks × items.
    pub fn rows(&self) -> u64 {
        self.steps as u64 * self.rates.len() as u64 * self.items
    }

    /// Writes the CSV (header model,params,family,task,subtask,item,correct).
    pub fn write_csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let share = self.rho.sqrt();
        writeln!(out, "model,params,family,task,subtask,item,correct")?;
        let names: Vec<String> = (0..self.rates.len()).map(|j| format!("s{}", j + 1)).collect();
        let mut outcomes = vec![false; self.rates.len()];
        for (s, params) in self.sizes().into_iter().enumerate() {
            let model = format!("sim-{}", crate::units::fmt_params(params));
            let prefix = format!("{model},{params},{},{},", csv_field(&self.family), csv_field(&self.task));
            let rates: Vec<f64> = (0..self.rates.len()).map(|j| self.rate(j, s)).collect();
            for item in 0..self.items {
                let shared: f64 = rng.random();
                for (j, &p) in rates.iter().enumerate() {
                    let use_shared = rng.random::<f64>() < share;
                    let fresh: f64 = rng.random();
                    let u = if use_shared { shared } else { fresh };
                    outcomes[j] = u < p;
                }
                for (j, name) in names.iter().enumerate() {
                    writeln!(out, "{prefix}{name},{item},{}", u8::from(outcomes[j]))?;
                }
            }
        }
        Ok(())
    }
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// P(all k correct) under the simulation's model for k subtasks that share rate p:
/// each of the k outcomes uses the item's shared uniform with probability r = √ρ;
/// if m ≥ 1 do, those m succeed together with probability p.
pub fn all_correct_probability(k: u32, p: f64, rho: f64) -> f64 {
    let r = rho.sqrt();
    (0..=k)
        .map(|m| {
            let ways = binomial(k, m);
            let weight = ways * r.powi(m as i32) * (1.0 - r).powi((k - m) as i32);
            let success = if m == 0 { p.powi(k as i32) } else { p * p.powi((k - m) as i32) };
            weight * success
        })
        .sum()
}

fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(rho: f64, items: u64) -> Simulation {
        Simulation {
            rates: vec![(0.4, 0.6); 5],
            sizes: (1e8, 1e11),
            steps: 4,
            items,
            rho,
            seed: 7,
            task: "sim".into(),
            family: "sim".into(),
        }
    }

    #[test]
    fn sizes_and_rates_interpolate_in_log_params() {
        let s = sim(0.0, 1);
        assert_eq!(s.sizes(), vec![1e8, 1e9, 1e10, 1e11]);
        assert!((s.rate(0, 0) - 0.4).abs() < 1e-15);
        assert!((s.rate(0, 3) - 0.6).abs() < 1e-15);
        assert!((s.rate(0, 1) - (0.4 + 0.2 / 3.0)).abs() < 1e-15);
    }

    #[test]
    fn all_correct_probability_matches_closed_forms() {
        // ρ = 0: independence, p^k; ρ = 1: every outcome shares one uniform, p.
        assert!((all_correct_probability(5, 0.4, 0.0) - 0.4f64.powi(5)).abs() < 1e-15);
        assert!((all_correct_probability(5, 0.4, 1.0) - 0.4).abs() < 1e-15);
        // k = 2, ρ = 0.25 (r = 0.5): P = p² + r²·p(1 − p) = 0.16 + 0.25·0.24 = 0.22, by hand.
        assert!((all_correct_probability(2, 0.4, 0.25) - 0.22).abs() < 1e-15);
    }

    #[test]
    fn output_is_deterministic_and_complete() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        sim(0.3, 50).write_csv(&mut a).unwrap();
        sim(0.3, 50).write_csv(&mut b).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.lines().count() as u64, 1 + sim(0.3, 50).rows());
        assert!(text
            .starts_with("model,params,family,task,subtask,item,correct\nsim-100M,100000000,sim,sim,s1,0,"));
    }

    #[test]
    fn simulated_rates_and_joint_rate_match_the_model() {
        // 20,000 items at the smallest size: the empirical rates sit within 4 standard
        // errors of the model's (a seeded draw: this either always passes or never).
        let s = Simulation { steps: 1, items: 20_000, ..sim(0.25, 0) };
        let mut out = Vec::new();
        s.write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut per_item = vec![0u32; 20_000];
        let mut correct = 0u64;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let c: u32 = f[6].parse().unwrap();
            correct += c as u64;
            per_item[f[5].parse::<usize>().unwrap()] += c;
        }
        let rate = correct as f64 / 100_000.0;
        assert!((rate - 0.4).abs() < 4.0 * (0.24f64 / 100_000.0).sqrt(), "{rate}");
        let joint = per_item.iter().filter(|&&c| c == 5).count() as f64 / 20_000.0;
        let expected = all_correct_probability(5, 0.4, 0.25);
        let se = (expected * (1.0 - expected) / 20_000.0).sqrt();
        assert!((joint - expected).abs() < 4.0 * se, "{joint} vs {expected}");
    }
}
