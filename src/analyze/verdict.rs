//! Is what was observed more than smooth subtasks, composed? One verdict per group with
//! subtasks, from separate questions, each with its own test:
//!
//! 1. Does a subtask (or the task-level score) itself jump? ([`super::jumps`])
//! 2. Does the whole task jump beyond its composed subtasks? ([`super::composition`],
//!    with task-level rows)
//!
//! The headline names every question that found emergence (or a departure), else "no
//! evidence against composition" with the power of the tests that were run, else
//! "insufficient data". A test that does not reject is never reported as an explanation.

use rayon::prelude::*;

use super::composition::{self, CompositionOutcome, CompositionQuestion};
use super::jumps::{self, JumpOutcome, JumpQuestion};
use super::{Analysis, AnalyzeOptions};
use crate::compose::{Group, GroupKey};

/// The headline outcome of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A question found a rise more abrupt than smooth, composed subtasks allow.
    Emergent,
    /// A question found a departure that is not a rise (a drop, a task below its composition).
    NotSmooth,
    /// The task rises above the composition of independent subtasks, but a dependence
    /// between subtasks that does not change with scale fits as well as a jump.
    Departs,
    /// Every question that could be tested did not reject (which is not a finding).
    NoEvidence,
    /// No question could be tested.
    Insufficient,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub key: GroupKey,
    /// The operator the subtask trends are composed with (`--verdict-op`).
    pub operator: String,
    pub outcome: Outcome,
    /// The headline in words, as printed.
    pub text: String,
    /// Question 1: does a subtask (or the task-level score) itself jump?
    pub jumps: Option<JumpQuestion>,
    /// Question 2 with task-level rows: does the task jump beyond its composed subtasks?
    pub composition: Option<CompositionQuestion>,
    /// Question 3 (`--pair`): is the jump an artefact of the metric? One per pair asked of
    /// this group; None when no `--pair` names it.
    pub artefact: Option<Vec<super::artefact::ArtefactQuestion>>,
}

/// One verdict per group with subtasks; every question's p-values adjusted within its
/// declared families.
pub fn judge_all(a: &Analysis, o: &AnalyzeOptions) -> Vec<Verdict> {
    let groups: Vec<&Group> = a.groups.iter().filter(|g| !g.subtasks.is_empty()).collect();
    let jumps = jumps::judge_all(&groups, o);
    let composition = composition::judge_all(&groups, o);
    groups
        .par_iter()
        .zip(jumps.into_par_iter().zip(composition))
        .map(|(g, (jumps, composition))| {
            let (outcome, text) = headline(&jumps, &composition);
            Verdict {
                key: g.key.clone(),
                operator: o.verdict_op.name().to_string(),
                outcome,
                text,
                jumps: Some(jumps),
                composition: Some(composition),
                artefact: None,
            }
        })
        .collect()
}

/// The headline from the questions' answers.
fn headline(jumps: &JumpQuestion, composition: &CompositionQuestion) -> (Outcome, String) {
    let emergent = [
        (jumps.outcome == JumpOutcome::Emergent).then_some(&jumps.text),
        (composition.outcome == CompositionOutcome::Emergent).then_some(&composition.text),
    ];
    let found: Vec<&str> = emergent.iter().flatten().map(|t| strip_lead(t)).collect();
    if !found.is_empty() {
        return (Outcome::Emergent, format!("emergent: {}", found.join("; ")));
    }
    let departs = [
        (jumps.outcome == JumpOutcome::NotSmooth).then_some(&jumps.text),
        (composition.outcome == CompositionOutcome::FallsShort).then_some(&composition.text),
    ];
    let found: Vec<&str> = departs.iter().flatten().map(|t| strip_lead(t)).collect();
    if !found.is_empty() {
        return (Outcome::NotSmooth, format!("not smooth: {}", found.join("; ")));
    }
    if composition.outcome == CompositionOutcome::Departs {
        return (Outcome::Departs, composition.text.clone());
    }
    let mut powers = Vec::new();
    if jumps.outcome == JumpOutcome::NoEvidence {
        powers.push(jumps.power.map_or_else(
            || "not available in the break tests".to_string(),
            |p| format!("{:.0}% in the break tests (the lowest over the series)", 100.0 * p),
        ));
    }
    if composition.outcome == CompositionOutcome::NoEvidence {
        powers.push(composition.power().map_or_else(
            || "not available for the task-level score against its composition".to_string(),
            |p| format!("{:.0}% for the task-level score against its composition", 100.0 * p),
        ));
    }
    if powers.is_empty() {
        let why = [&jumps.text, &composition.text].map(|t| strip_lead(t).to_string());
        return (Outcome::Insufficient, format!("insufficient data: {}", why.join("; ")));
    }
    (
        Outcome::NoEvidence,
        format!(
            "no evidence against composition (power to detect a +10-point jump at the two largest sizes: {})",
            powers.join(", ")
        ),
    )
}

/// A question's text without its leading outcome ("emergent: ", "insufficient data: ").
fn strip_lead(text: &str) -> &str {
    text.split_once(": ").map_or(text, |(_, rest)| rest)
}
