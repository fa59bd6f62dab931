//! One row of a tidy table → an [`Observation`]: what each cell says is checked here,
//! and located at its line and column.

use crate::ingest::meta::{self, ScaleProblems, Scales};
use crate::ingest::record::{Columns, Problem, RunKey, TableRow};
use crate::ingest::{clip, number_hint, parse_params, IngestOptions, Observation, Role};

/// The advice to pass `--percent`, which [`explain_scales`] replaces where it would be wrong.
const PERCENT_HINT: &str = "; if scores are percentages, pass --percent";

/// The observation of one row, or every problem of its cells.
pub(super) fn row_observation(
    path: &str,
    row: TableRow,
    columns: &Columns,
    default_task: &str,
    options: &IngestOptions,
    scales: &mut Scales,
) -> Result<Observation, Vec<Problem>> {
    let line = row.line;
    let [model, params, subtask, score, task, family, metric, n, correct, flops, shots, _item, higher_is_better, chance] =
        row.into_cells();

    let mut errors = Vec::new();
    let mut fail = |role: Role, message: String| {
        errors.push(Problem {
            file: path.into(),
            line,
            column: columns.number(role),
            message: format!("column {:?}: {message}", columns.header(role)),
        });
    };

    let model = match model {
        Some(m) if !m.is_empty() => Some(m),
        _ => {
            fail(Role::Model, "the model name is empty; give every row its model's name".into());
            None
        }
    };
    let params = params.and_then(|p| match parse_params(&p) {
        Ok(v) => Some(v),
        Err(e) => {
            fail(Role::Params, format!("cannot parse {:?} as a parameter count: {e}", clip(&p)));
            None
        }
    });
    let count = |role: Role, value: Option<String>, fail: &mut dyn FnMut(Role, String)| -> Option<u64> {
        let v = value.filter(|v| !v.is_empty())?;
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.0e15 => Some(x as u64),
            _ => {
                fail(
                    role,
                    format!(
                        "cannot parse {:?} as a whole, non-negative count; n and correct count items, so give whole numbers",
                        clip(&v)
                    ),
                );
                None
            }
        }
    };
    // Counts written but unreadable are reported as such, not as a missing score.
    let counts_written = [&n, &correct].iter().all(|v| v.as_deref().is_some_and(|v| !v.is_empty()));
    let n = count(Role::N, n, &mut fail);
    let correct = count(Role::Correct, correct, &mut fail);
    if n == Some(0) {
        fail(Role::N, "the item count is 0: a score needs at least one item".into());
    }
    if let (Some(n), Some(c)) = (n, correct) {
        if c > n {
            fail(Role::Correct, format!("{c} correct out of n = {n} items is impossible"));
        }
    }
    let from_counts = match (n, correct) {
        (Some(n), Some(c)) if n > 0 && c <= n => Some(c as f64 / n as f64),
        _ => None,
    };
    let metric_name = metric.as_deref().filter(|m| !m.is_empty()).unwrap_or("accuracy");
    let percent_metric = options.percent_metrics.iter().any(|m| m == metric_name);
    let percent = options.percent || percent_metric;
    scales.seen(metric_name);
    let score = match score.filter(|s| !s.is_empty()) {
        Some(s) => match s.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let scale = if percent { 100.0 } else { 1.0 };
                let (lo, hi) = (0.0, scale);
                if !percent {
                    scales.note(metric_name, line, v);
                }
                if v < lo || v > hi {
                    let hint = if !percent && v > 1.0 && v <= 100.0 {
                        PERCENT_HINT.to_string()
                    } else if percent_metric && !options.percent {
                        format!("; with --percent-metric {metric_name} its scores must lie in [0, 100]")
                    } else if percent {
                        "; with --percent scores must lie in [0, 100]".to_string()
                    } else {
                        "; scores are fractions in [0, 1]".to_string()
                    };
                    fail(Role::Score, format!("score {} is outside [{lo}, {hi}]{hint}", clip(&s)));
                    None
                } else {
                    let v = v / scale;
                    if let Some(c) = from_counts {
                        if (v - c).abs() > 0.01 {
                            fail(
                                Role::Score,
                                format!("score {s} disagrees with correct/n = {c:.6}; fix one of them"),
                            );
                        }
                    }
                    Some(from_counts.unwrap_or(v))
                }
            }
            _ => {
                fail(
                    Role::Score,
                    format!("cannot parse {:?} as a finite number{}", clip(&s), number_hint(&s)),
                );
                None
            }
        },
        None => {
            if from_counts.is_none() && !counts_written {
                fail(Role::Score, "the score is empty; give a score, or both n and correct".into());
            }
            from_counts
        }
    };
    let flops = flops.filter(|f| !f.is_empty()).and_then(|f| match f.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Some(v),
        _ => {
            fail(
                Role::Flops,
                format!(
                    "cannot parse {:?} as a positive number of FLOPs; give training compute such as 3.1e23, or leave the cell empty",
                    clip(&f)
                ),
            );
            None
        }
    });

    let higher_is_better = higher_is_better.and_then(|t| match meta::direction(&t) {
        Ok(d) => d,
        Err(e) => {
            fail(Role::HigherIsBetter, e);
            None
        }
    });
    let chance = chance.and_then(|t| match meta::chance(&t) {
        Ok(c) => c,
        Err(e) => {
            fail(Role::Chance, e);
            None
        }
    });

    let or_default = |v: Option<String>, default: &str| match v {
        Some(v) if !v.is_empty() => v,
        _ => default.to_string(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(model), Some(params), Some(score)) = (model, params, score) else {
        return Err(errors);
    };
    Ok(Observation {
        line,
        key: RunKey {
            model,
            params,
            task: or_default(task, default_task),
            family: or_default(family, "all"),
            metric: or_default(metric, "accuracy"),
            shots: shots.filter(|s| !s.is_empty()),
        },
        subtask: subtask.filter(|s| !s.is_empty()),
        score,
        n,
        correct,
        flops,
        higher_is_better,
        chance,
    })
}

/// Advice on scores written on 0–100: a metric on 0–100 among fractions is one error at
/// its first such line (its rows' own errors would only repeat it); lines of a file that
/// also holds fractions are told it mixes scales, where "pass --percent" would be wrong.
pub(super) fn explain_scales(
    path: &str,
    scales: &Scales,
    judged: &ScaleProblems,
    score_column: Option<usize>,
    errors: &mut Vec<Problem>,
) {
    for m in &judged.percent_metrics {
        let lines = scales.lines_of(&m.metric);
        errors.retain(|e| !(lines.contains(&e.line) && e.message.contains(PERCENT_HINT)));
        errors.push(Problem { file: path.into(), line: m.line, column: score_column, message: m.message() });
    }
    let Some((first, value)) = scales.first_fraction() else { return };
    for e in errors.iter_mut().filter(|e| judged.percent_lines.contains(&e.line)) {
        if let Some(at) = e.message.find(PERCENT_HINT) {
            e.message.truncate(at);
            e.message.push_str(&format!(
                "; line {first} holds a fraction ({value}), so this file mixes percentages and fractions: \
                 write every score the same way (all fractions, or all percentages with --percent)"
            ));
        }
    }
}
