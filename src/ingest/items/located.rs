//! The located path: one scan that finds invalid and repeated rows with their places,
//! then the aggregation of the rows kept.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::*;
use crate::ingest::clip;

/// The canonical lazy frame: one column per role, defaults filled in, a row index.
pub(super) struct Scan {
    pub(super) base: LazyFrame,
}

/// The validity of a row, as a polars expression over the canonical columns.
pub(super) fn invalid_row() -> Expr {
    let empty = |c: &str| col(c).is_null().or(col(c).eq(lit("")));
    empty("model")
        .or(empty("params"))
        .or(empty("subtask"))
        .or(empty("item"))
        .or(col("correct").is_null())
        .or(col("correct").is_nan())
        .or(col("correct").lt(lit(0.0)))
        .or(col("correct").gt(lit(1.0)))
}

/// What one pass over the rows found.
pub(super) struct Checked {
    pub(super) rows: u64,
    /// Invalid rows: row index and their raw cells, for messages.
    pub(super) invalid: DataFrame,
    /// Repeated (key, subtask, item) rows after their first: row index, first row index.
    pub(super) repeats: Vec<(u32, u32)>,
}

impl Scan {
    /// `lenient`: cut rows with too many fields and replace bytes that are not UTF-8 (the
    /// rows are then dropped by index) instead of failing the scan.
    pub(super) fn new(
        source: &ItemSource,
        columns: &ItemColumns,
        default_task: &str,
        lenient: bool,
    ) -> PolarsResult<Scan> {
        let raw = match source {
            ItemSource::Csv { path, delimiter } => {
                // Every column as text: values are validated and converted here, so that
                // a bad cell is reported with its row instead of failing the scan.
                LazyCsvReader::new(PlRefPath::new(path.as_str()))
                    .with_has_header(true)
                    .with_separator(*delimiter)
                    .with_infer_schema_length(Some(0))
                    .with_missing_is_null(true)
                    .with_truncate_ragged_lines(lenient)
                    .with_encoding(if lenient { CsvEncoding::LossyUtf8 } else { CsvEncoding::Utf8 })
                    .finish()?
            }
            ItemSource::Parquet { path } => {
                LazyFrame::scan_parquet(PlRefPath::new(path.as_str()), Default::default())?
            }
            ItemSource::Records(records) => records_frame(records)?.lazy(),
        };
        let text = |name: &str| col(name).cast(DataType::String);
        let optional = |name: &Option<String>, default: Option<&str>, alias: &str| match (name, default) {
            (Some(h), Some(d)) => text(h).fill_null(lit(d.to_string())).alias(alias),
            (Some(h), None) => text(h).alias(alias),
            (None, Some(d)) => lit(d.to_string()).alias(alias),
            (None, None) => lit(NULL).cast(DataType::String).alias(alias),
        };
        let base = raw.with_row_index(ROW, None).select([
            col(ROW),
            text(&columns.model).alias("model"),
            text(&columns.params).alias("params"),
            optional(&columns.task, Some(default_task), "task"),
            optional(&columns.family, Some("all"), "family"),
            optional(&columns.metric, Some("accuracy"), "metric"),
            optional(&columns.shots, None, "shots"),
            text(&columns.subtask).alias("subtask"),
            text(&columns.item).alias("item"),
            text(&columns.correct).alias("correct_text"),
            text(&columns.correct).cast(DataType::Float64).alias("correct"),
        ]);
        Ok(Scan { base })
    }

    pub(super) fn key_cols() -> Vec<Expr> {
        KEYS.iter().map(|k| col(*k)).collect()
    }

    /// One pass: row count, invalid rows, and items with a repeated subtask.
    pub(super) fn check(&self) -> PolarsResult<Checked> {
        let count = self.base.clone().select([len().alias("rows")]);
        let invalid = self.base.clone().filter(invalid_row()).select([
            col(ROW),
            col("model"),
            col("params"),
            col("subtask"),
            col("item"),
            col("correct_text"),
        ]);
        let mut by = Self::key_cols();
        by.extend([col("item"), col("subtask")]);
        let repeated = self
            .base
            .clone()
            .filter(invalid_row().not())
            .group_by(by)
            .agg([len().alias("times")])
            .filter(col("times").gt(lit(1)))
            .select([len().alias("repeated")]);
        let frames = collect_all(vec![count, invalid, repeated])?;
        let rows = u64_at(&frames[0], "rows")?;
        let repeated = u64_at(&frames[2], "repeated")?;
        let repeats = if repeated > 0 { self.repeats()? } else { Vec::new() };
        Ok(Checked { rows, invalid: frames[1].clone(), repeats })
    }

