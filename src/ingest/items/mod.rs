//! Item-level data: one row per (model, subtask, item) with the item's outcome.
//!
//! Files are read through a polars lazy scan (CSV/TSV or Parquet) and aggregated
//! without materialising the rows:
//! - per subtask: items, Σ correct (→ the subtask's rate, with counts);
//! - per item: how many subtasks it has, Σ and minimum of its outcomes (→ the joint
//!   outcome: an item of the compound task succeeds when all its subtasks succeed on
//!   it; for graded scores the compound score is the weakest subtask's);
//! - per model, from the items: the joint rate and the sums the intra-class
//!   correlation needs (see `analyze::independence`).
//!
//! Nothing is dropped quietly. Invalid rows and repeated (model, subtask, item) rows
//! are found by the same scan; with `--on-error fail` they fail the run with their
//! lines, with `--on-error skip` they are listed and left out. Items that lack one of
//! their task's subtasks have no joint outcome: they count for their subtasks' rates,
//! and the joint rate says how many items it rests on.

use std::collections::BTreeSet;

use polars::prelude::*;

mod fast;
mod frames;
mod located;
mod place;
mod sizes;

use fast::*;
use frames::*;
use located::*;
use place::*;
use sizes::*;

use super::record::{ItemRecord, Problem, RunKey};
use super::text::LineIndex;
use super::{number_hint, parse_params, OnError};

/// Stands for the first row's place in a message until rows are turned into lines.
pub(super) const FIRST_PLACE: &str = "<first row>";

/// Canonical column names inside the lazy queries.
pub(super) const ROW: &str = "__row";
pub(super) const KEYS: [&str; 6] = ["model", "params", "task", "family", "metric", "shots"];

/// Where each role lives in the input (header names as written).
#[derive(Debug, Clone)]
pub struct ItemColumns {
    pub model: String,
    pub params: String,
    pub subtask: String,
    pub item: String,
    pub correct: String,
    pub task: Option<String>,
    pub family: Option<String>,
    pub metric: Option<String>,
    pub shots: Option<String>,
}

/// How the rows reach polars.
#[derive(Debug, Clone)]
pub enum ItemSource {
    Csv {
        path: String,
        delimiter: u8,
    },
    Parquet {
        path: String,
    },
    /// Rows already parsed by another reader (lm-evaluation-harness sample logs).
    Records(Vec<ItemRecord>),
}

/// One subtask's counts over a model's complete items.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtaskSum {
    pub subtask: String,
    /// Σ correct over the complete items.
    pub sum: f64,
}

/// Everything the independence check needs for one (model, task, family, metric, shots).
#[derive(Debug, Clone, PartialEq)]
pub struct JointCounts {
    pub key: RunKey<f64>,
    /// Distinct items seen.
    pub items: u64,
    /// Items with every one of the task's subtasks (the joint outcome's n).
    pub complete: u64,
    /// Per subtask, over the complete items, sorted by name.
    pub subtasks: Vec<SubtaskSum>,
    /// Σ over complete items of their lowest outcome: the number of all-correct items
    /// when outcomes are 0/1 (for graded scores, the weakest subtask's score).
    pub joint_sum: f64,
    /// Σ over complete items of (Σ_j x_ij)².
    pub row_sq_sum: f64,
    /// Σ over complete items of Σ_j x_ij².
    pub sq_sum: f64,
    /// Every outcome is 0 or 1.
    pub binary: bool,
    /// The complete items counted per pattern of outcomes, for drawing items whole
    /// (`analyze::bootstrap`). None for graded scores or more than 64 subtasks.
    pub patterns: Option<Vec<Pattern>>,
}

/// Complete items that have the same outcome on every subtask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Bit j: subtask j of [`JointCounts::subtasks`] is correct.
    pub correct: u64,
    pub items: u64,
}

/// One subtask's rate for one model, over all its items.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtaskRate {
    pub key: RunKey<f64>,
    pub subtask: String,
    pub n: u64,
    pub sum: f64,
    pub binary: bool,
}

