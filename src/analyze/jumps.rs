//! Question 1 of the verdict: does a subtask itself jump?
//!
//! Every subtask and task-level series of a group with item counts gets the break test of
//! [`super::breaks`]: a logit-linear trend in log N (with the chance floor) against the same
//! trend with one jump or one change of slope between two sizes, sup-LR over where, p-value
//! by a parametric bootstrap that refits both models in every replicate. p-values are
//! adjusted by Benjamini–Hochberg within each declared family ([`FdrFamily`]); a group is
//! "emergent" where one of its series breaks upward at the adjusted level. A group whose
//! series are all smooth at that level gets "no evidence", with the test's power to see a
//! +10-point jump at the two largest sizes, computed at each series' own sizes and counts.

use rayon::prelude::*;

use super::bootstrap::cell_n;
use super::breaks::{break_test, BreakData, BreakKind, BreakOptions, BreakTest};
use super::fit::{data_problem, FitSpec, ModelKind, Observations};
use super::multitest::adjust_in_families;
use super::options::FdrFamily;
use super::AnalyzeOptions;
use crate::compose::{Cell, Group, GroupKey};

/// A smooth trend within this share of (1 − floor) of the floor at every size sits on the
/// floor: its slope is not identified, and neither is a break of it.
const FLOOR_BAND: f64 = 1e-4;

/// What the question concluded for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JumpOutcome {
    /// A series rises more abruptly than any smooth trend allows.
    Emergent,
    /// A series breaks, but downward (it falls at some size).
    NotSmooth,
    /// No series rejects a smooth trend at the adjusted level.
    NoEvidence,
    /// No series of the group could be tested.
    Insufficient,
}

/// One series' test.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesJump {
    /// The subtask, or `None` for the task-level row.
    pub subtask: Option<String>,
    pub test: Result<BreakTest, String>,
    pub p_adjusted: Option<f64>,
    /// Names of the models on either side of the strongest break (several models of one
    /// size are joined with "/").
    pub between: Option<(String, String)>,
}

impl SeriesJump {
    fn name(&self) -> String {
        match &self.subtask {
            Some(s) => format!("subtask {s:?}"),
            None => "the task-level score".to_string(),
        }
    }
}

/// The answer for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct JumpQuestion {
    pub outcome: JumpOutcome,
    pub text: String,
    pub series: Vec<SeriesJump>,
    /// Index into `series` of the strongest evidence (smallest adjusted p).
    pub strongest: Option<usize>,
    /// The lowest power over the tested series (no-evidence outcomes only).
    pub power: Option<f64>,
}

/// Question 1 for every group, index-aligned with `groups`.
pub fn judge_all(groups: &[&Group], o: &AnalyzeOptions) -> Vec<JumpQuestion> {
    let mut tested: Vec<Vec<SeriesJump>> = groups.par_iter().map(|g| test_group(g, o)).collect();
    adjust(groups, &mut tested, o.fdr_family);
    let alpha = o.alpha();
    groups.par_iter().zip(tested).map(|(g, series)| conclude(g, series, o, alpha)).collect()
}

/// The options every series is tested with.
fn break_options(g: &Group, o: &AnalyzeOptions, power: bool) -> BreakOptions {
    BreakOptions {
        chance: g.chance(o.chance).unwrap_or(0.0),
        alpha: o.alpha(),
        power,
        ..BreakOptions::default()
    }
}

fn test_group(g: &Group, o: &AnalyzeOptions) -> Vec<SeriesJump> {
    let rows = g.subtasks.iter().zip(&g.cells).map(|(s, row)| (Some(s.clone()), row));
    let task = g.task_level.iter().map(|row| (None, row));
    rows.chain(task)
        .map(|(subtask, row)| {
            let seed = series_seed(o.seed, &g.key, subtask.as_deref());
            let tested = series_data(g, row, o).and_then(|(data, names)| {
                let t = break_test(&data, &break_options(g, o, false), seed).map_err(|e| e.to_string())?;
                let floor = g.chance(o.chance).unwrap_or(0.0);
                if t.null_fit.rates.iter().all(|&r| r - floor < FLOOR_BAND * (1.0 - floor)) {
                    return Err(format!(
                        "the smooth trend lies on the chance floor {floor} at every size (scores at or below \
                         chance): there is no rise to break"
                    ));
                }
                let (a, b) = t.strongest.between;
                Ok((t, (names[a].clone(), names[b].clone())))
            });
            let (test, between) = match tested {
                Ok((t, between)) => (Ok(t), Some(between)),
                Err(why) => (Err(why), None),
            };
            SeriesJump { subtask, test, p_adjusted: None, between }
        })
        .collect()
}

