//! What the format readers produce before validation: scores, item outcomes and the
//! cells of tidy rows, with the file and line they came from. The readers for
//! lm-evaluation-harness, BIG-bench, wide and tidy tables each turn their format into
//! these; `dataset.rs` validates them into [`super::Observation`]s (scores, rows) or
//! aggregates them (items), and accounts for every record read.

use std::collections::HashMap;

use super::Role;

/// Who was evaluated on what, as a run's records and aggregates are keyed: the model,
/// its size (`P`: as a reader finds it, the text as written while item rows are read,
/// then the count), the task, the model family (`F`: as a reader finds it, then with its
/// default), the metric and the shots. Ordered field by field, in this order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey<P, F = String> {
    pub model: String,
    pub params: P,
    pub task: String,
    pub family: F,
    pub metric: String,
    pub shots: Option<String>,
}

/// A record's key as its reader found it: the size and the family when the file (or the
/// model name) states them.
pub type RecordKey = RunKey<Option<f64>, Option<String>>;

impl<P, F> RunKey<P, F> {
    /// The same key with the size `params`.
    pub fn with_params<Q>(self, params: Q) -> RunKey<Q, F> {
        let RunKey { model, task, family, metric, shots, .. } = self;
        RunKey { model, params, task, family, metric, shots }
    }
}

/// One score read from a results file: a (model, task[, subtask], metric[, shots]) cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRecord {
    /// The file as it should appear in messages.
    pub file: String,
    /// 1-based line where the score is written (for JSON: the line of its key).
    pub line: u64,
    /// 1-based column where one exists (CSV field number, JSON column of the key).
    pub column: Option<usize>,
    /// The size is the total parameters when the file states them or the model name
    /// carries them.
    pub key: RecordKey,
    /// `None` for a task-level score.
    pub subtask: Option<String>,
    /// As written in the file: a fraction, unless the reader knows otherwise.
    pub score: f64,
    /// Standard error as reported; `None` when missing, `"N/A"` or 0.
    pub stderr: Option<f64>,
    /// Items behind the score, when the file says.
    pub n: Option<u64>,
    /// Whether larger values of the metric are better, when the file says.
    pub higher_is_better: Option<bool>,
    /// The task's chance level for this metric, when the file says (1/choices).
    pub chance: Option<f64>,
}

/// One item's outcome on one subtask for one model (item-level data).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub file: String,
    pub line: u64,
    pub key: RecordKey,
    pub subtask: String,
    /// The key items are joined on across subtasks (`doc_id`, or `--join-on`).
    pub item: String,
    /// 0/1, or a score in [0, 1].
    pub correct: f64,
}

/// One row of a tidy table as written: each role's cell, trimmed and decoded, before
/// any of it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// In the order of `Role::ALL`; `None` when the table has no such column.
    cells: [Option<String>; Role::ALL.len()],
}

impl TableRow {
    pub fn new(line: u64) -> Self {
        TableRow { line, cells: Default::default() }
    }

    pub fn set(&mut self, role: Role, cell: String) {
        self.cells[role as usize] = Some(cell);
    }

    /// The cells, in the order of `Role::ALL`.
    pub fn into_cells(self) -> [Option<String>; Role::ALL.len()] {
        self.cells
    }
}

/// Where each role's column of a table is, and its header as written, for messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    /// 0-based field index of each role's column.
    pub fields: HashMap<Role, usize>,
    pub headers: Vec<String>,
}

impl Columns {
    /// The 1-based column number of the role's column, if the table has one.
    pub fn number(&self, role: Role) -> Option<usize> {
        self.fields.get(&role).map(|i| i + 1)
    }

    /// The role's header as written, or the role's name when the table has no such column.
    pub fn header(&self, role: Role) -> &str {
        self.fields.get(&role).map_or(role.name(), |&i| self.headers[i].as_str())
    }
}

/// Something wrong in an input, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: u64,
    pub column: Option<usize>,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Problem {
    pub fn new(file: &str, line: u64, column: Option<usize>, message: impl Into<String>) -> Problem {
        Problem { file: file.to_string(), line, column, message: message.into() }
    }
}

/// A record that was read and deliberately not used (not an error), with the reason:
/// for example a perplexity, which is not a rate in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// Everything one reader got out of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    /// Records read but not used, with why.
    pub skipped: Vec<Skipped>,
    /// Records the reader could not read; with `--on-error skip` they are dropped and
    /// listed, otherwise the run fails listing them.
    pub problems: Vec<Problem>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed { records: Vec::new(), skipped: Vec::new(), problems: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row keeps each role's cell at `role as usize`, which must be the role's place in
    /// `Role::ALL` for `into_cells` to hand them back in that order.
    #[test]
    fn every_role_is_at_its_place_in_all() {
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(role as usize, i, "{role}");
        }
        let mut row = TableRow::new(2);
        row.set(Role::Chance, "0.25".into());
        assert_eq!(row.into_cells()[13].as_deref(), Some("0.25"));
    }
}
