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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::lines::LineIndex;
use super::record::{ItemRecord, Problem};
use super::{clip, number_hint, parse_params, OnError};

/// Stands for the first row's place in a message until rows are turned into lines.
const FIRST_PLACE: &str = "<first row>";

/// Canonical column names inside the lazy queries.
const ROW: &str = "__row";
const KEYS: [&str; 6] = ["model", "params", "task", "family", "metric", "shots"];

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
    pub model: String,
    pub params: f64,
    pub task: String,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
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
    pub model: String,
    pub params: f64,
    pub task: String,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
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

fn polars_message(e: &PolarsError) -> String {
    format!("cannot read the item-level data: {e}")
}

/// The typed projection the fast paths group: one column per role, defaults filled in.
struct Projection {
    base: LazyFrame,
    /// The key columns the file has (model, params, and any of task, family, metric, shots).
    keys: Vec<Expr>,
    /// Constant columns for the keys it lacks, added after grouping.
    missing: Vec<Expr>,
}

impl Projection {
    /// One typed scan, no row index: `None` for inputs that are not files.
    fn new(source: &ItemSource, columns: &ItemColumns, default_task: &str) -> PolarsResult<Option<Self>> {
        let raw = match source {
            ItemSource::Csv { path, delimiter } => {
                let schema =
                    Schema::from_iter([Field::new(columns.correct.as_str().into(), DataType::Float64)]);
                LazyCsvReader::new(PlRefPath::new(path.as_str()))
                    .with_has_header(true)
                    .with_separator(*delimiter)
                    .with_infer_schema_length(Some(0))
                    .with_dtype_overwrite(Some(Arc::new(schema)))
                    .with_missing_is_null(true)
                    .finish()?
            }
            ItemSource::Parquet { path } => {
                LazyFrame::scan_parquet(PlRefPath::new(path.as_str()), Default::default())?
            }
            ItemSource::Records(_) => return Ok(None),
        };
        let text = |name: &str| col(name).cast(DataType::String);
        let mut select = vec![text(&columns.model).alias("model"), text(&columns.params).alias("params")];
        let mut keys = vec![col("model"), col("params")];
        let mut missing: Vec<Expr> = Vec::new();
        for (name, default, alias) in [
            (&columns.task, Some(default_task), "task"),
            (&columns.family, Some("all"), "family"),
            (&columns.metric, Some("accuracy"), "metric"),
            (&columns.shots, None, "shots"),
        ] {
            match (name, default) {
                (Some(h), Some(d)) => select.push(text(h).fill_null(lit(d.to_string())).alias(alias)),
                (Some(h), None) => select.push(text(h).alias(alias)),
                (None, Some(d)) => missing.push(lit(d.to_string()).alias(alias)),
                (None, None) => missing.push(lit(NULL).cast(DataType::String).alias(alias)),
            }
            if name.is_some() {
                keys.push(col(alias));
            }
        }
        select.extend([
            text(&columns.subtask).alias("subtask"),
            text(&columns.item).alias("item"),
            col(&columns.correct).cast(DataType::Float64).alias("correct"),
        ]);
        Ok(Some(Projection { base: raw.select(select), keys, missing }))
    }

    fn keys_and(&self, extra: &str) -> Vec<Expr> {
        let mut keys = self.keys.clone();
        keys.push(col(extra));
        keys
    }
}

/// The common case of a clean file, without the located bookkeeping. `Ok(None)` when the
/// file needs the located path.
fn fast_path(
    source: &ItemSource,
    columns: &ItemColumns,
    default_task: &str,
) -> PolarsResult<Option<ItemData>> {
    let Some(projection) = Projection::new(source, columns, default_task)? else { return Ok(None) };
    let names = peek_subtasks(&projection)?;
    let found = if (1..=ONE_PASS_MAX_SUBTASKS).contains(&names.len()) {
        match one_pass(&projection, &names)? {
            Some(found) => found,
            // A subtask the first rows did not show, or graded scores: the general path.
            None => two_queries(&projection)?,
        }
    } else {
        two_queries(&projection)?
    };
    let Aggregated::Clean(rows, rates, histogram, patterns) = found else { return Ok(None) };
    let rates = raw_rates(&rates)?;
    let mut joint = raw_joint(&histogram, &rates)?;
    if joint.iter().any(|j| j.complete < j.items) {
        return Ok(None);
    }
    match (patterns, pattern_names(&rates)) {
        (Some(patterns), _) => {
            let patterns = patterns.lazy().with_columns(projection.missing.clone()).collect()?;
            attach_patterns(&mut joint, &patterns, &names, Spelling::Packed)?;
        }
        (None, Some(names)) => {
            let patterns = pattern_frame(projection.base.clone(), &projection.keys, &names)?;
            let patterns = patterns.lazy().with_columns(projection.missing.clone()).collect()?;
            attach_patterns(&mut joint, &patterns, &names, Spelling::Mask)?;
        }
        (None, None) => {}
    }
    let (rates, joint, problems) = resolve_params(rates, joint);
    if !problems.is_empty() {
        return Ok(None);
    }
    Ok(Some(ItemData { rates, joint, rows_read: rows, rows_used: rows, problems: Vec::new() }))
}

