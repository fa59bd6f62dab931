//! The rule every reader keeps, written once: one row per (model, task, subtask, metric,
//! shots), and one size per model. Each reader words what breaks it in its own terms
//! (a line of a table, a key of a JSON file, the first row of an item-level file).

use std::collections::HashMap;

use super::Observation;

/// What identifies a row: (model, task, subtask, metric, shots).
pub type RowKey<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<&'a str>);

impl Observation {
    /// The (model, task, subtask, metric, shots) of which an input holds one row.
    pub(crate) fn row_key(&self) -> RowKey<'_> {
        (
            self.key.model.as_str(),
            self.key.task.as_str(),
            self.subtask.as_deref(),
            self.key.metric.as_str(),
            self.key.shots.as_deref(),
        )
    }
}

/// The first row of each key, and where it was (`P`: a line, a file and line, ...).
pub struct OneRow<'a, P> {
    first: HashMap<RowKey<'a>, P>,
}

impl<'a, P> OneRow<'a, P> {
    pub fn new() -> Self {
        OneRow { first: HashMap::new() }
    }

    /// Where the first row with `o`'s key was, if one was noted.
    pub fn first(&self, o: &'a Observation) -> Option<&P> {
        self.first.get(&o.row_key())
    }

    /// Notes `o` at `at`, unless its key already has a first row.
    pub fn note(&mut self, o: &'a Observation, at: P) {
        self.first.entry(o.row_key()).or_insert(at);
    }
}

/// The first size of each model, and where it was.
pub struct OneSize<'a, P> {
    first: HashMap<&'a str, (f64, P)>,
}

impl<'a, P> OneSize<'a, P> {
    pub fn new() -> Self {
        OneSize { first: HashMap::new() }
    }

    /// The model's first size and where, when it is not `size` (NaN is never equal);
    /// a model seen for the first time is noted with `size` at `at`.
    pub fn other(&mut self, model: &'a str, size: f64, at: P) -> Option<&(f64, P)> {
        if !self.first.contains_key(model) {
            self.first.insert(model, (size, at));
            return None;
        }
        self.first.get(model).filter(|first| first.0 != size)
    }
}
