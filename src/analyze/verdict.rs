//! Is what was observed more than smooth subtasks, composed? One verdict per group with
//! subtasks, from separate questions, each with its own test:
//!
//! 1. Does a subtask (or the task-level score) itself jump? ([`super::jumps`])
//! 2. Does the whole task jump beyond its composed subtasks? ([`super::composition`],
//!    with task-level rows; [`super::dependence`], with item-level data: does the
//!    dependence between subtasks rise with scale?)
//! 3. Is the jump an artefact of the metric? ([`super::artefact`], with `--pair`)
//!
//! The headline names every question that found emergence (or a departure), else "no
//! evidence against composition" with the power of the tests that were run, else
//! "insufficient data". A test that does not reject is never reported as an explanation.

use super::artefact::ArtefactOutcome;
use super::composition::{self, CompositionOutcome, CompositionQuestion};
use super::dependence::{self, DependenceOutcome, DependenceQuestion};
use super::jumps::{self, JumpOutcome, JumpQuestion};
use super::{Analysis, AnalyzeOptions};
use crate::compose::{Group, GroupKey};
use crate::ingest::items::JointCounts;

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
    /// Question 3: abrupt under the strict metric, smooth under the continuous one.
    MetricArtefact,
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
    /// Question 2 with item-level data: does the subtasks' dependence rise with scale?
    pub dependence: Option<DependenceQuestion>,
    /// Question 3 (`--pair`): is the jump an artefact of the metric? One per pair asked of
    /// this group; None when no `--pair` names it.
    pub artefact: Option<Vec<super::artefact::ArtefactQuestion>>,
}

/// One verdict per group with subtasks or a task-level row; every question's p-values adjusted within its
/// declared families. `joint`: item-level inputs' joint outcomes (question 2's dependence test).
pub fn judge_all(a: &Analysis, joint: &[JointCounts], o: &AnalyzeOptions) -> Vec<Verdict> {
    // Every group with subtasks or a task-level row: a task-level series alone still gets
    // question 1's break test.
    let groups: Vec<&Group> =
        a.groups.iter().filter(|g| !g.subtasks.is_empty() || g.task_level.is_some()).collect();
    let jumps = jumps::judge_all(&groups, o);
    let composition = composition::judge_all(&groups, o);
    let mut verdicts: Vec<Verdict> = groups
        .iter()
        .zip(jumps.into_iter().zip(composition))
        .map(|(g, (jumps, composition))| Verdict {
            key: g.key.clone(),
            operator: o.verdict_op.name().to_string(),
            outcome: Outcome::Insufficient,
            text: String::new(),
            jumps: Some(jumps),
            composition: Some(composition),
            dependence: None,
            artefact: None,
        })
        .collect();
    dependence::attach(&mut verdicts, &a.groups, joint, o);
    for v in &mut verdicts {
        (v.outcome, v.text) = headline(v);
    }
    verdicts
}

