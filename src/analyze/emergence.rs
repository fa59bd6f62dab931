//! The emergence score ("breakthroughness"), Srivastava et al. 2022 (BIG-bench, §B),
//! as used by Schaeffer, Miranda & Koyejo 2023:
//!
//!   sign(argmax y − argmin y) · (max y − min y) / sqrt(median_i (y_i − y_{i−1})²)
//!
//! over a series ordered by model size. Large when most of the change happens in one
//! step; about 1–3 for steady change; negative when the series falls.

/// Why a series has no emergence score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoScore {
    TooFewSizes(usize),
    Flat,
    ZeroMedianStep,
}

impl std::fmt::Display for NoScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoScore::TooFewSizes(n) => {
                write!(f, "needs at least 2 model sizes, has {n}")
            }
            NoScore::Flat => write!(f, "flat series: every value is the same"),
            NoScore::ZeroMedianStep => write!(
                f,
                "the median squared step between sizes is 0 (most steps are flat), so the score is unbounded"
            ),
        }
    }
}

/// The emergence score of `y`, ordered by increasing model size.
pub fn emergence_score(y: &[f64]) -> Result<f64, NoScore> {
    if y.len() < 2 {
        return Err(NoScore::TooFewSizes(y.len()));
    }
    emergence_score_unchecked(y)
}

/// The emergence score of a series at `sizes` (ascending): models of one size are not a
/// trend, so at least two distinct sizes are required.
pub fn emergence_score_at(sizes: &[f64], y: &[f64]) -> Result<f64, NoScore> {
    let distinct = 1 + sizes.windows(2).filter(|w| w[1] != w[0]).count();
    if y.len() < 2 || distinct < 2 {
        return Err(NoScore::TooFewSizes(if y.is_empty() { 0 } else { distinct }));
    }
    emergence_score_unchecked(y)
}

fn emergence_score_unchecked(y: &[f64]) -> Result<f64, NoScore> {
    // First occurrence of the extremes, as numpy.argmax/argmin.
    let (mut imax, mut imin) = (0, 0);
    for (i, &v) in y.iter().enumerate() {
        if v > y[imax] {
            imax = i;
        }
        if v < y[imin] {
            imin = i;
        }
    }
    let range = y[imax] - y[imin];
    if range == 0.0 {
        return Err(NoScore::Flat);
    }
    let mut steps: Vec<f64> = y.windows(2).map(|w| (w[1] - w[0]).powi(2)).collect();
    steps.sort_by(f64::total_cmp);
    let mid = steps.len() / 2;
    let median = if steps.len() % 2 == 1 { steps[mid] } else { (steps[mid - 1] + steps[mid]) / 2.0 };
    if median == 0.0 {
        return Err(NoScore::ZeroMedianStep);
    }
    let sign = if imax > imin { 1.0 } else { -1.0 };
    Ok(sign * range / median.sqrt())
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/spine_reference.py (numpy), spine_reference.txt.
    use super::*;
    use approx::assert_relative_eq;

    /// The Mirage toy model: per-token p = exp(−(N/c)^α), α = −0.5, c = 2e9.
    fn toy_p() -> Vec<f64> {
        [350e6, 1.3e9, 6.7e9, 175e9].iter().map(|n: &f64| (-(n / 2e9).powf(-0.5)).exp()).collect()
    }

    #[test]
    fn hand_examples() {
        // Steps² = 0, 0, .16, .16 → median .08; range .8 → .8/sqrt(.08) = 2.8284...
        assert_relative_eq!(
            emergence_score(&[0.1, 0.1, 0.1, 0.5, 0.9]).unwrap(),
            2.8284271247461898,
            max_relative = 1e-14
        );
        assert_relative_eq!(
            emergence_score(&[0.9, 0.5, 0.2, 0.1]).unwrap(),
            -2.666666666666667,
            max_relative = 1e-14
        );
    }

    #[test]
    fn mirage_exact_match_grows_sharper_with_length_but_edit_distance_does_not() {
        let p = toy_p();
        let exact = [
            2.7850398939284489,
            3.175886864275121,
            4.2651332593224609,
            6.1843505686852627,
            9.2893776558400614,
        ];
        for (l, want) in (1..=5).zip(exact) {
            let y: Vec<f64> = p.iter().map(|x| x.powi(l)).collect();
            assert_relative_eq!(emergence_score(&y).unwrap(), want, max_relative = 1e-12);
            let d: Vec<f64> = p.iter().map(|x| l as f64 * (1.0 - x)).collect();
            assert_relative_eq!(emergence_score(&d).unwrap(), -2.7850398939284493, max_relative = 1e-12);
        }
    }

    #[test]
    fn seed_compound_scores_higher_than_its_mean() {
        let p: Vec<f64> = (0..6).map(|i| 0.4 + 0.04 * i as f64).collect();
        let all: Vec<f64> = p.iter().map(|x| x.powi(5)).collect();
        assert_relative_eq!(emergence_score(&all).unwrap(), 5.3843672679465424, max_relative = 1e-9);
        assert_relative_eq!(emergence_score(&p).unwrap(), 5.0, max_relative = 1e-9);
    }

    #[test]
    fn models_of_one_size_are_not_a_trend() {
        assert_eq!(emergence_score_at(&[7e9, 7e9], &[0.2, 0.4]), Err(NoScore::TooFewSizes(1)));
        assert!(emergence_score_at(&[7e9, 7e9, 13e9], &[0.2, 0.4, 0.5]).is_ok());
    }

    #[test]
    fn degenerate_series_say_why() {
        assert_eq!(emergence_score(&[0.3]), Err(NoScore::TooFewSizes(1)));
        assert_eq!(emergence_score(&[]), Err(NoScore::TooFewSizes(0)));
        assert_eq!(emergence_score(&[0.2, 0.2, 0.2]), Err(NoScore::Flat));
        assert_eq!(emergence_score(&[0.0, 0.0, 0.0, 0.9]), Err(NoScore::ZeroMedianStep));
    }
}
