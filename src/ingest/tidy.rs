//! The tidy CSV/TSV reader: one row per (model, subtask[, metric]).
//!
//! Validation is strict and located: every problem names its line and column, and all
//! problems in a file are collected before failing, so one run shows them all.

use std::collections::{BTreeMap, HashMap};

use super::meta::{self, ScaleProblems, Scales};
use super::record::Problem;
use super::rules::{OneRow, OneSize};
use super::table::resolve_roles;
use super::text::LineIndex;
use super::{clip, number_hint};
use super::{
    parse_params, ColumnMapping, Dataset, DroppedRow, IngestError, IngestOptions, Observation, OnError, Role,
};

/// Where each role lives in the header (0-based field index).
#[derive(Debug, Default)]
struct Layout {
    fields: HashMap<Role, usize>,
    width: usize,
    /// The header names, as read.
    headers: Vec<String>,
}

impl Layout {
    fn get(&self, role: Role) -> Option<usize> {
        self.fields.get(&role).copied()
    }

    fn resolve(path: &str, headers: &[String], mappings: &[ColumnMapping]) -> Result<Layout, IngestError> {
        let fields = resolve_roles(path, headers, mappings)?;
        let found = super::found_headers(headers);
        let counts_given = fields.contains_key(&Role::N) && fields.contains_key(&Role::Correct);
        for role in [Role::Model, Role::Params, Role::Subtask, Role::Score] {
            if role == Role::Score && counts_given {
                continue;
            }
            if !fields.contains_key(&role) {
                if role == Role::Subtask && !fields.contains_key(&Role::Score) && headers.len() > 2 {
                    return Err(IngestError::Header {
                        path: path.into(),
                        message: format!(
                            "missing required column \"subtask\"; columns found: {found}; if the table has one row \
                             per model and one column per subtask, pass --wide"
                        ),
                    });
                }
                return Err(IngestError::MissingColumn { path: path.into(), role: role.to_string(), found });
            }
        }
        Ok(Layout { fields, width: headers.len(), headers: headers.to_vec() })
    }
}

/// Reads a tidy table from memory. `path` is only used in messages.
pub fn read_tidy(
    path: &str,
    default_task: &str,
    bytes: &[u8],
    delimiter: u8,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    if let Some(e) = super::utf16_error(path, bytes) {
        return Err(e);
    }
    let content = super::text::strip_bom(bytes);
    if content.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty { path: path.into() });
    }
    let lines = LineIndex::new(bytes);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(bytes);
    let header_record = reader.byte_headers().map_err(|e| IngestError::Header {
        path: path.into(),
        message: format!("cannot read the header row: {e}"),
    })?;
    if let Some(i) = header_record.iter().position(|h| std::str::from_utf8(h).is_err()) {
        return Err(IngestError::Problems(vec![Problem {
            file: path.into(),
            line: 1,
            column: Some(i + 1),
            message: "the header is not valid UTF-8; re-save the file as UTF-8".into(),
        }]));
    }
    let headers: Vec<String> = header_record
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { &h };
            h.trim().to_string()
        })
        .collect();
    let layout = Layout::resolve(path, &headers, &options.columns)?;

    let mut observations = Vec::new();
    let mut errors = Vec::new();
    let mut rows_read = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut scales = Scales::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows_read += 1;
                let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
                if record.len() != layout.width && reader.position().byte() as usize >= bytes.len() {
                    if let Some(e) = unclosed_quote(path, bytes, &record, line, &lines) {
                        errors.push(e);
                        continue;
                    }
                }
                match parse_row(path, &record, line, &layout, default_task, options, &mut scales) {
                    Ok(obs) => observations.push(obs),
                    Err(mut row_errors) => errors.append(&mut row_errors),
                }
            }
            Err(e) => {
                rows_read += 1;
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                errors.push(Problem {
                    file: path.into(),
                    line,
                    column: None,
                    message: format!("malformed CSV: {e}"),
                });
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if rows_read == 0 {
        return Err(IngestError::NoRows { path: path.into() });
    }
    if let Some(message) = meta::unknown_percent_metrics(&options.percent_metrics, &scales.names()) {
        return Err(IngestError::Header { path: path.into(), message });
    }
    let judged = scales.judge();
    explain_scales(path, &scales, &judged, layout.get(Role::Score).map(|i| i + 1), &mut errors);
    errors.extend(check_consistency(path, &observations));
    errors.extend(
        meta::conflicts(&observations, |i| format!("line {}", observations[i].line)).into_iter().map(|c| {
            Problem {
                file: path.into(),
                line: observations[c.index].line,
                column: layout.get(c.role).map(|i| i + 1),
                message: format!(
                    "column {:?}: {}",
                    layout.get(c.role).map_or(c.role.name(), |i| headers[i].as_str()),
                    c.message
                ),
            }
        }),
    );
    errors.sort_by_key(|e| (e.line, e.column));
    // Scores on another scale are never dropped row by row: the rest would be misread.
    if !errors.is_empty() && (options.on_error == OnError::Fail || judged.any()) {
        return Err(IngestError::Problems(errors));
    }
    // --on-error skip: each row with a problem is left out once, with all its problems.
    let mut reasons: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for e in errors {
        let at = e.column.map_or(String::new(), |c| format!("column {c}: "));
        reasons.entry(e.line).or_default().push(format!("{at}{}", e.message));
    }
    observations.retain(|o| !reasons.contains_key(&o.line));
    let mut dataset = Dataset::of_rows(path, super::Format::Tidy, observations, rows_read);
    dataset.dropped = reasons
        .into_iter()
        .map(|(line, reasons)| DroppedRow {
            file: path.into(),
            line,
            column: None,
            reason: reasons.join("; "),
        })
        .collect();
    Ok(dataset)
}

