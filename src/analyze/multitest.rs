//! Multiple-testing correction: Benjamini–Hochberg adjusted p-values, which control the
//! false discovery rate across many tests (one per series, subtask or task).
//!
//! Reference values: tests/reference/multitest_reference.py (statsmodels 0.15.0).

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
        assert_eq!(benjamini_hochberg(&[0.6, 1.0, f64::INFINITY]), vec![1.0, 1.0, 1.0]);
    }
}
