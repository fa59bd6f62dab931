//! How `emerge analyze` measures uncertainty, fits curves and judges series.

use super::interval::CiMethod;
use crate::compose::Operator;

/// The default `--seed`: the day Schaeffer et al. posted "Are Emergent Abilities of
/// Large Language Models a Mirage?" (2023-04-28).
pub const DEFAULT_SEED: u64 = 20_230_428;

/// The scale curves are fitted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// log10 of the parameter count.
    Params,
    /// log10 of the training compute (the `flops` column).
    Flops,
}

impl XAxis {
    pub fn name(self) -> &'static str {
        match self {
            XAxis::Params => "params",
            XAxis::Flops => "flops",
        }
    }

    /// A model's position on this axis: log10 of its params or of its (positive) FLOPs.
    pub fn log10_of(self, params: f64, flops: Option<f64>) -> Option<f64> {
        match self {
            XAxis::Params => Some(params.log10()),
            XAxis::Flops => flops.filter(|f| *f > 0.0).map(f64::log10),
        }
    }
}

/// Options of the statistics stage. [`AnalyzeOptions::default`] is what
/// `emerge analyze` uses when no flag is given.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeOptions {
    /// Two-sided level of every interval, in (0, 1).
    pub confidence: f64,
    /// Interval for points with item counts.
    pub ci: CiMethod,
    /// Posterior draws for compound and emergence-score intervals (0 turns them off), and
    /// `--pair`'s bootstrap replicates (at least its own minimum, 200). The verdict's break
    /// tests (questions 1 and 2) draw their own replicates, sequentially up to 999, whatever
    /// this is.
    pub bootstrap: usize,
    pub seed: u64,
    /// Common item count for rows without `n` (`--n`).
    pub n_items: Option<u64>,
    pub x_axis: XAxis,
    /// Chance level of the task (`--chance`): the logistic fits' floor.
    pub chance: Option<f64>,
    /// Compound rates whose crossing the forecast reports.
    pub thresholds: Vec<f64>,
    /// The operator the verdict composes subtask trends with.
    pub verdict_op: Operator,
    /// Show a progress bar on a terminal for long bootstraps.
    pub progress: bool,
    /// Which verdicts' p-values are adjusted together (`--fdr-family`).
    pub fdr_family: FdrFamily,
    /// `--pair STRICT=CONTINUOUS`: the verdict's question 3 for each.
    pub pairs: Vec<super::artefact::MetricPair>,
    /// `--predict-at`: sizes (params, or FLOPs under `--x flops`) to forecast every series at.
    pub predict_at: Vec<f64>,
}

/// The family of tests within which Benjamini–Hochberg controls the false discovery rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FdrFamily {
    /// The tests of one task, across its families, metrics, shots and subtasks: a task's
    /// outcome does not depend on the other tasks in the input.
    #[default]
    Task,
    /// Every test of the run.
    Run,
    /// No adjustment.
    None,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            confidence: 0.95,
            ci: CiMethod::Wilson,
            bootstrap: 2000,
            seed: DEFAULT_SEED,
            n_items: None,
            x_axis: XAxis::Params,
            chance: None,
            thresholds: vec![0.05, 0.5],
            verdict_op: "all".parse().expect("`all` is a valid operator"),
            progress: false,
            fdr_family: FdrFamily::Task,
            pairs: Vec::new(),
            predict_at: Vec::new(),
        }
    }
}

impl FdrFamily {
    pub fn name(self) -> &'static str {
        match self {
            FdrFamily::Task => "task",
            FdrFamily::Run => "run",
            FdrFamily::None => "none",
        }
    }
}

impl std::str::FromStr for FdrFamily {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "task" => Ok(FdrFamily::Task),
            "run" => Ok(FdrFamily::Run),
            "none" => Ok(FdrFamily::None),
            _ => Err(format!("unknown multiple-testing family `{s}`: choose task, run or none")),
        }
    }
}

impl AnalyzeOptions {
    /// 1 − confidence: the significance level of the verdict.
    pub fn alpha(&self) -> f64 {
        1.0 - self.confidence
    }
}