/// Subtasks the one-pass aggregation spells out, at most.
const ONE_PASS_MAX_SUBTASKS: usize = 32;

/// Subtasks per packed count column: two bits each, the highest starting at bit 30, so a
/// row contributes at most 2^30 and no sum over the at most 2^32 rows polars indexes can
/// overflow a u64.
const SUBTASKS_PER_PACK: usize = 16;

/// Rows read to learn the subtask names before the one pass.
const PEEK_ROWS: IdxSize = 100_000;

/// The distinct subtask names of the first rows, sorted.
fn peek_subtasks(projection: &Projection) -> PolarsResult<Vec<String>> {
    let peek = projection.base.clone().limit(PEEK_ROWS).select([col("subtask").unique()]);
    let df = collect_all_with(vec![peek], Engine::Streaming)?.remove(0);
    let mut names: Vec<String> = df.column("subtask")?.str()?.iter().flatten().map(str::to_string).collect();
    names.sort();
    Ok(names)
}

/// What a fast aggregation found.
enum Aggregated {
    /// Row count, per-subtask rates, the per-key histogram of subtasks per item, and
    /// (from the one pass) the items per (key, row count, packed counts).
    Clean(u64, DataFrame, DataFrame, Option<DataFrame>),
    /// A row is invalid or an item repeats a subtask: the located path says where.
    NeedsLocating,
}

