//! The fast paths for a clean file: one streamed pass over packed counts per item, or
//! three streamed queries when the one pass cannot take the file.

use polars::prelude::*;

use super::*;

/// The typed projection the fast paths group: one column per role, defaults filled in.
pub(super) struct Projection {
    pub(super) base: LazyFrame,
    /// The key columns the file has (model, params, and any of task, family, metric, shots).
    pub(super) keys: Vec<Expr>,
    /// Constant columns for the keys it lacks, added after grouping.
    pub(super) missing: Vec<Expr>,
}

impl Projection {
    /// One typed scan, no row index: `None` for inputs that are not files.
    pub(super) fn new(
        source: &ItemSource,
        columns: &ItemColumns,
        default_task: &str,
    ) -> PolarsResult<Option<Self>> {
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

    pub(super) fn keys_and(&self, extra: &str) -> Vec<Expr> {
        let mut keys = self.keys.clone();
        keys.push(col(extra));
        keys
    }
}

/// The common case of a clean file, without the located bookkeeping. `Ok(None)` when the
/// file needs the located path.
pub(super) fn fast_path(
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
pub(super) const ONE_PASS_MAX_SUBTASKS: usize = 32;

/// Subtasks per packed count column: two bits each, the highest starting at bit 30, so a
/// row contributes at most 2^30 and no sum over the at most 2^32 rows polars indexes can
/// overflow a u64.
pub(super) const SUBTASKS_PER_PACK: usize = 16;

/// Rows read to learn the subtask names before the one pass.
pub(super) const PEEK_ROWS: IdxSize = 100_000;

/// The distinct subtask names of the first rows, sorted.
pub(super) fn peek_subtasks(projection: &Projection) -> PolarsResult<Vec<String>> {
    let peek = projection.base.clone().limit(PEEK_ROWS).select([col("subtask").unique()]);
    let df = collect_all_with(vec![peek], Engine::Streaming)?.remove(0);
    let mut names: Vec<String> = df.column("subtask")?.str()?.iter().flatten().map(str::to_string).collect();
    names.sort();
    Ok(names)
}

/// What a fast aggregation found.
pub(super) enum Aggregated {
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
pub(super) fn one_pass(projection: &Projection, names: &[String]) -> PolarsResult<Option<Aggregated>> {
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
pub(super) fn two_queries(projection: &Projection) -> PolarsResult<Aggregated> {
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
