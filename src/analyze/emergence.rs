//! Emergence scores of a series ordered by model size.
//!
//! - [`emergence_score`]: "breakthroughness", Srivastava et al. 2022 (BIG-bench, App. B), as
//!   used by Schaeffer, Miranda & Koyejo 2023:
//!
//!     B = sign(argmax y − argmin y) · (max y − min y) / sqrt(median_i (y_i − y_{i−1})²)
//!
//!   Large when most of the change happens in one step; exactly n − 1 for n sizes with equal
//!   steps; negative when the series falls.
//! - [`score_series`]: what `measure()` reports for a series. Models of one size are merged
//!   first (the mean of their values: a base and a chat model at 7B are one point of the trend,
//!   not a step of it); the series is turned so that its preferred direction is up, as
//!   BIG-bench scores a task in its preferred direction (improvement is positive, so a falling
//!   edit distance scores positive); and B is also given per step, B / (n − 1), n the distinct
//!   sizes scored: 1 for steady change at every size, whatever n, so that series with different
//!   numbers of sizes can be compared.
//! - [`emergence_score_at`]: B with models of one size merged but not turned, the statistic
//!   the bootstrap recomputes in each replicate.

use crate::units::fmt_params;

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

/// The emergence score of `y` at `sizes` (any order) with models of one size merged into
/// their mean, as [`score_series`] merges them, but not turned to the preferred direction.
/// At least two distinct sizes are required, since models of one size are not a trend.
/// The bootstrap's statistic: each replicate is scored as the point estimate is.
pub fn emergence_score_at(sizes: &[f64], y: &[f64]) -> Result<f64, NoScore> {
    let runs = merge_sizes(sizes, y);
    if runs.len() < 2 {
        return Err(NoScore::TooFewSizes(runs.len()));
    }
    let means: Vec<f64> = runs.iter().map(|r| r.mean).collect();
    emergence_score_unchecked(&means)
}

/// The models of one size: their size, count and mean value.
struct SizeRun {
    size: f64,
    models: usize,
    mean: f64,
}

/// `y` at `sizes` (any order) as runs of one size, in increasing size.
fn merge_sizes(sizes: &[f64], y: &[f64]) -> Vec<SizeRun> {
    let mut pairs: Vec<(f64, f64)> = sizes.iter().copied().zip(y.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| SizeRun {
            size: run[0].0,
            models: run.len(),
            mean: run.iter().map(|p| p.1).sum::<f64>() / run.len() as f64,
        })
        .collect()
}

/// How many distinct values `sizes` (ascending) holds.
pub fn distinct_sizes(sizes: &[f64]) -> usize {
    if sizes.is_empty() {
        0
    } else {
        1 + sizes.windows(2).filter(|w| w[1] != w[0]).count()
    }
}

/// The emergence scores of one series, as [`score_series`] computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// B (Srivastava et al. 2022) of the merged series, positive when it improves.
    pub raw: Option<f64>,
    /// B / (n − 1): 1 for equal steps at every size.
    pub normalized: Option<f64>,
    /// n: the distinct model sizes scored.
    pub sizes: usize,
    /// Which sizes had models merged, then why there is no score; None when neither.
    pub note: Option<String>,
}