/// One streamed pass that groups rows by item only, with three sums per item whatever the
/// number of subtasks: its row count, and two packed counts in which subtask j owns the
/// two bits at 2j (16 subtasks per u64 column): rows of subtask j, and correct rows of
/// subtask j. A valid row with a 0/1 score and one of the `names` adds 4^j to the first
/// (and to the second when correct); any other row adds nothing. Decoded per item, the
/// fields must add up to the row count: a field that reached 4 carried into the next and
/// lowered the total, as does a row that added nothing, so the check is exact, and an
/// item that repeats a subtask has a field above one. The items are then counted per
/// pattern (key, row count, packed counts), and the fields decoded on the patterns only. `Ok(None)` when a row added nothing or a field carried (a subtask
/// the first rows did not show, graded scores, an invalid row, or a subtask repeated four
/// times in one item): the general path handles and locates all of them.
fn one_pass(projection: &Projection, names: &[String]) -> PolarsResult<Option<Aggregated>> {
    let packs = names.len().div_ceil(SUBTASKS_PER_PACK);
    let field = |j: usize| 4u64.pow((j % SUBTASKS_PER_PACK) as u32);
    let binary = col("correct").eq(lit(0.0)).or(col("correct").eq(lit(1.0)));
    let usable = invalid_row().not().and(binary);
    let packed_rows = (0..packs)
        .map(|p| {
            let is = |j: usize| col("subtask").eq(lit(names[j].clone()));
            let first = p * SUBTASKS_PER_PACK;
            let mut pick = when(usable.clone().not()).then(lit(0u64)).when(is(first)).then(lit(field(first)));
            for j in (first + 1..names.len()).take(SUBTASKS_PER_PACK - 1) {
                pick = pick.when(is(j)).then(lit(field(j)));
            }
            pick.otherwise(lit(0u64)).alias(format!("rows{p}"))
        })
        .collect::<Vec<_>>();
    let packed_correct = (0..packs)
        .map(|p| {
            when(col("correct").eq(lit(1.0)))
                .then(col(format!("rows{p}")))
                .otherwise(lit(0u64))
                .alias(format!("correct{p}"))
        })
        .collect::<Vec<_>>();
    let mut per_item = vec![len().cast(DataType::UInt64).alias("k")];
    for p in 0..packs {
        per_item.extend([format!("rows{p}"), format!("correct{p}")].map(|c| col(c.as_str()).sum()));
    }
    // Items with the same key, row count and packed counts are alike: the streamed pass
    // counts items per pattern (at most 3^k per key and row count), and the fields are
    // decoded on those few patterns, each weighted by its number of items.
    let mut pattern = projection.keys_and("k");
    for p in 0..packs {
        pattern.extend([col(format!("rows{p}")), col(format!("correct{p}"))]);
    }
    let patterns = projection
        .base
        .clone()
        .with_columns(packed_rows)
        .with_columns(packed_correct)
        .group_by(projection.keys_and("item"))
        .agg(per_item)
        .group_by(pattern)
        .agg([len().cast(DataType::UInt64).alias("items")]);
    let patterns = collect_all_with(vec![patterns], Engine::Streaming)?.remove(0);
    let kept = patterns.clone();
    // Without polars' rounding feature, integer division is float division: exact here,
    // by a power of two of integers below 2^53.
    let unpack = |packed: &str, j: usize| {
        let packed = col(format!("{packed}{}", j / SUBTASKS_PER_PACK));
        let below = |f: u64| packed.clone() % lit(f);
        ((below(4 * field(j)) - below(field(j))) / lit(field(j))).cast(DataType::UInt64)
    };
    let mut fields = Vec::new();
    for j in 0..names.len() {
        fields.push(unpack("rows", j).alias(format!("n{j}")));
        fields.push(unpack("correct", j).alias(format!("c{j}")));
    }
    let sum_of = |prefix: &str| {
        (1..names.len()).fold(col(format!("{prefix}0")), |acc, j| acc + col(format!("{prefix}{j}")))
    };
    let repeated =
        (1..names.len()).fold(col("n0").gt(lit(1u64)), |acc, j| acc.or(col(format!("n{j}")).gt(lit(1u64))));
    let checks = [
        sum_of("n").neq(col("k")).alias("unusable"),
        repeated.alias("repeated"),
        sum_of("c").cast(DataType::Float64).alias("row_sum"),
    ];
    let items = || col("items");
    let weighted = |flag: Expr| (flag.cast(DataType::UInt64) * items()).sum();
    let items_f64 = || items().cast(DataType::Float64);
    let mut per_k = vec![
        items().sum().alias("items"),
        weighted(col("unusable")).alias("unusable"),
        weighted(col("repeated")).alias("repeats"),
        // Scores are 0/1 here: an item is jointly correct when all its rows are, and its
        // squared scores add up to its correct count. (Sums of whole numbers below 2^53:
        // exact in any order.)
        (col("row_sum").eq(col("k").cast(DataType::Float64)).cast(DataType::Float64) * items_f64())
            .sum()
            .alias("joint_sum"),
        (col("row_sum") * col("row_sum") * items_f64()).sum().alias("row_sq_sum"),
        (col("row_sum") * items_f64()).sum().alias("sq_sum"),
    ];
    for j in 0..names.len() {
        for c in [format!("n{j}"), format!("c{j}")] {
            per_k.push((col(c.as_str()) * items()).sum().alias(c.as_str()));
        }
    }
    let histogram = patterns
        .lazy()
        .with_columns(fields)
        .with_columns(checks)
        .group_by(projection.keys_and("k"))
        .agg(per_k);
    let histogram = collect_all_with(vec![histogram], Engine::InMemory)?.remove(0);
    let total = |name: &str| -> PolarsResult<u64> {
        Ok(histogram.column(name)?.cast(&DataType::UInt64)?.u64()?.sum().unwrap_or(0))
    };
    if total("unusable")? > 0 {
        return Ok(None);
    }
    if total("repeats")? > 0 {
        return Ok(Some(Aggregated::NeedsLocating));
    }
    let k = histogram.column("k")?.cast(&DataType::UInt64)?;
    let items = histogram.column("items")?.cast(&DataType::UInt64)?;
    let rows = (k.u64()? * items.u64()?).sum().unwrap_or(0);
    let small = histogram.lazy();
    let rates = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            small
                .clone()
                .group_by(projection.keys.clone())
                .agg([
                    col(format!("n{j}")).sum().alias("n"),
                    col(format!("c{j}")).sum().cast(DataType::Float64).alias("sum"),
                    lit(0u32).alias("graded"),
                ])
                .with_column(lit(name.clone()).alias("subtask"))
        })
        .collect::<Vec<_>>();
    let rates = concat(rates, UnionArgs::default())?
        .filter(col("n").gt(lit(0)))
        .with_columns(projection.missing.clone())
        .with_column(lit(0u32).cast(DataType::UInt32).alias("first"))
        .sort(["model", "task", "family", "metric", "shots", "subtask"], Default::default());
    let histogram = small
        .select(
            projection
                .keys
                .iter()
                .cloned()
                .chain(["k", "items", "joint_sum", "row_sq_sum", "sq_sum"].map(col))
                .collect::<Vec<_>>(),
        )
        .with_columns(projection.missing.clone())
        .sort(["model", "task", "family", "metric", "shots", "k"], Default::default());
    let mut frames = collect_all_with(vec![rates, histogram], Engine::InMemory)?;
    let histogram = frames.pop().expect("two plans");
    let rates = frames.pop().expect("two plans");
    Ok(Some(Aggregated::Clean(rows, rates, histogram, Some(kept))))
}

