//! Multiple-testing correction: Benjamini–Hochberg adjusted p-values, which control the
//! false discovery rate across many tests (one per series, subtask or task).
//!
//! Reference values: tests/reference/multitest_reference.py (statsmodels 0.15.0).

use std::collections::HashMap;

use super::options::FdrFamily;

/// A Monte Carlo p-value drawn sequentially (Besag & Clifford 1991, "Sequential Monte Carlo
/// p-values", Biometrika 78(2)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sequential {
    pub p_value: f64,
    /// Replicates drawn (L or B).
    pub replicates: usize,
    /// Replicates that reached the observed statistic.
    pub exceedances: usize,
    /// Whether sampling stopped at h exceedances before B.
    pub stopped_early: bool,
}

/// Draws replicates 0, 1, … while `reaches(b)` (replicate b reaches the observed
/// statistic) has held fewer than `h` times and fewer than `max` were drawn: p = h/L when
/// the h-th exceedance came at replicate L, else (g + 1)/(B + 1). Valid at every level.
pub fn sequential_p_value(h: usize, max: usize, mut reaches: impl FnMut(usize) -> bool) -> Sequential {
    let (mut replicates, mut exceedances) = (0, 0);
    while replicates < max && exceedances < h {
        exceedances += usize::from(reaches(replicates));
        replicates += 1;
    }
    let stopped_early = exceedances == h;
    let p_value = if stopped_early {
        exceedances as f64 / replicates as f64
    } else {
        (exceedances + 1) as f64 / (replicates + 1) as f64
    };
    Sequential { p_value, replicates, exceedances, stopped_early }
}

/// r = ⌊α(R₀ + 1)⌋ (within 1..=R₀): with R₀ null replicates, a statistic beyond the r-th
/// largest is rejected at level α, as 1 + #{T* ≥ T} ≤ α(R₀ + 1). The +1e-9 keeps
/// α(R₀ + 1) = 20 from rounding down.
pub fn critical_rank(alpha: f64, null_replicates: usize) -> usize {
    ((alpha * (null_replicates + 1) as f64 + 1e-9).floor() as usize).clamp(1, null_replicates)
}

/// Benjamini–Hochberg adjusted p-values ("q-values"), as
/// `statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]`, in the same order
/// as the input.
///
/// With the m non-NaN p-values sorted ascending as p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of
/// p₍ᵢ₎ is `min(1, min_{j ≥ i} p₍ⱼ₎ / (j/m))`; the arithmetic follows statsmodels step by
/// step (divide by `j/m`, running minimum from the largest, cap at 1), so results agree
/// to the last ulp. Rejecting every test whose adjusted value is ≤ q controls the false
/// discovery rate at q for independent (or positively dependent) tests.
///
/// NaN inputs stay NaN in the output and are excluded from m. Other values are used as
/// given (they should lie in [0, 1]); the result is capped at 1. Tied p-values get equal
/// adjusted values. An empty input gives an empty output.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut out = vec![f64::NAN; p.len()];
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len() as f64;
    let mut running_min = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        let ecdf = (rank + 1) as f64 / m;
        running_min = running_min.min(p[i] / ecdf);
        out[i] = running_min.min(1.0);
    }
    out
}