/// One question's contribution to the headline.
enum Answer<'a> {
    Found(&'a str),
    Departs(&'a str),
    NotSmooth(&'a str),
    NoEvidence(String),
    Insufficient(&'a str),
}

/// Question 2's answer: with item-level data the dependence test (the joint outcome is
/// scored on the subtasks' own items, so it departs from independent composition by
/// construction), else the task-level test.
fn question_2(v: &Verdict) -> Option<Answer<'_>> {
    if let Some(d) = v.dependence.as_ref().filter(|d| d.outcome != DependenceOutcome::Insufficient) {
        return Some(match d.outcome {
            DependenceOutcome::Rises => Answer::Found(&d.text),
            _ => Answer::NoEvidence(d.test.as_ref().ok().and_then(|t| t.power).map_or_else(
                || "not available for a rise of the dependence between subtasks".to_string(),
                |p| {
                    format!(
                        "{:.0}% to see the subtasks' dependence ρ rise by 0.5 at the two largest sizes",
                        100.0 * p
                    )
                },
            )),
        });
    }
    let c = v.composition.as_ref()?;
    Some(match c.outcome {
        CompositionOutcome::Emergent => Answer::Found(&c.text),
        CompositionOutcome::Departs => Answer::Departs(&c.text),
        CompositionOutcome::FallsShort => Answer::NotSmooth(&c.text),
        CompositionOutcome::NoEvidence => Answer::NoEvidence(c.power().map_or_else(
            || "not available for the task-level score against its composition".to_string(),
            |p| {
                format!(
                    "{:.0}% to see the task-level score jump 10 points at the two largest sizes",
                    100.0 * p
                )
            },
        )),
        CompositionOutcome::Insufficient => Answer::Insufficient(&c.text),
    })
}

fn question_1(q: &JumpQuestion) -> Answer<'_> {
    match q.outcome {
        JumpOutcome::Emergent => Answer::Found(&q.text),
        JumpOutcome::NotSmooth => Answer::NotSmooth(&q.text),
        JumpOutcome::NoEvidence => Answer::NoEvidence(q.power.map_or_else(
            || "not available in the break tests".to_string(),
            |p| format!("{:.0}% to see a series jump 10 points at the two largest sizes (the lowest over the series)", 100.0 * p),
        )),
        JumpOutcome::Insufficient => Answer::Insufficient(&q.text),
    }
}

/// The headline from the questions' answers: every finding, else a departure, else no
/// evidence with every test's power, else why nothing could be tested.
fn headline(v: &Verdict) -> (Outcome, String) {
    let answers: Vec<Answer> = v.jumps.as_ref().map(question_1).into_iter().chain(question_2(v)).collect();
    let pick = |f: fn(&Answer) -> Option<String>| answers.iter().filter_map(f).collect::<Vec<_>>();
    let found = pick(|a| if let Answer::Found(t) = a { Some(strip_lead(t).to_string()) } else { None });
    if !found.is_empty() {
        return (Outcome::Emergent, format!("emergent: {}", found.join("; ")));
    }
    let not_smooth =
        pick(|a| if let Answer::NotSmooth(t) = a { Some(strip_lead(t).to_string()) } else { None });
    if !not_smooth.is_empty() {
        return (Outcome::NotSmooth, format!("not smooth: {}", not_smooth.join("; ")));
    }
    if let Some(t) = answers.iter().find_map(|a| if let Answer::Departs(t) = a { Some(*t) } else { None }) {
        return (Outcome::Departs, t.to_string());
    }
    let powers = pick(|a| if let Answer::NoEvidence(p) = a { Some(p.clone()) } else { None });
    if !powers.is_empty() {
        return (
            Outcome::NoEvidence,
            format!("no evidence against composition (power: {})", powers.join(", ")),
        );
    }
    let why = pick(|a| if let Answer::Insufficient(t) = a { Some(strip_lead(t).to_string()) } else { None });
    (Outcome::Insufficient, format!("insufficient data: {}", why.join("; ")))
}

/// Question 3's answers (`--pair`, attached after the other questions) into the headline:
/// a metric artefact or a jump that persists under the continuous metric is named beside
/// the other questions' headline, and is the headline of a group no other question judged.
pub fn add_artefacts_to_headlines(verdicts: &mut [Verdict]) {
    for v in verdicts.iter_mut() {
        let Some(qs) = &v.artefact else { continue };
        let named: Vec<(ArtefactOutcome, String)> = qs
            .iter()
            .filter(|q| matches!(q.outcome, ArtefactOutcome::MetricArtefact | ArtefactOutcome::Persists))
            .map(|q| (q.outcome, format!("{} vs {}: {}", q.strict.name, q.continuous.name, q.text)))
            .collect();
        if named.is_empty() {
            continue;
        }
        let texts: Vec<&str> = named.iter().map(|n| n.1.as_str()).collect();
        if v.outcome == Outcome::Insufficient {
            v.outcome = if named.iter().any(|n| n.0 == ArtefactOutcome::Persists) {
                Outcome::Emergent
            } else {
                Outcome::MetricArtefact
            };
            v.text = texts.join("; ");
        } else {
            v.text = format!("{}; {}", v.text, texts.join("; "));
        }
    }
}

/// A question's text without its leading outcome ("emergent: ", "insufficient data: ").
fn strip_lead(text: &str) -> &str {
    text.split_once(": ").map_or(text, |(_, rest)| rest)
}
