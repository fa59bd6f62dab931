//! Frames shared by the paths: keys, raw rates and joint counts, outcome patterns.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::*;

/// An inner join on keys that may be null (`shots`): null matches null.
pub(super) fn inner_join() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Inner);
    args.nulls_equal = true;
    args
}

pub(super) fn collect_all(plans: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    collect_all_with(plans, Engine::Auto)
}

pub(super) fn collect_all_with(plans: Vec<LazyFrame>, engine: Engine) -> PolarsResult<Vec<DataFrame>> {
    let opt = plans.first().map(|p| p.get_current_optimizations()).unwrap_or_default();
    LazyFrame::collect_all_with_engine(plans.into_iter().map(|p| p.logical_plan).collect(), engine, opt)
}

pub(super) fn u64_at(df: &DataFrame, name: &str) -> PolarsResult<u64> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.get(0).unwrap_or(0))
}

/// The key of each row of a frame of aggregates, with the size as written.
pub(super) fn run_keys(df: &DataFrame) -> PolarsResult<Vec<RunKey<String>>> {
    let get = |name: &str| -> PolarsResult<StringChunked> { Ok(df.column(name)?.str()?.clone()) };
    let (model, params, task, family, metric, shots) =
        (get("model")?, get("params")?, get("task")?, get("family")?, get("metric")?, get("shots")?);
    Ok((0..df.height())
        .map(|i| {
            let s = |c: &StringChunked| c.get(i).unwrap_or("").to_string();
            RunKey {
                model: s(&model),
                params: s(&params),
                task: s(&task),
                family: s(&family),
                metric: s(&metric),
                shots: shots.get(i).map(str::to_string),
            }
        })
        .collect())
}

pub(super) struct RawRate {
    pub(super) key: RunKey<String>,
    pub(super) subtask: String,
    pub(super) n: u64,
    pub(super) sum: f64,
    pub(super) binary: bool,
    pub(super) first_row: u32,
}

pub(super) struct RawJoint {
    pub(super) key: RunKey<String>,
    pub(super) items: u64,
    pub(super) complete: u64,
    pub(super) subtasks: Vec<SubtaskSum>,
    pub(super) joint_sum: f64,
    pub(super) row_sq_sum: f64,
    pub(super) sq_sum: f64,
    pub(super) binary: bool,
    pub(super) first_row: u32,
    pub(super) patterns: Option<Vec<Pattern>>,
}

pub(super) fn raw_rates(df: &DataFrame) -> PolarsResult<Vec<RawRate>> {
    let keys = run_keys(df)?;
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
pub(super) fn raw_joint(df: &DataFrame, rates: &[RawRate]) -> PolarsResult<Vec<RawJoint>> {
    let keys = run_keys(df)?;
    let k = df.column("k")?.cast(&DataType::UInt64)?.u64()?.clone();
    let items = df.column("items")?.cast(&DataType::UInt64)?.u64()?.clone();
    let joint_sum = df.column("joint_sum")?.f64()?.clone();
    let row_sq = df.column("row_sq_sum")?.f64()?.clone();
    let sq = df.column("sq_sum")?.f64()?.clone();
    let mut by_key: BTreeMap<RunKey<String>, RawJoint> = BTreeMap::new();
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
pub(super) fn pattern_frame(rows: LazyFrame, keys: &[Expr], names: &[String]) -> PolarsResult<DataFrame> {
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
pub(super) fn pattern_names(rates: &[RawRate]) -> Option<Vec<String>> {
    let names: BTreeSet<&str> = rates.iter().map(|r| r.subtask.as_str()).collect();
    (rates.iter().all(|r| r.binary) && (1..=64).contains(&names.len()))
        .then(|| names.into_iter().map(str::to_string).collect())
}

/// How a frame of items per pattern says which subtasks an item got right.
#[derive(Clone, Copy)]
pub(super) enum Spelling {
    /// The one pass's `correct{p}` columns: subtask j owns the two bits at 2j of pack j/16.
    Packed,
    /// One `mask` column: subtask j is bit j.
    Mask,
}

/// Decodes a frame of items per (key, row count, outcomes) into each key's outcome
/// patterns over its complete items. Subtask j of the frame is `names[j]`; bit t of a
/// pattern is subtask t of the key's (sorted) subtasks.
pub(super) fn attach_patterns(
    joint: &mut [RawJoint],
    df: &DataFrame,
    names: &[String],
    spelling: Spelling,
) -> PolarsResult<()> {
    let lookup: HashMap<RunKey<String>, usize> =
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
    for (i, key) in run_keys(df)?.into_iter().enumerate() {
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
