//! Question 2 of the verdict, with task-level rows: does the whole task jump beyond its
//! composed subtasks?
//!
//! A group with a task-level row (an empty subtask, with counts) and subtasks with counts
//! gets [`beyond_test`]: the task-level series against the composition of the subtasks'
//! smooth trends under `--verdict-op`, up to a constant factor (a dependence between
//! subtasks that does not change with scale), with one break as the alternative; p-value
//! by a parametric bootstrap that refits the subtasks, the composition and both models in
//! every replicate. p-values are adjusted by Benjamini–Hochberg within each declared family
//! ([`FdrFamily`]). A group that does not reject gets the test's power to see a +10-point
//! jump of the task-level score at its two largest sizes, at its own sizes and counts.
//!
//! Without a task-level row there is nothing independent of the subtask fits to compare
//! their composition with: the composition of the observed subtask scores is what the
//! trends were fitted to (tested against them, it rejected 0 of 400 simulated null tasks,
//! issue 14). Item-level data answers the question through the items' joint outcomes
//! instead.

use rayon::prelude::*;

use super::breaks::{beyond_test, BeyondData, BeyondTest, BreakData, BreakKind, BreakOptions, Dependence};
use super::jumps::{p_text, series_counts, series_seed};
use super::multitest::adjust_in_families;
use super::options::FdrFamily;
use super::AnalyzeOptions;
use crate::compose::Group;

/// What question 2 concluded for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompositionOutcome {
    /// The task-level score rises beyond its composed subtasks at some size.
    Emergent,
    /// The task-level score rises above the composition of independent subtasks, but no
    /// more than a factor that does not change with scale explains, as far as the data
    /// tell: a dependence between subtasks (items hard on one are hard on the others) fits
    /// as well as a jump.
    Departs,
    /// The task-level score falls below its composed subtasks at some size.
    FallsShort,
    /// The test does not reject "smooth subtasks, composed" (which is not a finding).
    NoEvidence,
    Insufficient,
}

/// What was compared with the composed subtask trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observation {
    /// Task-level rows (empty subtask), e.g. exact match on the whole task.
    TaskLevel,
    /// No task-level rows: nothing independent of the subtask fits.
    ComposedSubtasks,
}

/// The answer for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositionQuestion {
    pub outcome: CompositionOutcome,
    pub text: String,
    pub observation: Observation,
    /// Task-level sizes tested.
    pub points: usize,
    /// Against the composition of independent subtasks ([`Dependence::None`]).
    pub test: Option<BeyondTest>,
    pub p_adjusted: Option<f64>,
    /// Against the composition up to a constant factor ([`Dependence::Constant`]).
    pub beyond_dependence: Option<BeyondTest>,
    pub p_adjusted_beyond_dependence: Option<f64>,
    /// Model names at the task-level sizes.
    pub models: Vec<String>,
}

impl CompositionQuestion {
    fn insufficient(observation: Observation, why: impl std::fmt::Display) -> Self {
        CompositionQuestion {
            outcome: CompositionOutcome::Insufficient,
            text: format!("insufficient data: {why}"),
            observation,
            points: 0,
            test: None,
            p_adjusted: None,
            beyond_dependence: None,
            p_adjusted_beyond_dependence: None,
            models: Vec::new(),
        }
    }

    /// The power of the test the outcome rests on (no evidence, or dependent).
    pub fn power(&self) -> Option<f64> {
        let test = match self.outcome {
            CompositionOutcome::Departs => self.beyond_dependence.as_ref(),
            _ => self.test.as_ref(),
        };
        test?.power.as_ref().map(|e| e.power)
    }

    /// Model names either side of a test's strongest departure.
    pub fn between(&self, t: &BeyondTest) -> Option<(String, String)> {
        let (a, b) = t.strongest.between;
        Some((self.models.get(a)?.clone(), self.models.get(b)?.clone()))
    }
}

/// Why the verdict's tests leave a lower-is-better metric alone.
pub(super) const LOWER_IS_BETTER: &str =
    "the metric is lower-is-better (higher_is_better false in the input); the \
     verdict's break and composition tests model rates that rise from chance";