    /// Every row that repeats an earlier row's (key, subtask, item), with that first row.
    pub(super) fn repeats(&self) -> PolarsResult<Vec<(u32, u32)>> {
        let mut by = Self::key_cols();
        by.extend([col("item"), col("subtask")]);
        let valid = self.base.clone().filter(invalid_row().not());
        let firsts = valid
            .clone()
            .group_by(by.clone())
            .agg([len().alias("times"), col(ROW).min().alias("first")])
            .filter(col("times").gt(lit(1)));
        let on: Vec<Expr> = by.clone();
        let rows = valid
            .join(firsts, on.clone(), on, inner_join())
            .filter(col(ROW).neq(col("first")))
            .select([col(ROW), col("first")])
            .sort([ROW], Default::default())
            .collect()?;
        let row = rows.column(ROW)?.u32()?.clone();
        let first = rows.column("first")?.u32()?.clone();
        Ok(row.into_no_null_iter().zip(first.into_no_null_iter()).collect())
    }

    /// The per-subtask rates and per-model joint counts, leaving out `drop` rows.
    pub(super) fn aggregate(&self, drop: &[u32]) -> PolarsResult<(Vec<RawRate>, Vec<RawJoint>)> {
        let mut rows = self.base.clone().filter(invalid_row().not());
        if !drop.is_empty() {
            let dropped = Series::new("drop".into(), drop.to_vec());
            rows = rows.filter(col(ROW).is_in(lit(dropped).implode(false), false).not());
        }
        let keys = Self::key_cols();
        let binary = col("correct").eq(lit(0.0)).or(col("correct").eq(lit(1.0)));
        let mut by_subtask = keys.clone();
        by_subtask.push(col("subtask"));
        let rates = rows
            .clone()
            .group_by(by_subtask)
            .agg([
                len().alias("n"),
                col("correct").sum().alias("sum"),
                binary.clone().not().sum().alias("graded"),
                col(ROW).min().alias("first"),
            ])
            .sort(["model", "task", "family", "metric", "shots", "subtask"], Default::default());
        let mut by_item = keys.clone();
        by_item.push(col("item"));
        let items = rows.clone().group_by(by_item).agg([
            len().alias("k"),
            col("correct").min().alias("joint"),
            col("correct").sum().alias("row_sum"),
            (col("correct") * col("correct")).sum().alias("sq_sum"),
        ]);
        let mut by_k = keys.clone();
        by_k.push(col("k"));
        let histogram = items
            .group_by(by_k)
            .agg([
                len().alias("items"),
                col("joint").sum().alias("joint_sum"),
                (col("row_sum") * col("row_sum")).sum().alias("row_sq_sum"),
                col("sq_sum").sum().alias("sq_sum"),
            ])
            .sort(["model", "task", "family", "metric", "shots", "k"], Default::default());
        let frames = collect_all(vec![rates, histogram])?;
        let rates = raw_rates(&frames[0])?;
        let mut joint = raw_joint(&frames[1], &rates)?;
        if let Some(names) = pattern_names(&rates) {
            let patterns = pattern_frame(rows.clone(), &keys, &names)?;
            attach_patterns(&mut joint, &patterns, &names, Spelling::Mask)?;
        }
        if joint.iter().any(|j| j.complete < j.items) {
            self.complete_item_sums(rows, &mut joint)?;
        }
        Ok((rates, joint))
    }

    /// Per-subtask sums over complete items only, for models where some items lack a
    /// subtask (otherwise the subtask sums over all items are the same thing).
    pub(super) fn complete_item_sums(&self, rows: LazyFrame, joint: &mut [RawJoint]) -> PolarsResult<()> {
        let keys = Self::key_cols();
        let mut by_item = keys.clone();
        by_item.push(col("item"));
        let subtasks_per_key =
            rows.clone().group_by(keys.clone()).agg([col("subtask").n_unique().alias("subtasks")]);
        let complete_items = rows
            .clone()
            .group_by(by_item.clone())
            .agg([len().alias("k")])
            .join(subtasks_per_key, keys.clone(), keys.clone(), inner_join())
            .filter(col("k").eq(col("subtasks").cast(DataType::UInt32)))
            .select(by_item.clone());
        let mut by_subtask = keys.clone();
        by_subtask.push(col("subtask"));
        let sums = rows
            .join(complete_items, by_item.clone(), by_item, inner_join())
            .group_by(by_subtask)
            .agg([col("correct").sum().alias("sum")])
            .sort(["model", "task", "family", "metric", "shots", "subtask"], Default::default())
            .collect()?;
        let lookup: HashMap<RunKey<String>, usize> =
            joint.iter().enumerate().map(|(i, j)| (j.key.clone(), i)).collect();
        for j in joint.iter_mut() {
            for s in j.subtasks.iter_mut() {
                s.sum = 0.0;
            }
        }
        let keys_of = run_keys(&sums)?;
        let subtask = sums.column("subtask")?.str()?.clone();
        let sum = sums.column("sum")?.f64()?.clone();
        for (i, key) in keys_of.into_iter().enumerate() {
            let (Some(&at), Some(name)) = (lookup.get(&key), subtask.get(i)) else { continue };
            if let Some(s) = joint[at].subtasks.iter_mut().find(|s| s.subtask == name) {
                s.sum = sum.get(i).unwrap_or(0.0);
            }
        }
        Ok(())
    }
}

