//! The independence check for item-level data: does the compound task's own
//! all-correct rate match the product of its subtasks' rates, as composition under
//! independence assumes?
//!
//! Per (model, task, family, metric, shots), over the items that have every subtask:
//! - the empirical joint rate (items with every subtask correct / items) with its exact
//!   Clopper–Pearson interval;
//! - the independence prediction Π_j p̂_j from the same items, and the ratio of the two;
//! - the intra-class correlation ICC(3,1) of Shrout & Fleiss (1979): items as targets,
//!   subtasks as fixed raters, from the two-way ANOVA mean squares
//!   ICC = (MSR − MSE) / (MSR + (k − 1)·MSE), with the F-based interval of
//!   Shrout & Fleiss (1979, Table 4; as in pingouin's `intraclass_corr`). A correlation
//!   near 0 supports independence; a positive one means items that are hard on one
//!   subtask are hard on the others, so the product underestimates the joint rate.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use super::interval::{binomial_interval, CiMethod};
use crate::ingest::items::JointCounts;

/// The check for one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndependenceCheck {
    pub model: String,
    pub params: f64,
    pub task: String,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
    pub subtasks: usize,
    /// Items seen, and those with every subtask (the check's n).
    pub items: u64,
    pub complete_items: u64,
    /// Items with every subtask correct / complete items.
    pub joint_rate: f64,
    /// Exact (Clopper–Pearson) interval of the joint rate; `None` for graded scores.
    pub joint_ci: Option<(f64, f64)>,
    /// Π of the subtask rates over the complete items.
    pub independence_prediction: f64,
    /// joint_rate / independence_prediction (`None` when the prediction is 0).
    pub ratio: Option<f64>,
    /// Whether the prediction lies inside the joint rate's interval.
    pub prediction_in_ci: Option<bool>,
    /// ICC(3,1) and its interval; `None` with a note when it is undefined.
    pub icc: Option<f64>,
    pub icc_ci: Option<(f64, f64)>,
    pub note: Option<String>,
}

/// Runs the check for every model of an item-level input.
/// Ordered by (task, family, metric, shots) and then by size.
pub fn check_all(joint: &[JointCounts], level: f64) -> Vec<IndependenceCheck> {
    let mut checks: Vec<IndependenceCheck> =
        joint.iter().filter(|j| j.complete > 0).map(|j| check(j, level)).collect();
    checks.sort_by(|a, b| {
        (&a.task, &a.family, &a.metric, &a.shots)
            .cmp(&(&b.task, &b.family, &b.metric, &b.shots))
            .then(a.params.total_cmp(&b.params))
            .then(a.model.cmp(&b.model))
    });
    checks
}

