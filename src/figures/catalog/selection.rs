//! Finding series in a report: by group, by name, by kind; their end values and
//! emergence scores as the notes quote them.

use anyhow::{bail, Context};

use crate::analyze::{Series, SeriesKind};
use crate::report::Report;

/// Series of `report` in the group with this task and family (and shots, when given).
pub(super) fn series_of<'a>(
    report: &'a Report,
    task: &str,
    family: &str,
    shots: Option<&str>,
) -> Vec<&'a Series> {
    report
        .analysis
        .series
        .iter()
        .filter(|s| {
            s.key.task == task
                && s.key.family == family
                && shots.is_none_or(|x| s.key.shots.as_deref() == Some(x))
        })
        .collect()
}

pub(super) fn named<'a>(series: &[&'a Series], name: &str) -> anyhow::Result<&'a Series> {
    series.iter().copied().find(|s| s.name == name).with_context(|| format!("no series {name:?}"))
}

pub(super) fn of_kind<'a>(series: &[&'a Series], kind: SeriesKind) -> Vec<&'a Series> {
    series.iter().copied().filter(|s| s.kind == kind).collect()
}

pub(super) fn ends(s: &Series) -> anyhow::Result<(f64, f64)> {
    match (s.points.first(), s.points.last()) {
        (Some(a), Some(b)) => Ok((a.value, b.value)),
        _ => bail!("series {} has no points", s.name),
    }
}

pub(super) fn score(s: &Series) -> String {
    s.emergence_score.map_or_else(|| "none".into(), |v| format!("{v:.1}"))
}
