//! Analyze: the third pipeline stage. Turns each group's grid into series (one per
//! subtask, task-level score and compound) and measures each: emergence score, gain
//! from the smallest to the largest model, and, for the strict product, the
//! per-subtask rate it implies.

mod emergence;

pub use emergence::{emergence_score, emergence_score_at, NoScore};

use crate::compose::{Cell, Composition, Group, GroupKey, Operator};
use crate::units::fmt_params;
use crate::warnings::Warning;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeriesKind {
    Subtask,
    Compound,
    Task,
}

impl SeriesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesKind::Subtask => "subtask",
            SeriesKind::Compound => "compound",
            SeriesKind::Task => "task",
        }
    }
}

/// The name given to task-level series (rows with an empty subtask).
pub const TASK_LEVEL_NAME: &str = "task-level";

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub model: String,
    pub params: f64,
    pub value: f64,
    /// For the `all` compound: P^(1/k), the per-subtask rate that composes to P.
    pub implied_subtask_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub key: GroupKey,
    pub kind: SeriesKind,
    /// Subtask name, `task-level`, or the compose operator as written.
    pub name: String,
    /// For compounds: how many subtasks were composed.
    pub subtasks_composed: Option<usize>,
    pub higher_is_better: bool,
    /// Whether values are rates in [0, 1].
    pub is_rate: bool,
    /// Ordered by parameter count.
    pub points: Vec<Point>,
    pub emergence_score: Option<f64>,
    pub emergence_score_note: Option<String>,
    /// Last minus first value (largest minus smallest model).
    pub gain_abs: Option<f64>,
    /// Last over first value, minus one; none when the first value is 0.
    pub gain_rel: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Analysis {
    pub groups: Vec<Group>,
    pub series: Vec<Series>,
    pub warnings: Vec<Warning>,
}

impl Analysis {
    /// The series of one group, in output order.
    pub fn series_of<'a>(&'a self, key: &'a GroupKey) -> impl Iterator<Item = &'a Series> + 'a {
        self.series.iter().filter(move |s| &s.key == key)
    }
}

/// Measures every series of every group.
pub fn analyze(composition: Composition) -> Analysis {
    let mut warnings = composition.warnings;
    let mut series = Vec::new();
    for g in &composition.groups {
        let sizes = distinct_sizes(g);
        if sizes < 2 {
            warnings.push(Warning::new(
                "one-model-size",
                format!(
                    "{}: only one model size ({}); emergence scores need at least two",
                    g.key,
                    g.models.first().map_or_else(String::new, |m| fmt_params(m.params))
                ),
            ));
        }
        for (name, row) in g.subtasks.iter().zip(&g.cells) {
            series.push(measure(g, SeriesKind::Subtask, name, None, true, true, cell_values(row), None));
        }
        if let Some(row) = &g.task_level {
            series.push(measure(
                g,
                SeriesKind::Task,
                TASK_LEVEL_NAME,
                None,
                true,
                true,
                cell_values(row),
                None,
            ));
        }
        for c in &g.compounds {
            let k = g.subtasks.len();
            series.push(measure(
                g,
                SeriesKind::Compound,
                c.operator.name(),
                Some(k),
                c.operator.higher_is_better(),
                c.operator.is_rate(),
                c.values.clone(),
                Some((&c.operator, k)),
            ));
        }
    }
    Analysis { groups: composition.groups, series, warnings }
}

fn distinct_sizes(g: &Group) -> usize {
    let mut sizes: Vec<f64> = g.models.iter().map(|m| m.params).collect();
    sizes.dedup();
    sizes.len()
}

fn cell_values(row: &[Option<Cell>]) -> Vec<Option<f64>> {
    row.iter().map(|c| c.as_ref().map(|c| c.value)).collect()
}

#[allow(clippy::too_many_arguments)]
fn measure(
    g: &Group,
    kind: SeriesKind,
    name: &str,
    subtasks_composed: Option<usize>,
    higher_is_better: bool,
    is_rate: bool,
    values: Vec<Option<f64>>,
    operator: Option<(&Operator, usize)>,
) -> Series {
    let points: Vec<Point> = g
        .models
        .iter()
        .zip(values)
        .filter_map(|(m, v)| {
            let value = v?;
            let implied_subtask_rate = match operator {
                Some((op, k)) if op.is_strict_product() => Some(value.powf(1.0 / k as f64)),
                _ => None,
            };
            Some(Point { model: m.name.clone(), params: m.params, value, implied_subtask_rate })
        })
        .collect();
    let y: Vec<f64> = points.iter().map(|p| p.value).collect();
    let sizes: Vec<f64> = points.iter().map(|p| p.params).collect();
    let (emergence_score, emergence_score_note) = match emergence_score_at(&sizes, &y) {
        Ok(s) => (Some(s), None),
        Err(why) => (None, Some(why.to_string())),
    };
    let (gain_abs, gain_rel) = match (y.first(), y.last()) {
        (Some(&a), Some(&b)) if y.len() >= 2 => (Some(b - a), (a != 0.0).then(|| b / a - 1.0)),
        _ => (None, None),
    };
    Series {
        key: g.key.clone(),
        kind,
        name: name.to_string(),
        subtasks_composed,
        higher_is_better,
        is_rate,
        points,
        emergence_score,
        emergence_score_note,
        gain_abs,
        gain_rel,
    }
}