/// The emergence scores of a series: `y[i]` measured at `sizes[i]` (any order),
/// `higher_is_better` its preferred direction.
///
/// Models of one size are merged into their mean first, so that n counts sizes, not models,
/// and a second model at a size (a chat model beside its base model) is not read as a step.
/// The merged series is scored in its preferred direction: B of y, or of −y when lower is
/// better, which is exactly −B(y) (the extremes swap places and the steps keep their size).
pub fn score_series(sizes: &[f64], y: &[f64], higher_is_better: bool) -> Scores {
    let runs = merge_sizes(sizes, y);
    let merged_y: Vec<f64> = runs.iter().map(|r| if higher_is_better { r.mean } else { -r.mean }).collect();
    let merged = runs
        .iter()
        .filter(|r| r.models > 1)
        .map(|r| format!("{} models at {} merged (mean)", r.models, fmt_params(r.size)));
    let n = merged_y.len();
    let (raw, why) = match emergence_score(&merged_y) {
        Ok(b) => (Some(b), None),
        Err(why) => (None, Some(why.to_string())),
    };
    let note = merged.chain(why).reduce(|a, b| format!("{a}; {b}"));
    Scores { raw, normalized: raw.map(|b| b / (n - 1) as f64), sizes: n, note }
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
    //! Reference values: tests/reference/spine_reference.py (numpy), spine_reference.txt, and
    //! tests/reference/emergence_reference.py, emergence_reference.txt.
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
        // Merged as the point estimate is: 7B's two models are one point, 0.3.
        assert_eq!(emergence_score_at(&[7e9, 7e9, 13e9], &[0.2, 0.4, 0.5]), emergence_score(&[0.3, 0.5]));
        assert_eq!(
            emergence_score_at(&[7e9, 7e9, 13e9], &[0.2, 0.4, 0.5]).ok(),
            score_series(&[13e9, 7e9, 7e9], &[0.5, 0.4, 0.2], true).raw
        );
    }

    #[test]
    fn steady_change_scores_one_per_step_whatever_the_number_of_sizes() {
        // Equal steps d: range (n − 1)·d over a median step d, so B = n − 1 and B/(n − 1) = 1.
        for (n, b) in [(4, 3.0), (8, 7.0), (16, 15.0)] {
            let sizes: Vec<f64> = (0..n).map(|i| 1e8 * 2f64.powi(i)).collect();
            let y: Vec<f64> = (0..n).map(|i| 0.25 + 0.5 * i as f64 / 16.0).collect();
            let s = score_series(&sizes, &y, true);
            assert_relative_eq!(s.raw.unwrap(), b, max_relative = 1e-12);
            assert_relative_eq!(s.normalized.unwrap(), 1.0, max_relative = 1e-12);
            assert_eq!((s.sizes, s.note), (n as usize, None));
        }
    }

    #[test]
    fn a_chat_model_beside_its_base_model_is_merged_not_a_step() {
        // A smooth 30 → 42% series over five sizes, and a chat model at 60% at 7B.
        let sizes = [1e9, 2e9, 7e9, 7e9, 13e9, 30e9];
        let y = [0.30, 0.33, 0.36, 0.60, 0.39, 0.42];
        // Unmerged: steps .03, .03, .24, −.21, .03, median squared step .03², so
        // B = (.60 − .30)/.03 = 10.
        assert_relative_eq!(emergence_score(&y).unwrap(), 10.0, max_relative = 1e-9);
        // Merged: 7B is (.36 + .60)/2 = .48, so .30, .33, .48, .39, .42: squared steps
        // .0009, .0225, .0081, .0009, median (.0009 + .0081)/2 = .0045, B = .18/√.0045
        // = 6/√5 = 2.6832815729997477, and per step over 4 steps 1.5/√5 = 0.6708203932499369.
        // tests/reference/emergence_reference.py: keys chat_merged, chat_merged_normalized.
        let s = score_series(&sizes, &y, true);
        assert_relative_eq!(s.raw.unwrap(), 2.6832815729997477, max_relative = 1e-12);
        assert_relative_eq!(s.normalized.unwrap(), 0.6708203932499369, max_relative = 1e-12);
        assert_eq!(s.sizes, 5);
        assert_eq!(s.note.as_deref(), Some("2 models at 7B merged (mean)"));
        // The bootstrap's statistic merges them too.
        assert_relative_eq!(
            emergence_score_at(&sizes, &y).unwrap(),
            2.6832815729997477,
            max_relative = 1e-12
        );
        // Input order does not matter.
        let (mut rs, mut ry) = (sizes.to_vec(), y.to_vec());
        rs.reverse();
        ry.reverse();
        assert_relative_eq!(
            score_series(&rs, &ry, true).raw.unwrap(),
            2.6832815729997477,
            max_relative = 1e-12
        );
    }

    #[test]
    fn improvement_scores_positive_in_either_direction() {
        // Edit distance 3, 2, 1 (lower is better) improves in two equal steps: +2, +1 per step.
        let sizes = [1e9, 2e9, 4e9];
        let edit = score_series(&sizes, &[3.0, 2.0, 1.0], false);
        assert_eq!((edit.raw, edit.normalized), (Some(2.0), Some(1.0)));
        // The same numbers as an accuracy get worse: −2.
        let acc = score_series(&sizes, &[3.0, 2.0, 1.0], true);
        assert_eq!((acc.raw, acc.normalized), (Some(-2.0), Some(-1.0)));
        // Turned around, B changes sign and nothing else: −(−2.666...) from hand_examples.
        let falling = score_series(&[1e9, 2e9, 4e9, 8e9], &[0.9, 0.5, 0.2, 0.1], false);
        assert_relative_eq!(falling.raw.unwrap(), 2.666666666666667, max_relative = 1e-14);
    }

    #[test]
    fn merged_sizes_are_noted_beside_why_there_is_no_score() {
        let s = score_series(&[7e9, 7e9], &[0.2, 0.4], true);
        assert_eq!((s.raw, s.normalized, s.sizes), (None, None, 1));
        assert_eq!(
            s.note.as_deref(),
            Some("2 models at 7B merged (mean); needs at least 2 model sizes, has 1")
        );
        let flat = score_series(&[1e9, 1e9, 1e9, 2e9], &[0.2, 0.3, 0.4, 0.3], true);
        assert_eq!(
            flat.note.as_deref(),
            Some("3 models at 1B merged (mean); flat series: every value is the same")
        );
        assert_eq!(score_series(&[], &[], true).note.as_deref(), Some("needs at least 2 model sizes, has 0"));
    }

    #[test]
    fn degenerate_series_say_why() {
        assert_eq!(emergence_score(&[0.3]), Err(NoScore::TooFewSizes(1)));
        assert_eq!(emergence_score(&[]), Err(NoScore::TooFewSizes(0)));
        assert_eq!(emergence_score(&[0.2, 0.2, 0.2]), Err(NoScore::Flat));
        assert_eq!(emergence_score(&[0.0, 0.0, 0.0, 0.9]), Err(NoScore::ZeroMedianStep));
    }
}