/// Three streamed queries (rows, per-subtask rates, subtasks per item with a distinct
/// count per item), for what the one pass does not take: more subtasks than it spells
/// out, graded scores, a subtask first seen late. Slower: polars does not stream the
/// distinct count.
fn two_queries(projection: &Projection) -> PolarsResult<Aggregated> {
    let base = &projection.base;
    let counts = base.clone().select([len().alias("rows"), invalid_row().sum().alias("invalid")]);
    let binary = col("correct").eq(lit(0.0)).or(col("correct").eq(lit(1.0)));
    let rates = base
        .clone()
        .group_by(projection.keys_and("subtask"))
        .agg([len().alias("n"), col("correct").sum().alias("sum"), binary.not().sum().alias("graded")])
        .with_columns(projection.missing.clone())
        .with_column(lit(0u32).cast(DataType::UInt32).alias("first"))
        .sort(["model", "task", "family", "metric", "shots", "subtask"], Default::default());
    let histogram = base
        .clone()
        .group_by(projection.keys_and("item"))
        .agg([
            len().alias("k"),
            col("subtask").n_unique().alias("distinct"),
            col("correct").min().alias("joint"),
            col("correct").sum().alias("row_sum"),
            (col("correct") * col("correct")).sum().alias("sq_sum"),
        ])
        .group_by(projection.keys_and("k"))
        .agg([
            len().alias("items"),
            col("joint").sum().alias("joint_sum"),
            (col("row_sum") * col("row_sum")).sum().alias("row_sq_sum"),
            col("sq_sum").sum().alias("sq_sum"),
            col("distinct").neq(col("k").cast(DataType::UInt32)).sum().alias("repeats"),
        ])
        .with_columns(projection.missing.clone())
        .sort(["model", "task", "family", "metric", "shots", "k"], Default::default());
    // The streaming engine reads the file in morsels: memory stays bounded by the groups,
    // not the rows.
    let mut frames = collect_all_with(vec![counts, rates, histogram], Engine::Streaming)?;
    let rows = u64_at(&frames[0], "rows")?;
    if u64_at(&frames[0], "invalid")? > 0
        || frames[2].column("repeats")?.cast(&DataType::UInt64)?.u64()?.sum() > Some(0)
    {
        return Ok(Aggregated::NeedsLocating);
    }
    let histogram = frames.pop().expect("three plans");
    let rates = frames.pop().expect("three plans");
    Ok(Aggregated::Clean(rows, rates, histogram, None))
}

/// The canonical lazy frame: one column per role, defaults filled in, a row index.
struct Scan {
    base: LazyFrame,
}