/// Benjamini–Hochberg within each declared family of tests ([`FdrFamily`]): `tests[i]` is
/// the task and raw p-value of test i, `None` for a test that was not run (its adjusted value
/// is `None` too). `Task`: one family per task, so that unrelated tasks in the input never
/// change a task's adjusted p-values; `Run`: one family; `None`: the raw p-values.
pub fn adjust_in_families(tests: &[Option<(&str, f64)>], family: FdrFamily) -> Vec<Option<f64>> {
    let mut out = vec![None; tests.len()];
    let mut families: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (i, t) in tests.iter().enumerate() {
        if let Some((task, _)) = t {
            families.entry((family == FdrFamily::Task).then_some(*task)).or_default().push(i);
        }
    }
    for members in families.values() {
        let raw: Vec<f64> = members.iter().map(|&i| tests[i].map_or(f64::NAN, |t| t.1)).collect();
        let adjusted = if family == FdrFamily::None { raw } else { benjamini_hochberg(&raw) };
        for (&i, q) in members.iter().zip(adjusted) {
            out[i] = Some(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/multitest_reference.py (statsmodels 0.15.0);
    //! the expected vectors are its printed output, pasted verbatim.
    use super::*;
    use approx::assert_relative_eq;

    fn check(p: &[f64], want: &[f64]) {
        let got = benjamini_hochberg(p);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_relative_eq!(*g, *w, max_relative = 1e-12);
        }
    }

    #[test]
    fn matches_statsmodels_fdr_bh() {
        check(
            &[0.01, 0.04, 0.03, 0.005, 0.2],
            &[0.024999999999999998, 0.049999999999999996, 0.049999999999999996, 0.024999999999999998, 0.2],
        );
        check(&[0.5, 0.5, 0.5], &[0.5, 0.5, 0.5]);
        check(
            &[0.001, 0.9, 0.04, 0.04, 0.3, 0.02],
            &[0.006, 0.9, 0.060000000000000005, 0.060000000000000005, 0.36, 0.060000000000000005],
        );
    }

    #[test]
    fn nan_stays_nan_and_is_not_counted() {
        let got = benjamini_hochberg(&[f64::NAN, 0.01, 0.04, f64::NAN, 0.03, 0.005, 0.2]);
        assert!(got[0].is_nan() && got[3].is_nan());
        let want =
            [0.024999999999999998, 0.049999999999999996, 0.049999999999999996, 0.024999999999999998, 0.2];
        for (g, w) in [got[1], got[2], got[4], got[5], got[6]].iter().zip(want) {
            assert_relative_eq!(*g, w, max_relative = 1e-12);
        }
        assert!(benjamini_hochberg(&[f64::NAN]).iter().all(|v| v.is_nan()));
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn single_value_unchanged_and_capped_at_one() {
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        // 0.9·2/1 = 1.8 before the running minimum and cap.
        assert_eq!(benjamini_hochberg(&[0.9, 0.95]), vec![0.95, 0.95]);
    }

    #[test]
    fn sequential_p_values_stop_at_h_or_b() {
        // Every replicate reaches: stops at h = 10 after 10 draws, p = 1.
        let all = sequential_p_value(10, 999, |_| true);
        assert_eq!((all.replicates, all.exceedances, all.stopped_early, all.p_value), (10, 10, true, 1.0));
        // None reaches: B = 999 draws, p = 1/1000.
        let none = sequential_p_value(10, 999, |_| false);
        assert_eq!((none.replicates, none.stopped_early, none.p_value), (999, false, 0.001));
        // Every 4th reaches: the 10th exceedance is replicate 39 (L = 40), p = 10/40.
        let some = sequential_p_value(10, 999, |b| b % 4 == 3);
        assert_eq!((some.replicates, some.p_value), (40, 0.25));
        // 399 null replicates at 5%: the 20th largest.
        assert_eq!(critical_rank(0.05, 399), 20);
        assert_eq!(critical_rank(0.05, 10), 1);
    }

    #[test]
    fn families_are_adjusted_apart() {
        // Task "a": BH of [0.01, 0.04] is [0.02, 0.04]; task "b" alone keeps 0.03; a test
        // not run stays None. Over the run, BH of [0.01, 0.03, 0.04] is [0.03, 0.04, 0.04],
        // 0.03 computed as statsmodels does, 0.01 / (1/3).
        let tests = [Some(("a", 0.01)), Some(("b", 0.03)), None, Some(("a", 0.04))];
        let task = adjust_in_families(&tests, FdrFamily::Task);
        assert_eq!(task, vec![Some(0.02), Some(0.03), None, Some(0.04)]);
        let run = adjust_in_families(&tests, FdrFamily::Run);
        assert_eq!(run, vec![Some(0.01 / (1.0 / 3.0)), Some(0.04), None, Some(0.04)]);
        let none = adjust_in_families(&tests, FdrFamily::None);
        assert_eq!(none, vec![Some(0.01), Some(0.03), None, Some(0.04)]);
        assert_eq!(benjamini_hochberg(&[0.6, 1.0, f64::INFINITY]), vec![1.0, 1.0, 1.0]);
    }
}
