//! The arithmetic of composition: subtask success rates → compound success rates.
//!
//! Products are taken in log space (sums of `ln p`, `ln_1p(-p)`) so that thousands of
//! subtasks and rates near 0 or 1 neither underflow early nor lose their last digits.
//! References: Schaeffer, Miranda & Koyejo 2023 (exact match p^L, edit distance
//! L(1-p)); Poisson-binomial by the standard O(kK) recursion; correlated subtasks by
//! the shared-uniform model of `emerge simulate` (src/simulate.rs), integrated in
//! closed form.

/// P(all subtasks correct) for independent subtasks: ∏ p.
pub fn all_of(p: &[f64]) -> f64 {
    if p.contains(&0.0) {
        return 0.0;
    }
    p.iter().map(|x| x.ln()).sum::<f64>().exp()
}

/// P(at least one subtask correct) for independent subtasks: 1 − ∏(1 − p).
pub fn any_of(p: &[f64]) -> f64 {
    if p.contains(&1.0) {
        return 1.0;
    }
    -p.iter().map(|x| (-x).ln_1p()).sum::<f64>().exp_m1()
}

/// P(at least `k_min` of the subtasks correct) for independent subtasks with unequal
/// rates (Poisson-binomial upper tail).
///
/// Tracks the probability of each count below `k_min` and accumulates the mass that
/// reaches `k_min` separately, so the tail is a sum of non-negative terms: accurate
/// even when it is tiny. Cost O(k · k_min).
pub fn at_least(p: &[f64], k_min: usize) -> f64 {
    if k_min == 0 {
        return 1.0;
    }
    if k_min > p.len() {
        return 0.0;
    }
    let mut below = vec![0.0; k_min];
    below[0] = 1.0;
    let mut tail = 0.0;
    for &q in p {
        tail += below[k_min - 1] * q;
        for j in (1..k_min).rev() {
            below[j] = below[j] * (1.0 - q) + below[j - 1] * q;
        }
        below[0] *= 1.0 - q;
    }
    tail.clamp(0.0, 1.0)
}

pub fn mean(p: &[f64]) -> f64 {
    p.iter().sum::<f64>() / p.len() as f64
}

pub fn geomean(p: &[f64]) -> f64 {
    if p.contains(&0.0) {
        return 0.0;
    }
    (p.iter().map(|x| x.ln()).sum::<f64>() / p.len() as f64).exp()
}