fn options(g: &Group, o: &AnalyzeOptions, power: bool) -> BreakOptions {
    BreakOptions {
        chance: g.chance(o.chance).unwrap_or(0.0),
        alpha: o.alpha(),
        power,
        ..BreakOptions::default()
    }
}

/// Question 2 for every group, index-aligned with `groups`.
pub fn judge_all(groups: &[&Group], o: &AnalyzeOptions) -> Vec<CompositionQuestion> {
    let mut answers: Vec<CompositionQuestion> = groups.par_iter().map(|g| test(g, o)).collect();
    adjust(groups, &mut answers, o.fdr_family);
    groups.par_iter().zip(answers).map(|(g, q)| conclude(g, q, o)).collect()
}

/// The test's data: every subtask's counts and the task-level counts, and the model
/// names at the task-level sizes.
fn data(g: &Group, o: &AnalyzeOptions) -> Result<(BeyondData, Vec<String>), String> {
    let task = g.task_level.as_deref().ok_or("no task-level row")?;
    let (task, names) = series_counts(g, task, o).map_err(|e| format!("the task-level row: {e}"))?;
    let subtasks = g
        .subtasks
        .iter()
        .zip(&g.cells)
        .map(|(s, row)| series_counts(g, row, o).map(|(d, _)| d).map_err(|e| format!("subtask {s:?}: {e}")))
        .collect::<Result<Vec<BreakData>, String>>()?;
    Ok((BeyondData::new(subtasks, task).map_err(|e| e.to_string())?, names))
}

fn test(g: &Group, o: &AnalyzeOptions) -> CompositionQuestion {
    let op = &o.verdict_op;
    let Some(_) = &g.task_level else {
        return CompositionQuestion::insufficient(
            Observation::ComposedSubtasks,
            "no task-level rows (the task's own score, e.g. exact match on the whole task), so nothing \
             independent of the subtask fits to compare their composition with",
        );
    };
    let fail = |why: String| CompositionQuestion::insufficient(Observation::TaskLevel, why);
    if g.subtasks.is_empty() {
        return fail("no subtasks to compose (only the task-level score)".into());
    }
    if let Err(e) = op.apply(&vec![0.5; g.subtasks.len()]) {
        return fail(e.to_string());
    }
    if !op.is_rate() {
        return fail(format!("{} is not a rate; the verdict tests rates", op.name()));
    }
    if !g.higher_is_better() {
        return fail(LOWER_IS_BETTER.into());
    }
    let (data, names) = match data(g, o) {
        Ok(d) => d,
        Err(why) => return fail(why),
    };
    let seed = series_seed(o.seed, &g.key, None);
    let run = |null| beyond_test(&data, op, null, &options(g, o, false), seed);
    match (run(Dependence::None), run(Dependence::Constant)) {
        (Ok(t), Ok(d)) => CompositionQuestion {
            outcome: CompositionOutcome::NoEvidence,
            text: String::new(),
            observation: Observation::TaskLevel,
            points: data.task().log10_sizes().len(),
            test: Some(t),
            p_adjusted: None,
            beyond_dependence: Some(d),
            p_adjusted_beyond_dependence: None,
            models: names,
        },
        (Err(e), _) | (_, Err(e)) => fail(e.to_string()),
    }
}

/// Benjamini–Hochberg within each declared family, each of the two tests on its own.
fn adjust(groups: &[&Group], answers: &mut [CompositionQuestion], family: FdrFamily) {
    let of = |t: fn(&CompositionQuestion) -> Option<&BeyondTest>| -> Vec<Option<(&str, f64)>> {
        groups
            .iter()
            .zip(answers.iter())
            .map(|(g, q)| t(q).map(|t| (g.key.task.as_str(), t.p_value)))
            .collect()
    };
    let primary = adjust_in_families(&of(|q| q.test.as_ref()), family);
    let dependence = adjust_in_families(&of(|q| q.beyond_dependence.as_ref()), family);
    for ((q, p), d) in answers.iter_mut().zip(primary).zip(dependence) {
        q.p_adjusted = p;
        q.p_adjusted_beyond_dependence = d;
    }
}

