//! Which groups get charts (`--charts all|flagged|none`). A corpus of thousands of series
//! would otherwise write thousands of charts nobody opens; `flagged` (the default) draws
//! the groups worth a look, in this order of priority:
//!
//! 1. groups whose verdict found something: `emergent`, `not-smooth`, `departs`,
//!    `metric-artefact` (a `--pair` answer of metric artefact or persists counts too);
//! 2. the [`TOP_ABRUPT`] groups with the highest normalised emergence score of any of
//!    their series (ties by input order);
//!
//! each list ordered by that score, until [`MAX_GROUPS`] groups are drawn or the next one
//! would take the run past [`MAX_CHARTS`] charts per image format. A drawn group's task
//! gets its families chart when it has at most [`MAX_FAMILY_PANELS`] families, for at
//! most [`MAX_FAMILIES_CHARTS`] tasks. `report.html` lists every group, drawn or not.

use crate::analyze::artefact::ArtefactOutcome;
use crate::analyze::Outcome;
use crate::report::Report;

/// Which charts `emerge analyze` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChartSelection {
    /// Every group's charts and the run-level charts.
    All,
    /// The run-level charts and the groups worth a look (see `--help`).
    #[default]
    Flagged,
    /// No charts.
    None,
}

impl ChartSelection {
    pub fn name(self) -> &'static str {
        match self {
            ChartSelection::All => "all",
            ChartSelection::Flagged => "flagged",
            ChartSelection::None => "none",
        }
    }
}

/// Groups with the highest normalised emergence score drawn besides the verdicts' findings.
pub const TOP_ABRUPT: usize = 10;
/// At most this many groups are drawn under `flagged`.
pub const MAX_GROUPS: usize = 20;
/// Group and families charts per image format under `flagged` (the emergence-score chart
/// comes on top): with summary.json, series.csv, series.parquet and report.html, a run
/// in one format writes at most 105 files.
pub const MAX_CHARTS: usize = 100;
/// Under `flagged`, a task's families chart (one panel per family, drawn with the task's
/// first drawn group) only for tasks of at most this many families: 47 panels are neither
/// readable nor small (about 100 KB of PNG per panel).
pub const MAX_FAMILY_PANELS: usize = 12;
/// Under `flagged`, at most this many families charts.
pub const MAX_FAMILIES_CHARTS: usize = 5;

/// Why a group is worth a look, when it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// The verdict's outcome, as summary.json spells it.
    Verdict(&'static str),
    /// Rank among the groups by normalised emergence score (1 = most abrupt).
    Abrupt(usize),
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flag::Verdict(outcome) => write!(f, "verdict {outcome}"),
            Flag::Abrupt(rank) => write!(f, "#{rank} by normalised emergence score"),
        }
    }
}

/// The highest normalised emergence score among a group's series, per group.
pub fn group_abruptness(report: &Report) -> Vec<Option<f64>> {
    let index: std::collections::HashMap<_, usize> =
        report.analysis.groups.iter().enumerate().map(|(i, g)| (&g.key, i)).collect();
    let mut best: Vec<Option<f64>> = vec![None; report.analysis.groups.len()];
    for s in &report.analysis.series {
        let (Some(&i), Some(v)) = (index.get(&s.key), s.emergence_score_normalized) else { continue };
        if v.is_finite() && best[i].is_none_or(|b| v > b) {
            best[i] = Some(v);
        }
    }
    best
}

/// The verdict outcome that flags a group, if any: a finding of any question.
fn verdict_flag(report: &Report, group: usize) -> Option<&'static str> {
    let key = &report.analysis.groups[group].key;
    let v = report.analysis.verdicts.iter().find(|v| &v.key == key)?;
    let artefact = v.artefact.iter().flatten().map(|q| q.outcome);
    match v.outcome {
        Outcome::Emergent => Some("emergent"),
        Outcome::NotSmooth => Some("not-smooth"),
        Outcome::Departs => Some("departs"),
        Outcome::MetricArtefact => Some("metric-artefact"),
        _ => artefact.into_iter().find_map(|o| match o {
            ArtefactOutcome::MetricArtefact => Some("metric-artefact"),
            ArtefactOutcome::Persists => Some("emergent"),
            _ => None,
        }),
    }
}

/// Every group's flag, if it has one, in group order.
pub fn flags(report: &Report) -> Vec<Option<Flag>> {
    let n = report.analysis.groups.len();
    let score = group_abruptness(report);
    let mut flags: Vec<Option<Flag>> = (0..n).map(|g| verdict_flag(report, g).map(Flag::Verdict)).collect();
    for (rank, g) in by_score(&score, 0..n).into_iter().take(TOP_ABRUPT).enumerate() {
        if flags[g].is_none() && score[g].is_some() {
            flags[g] = Some(Flag::Abrupt(rank + 1));
        }
    }
    flags
}

/// `groups` by descending score, unscored last, ties in input order.
fn by_score(score: &[Option<f64>], groups: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut order: Vec<usize> = groups.collect();
    order.sort_by(|&a, &b| match (score[a], score[b]) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.cmp(&b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(&b),
    });
    order
}

/// The flagged groups in the order they are considered for drawing: verdict findings
/// first, then the most abrupt, each by descending score.
pub fn priority(report: &Report, flags: &[Option<Flag>]) -> Vec<usize> {
    let score = group_abruptness(report);
    let of = |verdict: bool| {
        (0..flags.len())
            .filter(move |&g| matches!(flags[g], Some(Flag::Verdict(_))) == verdict && flags[g].is_some())
    };
    let mut order = by_score(&score, of(true));
    order.extend(by_score(&score, of(false)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_order_descending_with_unscored_last_and_ties_in_input_order() {
        let score = [Some(1.0), None, Some(3.0), Some(1.0), Some(f64::INFINITY)];
        assert_eq!(by_score(&score, 0..5), [4, 2, 0, 3, 1]);
    }

    #[test]
    fn flags_read_like_the_report() {
        assert_eq!(Flag::Verdict("emergent").to_string(), "verdict emergent");
        assert_eq!(Flag::Abrupt(3).to_string(), "#3 by normalised emergence score");
    }
}
