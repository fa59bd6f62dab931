//! Compose: the second pipeline stage. Groups observations into (task, family, metric,
//! shots) groups, lays them out as a subtask × model grid, and applies each `--compose`
//! operator to every model that has all of the group's subtasks.

mod kernels;
mod operator;

use std::collections::HashMap;

pub use kernels::{all_correlated, all_of, any_of, at_least, edit_distance, exact_match, geomean};
pub use operator::{ComposeError, Operator, OperatorKind, OPERATOR_HELP};

use crate::ingest::{Dataset, Observation};
use crate::warnings::Warning;

/// What identifies a group of comparable scores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub task: String,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
}

impl std::fmt::Display for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {:?} (family {}, metric {}", self.task, self.family, self.metric)?;
        if let Some(s) = &self.shots {
            write!(f, ", {s} shots")?;
        }
        f.write_str(")")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub params: f64,
    /// Training compute, when the input has a `flops` column for this model.
    pub flops: Option<f64>,
}

/// One observed score with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: f64,
    pub n: Option<u64>,
    pub correct: Option<u64>,
    pub line: u64,
}

/// A compound series: one value per model of the group, `None` where a subtask is missing
/// or the operator does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    pub operator: Operator,
    pub values: Vec<Option<f64>>,
}

/// A task's scores laid out as a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: GroupKey,
    /// Ordered by parameter count, then name.
    pub models: Vec<Model>,
    /// In order of first appearance in the input.
    pub subtasks: Vec<String>,
    /// `cells[s][m]`: subtask `s`, model `m`.
    pub cells: Vec<Vec<Option<Cell>>>,
    /// Task-level scores (rows with an empty subtask), one per model, if any.
    pub task_level: Option<Vec<Option<Cell>>>,
    pub compounds: Vec<Compound>,
    /// What the input says about the metric on this task.
    pub meta: TaskMeta,
}

/// What the input says about a metric on a task (ingest checks that its rows agree).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TaskMeta {
    /// The `higher_is_better` column (or lm-evaluation-harness' own); None: not stated.
    pub higher_is_better: Option<bool>,
    /// The `chance` column (or 1/choices from lm-evaluation-harness); None: not stated.
    pub chance: Option<f64>,
}

impl Group {
    /// Whether larger values of the group's metric are better: as the input says, else yes.
    pub fn higher_is_better(&self) -> bool {
        self.meta.higher_is_better.unwrap_or(true)
    }