pub fn min(p: &[f64]) -> f64 {
    p.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Exact match of an `len`-token answer when each token is right with probability p:
/// p^L, averaged over subtasks (each subtask its own per-token rate).
pub fn exact_match(p: &[f64], len: u32) -> f64 {
    let l = f64::from(len);
    p.iter().map(|&x| if x == 0.0 { 0.0 } else { (l * x.ln()).exp() }).sum::<f64>() / p.len() as f64
}

/// Expected token edit distance of an `len`-token answer, L(1 − p), averaged over
/// subtasks. Lower is better.
pub fn edit_distance(p: &[f64], len: u32) -> f64 {
    f64::from(len) * p.iter().map(|x| 1.0 - x).sum::<f64>() / p.len() as f64
}

/// P(all subtasks correct) when subtasks are correlated as `emerge simulate --rho`
/// draws them (src/simulate.rs): item i's outcome on subtask j is 1[U_ij < p_j], where
/// U_ij is, with probability r = √ρ, the item's shared uniform U_i and otherwise a
/// fresh uniform. `rho` is the intra-class correlation of two subtasks with equal
/// rates on an item.
///
/// Given U_i = u the subtasks are independent, with P(all | u) = ∏_j [r·1(u < p_j) +
/// (1 − r)·p_j], a step function of u. Integrated over u, with the rates sorted
/// p_(1) ≤ … ≤ p_(k), p_(0) = 0 and p_(k+1) = 1:
///
///   P(all) = Σ_{m=0..k} (p_(m+1) − p_(m))
///            · ∏_{j≤m} (1 − r)·p_(j) · ∏_{j>m} (r + (1 − r)·p_(j)).
///
/// ρ = 0 gives [`all_of`] (the product), ρ = 1 gives [`min`], and in between the value
/// rises with ρ and never exceeds the weakest subtask (every factor is at most 1, and
/// the weakest one's integrates to its rate). Prefix and suffix products are sums of
/// logs, so that thousands of subtasks and tiny rates keep their digits. Cost
/// O(k log k).
pub fn all_correlated(p: &[f64], rho: f64) -> f64 {
    if rho == 0.0 {
        return all_of(p);
    }
    if rho == 1.0 {
        return min(p);
    }
    let r = rho.sqrt();
    let ln_unshared = (-r).ln_1p();
    // ln(r + (1 − r)p) with its digits: near 1 through ln_1p of the small complement,
    // near 0 directly (there the complement's rounding would dominate).
    let ln_shared_or_fresh = |p: f64| {
        let x = r + (1.0 - r) * p;
        if x >= 0.5 {
            (-(1.0 - r) * (1.0 - p)).ln_1p()
        } else {
            x.ln()
        }
    };
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let k = sorted.len();
    // suffix[m] = ln ∏_{j ≥ m} (r + (1 − r) p_j), 0-based over the sorted rates.
    let mut suffix = vec![LogSum::default(); k + 1];
    for j in (0..k).rev() {
        suffix[j] = suffix[j + 1].add(ln_shared_or_fresh(sorted[j]));
    }
    // prefix = ln ∏_{j < m} (1 − r) p_j; −∞ once a rate of 0 has been passed.
    let (mut prefix, mut below, mut total) = (LogSum::default(), 0.0, 0.0);
    for m in 0..=k {
        let above = sorted.get(m).copied().unwrap_or(1.0);
        if above > below {
            total += ((above - below).ln() + prefix.value() + suffix[m].value()).exp();
        }
        if m < k {
            prefix = prefix.add(ln_unshared).add(sorted[m].ln());
            below = above;
        }
    }
    // Rounding must not lift it above the weakest subtask, which bounds it exactly.
    total.min(min(p))
}

/// A sum of logs with Neumaier's compensation. Its absolute error is the relative error
/// of the product; a plain running sum lost two of the result's digits over 2,000
/// subtasks at rate 1e-3 (8e-13 relative error against 5e-15 with compensation).
#[derive(Debug, Clone, Copy, Default)]
struct LogSum {
    sum: f64,
    carry: f64,
}

impl LogSum {
    fn add(self, x: f64) -> Self {
        if x == f64::NEG_INFINITY || self.sum == f64::NEG_INFINITY {
            return LogSum { sum: f64::NEG_INFINITY, carry: 0.0 };
        }
        let sum = self.sum + x;
        let lost = if self.sum.abs() >= x.abs() { (self.sum - sum) + x } else { (x - sum) + self.sum };
        LogSum { sum, carry: self.carry + lost }
    }

    fn value(self) -> f64 {
        self.sum + self.carry
    }
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/spine_reference.py (numpy/scipy/mpmath),
    //! output in tests/reference/spine_reference.txt; for `all_correlated`,
    //! tests/reference/rho_reference.py and rho_reference.txt.
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn seed_product() {
        // all_seed_small / all_seed_large: 0.4**5 and 0.6**5 in Python.
        assert_relative_eq!(all_of(&[0.4; 5]), 0.010240000000000003, max_relative = 1e-14);
        assert_relative_eq!(all_of(&[0.6; 5]), 0.077759999999999982, max_relative = 1e-14);
    }

    #[test]
    fn at_least_matches_binomial_tail_when_rates_are_equal() {
        // scipy.stats.binom.sf(K-1, k, p)
        let k10 = [
            1.0,
            0.97175247509999996,
            0.85069165410000003,
            0.61721721360000026,
            0.35038928159999982,
            0.15026833259999992,
            0.04734898739999998,
            0.010592078399999996,
            0.0015903863999999995,
            0.00014368589999999996,
            5.9048999999999975e-06,
        ];
        for (k_min, want) in k10.iter().enumerate() {
            assert_relative_eq!(at_least(&[0.3; 10], k_min), *want, max_relative = 1e-12);
        }
        let k20_tail = [(18, 0.67692680518946613), (19, 0.39174699812516789), (20, 0.12157665459056931)];
        for (k_min, want) in k20_tail {
            assert_relative_eq!(at_least(&[0.9; 20], k_min), want, max_relative = 1e-12);
        }
        assert_relative_eq!(at_least(&[0.5; 5], 3), 0.5, max_relative = 1e-15);
    }

    #[test]
    fn at_least_with_unequal_rates() {
        // Brute-force enumeration of 2^5 outcomes, confirmed with mpmath at 50 digits.
        let p = [0.1, 0.5, 0.9, 0.3, 0.7];
        let want = [1.0, 0.99055, 0.8689, 0.5, 0.1311, 0.00945];
        for (k_min, w) in want.iter().enumerate() {
            assert_relative_eq!(at_least(&p, k_min), *w, max_relative = 1e-13);
        }
        assert_eq!(at_least(&p, 6), 0.0);
        assert_relative_eq!(at_least(&p, 5), all_of(&p), max_relative = 1e-13);
        assert_relative_eq!(at_least(&p, 1), any_of(&p), max_relative = 1e-13);
    }

    /// The R values of every `rho:*` case in rho_reference.txt.
    const RS: [f64; 6] = [0.0, 0.1, 0.3, 0.5, 0.9, 1.0];

    #[test]
    fn all_correlated_matches_the_integral_of_the_simulation_model() {
        // rho_reference.txt, `rho:<case>:R=<R>:quad` (scipy.integrate.quad of P(all | u)
        // over u); the `:enum` lines (a sum over which subtasks use the shared uniform)
        // agree with them to 1e-15.
        let cases: [(&[f64], [f64; 6]); 4] = [
            // equal:p=0.4:k=5
            (
                &[0.4; 5],
                [
                    0.010240000000000004,
                    0.029451559693407126,
                    0.082265931678098606,
                    0.15220524671216756,
                    0.34209708900791758,
                    0.40000000000000002,
                ],
            ),
            // equal:p=0.6:k=5
            (
                &[0.6; 5],
                [
                    0.077759999999999996,
                    0.12607265375283125,
                    0.22179965866575252,
                    0.32185362779087823,
                    0.540896674040518,
                    0.59999999999999998,
                ],
            ),
            // unequal:p=0.1,0.5,0.9,0.3,0.7
            (
                &[0.1, 0.5, 0.9, 0.3, 0.7],
                [
                    0.0094500000000000018,
                    0.015893060868189635,
                    0.030940475103627262,
                    0.048235039674441621,
                    0.088723643441120117,
                    0.10000000000000001,
                ],
            ),
            // one:p=1,0.5,0.8. The sure subtask drops out, and for two subtasks the
            // formula is p₁p₂ + R·(min − p₁p₂) = 0.4 + 0.1·R by hand.
            (&[1.0, 0.5, 0.8], [0.4, 0.41, 0.43, 0.45, 0.49, 0.5]),
        ];
        for (p, want) in cases {
            for (rho, w) in RS.iter().zip(want) {
                assert_relative_eq!(all_correlated(p, *rho), w, max_relative = 1e-13);
            }
        }
        // k1:p=0.37, zero:p=0,0.5,0.8 and ones:p=1,1: one subtask is itself at any R, a
        // rate of 0 makes every item fail, rates of 1 make every item pass.
        for rho in RS {
            assert_relative_eq!(all_correlated(&[0.37], rho), 0.37, max_relative = 1e-15);
            assert_eq!(all_correlated(&[0.0, 0.5, 0.8], rho), 0.0);
            assert_eq!(all_correlated(&[1.0, 1.0], rho), 1.0);
        }
    }

    #[test]
    fn issue_13_all_rho_never_exceeds_the_weakest_subtask() {
        // The beta-binomial on the geometric mean gave 0.30213203435596425
        // (rho:min20:p=0.2,0.9:R=0.5:old_betabinomial) for P(all) with a 20% subtask.
        // rho:min20:p=0.2,0.9:R=<R>:quad, and by hand 0.18 + R·(0.2 − 0.18).
        let want = [
            0.18000000000000005,
            0.18199999999999997,
            0.18600000000000003,
            0.19,
            0.19799999999999998,
            0.20000000000000001,
        ];
        for (rho, w) in RS.iter().zip(want) {
            let got = all_correlated(&[0.2, 0.9], *rho);
            assert_relative_eq!(got, w, max_relative = 1e-14);
            assert!(got <= 0.2, "{got} at R = {rho}");
        }
    }

    #[test]
    fn all_correlated_agrees_with_a_monte_carlo_of_the_generator() {
        // rho_reference.txt `:mc` and `:mc_se`: 4,000,000 items drawn as src/simulate.rs
        // draws them (numpy's generator), the share with every subtask correct.
        // Per case: R, the Monte Carlo share, its binomial standard error.
        // equal:p=0.4:k=5
        let equal = [
            (0.1, 0.029367999999999998, 8.4534261286523356e-05),
            (0.3, 0.082147999999999999, 0.00013738472273440105),
            (0.5, 0.15197825000000001, 0.00017960986163449919),
            (0.9, 0.34237050000000002, 0.00023720596045432042),
        ];
        // unequal:p=0.1,0.5,0.9,0.3,0.7
        let unequal = [
            (0.1, 0.015934500000000001, 6.2530935312910631e-05),
            (0.3, 0.031126750000000002, 8.6578233557847958e-05),
            (0.5, 0.048300250000000003, 0.00010713125200197963),
            (0.9, 0.088920250000000006, 0.00014217221822111827),
        ];
        // min20:p=0.2,0.9
        let min20 = [
            (0.1, 0.18182999999999999, 0.00019292226413765727),
            (0.3, 0.18619350000000001, 0.00019455333458977259),
            (0.5, 0.18993425, 0.00019615045245933033),
            (0.9, 0.197987, 0.00019924607900784395),
        ];
        let cases =
            [(&[0.4; 5][..], equal), (&[0.1, 0.5, 0.9, 0.3, 0.7][..], unequal), (&[0.2, 0.9][..], min20)];
        for (p, draws) in cases {
            for (rho, mc, se) in draws {
                let got = all_correlated(p, rho);
                assert!((got - mc).abs() <= 4.0 * se, "{p:?} R = {rho}: {got} vs {mc} ± {se}");
            }
        }
    }

    #[test]
    fn all_correlated_with_equal_rates_is_the_simulators_own_formula() {
        // simulate::all_correct_probability sums over how many subtasks use the shared
        // uniform, a different derivation from the integral over u.
        for k in [1, 2, 5, 17] {
            for p in [0.05, 0.4, 0.6, 0.97] {
                for rho in [0.01, 0.25, 0.3, 0.6, 0.99] {
                    let want = crate::simulate::all_correct_probability(k, p, rho);
                    let got = all_correlated(&vec![p; k as usize], rho);
                    assert_relative_eq!(got, want, max_relative = 1e-12);
                }
            }
        }
    }

    #[test]
    fn all_correlated_over_thousands_of_subtasks() {
        // rho_reference.txt `:mp` lines: the integral of P(all | u) in mpmath at 50 digits.
        let cases = [
            // large:k=10000:p=0.9999:R=0.3
            (vec![1.0 - 1e-4; 10_000], 0.3, 0.63610751858716452),
            // tiny:k=2000:p=0.001:R=0.5, within 1e4 of f64's smallest normal number.
            (vec![1e-3; 2_000], 0.5, 2.1365407101036223e-304),
            // spread:k=1000:p=0.5+0.499*i/999:R=0.3 and R=0.9
            ((0..1000).map(|i| 0.5 + 0.499 * i as f64 / 999.0).collect(), 0.3, 1.9846595051829852e-54),
            ((0..1000).map(|i| 0.5 + 0.499 * i as f64 / 999.0).collect(), 0.9, 1.1689697108905314e-06),
            // small:k=1000:p=1e-4*(i+1):R=0.5
            ((0..1000).map(|i| 1e-4 * (i + 1) as f64).collect(), 0.5, 2.3264182434691933e-146),
        ];
        for (p, rho, want) in cases {
            assert_relative_eq!(all_correlated(&p, rho), want, max_relative = 1e-12);
        }
        // half:k=10000:p=0.5:R=0.3 is 2.1e-1114: below f64's range, so 0, and not NaN.
        assert_eq!(all_correlated(&vec![0.5; 10_000], 0.3), 0.0);
    }

    #[test]
    fn ten_thousand_subtasks_stay_exact() {
        // large_k_* lines of spine_reference.txt (mpmath at 30 digits, scipy.stats.binom).
        let p = vec![1.0 - 1e-4; 10_000];
        assert_relative_eq!(all_of(&p), 0.36786104643292994, max_relative = 1e-12);
        let q = vec![1e-6; 10_000];
        assert_relative_eq!(any_of(&q), 0.009950171201084403, max_relative = 1e-12);
        // 0.5^10000 underflows any naive product: 2^-10000 is below f64's range, so 0.
        assert_eq!(all_of(&vec![0.5; 10_000]), 0.0);
        // Poisson-binomial at k = 10,000 against scipy.stats.binom.sf(5000, 10000, 0.5).
        assert_relative_eq!(at_least(&vec![0.5; 10_000], 5_001), 0.49601067693030826, max_relative = 1e-10);
    }

    #[test]
    fn rates_of_exactly_zero_and_one() {
        assert_eq!(all_of(&[0.0, 1.0]), 0.0);
        assert_eq!(all_of(&[1.0, 1.0]), 1.0);
        assert_eq!(any_of(&[0.0, 0.0]), 0.0);
        assert_eq!(any_of(&[0.0, 1.0]), 1.0);
        assert_eq!(geomean(&[0.0, 0.5]), 0.0);
        assert_eq!(exact_match(&[0.0], 3), 0.0);
        assert_eq!(exact_match(&[1.0], 3), 1.0);
        assert_eq!(edit_distance(&[1.0], 3), 0.0);
        assert_eq!(at_least(&[1.0, 1.0, 0.0], 2), 1.0);
        assert_eq!(at_least(&[1.0, 1.0, 0.0], 3), 0.0);
        assert_eq!(all_correlated(&[0.0, 0.5], 0.3), 0.0);
        assert_eq!(all_correlated(&[1.0, 1.0], 0.3), 1.0);
        assert_eq!(all_correlated(&[0.0, 1.0], 1.0), 0.0);
    }

    #[test]
    fn exact_match_and_edit_distance_on_the_mirage_toy_model() {
        // toy_exact:L=3 and toy_editdist:L=3 at N = 6.7e9 (spine_reference.py).
        let p = 0.57905468143179883;
        assert_relative_eq!(exact_match(&[p], 3), 0.19415953856752896, max_relative = 1e-14);
        assert_relative_eq!(edit_distance(&[p], 3), 1.2628359557046034, max_relative = 1e-14);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn rates() -> impl Strategy<Value = Vec<f64>> {
            prop::collection::vec(0.0f64..=1.0, 1..40)
        }

        proptest! {
            #[test]
            fn all_never_exceeds_the_weakest_subtask(p in rates()) {
                prop_assert!(all_of(&p) <= min(&p) * (1.0 + 1e-12));
            }

            #[test]
            fn at_least_is_monotone_in_k(p in rates()) {
                for k in 1..=p.len() {
                    prop_assert!(at_least(&p, k) <= at_least(&p, k - 1) * (1.0 + 1e-12) + 1e-300);
                }
            }

            #[test]
            fn kth_root_inverts_the_product(x in 0.01f64..=1.0, k in 1usize..200) {
                let composed = all_of(&vec![x; k]);
                // Below f64::MIN_POSITIVE the product is subnormal and keeps fewer digits
                // (0.01^158 ≈ 1e-316), so its root cannot recover x to 12 digits.
                prop_assume!(composed >= f64::MIN_POSITIVE);
                prop_assert!((composed.powf(1.0 / k as f64) - x).abs() < 1e-12 * x.max(1e-3) * 10.0);
            }

            #[test]
            fn correlated_all_lies_between_the_product_and_the_weakest_subtask(
                p in rates(),
                rho in 0.0f64..=1.0,
            ) {
                let got = all_correlated(&p, rho);
                prop_assert!((0.0..=min(&p)).contains(&got), "{got}");
                prop_assert!(got >= all_of(&p) * (1.0 - 1e-10), "{got} < {}", all_of(&p));
            }

            #[test]
            fn correlated_all_is_the_product_at_zero_and_the_minimum_at_one(p in rates()) {
                prop_assert_eq!(all_correlated(&p, 0.0), all_of(&p));
                prop_assert_eq!(all_correlated(&p, 1.0), min(&p));
                // And the general formula runs into both ends continuously.
                let product = all_of(&p);
                prop_assert!((all_correlated(&p, 1e-20) - product).abs() <= 1e-10 * product + 1e-300);
                let weakest = min(&p);
                prop_assert!((all_correlated(&p, 1.0 - 1e-12) - weakest).abs() <= 1e-9 * weakest);
            }

            #[test]
            fn correlated_all_rises_with_the_correlation(p in rates(), a in 0.0f64..=1.0, b in 0.0f64..=1.0) {
                // A grid from 0 to 1 with two random points in it, each R against the next.
                let mut grid: Vec<f64> = (0..=40).map(|i| f64::from(i) / 40.0).chain([a, b]).collect();
                grid.sort_by(f64::total_cmp);
                for w in grid.windows(2) {
                    let (at_lo, at_hi) = (all_correlated(&p, w[0]), all_correlated(&p, w[1]));
                    prop_assert!(
                        at_lo <= at_hi * (1.0 + 1e-10) + 1e-300,
                        "{at_lo} at R = {} > {at_hi} at R = {}", w[0], w[1]
                    );
                }
            }
        }
    }
}
