//! One parameter count per model: parsed once, checked to be one size.

use std::collections::BTreeMap;

use super::*;
use crate::ingest::clip;
use crate::ingest::rules::OneSize;

/// A parameter-count problem: the row it is on, the first row of the model (for
/// "params differ"), and the message.
pub(super) type ParamsProblem = (u32, u32, String);

/// Parses each model's parameter count once, and checks that a model has one size.
pub(super) fn resolve_params(
    mut rates: Vec<RawRate>,
    joint: Vec<RawJoint>,
) -> (Vec<SubtaskRate>, Vec<JointCounts>, Vec<ParamsProblem>) {
    let mut problems: Vec<ParamsProblem> = Vec::new();
    let mut parsed: BTreeMap<String, f64> = BTreeMap::new();
    let mut sizes = OneSize::new();
    // In file order, so that "first" means first in the file.
    rates.sort_by_key(|r| r.first_row);
    for r in &rates {
        let (model, text) = (&r.key.model, &r.key.params);
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
        if let Some(&(v, (other, first))) = sizes.other(model, value, (text.as_str(), r.first_row)) {
            if !v.is_nan() && !value.is_nan() {
                // FIRST_PLACE is replaced by where the first row is ("line 2", "row 2").
                let message = format!(
                    "model {model:?} has params {:?} here but {:?} on {FIRST_PLACE}; one model has one size: fix the params of one of them",
                    clip(text),
                    clip(other),
                );
                if !problems.iter().any(|(row, _, _)| *row == r.first_row) {
                    problems.push((r.first_row, first, message));
                }
            }
        }
    }
    // The key with its parsed size (NaN when it does not parse).
    let sized = |key: RunKey<String>| {
        let size = parsed.get(&key.params).copied().unwrap_or(f64::NAN);
        key.with_params(size)
    };
    let rates = rates
        .into_iter()
        .map(|r| SubtaskRate { key: sized(r.key), subtask: r.subtask, n: r.n, sum: r.sum, binary: r.binary })
        .collect();
    let joint = joint
        .into_iter()
        .map(|j| JointCounts {
            key: sized(j.key),
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