pub fn check(j: &JointCounts, level: f64) -> IndependenceCheck {
    let n = j.complete as f64;
    let k = j.subtasks.len();
    let joint_rate = j.joint_sum / n;
    let prediction: f64 = j.subtasks.iter().map(|s| s.sum / n).product();
    let joint_ci =
        if j.binary { binomial_interval(CiMethod::ClopperPearson, j.joint_sum, n, level) } else { None };
    let mut notes = Vec::new();
    if !j.binary {
        notes.push("outcomes are graded scores: the joint score is each item's lowest, and no exact interval applies");
    }
    let icc = icc3(j);
    let (icc, icc_ci) = match icc {
        Ok(Icc { value, f, df1, df2 }) => (Some(value), icc_interval(f, df1, df2, k as f64, level)),
        Err(why) => {
            notes.push(why);
            (None, None)
        }
    };
    IndependenceCheck {
        model: j.key.model.clone(),
        params: j.key.params,
        task: j.key.task.clone(),
        family: j.key.family.clone(),
        metric: j.key.metric.clone(),
        shots: j.key.shots.clone(),
        subtasks: k,
        items: j.items,
        complete_items: j.complete,
        joint_rate,
        joint_ci,
        independence_prediction: prediction,
        ratio: (prediction > 0.0).then(|| joint_rate / prediction),
        prediction_in_ci: joint_ci.map(|(lo, hi)| lo <= prediction && prediction <= hi),
        icc,
        icc_ci,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

struct Icc {
    value: f64,
    /// F = MSR / MSE and its degrees of freedom.
    f: f64,
    df1: f64,
    df2: f64,
}

/// ICC(3,1) from the sufficient sums over the complete items (n items × k subtasks):
/// Σx², Σ_i R_i² (row sums), C_j (column sums).
fn icc3(j: &JointCounts) -> Result<Icc, &'static str> {
    let n = j.complete as f64;
    let k = j.subtasks.len() as f64;
    if j.subtasks.len() < 2 {
        return Err("the intra-class correlation needs at least two subtasks");
    }
    if j.complete < 2 {
        return Err("the intra-class correlation needs at least two complete items");
    }
    let total: f64 = j.subtasks.iter().map(|s| s.sum).sum();
    let correction = total * total / (n * k);
    let ss_total = j.sq_sum - correction;
    let ss_rows = j.row_sq_sum / k - correction;
    let ss_cols = j.subtasks.iter().map(|s| s.sum * s.sum).sum::<f64>() / n - correction;
    let ss_err = ss_total - ss_rows - ss_cols;
    let df1 = n - 1.0;
    let df2 = (n - 1.0) * (k - 1.0);
    let msr = ss_rows / df1;
    let mse = ss_err / df2;
    // Rounding can leave tiny negative sums of squares where the true value is 0.
    let scale = j.sq_sum.max(1.0) * 1e-12;
    if mse <= scale || msr < -scale {
        return Err("every item has the same outcome pattern across subtasks; the correlation is undefined");
    }
    let msr = msr.max(0.0);
    Ok(Icc { value: (msr - mse) / (msr + (k - 1.0) * mse), f: msr / mse, df1, df2 })
}

/// Shrout & Fleiss's interval: F_L = F / F*(1 − α/2; df1, df2), F_U = F · F*(1 − α/2; df2, df1),
/// bounds (F_L − 1)/(F_L + k − 1) and (F_U − 1)/(F_U + k − 1).
fn icc_interval(f: f64, df1: f64, df2: f64, k: f64, level: f64) -> Option<(f64, f64)> {
    let q = 1.0 - (1.0 - level) / 2.0;
    let lower_f = f / f_quantile(q, df1, df2)?;
    let upper_f = f * f_quantile(q, df2, df1)?;
    Some(((lower_f - 1.0) / (lower_f + k - 1.0), (upper_f - 1.0) / (upper_f + k - 1.0)))
}

/// The q quantile of F(d1, d2), by bisection on log x over statrs's CDF (statrs's own
/// inverse goes through a Beta inverse that can fail to converge at extreme degrees of
/// freedom).
fn f_quantile(q: f64, d1: f64, d2: f64) -> Option<f64> {
    let dist = FisherSnedecor::new(d1, d2).ok()?;
    let (mut lo, mut hi) = (-30.0f64, 30.0f64);
    if dist.cdf(lo.exp()) > q || dist.cdf(hi.exp()) < q {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if dist.cdf(mid.exp()) < q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-14 {
            break;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::items::SubtaskSum;
    use crate::ingest::record::RunKey;

    /// Joint counts from an explicit n × k matrix of outcomes.
    fn counts(rows: &[&[f64]]) -> JointCounts {
        let k = rows[0].len();
        let subtasks = (0..k)
            .map(|j| SubtaskSum { subtask: format!("s{j}"), sum: rows.iter().map(|r| r[j]).sum() })
            .collect();
        JointCounts {
            key: RunKey {
                model: "m".into(),
                params: 1e9,
                task: "t".into(),
                family: "f".into(),
                metric: "accuracy".into(),
                shots: None,
            },
            items: rows.len() as u64,
            complete: rows.len() as u64,
            subtasks,
            joint_sum: rows.iter().map(|r| r.iter().cloned().fold(1.0, f64::min)).sum(),
            row_sq_sum: rows.iter().map(|r| r.iter().sum::<f64>().powi(2)).sum(),
            sq_sum: rows.iter().flat_map(|r| r.iter()).map(|x| x * x).sum(),
            binary: rows.iter().flat_map(|r| r.iter()).all(|&x| x == 0.0 || x == 1.0),
            patterns: None,
        }
    }

    #[test]
    fn icc3_matches_pingouin_on_shrout_fleiss_table() {
        // Shrout & Fleiss (1979) Table 2: 6 targets rated by 4 judges; the paper gives
        // ICC(3,1) = 0.71. tests/reference/independence_reference.py (pingouin 0.7.0
        // ICC(C,1) = 0.7148407148; the interval by the same formulas in scipy 1.17.1,
        // which pingouin rounds to [0.34, 0.95]).
        let data: [&[f64]; 6] = [
            &[9.0, 2.0, 5.0, 8.0],
            &[6.0, 1.0, 3.0, 2.0],
            &[8.0, 4.0, 6.0, 8.0],
            &[7.0, 1.0, 2.0, 6.0],
            &[10.0, 5.0, 6.0, 9.0],
            &[6.0, 2.0, 4.0, 7.0],
        ];
        let c = counts(&data);
        let icc = icc3(&c).unwrap();
        assert!((icc.value - 0.714840715).abs() < 1e-9, "{}", icc.value);
        let (lo, hi) = icc_interval(icc.f, icc.df1, icc.df2, 4.0, 0.95).unwrap();
        assert!((lo - 0.342464765).abs() < 1e-8 && (hi - 0.945858260).abs() < 1e-8, "{lo} {hi}");
    }

    #[test]
    fn seeded_correlated_matrix_matches_pingouin_and_statsmodels() {
        // tests/data/independence_400x5.csv: 400 items × 5 subtasks drawn by numpy with
        // ρ = 0.3 (tests/reference/independence_reference.py). pingouin: ICC(C,1) =
        // 0.315584130 [0.27, 0.37] (formula interval 0.269045813, 0.365087243); 59 of 400
        // items all correct, prediction 0.031014453164, statsmodels Clopper–Pearson
        // 95% [0.114218084489, 0.186101843213].
        let text = include_str!("../../tests/data/independence_400x5.csv");
        let rows: Vec<Vec<f64>> =
            text.lines().map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let r = check(&counts(&refs), 0.95);
        assert!((r.icc.unwrap() - 0.315584130).abs() < 1e-9);
        let (lo, hi) = r.icc_ci.unwrap();
        assert!((lo - 0.269045813).abs() < 1e-8 && (hi - 0.365087243).abs() < 1e-8, "{lo} {hi}");
        assert_eq!(r.joint_rate, 59.0 / 400.0);
        assert!((r.independence_prediction - 0.031014453164).abs() < 1e-12);
        let (lo, hi) = r.joint_ci.unwrap();
        assert!((lo - 0.114218084489).abs() < 1e-10 && (hi - 0.186101843213).abs() < 1e-10);
        assert_eq!(r.prediction_in_ci, Some(false));
    }

    #[test]
    fn independent_looking_items_give_a_matching_prediction() {
        // 4 items × 2 subtasks, by hand: subtask rates 1/2 and 1/2, prediction 1/4;
        // joint: only item 0 has both → 1/4.
        let c = counts(&[&[1.0, 1.0], &[1.0, 0.0], &[0.0, 1.0], &[0.0, 0.0]]);
        let r = check(&c, 0.95);
        assert_eq!(r.joint_rate, 0.25);
        assert_eq!(r.independence_prediction, 0.25);
        assert_eq!(r.ratio, Some(1.0));
        assert_eq!(r.prediction_in_ci, Some(true));
        // Row sums 2,1,1,0: the two-way ANOVA gives MSR = 1/3, MSE = 1/3, ICC = 0;
        // the reference script's interval is ±0.878339448.
        assert!(r.icc.unwrap().abs() < 1e-12);
        let (lo, hi) = r.icc_ci.unwrap();
        assert!((lo + 0.878339448).abs() < 1e-8 && (hi - 0.878339448).abs() < 1e-8);
    }

    #[test]
    fn identical_patterns_leave_the_correlation_undefined() {
        let c = counts(&[&[1.0, 1.0], &[1.0, 1.0]]);
        let r = check(&c, 0.95);
        assert_eq!(r.icc, None);
        assert!(r.note.unwrap().contains("undefined"));
    }

    #[test]
    fn f_quantile_matches_scipy() {
        // scipy 1.17.1 stats.f.ppf (tests/reference/independence_reference.py).
        assert!((f_quantile(0.975, 5.0, 15.0).unwrap() - 3.576415349).abs() < 1e-8);
        assert!((f_quantile(0.975, 15.0, 5.0).unwrap() - 6.427728167).abs() < 1e-8);
        assert!((f_quantile(0.975, 399.0, 1596.0).unwrap() - 1.163755131).abs() < 1e-8);
    }
}