/// One series' cells as (log10 size, items, correct, model), sorted by size.
fn points<'g>(g: &'g Group, row: &[Option<Cell>], o: &AnalyzeOptions) -> Result<Vec<Point<'g>>, String> {
    let mut points: Vec<Point> = Vec::new();
    for (m, cell) in row.iter().enumerate() {
        let Some(c) = cell else { continue };
        let model = &g.models[m];
        let x = o
            .x_axis
            .log10_of(model.params, model.flops)
            .ok_or_else(|| format!("model {:?} has no flops value", model.name))?;
        let n = cell_n(c, o.n_items).ok_or("no item counts: add n (and correct) columns or give --n")?;
        let k = c.correct.unwrap_or_else(|| (c.value * n as f64).round() as u64);
        points.push((x, n, k, &model.name));
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(points)
}

type Point<'g> = (f64, u64, u64, &'g str);

/// The counts of `points`, and the model names at each of their (distinct, sorted) sizes.
fn counts(points: &[Point]) -> Result<(BreakData, Vec<String>), String> {
    let x: Vec<f64> = points.iter().map(|p| p.0).collect();
    let n: Vec<u64> = points.iter().map(|p| p.1).collect();
    let k: Vec<u64> = points.iter().map(|p| p.2).collect();
    let data = BreakData::new(&x, &n, &k).map_err(|e| e.to_string())?;
    let names = data
        .log10_sizes()
        .iter()
        .map(|&xi| points.iter().filter(|p| p.0 == xi).map(|p| p.3).collect::<Vec<_>>().join("/"))
        .collect();
    Ok((data, names))
}

/// One series' counts, and the model names at each of its (distinct, sorted) sizes.
pub(super) fn series_counts(
    g: &Group,
    row: &[Option<Cell>],
    o: &AnalyzeOptions,
) -> Result<(BreakData, Vec<String>), String> {
    counts(&points(g, row, o)?)
}

/// [`series_counts`] of a series the break test can judge: the trend is a logistic above
/// the floor, and data it cannot reach are not a break.
fn series_data(
    g: &Group,
    row: &[Option<Cell>],
    o: &AnalyzeOptions,
) -> Result<(BreakData, Vec<String>), String> {
    if !g.higher_is_better() {
        return Err(super::composition::LOWER_IS_BETTER.into());
    }
    let points = points(g, row, o)?;
    let spec = FitSpec {
        kind: ModelKind::Logistic,
        floor: g.chance(o.chance).unwrap_or(0.0),
        higher_is_better: true,
        is_rate: true,
    };
    let x: Vec<f64> = points.iter().map(|p| p.0).collect();
    let y: Vec<f64> = points.iter().map(|p| p.2 as f64 / p.1 as f64).collect();
    let trials: Vec<f64> = points.iter().map(|p| p.1 as f64).collect();
    if let Some(problem) = data_problem(&spec, &Observations { x: &x, y: &y, n: Some(&trials) }) {
        return Err(problem);
    }
    counts(&points)
}

/// A seed for one series from the run's seed and the series' identity alone, so that
/// a series' test does not depend on what else the input holds (FNV-1a 64 of the key).
pub(super) fn series_seed(seed: u64, key: &GroupKey, subtask: Option<&str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = [
        key.task.as_str(),
        key.family.as_str(),
        key.metric.as_str(),
        key.shots.as_deref().unwrap_or("\u{1}"),
        subtask.unwrap_or("\u{1}"),
    ];
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    seed ^ h
}

/// Benjamini–Hochberg within each declared family, over every series tested.
fn adjust(groups: &[&Group], tested: &mut [Vec<SeriesJump>], family: FdrFamily) {
    let tests: Vec<Option<(&str, f64)>> = groups
        .iter()
        .zip(tested.iter())
        .flat_map(|(g, series)| {
            series.iter().map(|s| s.test.as_ref().ok().map(|t| (g.key.task.as_str(), t.p_value)))
        })
        .collect();
    let mut adjusted = adjust_in_families(&tests, family).into_iter();
    for s in tested.iter_mut().flatten() {
        s.p_adjusted = adjusted.next().flatten();
    }
}