/// The aggregated content of an item-level input.
#[derive(Debug, Clone, Default)]
pub struct ItemData {
    pub rates: Vec<SubtaskRate>,
    pub joint: Vec<JointCounts>,
    pub rows_read: u64,
    pub rows_used: u64,
    /// Rows left out (`--on-error skip`), or the run's errors (`fail`).
    pub problems: Vec<Problem>,
}

/// Reads and aggregates item-level rows.
pub fn read_items(
    source: ItemSource,
    columns: &ItemColumns,
    default_task: &str,
    on_error: OnError,
) -> Result<ItemData, Vec<Problem>> {
    let shown = match &source {
        ItemSource::Csv { path, .. } | ItemSource::Parquet { path } => path.clone(),
        ItemSource::Records(r) => r.first().map(|r| r.file.clone()).unwrap_or_default(),
    };
    let whole = |message: String| vec![Problem { file: shown.clone(), line: 0, column: None, message }];
    // Clean files take one typed pass; anything it cannot vouch for (a cell that does not
    // parse, an invalid or repeated row, a bad parameter count) goes the located way below.
    if let Ok(Some(data)) = fast_path(&source, columns, default_task) {
        return Ok(data);
    }
    let mut scan = Scan::new(&source, columns, default_task, false).map_err(|e| whole(polars_message(&e)))?;
    // Records the csv crate cannot read (too many fields, bytes that are not UTF-8): polars
    // stops at the first without saying where, so the file is searched for all of them.
    let mut malformed: Vec<(u32, Problem)> = Vec::new();
    let checked = match scan.check() {
        Ok(c) => c,
        Err(e) => {
            let ItemSource::Csv { path, delimiter } = &source else { return Err(whole(polars_message(&e))) };
            malformed = find_malformed_csv(path, *delimiter);
            if malformed.is_empty() {
                return Err(whole(polars_message(&e)));
            }
            if on_error == OnError::Fail {
                return Err(malformed.into_iter().map(|(_, p)| p).collect());
            }
            scan = Scan::new(&source, columns, default_task, true).map_err(|e| whole(polars_message(&e)))?;
            scan.check().map_err(|e| whole(polars_message(&e)))?
        }
    };
    let bad: BTreeSet<u32> = malformed.iter().map(|(row, _)| *row).collect();
    let mut problems: Vec<Problem> = malformed.into_iter().map(|(_, p)| p).collect();
    problems.extend(
        checked
            .problems(&source, columns, &shown)
            .into_iter()
            .filter(|(row, _)| !bad.contains(row))
            .map(|(_, p)| p),
    );
    if !problems.is_empty() && on_error == OnError::Fail {
        problems.sort_by_key(|p| (p.line, p.column));
        return Err(problems);
    }
    let mut drop: BTreeSet<u32> = checked.bad_rows().into_iter().collect();
    drop.extend(bad);
    let drop: Vec<u32> = drop.into_iter().collect();
    let (rates, joint) = scan.aggregate(&drop).map_err(|e| whole(polars_message(&e)))?;
    let (rates, joint, params_problems) = resolve_params(rates, joint);
    if !params_problems.is_empty() {
        // Parameter counts are per model, not per row: they cannot be skipped row by row.
        let wanted: BTreeSet<u32> =
            params_problems.iter().flat_map(|(row, first, _)| [*row, *first]).collect();
        let place = Placer::new(&source, &wanted);
        return Err(params_problems
            .into_iter()
            .map(|(row, first, message)| {
                let (line, column) = place.at(row, Some(&columns.params));
                let message =
                    message.replace(FIRST_PLACE, &format!("{} {}", place.unit(), place.at(first, None).0));
                Problem {
                    file: shown.clone(),
                    line,
                    column,
                    message: format!("column {:?}: {message}", columns.params),
                }
            })
            .collect());
    }
    problems.sort_by_key(|p| (p.line, p.column));
    let rows_used = checked.rows - drop.len() as u64;
    Ok(ItemData { rates, joint, rows_read: checked.rows, rows_used, problems })
}

pub(super) fn polars_message(e: &PolarsError) -> String {
    format!("cannot read the item-level data: {e}")
}