impl Checked {
    pub(super) fn bad_rows(&self) -> Vec<u32> {
        let mut rows: BTreeSet<u32> = self.repeats.iter().map(|&(r, _)| r).collect();
        if let Ok(c) = self.invalid.column(ROW).and_then(|c| c.u32().cloned()) {
            rows.extend(c.into_no_null_iter());
        }
        rows.into_iter().collect()
    }

    /// Located messages for invalid and repeated rows.
    pub(super) fn problems(
        &self,
        source: &ItemSource,
        columns: &ItemColumns,
        file: &str,
    ) -> Vec<(u32, Problem)> {
        let mut out = Vec::new();
        let mut wanted: BTreeSet<u32> = BTreeSet::new();
        let cells = |name: &str| self.invalid.column(name).ok().and_then(|c| c.str().ok().cloned());
        let rows = self.invalid.column(ROW).ok().and_then(|c| c.u32().ok().cloned());
        let (model, params, subtask, item, correct) =
            (cells("model"), cells("params"), cells("subtask"), cells("item"), cells("correct_text"));
        let mut pending: Vec<(u32, &str, String)> = Vec::new();
        if let Some(rows) = &rows {
            for (i, row) in rows.into_no_null_iter().enumerate() {
                wanted.insert(row);
                fn get(c: &Option<StringChunked>, i: usize) -> &str {
                    c.as_ref().and_then(|c| c.get(i)).unwrap_or("")
                }
                let (header, message) = if get(&model, i).is_empty() {
                    (&columns.model, "the model name is empty".to_string())
                } else if get(&params, i).is_empty() {
                    (&columns.params, "the parameter count is empty".to_string())
                } else if get(&subtask, i).is_empty() {
                    (&columns.subtask, "the subtask is empty".to_string())
                } else if get(&item, i).is_empty() {
                    (&columns.item, "the item id is empty; give every row the id of its item".to_string())
                } else {
                    let text = get(&correct, i);
                    let message = if text.is_empty() {
                        "the outcome is empty; give 0/1 or a score in [0, 1]".to_string()
                    } else {
                        match text.trim().parse::<f64>() {
                            Ok(v) if v.is_finite() => {
                                format!("outcome {text} is outside [0, 1]; give 0/1 or a score in [0, 1]")
                            }
                            _ => format!(
                                "cannot parse {:?} as an outcome; give 0/1 or a score in [0, 1]{}",
                                clip(text),
                                number_hint(text).replace("; give a number such as 0.42", "")
                            ),
                        }
                    };
                    (&columns.correct, message)
                };
                pending.push((row, header.as_str(), message));
            }
        }
        for &(row, first) in &self.repeats {
            wanted.insert(row);
            wanted.insert(first);
        }
        let place = Placer::new(source, &wanted);
        for (row, header, message) in pending {
            let (line, column) = place.at(row, Some(header));
            let problem = match place.width_mismatch(row) {
                // A short row: polars fills the missing cells with nulls.
                Some((fields, width)) => Problem {
                    file: file.into(),
                    line,
                    column: None,
                    message: format!(
                        "row has {fields} fields but the header has {width}; check for an unquoted delimiter or a missing value"
                    ),
                },
                None => Problem { file: file.into(), line, column, message: format!("column {header:?}: {message}") },
            };
            out.push((row, problem));
        }
        for &(row, first) in &self.repeats {
            let (line, _) = place.at(row, None);
            let (first_line, _) = place.at(first, None);
            out.push((
                row,
                Problem {
                    file: file.into(),
                    line,
                    column: None,
                    message: format!(
                        "repeats the model, subtask and item of {} {first_line}; keep one row per item and subtask",
                        place.unit()
                    ),
                },
            ));
        }
        out
    }
}