/// The validity of a row, as a polars expression over the canonical columns.
fn invalid_row() -> Expr {
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
struct Checked {
    rows: u64,
    /// Invalid rows: row index and their raw cells, for messages.
    invalid: DataFrame,
    /// Repeated (key, subtask, item) rows after their first: row index, first row index.
    repeats: Vec<(u32, u32)>,
}

impl Scan {
    /// `lenient`: cut rows with too many fields and replace bytes that are not UTF-8 (the
    /// rows are then dropped by index) instead of failing the scan.
    fn new(
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

    fn key_cols() -> Vec<Expr> {
        KEYS.iter().map(|k| col(*k)).collect()
    }

    /// One pass: row count, invalid rows, and items with a repeated subtask.
    fn check(&self) -> PolarsResult<Checked> {
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
    fn repeats(&self) -> PolarsResult<Vec<(u32, u32)>> {
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
    fn aggregate(&self, drop: &[u32]) -> PolarsResult<(Vec<RawRate>, Vec<RawJoint>)> {
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
    fn complete_item_sums(&self, rows: LazyFrame, joint: &mut [RawJoint]) -> PolarsResult<()> {
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
        let lookup: HashMap<KeyTuple, usize> =
            joint.iter().enumerate().map(|(i, j)| (j.key.clone(), i)).collect();
        for j in joint.iter_mut() {
            for s in j.subtasks.iter_mut() {
                s.sum = 0.0;
            }
        }
        let keys_of = key_tuples(&sums)?;
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

/// An inner join on keys that may be null (`shots`): null matches null.
fn inner_join() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Inner);
    args.nulls_equal = true;
    args
}

fn collect_all(plans: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    collect_all_with(plans, Engine::Auto)
}

fn collect_all_with(plans: Vec<LazyFrame>, engine: Engine) -> PolarsResult<Vec<DataFrame>> {
    let opt = plans.first().map(|p| p.get_current_optimizations()).unwrap_or_default();
    LazyFrame::collect_all_with_engine(plans.into_iter().map(|p| p.logical_plan).collect(), engine, opt)
}

fn u64_at(df: &DataFrame, name: &str) -> PolarsResult<u64> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.get(0).unwrap_or(0))
}

/// (model, params text, task, family, metric, shots)
type KeyTuple = (String, String, String, String, String, Option<String>);

fn key_tuples(df: &DataFrame) -> PolarsResult<Vec<KeyTuple>> {
    let get = |name: &str| -> PolarsResult<StringChunked> { Ok(df.column(name)?.str()?.clone()) };
    let (model, params, task, family, metric, shots) =
        (get("model")?, get("params")?, get("task")?, get("family")?, get("metric")?, get("shots")?);
    Ok((0..df.height())
        .map(|i| {
            let s = |c: &StringChunked| c.get(i).unwrap_or("").to_string();
            (s(&model), s(&params), s(&task), s(&family), s(&metric), shots.get(i).map(str::to_string))
        })
        .collect())
}

struct RawRate {
    key: KeyTuple,
    subtask: String,
    n: u64,
    sum: f64,
    binary: bool,
    first_row: u32,
}

struct RawJoint {
    key: KeyTuple,
    items: u64,
    complete: u64,
    subtasks: Vec<SubtaskSum>,
    joint_sum: f64,
    row_sq_sum: f64,
    sq_sum: f64,
    binary: bool,
    first_row: u32,
    patterns: Option<Vec<Pattern>>,
}

fn raw_rates(df: &DataFrame) -> PolarsResult<Vec<RawRate>> {
    let keys = key_tuples(df)?;
    let subtask = df.column("subtask")?.str()?.clone();
    let n = df.column("n")?.cast(&DataType::UInt64)?.u64()?.clone();
    let sum = df.column("sum")?.f64()?.clone();
    let graded = df.column("graded")?.cast(&DataType::UInt64)?.u64()?.clone();
    let first = df.column("first")?.u32()?.clone();
    Ok(keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| RawRate {
            key,
            subtask: subtask.get(i).unwrap_or("").to_string(),
            n: n.get(i).unwrap_or(0),
            sum: sum.get(i).unwrap_or(0.0),
            binary: graded.get(i) == Some(0),
            first_row: first.get(i).unwrap_or(0),
        })
        .collect())
}

/// Folds the per-key histogram of subtasks-per-item into joint counts. An item is
/// complete when it has as many subtasks as its key has (repeats were removed first).
fn raw_joint(df: &DataFrame, rates: &[RawRate]) -> PolarsResult<Vec<RawJoint>> {
    let keys = key_tuples(df)?;
    let k = df.column("k")?.cast(&DataType::UInt64)?.u64()?.clone();
    let items = df.column("items")?.cast(&DataType::UInt64)?.u64()?.clone();
    let joint_sum = df.column("joint_sum")?.f64()?.clone();
    let row_sq = df.column("row_sq_sum")?.f64()?.clone();
    let sq = df.column("sq_sum")?.f64()?.clone();
    let mut by_key: BTreeMap<KeyTuple, RawJoint> = BTreeMap::new();
    for r in rates {
        let j = by_key.entry(r.key.clone()).or_insert_with(|| RawJoint {
            key: r.key.clone(),
            items: 0,
            complete: 0,
            subtasks: Vec::new(),
            joint_sum: 0.0,
            row_sq_sum: 0.0,
            sq_sum: 0.0,
            binary: true,
            first_row: r.first_row,
            patterns: None,
        });
        j.subtasks.push(SubtaskSum { subtask: r.subtask.clone(), sum: r.sum });
        j.binary &= r.binary;
        j.first_row = j.first_row.min(r.first_row);
    }
    for (i, key) in keys.into_iter().enumerate() {
        let Some(j) = by_key.get_mut(&key) else { continue };
        let count = items.get(i).unwrap_or(0);
        j.items += count;
        if k.get(i) == Some(j.subtasks.len() as u64) {
            j.complete += count;
            j.joint_sum += joint_sum.get(i).unwrap_or(0.0);
            j.row_sq_sum += row_sq.get(i).unwrap_or(0.0);
            j.sq_sum += sq.get(i).unwrap_or(0.0);
        }
    }
    Ok(by_key.into_values().collect())
}

/// Items per (key, row count, outcomes) of 0/1 `rows` (no repeats), with the outcomes
/// as one `mask` column (bit j: subtask `names[j]`, at most 64): for the paths the one
/// pass does not take, one more group-by over the items.
fn pattern_frame(rows: LazyFrame, keys: &[Expr], names: &[String]) -> PolarsResult<DataFrame> {
    let is = |j: usize| col("subtask").eq(lit(names[j].clone()));
    // Null subtasks are invalid rows, gone by now; the first arm only starts the chain.
    let mut bit = when(col("subtask").is_null()).then(lit(0u64)).when(is(0)).then(lit(1u64));
    for j in 1..names.len() {
        bit = bit.when(is(j)).then(lit(1u64 << j));
    }
    let mut by_item = keys.to_vec();
    by_item.push(col("item"));
    let mut by_pattern = keys.to_vec();
    by_pattern.extend([col("k"), col("mask")]);
    let frame = rows
        .with_column(bit.otherwise(lit(0u64)).alias("bit"))
        .group_by(by_item)
        .agg([
            len().cast(DataType::UInt64).alias("k"),
            (col("bit") * col("correct").cast(DataType::UInt64)).sum().alias("mask"),
        ])
        .group_by(by_pattern)
        .agg([len().cast(DataType::UInt64).alias("items")]);
    Ok(collect_all_with(vec![frame], Engine::Streaming)?.remove(0))
}

/// The distinct subtasks of `rates` when they can be counted per pattern: every one
/// 0/1, and at most 64 of them.
fn pattern_names(rates: &[RawRate]) -> Option<Vec<String>> {
    let names: BTreeSet<&str> = rates.iter().map(|r| r.subtask.as_str()).collect();
    (rates.iter().all(|r| r.binary) && (1..=64).contains(&names.len()))
        .then(|| names.into_iter().map(str::to_string).collect())
}

/// How a frame of items per pattern says which subtasks an item got right.
#[derive(Clone, Copy)]
enum Spelling {
    /// The one pass's `correct{p}` columns: subtask j owns the two bits at 2j of pack j/16.
    Packed,
    /// One `mask` column: subtask j is bit j.
    Mask,
}

/// Decodes a frame of items per (key, row count, outcomes) into each key's outcome
/// patterns over its complete items. Subtask j of the frame is `names[j]`; bit t of a
/// pattern is subtask t of the key's (sorted) subtasks.
fn attach_patterns(
    joint: &mut [RawJoint],
    df: &DataFrame,
    names: &[String],
    spelling: Spelling,
) -> PolarsResult<()> {
    let lookup: HashMap<KeyTuple, usize> =
        joint.iter().enumerate().map(|(i, j)| (j.key.clone(), i)).collect();
    let at_name: HashMap<&str, usize> = names.iter().enumerate().map(|(j, n)| (n.as_str(), j)).collect();
    let fields: Vec<Vec<usize>> = joint
        .iter()
        .map(|j| j.subtasks.iter().map(|s| at_name.get(s.subtask.as_str()).copied()).collect())
        .collect::<Option<Vec<Vec<usize>>>>()
        .unwrap_or_default();
    if fields.len() != joint.len() || names.len() > 64 {
        return Ok(());
    }
    let k = df.column("k")?.cast(&DataType::UInt64)?.u64()?.clone();
    let items = df.column("items")?.cast(&DataType::UInt64)?.u64()?.clone();
    let columns: Vec<String> = match spelling {
        Spelling::Packed => {
            (0..names.len().div_ceil(SUBTASKS_PER_PACK)).map(|p| format!("correct{p}")).collect()
        }
        Spelling::Mask => vec!["mask".into()],
    };
    let packs = columns
        .iter()
        .map(|c| Ok(df.column(c)?.cast(&DataType::UInt64)?.u64()?.clone()))
        .collect::<PolarsResult<Vec<_>>>()?;
    let bit = |i: usize, j: usize| match spelling {
        Spelling::Packed => {
            packs[j / SUBTASKS_PER_PACK].get(i).unwrap_or(0) >> (2 * (j % SUBTASKS_PER_PACK)) & 1
        }
        Spelling::Mask => packs[0].get(i).unwrap_or(0) >> j & 1,
    };
    let mut found: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); joint.len()];
    for (i, key) in key_tuples(df)?.into_iter().enumerate() {
        let Some(&at) = lookup.get(&key) else { continue };
        if k.get(i) != Some(joint[at].subtasks.len() as u64) {
            continue;
        }
        let mut correct = 0u64;
        for (t, &j) in fields[at].iter().enumerate() {
            correct |= bit(i, j) << t;
        }
        *found[at].entry(correct).or_default() += items.get(i).unwrap_or(0);
    }
    for (j, patterns) in joint.iter_mut().zip(found) {
        j.patterns = Some(patterns.into_iter().map(|(correct, items)| Pattern { correct, items }).collect());
    }
    Ok(())
}