/// Parsed item records as a data frame with the canonical column names.
pub(super) fn records_frame(records: &[ItemRecord]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&ItemRecord) -> String| -> Vec<String> { records.iter().map(f).collect() };
    DataFrame::new(
        records.len(),
        vec![
            Column::new("model".into(), text(&|r| r.key.model.clone())),
            Column::new(
                "params".into(),
                records.iter().map(|r| r.key.params.map(|p| format!("{p}"))).collect::<Vec<Option<String>>>(),
            ),
            Column::new("task".into(), text(&|r| r.key.task.clone())),
            Column::new(
                "family".into(),
                records.iter().map(|r| r.key.family.clone()).collect::<Vec<Option<String>>>(),
            ),
            Column::new("metric".into(), text(&|r| r.key.metric.clone())),
            Column::new(
                "shots".into(),
                records.iter().map(|r| r.key.shots.clone()).collect::<Vec<Option<String>>>(),
            ),
            Column::new("subtask".into(), text(&|r| r.subtask.clone())),
            Column::new("item".into(), text(&|r| r.item.clone())),
            Column::new("correct".into(), records.iter().map(|r| r.correct).collect::<Vec<f64>>()),
        ],
    )
}

/// The canonical column names of [`records_frame`], for [`read_items`].
pub fn record_columns() -> ItemColumns {
    ItemColumns {
        model: "model".into(),
        params: "params".into(),
        subtask: "subtask".into(),
        item: "item".into(),
        correct: "correct".into(),
        task: Some("task".into()),
        family: Some("family".into()),
        metric: Some("metric".into()),
        shots: Some("shots".into()),
    }
}

#[cfg(test)]
mod tests {
    //! The one pass against the general two queries on the same files: both must find the
    //! same rates and joint counts, or the one pass must hand the file on.

    use std::collections::BTreeMap;

    use super::*;

    /// (model, params, subtask, item, correct), one task.
    type Row = (&'static str, &'static str, String, String, f64);