fn conclude(g: &Group, mut q: CompositionQuestion, o: &AnalyzeOptions) -> CompositionQuestion {
    let (Some(t), Some(adjusted)) = (&q.test, q.p_adjusted) else { return q };
    let alpha = o.alpha();
    let p =
        |t: &BeyondTest, adjusted: f64| format!("p = {}, adjusted {}", p_text(t.p_value), p_text(adjusted));
    if adjusted >= alpha {
        let t = with_power(g, o, Dependence::None).unwrap_or_else(|| t.clone());
        q.test = Some(t);
        q.outcome = CompositionOutcome::NoEvidence;
        q.text = format!(
            "no evidence against composition (adjusted p = {}; {})",
            p_text(adjusted),
            power_text(q.power())
        );
        return q;
    }
    if t.strongest.delta < 0.0 {
        q.outcome = CompositionOutcome::FallsShort;
        q.text = format!("falls short: the task-level score {}; {})", departure(&q, t), p(t, adjusted));
        return q;
    }
    let d = q.beyond_dependence.clone().expect("tested with the primary test");
    let d_adjusted = q.p_adjusted_beyond_dependence.unwrap_or(1.0);
    if d_adjusted < alpha && d.strongest.delta > 0.0 {
        q.outcome = CompositionOutcome::Emergent;
        q.text = format!(
            "emergent: the task-level score {}; {}), also beyond any constant dependence between subtasks \
             ({})",
            departure(&q, &d),
            p(t, adjusted),
            p(&d, d_adjusted)
        );
        return q;
    }
    q.outcome = CompositionOutcome::Departs;
    if d_adjusted < alpha {
        // Beyond a constant factor the departure changes with scale, but shrinks.
        q.text = format!(
            "departs from independent subtasks: the task-level score {}; {}); beyond a constant dependence \
             between subtasks (odds × {:.2}) the excess shrinks with scale, it does not jump ({})",
            departure(&q, t),
            p(t, adjusted),
            d.offset.exp(),
            p(&d, d_adjusted)
        );
        return q;
    }
    q.beyond_dependence = Some(with_power(g, o, Dependence::Constant).unwrap_or(d.clone()));
    q.text = format!(
        "departs from independent subtasks: the task-level score {}; {}), but a dependence between subtasks \
         that does not change with scale (odds × {:.2}) fits as well: no evidence of a jump beyond it (adjusted p \
         = {}; {})",
        departure(&q, t),
        p(t, adjusted),
        d.offset.exp(),
        p_text(d_adjusted),
        power_text(q.power())
    );
    q
}

/// "jumps beyond its composed subtasks between A and B (observed …, composed …; " — the
/// caller closes the parenthesis after the p-values.
fn departure(q: &CompositionQuestion, t: &BeyondTest) -> String {
    let d = &t.strongest;
    let name = |i: usize| q.models.get(i).cloned().unwrap_or_default();
    let (a, b, to) = (name(d.between.0), name(d.between.1), name(d.to));
    let how = match (d.kind, d.delta > 0.0) {
        (BreakKind::Jump, true) => format!("jumps beyond its composed subtasks between {a} and {b}"),
        (BreakKind::Jump, false) => format!("drops below its composed subtasks between {a} and {b}"),
        (BreakKind::Hinge, true) => format!("starts rising faster than its composed subtasks after {a}"),
        (BreakKind::Hinge, false) => format!("starts rising slower than its composed subtasks after {a}"),
    };
    format!(
        "{how} (observed {:.1}% at {a} → {:.1}% at {to}, composed {:.1}% → {:.1}%",
        100.0 * d.observed_before,
        100.0 * d.observed_after,
        100.0 * d.composed_before,
        100.0 * d.composed_after,
    )
}

fn power_text(power: Option<f64>) -> String {
    power.map_or_else(
        || "power not available".to_string(),
        |p| format!("power {:.0}% to detect a +10-point jump at the two largest sizes", 100.0 * p),
    )
}

/// The test again with its power: the same streams, so the same p-value.
fn with_power(g: &Group, o: &AnalyzeOptions, null: Dependence) -> Option<BeyondTest> {
    let (data, _) = data(g, o).ok()?;
    beyond_test(&data, &o.verdict_op, null, &options(g, o, true), series_seed(o.seed, &g.key, None)).ok()
}