/// A parameter-count problem: the row it is on, the first row of the model (for
/// "params differ"), and the message.
type ParamsProblem = (u32, u32, String);

/// Parses each model's parameter count once, and checks that a model has one size.
fn resolve_params(
    mut rates: Vec<RawRate>,
    joint: Vec<RawJoint>,
) -> (Vec<SubtaskRate>, Vec<JointCounts>, Vec<ParamsProblem>) {
    let mut problems: Vec<ParamsProblem> = Vec::new();
    let mut parsed: BTreeMap<String, f64> = BTreeMap::new();
    let mut size_of: BTreeMap<String, (f64, String, u32)> = BTreeMap::new();
    // In file order, so that "first" means first in the file.
    rates.sort_by_key(|r| r.first_row);
    for r in &rates {
        let (model, text) = (&r.key.0, &r.key.1);
        let value = match parsed.get(text) {
            Some(v) => *v,
            None => match parse_params(text) {
                Ok(v) => {
                    parsed.insert(text.clone(), v);
                    v
                }
                Err(e) => {
                    parsed.insert(text.clone(), f64::NAN);
                    problems.push((
                        r.first_row,
                        r.first_row,
                        format!("model {model:?}: cannot parse params {:?}: {e}", clip(text)),
                    ));
                    f64::NAN
                }
            },
        };
        match size_of.get(model) {
            Some((v, other, first)) if *v != value && !v.is_nan() && !value.is_nan() => {
                // FIRST_PLACE is replaced by where the first row is ("line 2", "row 2").
                let message = format!(
                    "model {model:?} has params {:?} here but {:?} on {FIRST_PLACE}; one model has one size: fix the params of one of them",
                    clip(text),
                    clip(other),
                );
                if !problems.iter().any(|(row, _, _)| *row == r.first_row) {
                    problems.push((r.first_row, *first, message));
                }
            }
            Some(_) => {}
            None => {
                size_of.insert(model.clone(), (value, text.clone(), r.first_row));
            }
        }
    }
    let params = |key: &KeyTuple| parsed.get(&key.1).copied().unwrap_or(f64::NAN);
    let rates = rates
        .into_iter()
        .map(|r| SubtaskRate {
            params: params(&r.key),
            model: r.key.0,
            task: r.key.2,
            family: r.key.3,
            metric: r.key.4,
            shots: r.key.5,
            subtask: r.subtask,
            n: r.n,
            sum: r.sum,
            binary: r.binary,
        })
        .collect();
    let joint = joint
        .into_iter()
        .map(|j| JointCounts {
            params: params(&j.key),
            model: j.key.0,
            task: j.key.2,
            family: j.key.3,
            metric: j.key.4,
            shots: j.key.5,
            items: j.items,
            complete: j.complete,
            subtasks: j.subtasks,
            joint_sum: j.joint_sum,
            row_sq_sum: j.row_sq_sum,
            sq_sum: j.sq_sum,
            binary: j.binary,
            patterns: j.patterns,
        })
        .collect();
    (rates, joint, problems)
}