    fn file_of(rows: &[Row]) -> tempfile::NamedTempFile {
        let mut text = String::from("model,params,task,subtask,item,correct\n");
        for (model, params, subtask, item, correct) in rows {
            text.push_str(&format!("{model},{params},t,{subtask},{item},{correct}\n"));
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    fn projection(file: &tempfile::NamedTempFile) -> Projection {
        let source = ItemSource::Csv { path: file.path().to_str().unwrap().to_string(), delimiter: b',' };
        let columns = ItemColumns {
            task: Some("task".into()),
            family: None,
            metric: None,
            shots: None,
            ..record_columns()
        };
        Projection::new(&source, &columns, "default").unwrap().unwrap()
    }

    /// Rates and joint counts, as `fast_path` derives them.
    fn resolved(found: Aggregated) -> (u64, Vec<SubtaskRate>, Vec<JointCounts>) {
        let Aggregated::Clean(rows, rates, histogram, _) = found else {
            panic!("expected a clean aggregate")
        };
        let rates = raw_rates(&rates).unwrap();
        let joint = raw_joint(&histogram, &rates).unwrap();
        let (rates, joint, problems) = resolve_params(rates, joint);
        assert!(problems.is_empty());
        (rows, rates, joint)
    }

    fn subtask(j: usize) -> String {
        format!("s{j:02}")
    }

    /// 20 subtasks (two packed columns), two models, items that lack subtasks.
    fn twenty_subtasks() -> Vec<Row> {
        let mut rows = Vec::new();
        for (m, (model, params)) in [("a", "1e9"), ("b", "7B")].into_iter().enumerate() {
            for item in 0..40 {
                for j in 0..20 {
                    if (item + j + m) % 7 == 0 {
                        continue; // this item lacks this subtask
                    }
                    let correct = if (item * 31 + j * 17 + m * 5) % 10 < 6 { 1.0 } else { 0.0 };
                    rows.push((model, params, subtask(j), format!("{item}"), correct));
                }
            }
        }
        rows
    }

    fn names() -> Vec<String> {
        (0..20).map(subtask).collect()
    }

    #[test]
    fn one_pass_finds_what_the_general_queries_find() {
        let rows = twenty_subtasks();
        let file = file_of(&rows);
        let p = projection(&file);
        let fast = resolved(one_pass(&p, &names()).unwrap().expect("the one pass takes this file"));
        let general = resolved(two_queries(&p).unwrap());
        assert_eq!(fast, general);
        assert_eq!(fast.0, rows.len() as u64);
        assert_eq!(fast.1.len(), 40, "20 subtasks × 2 models");
        assert!(fast.2.iter().all(|j| j.complete < j.items), "some items lack a subtask");
    }

    #[test]
    fn one_pass_sends_repeats_to_be_located() {
        for times in [2, 3] {
            let mut rows = twenty_subtasks();
            let first = rows[0].clone();
            rows.extend(std::iter::repeat_n(first, times - 1));
            let file = file_of(&rows);
            let found = one_pass(&projection(&file), &names()).unwrap();
            assert!(matches!(found, Some(Aggregated::NeedsLocating)), "{times} rows of one subtask");
        }
    }

    #[test]
    fn one_pass_hands_on_what_it_cannot_count() {
        // Four rows of one subtask in one item carry into the next field; graded scores,
        // an unknown subtask and an invalid row add nothing to the packed counts.
        let mut carry = twenty_subtasks();
        let first = carry[0].clone();
        carry.extend(std::iter::repeat_n(first, 3));
        let mut graded = twenty_subtasks();
        graded[5].4 = 0.5;
        let mut unknown = twenty_subtasks();
        unknown[7].2 = "late".into();
        let mut invalid = twenty_subtasks();
        invalid[9].3 = String::new();
        for (what, rows) in [("carry", carry), ("graded", graded), ("unknown", unknown), ("invalid", invalid)]
        {
            let file = file_of(&rows);
            let p = projection(&file);
            assert!(one_pass(&p, &names()).unwrap().is_none(), "{what}");
            let general = two_queries(&p).unwrap();
            match what {
                "carry" | "invalid" => assert!(matches!(general, Aggregated::NeedsLocating), "{what}"),
                _ => assert!(matches!(general, Aggregated::Clean(..)), "{what}"),
            }
        }
    }

    #[test]
    fn one_pass_counts_items_per_outcome_pattern() {
        // 20 subtasks, every item complete: the fast path's patterns against a count made
        // here from the rows (bit t is the t-th subtask in name order).
        let mut rows = Vec::new();
        let mut want: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); 2];
        for (m, (model, params)) in [("a", "1e9"), ("b", "7B")].into_iter().enumerate() {
            for item in 0..60 {
                let mut pattern = 0u64;
                for j in 0..20 {
                    let correct = (item * 31 + j * 17 + m * 5) % 10 < 6 || item % 9 == 0;
                    pattern |= u64::from(correct) << j;
                    rows.push((model, params, subtask(j), format!("{item}"), f64::from(u8::from(correct))));
                }
                *want[m].entry(pattern).or_default() += 1;
            }
        }
        let file = file_of(&rows);
        let source = ItemSource::Csv { path: file.path().to_str().unwrap().to_string(), delimiter: b',' };
        let columns = ItemColumns { task: None, family: None, metric: None, shots: None, ..record_columns() };
        let data = fast_path(&source, &columns, "default").unwrap().expect("a clean file");
        assert_eq!(data.joint.len(), 2);
        for (j, want) in data.joint.iter().zip(want) {
            let want: Vec<Pattern> =
                want.into_iter().map(|(correct, items)| Pattern { correct, items }).collect();
            assert_eq!(j.patterns.as_ref(), Some(&want), "model {}", j.key.model);
        }
        // The located path (here: a row to skip) counts them with a query of its own.
        let mut bad = rows.clone();
        bad.push(("a", "1e9", subtask(0), String::new(), 1.0));
        let file = file_of(&bad);
        let source = ItemSource::Csv { path: file.path().to_str().unwrap().to_string(), delimiter: b',' };
        let located = read_items(source, &columns, "default", OnError::Skip).expect("skips the bad row");
        assert_eq!(located.problems.len(), 1);
        assert_eq!(
            located.joint.iter().map(|j| j.patterns.clone()).collect::<Vec<_>>(),
            data.joint.iter().map(|j| j.patterns.clone()).collect::<Vec<_>>()
        );
    }
}