fn parse_row(
    path: &str,
    record: &csv::ByteRecord,
    line: u64,
    layout: &Layout,
    default_task: &str,
    options: &IngestOptions,
    scales: &mut Scales,
) -> Result<Observation, Vec<Problem>> {
    let headers = &layout.headers;
    let mut errors = Vec::new();
    if record.len() != layout.width {
        return Err(vec![Problem {
            file: path.into(),
            line,
            column: None,
            message: format!(
                "row has {} fields but the header has {}; check for an unquoted delimiter or a missing value",
                record.len(),
                layout.width
            ),
        }]);
    }
    let mut text = |role: Role| -> Option<String> {
        let i = layout.get(role)?;
        match std::str::from_utf8(&record[i]) {
            Ok(s) => Some(s.trim().to_string()),
            Err(_) => {
                errors.push(Problem {
                    file: path.into(),
                    line,
                    column: Some(i + 1),
                    message: format!(
                        "column {:?}: the value is not valid UTF-8; re-save the file as UTF-8",
                        headers[i]
                    ),
                });
                None
            }
        }
    };
    let model = text(Role::Model);
    let params = text(Role::Params);
    let subtask = text(Role::Subtask);
    let score = text(Role::Score);
    let task = text(Role::Task);
    let family = text(Role::Family);
    let metric = text(Role::Metric);
    let n = text(Role::N);
    let correct = text(Role::Correct);
    let flops = text(Role::Flops);
    let shots = text(Role::Shots);
    let higher_is_better = text(Role::HigherIsBetter);
    let chance = text(Role::Chance);
    if !errors.is_empty() {
        // Undecodable cells are reported once; checks on their (absent) values would
        // only repeat the problem in other words.
        return Err(errors);
    }

    let at = |role: Role| layout.get(role).map(|i| i + 1);
    let header = |role: Role| layout.get(role).map_or(role.name(), |i| headers[i].as_str());
    let mut fail = |role: Role, message: String| {
        errors.push(Problem {
            file: path.into(),
            line,
            column: at(role),
            message: format!("column {:?}: {message}", header(role)),
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
                        "; if scores are percentages, pass --percent".to_string()
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
        model,
        params,
        task: or_default(task, default_task),
        subtask: subtask.filter(|s| !s.is_empty()),
        family: or_default(family, "all"),
        metric: or_default(metric, "accuracy"),
        shots: shots.filter(|s| !s.is_empty()),
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
fn explain_scales(
    path: &str,
    scales: &Scales,
    judged: &ScaleProblems,
    score_column: Option<usize>,
    errors: &mut Vec<Problem>,
) {
    const PERCENT_HINT: &str = "; if scores are percentages, pass --percent";
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

/// A record that runs to the end of the file because a quote opened in it is never
/// closed: the csv reader then takes every later line as part of one field.
fn unclosed_quote(
    path: &str,
    bytes: &[u8],
    record: &csv::ByteRecord,
    line: u64,
    lines: &LineIndex,
) -> Option<Problem> {
    let start = record.position()?.byte() as usize;
    let rest = bytes.get(start..)?;
    if rest.iter().filter(|&&b| b == b'"').count() % 2 == 0 {
        return None;
    }
    let last = lines.line_of(bytes.len().saturating_sub(1) as u64);
    let span = if last > line { format!("lines {line} to {last} were") } else { format!("line {line} was") };
    Some(Problem {
 file: path.into(),
        line,
        column: None,
        message: format!(
            "a quote opened on this line is never closed, so {span} read as one row; close the quote, or remove it"
        ),
    })
}

/// Rows that are each valid but contradict one another.
fn check_consistency(path: &str, observations: &[Observation]) -> Vec<Problem> {
    let mut errors = Vec::new();
    let (mut rows, mut sizes) = (OneRow::new(), OneSize::new());
    for o in observations {
        if let Some(first) = rows.first(o) {
            errors.push(Problem {
                file: path.into(),
                line: o.line,
                column: None,
                message: format!(
                    "duplicate of line {first}: model {:?}, task {:?}, subtask {:?}, metric {:?} appear twice; keep one row",
                    o.model,
                    o.task,
                    o.subtask.as_deref().unwrap_or(""),
                    o.metric
                ),
            });
        }
        rows.note(o, o.line);
        if let Some(&(p, first)) = sizes.other(&o.model, o.params, o.line) {
            errors.push(Problem {
                file: path.into(),
                line: o.line,
                column: None,
                message: format!(
                    "model {:?} has params {} here but {} on line {first}; one model has one size",
                    o.model,
                    crate::units::fmt_params(o.params),
                    crate::units::fmt_params(p)
                ),
            });
        }
    }
    errors
}