    /// The chance level of the group's rates, the floor of their logistic trends: the
    /// input's, else `fallback` (`--chance`). None for a lower-is-better metric, which
    /// falls toward its best value rather than rising from chance.
    pub fn chance(&self, fallback: Option<f64>) -> Option<f64> {
        if self.higher_is_better() {
            self.meta.chance.or(fallback)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct Composition {
    pub groups: Vec<Group>,
    pub warnings: Vec<Warning>,
}

/// Composes every group of the dataset with each operator.
pub fn compose(dataset: &Dataset, operators: &[Operator]) -> Composition {
    let mut warnings = Vec::new();
    let groups = group(&dataset.observations)
        .into_iter()
        .map(|mut g| {
            g.compounds = compose_group(&g, operators, &mut warnings);
            g
        })
        .collect();
    Composition { groups, warnings }
}

/// Groups observations, keeping the input's order of first appearance for groups
/// and subtasks so output follows the user's file.
fn group(observations: &[Observation]) -> Vec<Group> {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut members: HashMap<GroupKey, Vec<&Observation>> = HashMap::new();
    for o in observations {
        let key = GroupKey {
            task: o.key.task.clone(),
            family: o.key.family.clone(),
            metric: o.key.metric.clone(),
            shots: o.key.shots.clone(),
        };
        members
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(o);
    }
    order
        .into_iter()
        .map(|key| {
            let rows = &members[&key];
            let mut models: Vec<Model> = Vec::new();
            let mut subtasks: Vec<String> = Vec::new();
            for o in rows {
                match models.iter_mut().find(|m| m.name == o.key.model) {
                    Some(m) => m.flops = m.flops.or(o.flops),
                    None => {
                        models.push(Model { name: o.key.model.clone(), params: o.key.params, flops: o.flops })
                    }
                }
                if let Some(s) = &o.subtask {
                    if !subtasks.contains(s) {
                        subtasks.push(s.clone());
                    }
                }
            }
            models.sort_by(|a, b| a.params.total_cmp(&b.params).then_with(|| a.name.cmp(&b.name)));
            let model_index: HashMap<&str, usize> =
                models.iter().enumerate().map(|(i, m)| (m.name.as_str(), i)).collect();
            let subtask_index: HashMap<&str, usize> =
                subtasks.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
            let mut cells = vec![vec![None; models.len()]; subtasks.len()];
            let mut task_level: Option<Vec<Option<Cell>>> = None;
            for o in rows {
                let cell = Cell { value: o.score, n: o.n, correct: o.correct, line: o.line };
                let m = model_index[o.key.model.as_str()];
                match &o.subtask {
                    Some(s) => cells[subtask_index[s.as_str()]][m] = Some(cell),
                    None => task_level.get_or_insert_with(|| vec![None; models.len()])[m] = Some(cell),
                }
            }
            let meta = TaskMeta {
                higher_is_better: rows.iter().find_map(|o| o.higher_is_better),
                chance: rows.iter().find_map(|o| o.chance),
            };
            Group { key, models, subtasks, cells, task_level, compounds: Vec::new(), meta }
        })
        .collect()
}

fn compose_group(g: &Group, operators: &[Operator], warnings: &mut Vec<Warning>) -> Vec<Compound> {
    if g.subtasks.is_empty() {
        return Vec::new();
    }
    // Each model's subtask rates, or the subtasks it lacks.
    let rates: Vec<Result<Vec<f64>, Vec<&str>>> = (0..g.models.len())
        .map(|m| {
            let missing: Vec<&str> = g
                .subtasks
                .iter()
                .zip(&g.cells)
                .filter(|(_, row)| row[m].is_none())
                .map(|(s, _)| s.as_str())
                .collect();
            if missing.is_empty() {
                Ok(g.cells.iter().map(|row| row[m].as_ref().map_or(0.0, |c| c.value)).collect())
            } else {
                Err(missing)
            }
        })
        .collect();
    for (model, r) in g.models.iter().zip(&rates) {
        if let Err(missing) = r {
            if missing.len() < g.subtasks.len() {
                warnings.push(Warning::new(
                    "missing-cells",
                    format!(
                        "{}: model {:?} has no score for subtask {}; it gets no compound value",
                        g.key,
                        model.name,
                        missing.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    operators
        .iter()
        .map(|op| {
            if !g.higher_is_better() && !composes_lower_is_better(op) {
                warnings.push(Warning::new(
                    "operator-not-applicable",
                    format!(
                        "{}: the metric is lower-is-better (higher_is_better false in the input), and {} composes \
                         rates where higher is better; only mean and geomean compose lower-is-better subtasks; \
                         no {} values",
                        g.key,
                        op.name(),
                        op.name()
                    ),
                ));
                return Compound { operator: op.clone(), values: vec![None; g.models.len()] };
            }
            let mut refused = None;
            let values = rates
                .iter()
                .map(|r| match r {
                    Ok(p) => match op.apply(p) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            refused = Some(e);
                            None
                        }
                    },
                    Err(_) => None,
                })
                .collect();
            if let Some(e) = refused {
                warnings.push(Warning::new(
                    "operator-not-applicable",
                    format!("{}: {e}; no {} values", g.key, op.name()),
                ));
            }
            Compound { operator: op.clone(), values }
        })
        .collect()
}

/// Whether an operator means the same for a metric where lower is better: averages do;
/// products, at-least-K, exact match, edit distance and the minimum read their inputs as
/// rates of success.
fn composes_lower_is_better(op: &Operator) -> bool {
    matches!(op.kind(), OperatorKind::Mean | OperatorKind::GeoMean)
}
