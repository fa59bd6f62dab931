//! The arithmetic of composition: subtask success rates → compound success rates.
//!
//! Products are taken in log space (sums of `ln p`, `ln_1p(-p)`) so that thousands of
//! subtasks and rates near 0 or 1 neither underflow early nor lose their last digits.
//! References: Schaeffer, Miranda & Koyejo 2023 (exact match p^L, edit distance
//! L(1-p)); Poisson-binomial by the standard O(kK) recursion; beta-binomial
//! P(X = k) = B(a+k, b) / B(a, b).

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

/// P(all k subtasks correct) when successes are exchangeable with intra-class
/// correlation `rho` (beta-binomial). The latent rate has mean p̄ = geometric mean of
/// the subtask rates, so `rho = 0` reproduces [`all_of`] exactly, and with equal rates
/// this is the textbook B(a+k, b)/B(a, b), a = p(1−ρ)/ρ, b = (1−p)(1−ρ)/ρ, evaluated
/// as the finite product ∏_{j<k} (a + j)/(a + b + j).
pub fn all_correlated(p: &[f64], rho: f64) -> f64 {
    if rho == 0.0 {
        return all_of(p);
    }
    let pbar = geomean(p);
    if pbar == 0.0 || pbar == 1.0 || rho == 1.0 {
        return pbar;
    }
    let a = pbar * (1.0 - rho) / rho;
    let a_plus_b = (1.0 - rho) / rho;
    (0..p.len()).map(|j| ((a + j as f64) / (a_plus_b + j as f64)).ln()).sum::<f64>().exp()
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/spine_reference.py (numpy/scipy/mpmath),
    //! output in tests/reference/spine_reference.txt.
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

    #[test]
    fn beta_binomial_matches_closed_form() {
        // scipy.special.betaln and scipy.stats.betabinom.pmf(k, k, a, b) agree on these.
        let cases = [
            (0.5, 5, 0.1, 0.066406250000000069),
            (0.4, 5, 0.3, 0.090218882591093008),
            (0.6, 5, 0.3, 0.23842727125506052),
            (0.9, 10, 0.05, 0.42434812557060297),
            (0.2, 3, 0.5, 0.088000000000000009),
            (0.5, 5, 0.9, 0.44810267857142894),
        ];
        for (p, k, rho, want) in cases {
            assert_relative_eq!(all_correlated(&vec![p; k], rho), want, max_relative = 1e-12);
            // And against statrs' ln_beta, an independent implementation of the closed form.
            let (a, b) = (p * (1.0 - rho) / rho, (1.0 - p) * (1.0 - rho) / rho);
            let closed = (statrs::function::beta::ln_beta(a + k as f64, b)
                - statrs::function::beta::ln_beta(a, b))
            .exp();
            assert_relative_eq!(all_correlated(&vec![p; k], rho), closed, max_relative = 1e-9);
        }
    }

    #[test]
    fn correlation_zero_is_the_product_and_one_is_a_single_draw() {
        let p = [0.2, 0.5, 0.9];
        assert_eq!(all_correlated(&p, 0.0), all_of(&p));
        assert_relative_eq!(all_correlated(&p, 1e-12), all_of(&p), max_relative = 1e-6);
        assert_relative_eq!(all_correlated(&p, 1.0), geomean(&p), max_relative = 1e-15);
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
            fn correlation_raises_the_strict_compound(p in rates(), rho in 0.0f64..=1.0) {
                prop_assert!(all_correlated(&p, rho) >= all_of(&p) * (1.0 - 1e-9));
                prop_assert!(all_correlated(&p, rho) <= geomean(&p) * (1.0 + 1e-9));
            }
        }
    }
}