impl Checked {
    fn bad_rows(&self) -> Vec<u32> {
        let mut rows: BTreeSet<u32> = self.repeats.iter().map(|&(r, _)| r).collect();
        if let Ok(c) = self.invalid.column(ROW).and_then(|c| c.u32().cloned()) {
            rows.extend(c.into_no_null_iter());
        }
        rows.into_iter().collect()
    }

    /// Located messages for invalid and repeated rows.
    fn problems(&self, source: &ItemSource, columns: &ItemColumns, file: &str) -> Vec<(u32, Problem)> {
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

/// Turns row indices into lines (CSV: the csv crate's byte positions through a
/// [`LineIndex`]) or 1-based row numbers (Parquet, parsed records).
struct Placer {
    lines: HashMap<u32, u64>,
    /// Field count of each wanted CSV record.
    widths: HashMap<u32, usize>,
    headers: Vec<String>,
    kind: PlaceKind,
}

enum PlaceKind {
    CsvLines,
    Rows,
    RecordLines(HashMap<u32, u64>),
}

impl Placer {
    fn new(source: &ItemSource, wanted: &BTreeSet<u32>) -> Placer {
        match source {
            ItemSource::Csv { path, delimiter } => {
                let mut lines = HashMap::new();
                let mut widths = HashMap::new();
                let mut headers = Vec::new();
                if !wanted.is_empty() {
                    if let Ok(bytes) = std::fs::read(path) {
                        let index = LineIndex::new(&bytes);
                        let mut reader = csv::ReaderBuilder::new()
                            .delimiter(*delimiter)
                            .flexible(true)
                            .has_headers(true)
                            .from_reader(bytes.as_slice());
                        if let Ok(h) = reader.headers() {
                            headers = h
                                .iter()
                                .map(|s| s.trim_start_matches('\u{feff}').trim().to_string())
                                .collect();
                        }
                        let last = wanted.iter().next_back().copied().unwrap_or(0);
                        let mut record = csv::ByteRecord::new();
                        let mut i: u32 = 0;
                        while i <= last && matches!(reader.read_byte_record(&mut record), Ok(true)) {
                            if wanted.contains(&i) {
                                let line = record.position().map_or(0, |p| index.line_of(p.byte()));
                                lines.insert(i, line);
                                widths.insert(i, record.len());
                            }
                            i += 1;
                        }
                    }
                }
                Placer { lines, widths, headers, kind: PlaceKind::CsvLines }
            }
            ItemSource::Parquet { .. } => Placer {
                lines: HashMap::new(),
                widths: HashMap::new(),
                headers: Vec::new(),
                kind: PlaceKind::Rows,
            },
            ItemSource::Records(records) => {
                let lines = records.iter().enumerate().map(|(i, r)| (i as u32, r.line)).collect();
                Placer {
                    lines: HashMap::new(),
                    widths: HashMap::new(),
                    headers: Vec::new(),
                    kind: PlaceKind::RecordLines(lines),
                }
            }
        }
    }

    /// (fields, header width) when a CSV record's field count differs from the header's.
    fn width_mismatch(&self, row: u32) -> Option<(usize, usize)> {
        let fields = *self.widths.get(&row)?;
        (fields != self.headers.len()).then_some((fields, self.headers.len()))
    }

    fn unit(&self) -> &'static str {
        match self.kind {
            PlaceKind::Rows => "row",
            _ => "line",
        }
    }

    /// (line or row, column) of a row index and, optionally, a header.
    fn at(&self, row: u32, header: Option<&str>) -> (u64, Option<usize>) {
        match &self.kind {
            PlaceKind::CsvLines => {
                let column = header.and_then(|h| self.headers.iter().position(|x| x.eq_ignore_ascii_case(h)));
                (self.lines.get(&row).copied().unwrap_or(0), column.map(|c| c + 1))
            }
            PlaceKind::Rows => (row as u64 + 1, None),
            PlaceKind::RecordLines(lines) => (lines.get(&row).copied().unwrap_or(0), None),
        }
    }
}

/// Every record the csv crate cannot read as a row of the header's width, with its
/// record index (as polars counts rows) and a located problem: polars's own errors
/// carry no position.
fn find_malformed_csv(path: &str, delimiter: u8) -> Vec<(u32, Problem)> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    let index = LineIndex::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let Ok(width) = reader.byte_headers().map(|h| h.len()) else { return Vec::new() };
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    let problem = |line: u64, column: Option<usize>, message: String| Problem {
        file: path.into(),
        line,
        column,
        message,
    };
    for row in 0u32.. {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| index.line_of(p.byte()));
                if record.len() > width {
                    let message = format!(
                        "row has {} fields but the header has {width}; check for an unquoted delimiter",
                        record.len()
                    );
                    out.push((row, problem(line, None, message)));
                } else if let Some(field) = record.iter().position(|f| std::str::from_utf8(f).is_err()) {
                    let message = "the value is not valid UTF-8; re-save the file as UTF-8".to_string();
                    out.push((row, problem(line, Some(field + 1), message)));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| index.line_of(p.byte()));
                out.push((row, problem(line, None, format!("malformed CSV: {e}"))));
                break;
            }
        }
    }
    out
}

/// Parsed item records as a data frame with the canonical column names.
fn records_frame(records: &[ItemRecord]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&ItemRecord) -> String| -> Vec<String> { records.iter().map(f).collect() };
    DataFrame::new(
        records.len(),
        vec![
            Column::new("model".into(), text(&|r| r.model.clone())),
            Column::new(
                "params".into(),
                records.iter().map(|r| r.params.map(|p| format!("{p}"))).collect::<Vec<Option<String>>>(),
            ),
            Column::new("task".into(), text(&|r| r.task.clone())),
            Column::new(
                "family".into(),
                records.iter().map(|r| r.family.clone()).collect::<Vec<Option<String>>>(),
            ),
            Column::new("metric".into(), text(&|r| r.metric.clone())),
            Column::new(
                "shots".into(),
                records.iter().map(|r| r.shots.clone()).collect::<Vec<Option<String>>>(),
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
            assert_eq!(j.patterns.as_ref(), Some(&want), "model {}", j.model);
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