fn conclude(g: &Group, mut series: Vec<SeriesJump>, o: &AnalyzeOptions, alpha: f64) -> JumpQuestion {
    let strongest = series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.p_adjusted.map(|q| (i, q, s.test.as_ref().map_or(0.0, |t| t.statistic))))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(i, _, _)| i);
    let Some(best) = strongest else {
        let why = series
            .iter()
            .find_map(|s| s.test.as_ref().err().map(|e| format!("{}: {e}", s.name())))
            .unwrap_or_else(|| "no subtask or task-level series".to_string());
        return JumpQuestion {
            outcome: JumpOutcome::Insufficient,
            text: format!("insufficient data: {why}"),
            series,
            strongest: None,
            power: None,
        };
    };
    let s = &series[best];
    let (t, q) = (s.test.as_ref().expect("tested"), s.p_adjusted.expect("adjusted"));
    if q < alpha {
        let (a, b) = s.between.clone().unwrap_or_default();
        let rises = t.strongest.delta > 0.0;
        let how = match (t.strongest.kind, rises) {
            (BreakKind::Jump, true) => "jumps up",
            (BreakKind::Jump, false) => "drops",
            (BreakKind::Hinge, true) => "starts rising faster",
            (BreakKind::Hinge, false) => "starts rising slower",
        };
        let (outcome, lead) =
            if rises { (JumpOutcome::Emergent, "emergent") } else { (JumpOutcome::NotSmooth, "not smooth") };
        let text = format!(
            "{lead}: {} {how} between {a} and {b} ({:.0}% → {:.0}%; p = {}, adjusted {})",
            s.name(),
            100.0 * t.strongest.before,
            100.0 * t.strongest.after,
            p_text(t.p_value),
            p_text(q)
        );
        return JumpQuestion { outcome, text, series, strongest: Some(best), power: None };
    }
    // No evidence: how likely a +10-point jump at the two largest sizes would have been seen.
    let with_power = break_options(g, o, true);
    let mut power: Option<f64> = None;
    for s in series.iter_mut() {
        let Ok(t) = &s.test else { continue };
        let seed = series_seed(o.seed, &g.key, s.subtask.as_deref());
        if let Ok((data, _)) = rows_for(g, s.subtask.as_deref()).and_then(|row| series_data(g, row, o)) {
            if let Ok(again) = break_test(&data, &with_power, seed) {
                debug_assert_eq!(again.p_value, t.p_value);
                let p = again.power.as_ref().map(|e| e.power);
                power = match (power, p) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                s.test = Ok(again);
            }
        }
    }
    let mut powers: Vec<f64> =
        series.iter().filter_map(|s| s.test.as_ref().ok()?.power.as_ref().map(|e| e.power)).collect();
    powers.sort_by(f64::total_cmp);
    let power_text = match (powers.first(), powers.len()) {
        (None, _) => "power not available".to_string(),
        (Some(&p), 1) => {
            format!("power {:.0}% to detect a +10-point jump at the two largest sizes", 100.0 * p)
        }
        (Some(&lowest), len) => format!(
            "power to detect a +10-point jump at the two largest sizes: median {:.0}%, lowest {:.0}%",
            100.0 * powers[len / 2],
            100.0 * lowest
        ),
    };
    JumpQuestion {
        outcome: JumpOutcome::NoEvidence,
        text: format!(
            "no evidence of a jump in {} (smallest adjusted p = {}; {power_text})",
            if g.subtasks.is_empty() { "the task-level score" } else { "any subtask" },
            p_text(q)
        ),
        series,
        strongest: Some(best),
        power,
    }
}

/// The cells of the group's subtask `name` (`None`: the task-level row).
fn rows_for<'g>(g: &'g Group, subtask: Option<&str>) -> Result<&'g [Option<Cell>], String> {
    match subtask {
        Some(name) => g
            .subtasks
            .iter()
            .position(|s| s == name)
            .map(|i| g.cells[i].as_slice())
            .ok_or_else(|| format!("no subtask {name:?}")),
        None => g.task_level.as_deref().ok_or_else(|| "no task-level row".to_string()),
    }
}

pub(super) fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}
